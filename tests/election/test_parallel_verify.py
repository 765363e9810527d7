"""The verifier's parallel path: ballot work submitted before the quick checks run
gives exactly the report of a one-process run, tampering included, and a check's
``start`` is called before any check runs without being able to hide a failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from test_election_record import CHECKS, proof_changed, range_proof_changed, rewritten
from urna.record.manifest import EVENTS_NAME
from urna.verify import verify_files
from urna.verify.check import CheckContext, Failure, VerifierCheck
from urna.verify.record_view import RecordView


def _failures(files: dict[str, bytes], jobs: int) -> list[tuple[str, str, str]]:
    report = verify_files(files, bundle="b", checks=CHECKS, jobs=jobs)
    return [(f.check, f.where, f.message) for r in report.results for f in r.failures]


def test_two_processes_report_exactly_what_one_process_reports(small_election):
    def both(events: list[tuple[str, dict[str, Any]]]) -> None:
        proof_changed(events)
        range_proof_changed(events)

    tampered = rewritten(small_election, both)
    one = _failures(tampered, jobs=1)
    assert {"election.selection-proofs", "election.contest-limits"} <= {c for c, _, _ in one}
    assert _failures(tampered, jobs=2) == one
    assert _failures(small_election.files(), jobs=2) == []


def test_a_forged_event_signature_is_reported_alike_with_its_work_started_first(
    small_election,
):
    """record.signatures submits its work in ``start``, ahead of the ballots; the report
    is still the one-process report, forged signature and tampered proof included."""
    tampered = rewritten(small_election, proof_changed)
    lines = tampered[EVENTS_NAME].split(b"\n")
    at = lines[3].index(b'"sig":"') + 7
    lines[3] = (
        lines[3][:at] + (b"0" if lines[3][at : at + 1] != b"0" else b"1") + lines[3][at + 1 :]
    )
    forged = {**tampered, EVENTS_NAME: b"\n".join(lines)}
    one = _failures(forged, jobs=1)
    assert {"record.signatures", "election.selection-proofs"} <= {c for c, _, _ in one}
    assert len([where for check, where, _ in one if check == "record.signatures"]) == 1
    assert _failures(forged, jobs=2) == one


def test_start_runs_before_every_check_and_a_crashing_start_hides_nothing(small_election):
    calls: list[str] = []

    def start(record: RecordView, context: CheckContext) -> None:
        calls.append("start")
        raise RuntimeError("the background work could not be submitted")

    def run(record: RecordView, context: CheckContext) -> Iterator[Failure]:
        calls.append("run")
        yield Failure("example.late", "", "found by the run itself")

    def first(record: RecordView, context: CheckContext) -> Iterator[Failure]:
        calls.append("first")
        return iter(())

    checks = [
        VerifierCheck("example.first", "Runs first", first),
        VerifierCheck("example.late", "Has background work", run, start=start),
    ]
    report = verify_files(small_election.files(), bundle="b", checks=checks)
    assert calls == ["start", "first", "run"]
    assert [r.id for r in report.failed] == ["example.late"]
