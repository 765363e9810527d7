"""Publication: open data per precinct (CSV, JSON) and NIST SP 1500-100 v2 JSON, checked.

NIST's schema has no place for ballots received, cancelled or lost nor for
signatures: the open data carries every protocol line and digest, and the
NIST report is a projection of the candidates' votes per reporting unit.
The schema checks shape only, so ``check_nist`` also checks that ids are
unique, every reference resolves and every unit's count is the sum of the
units that compose it.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from urna.api import N_, Translator

from urna_elections.results import Results

NIST_TYPE = "ElectionResults."
NIST_UNIT_TYPES = {"central": "country", "precinct": "precinct"}


# The words of the open-data CSV, written in English and translated through the plugin's catalog.
CSV_COLUMNS = (
    N_("precinct"),
    N_("precinct name"),
    N_("parent"),
    N_("parent name"),
    N_("status"),
    N_("digest"),
)
CSV_NAMED = "{name} ({id})"
RECEIVED = N_("received")
NOT_RECEIVED = N_("not received")


def open_data_csv(results: Results, t: Translator) -> str:
    """One row per precinct, its words in ``t``'s language. A column of a protocol line or of
    a candidate is headed with its name and, in parentheses, its id in the record:
    ``Candidate One (c1)``; the ids and figures are the same in every language."""
    election = results.election
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    lines = election.profile.lines
    writer.writerow(
        [
            *(t.gettext(column) for column in CSV_COLUMNS),
            *(CSV_NAMED.format(name=line.label_in(t.language), id=line.id) for line in lines),
            *(
                CSV_NAMED.format(name=election.candidate_names[c], id=c)
                for c in election.candidates
            ),
        ]
    )
    for code in sorted(results.commissions):
        commission = results.commissions[code]
        if commission.kind != "precinct":
            continue
        protocol = results.protocols.get(code)
        if protocol is None:
            status, digest = t.gettext(NOT_RECEIVED), ""
            figures: list[int | str] = [""] * (len(lines) + len(election.candidates))
        else:
            status, digest, doc = t.gettext(RECEIVED), protocol.digest, protocol.doc
            figures = [
                *(doc["lines"][line.id] for line in lines),
                *(doc["votes"][c] for c in election.candidates),
            ]
        parent = results.commissions.get(commission.parent)
        parent_name = parent.name if parent is not None else ""
        row = [code, commission.name, commission.parent, parent_name, status, digest, *figures]
        writer.writerow(row)
    return out.getvalue()


def open_data_json(results: Results) -> dict[str, Any]:
    election = results.election
    return {
        "election": election.code,
        "title": election.title,
        "status": election.status,
        "profile": election.profile.to_json(),
        "candidates": [{"id": c, "name": election.candidate_names[c]} for c in election.candidates],
        "commissions": [
            {"code": c.code, "name": c.name, "kind": c.kind, "parent": c.parent}
            for c in sorted(results.commissions.values(), key=lambda c: c.code)
        ],
        "protocols": [
            {
                "precinct": p,
                "digest": proto.digest,
                "lines": proto.doc["lines"],
                "votes": proto.doc["votes"],
                "supersedes": proto.doc["supersedes"],
                "reason": proto.doc["reason"],
            }
            for p, proto in sorted(results.protocols.items())
        ],
        "totals": results.totals,
    }


def _text(content: str) -> dict[str, Any]:
    return {
        "@type": f"{NIST_TYPE}InternationalizedText",
        "Text": [{"@type": f"{NIST_TYPE}LanguageString", "Content": content, "Language": "en"}],
    }


def nist_report(results: Results, *, generated: str, election_date: str) -> dict[str, Any]:
    """The NIST SP 1500-100 v2 ElectionReport (precinct level) of ``results``."""
    election = results.election
    units = []
    for code in sorted(results.commissions):
        commission = results.commissions[code]
        unit: dict[str, Any] = {
            "@id": f"gp-{code}",
            "@type": f"{NIST_TYPE}ReportingUnit",
            "Name": _text(commission.name),
        }
        kind = NIST_UNIT_TYPES.get(commission.kind)
        if kind is None:
            unit["Type"] = "other"
            unit["OtherType"] = commission.kind
        else:
            unit["Type"] = kind
        children = results.children(code)
        if children:
            unit["ComposingGpUnitIds"] = [f"gp-{c.code}" for c in children]
            total = results.totals[code]
            unit["SubUnitsReported"] = total["received"]
            unit["TotalSubUnits"] = total["expected"]
        units.append(unit)
    selections = []
    for number, candidate in enumerate(election.candidates, start=1):
        counts = []
        for code in sorted(results.commissions):
            commission = results.commissions[code]
            if commission.kind == "precinct":
                protocol = results.protocols.get(code)
                if protocol is None:
                    continue
                count = protocol.doc["votes"][candidate]
            else:
                count = results.totals[code]["votes"][candidate]
            counts.append(
                {
                    "@type": f"{NIST_TYPE}VoteCounts",
                    "Count": count,
                    "GpUnitId": f"gp-{code}",
                    "Type": "total",
                }
            )
        selections.append(
            {
                "@id": f"sel-{candidate}",
                "@type": f"{NIST_TYPE}CandidateSelection",
                "CandidateIds": [f"cand-{candidate}"],
                "SequenceOrder": number,
                "VoteCounts": counts,
            }
        )
    central = results.central
    total = results.totals[central]
    if election.status == "official":
        status = "certified"
    elif total["received"] == total["expected"]:
        status = "unofficial-complete"
    else:
        status = "unofficial-partial"
    return {
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
        "Election": [
            {
                "@type": f"{NIST_TYPE}Election",
                "ElectionScopeId": f"gp-{central}",
                "StartDate": election_date,
                "EndDate": election_date,
                "Name": _text(election.title),
                "Type": "general",
                "Candidate": [
                    {
                        "@id": f"cand-{c}",
                        "@type": f"{NIST_TYPE}Candidate",
                        "BallotName": _text(election.candidate_names[c]),
                    }
                    for c in election.candidates
                ],
                "Contest": [
                    {
                        "@id": f"contest-{election.code}",
                        "@type": f"{NIST_TYPE}CandidateContest",
                        "ElectionDistrictId": f"gp-{central}",
                        "Name": election.title,
                        "VotesAllowed": 1,
                        "SubUnitsReported": total["received"],
                        "TotalSubUnits": total["expected"],
                        "ContestSelection": selections,
                    }
                ],
            }
        ],
    }


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
    for election in report.get("Election", []):
        for ref in (election.get("ElectionScopeId"),):
            if ref not in units:
                problems.append(f"election scope {ref} is not a unit")
        candidates = {c["@id"] for c in election.get("Candidate", [])}
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
                    if not parts:
                        continue
                    summed = sum(counts.get(p, 0) for p in parts)
                    if counts.get(unit_id, 0) != summed:
                        problems.append(
                            f"{selection['@id']}: {unit_id} counts {counts.get(unit_id, 0)} but "
                            f"its units sum to {summed}"
                        )
    return problems


def publish_files(
    results: Results,
    out: Path,
    t: Translator,
    *,
    generated: str,
    election_date: str,
    schema: Path | None,
    say: Callable[[str], None] = lambda line: None,
) -> tuple[list[Path], list[str] | None]:
    """Write the open data (CSV, JSON) and the NIST report into ``out``, and check the
    report against NIST's ``schema`` and Urna's own checks when the schema is given.
    Answers the files written and the problems found (``None``: not checked). Each step
    is told to ``say`` with the seconds it took, so that a long publication is not silent."""
    out.mkdir(parents=True, exist_ok=True)
    steps: list[tuple[str, Path, Callable[[], str]]] = [
        ("open data CSV", out / "open-data.csv", lambda: open_data_csv(results, t)),
        (
            "open data JSON",
            out / "open-data.json",
            lambda: json.dumps(open_data_json(results), ensure_ascii=False),
        ),
        (
            "NIST report",
            out / "nist.json",
            lambda: json.dumps(
                nist_report(results, generated=generated, election_date=election_date)
            ),
        ),
    ]
    for name, path, make in steps:
        started = time.perf_counter()
        path.write_text(make(), encoding="utf-8")
        size = path.stat().st_size / 1e6
        say(f"{name}: {path.name}, {size:.1f} MB ({time.perf_counter() - started:.1f} s)")
    if schema is None:
        return [path for _, path, _ in steps], None
    started = time.perf_counter()
    problems = check_nist(json.loads((out / "nist.json").read_text("utf-8")), schema)
    say(f"NIST report checked against the schema ({time.perf_counter() - started:.1f} s)")
    return [path for _, path, _ in steps], problems
