"""Accepting precinct protocols: law checks, member signatures, corrections, no double count.

The path of a protocol runs one way: read (``check_entry``, the document's
shape and digest in ``protocol``), checked against the law for the contests
on its precinct's ballot (``check_law``, ``contests``), its signatures
checked (``signatures``, keys from the cached structure, ``cache``),
appended with its neighbours (``write_batch``, ``Batcher``), then aggregated
by whoever reads the results (``live``, ``results``). Entering a protocol by
hand, twice, then signing it is ``entry.py``, which ends here too.

``accept_signed`` is the one door every protocol goes through, whether it was
entered on the web page, posted to the API or read from an offline package:
the control ratios are checked, then the signatures against the members
registered for that precinct, then the precinct's current protocol, and only
then are the event and the row written, in one transaction. The same
protocol sent twice is recorded once (its digest is its natural key).
"""

from __future__ import annotations

import asyncio
import contextvars
import hmac
import json
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, cast

import attrs
from tortoise.exceptions import IntegrityError
from urna.api import Ledger, LedgerError

from urna_elections import models, sql
from urna_elections.cache import Structure, structure_for
from urna_elections.contests import Contest, check_contests, selections_of
from urna_elections.law import validate_lines
from urna_elections.protocol import ProtocolError, check_document, protocol_digest
from urna_elections.record import PROTOCOL_ACCEPTED
from urna_elections.signatures import check_signature_entries, signature_problems
from urna_elections.structure import ElectionInfo


class ProtocolRejected(ValueError):
    """The protocol is not accepted; ``problems`` names each reason, ``status`` the HTTP code."""

    def __init__(self, status: int, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.status = status
        self.problems = problems


@attrs.frozen(slots=True)
class Accepted:
    digest: str
    precinct: str
    seq: int
    version: int
    created: bool


def check_law(election: ElectionInfo, doc: Mapping[str, Any], ballot: Sequence[Contest]) -> None:
    """Shape, election, profile, lines, the votes of every contest on the precinct's
    ``ballot`` and the control ratios per contest; raises ``ProtocolRejected`` (422)."""
    try:
        check_document(doc)
        validate_lines(election.profile, doc["lines"], doc["votes"], selections_of(ballot))
    except (ProtocolError, ValueError) as exc:
        raise ProtocolRejected(422, [str(exc)]) from None
    if doc["election"] != election.code:
        raise ProtocolRejected(
            422, [f"protocol is for election {doc['election']}, not {election.code}"]
        )
    if doc["profile"] != election.profile.name:
        raise ProtocolRejected(
            422,
            [f"protocol uses profile {doc['profile']}, the election's is {election.profile.name}"],
        )
    failures = check_contests(election.profile, ballot, doc["lines"], doc["votes"])
    if failures:
        raise ProtocolRejected(422, failures)


@attrs.frozen(slots=True)
class Checked:
    """A protocol that passed every check that does not depend on what is already counted."""

    precinct: str
    digest: str
    doc: Mapping[str, Any]
    payload: dict[str, Any]
    source: str


def check_entry(entry: Any) -> tuple[dict[str, Any], list[Any], list[Any]]:
    if not isinstance(entry, Mapping):
        raise ProtocolRejected(422, ["a signed protocol must be a JSON object"])
    unknown = sorted(set(entry) - {"protocol", "digest", "signatures", "dissents"})
    if unknown or "protocol" not in entry:
        raise ProtocolRejected(
            422,
            [
                f"a signed protocol has protocol, signatures, dissents "
                f"(and digest); unexpected {unknown}"
            ],
        )
    return entry["protocol"], entry.get("signatures", []), entry.get("dissents", [])


async def check_signed(structure: Structure, entry: Any, via: str) -> Checked:
    """Law, shapes, digest and member signatures against the cached structure (no query
    unless the precinct or a key is not cached yet); raises ``ProtocolRejected``."""
    election = structure.election
    doc, signatures, dissents = check_entry(entry)
    try:
        check_document(doc)
    except ProtocolError as exc:
        raise ProtocolRejected(422, [str(exc)]) from None
    precinct = doc["precinct"]
    if not structure.is_precinct(precinct):
        await structure.reload_precinct(precinct)
        if not structure.is_precinct(precinct):
            raise ProtocolRejected(422, [f"{precinct} is not a precinct of {election.code}"])
    check_law(election, doc, structure.ballot(precinct))
    try:
        check_signature_entries(signatures, dissents)
    except ProtocolError as exc:
        raise ProtocolRejected(422, [str(exc)]) from None
    digest = protocol_digest(doc).hex()
    given = entry.get("digest", digest)
    if not isinstance(given, str) or not hmac.compare_digest(given, digest):
        raise ProtocolRejected(422, ["the digest given is not the digest of the protocol"])
    problems = _signature_problems(structure, precinct, digest, signatures, dissents)
    signing = (e.get("key") for e in (*signatures, *dissents) if isinstance(e, Mapping))
    if problems and any(key not in structure.signers for key in signing):
        # A member registered by another process since the cache was filled? (Only an
        # unknown key makes the cache suspect: a bad signature must not cost queries.)
        await structure.reload_commission(precinct)
        problems = _signature_problems(structure, precinct, digest, signatures, dissents)
    if problems:
        raise ProtocolRejected(422, problems)
    payload = {
        "protocol": dict(doc),
        "digest": digest,
        "signatures": list(signatures),
        "dissents": list(dissents),
        "via": via,
    }
    return Checked(precinct, digest, doc, payload, "signed")


def _signature_problems(
    structure: Structure,
    precinct: str,
    digest: str,
    signatures: list[Any],
    dissents: list[Any],
) -> list[str]:
    """The signature problems against the cached structure, over the digest computed
    once by ``check_signed``."""
    return signature_problems(
        precinct,
        digest,
        signatures,
        dissents,
        structure.signers,
        structure.decisive.get(precinct, 0),
        structure.election.profile,
        key_of=structure.verify_key,
    )


async def accept_signed(
    ledger: Ledger, election: ElectionInfo, entry: Mapping[str, Any], via: str
) -> Accepted:
    """Check and record one signed protocol ``{protocol, digest, signatures, dissents}``."""
    structure = await structure_for(ledger, election.code)
    checked = await check_signed(structure, entry, via)
    outcome = await _write_alone(ledger, structure, checked)
    if isinstance(outcome, ProtocolRejected):
        raise outcome
    return outcome


async def accept_many(
    ledger: Ledger, election: ElectionInfo, entries: Sequence[Any], via: str
) -> list[Accepted | ProtocolRejected]:
    """Check and record many signed protocols in one unit (one commit): each answered on
    its own, a refused one stores nothing and does not stop the others."""
    structure = await structure_for(ledger, election.code)
    outcomes: list[Accepted | ProtocolRejected | None] = []
    checked: list[Checked] = []
    for entry in entries:
        try:
            checked.append(await check_signed(structure, entry, via))
            outcomes.append(None)
        except ProtocolRejected as exc:
            outcomes.append(exc)
    written = iter(await _write_or_one_by_one(ledger, structure, checked))
    return [next(written) if o is None else o for o in outcomes]


async def _write_alone(
    ledger: Ledger, structure: Structure, item: Checked
) -> Accepted | ProtocolRejected:
    try:
        return (await ledger.run(lambda: write_batch(structure, ledger, [item])))[0]
    except IntegrityError:
        # Another process accepted a protocol for the precinct meanwhile (PostgreSQL).
        existing = await models.Protocol.get_or_none(
            election_id=structure.election.id, digest=item.digest
        )
        if existing is not None:
            return Accepted(item.digest, item.precinct, existing.seq, existing.version, False)
        return ProtocolRejected(
            409, [f"another protocol for {item.precinct} was accepted meanwhile"]
        )


async def _write_or_one_by_one(
    ledger: Ledger, structure: Structure, items: list[Checked]
) -> list[Accepted | ProtocolRejected]:
    """One unit for all; if the unit fails as a whole (a unique key taken by another
    process meanwhile, a payload the ledger refuses), each item again on its own so that
    a failure is only its own."""
    if not items:
        return []
    try:
        return await ledger.run(lambda: write_batch(structure, ledger, items))
    except (IntegrityError, LedgerError):
        return [await _write_alone(ledger, structure, item) for item in items]


async def write_batch(
    structure: Structure, ledger: Ledger, items: Sequence[Checked]
) -> list[Accepted | ProtocolRejected]:
    """Record checked protocols, in order, inside the caller's transaction.

    Locks the election's row first (its status; on PostgreSQL this also orders
    concurrent writers of the election, as ``mark_official`` takes the same
    lock), then reads in one query what is already counted for these digests
    and precincts, appends one event per protocol and writes the rows in bulk.
    The statements are written as parameterised SQL (``sql.py``): building them
    through the ORM cost more CPU than running them.
    """
    election = structure.election
    db = sql.connection()
    if await sql.election_status(db, election.id) == "official":
        frozen = ProtocolRejected(409, ["results are official and frozen: nothing more is counted"])
        return [frozen for _ in items]
    digests = list({i.digest for i in items})
    precincts = list({i.precinct for i in items})
    known: dict[str, tuple[int, int]] = {}
    currents: dict[str, _Current] = {}
    for id_, precinct, digest, version, seq, current in await sql.fetch(
        db,
        sql.counted(len(digests), len(precincts)),
        [election.id, *digests, election.id, *precincts, True],
    ):
        if digest in digests:
            known[digest] = (seq, version)
        if current:
            currents[precinct] = _Current(digest, version, id_, None)
    counts: dict[str, int] = {
        code: n
        for code, n in await sql.fetch(
            db, sql.decisive_counts(len(precincts)), [election.id, *precincts, True]
        )
    }
    outcomes: list[Accepted | ProtocolRejected | None] = []
    rows: list[_NewRow] = []
    superseded: list[int] = []
    recorded: list[tuple[int, Checked, _NewRow]] = []  # (outcome index, item, row)
    repeated: dict[str, list[int]] = {}  # digest recorded in this batch -> later outcomes
    for item in items:
        precinct, digest = item.precinct, item.digest
        if digest in known:
            seq, version = known[digest]
            if seq < 0:  # recorded earlier in this batch: its seq is known after the append
                repeated.setdefault(digest, []).append(len(outcomes))
            outcomes.append(Accepted(digest, precinct, seq, version, False))
            continue
        current = currents.get(precinct)
        supersedes = item.doc["supersedes"]
        if current is None and supersedes:
            outcomes.append(
                ProtocolRejected(409, [f"{precinct} has no protocol for this one to supersede"])
            )
            continue
        if current is not None and supersedes != current.digest:
            outcomes.append(
                ProtocolRejected(
                    409,
                    [
                        f"{precinct} already has protocol {current.digest[:16]}...; a "
                        "correction is a repeat protocol that supersedes it, with a reason"
                    ],
                )
            )
            continue
        if item.source == "signed" and counts.get(precinct, 0) != structure.decisive.get(
            precinct, 0
        ):
            # Members were registered by another process: check the quorum again.
            await structure.reload_commission(precinct)
            problems = _signature_problems(
                structure,
                precinct,
                digest,
                item.payload["signatures"],
                item.payload["dissents"],
            )
            if problems:
                outcomes.append(ProtocolRejected(422, problems))
                continue
        version = 1 if current is None else current.version + 1
        if current is not None:
            if current.row is not None:
                current.row.current = False
            else:
                superseded.append(current.id)
        new = _NewRow(item, version)
        rows.append(new)
        currents[precinct] = _Current(digest, version, 0, new)
        known[digest] = (-1, version)
        recorded.append((len(outcomes), item, new))
        outcomes.append(None)
    if recorded:
        try:
            events = await ledger.append_many(
                election.scope, [(PROTOCOL_ACCEPTED, item.payload) for _, item, _ in recorded]
            )
        except LedgerError as exc:  # refused before anything is stored
            if len(items) > 1:
                raise  # the caller tries each protocol alone, so that the refusal is its own
            return [ProtocolRejected(422, [str(exc)])]
        for (index, item, new_row), event in zip(recorded, events, strict=True):
            new_row.seq = event.seq
            for at in (index, *repeated.get(item.digest, ())):
                outcomes[at] = Accepted(
                    item.digest, item.precinct, event.seq, new_row.version, at == index
                )
    if superseded:
        await sql.execute(db, sql.supersede(len(superseded)), [False, *superseded])
    if rows:
        await sql.execute_many(db, sql.INSERT_PROTOCOL, [r.values(election.id) for r in rows])
    # Every placeholder was filled above, in the order of ``items``.
    return cast(list[Accepted | ProtocolRejected], outcomes)


@attrs.define(slots=True)
class _NewRow:
    """A protocol row to insert at the end of the batch (``current`` may still change)."""

    item: Checked
    version: int
    current: bool = True
    seq: int = -1

    def values(self, election_id: int) -> list[Any]:
        item = self.item
        return [
            election_id,
            item.precinct,
            item.digest,
            json.dumps(item.doc, ensure_ascii=False, sort_keys=True),
            json.dumps(
                {
                    "signatures": item.payload.get("signatures", []),
                    "dissents": item.payload.get("dissents", []),
                }
            ),
            item.source,
            self.current,
            self.version,
            self.seq,
        ]


@attrs.define(slots=True)
class _Current:
    digest: str
    version: int
    id: int
    row: _NewRow | None


class Batcher:
    """Concurrent API submissions of one election share one write unit.

    Each request's protocol is checked on its own (in its own task), then
    queued; one writer task takes everything queued, records it with
    ``write_batch`` in one ``ledger.run`` unit, and answers each request after
    the commit. While a batch commits the next one gathers, so the cost of a
    commit and of the lock on the election row is shared by the batch.
    """

    MAX = 256

    def __init__(self, ledger: Ledger, code: str) -> None:
        self._ledger = ledger
        self._code = code
        self._queue: list[tuple[Checked, asyncio.Future[Accepted | ProtocolRejected]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: Checked) -> Accepted:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Accepted | ProtocolRejected] = loop.create_future()
        self._queue.append((item, future))
        if self._writer is None or self._writer.done():
            # A clean context: the writer must not inherit the caller's transaction.
            self._writer = loop.create_task(self._write(), context=contextvars.Context())
        outcome = await future
        if isinstance(outcome, ProtocolRejected):
            raise outcome
        return outcome

    async def _write(self) -> None:
        while self._queue:
            batch = self._queue[: self.MAX]
            del self._queue[: self.MAX]
            try:
                structure = await structure_for(self._ledger, self._code)
                outcomes = await _write_or_one_by_one(
                    self._ledger, structure, [item for item, _ in batch]
                )
            except BaseException as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(
                            exc
                            if isinstance(exc, Exception)
                            else ProtocolRejected(503, ["write cancelled"])
                        )
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)


_batchers: weakref.WeakKeyDictionary[Ledger, dict[str, Batcher]] = weakref.WeakKeyDictionary()


async def submit_signed(ledger: Ledger, code: str, entry: Any, via: str) -> Accepted:
    """The API's door: checked in the request's task, recorded with its neighbours."""
    structure = await structure_for(ledger, code)
    checked = await check_signed(structure, entry, via)
    per_ledger = _batchers.setdefault(ledger, {})
    batcher = per_ledger.get(code)
    if batcher is None:
        batcher = per_ledger[code] = Batcher(ledger, code)
    return await batcher.submit(checked)
