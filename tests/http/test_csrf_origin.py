"""Cookie-authenticated writes need this appliance's Origin (or Referer) and the CSRF token.

Each refusal is checked to change nothing in the database.
"""

from __future__ import annotations

from urna.shell.auth.principal import SESSION_COOKIE

NOTICE = {"text": "Quorum at 10:00"}


def refusals(url: str, csrf: str) -> list[tuple[str, dict[str, str], str]]:
    """(case, headers, what the error names): each must be refused with 403."""
    return [
        ("no CSRF token", {"Origin": url}, "X-CSRF-Token"),
        ("wrong CSRF token", {"Origin": url, "X-CSRF-Token": csrf[:-1] + "x"}, "X-CSRF-Token"),
        ("empty CSRF token", {"Origin": url, "X-CSRF-Token": ""}, "X-CSRF-Token"),
        ("foreign Origin", {"Origin": "http://evil.example", "X-CSRF-Token": csrf}, "Origin"),
        ("opaque Origin", {"Origin": "null", "X-CSRF-Token": csrf}, "Origin"),
        (
            "same host, other port",
            {"Origin": url.rsplit(":", 1)[0] + ":1", "X-CSRF-Token": csrf},
            "Origin",
        ),
        ("neither Origin nor Referer", {"X-CSRF-Token": csrf}, "Referer"),
        ("foreign Referer", {"Referer": "http://evil.example/", "X-CSRF-Token": csrf}, "Referer"),
        (
            "look-alike Referer",
            {"Referer": url + ".evil.example/", "X-CSRF-Token": csrf},
            "Referer",
        ),
    ]


async def browser_session(urna_server, session_client, username, roles):
    """(cookie token, csrf token) of a fresh session; requests below set every header by hand."""
    client = await session_client(username, roles)
    return client.cookies[SESSION_COOKIE], client.headers["X-CSRF-Token"]


async def test_plugin_write_without_csrf_or_origin_is_refused_and_changes_nothing(
    urna_server, session_client, counts
):
    cookie, csrf = await browser_session(urna_server, session_client, "writer", ["example.writer"])
    before = await counts()
    for number, (case, headers, named) in enumerate(refusals(urna_server.url, csrf)):
        client = urna_server.client(cookies={SESSION_COOKIE: cookie})
        response = await client.post(
            "/p/example/notices",
            json=NOTICE,
            headers={**headers, "Idempotency-Key": f"k{number}"},
        )
        assert response.status_code == 403, case
        assert named in response.json()["error"], case
    assert await counts() == before


async def test_right_origin_or_referer_with_the_token_passes(urna_server, session_client):
    cookie, csrf = await browser_session(urna_server, session_client, "writer", ["example.writer"])
    for number, headers in enumerate(
        [
            {"Origin": urna_server.url, "X-CSRF-Token": csrf},
            {"Referer": urna_server.url + "/p/example/", "X-CSRF-Token": csrf},
        ]
    ):
        client = urna_server.client(cookies={SESSION_COOKIE: cookie})
        response = await client.post(
            "/p/example/notices", json=NOTICE, headers={**headers, "Idempotency-Key": f"k{number}"}
        )
        assert response.status_code == 201, response.text


async def test_core_writes_are_guarded_the_same_way(urna_server, session_client, counts):
    cookie, csrf = await browser_session(urna_server, session_client, "root", ["admin"])
    await urna_server.add_user("target", ["example.reader"])
    before = await counts()
    writes = [
        ("PUT", "/-/users/target/roles", {"roles": []}),
        ("POST", "/-/tokens", {"username": "target", "name": "x"}),
        ("POST", "/-/users", {"username": "new", "password": "long enough password"}),
        ("POST", "/-/logout", {}),
    ]
    for method, path, body in writes:
        for case, headers, _ in refusals(urna_server.url, csrf):
            client = urna_server.client(cookies={SESSION_COOKIE: cookie})
            response = await client.request(
                method, path, json=body, headers={**headers, "Idempotency-Key": "k"}
            )
            assert response.status_code == 403, (method, path, case)
    assert await counts() == before
    # The session survived every refused logout.
    me = await urna_server.client(cookies={SESSION_COOKIE: cookie}).get("/-/me")
    assert me.status_code == 200


async def test_csrf_token_of_another_session_does_not_pass(urna_server, session_client, counts):
    cookie, _ = await browser_session(urna_server, session_client, "writer", ["example.writer"])
    _, other_csrf = await browser_session(urna_server, session_client, "writer", None)
    before = await counts()
    client = urna_server.client(cookies={SESSION_COOKIE: cookie})
    response = await client.post(
        "/p/example/notices",
        json=NOTICE,
        headers={"Origin": urna_server.url, "X-CSRF-Token": other_csrf, "Idempotency-Key": "k"},
    )
    assert response.status_code == 403
    assert await counts() == before


async def test_login_from_a_foreign_origin_is_refused(urna_server, counts):
    await urna_server.add_user("clerk", [])
    before = await counts()
    client = urna_server.client(headers={"Origin": "http://evil.example"})
    response = await client.post(
        "/-/login", json={"username": "clerk", "password": "correct horse battery staple"}
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert await counts() == before


async def test_a_multipart_forms_hidden_token_is_read_like_a_plain_forms(
    urna_server, session_client
):
    """A file upload's form (multipart/form-data) carries the token as a hidden field, as
    a plain form does: refused without it or with another value, taken with it."""
    cookie, csrf = await browser_session(urna_server, session_client, "writer", ["example.writer"])
    client = urna_server.client(
        cookies={SESSION_COOKIE: cookie}, headers={"Origin": urna_server.url}
    )
    part = {"file": ("note.txt", b"-", "text/plain")}
    for wrong in ("", csrf[:-1] + "x"):
        refused = await client.post("/-/signout", data={"csrf_token": wrong}, files=part)
        assert refused.status_code == 403
        assert (await client.get("/-/me")).status_code == 200  # still signed in
    taken = await client.post("/-/signout", data={"csrf_token": csrf}, files=part)
    assert taken.status_code == 303
    after = await urna_server.client(cookies={SESSION_COOKIE: cookie}).get("/-/me")
    assert after.status_code == 401  # the session ended
