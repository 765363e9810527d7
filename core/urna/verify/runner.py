"""Run every check over a bundle and collect the report.

The runner never stops at the first problem and never lets a check's crash
hide the others: a check that raises is reported as failed with the error.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from urna.record.election_events import BALLOT_VALIDATORS
from urna.record.errors import RecordError
from urna.record.event_types import CORE_EVENT_TYPES, EventType, index_event_types
from urna.record.manifest import MANIFEST_NAME
from urna.verify.ceremony_checks import with_ceremony_checks
from urna.verify.check import CheckContext, Failure, StartFunction, VerifierCheck
from urna.verify.election_checks import ELECTION_CHECKS, ballot_payload_failures
from urna.verify.record_checks import RECORD_CHECKS, payload_check
from urna.verify.record_view import RecordView, parse_record
from urna.verify.report import CheckResult, Report

Progress = Callable[[str, int, int], None]
"""``progress(check, done, total)``: ``check`` is running and ``done`` of the ``total``
items of its per-item work are finished; ``(check, 0, 0)`` when it begins
(``record.format`` while the bundle is parsed), so that every step of a long run shows."""
ELECTION_EVENTS = ("core.election_", "core.ballot_", "core.tally_")


def _no_progress(check: str, done: int, total: int) -> None:
    """Progress sink for callers that show none."""


def core_checks(event_types: Iterable[EventType] = ()) -> list[VerifierCheck]:
    """The record checks, the payload check over the core's and the given event types,
    and the election checks (``election.*``, not applicable where there is no election)."""
    given = list(event_types)
    names = {event_type.name for event_type in given}
    core = [event_type for event_type in CORE_EVENT_TYPES if event_type.name not in names]
    return [
        *RECORD_CHECKS,
        _payloads(index_event_types([*core, *given])),
        *(
            attrs.evolve(check, applies_to=ELECTION_EVENTS)
            for check in with_ceremony_checks(ELECTION_CHECKS)
        ),
    ]


def _payloads(types: dict[str, EventType]) -> VerifierCheck:
    """``record.payloads``, with the ballots' validation (the bulk of a big election, and
    the same decoding the election checks need) delegated to the per-ballot work of
    :mod:`urna.verify.election_checks`, which does it once, in parallel. Only the
    core's own ballot validators are delegated: a type a plugin redefines keeps its own."""
    delegated = frozenset(
        name
        for name, validator in BALLOT_VALIDATORS.items()
        if name in types and types[name].validate is validator
    )
    serial = payload_check(types, delegated)

    def check_payloads(record: RecordView, context: CheckContext) -> Iterator[Failure]:
        yield from serial.run(record, context)
        if delegated:
            yield from ballot_payload_failures(record, context)

    check_payloads.__doc__ = serial.run.__doc__
    return VerifierCheck(serial.id, serial.title, check_payloads)


def verify_files(
    files: dict[str, bytes],
    *,
    bundle: str,
    checks: Sequence[VerifierCheck],
    jobs: int = 1,
    progress: Progress = _no_progress,
) -> Report:
    """Verify a bundle already read into memory (see ``urna.record.bundle.read_bundle``)."""
    _refuse_duplicate_ids(checks)
    progress("record.format", 0, 0)
    try:
        record = parse_record(files)
    except RecordError as exc:
        where = exc.where or MANIFEST_NAME
        failed = CheckResult(
            exc.check, "Bundle format", "failed", (Failure(exc.check, where, str(exc)),)
        )
        skipped = [
            CheckResult(check.id, check.title, "not run", reason="the bundle could not be parsed")
            for check in checks
            if check.id != exc.check
        ]
        return Report(bundle, "", 0, "", (failed, *skipped))
    results = []
    event_types = {event.type for event in record.events}
    with _Mapper(jobs) as mapper:
        contexts = [CheckContext(mapper, progress, check.id) for check in checks]
        for check, context in zip(checks, contexts, strict=True):
            if check.start is not None:
                _start(check.start, record, context)
        for check, context in zip(checks, contexts, strict=True):
            progress(check.id, 0, 0)
            results.append(_run(check, record, context, event_types))
    return Report(
        bundle,
        record.scope,
        len(record.events),
        record.manifest.signer,
        (CheckResult("record.format", "Bundle format", "passed"), *results),
    )


def _run(
    check: VerifierCheck, record: RecordView, context: CheckContext, event_types: set[str]
) -> CheckResult:
    if not check.applies(event_types):
        return CheckResult(check.id, check.title, "not applicable")
    try:
        failures = tuple(check.run(record, context))
    except Exception as exc:
        failures = (Failure(check.id, "", f"check raised {type(exc).__name__}: {exc}"),)
    return CheckResult(check.id, check.title, "failed" if failures else "passed", failures)


def _start(start: StartFunction, record: RecordView, context: CheckContext) -> None:
    """Begin a check's background work. A crash here is not lost: the check's ``run``
    does the same work again when nothing was started, and reports what goes wrong."""
    try:
        start(record, context)
    except Exception:  # reported by the check's run, see the docstring
        return


def _refuse_duplicate_ids(checks: Sequence[VerifierCheck]) -> None:
    seen: set[str] = set()
    for check in checks:
        if check.id in seen:
            raise ValueError(f"two checks share the id {check.id}")
        seen.add(check.id)


class _Mapper:
    """``map`` in this process, or over a process pool when jobs > 1."""

    def __init__(self, jobs: int) -> None:
        self._jobs = jobs
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def __enter__(self) -> _Mapper:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __call__(self, function: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[Any]:
        if self._jobs <= 1 or len(items) <= 1:
            return map(function, items)
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(max_workers=self._jobs)
        return self._pool.map(function, items)


def verify_path(
    path: Path,
    *,
    checks: Sequence[VerifierCheck],
    jobs: int = 1,
    progress: Progress = _no_progress,
) -> Report:
    """Read and verify the bundle at ``path``; raises ``UnreadableBundleError`` only when
    there is no bundle to read at all. Every other problem is a failed check."""
    from urna.record.bundle import read_bundle

    try:
        raw = read_bundle(path)
    except RecordError as exc:
        if exc.check == "record.readable":
            raise
        result = CheckResult(
            exc.check, "Bundle format", "failed", (Failure(exc.check, str(path), str(exc)),)
        )
        return Report(str(path), "", 0, "", (result,))
    return verify_files(raw.files, bundle=str(path), checks=checks, jobs=jobs, progress=progress)
