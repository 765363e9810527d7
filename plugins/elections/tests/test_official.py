"""Official means complete, or says why not: declaring results official with precincts
missing is refused unless the operator gives a reason; the reason and the missing
precincts go into the record, the portal and the results PDF."""

from __future__ import annotations

import io
import json
import random
import re

import pypdf
import pytest
from selenium.webdriver.common.by import By
from urna_elections.generate import az_protocol_values, generate_election, signed_protocol
from urna_elections.protocols import accept_signed

SQLITE = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)
REASON = "Precinct commissions p0005 and p0006 were dissolved by court order; no protocol"
WORDS = {
    "en": ("Declared official with 3 precincts' protocols missing.", "Missing precincts:"),
    "az": ("3 məntəqənin protokolu olmadan rəsmi elan edilib.", "Protokolu olmayan məntəqələr:"),
    "ru": ("Объявлены официальными без протоколов 3 участков.", "Участки без протокола:"),
}


async def three_of_six(ledger, code="off-1"):
    """Six precincts, protocols from the first three."""
    generated = await generate_election(
        ledger, code=code, constituencies=2, precincts=6, abroad=0, members=3
    )
    election = generated.election
    rng = random.Random(7)  # noqa: S311 - made-up figures
    for precinct in generated.precincts[:3]:
        lines, votes = az_protocol_values(rng, election.candidates)
        entry = signed_protocol(election, precinct, lines, votes, generated.member_keys(precinct))
        await accept_signed(ledger, election, entry, "api")
    return generated


async def test_official_with_precincts_missing_needs_a_reason_and_records_it(
    urna_server, record_verifies
):
    ledger = urna_server.services.ledger
    generated = await three_of_six(ledger)
    code = generated.election.code
    missing = sorted(generated.precincts[3:])
    admin = await urna_server.token_client("cec-admin", ["elections.administrator"])
    url = f"/p/elections/elections/{code}/official"
    head = await ledger.head(generated.election.scope)

    refused = await admin.post(url, headers={"Idempotency-Key": "o-1"})
    assert refused.status_code == 409
    assert refused.json()["missing"] == missing
    assert "3 of 6 precincts have sent no protocol" in refused.json()["error"]
    assert "needs a reason" in refused.json()["error"]
    blank = await admin.post(url, json={"reason": "   "}, headers={"Idempotency-Key": "o-2"})
    assert blank.status_code == 409
    wrong = await admin.post(url, json={"reason": 5}, headers={"Idempotency-Key": "o-3"})
    assert wrong.status_code == 422
    assert wrong.json()["error"] == "the reason must be text"
    extra = await admin.post(url, json={"why": "x"}, headers={"Idempotency-Key": "o-4"})
    assert extra.status_code == 422
    assert await ledger.head(generated.election.scope) == head, "nothing recorded"
    status = await urna_server.client().get(f"/p/elections/elections/{code}/results.json")
    assert status.json()["status"] == "unofficial"

    declared = await admin.post(url, json={"reason": REASON}, headers={"Idempotency-Key": "o-5"})
    assert declared.status_code == 200, declared.text
    assert declared.json() | {"seq": 0} == {
        "seq": 0,
        "received": 3,
        "expected": 6,
        "missing": 3,
        "reason": REASON,
    }
    again = await admin.post(url, json={"reason": REASON}, headers={"Idempotency-Key": "o-6"})
    assert again.status_code == 409
    assert "already official" in again.json()["error"]
    events = await ledger.events(generated.election.scope)
    [official] = [e for e in events if e.type == "elections.results_status"]
    assert official.payload["missing"] == missing
    assert official.payload["reason"] == REASON
    await record_verifies(ledger, generated.election.scope)

    async with urna_server.client() as client:
        pdf = await client.get(f"/p/elections/elections/{code}/reports/results.pdf?lang=en")
    text = re.sub(
        r"\s+",
        " ",
        "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages),
    )
    assert "Official results" in text
    assert "Declared official with 3 precincts' protocols missing." in text
    assert REASON in text
    assert f"Missing precincts: {', '.join(missing)}" in text


async def test_complete_results_need_no_reason_and_refuse_one(urna_services, record_verifies):
    from urna_elections.official import ReasonError, mark_official

    ledger = urna_services.ledger
    generated = await three_of_six(ledger, "off-2")
    election = generated.election
    rng = random.Random(8)  # noqa: S311 - made-up figures
    for precinct in generated.precincts[3:]:
        lines, votes = az_protocol_values(rng, election.candidates)
        entry = signed_protocol(election, precinct, lines, votes, generated.member_keys(precinct))
        await accept_signed(ledger, election, entry, "api")
    with pytest.raises(ReasonError, match="complete: no reason to give"):
        await mark_official(ledger, election, "just because")
    answer = await mark_official(ledger, election)
    assert answer["missing"] == 0
    [official] = [
        e for e in await ledger.events(election.scope) if e.type == "elections.results_status"
    ]
    assert "missing" not in official.payload
    assert "reason" not in official.payload
    await record_verifies(ledger, election.scope)


@SQLITE
async def test_the_portal_says_what_official_results_lack(urna_server, urna_pages):
    ledger = urna_server.services.ledger
    generated = await three_of_six(ledger, "off-3")
    from urna_elections.official import mark_official

    await mark_official(ledger, generated.election, REASON)
    for language, (declared, listed) in WORDS.items():
        for path in ("/p/elections/portal/off-3", "/p/elections/portal/off-3/con001"):
            await urna_pages.visit(path, language)
            notice = urna_pages.driver.find_element(By.ID, "incomplete").text
            assert declared in notice, (language, notice)
            assert REASON in notice
            assert f"{listed} {', '.join(sorted(generated.precincts[3:]))}" in notice
        await urna_pages.visit("/p/elections/portal", language)
        row = urna_pages.driver.find_element(By.LINK_TEXT, generated.election.title)
        assert row.is_displayed()


def test_the_official_command_refuses_without_a_reason_in_one_line(tmp_path, urna_command):
    """Right after ``urna init``: import a structure, then declare its results official."""
    data = tmp_path / "data"

    def urna(*args):
        return urna_command("--data-dir", data, *args)

    assert urna("init").returncode == 0
    structure = tmp_path / "structure.json"
    structure.write_text(
        json.dumps(
            {
                "election": {
                    "code": "cli-1",
                    "title": "Local election",
                    "date": "2026-05-01",
                    "candidates": [{"id": "c1", "name": "One"}],
                },
                "commissions": [
                    {"code": "cec", "name": "Central", "kind": "central", "parent": ""},
                    {"code": "p1", "name": "Precinct 1", "kind": "precinct", "parent": "cec"},
                ],
            }
        ),
        encoding="utf-8",
    )
    imported = urna("elections", "import-structure", structure)
    assert imported.returncode == 0, imported.stderr
    assert "Traceback" not in imported.stderr
    refused = urna("elections", "official", "cli-1")
    assert refused.returncode == 1
    assert refused.stderr.strip().count("\n") == 0
    assert "1 of 1 precincts have sent no protocol (p1)" in refused.stderr
    declared = urna("elections", "official", "cli-1", "--reason", "no precinct reported")
    assert declared.returncode == 0, declared.stderr
    assert declared.stdout == (
        "results of cli-1 official at seq 3: 0 of 1 protocols, 1 missing: no precinct reported\n"
    )
