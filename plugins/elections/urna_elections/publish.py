"""Publication: open data per precinct (CSV, JSON) and the NIST SP 1500-100 v2 report.

NIST's schema has no place for ballots received, cancelled or lost nor for
signatures: the open data carries every protocol line and digest, and the
NIST report (``nist.py``, re-exported here) is a projection of the contests'
votes per reporting unit. The schema checks shape only, so ``check_nist``
also checks that ids are unique, every reference resolves and every unit's
count is the sum of the units that compose it.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from urna.api import N_, Translator

from urna_elections.nist import check_nist, nist_report
from urna_elections.results import Results

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
    ``Candidate One (c1)``, with several contests after the contest's name
    (``President: Ada Stone (president.1)``); the ids and figures are the same in every
    language. A contest not on a precinct's ballot leaves its cells empty."""
    election = results.election
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    lines = election.profile.lines
    several = len(election.contests) > 1
    writer.writerow(
        [
            *(t.gettext(column) for column in CSV_COLUMNS),
            *(CSV_NAMED.format(name=line.label_in(t.language), id=line.id) for line in lines),
            *(
                CSV_NAMED.format(name=f"{c.name}: {s.name}" if several else s.name, id=s.id)
                for c in election.contests
                for s in c.selections
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
                *(doc["votes"].get(c, "") for c in election.candidates),
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
        "contests": [contest.to_json() for contest in election.contests],
        "districts": [district.to_json() for district in election.districts.values()],
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
