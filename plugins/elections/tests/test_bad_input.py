"""Bad input to the elections API is a 4xx naming what is wrong, never a 500 (issue 19)."""

from __future__ import annotations

import pytest

ELECTIONS = "/p/elections/elections"
ELECTION = {
    "code": "e1",
    "title": "t",
    "date": "2024-02-07",
    "candidates": [{"id": "c", "name": "C"}],
}


@pytest.mark.parametrize("profile", [[], {}, 7, None])
async def test_a_profile_that_is_not_a_name_is_refused_naming_the_field(urna_server, profile):
    admin = await urna_server.token_client("admin", ["elections.administrator"])
    response = await admin.post(
        ELECTIONS, json={**ELECTION, "profile": profile}, headers={"Idempotency-Key": "p"}
    )
    assert response.status_code == 422, response.text
    assert "'profile'" in response.json()["error"]
    assert (await admin.get(ELECTIONS)).json() == []


async def test_an_overlong_member_key_or_election_code_is_refused_naming_it(urna_server):
    admin = await urna_server.token_client("admin", ["elections.administrator"])
    created = await admin.post(ELECTIONS, json=ELECTION, headers={"Idempotency-Key": "e"})
    assert created.status_code == 201, created.text
    signed = await admin.post(
        f"{ELECTIONS}/e1/drafts/1/sign", json={"member_key": "a" * 65, "passphrase": "p"}
    )
    assert signed.status_code == 422, signed.text
    assert "'member_key'" in signed.json()["error"]
    for path in (f"{ELECTIONS}/{'e' * 65}/results.json", f"{ELECTIONS}/{'e' * 65}/record.tar"):
        response = await admin.get(path)
        assert response.status_code == 404, response.text
        assert "at most 64 characters" in response.json()["error"]
    # Found by the long fuzz run: a protocol for an overlong code reached the database.
    sender = await urna_server.token_client("sender", ["elections.sender"])
    submitted = await sender.post(f"{ELECTIONS}/{'e' * 65}/protocols", json={})
    assert submitted.status_code == 404, submitted.text
    assert "at most 64 characters" in submitted.json()["error"]


async def test_results_of_an_election_without_commissions_are_a_conflict(urna_server):
    admin = await urna_server.token_client("admin", ["elections.administrator"])
    await admin.post(ELECTIONS, json=ELECTION, headers={"Idempotency-Key": "e"})
    response = await admin.get(f"{ELECTIONS}/e1/results.json")
    assert response.status_code == 409, response.text
    assert "no commissions" in response.json()["error"]
