"""Results materialised in each serving process, caught up from what was committed since.

The results pages and ``results.json`` are read far more often than protocols
arrive, by many readers at once on election night. Recomputing the totals of
every commission from every protocol per read (or per write, when memoised by
the scope's head) costs a full pass over the protocols table; here each
process keeps the totals, the current protocol of each precinct and the
turnout per commission and hour, and moves them forward by the rows committed
since the version it holds:

* the version is the election scope's head seq, one primary-key read per
  request; a request that finds the same seq is answered from memory (and
  with 304 when the client's ETag names that version);
* when the head has moved, the process reads, in one transaction (a
  consistent snapshot: ``REPEATABLE READ`` on PostgreSQL, SQLite's read
  transaction), the head again and the protocol and turnout rows with a seq
  above the version it holds and at most the new head (indexes
  ``(election_id, seq)``). Every protocol, package and import row carries the
  seq of the event that recorded it, and the event and the row commit in one
  transaction; the head row is locked from its move to the commit, so once a
  head is visible, every row up to it is too. Each protocol row replaces its
  precinct's current protocol: the precinct's ancestors get the new figures
  minus the superseded ones; each turnout row replaces its (precinct, hour)
  figure the same way;
* the structure only grows; when a commission was added, the process builds
  its state again from all rows (the same replay from seq -1).
* public reads may come from a read replica (``urna.api.public_read``), whose
  head can be behind the version the process holds (it caught up on the
  primary before): it keeps what it holds, so results never move backwards.

This works alike for several sanic workers and several appliances sharing one
PostgreSQL database: no process needs to hear of another's writes, it reads
them by seq. The state stays exactly what ``results.compute`` and
``results.turnout_by_hour`` recompute (tested on random sequences of protocols
and repeat protocols). A published ``Live`` is never changed afterwards: a
catch-up copies the dictionaries it changes, so a report rendered in a thread
from one version is not disturbed by the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import weakref
from collections.abc import Mapping
from typing import Any

import attrs
from urna.api import Ledger

from urna_elections import models, sql
from urna_elections.hierarchy import Commission, aggregate, ancestry, central_of, children_of
from urna_elections.record import CurrentProtocol
from urna_elections.results import Results
from urna_elections.structure import ElectionInfo, StructureError, load_commissions, load_election

Turnout = Mapping[str, Mapping[str, Mapping[str, int]]]
"""``{commission: {hour: {"voters", "reporting"}}}`` as ``turnout_by_hour`` answers."""


@attrs.frozen(slots=True)
class Live:
    """The results and turnout of an election as of the scope's event ``seq``."""

    results: Results
    turnout: Turnout
    seq: int
    rendered: dict[str, tuple[bytes, str, dict[str, str]]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    """Responses made from this version once for the next readers: body, content type and
    headers by request path and ETag."""

    def etag(self, *varies: str) -> str:
        """A strong ETag of this version; ``varies`` adds what else shapes the response
        (a page's language and reader). Hashed: nothing in it is readable."""
        election = self.results.election
        text = "\0".join((election.code, election.status, str(self.seq), *varies))
        return '"' + hashlib.blake2b(text.encode(), digest_size=12).hexdigest() + '"'


@attrs.define(slots=True, eq=False)
class _State:
    """One election's materialised results in this process (changed only under ``lock``)."""

    live: Live | None = None
    commission_id: int = -1
    """The highest commission row id in the state: a higher one means the structure grew."""
    figures: dict[tuple[str, str], int] = attrs.field(factory=dict)
    """(precinct, hour) -> voters, as the turnout rows hold them."""
    lock: asyncio.Lock = attrs.field(factory=asyncio.Lock)


_states: weakref.WeakKeyDictionary[Ledger, dict[str, _State]] = weakref.WeakKeyDictionary()


class NoCommissions(StructureError):
    """The election has no commissions yet: there is nothing to count."""


async def live_results(ledger: Ledger, code: str) -> Live:
    """The results of election ``code`` as of its scope's head (raises ``StructureError``
    for an unknown election, ``NoCommissions`` for one with no commissions yet)."""
    states = _states.setdefault(ledger, {})
    state = states.get(code) or _State()  # kept only once built: no state for a bad code
    live = state.live
    if live is not None:
        head = await ledger.head(live.results.election.scope)
        if (head[0] if head else -1) <= live.seq:  # a read replica may be behind: never back
            return live
    async with state.lock:
        async with ledger.transaction():
            await sql.repeatable_read(sql.connection())
            election = await load_election(code)
            head = await ledger.head(election.scope)
            seq = head[0] if head else -1
            if state.live is None or state.live.seq < seq:
                try:
                    state.live = await _catch_up(state, election, seq)
                except BaseException:
                    state.live = None  # ``figures`` may be half moved: build again next time
                    raise
        states.setdefault(code, state)
        return state.live


async def warm_results(ledger: Ledger) -> None:
    """Build the results of every election in this process before the first reader asks
    (on the demo's 6,537 precincts, about a second that the first reader would wait)."""
    for code in await models.Election.all().values_list("code", flat=True):
        with contextlib.suppress(NoCommissions):
            await live_results(ledger, str(code))


async def _catch_up(state: _State, election: ElectionInfo, seq: int) -> Live:
    db = sql.connection()
    last = await sql.last_commission(db, election.id)
    live = state.live
    if live is None or last != state.commission_id:
        commissions = await load_commissions(election)
        central = central_of(commissions)
        if central is None:
            raise NoCommissions(f"election {election.code} has no commissions")
        totals = aggregate(commissions, (), election.profile.line_ids, election.candidates)
        state.figures = {}
        state.commission_id = last
        base = Results(election, commissions, totals, {}, central, children_of(commissions))
        live = Live(base, {}, -1)
    step = _Step(live, election, state.figures)
    for precinct, digest, doc, row_seq in await sql.fetch(
        db, sql.PROTOCOLS_SINCE, [election.id, live.seq, seq]
    ):
        step.add_protocol(precinct, digest, doc, row_seq)
    for precinct, hour, voters in await sql.fetch(
        db, sql.TURNOUT_SINCE, [election.id, live.seq, seq]
    ):
        step.add_turnout(precinct, hour, voters)
    return step.done(seq)


class _Step:
    """One catch-up: the dictionaries of the previous ``Live`` are copied before a change."""

    def __init__(self, live: Live, election: ElectionInfo, figures: dict[tuple[str, str], int]):
        results = live.results
        self.results = results
        self.election = election
        self.commissions: Mapping[str, Commission] = results.commissions
        self.totals: dict[str, dict[str, Any]] = dict(results.totals)
        self.protocols: dict[str, CurrentProtocol] = dict(results.protocols)
        self.hours: dict[str, Mapping[str, Mapping[str, int]]] = dict(live.turnout)
        self.figures = figures
        self.copied: set[str] = set()
        self.copied_hours: dict[str, dict[str, dict[str, int]]] = {}

    def add_protocol(self, precinct: str, digest: str, text: str, seq: int) -> None:
        """``precinct``'s protocol is now this one: its ancestors move by new minus old."""
        old = self.protocols.get(precinct)
        if old is not None and old.digest == digest:
            return
        doc = json.loads(text)
        self.protocols[precinct] = CurrentProtocol(digest, doc, f"seq {seq}")
        found = self.commissions.get(precinct)
        code, seen = (found.parent if found is not None else ""), set()
        while code in self.totals and code not in seen:
            seen.add(code)
            total = self._total(code)
            for part in ("lines", "votes"):
                into = total[part]
                for key, value in doc[part].items():
                    into[key] = into.get(key, 0) + value
                if old is not None:
                    for key, value in old.doc[part].items():
                        into[key] -= value
            if old is None:
                total["received"] += 1
            code = self.commissions[code].parent

    def add_turnout(self, precinct: str, hour: str, voters: int) -> None:
        old = self.figures.get((precinct, hour))
        if old == voters:
            return
        self.figures[(precinct, hour)] = voters
        for code in ancestry(self.commissions, precinct):
            by_hour = self.copied_hours.get(code)
            if by_hour is None:
                by_hour = {h: dict(slot) for h, slot in self.hours.get(code, {}).items()}
                self.hours[code] = self.copied_hours[code] = by_hour
            slot = by_hour.setdefault(hour, {"voters": 0, "reporting": 0})
            slot["voters"] += voters - (old or 0)
            if old is None:
                slot["reporting"] += 1

    def _total(self, code: str) -> dict[str, Any]:
        if code not in self.copied:
            self.copied.add(code)
            total = self.totals[code]
            self.totals[code] = {
                **total,
                "lines": dict(total["lines"]),
                "votes": dict(total["votes"]),
            }
        return self.totals[code]

    def done(self, seq: int) -> Live:
        results = attrs.evolve(
            self.results, election=self.election, totals=self.totals, protocols=self.protocols
        )
        return Live(results, self.hours, seq)


__all__ = ["Live", "NoCommissions", "Turnout", "live_results", "warm_results"]
