"""The authorization matrix: every route of the running app, every method, every kind of caller.

The routes come from the app's own router, not from a list kept here: a route
that is mounted but has no row in ``EXPECTED`` fails this test, and so does a
row whose route is gone. To add a route, add its row: the status each kind of
caller gets when the request is otherwise valid (so that the status shows the
authorization decision, not a validation error).

Callers: ``anonymous``; ``user``, signed in with no roles; ``admin`` (role
``admin``); ``writer``, a plugin role holder (``example.writer``); ``device``,
an API token of a user with the plugin role ``example.reader``. Session
callers send this appliance's Origin and their CSRF token, as its pages do;
each request gets a fresh session, so that logging in or out does not change
the next request's caller.
"""

from __future__ import annotations

import re
from typing import Any

from urna.shell.auth.principal import SESSION_COOKIE, create_api_token, start_session
from urna.shell.ledger import utc_now
from urna.shell.models import User
from urna.testing import TEST_PASSWORD

CALLERS = ("anonymous", "user", "admin", "writer", "device")
ROLES = {"user": [], "admin": ["admin"], "writer": ["example.writer"], "device": ["example.reader"]}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
PUBLIC = (200, 200, 200, 200, 200)
MANAGE_USERS = (401, 403, 200, 403, 403)
NO_ELECTION_ROLE = (401, 403, 403, 403, 403)

# (method, path as the router spells it): status for each caller, in CALLERS order.
EXPECTED: dict[tuple[str, str], tuple[int, int, int, int, int]] = {
    # Pages: public ones answer everyone; a form's POST is refused without its own token.
    ("GET", "/"): PUBLIC,
    ("GET", "/-/signin"): PUBLIC,
    ("POST", "/-/signin"): (403, 403, 403, 403, 403),  # no double-submitted form token
    ("POST", "/-/signout"): (303, 303, 303, 303, 303),  # anyone may end their own session
    ("GET", "/-/language"): (404, 404, 404, 404, 404),  # no ?to= language named
    ("GET", "/-/records"): PUBLIC,
    ("GET", "/-/static/<name:str>"): PUBLIC,
    ("GET", "/-/health"): PUBLIC,
    ("GET", "/-/plugins.json"): PUBLIC,
    ("GET", "/-/openapi.json"): PUBLIC,
    ("GET", "/-/docs"): PUBLIC,
    ("GET", "/-/appliance.json"): PUBLIC,
    ("GET", "/-/media.json"): PUBLIC,
    ("GET", "/-/reports.json"): PUBLIC,
    # The election routes: no caller in this matrix holds an election permission, and the
    # scope used for path parameters ("appliance") holds no election.
    ("GET", "/-/elections/<scope:str>"): (404, 404, 404, 404, 404),
    ("POST", "/-/elections"): NO_ELECTION_ROLE,
    ("POST", "/-/elections/<scope:str>/guardians"): NO_ELECTION_ROLE,
    ("GET", "/-/elections/<scope:str>/key-shares.json"): (404, 404, 404, 404, 404),
    ("POST", "/-/elections/<scope:str>/key-shares"): NO_ELECTION_ROLE,
    ("POST", "/-/elections/<scope:str>/complaints"): NO_ELECTION_ROLE,
    ("POST", "/-/elections/<scope:str>/reveals"): NO_ELECTION_ROLE,
    ("POST", "/-/elections/<scope:str>/confirmations"): NO_ELECTION_ROLE,
    ("POST", "/-/elections/<scope:str>/credentials"): NO_ELECTION_ROLE,
    ("POST", "/-/elections/<scope:str>/open"): NO_ELECTION_ROLE,
    ("POST", "/-/elections/<scope:str>/ballots"): NO_ELECTION_ROLE,
    ("POST", "/-/elections/<scope:str>/challenges"): NO_ELECTION_ROLE,
    ("POST", "/-/elections/<scope:str>/tally"): NO_ELECTION_ROLE,
    ("POST", "/-/elections/<scope:str>/shares"): NO_ELECTION_ROLE,
    ("POST", "/-/elections/<scope:str>/result"): NO_ELECTION_ROLE,
    ("GET", "/-/scopes.json"): PUBLIC,
    ("GET", "/-/scopes/<scope:str>/checkpoint.json"): PUBLIC,
    ("GET", "/-/scopes/<scope:str>/bundle.tar"): PUBLIC,
    ("POST", "/-/login"): PUBLIC,
    ("POST", "/-/logout"): (401, 200, 200, 200, 200),
    ("GET", "/-/me"): (401, 200, 200, 200, 200),
    ("POST", "/-/users"): (401, 403, 201, 403, 403),
    ("PUT", "/-/users/<username:str>/roles"): MANAGE_USERS,
    ("POST", "/-/tokens"): (401, 403, 201, 403, 403),
    ("GET", "/-/roles.json"): MANAGE_USERS,
    ("GET", "/p/example/notices"): (401, 403, 403, 200, 200),
    ("GET", "/p/example/board"): (401, 403, 403, 200, 200),  # a page: browsers get 303
    ("POST", "/p/example/notices"): (401, 403, 403, 201, 403),
}

# Values for path parameters: each names something that exists.
PATH_VALUES = {"scope": "appliance", "username": "target", "name": "urna.css"}
_PARAMETER = re.compile(r"<([a-zA-Z_][a-zA-Z0-9_]*)(?::[^>]*)?>")


def request_body(method: str, path: str, caller: str) -> dict[str, Any]:
    """A body and headers that the route accepts, so the status is the authorization's."""
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/-/login"): {"username": "target", "password": TEST_PASSWORD},
        ("POST", "/-/users"): {"username": f"made-by-{caller}", "password": TEST_PASSWORD},
        ("PUT", "/-/users/<username:str>/roles"): {"roles": ["example.reader"]},
        ("POST", "/-/tokens"): {"username": "target", "name": f"by-{caller}"},
        ("POST", "/p/example/notices"): {"text": f"posted by {caller}"},
    }
    forms = {("POST", "/-/signin"): {"username": "target", "password": TEST_PASSWORD}}
    extra: dict[str, Any] = {"headers": {"Idempotency-Key": f"matrix-{caller}"}}
    if (method, path) in bodies:
        extra["json"] = bodies[(method, path)]
    elif (method, path) in forms:
        extra["data"] = forms[(method, path)]
    elif method not in {"GET", "HEAD", "OPTIONS", "DELETE"}:
        extra["json"] = {}
    return extra


def concrete(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in PATH_VALUES, f"add a value for path parameter <{name}> to PATH_VALUES"
        return PATH_VALUES[name]

    return _PARAMETER.sub(value, path)


def router_routes(app: Any) -> dict[str, set[str]]:
    """Every mounted path and its methods, from sanic's router."""
    routes: dict[str, set[str]] = {}
    for route in app.router.routes:
        routes.setdefault("/" + route.path.lstrip("/"), set()).update(route.methods)
    return routes


async def test_every_route_has_a_row_and_every_row_a_route(urna_server):
    mounted = {
        (method, path)
        for path, methods in router_routes(urna_server.app).items()
        for method in methods
    }
    missing = sorted(mounted - set(EXPECTED))
    stale = sorted(set(EXPECTED) - mounted)
    assert not missing, f"routes with no row in EXPECTED (add one per route): {missing}"
    assert not stale, f"rows in EXPECTED for routes that are not mounted: {stale}"


async def test_authorization_matrix(urna_server):
    for username, roles in [("target", ["example.reader"])] + [
        (caller, roles) for caller, roles in ROLES.items()
    ]:
        await urna_server.add_user(username, roles)
    device_token = await create_api_token(await User.get(username="device"), "matrix")

    client = urna_server.client()

    async def call(caller: str, method: str, path: str) -> int:
        headers: dict[str, str] = {"Origin": urna_server.url}
        if caller == "device":
            headers["Authorization"] = f"Bearer {device_token}"
        elif caller != "anonymous":
            token, csrf = await start_session(await User.get(username=caller), utc_now())
            headers["Cookie"] = f"{SESSION_COOKIE}={token}"
            headers["X-CSRF-Token"] = csrf
        extra = request_body(method, path, caller)
        extra["headers"].update(headers)
        response = await client.request(method, concrete(path), **extra)
        client.cookies.clear()  # a login's new session must not become the next caller's
        return response.status_code

    mismatches = []
    checked = 0
    for path, methods in sorted(router_routes(urna_server.app).items()):
        for method in METHODS:
            if (method, path) in EXPECTED:
                expected = EXPECTED[(method, path)]
            elif method in methods:
                continue  # reported by the test above
            else:
                expected = (405,) * len(CALLERS)
            for caller, status in zip(CALLERS, expected, strict=True):
                actual = await call(caller, method, path)
                checked += 1
                if actual != status:
                    mismatches.append(f"{method} {path} as {caller}: {actual}, expected {status}")
    assert not mismatches, "\n".join(mismatches)
    assert checked >= len(EXPECTED) * len(CALLERS)
