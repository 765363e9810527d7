"""NIST SP 1500-100 v2 election results: the report Urna publishes, its checks, and reading one.

One ``ElectionReport`` holds every contest of the election. Reporting units
are the commissions (a precinct as ``precinct``, the central commission as
``country``, every other kind as ``other`` with the kind as ``OtherType``:
the units as they are) and the districts defined apart from the tree (with
their own type when NIST has it: ``congressional``, ``state-senate`` ...),
each district composed of its precincts. A contest names its district,
``VotesAllowed``, ``NumberElected`` and how many of its precincts reported;
write-ins are a selection with ``IsWriteIn``; over and under votes are
``OtherCounts``; parties are the report's ``Party`` list, named by their
candidates. A profile line ``ballots-cast`` is the election's
``BallotCounts``. The other protocol lines, the digests and the signatures
have no place in NIST's format: they are in the open data and the record.

Reading (``read_report``) turns such a report back into the election's
contests, districts, commissions and one protocol document per precinct, so
that an export imported into a fresh appliance gives the same results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from urna.api import Ledger

from urna_elections import models
from urna_elections.contests import (
    ID,
    Contest,
    District,
    Selection,
    ballot,
    check_contests,
    merge_districts,
    selections_of,
)
from urna_elections.hierarchy import UNIT_CODE, Commission, ancestry
from urna_elections.importer import ImportReport, Problem, Rejected, store_protocols
from urna_elections.results import Results, contest_reach, district_totals
from urna_elections.structure import ElectionInfo, load_commissions

NIST_TYPE = "ElectionResults."
NIST_UNIT_TYPES = {"central": "country", "precinct": "precinct"}
KINDS_OF_TYPES = {"country": "central", "state": "central", "precinct": "precinct"}
UNIT_TYPES = frozenset(
    (
        "ballot-batch",
        "ballot-style-area",
        "borough",
        "city",
        "city-council",
        "combined-precinct",
        "congressional",
        "country",
        "county",
        "county-council",
        "drop-box",
        "judicial",
        "municipality",
        "other",
        "polling-place",
        "precinct",
        "school",
        "special",
        "split-precinct",
        "state",
        "state-house",
        "state-senate",
        "town",
        "township",
        "utility",
        "village",
        "vote-center",
        "ward",
        "water",
    )
)
BALLOTS_CAST = "ballots-cast"
"""The profile line NIST reports as ``BallotCounts``/``BallotsCast``."""
OVER, UNDER = "Over Votes", "Under Votes"


class NistError(ValueError):
    """A NIST report cannot be read into this election; the message says where."""


def _text(content: str) -> dict[str, Any]:
    return {
        "@type": f"{NIST_TYPE}InternationalizedText",
        "Text": [{"@type": f"{NIST_TYPE}LanguageString", "Content": content, "Language": "en"}],
    }


def _unit_id(code: str) -> str:
    return f"gp-{code}"


def _district_id(code: str) -> str:
    return f"gp-district-{code}"


def _party_id(party: str) -> str:
    return "party-" + re.sub(r"[^A-Za-z0-9._-]+", "-", party)


def _typed(kind: str, mapping: Mapping[str, str]) -> dict[str, str]:
    found = mapping.get(kind, kind if kind in UNIT_TYPES else "")
    if found and found != "other":
        return {"Type": found}
    return {"Type": "other", "OtherType": kind}


def nist_report(results: Results, *, generated: str, election_date: str) -> dict[str, Any]:
    """The NIST SP 1500-100 v2 ElectionReport (precinct level) of ``results``."""
    election = results.election
    commissions = results.commissions
    codes = sorted(commissions)
    units: list[dict[str, Any]] = []
    for code in codes:
        commission = commissions[code]
        unit: dict[str, Any] = {
            "@id": _unit_id(code),
            "@type": f"{NIST_TYPE}ReportingUnit",
            "Name": _text(commission.name),
            **_typed(commission.kind, NIST_UNIT_TYPES),
        }
        children = results.children(code)
        if children:
            unit["ComposingGpUnitIds"] = [_unit_id(c.code) for c in children]
            total = results.totals[code]
            unit["SubUnitsReported"] = total["received"]
            unit["TotalSubUnits"] = total["expected"]
        units.append(unit)
    by_district = district_totals(results)
    for code, district in sorted(election.districts.items()):
        units.append(
            {
                "@id": _district_id(code),
                "@type": f"{NIST_TYPE}ReportingUnit",
                "Name": _text(district.name),
                **_typed(district.type, {}),
                "ComposingGpUnitIds": [_unit_id(p) for p in sorted(district.precincts)],
                "SubUnitsReported": by_district[code]["received"],
                "TotalSubUnits": by_district[code]["expected"],
            }
        )
    reach = contest_reach(results)

    def figures(contest: Contest, selection: str) -> list[tuple[str, int]]:
        """(unit id, count) of a selection: each precinct whose protocol carries it, every
        commission above a precinct of its district, its district."""
        found = []
        for code in codes:
            if commissions[code].kind == "precinct":
                protocol = results.protocols.get(code)
                if protocol is not None and selection in protocol.doc["votes"]:
                    found.append((_unit_id(code), protocol.doc["votes"][selection]))
            elif code in reach[contest.id]:
                # (a total made before the contest was added holds no key for it: zero)
                found.append((_unit_id(code), results.totals[code]["votes"].get(selection, 0)))
        if contest.district in election.districts:
            total = by_district[contest.district]["votes"][selection]
            found.append((_district_id(contest.district), total))
        return found

    contests = []
    candidates = []
    parties: dict[str, str] = {}
    for contest in election.contests:
        selections = []
        for number, selection in enumerate(contest.candidates, start=1):
            candidate: dict[str, Any] = {
                "@id": f"cand-{selection.id}",
                "@type": f"{NIST_TYPE}Candidate",
                "BallotName": _text(selection.name),
            }
            if selection.party:
                parties.setdefault(selection.party, _party_id(selection.party))
                candidate["PartyId"] = parties[selection.party]
            candidates.append(candidate)
            entry: dict[str, Any] = {
                "@id": f"sel-{selection.id}",
                "@type": f"{NIST_TYPE}CandidateSelection",
                "CandidateIds": [f"cand-{selection.id}"],
                "SequenceOrder": number,
                "VoteCounts": [
                    {
                        "@type": f"{NIST_TYPE}VoteCounts",
                        "Count": count,
                        "GpUnitId": unit,
                        "Type": "total",
                    }
                    for unit, count in figures(contest, selection.id)
                ],
            }
            if selection.kind == "write-in":
                entry["IsWriteIn"] = True
            selections.append(entry)
        received, expected = _progress(results, contest)
        item: dict[str, Any] = {
            "@id": f"contest-{contest.id}",
            "@type": f"{NIST_TYPE}CandidateContest",
            "ElectionDistrictId": _district_of(results, contest),
            "Name": contest.name,
            "VotesAllowed": contest.votes_allowed,
            "NumberElected": contest.seats,
            "SubUnitsReported": received,
            "TotalSubUnits": expected,
            "ContestSelection": selections,
        }
        others = _other_counts(contest, figures)
        if others:
            item["OtherCounts"] = others
        contests.append(item)
    central = results.central
    total = results.totals[central]
    if election.status == "official":
        status = "certified"
    elif total["received"] == total["expected"]:
        status = "unofficial-complete"
    else:
        status = "unofficial-partial"
    report_election: dict[str, Any] = {
        "@type": f"{NIST_TYPE}Election",
        "ElectionScopeId": _unit_id(central),
        "StartDate": election_date,
        "EndDate": election_date,
        "Name": _text(election.title),
        "Type": "general",
        "Candidate": candidates,
        "Contest": contests,
    }
    if BALLOTS_CAST in election.profile.line_ids:
        report_election["BallotCounts"] = _ballot_counts(results)
    report: dict[str, Any] = {
        "@type": f"{NIST_TYPE}ElectionReport",
        "Format": "precinct-level",
        "GeneratedDate": generated,
        "Issuer": "Urna elections plugin",
        "IssuerAbbreviation": "URNA",
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": status,
        "VendorApplicationId": "urna-elections 0.1.0",
        "GpUnit": units,
        "Election": [report_election],
    }
    if parties:
        report["Party"] = [
            {
                "@id": party_id,
                "@type": f"{NIST_TYPE}Party",
                "Name": _text(party),
                "Abbreviation": _text(party),
            }
            for party, party_id in parties.items()
        ]
    return report


def _district_of(results: Results, contest: Contest) -> str:
    if contest.district in results.election.districts:
        return _district_id(contest.district)
    return _unit_id(contest.district or results.central)


def _progress(results: Results, contest: Contest) -> tuple[int, int]:
    """Precincts of the contest's ballot that reported, and all of them."""
    received = expected = 0
    for code, commission in results.commissions.items():
        if commission.kind == "precinct":
            chain = tuple(ancestry(results.commissions, code))
            if contest in results.election.ballot(chain):
                expected += 1
                received += code in results.protocols
    return received, expected


def _other_counts(contest: Contest, figures: Any) -> list[dict[str, Any]]:
    """Over and under votes per unit, where the contest reports them."""
    by_unit: dict[str, dict[str, Any]] = {}
    for selection in contest.selections:
        field = {"overvotes": "Overvotes", "undervotes": "Undervotes"}.get(selection.kind)
        if field is None:
            continue
        for unit, count in figures(contest, selection.id):
            slot = by_unit.setdefault(unit, {"@type": f"{NIST_TYPE}OtherCounts", "GpUnitId": unit})
            slot[field] = count
    return list(by_unit.values())


def _ballot_counts(results: Results) -> list[dict[str, Any]]:
    counts = []
    for code in sorted(results.commissions):
        if results.commissions[code].kind == "precinct":
            protocol = results.protocols.get(code)
            if protocol is None:
                continue
            cast = protocol.doc["lines"][BALLOTS_CAST]
        else:
            cast = results.totals[code]["lines"][BALLOTS_CAST]
        counts.append(
            {
                "@type": f"{NIST_TYPE}BallotCounts",
                "BallotsCast": cast,
                "GpUnitId": _unit_id(code),
                "Type": "total",
            }
        )
    return counts


def check_nist(report: Mapping[str, Any], schema_path: Path) -> list[str]:
    """Schema errors plus Urna's own checks; an empty list means the report is good."""
    import jsonschema_rs

    schema = json.loads(schema_path.read_text("utf-8"))
    validator = jsonschema_rs.Draft4Validator(schema)
    problems = [
        f"schema: {'/'.join(str(p) for p in error.instance_path)}: {error.message[:200]}"
        for error in validator.iter_errors(report)
    ][:20]
    ids: dict[str, int] = {}

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            if "@id" in value:
                ids[value["@id"]] = ids.get(value["@id"], 0) + 1
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(report)
    problems += [f"id {i} is used {n} times" for i, n in ids.items() if n > 1]
    units = {u["@id"]: u for u in report.get("GpUnit", [])}
    for unit in units.values():
        for child in unit.get("ComposingGpUnitIds", []):
            if child not in units:
                problems.append(f"{unit['@id']} is composed of unknown unit {child}")
    parties = {p["@id"] for p in report.get("Party", [])}
    for election in report.get("Election", []):
        for ref in (election.get("ElectionScopeId"),):
            if ref not in units:
                problems.append(f"election scope {ref} is not a unit")
        candidates = {c["@id"] for c in election.get("Candidate", [])}
        for candidate in election.get("Candidate", []):
            if "PartyId" in candidate and candidate["PartyId"] not in parties:
                problems.append(f"candidate {candidate['@id']} names unknown party")
        for contest in election.get("Contest", []):
            if contest.get("ElectionDistrictId") not in units:
                problems.append(f"contest {contest.get('@id')} names an unknown district")
            for selection in contest.get("ContestSelection", []):
                for ref in selection.get("CandidateIds", []):
                    if ref not in candidates:
                        problems.append(f"selection {selection['@id']} names unknown {ref}")
                counts: dict[str, float] = {}
                for count in selection.get("VoteCounts", []):
                    if count["GpUnitId"] not in units:
                        problems.append(f"a count names unknown unit {count['GpUnitId']}")
                    counts[count["GpUnitId"]] = counts.get(count["GpUnitId"], 0) + count["Count"]
                for unit_id, unit in units.items():
                    parts = unit.get("ComposingGpUnitIds")
                    if not parts or unit_id not in counts:
                        continue
                    summed = sum(counts.get(p, 0) for p in parts)
                    if counts[unit_id] != summed:
                        problems.append(
                            f"{selection['@id']}: {unit_id} counts {counts[unit_id]} but "
                            f"its units sum to {summed}"
                        )
    return problems


# --- reading a report --------------------------------------------------------------


@attrs.frozen(slots=True)
class ReadReport:
    """What a NIST report holds, in Urna's terms."""

    commissions: tuple[Commission, ...]
    """Parents first, the central commission first of all."""
    districts: tuple[District, ...]
    contests: tuple[Contest, ...]
    protocols: Mapping[str, tuple[dict[str, int], dict[str, int]]]
    """Precinct -> (lines, votes) of every precinct the report counts."""


def _name(value: Any) -> str:
    try:
        return str(value["Text"][0]["Content"])
    except (KeyError, IndexError, TypeError):
        return ""


def _code_of(unit_id: str) -> str:
    for prefix in ("gp-district-", "gp-"):
        if unit_id.startswith(prefix):
            unit_id = unit_id[len(prefix) :]
            break
    if not UNIT_CODE.fullmatch(unit_id):
        raise NistError(f"reporting unit {unit_id[:80]!r} cannot be a code")
    return unit_id


def _plain_id(value: str, prefix: str) -> str:
    found = value.removeprefix(prefix)
    if not ID.fullmatch(found):
        raise NistError(f"{value[:80]!r} cannot be an id ({ID.pattern})")
    return found


def read_report(report: Any, line_ids: Sequence[str]) -> ReadReport:
    """The election a NIST v2 ``report`` (precinct level) describes; ``NistError`` names
    what does not fit (a profile line NIST cannot carry, a unit in two places ...)."""
    if not isinstance(report, Mapping) or not report.get("Election"):
        raise NistError("not a NIST ElectionReport with an Election")
    unknown = [line for line in line_ids if line != BALLOTS_CAST]
    if unknown:
        raise NistError(
            f"the profile's lines {unknown[:3]} have no place in a NIST report; only "
            f"{BALLOTS_CAST!r} does"
        )
    (election,) = report["Election"]
    units = {u["@id"]: u for u in report.get("GpUnit", [])}
    scope = election.get("ElectionScopeId")
    if scope not in units:
        raise NistError("the election's scope is not one of the report's units")
    parent_of: dict[str, str] = {}
    for unit in units.values():
        if _is_district(units, unit["@id"], scope):
            continue
        for child in unit.get("ComposingGpUnitIds", []):
            if child in parent_of and parent_of[child] != unit["@id"]:
                raise NistError(f"unit {child} is composed into two units")
            parent_of[child] = unit["@id"]
    commissions: list[Commission] = []
    order = [scope]
    while order:
        unit_id = order.pop(0)
        unit = units[unit_id]
        kind = "central" if unit_id == scope else _kind(unit)
        parent = "" if unit_id == scope else _code_of(parent_of[unit_id])
        commissions.append(
            Commission(
                _code_of(unit_id), _name(unit["Name"])[:200] or _code_of(unit_id), kind, parent
            )
        )
        order += [c for c in unit.get("ComposingGpUnitIds", []) if parent_of.get(c) == unit_id]
    tree = {c.code for c in commissions}
    precincts = {_unit_id(c.code) for c in commissions if c.kind == "precinct"}
    districts = []
    for unit_id, unit in units.items():
        if _is_district(units, unit_id, scope):
            members = [c for c in unit.get("ComposingGpUnitIds", []) if c in precincts]
            code = _code_of(unit_id)
            districts.append(
                District(
                    code,
                    _name(unit["Name"])[:200] or code,
                    unit.get("OtherType") if unit.get("Type") == "other" else unit["Type"],
                    frozenset(_code_of(m) for m in members),
                )
            )
    district_codes = {_district_id(d.code): d.code for d in districts}
    names = {c["@id"]: c for c in election.get("Candidate", [])}
    party_names = {
        p["@id"]: _name(p.get("Abbreviation")) or _name(p["Name"]) for p in report.get("Party", [])
    }
    contests = []
    votes: dict[str, dict[str, int]] = {}
    for raw in election.get("Contest", []):
        contest_id = _plain_id(raw["@id"], "contest-")
        district_ref = raw["ElectionDistrictId"]
        if district_ref == scope:
            district = ""
        elif district_ref in district_codes:
            district = district_codes[district_ref]
        elif _code_of(district_ref) in tree:
            district = _code_of(district_ref)
        else:
            raise NistError(f"contest {contest_id}: unknown district {district_ref}")
        selections = []
        for entry in raw.get("ContestSelection", []):
            selection_id = _plain_id(entry["@id"], "sel-")
            (candidate_ref,) = entry.get("CandidateIds", [None])
            candidate = names.get(candidate_ref, {})
            selections.append(
                Selection(
                    selection_id,
                    _name(candidate.get("BallotName"))[:200] or selection_id,
                    str(party_names.get(candidate.get("PartyId"), ""))[:200],
                    "write-in" if entry.get("IsWriteIn") else "candidate",
                )
            )
            _take(votes, entry.get("VoteCounts", []), "Count", selection_id, precincts)
        for field, kind, label in (
            ("Overvotes", "overvotes", OVER),
            ("Undervotes", "undervotes", UNDER),
        ):
            counts = [c for c in raw.get("OtherCounts", []) if field in c]
            if counts:
                selection_id = f"{contest_id}.{kind}"
                selections.append(Selection(selection_id, label, "", kind))
                _take(votes, counts, field, selection_id, precincts)
        contests.append(
            Contest(
                contest_id,
                str(raw["Name"])[:200],
                district,
                int(raw.get("NumberElected", 1)),
                int(raw["VotesAllowed"]),
                tuple(selections),
            )
        )
    cast: dict[str, int] = {}
    for count in election.get("BallotCounts", []):
        if count["GpUnitId"] in precincts:
            cast[_code_of(count["GpUnitId"])] = int(count["BallotsCast"])
    protocols = {}
    for precinct, figures in votes.items():
        if line_ids and precinct not in cast:
            raise NistError(f"precinct {precinct} has votes but no BallotsCast")
        protocols[precinct] = ({BALLOTS_CAST: cast[precinct]} if line_ids else {}, figures)
    return ReadReport(tuple(commissions), tuple(districts), tuple(contests), protocols)


def _is_district(units: Mapping[str, Any], unit_id: str, scope: str) -> bool:
    """A unit outside the tree: composed of precincts but not of the scope's subtree path
    (Urna writes them as ``gp-district-*``; another issuer marks them by type)."""
    return unit_id.startswith("gp-district-") or units[unit_id].get("Type") in (
        "congressional",
        "state-house",
        "state-senate",
        "judicial",
        "school",
        "utility",
        "water",
    )


def _kind(unit: Mapping[str, Any]) -> str:
    if unit.get("Type") == "other" and unit.get("OtherType") in (
        "region",
        "constituency",
        "territorial",
        "abroad",
    ):
        return str(unit["OtherType"])
    return KINDS_OF_TYPES.get(str(unit.get("Type")), "territorial")


def _take(
    votes: dict[str, dict[str, int]],
    counts: Sequence[Mapping[str, Any]],
    field: str,
    selection: str,
    precincts: set[str],
) -> None:
    """A selection's count per precinct: its ``total``, else the sum of its vote types."""
    totals = {c["GpUnitId"] for c in counts if c.get("Type", "total") == "total"}
    for count in counts:
        unit = count["GpUnitId"]
        if unit not in precincts or (unit in totals and count.get("Type", "total") != "total"):
            continue
        slot = votes.setdefault(_code_of(unit), {})
        slot[selection] = slot.get(selection, 0) + int(count[field])


async def import_nist(
    ledger: Ledger, election: ElectionInfo, name: str, data: bytes
) -> ImportReport:
    """Import a NIST v2 results report into ``election`` (its central commission, if
    defined, must be the report's scope): the commissions, districts and contests it
    lacks, and a protocol per precinct the report counts, checked like any import."""
    try:
        report = json.loads(data)
        read = read_report(report, election.profile.line_ids)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise NistError(f"{name} is not JSON: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, NistError):
            raise
        raise NistError(f"{name} is not a NIST v2 report Urna can read: {exc!r}") from None
    existing = await load_commissions(election)
    new_commissions = []
    for commission in read.commissions:
        found = existing.get(commission.code)
        if found is None:
            new_commissions.append(
                {
                    "code": commission.code,
                    "name": commission.name,
                    "kind": commission.kind,
                    "parent": commission.parent,
                }
            )
        elif (found.kind, found.parent) != (commission.kind, commission.parent):
            raise NistError(f"unit {commission.code} stands elsewhere in {election.code}")
    known = {c.id for c in election.contests}
    contests = tuple(c for c in read.contests if c.id not in known)
    by_code = {c.code: c for c in read.commissions}
    all_contests = (*election.contests, *contests)
    districts = merge_districts(election.districts, read.districts)
    rejected = []
    docs = []
    counted = {
        str(code)
        for code in await models.Protocol.filter(election_id=election.id, current=True).values_list(
            "precinct_code", flat=True
        )
    }
    for precinct, (lines, votes) in sorted(read.protocols.items()):
        chain: list[str] = []
        code = precinct
        while code in by_code and code not in chain:
            chain.append(code)
            code = by_code[code].parent
        on_ballot = ballot(all_contests, districts, chain)
        problems = []
        expected = set(selections_of(on_ballot))
        if set(votes) != expected:
            problems.append(
                Problem(
                    "VoteCounts",
                    "not on the ballot",
                    f"votes for {sorted(set(votes) ^ expected)[:3]} do not match the ballot",
                )
            )
        else:
            failures = check_contests(election.profile, on_ballot, lines, votes)
            problems += [Problem("", "control ratio", message) for message in failures]
        if precinct in counted:
            problems.append(Problem("", "already counted", f"{precinct} already has a protocol"))
        if problems:
            rejected.append(Rejected(0, precinct, tuple(problems)))
            continue
        docs.append(
            {
                "election": election.code,
                "precinct": precinct,
                "profile": election.profile.name,
                "lines": lines,
                "votes": votes,
                "completed_at": "",
                "supersedes": "",
                "reason": "",
            }
        )
    events = await store_protocols(
        ledger,
        election,
        name=name,
        data=data,
        mapping={"format": "nist-1500-100-v2"},
        commissions=new_commissions,
        districts=read.districts,
        contests=contests,
        docs=docs,
    )
    return ImportReport(
        len(docs), tuple(rejected), len(new_commissions), events, len(read.protocols), len(contests)
    )
