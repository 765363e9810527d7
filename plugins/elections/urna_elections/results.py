"""Results: totals per commission recomputed from current protocols, progress, turnout, status.

Totals are always recomputed from the accepted protocols (one current
protocol per precinct: no precinct counted twice); marking the results
official writes every aggregate into the record, after which nothing more is
counted (``official.py``). The sums use the same pure function as the verifier.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from urna.api import Ledger

from urna_elections import models
from urna_elections.hierarchy import (
    Commission,
    aggregate,
    ancestry,
    central_of,
    children_of,
    sum_counts,
)
from urna_elections.record import TURNOUT_REPORTED, CurrentProtocol
from urna_elections.structure import ElectionInfo, StructureError, load_commissions


@attrs.frozen(slots=True)
class Results:
    election: ElectionInfo
    commissions: Mapping[str, Commission]
    totals: Mapping[str, dict[str, Any]]
    protocols: Mapping[str, CurrentProtocol]
    central: str
    tree: Mapping[str, Sequence[Commission]]
    """Commission code -> the commissions right under it, by code."""

    def children(self, code: str) -> Sequence[Commission]:
        return self.tree.get(code, ())


async def current_protocols(election: ElectionInfo) -> dict[str, CurrentProtocol]:
    rows = await models.Protocol.filter(election_id=election.id, current=True).values_list(
        "precinct_code", "digest", "doc", "seq"
    )
    return {
        precinct: CurrentProtocol(digest, json.loads(doc), f"seq {seq}")
        for precinct, digest, doc, seq in rows
    }


async def compute(election: ElectionInfo) -> Results:
    commissions = await load_commissions(election)
    central = central_of(commissions)
    if central is None:  # the central commission is always the first one defined
        raise StructureError(f"election {election.code} has no commissions")
    protocols = await current_protocols(election)
    totals = aggregate(
        commissions,
        (protocol.doc for protocol in protocols.values()),
        election.profile.line_ids,
        election.candidates,
    )
    return Results(election, commissions, totals, protocols, central, children_of(commissions))


def district_totals(results: Results) -> dict[str, dict[str, Any]]:
    """``{district: {lines, votes, received, expected}}`` for every district defined apart
    from the commission tree (congressional, legislative ...), summed from its precincts'
    current protocols: the same figures the tree's totals hold for a commission."""
    election = results.election
    found: dict[str, dict[str, Any]] = {}
    for code, district in election.districts.items():
        total: dict[str, Any] = sum_counts(
            (results.protocols[p].doc for p in district.precincts if p in results.protocols),
            election.profile.line_ids,
            election.candidates,
        )
        total["received"] = sum(1 for p in district.precincts if p in results.protocols)
        total["expected"] = len(district.precincts)
        found[code] = total
    return found


def contest_reach(results: Results) -> dict[str, frozenset[str]]:
    """Contest id -> every commission with a precinct of the contest's ballot under it (the
    precincts themselves included): where a page or a report shows the contest."""
    return {contest: frozenset(units) for contest, units in contest_progress(results).items()}


def contest_progress(results: Results) -> dict[str, dict[str, tuple[int, int]]]:
    """Contest id -> {commission: (protocols received, precincts expected)} counting only
    the precincts whose ballot carries the contest: a unit's progress in that contest."""
    election = results.election
    progress: dict[str, dict[str, list[int]]] = {c.id: {} for c in election.contests}
    for code, commission in results.commissions.items():
        if commission.kind != "precinct":
            continue
        chain = tuple(ancestry(results.commissions, code))
        received = int(code in results.protocols)
        for contest in election.ballot(chain):
            for unit in chain:
                counts = progress[contest.id].setdefault(unit, [0, 0])
                counts[0] += received
                counts[1] += 1
    return {
        contest: {unit: (counts[0], counts[1]) for unit, counts in units.items()}
        for contest, units in progress.items()
    }


async def report_turnout(
    ledger: Ledger, election: ElectionInfo, reports: Sequence[Mapping[str, Any]]
) -> int:
    """Record turnout reports ``{precinct, hour, voters}`` (a later report for the same
    precinct and hour replaces the figure shown; both stay in the record)."""
    hours = set(election.profile.turnout_hours)
    if not reports:
        raise StructureError("no turnout reports given")
    codes = await models.Commission.filter(election_id=election.id, kind="precinct").values_list(
        "code", flat=True
    )
    precincts = {str(code) for code in codes}
    clean: list[dict[str, Any]] = []
    for item in reports:
        if not isinstance(item, Mapping) or set(item) != {"precinct", "hour", "voters"}:
            raise StructureError("each turnout report has exactly precinct, hour, voters")
        if not isinstance(item["precinct"], str) or not isinstance(item["hour"], str):
            raise StructureError("turnout precinct and hour must be strings")
        if item["precinct"] not in precincts:
            raise StructureError(f"turnout for unknown precinct {item['precinct']!r}")
        if item["hour"] not in hours:
            raise StructureError(
                f"turnout at {item['hour']!r}: the law's hours are {sorted(hours)}"
            )
        voters = item["voters"]
        if isinstance(voters, bool) or not isinstance(voters, int) or not 0 <= voters <= 10**9:
            raise StructureError("turnout voters must be an integer 0..10^9")
        clean.append({"precinct": item["precinct"], "hour": item["hour"], "voters": voters})
    async with ledger.transaction():
        for start in range(0, len(clean), 5000):
            event = await ledger.append(
                election.scope,
                TURNOUT_REPORTED,
                {
                    "election": election.code,
                    "reports": clean[start : start + 5000],
                },
            )
        keys = {(c["precinct"], c["hour"]) for c in clean}
        existing = {
            (p, h): i
            for i, p, h in await models.Turnout.filter(election_id=election.id).values_list(
                "id", "precinct_code", "hour"
            )
            if (p, h) in keys
        }
        for item in clean:
            key = (item["precinct"], item["hour"])
            if key in existing:
                await models.Turnout.filter(id=existing[key]).update(
                    voters=item["voters"], seq=event.seq
                )
        await models.Turnout.bulk_create(
            [
                models.Turnout(
                    election_id=election.id,
                    precinct_code=c["precinct"],
                    hour=c["hour"],
                    voters=c["voters"],
                    seq=event.seq,
                )
                for c in clean
                if (c["precinct"], c["hour"]) not in existing
            ]
        )
    return len(clean)


async def turnout_by_hour(
    election: ElectionInfo, commissions: Mapping[str, Commission]
) -> dict[str, dict[str, dict[str, int]]]:
    """``{commission: {hour: {"voters", "reporting"}}}`` summed up the tree."""
    rows = await models.Turnout.filter(election_id=election.id).values_list(
        "precinct_code", "hour", "voters"
    )
    result: dict[str, dict[str, dict[str, int]]] = {}
    for precinct, hour, voters in rows:
        for code in ancestry(commissions, precinct):
            slot = result.setdefault(code, {}).setdefault(hour, {"voters": 0, "reporting": 0})
            slot["voters"] += voters
            slot["reporting"] += 1
    return result
