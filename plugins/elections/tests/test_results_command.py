"""``urna elections results ELECTION [--json]``: per contest, the votes, the shares on the
law's base, the precincts received of expected and the status, from the real command on
the test's database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from decimal import Decimal

from urna_elections.generate import us_general_file
from urna_elections.importer import ColumnMapping, import_protocols
from urna_elections.law import load_builtin
from urna_elections.official import mark_official
from urna_elections.structure import add_commissions, create_election


def percent(votes: int, base: int) -> str:
    exact = Decimal(votes * 100) / Decimal(base)
    return str(exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"))


async def test_results_per_contest_for_scripts_and_people(
    urna_services, urna_settings, urna_command
):
    ledger = urna_services.ledger
    generated = us_general_file("results", counties=3, precincts_per_county=4)
    election = await create_election(
        ledger,
        code="us-r",
        title="General election (generated)",
        kind="general",
        date="2028-11-07",
        profile=load_builtin("us-general"),
    )
    await add_commissions(
        ledger, election, [{"code": "state", "name": "State", "kind": "central", "parent": ""}]
    )
    text = generated.text
    mapping = ColumnMapping.from_json(generated.mapping)
    report = await import_protocols(ledger, election, "us.csv", text.encode(), text, mapping)
    assert report.rejected == ()
    # A precinct defined after the file, whose results never came.
    late = {"code": "Clark:Precinct 5", "name": "Precinct 5", "kind": "precinct"}
    await add_commissions(ledger, election, [{**late, "parent": "Clark"}])
    # The file's own sums, per (office, district, candidate).
    sums: Counter[tuple[str, str, str]] = Counter()
    for row in csv.DictReader(io.StringIO(text)):
        if row["office"] != "Ballots Cast":
            sums[(row["office"], row["district"], row["candidate"])] += int(row["votes"])

    answer = urna_command("elections", "results", "us-r", "--json", settings=urna_settings)
    assert answer.returncode == 0, answer.stderr
    document = json.loads(answer.stdout)
    assert document["status"] == "unofficial"
    assert document["share_base"] == {"basis": "valid", "expr": "candidates"}
    contests = {(c["name"], c["district"]): c for c in document["contests"]}
    assert len(contests) == len(document["contests"]) >= 6
    president = contests[("President", "")]
    assert (president["received"], president["expected"]) == (12, 13)
    for contest in document["contests"]:
        district = contest["district"].removeprefix(f"{contest['name']} ")
        valid = [s for s in contest["selections"] if s["kind"] in ("candidate", "write-in")]
        base = sum(s["votes"] for s in valid)
        assert contest["share_base"] == base
        for selection in contest["selections"]:
            assert selection["votes"] == sums[(contest["name"], district, selection["name"])]
            if selection["kind"] in ("overvotes", "undervotes"):
                assert selection["percent"] is None
            else:
                assert selection["percent"] == percent(selection["votes"], base)
    assert any(s["kind"] == "write-in" for c in contests.values() for s in c["selections"])

    shown = urna_command("elections", "results", "us-r", settings=urna_settings)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == (
        "General election (generated) (us-r): unofficial; shares of valid votes (candidates)"
    )
    assert "President [" in shown.stdout
    assert "12 of 13 precincts received" in shown.stdout
    leader = max(
        (s for s in president["selections"] if s["percent"] is not None),
        key=lambda s: s["votes"],
    )
    assert f"{leader['votes']:,}" in shown.stdout
    assert f"{leader['percent']} %" in shown.stdout

    await mark_official(ledger, election, "Clark Precinct 5 lost its tabulator")
    official = json.loads(
        urna_command("elections", "results", "us-r", "--json", settings=urna_settings).stdout
    )
    assert official["status"] == "official"
    assert official["missing"] == ["Clark:Precinct 5"]
    assert official["reason"] == "Clark Precinct 5 lost its tabulator"
    lines = urna_command("elections", "results", "us-r", settings=urna_settings).stdout.splitlines()
    assert lines[1] == (
        "declared official with 1 precinct missing: Clark Precinct 5 lost its tabulator"
    )

    unknown = urna_command("elections", "results", "nope", settings=urna_settings)
    assert unknown.returncode == 1
    assert unknown.stderr == "Error: no election 'nope'\n"
