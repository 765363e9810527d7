"""Every page of every built-in plugin is guarded by the permission it declares.

Taken from the registry, not from a list kept here: a page the core mounts is
checked as an API client and as a browser sees it, anonymous and signed in
without roles; and no page answers a server error on a fresh appliance, whatever
its path parameters name.
"""

from __future__ import annotations

import re

import pytest

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
_PARAMETER = re.compile(r"<([a-zA-Z_][a-zA-Z0-9_]*)(?::([^>]*))?>")


@pytest.fixture
def urna_plugins() -> list[str]:
    return ["*"]


def concrete(path: str) -> str:
    """Path parameters filled with values that name nothing on a fresh appliance."""
    return _PARAMETER.sub(lambda m: "1" if m.group(2) == "int" else "nothing", path)


def pages(server) -> list[tuple[str, object]]:
    return [
        (f"/p/{plugin}{page.path}", page)
        for plugin, plugin_pages in sorted(server.services.registry.pages.items())
        for page in plugin_pages
    ]


async def test_pages_are_declared(urna_server):
    assert pages(urna_server), "the built-in plugins declare their pages"


async def test_protected_pages_refuse_and_redirect_anonymous_callers(urna_server):
    api, browser = urna_server.client(), urna_server.client(headers=BROWSER)
    for path, page in pages(urna_server):
        if page.permission is None:
            continue
        url = concrete(path)
        assert (await api.get(url)).status_code == 401, path
        answer = await browser.get(url)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/-/signin?next="), path


async def test_protected_pages_refuse_a_caller_without_the_permission(urna_server):
    await urna_server.add_user("nobody", [])
    client = await urna_server.login("nobody")
    client.headers.update(BROWSER)
    for path, page in pages(urna_server):
        if page.permission is None:
            continue
        answer = await client.get(concrete(path))
        assert answer.status_code == 403, path
        assert answer.headers["content-type"].startswith("text/html"), path


async def test_no_page_fails_on_a_fresh_appliance(urna_server):
    client = urna_server.client(headers=BROWSER)
    for path, page in pages(urna_server):
        if page.permission is not None:
            continue
        answer = await client.get(concrete(path))
        assert answer.status_code in (200, 404), f"{path}: {answer.status_code}"
        assert answer.headers["content-type"].startswith("text/html"), path
