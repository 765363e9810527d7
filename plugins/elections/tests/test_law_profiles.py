"""Law as data: profile documents checked against the published schema (every problem
named with its JSON path), shipped profiles, a structure naming or carrying its profile,
and the candidates' shares on the profile's base on the portal and in the PDF."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from selenium.webdriver.common.by import By
from urna_elections import law
from urna_elections.generate import generate_election, signed_protocol
from urna_elections.law import BUILTIN, Profile, ProfileError, builtin_profiles, load_builtin
from urna_elections.protocols import accept_signed
from urna_elections.structure import StructureError, import_structure

DOCS_SCHEMA = Path(__file__).resolve().parents[3] / "docs" / "elections-profile.schema.json"
PROFILES = {p.name: p for p in builtin_profiles()}
SQLITE = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)

BAD_TOML = """\
name = "GE"
title = "Georgia"
country = "GE"
source = "x"
quorum = [3, 2]
turnout_hours = ["12:00", "10:00"]
[[lines]]
id = "1"
label = "Voters"
before_opening = true
labels = {az = "Seçicilər", en = "Voters"}
[[lines]]
id = "1"
label = "Valid"
before_opening = false
labels = {az = "a", en = "b", ru = "c"}
[[ratios]]
id = "G-1"
expr = "{1} = {3}"
[share_base]
basis = "turnout"
expr = "{9}"
"""

GOOD_TOML = """\
name = "xx-local"
title = "A local law"
country = "XX"
source = "Local Election Act, Art. 12"
ratios = [{id = "L-1", expr = "{2} = candidates"}]
quorum = [1, 2]
turnout_hours = ["12:00"]
write_ins = true
share_base = {basis = "registered", expr = "{1}"}
rounding = {decimals = 1, mode = "half-even"}

[[lines]]
id = "1"
label = "Registered voters"
before_opening = true
labels.az = "Qeydiyyatdakı seçicilər"
labels.en = "Registered voters"
labels.ru = "Зарегистрированные избиратели"

[[lines]]
id = "2"
label = "Valid ballots"
before_opening = false
labels = {az = "Etibarlı bülletenlər", en = "Valid ballots", ru = "Действительные бюллетени"}
"""


def test_the_shipped_profiles_are_valid_documents_labelled_in_az_en_and_ru():
    assert set(BUILTIN) == {"az", "ru-federal", "ru-2012-presidential", "us-general"}
    for profile in builtin_profiles():
        assert law.profile_problems(profile.to_json()) == []
        for line in profile.lines:
            assert {"az", "en", "ru"} <= set(line.labels), (profile.name, line.id)
    assert PROFILES["az"].share_base.basis == "valid"
    assert PROFILES["ru-federal"].share_base.expression == "{9} + {10}"
    assert PROFILES["ru-2012-presidential"].share_base.basis == "valid-and-invalid"
    us = PROFILES["us-general"]
    assert us.line_ids == ("ballots-cast",)
    assert us.write_ins
    assert us.ratios == ()


def test_the_schema_in_the_docs_is_the_one_the_package_ships():
    assert json.loads(DOCS_SCHEMA.read_text(encoding="utf-8")) == law.schema()


def test_every_problem_is_named_with_its_json_path(tmp_path):
    path = tmp_path / "ge.toml"
    path.write_text(BAD_TOML, encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        Profile.from_json(law.read_profile_file(path))
    found = {(p.path, p.message) for p in caught.value.problems}
    assert {p for p, _ in found} == {
        "/name",
        "/lines/0/labels",
        "/lines/1/id",
        "/ratios/0/expr",
        "/share_base/basis",
        "/share_base/expr",
        "/quorum",
        "/turnout_hours",
    }
    assert ("/lines/1/id", "line 1 appears twice") in found
    assert ("/ratios/0/expr", "ratio G-1: unknown line {3}") in found
    assert (
        "/share_base/basis",
        '"turnout" is not one of "valid", "valid-and-invalid", "ballots-cast", "registered"',
    ) in found


def test_profiles_check_prints_every_problem_and_exits_1(tmp_path, urna_command):
    bad = tmp_path / "ge.toml"
    bad.write_text(BAD_TOML, encoding="utf-8")
    checked = urna_command("elections", "profiles", "check", bad)
    assert checked.returncode == 1, checked.stderr
    lines = checked.stdout.splitlines()
    assert f'{bad}: /lines/0/labels: "ru" is a required property' in lines
    assert f"{bad}: /quorum: the numerator is larger than the denominator" in lines
    assert lines[-1] == f"{bad}: 8 problem(s), not a valid profile"
    assert "Traceback" not in checked.stderr
    good = tmp_path / "xx.toml"
    good.write_text(GOOD_TOML, encoding="utf-8")
    checked = urna_command("elections", "profiles", "check", good)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == (
        f"{good}: profile xx-local is valid: 2 lines, 1 ratios, quorum 1/2, "
        "shares of registered ({1})\n"
    )
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    checked = urna_command("elections", "profiles", "check", broken)
    assert checked.returncode == 1
    assert "does not parse" in checked.stdout


def test_shares_are_rounded_as_the_profile_says(tmp_path):
    path = tmp_path / "xx.toml"
    path.write_text(GOOD_TOML, encoding="utf-8")
    profile = Profile.from_json(law.read_profile_file(path))
    base = profile.share_base.of({"1": 1000, "2": 600}, 600)
    assert base == 1000
    assert profile.share(125, base) == Decimal("0.125")  # 12.5 %, one decimal
    assert profile.share(1, 16) == Decimal("0.062")  # 6.25 % half-even: 6.2 %
    assert PROFILES["az"].share(1, 16) == Decimal("0.0625")  # two decimals
    assert PROFILES["az"].share(1, 3) == Decimal("0.3333")
    assert PROFILES["az"].share(2, 3) == Decimal("0.6667")  # half-up
    assert profile.share(5, 0) is None
    ru = PROFILES["ru-federal"]
    lines = dict.fromkeys(ru.line_ids, 0) | {"9": 50, "10": 800}
    assert ru.share(500, ru.share_base.of(lines, 800)) == Decimal("0.5882")
    az = PROFILES["az"]
    assert az.share(500, az.share_base.of(dict.fromkeys(az.line_ids, 0), 800)) == Decimal("0.6250")


def structure(profile: object, code: str = "xx-1") -> dict[str, object]:
    return {
        "election": {
            "code": code,
            "title": "Local election",
            "date": "2026-05-01",
            "profile": profile,
            "candidates": [{"id": "c1", "name": "One"}, {"id": "c2", "name": "Two"}],
        },
        "commissions": [{"code": "cec", "name": "Central", "kind": "central", "parent": ""}],
    }


async def test_a_structure_names_carries_or_points_at_its_profile(urna_services, tmp_path):
    ledger = urna_services.ledger
    (tmp_path / "xx.toml").write_text(GOOD_TOML, encoding="utf-8")
    from_file = await import_structure(ledger, structure({"path": "xx.toml"}), PROFILES, tmp_path)
    assert from_file.profile.name == "xx-local"
    assert from_file.profile.decimals == 1
    inline_document = json.loads(json.dumps(load_builtin("ru-federal").to_json()))
    inline_document["name"] = "ru-inline"
    inline = await import_structure(ledger, structure(inline_document, "xx-2"), PROFILES)
    assert inline.profile.share_base.basis == "valid-and-invalid"
    named = await import_structure(ledger, structure("us-general", "xx-3"), PROFILES)
    assert named.profile.write_ins
    [defined] = [e for e in await ledger.events(from_file.scope) if e.type.endswith("defined")][:1]
    assert defined.payload["profile"]["name"] == "xx-local"
    assert defined.payload["profile"]["share_base"] == {"basis": "registered", "expr": "{1}"}
    for given, words in (
        ("nope", "unknown profile 'nope'"),
        ({**inline_document, "quorum": [3, 2]}, "/quorum: the numerator is larger"),
        ({"path": "missing.toml"}, "cannot read"),
        (7, "a profile is a name"),
    ):
        with pytest.raises(StructureError, match="election profile") as caught:
            await import_structure(ledger, structure(given, "xx-9"), PROFILES, tmp_path)
        assert words in str(caught.value)
    assert await ledger.events("election.xx-9") == []


RU_LINES = {"1": 1000, "2": 1000, "3": 0, "4": 800, "5": 50, "6": 150}
RU_LINES |= {"7": 50, "8": 800, "9": 50, "10": 800, "11": 0, "12": 0}


@SQLITE
async def test_the_russian_profile_shows_shares_of_valid_and_invalid_ballots(
    urna_server, urna_pages
):
    """Russia's CEC publishes a candidate's share of lines 9 + 10: 500 of 850 is 58.82 %,
    not the 62.50 % of valid votes."""
    ledger = urna_server.services.ledger
    generated = await generate_election(
        ledger,
        code="ru-x",
        constituencies=1,
        precincts=2,
        abroad=0,
        members=3,
        profile=load_builtin("ru-federal"),
    )
    election = generated.election
    votes = dict.fromkeys(election.candidates, 0)
    first, second = election.candidates[:2]
    votes[first], votes[second] = 500, 300
    precinct = generated.precincts[0]
    entry = signed_protocol(election, precinct, RU_LINES, votes, generated.member_keys(precinct))
    await accept_signed(ledger, election, entry, "api")
    names = election.candidate_names
    expected = {
        "en": ("Share of valid and invalid ballots", "58.82%", "35.29%"),
        "ru": ("Доля от числа действительных и недействительных бюллетеней", "58,82%", "35,29%"),
        "az": ("Etibarlı və etibarsız bülletenlərdə payı", "58,82%", "35,29%"),
    }
    for language, (heading, share_first, share_second) in expected.items():
        for path in (
            f"/p/elections/portal/{election.code}",
            f"/p/elections/portal/ru-x/{precinct}",
        ):
            await urna_pages.visit(path, language)
            table = urna_pages.driver.find_element(By.ID, "votes")
            text = table.text.replace("\u00a0", " ").replace("\u202f", " ").replace(" %", "%")
            assert heading in text, (language, text)
            rows = {r.split(" ")[0]: r for r in text.splitlines()}
            assert share_first in text, (language, text)
            assert share_second in text, (language, text)
            assert "62" not in text.replace(heading, "")
            assert names[first].split(" ")[0] in rows
    async with urna_server.client() as client:
        pdf = await client.get(
            f"/p/elections/elections/{election.code}/reports/results.pdf?lang=en"
        )
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    flat = re.sub(r"\s+", " ", text).replace(" %", "%")
    assert "Share of valid and invalid ballots" in flat, flat[:2000]
    assert "58.82%" in flat


async def test_write_ins_only_where_the_law_allows_them(urna_services):
    from urna_elections.contests import Contest, Selection
    from urna_elections.structure import add_contests, create_election

    ballot = Contest(
        id="mayor",
        name="Mayor",
        district="",
        seats=1,
        votes_allowed=1,
        selections=(Selection("m1", "One"), Selection("m-w", "Write-ins", kind="write-in")),
    )
    ledger = urna_services.ledger
    common = {"title": "Local", "kind": "municipal", "date": "2026-05-01"}
    with pytest.raises(StructureError, match="profile az allows none"):
        await create_election(
            ledger, code="w-az", profile=PROFILES["az"], contests=(ballot,), **common
        )
    assert await ledger.events("election.w-az") == []
    allowed = await create_election(
        ledger, code="w-us", profile=PROFILES["us-general"], contests=(ballot,), **common
    )
    assert [s.kind for s in allowed.contests[0].selections] == ["candidate", "write-in"]
    plain = await create_election(
        ledger,
        code="w-ru",
        profile=PROFILES["ru-federal"],
        candidates=[{"id": "c1", "name": "One"}],
        **common,
    )
    later = Contest(
        "council", "Council", "", 1, 1, (Selection("k-w", "Write-ins", kind="write-in"),)
    )
    with pytest.raises(StructureError, match="profile ru-federal allows none"):
        await add_contests(ledger, plain, (later,))
