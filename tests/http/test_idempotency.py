"""Idempotent writes: a repeated Idempotency-Key replays the first answer and writes once."""

from __future__ import annotations

import asyncio
import logging

import pytest
from urna.shell.models import IdempotentResponse, User
from urna_example.models import Notice

NEW_USER = {"username": "newcomer", "password": "long enough password", "roles": ["example.reader"]}


@pytest.fixture
async def writer(session_client):
    return await session_client("writer", ["example.writer"])


async def post_notice(client, text, key):
    headers = {} if key is None else {"Idempotency-Key": key}
    return await client.post("/p/example/notices", json={"text": text}, headers=headers)


async def test_same_key_and_body_replays_the_first_answer_and_writes_once(writer, urna_server):
    first = await post_notice(writer, "Once", "key-1")
    again = await post_notice(writer, "Once", "key-1")
    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert await Notice.all().count() == 1
    assert len(await urna_server.services.ledger.events("notices")) == 2  # key + notice


def idempotency_statements(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The first word of each statement logged against the idempotency table, then forget them."""
    words = [
        record.getMessage().split()[0]
        for record in caplog.records
        if record.name == "tortoise.db_client" and "urna_idempotent_response" in record.getMessage()
    ]
    caplog.clear()
    return words


async def test_the_claim_is_one_statement(writer, caplog):
    """A new key costs one INSERT (the claim) and one UPDATE (the answer), no look-up first;
    a repeated key costs the INSERT that inserts nothing and the read of the stored answer."""
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    assert (await post_notice(writer, "Once", "key-1")).status_code == 201
    assert idempotency_statements(caplog) == ["INSERT", "UPDATE"]
    again = await post_notice(writer, "Once", "key-1")
    assert again.headers["idempotent-replayed"] == "true"
    assert idempotency_statements(caplog) == ["INSERT", "SELECT"]


async def test_same_key_with_another_body_is_422_and_writes_nothing(writer, counts):
    await post_notice(writer, "Once", "key-1")
    before = await counts()
    other = await post_notice(writer, "Twice", "key-1")
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["error"]
    assert await counts() == before


async def test_missing_or_bad_key_is_400_and_writes_nothing(writer, counts):
    before = await counts()
    for key in [None, "", "k" * 201, "tab\there"]:
        response = await post_notice(writer, "No key", key)
        assert response.status_code == 400, key
        assert "Idempotency-Key" in response.json()["error"]
    assert await counts() == before


async def test_keys_belong_to_their_caller(writer, session_client):
    """Another user's identical key is another request: no replay of someone else's answer."""
    other = await session_client("other", ["example.writer"])
    first = await post_notice(writer, "Mine", "shared-key")
    second = await post_notice(other, "Mine", "shared-key")
    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert await Notice.all().count() == 2


async def test_a_refused_write_does_not_use_up_its_key(writer, counts):
    before = await counts()
    assert (await post_notice(writer, "", "key-1")).status_code == 422
    assert await counts() == before
    assert (await post_notice(writer, "Fixed", "key-1")).status_code == 201


async def test_eight_concurrent_posts_with_one_key_write_once(writer, urna_server):
    responses = await asyncio.gather(*(post_notice(writer, "Burst", "burst") for _ in range(8)))
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert len({r.content for r in responses}) == 1
    assert sum("idempotent-replayed" in r.headers for r in responses) == 7
    assert await Notice.all().count() == 1
    assert await IdempotentResponse.all().count() == 1


async def test_create_user_is_idempotent(session_client, counts):
    admin = await session_client("root", ["admin"])
    first = await admin.post("/-/users", json=NEW_USER, headers={"Idempotency-Key": "u-1"})
    assert first.status_code == 201, first.text
    before = await counts()
    again = await admin.post("/-/users", json=NEW_USER, headers={"Idempotency-Key": "u-1"})
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    other = await admin.post(
        "/-/users", json={**NEW_USER, "roles": []}, headers={"Idempotency-Key": "u-1"}
    )
    assert other.status_code == 422
    assert (await admin.post("/-/users", json=NEW_USER)).status_code == 400
    assert await counts() == before
    fresh_key = await admin.post("/-/users", json=NEW_USER, headers={"Idempotency-Key": "u-2"})
    assert fresh_key.status_code == 409  # the natural key still holds
    assert await counts() == before


async def test_eight_concurrent_user_creations_with_one_key_write_once(session_client):
    admin = await session_client("root", ["admin"])
    responses = await asyncio.gather(
        *(
            admin.post("/-/users", json=NEW_USER, headers={"Idempotency-Key": "burst"})
            for _ in range(8)
        )
    )
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert len({r.content for r in responses}) == 1
    assert await User.filter(username="newcomer").count() == 1
    assert await IdempotentResponse.all().count() == 1
