"""Security headers on every response, errors included; request bodies limited to 1 MiB.

A small in-test plugin ("faulty") contributes a route whose handler fails, so
that a real 500 goes through the real error path; it is a plugin like any
other, not a mock of the core.
"""

from __future__ import annotations

import pytest
from sanic import Request
from sanic.response import HTTPResponse
from urna.contributions import Route
from urna.plugins import hookimpl, make_plugin_manager

SECRET_DETAIL = "db password is hunter2"
MIB = 1024 * 1024
JSON_TYPE = {"Content-Type": "application/json"}


async def fail(request: Request) -> HTTPResponse:
    raise RuntimeError(SECRET_DETAIL)


class Faulty:
    @hookimpl
    def urna_register_routes(self) -> list[Route]:
        return [Route("/fail", fail, ("GET", "POST"), summary="Always fails")]


@pytest.fixture
def urna_pm(urna_settings):
    return make_plugin_manager(urna_settings.plugins_allow, extra=[("faulty", Faulty())])


async def chunks(*parts: bytes):
    for part in parts:
        yield part


def assert_secure_headers(response) -> None:
    headers = response.headers
    policy = dict(
        (directive.split()[0], directive.split()[1:])
        for directive in headers["content-security-policy"].split(";")
        if directive.strip()
    )
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for directive, sources in policy.items():
        for source in sources:
            assert source in {"'self'", "'none'", "data:"}, (directive, source)
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["cross-origin-resource-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"
    assert "camera=()" in headers["permissions-policy"]
    assert "access-control-allow-origin" not in headers
    assert "strict-transport-security" not in headers  # http origin; see the https test


async def test_every_kind_of_response_carries_the_security_headers(urna_server, session_client):
    anonymous = urna_server.client()
    browser = await session_client("writer", ["example.writer"])
    device = await urna_server.token_client("device", [])
    cases = [
        (200, anonymous.get("/-/health")),
        (200, anonymous.get("/-/docs")),
        (200, anonymous.get("/-/scopes/appliance/bundle.tar")),
        (
            201,
            browser.post(
                "/p/example/notices", json={"text": "x"}, headers={"Idempotency-Key": "k"}
            ),
        ),
        (
            201,
            browser.post(
                "/p/example/notices", json={"text": "x"}, headers={"Idempotency-Key": "k"}
            ),
        ),  # replayed
        (400, anonymous.post("/-/login", content=b"{", headers=JSON_TYPE)),
        (401, anonymous.get("/-/me")),
        (401, urna_server.client(headers={"Authorization": "Bearer x"}).get("/-/health")),
        (403, device.get("/-/roles.json")),
        (403, browser.post("/p/example/notices", json={}, headers={"X-CSRF-Token": "no"})),
        (404, anonymous.get("/-/nothing-here")),
        (404, anonymous.get("/-/scopes/nope/checkpoint.json")),
        (405, anonymous.delete("/-/health")),
        (413, anonymous.post("/-/login", content=b"x" * (MIB + 1))),
        (415, anonymous.post("/-/login", content=b"{}", headers={"Content-Type": "text/plain"})),
        (422, anonymous.post("/-/login", json={})),
        (500, anonymous.get("/p/faulty/fail")),
        (500, anonymous.post("/p/faulty/fail")),
    ]
    for expected, call in cases:
        response = await call
        assert response.status_code == expected, (expected, response.request.url, response.text)
        assert_secure_headers(response)
        if expected >= 400:
            assert response.headers["content-type"] == "application/json"
            assert set(response.json()) == {"error"}, response.text


async def test_a_failing_handler_leaks_nothing(urna_server):
    response = await urna_server.client().get("/p/faulty/fail")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}
    assert SECRET_DETAIL not in response.text
    assert "Traceback" not in response.text


async def test_body_over_one_mib_is_413_and_changes_nothing(urna_server, session_client, counts):
    browser = await session_client("writer", ["example.writer"])
    before = await counts()
    text = "x" * MIB
    oversized = [
        {"json": {"text": text}},
        # Chunked: no Content-Length to refuse early; the stream itself is cut off.
        {
            "content": chunks(b'{"text": "', text.encode(), b'"}'),
            "headers": {"Content-Type": "application/json"},
        },
    ]
    for number, extra in enumerate(oversized):
        headers = {"Idempotency-Key": f"big{number}", **extra.pop("headers", {})}
        response = await browser.post("/p/example/notices", headers=headers, **extra)
        assert response.status_code == 413
        assert_secure_headers(response)
    assert await counts() == before


async def test_body_just_under_the_limit_is_read_and_judged_on_its_content(
    urna_server, session_client, counts
):
    browser = await session_client("writer", ["example.writer"])
    before = await counts()
    body = b'{"text": "' + b"x" * (MIB - 20) + b'"}'
    assert len(body) < MIB
    response = await browser.post(
        "/p/example/notices",
        content=body,
        headers={"Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "'text'" in response.json()["error"]
    assert await counts() == before
