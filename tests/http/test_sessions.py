"""Browser sessions: random tokens kept as hashes, timeouts, rotation, logout, cookie flags."""

from __future__ import annotations

import base64
import datetime
import logging

import pytest
from urna.shell.auth.principal import SESSION_COOKIE
from urna.shell.auth.tokens import token_hash
from urna.shell.ledger import utc_now
from urna.shell.models import Session, User
from urna.testing import TEST_PASSWORD

CREDENTIALS = {"username": "clerk", "password": TEST_PASSWORD}


async def sign_in(urna_server, client=None):
    """Log in over HTTP as "clerk"; answers (client, session token, response)."""
    client = client or urna_server.client(headers={"Origin": urna_server.url})
    response = await client.post("/-/login", json=CREDENTIALS)
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client, response.cookies[SESSION_COOKIE], response


def with_cookie(urna_server, token):
    return urna_server.client(cookies={SESSION_COOKIE: token})


async def test_login_answers_a_256_bit_token_stored_only_as_its_hash(urna_server):
    await urna_server.add_user("clerk", [])
    _, token, response = await sign_in(urna_server)
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 32
    rows = await Session.all()
    assert [row.token_hash for row in rows] == [token_hash(token)]
    stored = {str(value) for row in rows for value in row.__dict__.values()}
    assert token not in stored
    assert token not in response.text


async def test_session_cookie_is_httponly_strict_and_lasts_the_absolute_timeout(urna_server):
    await urna_server.add_user("clerk", [])
    _, _, response = await sign_in(urna_server)
    cookie = response.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].strip().lower() == "samesite=strict"
    assert attributes["path"].strip() == "Path=/"
    absolute = urna_server.services.settings.session_absolute_seconds
    assert attributes["max-age"].strip() == f"Max-Age={absolute}"
    assert "secure" not in attributes  # plain http on loopback; https origins get Secure


async def test_second_login_rotates_the_token_and_kills_the_presented_one(urna_server):
    await urna_server.add_user("clerk", [])
    client, first, _ = await sign_in(urna_server)
    _, second, _ = await sign_in(urna_server, client)
    assert second != first
    assert (await with_cookie(urna_server, first).get("/-/me")).status_code == 401
    assert (await with_cookie(urna_server, second).get("/-/me")).status_code == 200
    assert await Session.all().values_list("token_hash", flat=True) == [token_hash(second)]


async def test_logout_invalidates_the_session_at_once(urna_server):
    await urna_server.add_user("clerk", [])
    client, token, _ = await sign_in(urna_server)
    assert (await client.get("/-/me")).json()["username"] == "clerk"
    response = await client.post("/-/logout")
    assert response.status_code == 200
    assert 'urna_session=""' in response.headers["set-cookie"]
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert (await with_cookie(urna_server, token).get("/-/me")).status_code == 401
    assert await Session.all().count() == 0


async def test_csrf_token_can_be_fetched_again_by_its_own_session(urna_server):
    """A reloaded page has lost its CSRF token; /-/me gives it back to the same-origin page."""
    await urna_server.add_user("clerk", [])
    client, _, response = await sign_in(urna_server)
    me = await client.get("/-/me")
    assert me.json()["csrf_token"] == response.json()["csrf_token"]
    session_less = urna_server.client()
    assert (await session_less.get("/-/me")).status_code == 401


async def age_session(token: str, **ago: datetime.timedelta) -> None:
    now = utc_now()
    await Session.filter(token_hash=token_hash(token)).update(
        **{column: now - delta for column, delta in ago.items()}
    )


@pytest.mark.parametrize(
    ("column", "limit"),
    [("last_seen", "session_idle_seconds"), ("created", "session_absolute_seconds")],
    ids=["idle", "absolute-even-when-active"],
)
async def test_a_session_past_its_timeout_is_refused_and_deleted(urna_server, column, limit):
    await urna_server.add_user("clerk", [])
    _, token, _ = await sign_in(urna_server)
    seconds = getattr(urna_server.services.settings, limit)
    await age_session(token, **{column: datetime.timedelta(seconds=seconds - 60)})
    assert (await with_cookie(urna_server, token).get("/-/me")).status_code == 200
    await age_session(token, **{column: datetime.timedelta(seconds=seconds + 1)})
    assert (await with_cookie(urna_server, token).get("/-/me")).status_code == 401
    assert await Session.all().count() == 0


async def test_activity_keeps_a_session_alive_until_the_idle_timeout(urna_server):
    await urna_server.add_user("clerk", [])
    _, token, _ = await sign_in(urna_server)
    idle = urna_server.services.settings.session_idle_seconds
    await age_session(token, last_seen=datetime.timedelta(seconds=idle - 5))
    assert (await with_cookie(urna_server, token).get("/-/me")).status_code == 200
    row = await Session.get(token_hash=token_hash(token))
    assert utc_now() - row.last_seen < datetime.timedelta(seconds=60)


async def test_a_session_is_read_with_its_user_in_one_query(urna_server, caplog):
    """One join for the session and its user, one query for the roles: no third round trip."""
    await urna_server.add_user("clerk", [])
    client, _, _ = await sign_in(urna_server)
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    caplog.clear()
    assert (await client.get("/-/me")).status_code == 200
    queries = [r.getMessage() for r in caplog.records if r.name == "tortoise.db_client"]
    assert len(queries) == 2, queries
    assert "urna_session" in queries[0]
    assert "urna_user" in queries[0]
    assert "urna_user_role" in queries[1]


async def test_disabled_user_loses_the_session(urna_server):
    await urna_server.add_user("clerk", [])
    _, token, _ = await sign_in(urna_server)
    await User.filter(username="clerk").update(disabled=True)
    assert (await with_cookie(urna_server, token).get("/-/me")).status_code == 401
    refused = await urna_server.client().post("/-/login", json=CREDENTIALS)
    assert refused.status_code == 401


async def test_unknown_or_malformed_cookie_is_anonymous(urna_server):
    for value in [b"x" * 43, b"", "\u00e9t\u00e9".encode(), b"a" * 5000, b"%00"]:
        client = urna_server.client(headers={"Cookie": SESSION_COOKIE.encode() + b"=" + value})
        response = await client.get("/-/me")
        assert response.status_code == 401, value
        assert (await client.get("/-/health")).status_code == 200
