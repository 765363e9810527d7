"""Bad input gets a clear error naming what is wrong, and changes nothing."""

from __future__ import annotations

JSON_TYPE = {"Content-Type": "application/json"}
GOOD_PASSWORD = "long enough password"

# (what is sent, status, a word the error must contain)
BODIES: list[tuple[bytes, dict[str, str], int, str]] = [
    (b'{"username": "a", "password"', JSON_TYPE, 400, "not valid JSON"),
    (
        b'{"username": "a", "username": "b", "password": "long enough password"}',
        JSON_TYPE,
        400,
        "duplicate key 'username'",
    ),
    (b'{"username": "a", "password": "long enough password", "n": NaN}', JSON_TYPE, 400, "NaN"),
    (b'{"username": "a", "password": "long enough password", "n": 1.5}', JSON_TYPE, 400, "float"),
    (b'{"username": "a", "password": "long enough password", "n": 1e400}', JSON_TYPE, 400, "float"),
    (b'{"username": "\xff", "password": "long enough password"}', JSON_TYPE, 400, "UTF-8"),
    (b'["username", "password"]', JSON_TYPE, 400, "JSON object"),
    (b"", JSON_TYPE, 400, "JSON"),
    (
        b'{"username": "a", "password": "long enough password"}',
        {"Content-Type": "text/plain"},
        415,
        "application/json",
    ),
    (b'{"username": "a", "password": "long enough password"}', {}, 415, "application/json"),
    (
        b'{"username": "a", "password": "long enough password"}',
        {"Content-Type": "application/x-www-form-urlencoded"},
        415,
        "application/json",
    ),
]

USERS: list[tuple[dict[str, object], int, str]] = [
    ({"password": GOOD_PASSWORD}, 422, "'username'"),
    ({"username": "", "password": GOOD_PASSWORD}, 422, "'username'"),
    ({"username": True, "password": GOOD_PASSWORD}, 422, "'username'"),
    ({"username": "x" * 65, "password": GOOD_PASSWORD}, 422, "'username'"),
    ({"username": "new"}, 422, "'password'"),
    ({"username": "new", "password": "short"}, 422, "password must be 10..1024 characters"),
    ({"username": "new", "password": "p" * 1025}, 422, "'password'"),
    ({"username": "new", "password": GOOD_PASSWORD, "roles": ["root"]}, 422, "unknown roles: root"),
    ({"username": "new", "password": GOOD_PASSWORD, "roles": "admin"}, 422, "'roles'"),
    ({"username": "new", "password": GOOD_PASSWORD, "roles": [1]}, 422, "'roles'"),
    ({"username": "new", "password": GOOD_PASSWORD, "display_name": 5}, 422, "'display_name'"),
    ({"username": "new\x00", "password": GOOD_PASSWORD}, 422, "user name"),
    ({"username": "root", "password": GOOD_PASSWORD}, 409, "exists"),
]


async def test_malformed_bodies_are_refused_with_the_reason(session_client, counts):
    admin = await session_client("root", ["admin"])
    before = await counts()
    for number, (body, headers, status, named) in enumerate(BODIES):
        response = await admin.post(
            "/-/users", content=body, headers={**headers, "Idempotency-Key": f"k{number}"}
        )
        assert response.status_code == status, (body, response.text)
        assert named in response.json()["error"], (body, response.text)
    assert await counts() == before


async def test_invalid_users_are_refused_with_the_reason(session_client, counts):
    admin = await session_client("root", ["admin"])
    before = await counts()
    for number, (body, status, named) in enumerate(USERS):
        response = await admin.post(
            "/-/users", json=body, headers={"Idempotency-Key": f"k{number}"}
        )
        assert response.status_code == status, (body, response.text)
        assert named in response.json()["error"], (body, response.text)
    assert await counts() == before


async def test_role_changes_and_tokens_check_their_input(urna_server, session_client, counts):
    admin = await session_client("root", ["admin"])
    await urna_server.add_user("target", ["example.reader"])
    before = await counts()
    for path, body, status, named in [
        (
            "/-/users/target/roles",
            {"roles": ["example.reader", "nope"]},
            422,
            "unknown roles: nope",
        ),
        ("/-/users/target/roles", {}, 422, "'roles'"),
        ("/-/users/target/roles", {"roles": "admin"}, 422, "'roles'"),
        ("/-/users/nobody/roles", {"roles": []}, 404, "nobody"),
    ]:
        response = await admin.put(path, json=body)
        assert response.status_code == status, (body, response.text)
        assert named in response.json()["error"]
    for body, status, named in [
        ({"name": "x"}, 422, "'username'"),
        ({"username": "target"}, 422, "'name'"),
        ({"username": "nobody", "name": "x"}, 404, "nobody"),
    ]:
        response = await admin.post("/-/tokens", json=body)
        assert response.status_code == status, (body, response.text)
        assert named in response.json()["error"]
    assert await counts() == before


async def test_plugin_input_errors_name_the_field(session_client, counts):
    writer = await session_client("writer", ["example.writer"])
    before = await counts()
    for number, body in enumerate([{}, {"text": 5}, {"text": "a\x00b"}, {"text": " "}]):
        response = await writer.post(
            "/p/example/notices", json=body, headers={"Idempotency-Key": f"k{number}"}
        )
        assert response.status_code == 422, body
        assert "'text'" in response.json()["error"]
    assert await counts() == before


async def test_a_password_set_over_http_signs_in_exactly_as_typed(urna_server, session_client):
    admin = await session_client("root", ["admin"])
    password = "  spaced at both ends  "
    response = await admin.post(
        "/-/users",
        json={"username": "spacey", "password": password},
        headers={"Idempotency-Key": "spacey"},
    )
    assert response.status_code == 201, response.text
    for typed, status in [(password.strip(), 401), (password, 200)]:
        client = urna_server.client(headers={"Origin": urna_server.url})
        answer = await client.post("/-/login", json={"username": "spacey", "password": typed})
        assert answer.status_code == status, (typed, answer.text)


async def test_a_scope_that_is_not_there_is_404(urna_server):
    """Core and election routes check a scope name the same way, before any lookup; a
    well-formed name of no scope is 404 too."""
    client = urna_server.client()
    for path in [
        "/-/scopes/Bad_Scope/checkpoint.json",
        "/-/scopes/-dash/bundle.tar",
        "/-/elections/Bad_Scope",
        "/-/elections/.dot/key-shares.json",
    ]:
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "no such scope"}, path
    for path in ["/-/scopes/nope/checkpoint.json", "/-/scopes/nope/bundle.tar"]:
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "no scope 'nope'"}, path


async def test_a_new_election_names_a_malformed_scope_field(urna_server, counts):
    """A scope sent in a body is a field: 422 naming it, not the 404 of a path."""
    admin = await urna_server.token_client("eadmin", ["election-admin"])
    before = await counts()
    response = await admin.post(
        "/-/elections",
        json={"scope": "Bad Scope", "parameters": {}},
        headers={"Idempotency-Key": "bad-scope"},
    )
    assert response.status_code == 422, response.text
    assert "field 'scope'" in response.json()["error"]
    assert await counts() == before
