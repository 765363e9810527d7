"""The API description: every mounted route in /-/openapi.json; /-/docs works offline.

The docs page is loaded in headless Chromium, and every request the page made
(the browser's resource timing entries) must have gone to this appliance.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

_PARAMETER = re.compile(r"<([a-zA-Z_][a-zA-Z0-9_]*)(?::[^>]*)?>")


def mounted(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every route in sanic's router."""
    return {
        (method.lower(), _PARAMETER.sub(r"{\1}", "/" + route.path.lstrip("/")))
        for route in app.router.routes
        for method in route.methods
    }


async def test_openapi_lists_every_route_with_its_permission(urna_server):
    response = await urna_server.client().get("/-/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    described = {(method, path) for path, item in document["paths"].items() for method in item}
    assert described == mounted(urna_server.app)
    notices = document["paths"]["/p/example/notices"]["post"]
    assert notices["x-permission"] == "example.notices.write"
    assert {
        "name": "Idempotency-Key",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "maxLength": 200},
    } in notices["parameters"]
    roles = document["paths"]["/-/users/{username}/roles"]["put"]
    assert [p["name"] for p in roles["parameters"]] == ["username"]


async def test_docs_page_loads_nothing_from_elsewhere(urna_server, urna_browser):
    page = urna_server.url + "/-/docs"
    await asyncio.to_thread(urna_browser.get, page)
    assert urna_browser.title == "API reference — Urna"  # the browser asks for English
    entries = await asyncio.to_thread(
        urna_browser.execute_script,
        "return performance.getEntries().map(e => [e.entryType, e.name]);",
    )
    requested = [name for kind, name in entries if kind in {"navigation", "resource"}]
    assert page in requested
    own = urlsplit(urna_server.url).netloc
    assert all(urlsplit(name).netloc == own for name in requested), requested
    referenced = await asyncio.to_thread(
        urna_browser.execute_script,
        "return Array.from(document.querySelectorAll('[src],[href]')).map(e => e.src || e.href);",
    )
    assert referenced, "the page links to its JSON description"
    assert all(urlsplit(url).netloc == own for url in referenced), referenced
    rows = await asyncio.to_thread(
        urna_browser.execute_script, "return document.querySelectorAll('tr').length;"
    )
    routes = {(path) for _, path in mounted(urna_server.app)}
    assert rows - 1 >= len(routes)  # a header row, then at least one row per path
