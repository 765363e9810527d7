"""Turnout reports over HTTP: recorded once, replaced by a later figure, aggregated up the
tree, and refused with a named reason (nothing stored) when wrong."""

from __future__ import annotations

import pytest
from urna_elections import models
from urna_elections.generate import generate_election
from urna_elections.record import TURNOUT_REPORTED

URL = "/p/elections/elections/az-2024"


async def small_election(server):
    return await generate_election(
        server.services.ledger, constituencies=2, precincts=4, abroad=0, members=3
    )


async def turnout_events(server, generated):
    events = await server.services.ledger.events(generated.election.scope)
    return [e for e in events if e.type == TURNOUT_REPORTED]


async def stored(generated):
    rows = await models.Turnout.filter(election_id=generated.election.id).values_list(
        "precinct_code", "hour", "voters"
    )
    return sorted(rows)


async def test_turnout_is_recorded_once_replaced_later_and_aggregated(urna_server):
    generated = await small_election(urna_server)
    first, second = generated.precincts[:2]
    sender = await urna_server.token_client("precinct-1", ["elections.sender"])
    body = {
        "reports": [
            {"precinct": first, "hour": "10:00", "voters": 120},
            {"precinct": second, "hour": "10:00", "voters": 80},
        ]
    }
    answer = await sender.post(f"{URL}/turnout", json=body, headers={"Idempotency-Key": "t-1"})
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"recorded": 2}

    again = await sender.post(f"{URL}/turnout", json=body, headers={"Idempotency-Key": "t-1"})
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert len(await turnout_events(urna_server, generated)) == 1
    assert await stored(generated) == [(first, "10:00", 120), (second, "10:00", 80)]

    other = {"reports": [{"precinct": first, "hour": "10:00", "voters": 1}]}
    reused = await sender.post(f"{URL}/turnout", json=other, headers={"Idempotency-Key": "t-1"})
    assert reused.status_code == 422
    assert "already used" in reused.json()["error"]

    corrected = {"reports": [{"precinct": first, "hour": "10:00", "voters": 125}]}
    answer = await sender.post(f"{URL}/turnout", json=corrected, headers={"Idempotency-Key": "t-2"})
    assert answer.status_code == 201, answer.text
    # Both figures stay in the record; the later one is shown.
    reported = [
        r for e in await turnout_events(urna_server, generated) for r in e.payload["reports"]
    ]
    assert [r["voters"] for r in reported if r["precinct"] == first] == [120, 125]
    assert await stored(generated) == [(first, "10:00", 125), (second, "10:00", 80)]

    results = (await urna_server.client().get(f"{URL}/results.json")).json()
    assert results["turnout"]["cec"]["10:00"] == {"voters": 205, "reporting": 2}
    assert results["turnout"][first]["10:00"] == {"voters": 125, "reporting": 1}
    assert "12:00" not in results["turnout"]["cec"]


@pytest.mark.parametrize(
    ("reports", "complaint"),
    [
        ([{"precinct": "nowhere", "hour": "10:00", "voters": 1}], "unknown precinct 'nowhere'"),
        ([{"precinct": "{p}", "hour": "11:00", "voters": 1}], "the law's hours are"),
        ([{"precinct": "{p}", "hour": "10:00", "voters": -1}], "integer 0..10^9"),
        ([{"precinct": "{p}", "hour": "10:00", "voters": True}], "integer 0..10^9"),
        ([{"precinct": "{p}", "hour": "10:00", "voters": "12"}], "integer 0..10^9"),
        ([{"precinct": "{p}", "hour": "10:00", "voters": 1, "x": 1}], "exactly precinct"),
        ([{"precinct": "{p}", "hour": "10:00"}], "exactly precinct"),
        ([{"precinct": ["{p}"], "hour": "10:00", "voters": 1}], "must be strings"),
        ([{"precinct": "{p}", "hour": {"h": 10}, "voters": 1}], "must be strings"),
        ([], "no turnout reports"),
        ("10:00", "must be a list"),
    ],
)
async def test_bad_turnout_is_refused_naming_why_and_stores_nothing(
    urna_server, reports, complaint
):
    generated = await small_election(urna_server)
    precinct = generated.precincts[0]
    sender = await urna_server.token_client("precinct-1", ["elections.sender"])
    if isinstance(reports, list):
        # One good report first in the same request: a bad one spoils the whole request.
        good = {"precinct": precinct, "hour": "12:00", "voters": 5}
        reports = (
            [good] + [{k: (precinct if v == "{p}" else v) for k, v in r.items()} for r in reports]
            if reports
            else []
        )
    answer = await sender.post(
        f"{URL}/turnout", json={"reports": reports}, headers={"Idempotency-Key": "k"}
    )
    assert answer.status_code == 422, answer.text
    assert complaint in answer.json()["error"]
    assert await turnout_events(urna_server, generated) == []
    assert await stored(generated) == []
    # The refused request left its Idempotency-Key unused.
    fine = {"reports": [{"precinct": precinct, "hour": "10:00", "voters": 7}]}
    answer = await sender.post(f"{URL}/turnout", json=fine, headers={"Idempotency-Key": "k"})
    assert answer.status_code == 201, answer.text
    assert await stored(generated) == [(precinct, "10:00", 7)]


async def test_turnout_needs_the_submit_permission_and_an_idempotency_key(urna_server):
    generated = await small_election(urna_server)
    body = {"reports": [{"precinct": generated.precincts[0], "hour": "10:00", "voters": 3}]}
    anonymous = urna_server.client()
    answer = await anonymous.post(f"{URL}/turnout", json=body, headers={"Idempotency-Key": "a"})
    assert answer.status_code == 401
    member = await urna_server.token_client("member-1", ["elections.member"])
    answer = await member.post(f"{URL}/turnout", json=body, headers={"Idempotency-Key": "a"})
    assert answer.status_code == 403
    sender = await urna_server.token_client("precinct-1", ["elections.sender"])
    answer = await sender.post(f"{URL}/turnout", json=body)
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()["error"]
    answer = await sender.post(
        "/p/elections/elections/nope/turnout", json=body, headers={"Idempotency-Key": "a"}
    )
    assert answer.status_code == 404
    assert await turnout_events(urna_server, generated) == []
    assert await stored(generated) == []
