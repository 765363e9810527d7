"""API tokens for devices: bearer works, revoked and unknown tokens do not, no CSRF needed."""

from __future__ import annotations

from urna.shell.auth.tokens import token_hash
from urna.shell.models import ApiToken, User


async def test_bearer_token_authenticates_as_its_user(urna_server):
    device = await urna_server.token_client("scanner", ["example.reader"])
    response = await device.get("/-/me")
    assert response.status_code == 200
    assert response.json()["username"] == "scanner"
    assert response.json()["via"] == "token"
    assert "csrf_token" not in response.json()
    assert (await device.get("/p/example/notices")).status_code == 200


async def test_token_created_over_http_is_shown_once_and_stored_as_hash(
    urna_server, session_client
):
    admin = await session_client("root", ["admin"])
    await urna_server.add_user("scanner", [])
    created = await admin.post("/-/tokens", json={"username": "scanner", "name": "hall-1"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    row = await ApiToken.get(name="hall-1")
    assert row.token_hash == token_hash(token)
    assert token not in {str(value) for value in row.__dict__.values()}
    device = urna_server.client(headers={"Authorization": f"Bearer {token}"})
    assert (await device.get("/-/me")).json()["username"] == "scanner"


async def test_token_write_needs_no_csrf_or_origin(urna_server, counts):
    device = await urna_server.token_client("poster", ["example.writer"])
    response = await device.post(
        "/p/example/notices", json={"text": "from a device"}, headers={"Idempotency-Key": "d-1"}
    )
    assert response.status_code == 201, response.text


async def test_revoked_token_is_refused(urna_server):
    device = await urna_server.token_client("scanner", ["example.reader"])
    assert (await device.get("/-/me")).status_code == 200
    await ApiToken.all().update(revoked=True)
    response = await device.get("/-/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert (await device.get("/-/health")).status_code == 401


async def test_token_of_a_disabled_user_is_refused(urna_server):
    device = await urna_server.token_client("scanner", ["example.reader"])
    await User.filter(username="scanner").update(disabled=True)
    assert (await device.get("/-/me")).status_code == 401


async def test_unknown_or_malformed_authorization_is_401_not_anonymous(urna_server):
    await urna_server.token_client("scanner", [])
    for header in [
        "Bearer urna_" + "A" * 43,
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "urna_" + "A" * 43,
        "Bearer " + "A" * 5000,
    ]:
        client = urna_server.client(headers={"Authorization": header})
        response = await client.get("/-/health")
        assert response.status_code == 401, header
        assert response.json() == {"error": "invalid API token"}


async def test_bad_bearer_does_not_fall_back_to_the_session_cookie(session_client):
    browser = await session_client("clerk", [], Authorization="Bearer nope")
    assert (await browser.get("/-/me")).status_code == 401
