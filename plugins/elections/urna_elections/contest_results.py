"""The results per contest, as ``urna elections results`` prints them for scripts and
observers: votes, shares on the law's base, precincts received of expected, status.

A contest is counted over its district: the whole election (``""``), a commission of
the tree, or a district defined apart (congressional, legislative ...). Its share
base is the profile's, over the district's summed lines and the contest's valid votes
(candidates and write-ins); over- and undervotes are shown with no share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from urna_elections.results import Results, district_totals

BASES = {
    "valid": "valid votes",
    "valid-and-invalid": "valid and invalid ballots",
    "ballots-cast": "ballots cast",
    "registered": "registered voters",
}
"""The share bases in the command's words."""


def contest_results(results: Results) -> dict[str, Any]:
    """The election's status and, per contest, its figures (a JSON-ready document)."""
    election = results.election
    profile = election.profile
    apart = district_totals(results) if election.districts else {}
    contests = []
    for contest in election.contests:
        total = _total_of(results, apart, contest.district)
        votes = total["votes"]
        base = profile.share_base.of(total["lines"], contest.valid_votes(votes))
        selections = []
        for selection in contest.selections:
            count = votes.get(selection.id, 0)
            share = profile.share(count, base) if selection.valid else None
            selections.append(
                {
                    "id": selection.id,
                    "name": selection.name,
                    "party": selection.party,
                    "kind": selection.kind,
                    "votes": count,
                    "percent": None if share is None else f"{share * 100:.{profile.decimals}f}",
                }
            )
        contests.append(
            {
                "id": contest.id,
                "name": contest.name,
                "district": contest.district,
                "seats": contest.seats,
                "votes_allowed": contest.votes_allowed,
                "received": total["received"],
                "expected": total["expected"],
                "share_base": base,
                "selections": selections,
            }
        )
    document: dict[str, Any] = {
        "election": election.code,
        "title": election.title,
        "status": election.status,
        "profile": profile.name,
        "share_base": {"basis": profile.share_base.basis, "expr": profile.share_base.expression},
        "contests": contests,
    }
    if election.official_missing:
        document["missing"] = list(election.official_missing)
        document["reason"] = election.official_reason
    return document


def _total_of(
    results: Results, apart: Mapping[str, dict[str, Any]], district: str
) -> Mapping[str, Any]:
    if not district:
        return results.totals[results.central]
    if district in apart:
        return apart[district]
    if district in results.totals:
        return results.totals[district]
    protocol = results.protocols.get(district)  # a contest of one precinct
    zero = {"lines": dict.fromkeys(results.election.profile.line_ids, 0), "votes": {}}
    counts = protocol.doc if protocol is not None else zero
    return {**counts, "received": int(protocol is not None), "expected": 1}


def format_text(document: Mapping[str, Any]) -> list[str]:
    """The document as lines for a terminal: per contest, its progress, then the candidates
    by votes with their shares, then over- and undervotes."""
    status = document["status"]
    out = [
        f"{document['title']} ({document['election']}): {status}; "
        f"shares of {BASES[document['share_base']['basis']]} ({document['share_base']['expr']})"
    ]
    if "missing" in document:
        count = len(document["missing"])
        out.append(
            f"declared official with {count} precinct{'s' if count != 1 else ''} missing: "
            f"{document['reason']}"
        )
    for contest in document["contests"]:
        out.append("")
        out.append(
            f"{contest['name']} [{contest['id']}]: {contest['received']} of "
            f"{contest['expected']} precincts received"
        )
        ranked = sorted(
            contest["selections"],
            key=lambda s: (s["percent"] is None, -s["votes"], s["name"]),
        )
        width = max((len(s["name"]) for s in ranked), default=0)
        for selection in ranked:
            share = "" if selection["percent"] is None else f"{selection['percent']:>7} %"
            out.append(f"  {selection['name']:<{width}}  {selection['votes']:>12,}  {share}")
    return out
