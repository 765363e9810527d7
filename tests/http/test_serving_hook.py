"""``urna_on_serving``: each serving process lets plugins warm their caches before the
first request, with its services up; a failing warm-up stops the start.

Two small in-test plugins ("warmer", an async implementation that reads the
database, and "quiet", a plain one) stand for a plugin's cache; they are plugins
like any other.
"""

from __future__ import annotations

from typing import Any

import pytest
from urna.api import Services
from urna.plugins import hookimpl, make_plugin_manager
from urna.shell.models import LedgerHead
from urna.testing import serve_in_process


class Warmer:
    def __init__(self) -> None:
        self.calls: list[tuple[Services, list[str]]] = []

    @hookimpl
    async def urna_on_serving(self, services: Services) -> None:
        scopes = [head.scope for head in await LedgerHead.all()]
        self.calls.append((services, scopes))


class Quiet:
    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def urna_on_serving(self, services: Services) -> None:
        self.calls += 1


class Broken:
    @hookimpl
    async def urna_on_serving(self, services: Services) -> None:
        raise RuntimeError("the cache cannot be filled")


@pytest.fixture
def plugins() -> dict[str, Any]:
    return {"warmer": Warmer(), "quiet": Quiet()}


@pytest.fixture
def urna_pm(urna_settings, plugins):
    return make_plugin_manager(urna_settings.plugins_allow, extra=list(plugins.items()))


async def test_plugins_warm_up_once_with_the_services_before_the_first_request(
    urna_server, plugins
):
    warmer, quiet = plugins["warmer"], plugins["quiet"]
    assert quiet.calls == 1
    [(services, scopes)] = warmer.calls
    assert services is urna_server.services
    assert "appliance" in scopes  # the database is open, the start event written
    response = await urna_server.client().get("/-/health")
    assert response.status_code == 200
    assert len(warmer.calls) == 1  # once per process, not per request


async def test_a_failing_warm_up_stops_the_start(urna_settings):
    manager = make_plugin_manager(urna_settings.plugins_allow, extra=[("broken", Broken())])
    with pytest.raises(RuntimeError, match="cannot be filled"):
        async with serve_in_process(urna_settings, manager):
            pass
