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

Under a stream of writes the head moves between almost any two reads, and
catching up and rendering the pages again for each read cost more than the
reads themselves (read p99 0.6 s at 100 protocols/s). So a serving process
refreshes at most every ``[plugin.elections] results_refresh_ms`` (default
1000): within that time a read is answered from the version it holds without
asking the database; after it, the first reader starts one catch-up in the
background and is answered, as every reader meanwhile, from the version held
(stale while revalidating). That catch-up also renders, in a worker thread,
the responses readers asked of the version before (``remember``), so that the
new version is published with its pages already made: readers neither wait
for a catch-up nor render, and the event loop is not held by a render (a
national page of 125 constituencies takes some 40 ms). A reader sees a
version at most the refresh interval plus one catch-up old. ``refresh_ms = 0``
asks for the head at every read and catches up before answering, as the tests
and the command line want.

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
import time
import weakref
from collections.abc import Callable, Mapping
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
Rendered = tuple[bytes, str, dict[str, str]]
"""A response as made: body, content type, headers."""
MAX_RENDERERS = 64
"""Responses made again ahead of readers per election: the pages anonymous readers share,
and a few signed-in readers' own."""


@attrs.frozen(slots=True)
class Live:
    """The results and turnout of an election as of the scope's event ``seq``."""

    results: Results
    turnout: Turnout
    seq: int
    rendered: dict[str, Rendered] = attrs.field(factory=dict, eq=False, repr=False)
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
    checked: float = float("-inf")
    """When (``time.monotonic``) ``live`` was last known to be the head's version."""
    refreshing: asyncio.Task[Live] | None = None
    """The background catch-up under way, if any (a strong reference keeps it running)."""
    renderers: dict[str, Callable[[Live], tuple[str, Rendered]]] = attrs.field(factory=dict)
    """What readers asked of the last versions, by path and variant: each makes the response
    of a version, with its key in ``Live.rendered``."""


_states: weakref.WeakKeyDictionary[Ledger, dict[str, _State]] = weakref.WeakKeyDictionary()


class NoCommissions(StructureError):
    """The election has no commissions yet: there is nothing to count."""


REFRESH_MS = 1000
"""The default of ``[plugin.elections] results_refresh_ms``: at most one catch-up a second
per serving process on election night."""


def refresh_seconds(config: Mapping[str, Any]) -> float:
    """``results_refresh_ms`` of the plugin's settings, in seconds; ``StructureError`` names
    a value that is not an integer 0..60000."""
    value = config.get("results_refresh_ms", REFRESH_MS)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60_000:
        raise StructureError(
            f"[plugin.elections] results_refresh_ms must be an integer 0..60000, not {value!r}"
        )
    return value / 1000


async def live_results(ledger: Ledger, code: str, *, refresh: float = 0.0) -> Live:
    """The results of election ``code`` (raises ``StructureError`` for an unknown election,
    ``NoCommissions`` for one with no commissions yet). With ``refresh`` 0, as of its
    scope's head; else the version held, refreshed in the background once it is
    ``refresh`` seconds old (see the module's docstring)."""
    states = _states.setdefault(ledger, {})
    state = states.get(code) or _State()  # kept only once built: no state for a bad code
    live = state.live
    if live is not None and refresh > 0:
        if time.monotonic() - state.checked < refresh:
            return live
        task = state.refreshing
        if task is None or (task.done() and task.exception() is None):
            state.refreshing = asyncio.create_task(_exact(ledger, code, state, ahead=True))
            return live
        if not task.done():
            return live
        state.refreshing = None  # the last catch-up failed: this reader tries, and sees why
    return await _exact(ledger, code, state)


def remember(
    ledger: Ledger, code: str, name: str, renderer: Callable[[Live], tuple[str, Rendered]]
) -> None:
    """Make the response ``name`` (a path and what else shapes it) ahead of readers for each
    new version of election ``code``: ``renderer`` gives its key and what it is."""
    state = _states.get(ledger, {}).get(code)
    if state is None:
        return
    renderers = state.renderers
    renderers.pop(name, None)
    renderers[name] = renderer  # the most recently asked last
    while len(renderers) > MAX_RENDERERS:
        del renderers[next(iter(renderers))]


async def _exact(ledger: Ledger, code: str, state: _State, *, ahead: bool = False) -> Live:
    """The results as of the head: the version held when the head has not moved (one
    primary-key read), else caught up under the state's lock; with ``ahead``, the
    remembered responses of the new version are made (in a thread) before it is
    published."""
    started = time.monotonic()
    live = state.live
    if live is not None:
        head = await ledger.head(live.results.election.scope)
        if (head[0] if head else -1) <= live.seq:  # a read replica may be behind: never back
            state.checked = started
            return live
    async with state.lock:
        async with ledger.transaction():
            await sql.repeatable_read(sql.connection())
            election = await load_election(code)
            head = await ledger.head(election.scope)
            seq = head[0] if head else -1
            if state.live is None or state.live.seq < seq:
                try:
                    new = await _catch_up(state, election, seq)
                except BaseException:
                    state.live = None  # ``figures`` may be half moved: build again next time
                    raise
                if ahead:
                    await _render_ahead(state, new)
                state.live = new
        state.checked = started
        _states.setdefault(ledger, {}).setdefault(code, state)
        return state.live


async def _render_ahead(state: _State, live: Live) -> None:
    """Make each remembered response of ``live`` in a worker thread (``live`` is not yet
    published, and never changed once it is). A renderer that fails is forgotten: its
    reader's next request makes the response itself, and says what is wrong."""
    for name, renderer in list(state.renderers.items()):
        try:
            key, made = await asyncio.to_thread(renderer, live)
        except Exception:  # the reader's own request makes it, and raises it there
            state.renderers.pop(name, None)
            continue
        live.rendered[key] = made


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


__all__ = [
    "REFRESH_MS",
    "Live",
    "NoCommissions",
    "Rendered",
    "Turnout",
    "live_results",
    "refresh_seconds",
    "remember",
    "warm_results",
]
