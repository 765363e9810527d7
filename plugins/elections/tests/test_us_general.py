"""A generated US general election in long format: contests, districts, vote for 2,
write-ins, over and under votes; totals equal to the file's sums; the record verifies."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
from urna_elections.contests import Contest, District, Selection
from urna_elections.generate import member_keys, signed_protocol, us_general_file
from urna_elections.importer import ColumnMapping, import_protocols
from urna_elections.law import load_builtin
from urna_elections.nist import NistError, check_nist, import_nist, nist_report
from urna_elections.protocols import ProtocolRejected, accept_signed
from urna_elections.results import compute, contest_progress, district_totals
from urna_elections.structure import (
    NewMember,
    StructureError,
    add_commissions,
    add_contests,
    add_districts,
    add_members,
    create_election,
)


async def us_election(ledger, code="us-2028"):
    election = await create_election(
        ledger,
        code=code,
        title="General election 2028 (generated)",
        kind="general",
        date="2028-11-07",
        profile=load_builtin("us-general"),
    )
    await add_commissions(
        ledger, election, [{"code": "state", "name": "State", "kind": "central", "parent": ""}]
    )
    return election


def file_sums(text):
    """What the file says, summed with the csv module alone."""
    votes: Counter[tuple[str, str, str]] = Counter()
    county_ballots: Counter[str] = Counter()
    ballots = 0
    for row in csv.DictReader(io.StringIO(text)):
        if row["office"] == "Ballots Cast":
            ballots += int(row["votes"])
            county_ballots[row["county"]] += int(row["votes"])
        else:
            votes[(row["office"], row["district"], row["candidate"])] += int(row["votes"])
    return votes, ballots, county_ballots


def selection_key(contest, selection):
    district = contest.district.removeprefix(f"{contest.name} ") if contest.district else ""
    return (contest.name, district, selection.name)


async def test_a_generated_us_long_file_imports_with_totals_equal_to_its_sums(
    urna_services, record_verifies
):
    ledger = urna_services.ledger
    generated = us_general_file("totals", counties=5, precincts_per_county=12)
    election = await us_election(ledger)
    report = await import_protocols(
        ledger,
        election,
        "us.csv",
        generated.text.encode(),
        generated.text,
        ColumnMapping.from_json(generated.mapping),
    )
    assert report.rejected == ()
    assert report.imported == generated.precincts == 60
    assert report.contests == generated.contests
    assert report.rows == generated.rows
    results = await compute(await _reload(election))
    election = results.election
    votes, ballots, county_ballots = file_sums(generated.text)
    central = results.totals["state"]
    assert central["received"] == central["expected"] == 60
    assert central["lines"] == {"ballots-cast": ballots}
    assert {
        selection_key(c, s): central["votes"][s.id] for c in election.contests for s in c.selections
    } == dict(votes)
    # Counties and precincts keep the file's names; precincts are numbered within a county.
    assert results.commissions["Adams"].kind == "territorial"
    assert results.commissions["Adams:Precinct 1"].name == "Precinct 1"
    for county, sum_ in county_ballots.items():
        assert results.totals[county]["lines"]["ballots-cast"] == sum_
    # The contests as the file defines them.
    by_name = {(c.name, c.district): c for c in election.contests}
    house = by_name[("State House", "State House 1")]
    assert (house.votes_allowed, house.seats) == (2, 2)
    assert [s.kind for s in house.selections] == [
        *["candidate"] * 4,
        "write-in",
        "overvotes",
        "undervotes",
    ]
    assert by_name[("President", "")].selections[1].party == "REP"
    assert election.districts["U.S. House 2"].type == "congressional"
    # Districts cut across counties; each is summed from its precincts.
    totals = district_totals(results)
    assert set(totals) == set(election.districts)
    covered = Counter()
    for code, district in election.districts.items():
        total = totals[code]
        assert total["received"] == total["expected"] == len(district.precincts)
        contest = next(c for c in election.contests if c.district == code)
        for s in contest.selections:
            assert total["votes"][s.id] == votes[selection_key(contest, s)]
        covered[district.type] += len(district.precincts)
    assert covered == {"congressional": 60, "state-senate": 60, "state-house": 60}
    counties_of = {d: {p.split(":")[0] for p in election.districts[d].precincts} for d in totals}
    assert any(len(counties) > 1 for counties in counties_of.values())
    # A unit's progress in a contest counts only the precincts whose ballot carries it
    # (the file's own rows say which): a county's share of a district, not all its precincts.
    on_ballot: dict[tuple[str, str], set[str]] = {}
    for row in csv.DictReader(io.StringIO(generated.text)):
        if row["office"] != "Ballots Cast":
            key = (row["office"], row["district"])
            on_ballot.setdefault(key, set()).add(f"{row['county']}:{row['precinct']}")
    progress = contest_progress(results)
    for contest in election.contests:
        district = contest.district.removeprefix(f"{contest.name} ") if contest.district else ""
        precincts = on_ballot[(contest.name, district)]
        counties = Counter(p.split(":")[0] for p in precincts)
        expected = {**{c: (n, n) for c, n in counties.items()}, "state": (len(precincts),) * 2}
        assert {u: progress[contest.id][u] for u in expected} == expected
        assert set(progress[contest.id]) - set(expected) == precincts
    # The bug this replaces: a district contest counted against all of a county's precincts.
    assert progress[house.id]["Adams"][1] < results.totals["Adams"]["expected"] == 12
    # A precinct's protocol carries exactly the contests on its ballot: three statewide,
    # its congressional, state senate and state house district.
    doc = results.protocols["Adams:Precinct 1"].doc
    assert len(election.contests_of(doc["votes"])) == 6
    await record_verifies(ledger, election.scope)
    # The same file again: every precinct is already counted, nothing is stored.
    again = await import_protocols(
        ledger,
        election,
        "us.csv",
        generated.text.encode(),
        generated.text,
        ColumnMapping.from_json(generated.mapping),
    )
    assert again.imported == 0
    assert again.causes() == {"already counted": 60}


async def _reload(election):
    from urna_elections.structure import load_election

    return await load_election(election.code)


async def test_every_rejection_names_row_column_and_cause_and_the_rest_is_imported(
    urna_services,
):
    ledger = urna_services.ledger
    generated = us_general_file("rejections", counties=3, precincts_per_county=6)
    rows = list(csv.reader(io.StringIO(generated.text)))
    header = rows[0]
    votes_at = header.index("votes")
    wrong = {}
    for number, row in enumerate(rows[1:], start=2):
        if row[1] == "Precinct 2" and row[0] == "Baker" and row[2] == "Governor":
            row[votes_at] = ""
            wrong.setdefault("Baker:Precinct 2", ("empty cell", number))
        if row[1] == "Precinct 3" and row[0] == "Clark" and row[5] == "Ada Stone":
            row[votes_at] = "1 5"
            wrong.setdefault("Clark:Precinct 3", ("not a number", number))
        if row[1] == "Precinct 4" and row[0] == "Adams" and row[5] == "Fay Chen":
            row[votes_at] = "-3"
            wrong.setdefault("Adams:Precinct 4", ("negative", number))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([*rows, ["Adams", "Precinct 9"]])
    text = out.getvalue()
    election = await us_election(ledger)
    report = await import_protocols(
        ledger,
        election,
        "us.csv",
        text.encode(),
        text,
        ColumnMapping.from_json(generated.mapping),
    )
    assert report.imported == 18 - len(wrong)
    by_precinct = {r.precinct: r for r in report.rejected}
    for precinct, (cause, _) in wrong.items():
        issues = by_precinct[precinct].issues
        assert {i.cause for i in issues} == {cause}, issues
        assert all(i.column == "votes" for i in issues)
    empty = by_precinct["Baker:Precinct 2"].issues
    assert len(empty) == 2 * 5  # every Governor row (3 candidates, over, under), both types
    assert "'1 5' is not a whole number" in by_precinct["Clark:Precinct 3"].problems[0]
    stray = by_precinct[""]
    assert stray.row == len(rows) + 1
    assert stray.issues[0].cause == "wrong number of fields"
    written = list(csv.DictReader(io.StringIO(report.rejections_csv())))
    assert len(written) == sum(len(r.issues) for r in report.rejected)
    first = next(w for w in written if w["precinct"] == "Clark:Precinct 3")
    assert (first["column"], first["cause"]) == ("votes", "not a number")
    assert first["row"] == str(
        next(n for n, r in enumerate(rows[1:], start=2) if r[:2] == ["Clark", "Precinct 3"])
    )
    assert f"row {wrong['Clark:Precinct 3'][1]}:" in first["problem"]
    assert report.causes() == {
        "empty cell": 10,
        "not a number": 2,
        "negative": 2,
        "wrong number of fields": 1,
    }


@pytest.fixture
async def two_district_election(urna_services):
    """A statewide contest on every ballot and a vote-for-2 contest in one district."""
    ledger = urna_services.ledger
    statewide = Contest(
        "gov",
        "Governor",
        "",
        1,
        1,
        (
            Selection("gov.1", "Fay Chen", "DEM"),
            Selection("gov.2", "Gus Moore", "REP"),
            Selection("gov.w", "Write-ins", "", "write-in"),
        ),
    )
    election = await create_election(
        ledger,
        code="us-small",
        title="General election",
        kind="general",
        date="2028-11-07",
        profile=load_builtin("us-general"),
        contests=[statewide],
    )
    await add_commissions(
        ledger,
        election,
        [
            {"code": "state", "name": "State", "kind": "central", "parent": ""},
            {"code": "Adams", "name": "Adams", "kind": "territorial", "parent": "state"},
            {"code": "Adams:1", "name": "Precinct 1", "kind": "precinct", "parent": "Adams"},
            {"code": "Adams:2", "name": "Precinct 2", "kind": "precinct", "parent": "Adams"},
        ],
    )
    election = await add_districts(
        ledger, election, [District("HD 1", "House 1", "state-house", frozenset({"Adams:1"}))]
    )
    council = Contest(
        "council",
        "Council",
        "HD 1",
        2,
        2,
        (
            Selection("council.1", "Ann", "DEM"),
            Selection("council.2", "Bo", "REP"),
            Selection("council.3", "Cy", "REP"),
            Selection("council.o", "Over Votes", "", "overvotes"),
        ),
    )
    election = await add_contests(ledger, election, [council])
    keys = {p: list(member_keys("us-small", p, 1)) for p in ("Adams:1", "Adams:2")}
    await add_members(
        ledger,
        election,
        [NewMember(p, f"Judge of {p}", "chair", k[0].verify_key.hex()) for p, k in keys.items()],
    )
    return election, keys


async def test_a_signed_protocol_carries_every_contest_of_its_ballot_and_no_other(
    urna_services, two_district_election, record_verifies
):
    ledger = urna_services.ledger
    election, keys = two_district_election
    both = {"gov.1": 40, "gov.2": 50, "gov.w": 1, "council.1": 60, "council.2": 70}
    lines = {"ballots-cast": 91}
    lacking = signed_protocol(election, "Adams:1", lines, {**both}, keys["Adams:1"])
    with pytest.raises(ProtocolRejected) as refused:
        await accept_signed(ledger, election, lacking, "api")
    assert "missing ['council.3', 'council.o']" in str(refused.value)
    extra = signed_protocol(election, "Adams:2", lines, {**both}, keys["Adams:2"])
    with pytest.raises(ProtocolRejected) as refused:
        await accept_signed(ledger, election, extra, "api")
    assert "unexpected ['council.1', 'council.2']" in str(refused.value)
    full = {**both, "council.3": 10, "council.o": 2}
    await accept_signed(
        ledger, election, signed_protocol(election, "Adams:1", lines, full, keys["Adams:1"]), "api"
    )
    statewide_only = {"gov.1": 10, "gov.2": 5, "gov.w": 0}
    await accept_signed(
        ledger,
        election,
        signed_protocol(election, "Adams:2", {"ballots-cast": 15}, statewide_only, keys["Adams:2"]),
        "api",
    )
    results = await compute(election)
    assert results.totals["state"]["votes"] == {
        "gov.1": 50,
        "gov.2": 55,
        "gov.w": 1,
        "council.1": 60,
        "council.2": 70,
        "council.3": 10,
        "council.o": 2,
    }
    assert district_totals(results)["HD 1"]["received"] == 1
    # Once a precinct is counted, no contest may reach it any more.
    late = Contest("late", "Late", "", 1, 1, (Selection("late.1", "X"),))
    with pytest.raises(StructureError, match="already counted"):
        await add_contests(ledger, election, [late])
    await record_verifies(ledger, election.scope)


async def test_a_nist_export_imported_into_a_fresh_election_gives_the_same_results(
    urna_services, record_verifies, nist_schema
):
    """Export -> import -> export: the same report, the same totals, districts and contests."""
    ledger = urna_services.ledger
    generated = us_general_file("nist", counties=4, precincts_per_county=9)
    election = await us_election(ledger, "us-source")
    await import_protocols(
        ledger,
        election,
        "us.csv",
        generated.text.encode(),
        generated.text,
        ColumnMapping.from_json(generated.mapping),
    )
    first = await compute(await _reload(election))
    exported = nist_report(first, generated="2028-11-08T12:00:00Z", election_date="2028-11-07")
    assert check_nist(exported, nist_schema) == []
    (contest,) = [c for c in exported["Election"][0]["Contest"] if c["Name"] == "State House"][:1]
    assert (contest["VotesAllowed"], contest["NumberElected"]) == (2, 2)
    assert any(s.get("IsWriteIn") for s in contest["ContestSelection"])
    assert {"Overvotes", "Undervotes"} <= set(contest["OtherCounts"][0])
    district = next(u for u in exported["GpUnit"] if u["@id"] == contest["ElectionDistrictId"])
    assert district["Type"] == "state-house"
    assert {p["@id"] for p in exported["Party"]} == {
        f"party-{p}" for p in ("DEM", "REP", "LIB", "GRN")
    }
    fresh = await create_election(
        ledger,
        code="us-copy",
        title=first.election.title,
        kind="general",
        date="2028-11-07",
        profile=load_builtin("us-general"),
    )
    data = json.dumps(exported).encode()
    report = await import_nist(ledger, fresh, "nist.json", data)
    assert report.rejected == ()
    assert report.imported == generated.precincts
    second = await compute(await _reload(fresh))
    assert second.election.contests == first.election.contests
    assert second.election.districts == first.election.districts
    assert second.totals == first.totals
    assert district_totals(second) == district_totals(first)
    assert {p: x.doc["votes"] for p, x in second.protocols.items()} == {
        p: x.doc["votes"] for p, x in first.protocols.items()
    }
    again = nist_report(second, generated="2028-11-08T12:00:00Z", election_date="2028-11-07")
    assert again == exported
    await record_verifies(ledger, fresh.scope)


async def test_a_nist_report_with_lines_nist_cannot_carry_is_refused_naming_them(urna_services):

    election = await create_election(
        urna_services.ledger,
        code="az-copy",
        title="t",
        kind="presidential",
        date="2024-02-07",
        profile=load_builtin("az"),
        candidates=[{"id": "c1", "name": "One"}],
    )
    with pytest.raises(NistError, match="have no place in a NIST report"):
        await import_nist(urna_services.ledger, election, "n.json", b'{"Election": [{}]}')
    with pytest.raises(NistError, match="is not JSON"):
        await import_nist(urna_services.ledger, election, "n.json", b"{")


async def test_a_record_written_before_contests_still_verifies(urna_services, record_verifies):
    """An ``elections.election_defined`` with ``candidates`` (no contests) and an import
    batch of that time verify: the election reads as one contest of its candidates."""
    from urna_elections.record import (
        COMMISSIONS_DEFINED,
        ELECTION_DEFINED,
        PROTOCOLS_IMPORTED,
        scope_of,
    )

    ledger = urna_services.ledger
    profile = load_builtin("ru-2012-presidential")
    scope = scope_of("old-2012")
    lines = list(profile.line_ids)
    figures = {
        "1": 2383, "2": 2147, "3": 0, "4": 1513, "5": 77, "6": 557, "7": 77, "8": 1513,
        "9": 19, "10": 1571, "11": 24, "12": 13, "13": 8, "14": 11, "15": 1, "16": 0,
        "17": 0, "18": 0, "19": 0, "20": 0,
    }  # fmt: skip
    votes = [24, 382, 28, 71, 1066]
    async with ledger.transaction():
        await ledger.append(
            scope,
            ELECTION_DEFINED,
            {
                "election": "old-2012",
                "title": "Presidential election 2012",
                "kind": "presidential",
                "date": "2012-03-04",
                "profile": profile.to_json(),
                "candidates": [
                    {"id": c, "name": c.title(), "party": ""}
                    for c in ("zhirinovsky", "zyuganov", "mironov", "prokhorov", "putin")
                ],
            },
        )
        await ledger.append(
            scope,
            COMMISSIONS_DEFINED,
            {
                "election": "old-2012",
                "commissions": [["cec", "CEC", "central", ""], ["p1", "P1", "precinct", "cec"]],
            },
        )
        await ledger.append(
            scope,
            PROTOCOLS_IMPORTED,
            {
                "election": "old-2012",
                "profile": profile.name,
                "source": {"name": "2012.csv", "blake2b": "0" * 64, "mapping": {}, "part": 1},
                "lines": lines,
                "candidates": ["zhirinovsky", "zyuganov", "mironov", "prokhorov", "putin"],
                "rows": [["p1", *(figures[line] for line in lines), *votes]],
            },
        )
    await record_verifies(ledger, scope)


async def test_open_data_of_a_multi_contest_election_names_each_contest(urna_services):
    from urna.api import translator
    from urna_elections.publish import open_data_csv, open_data_json
    from urna_elections.structure import load_election

    ledger = urna_services.ledger
    generated = us_general_file("open-data", counties=2, precincts_per_county=4)
    election = await us_election(ledger)
    await import_protocols(
        ledger,
        election,
        "us.csv",
        generated.text.encode(),
        generated.text,
        ColumnMapping.from_json(generated.mapping),
    )
    results = await compute(await load_election(election.code))
    rows = list(csv.reader(io.StringIO(open_data_csv(results, translator(urna_services, "en")))))
    header = rows[0]
    assert "President: Write-ins (president.4)" in header
    assert "State House: Over Votes (state-house-2.overvotes)" in header
    column = header.index("State House: Over Votes (state-house-2.overvotes)")
    adams1 = next(r for r in rows if r[0] == "Adams:Precinct 1")
    assert adams1[column] == ""  # not on this precinct's ballot
    document = open_data_json(results)
    assert len(document["contests"]) == generated.contests
    assert {d["type"] for d in document["districts"]} == {
        "congressional",
        "state-senate",
        "state-house",
    }
