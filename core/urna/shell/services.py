"""The running appliance's services, built once per server process and shared by handlers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import attrs
import pluggy
from sanic import Request

from urna import __version__
from urna.crypto.signing import SigningKey
from urna.record.event import Event
from urna.shell.db import close_database, open_database
from urna.shell.keys import load_key_file
from urna.shell.ledger import Ledger
from urna.shell.printing import Printer
from urna.shell.registry import Registry
from urna.shell.replica import ReadReplica
from urna.shell.settings import Settings
from urna.shell.web import Web

APPLIANCE_SCOPE = "appliance"
log = logging.getLogger("urna")


@attrs.frozen(slots=True)
class Services:
    settings: Settings
    registry: Registry
    plugin_manager: pluggy.PluginManager
    ledger: Ledger
    key: SigningKey
    web: Web
    printer: Printer
    """The ``[printing]`` printer: ``await services.printer.print_pdf(pdf, title=...)``."""
    replica: ReadReplica | None = None
    """Where public reads go when it is fresh (``read_replica_url``; only in a server)."""

    @property
    def fingerprint(self) -> str:
        return self.key.verify_key.hex()


def services_of(request: Request) -> Services:
    """The services of the app serving ``request`` (set when the server starts)."""
    services: Services = request.app.ctx.services
    return services


def build_services(
    settings: Settings, registry: Registry, manager: pluggy.PluginManager
) -> Services:
    key = load_key_file(settings.key_path)

    def notify(event: Event) -> None:
        try:
            manager.hook.urna_on_event_committed(event=event)
        except Exception:
            log.exception("a plugin failed handling committed event %s", event.where)

    ledger = Ledger(key, registry.event_types, notify, group_commit=settings.uses_sqlite)
    web = Web(settings, registry)
    return Services(settings, registry, manager, ledger, key, web, Printer.from_settings(settings))


@contextlib.asynccontextmanager
async def running_services(
    settings: Settings, registry: Registry, manager: pluggy.PluginManager
) -> AsyncIterator[Services]:
    """Open the database and build the services for a command that runs outside a server."""
    services = build_services(settings, registry, manager)
    await open_database(settings, registry.model_apps)
    try:
        yield services
    finally:
        await close_database()


async def announce_start(services: Services) -> Event:
    """Record which Urna and which plugins this appliance runs: ``core.appliance_started``."""
    return await services.ledger.append(
        APPLIANCE_SCOPE,
        "core.appliance_started",
        {
            "urna_version": __version__,
            "plugins": [info.to_json() for info in services.registry.plugins],
        },
    )
