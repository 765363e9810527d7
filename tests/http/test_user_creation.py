"""Creating users: the cheap refusals come before the slow password hash, which runs
outside the transaction that stores the user; a refusal stores nothing."""

from __future__ import annotations

import logging

import pytest
from tortoise.backends.base.client import TransactionalDBClient
from urna.shell import accounts
from urna.shell.auth.passwords import hash_password
from urna.shell.db import current_connection
from urna.shell.models import User

PASSWORD = "long enough password"


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each password hash accounts computes, as whether a transaction was open meanwhile."""
    seen: list[bool] = []

    async def spy(password: str) -> str:
        seen.append(isinstance(current_connection(), TransactionalDBClient))
        return await hash_password(password)

    monkeypatch.setattr(accounts, "hash_password", spy)
    return seen


async def test_over_http_the_hash_runs_before_the_write_transaction_opens(
    session_client, counts, hashes
):
    """POST /-/users hashes in its Route.prepare step, before the idempotent write's
    transaction (which on SQLite holds the write lock for every other writer). A taken
    name is then refused inside the transaction: a replayed key must still replay."""
    admin = await session_client("root", ["admin"])
    assert hashes == [False]  # root's own
    hashes.clear()
    created = await admin.post(
        "/-/users",
        json={"username": "clerk", "password": PASSWORD, "roles": ["admin"]},
        headers={"Idempotency-Key": "first"},
    )
    assert created.status_code == 201, created.text
    assert hashes == [False]
    before = await counts()
    response = await admin.post(
        "/-/users",
        json={"username": "root", "password": PASSWORD},
        headers={"Idempotency-Key": "again"},
    )
    assert response.status_code == 409, response.text
    assert "exists" in response.json()["error"]
    assert await counts() == before
    replayed = await admin.post(
        "/-/users",
        json={"username": "clerk", "password": PASSWORD, "roles": ["admin"]},
        headers={"Idempotency-Key": "first"},
    )
    assert (replayed.status_code, replayed.headers["Idempotent-Replayed"]) == (201, "true")


async def test_the_cli_path_refuses_a_taken_name_before_hashing(urna_services, hashes):
    await accounts.create_user("clerk", PASSWORD, ["admin"], urna_services.registry.roles)
    hashes.clear()
    with pytest.raises(accounts.AccountError, match="exists"):
        await accounts.create_user("clerk", PASSWORD, [], urna_services.registry.roles)
    assert hashes == []


async def test_the_password_is_hashed_outside_the_transaction(urna_services, hashes):
    user = await accounts.create_user("clerk", PASSWORD, ["admin"], urna_services.registry.roles)
    assert hashes == [False]
    assert [role.role for role in await user.roles.all()] == ["admin"]


async def test_a_name_taken_while_hashing_is_refused_and_stores_nothing(
    urna_services, monkeypatch, counts
):
    async def racing(password: str) -> str:
        await User.create(username="clerk", password_hash="elsewhere")
        return await hash_password(password)

    monkeypatch.setattr(accounts, "hash_password", racing)
    before = await counts()
    with pytest.raises(accounts.AccountError, match="exists") as info:
        await accounts.create_user("clerk", PASSWORD, ["admin"], urna_services.registry.roles)
    assert info.value.status == 409
    assert await counts() == {**before, "User": before["User"] + 1}  # the racer's row only
    assert (await User.get(username="clerk")).password_hash == "elsewhere"


@pytest.mark.parametrize(
    ("username", "password", "roles", "named"),
    [
        ("clerk", PASSWORD, ["nope"], "unknown roles: nope"),
        ("", PASSWORD, [], "user name"),
        ("clerk", "short", [], "password must be"),
    ],
)
async def test_bad_input_is_refused_unhashed_and_stores_nothing(
    urna_services, counts, hashes, username, password, roles, named
):
    before = await counts()
    with pytest.raises(accounts.AccountError, match=named):
        await accounts.create_user(username, password, roles, urna_services.registry.roles)
    assert hashes == []
    assert await counts() == before


async def test_query_values_stay_out_of_the_logs_at_debug(urna_services, caplog):
    """tortoise logs statements with their values at DEBUG; a password hash is one."""
    caplog.set_level(logging.DEBUG)
    user = await accounts.create_user("clerk", PASSWORD, ["admin"], urna_services.registry.roles)
    assert user.password_hash not in caplog.text


async def test_a_write_without_its_idempotency_key_is_refused_before_the_hash(
    session_client, counts, hashes
):
    admin = await session_client("root", ["admin"])
    hashes.clear()
    before = await counts()
    response = await admin.post("/-/users", json={"username": "clerk", "password": PASSWORD})
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["error"]
    assert hashes == []
    assert await counts() == before
