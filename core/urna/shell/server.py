"""Running the HTTP server: self-test, migrations, the start event, then sanic."""

from __future__ import annotations

import asyncio
import functools
import socket

import click
import pluggy
from sanic import Sanic
from sanic.worker.loader import AppLoader

from urna.errors import UrnaError
from urna.shell import db, selftest
from urna.shell.app import create_app
from urna.shell.limits import LimitedHttpProtocol
from urna.shell.registry import Registry
from urna.shell.services import announce_start, running_services
from urna.shell.settings import Settings


class PortBusyError(UrnaError):
    """The address to listen on is taken (another server) or not this machine's."""


def check_can_listen(host: str, port: int) -> None:
    """Bind and release ``host:port`` as the server will, so that a busy port is one clear
    line before anything starts rather than a traceback after "listening"."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(infos[0][4])
    except OSError as exc:
        raise PortBusyError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
            "is another server running there? choose another port with --port"
        ) from None


async def prepare_to_serve(
    settings: Settings, registry: Registry, manager: pluggy.PluginManager, *, migrate: bool
) -> None:
    """Everything that must hold before the first request: checks, schema, start event."""
    selftest.check_libraries()
    if migrate:
        await db.migrate(settings, registry.model_apps)
    async with running_services(settings, registry, manager) as services:
        await announce_start(services)


def serve_forever(
    settings: Settings, registry: Registry, manager: pluggy.PluginManager, *, migrate: bool = True
) -> None:
    check_can_listen(settings.host, settings.port)
    asyncio.run(prepare_to_serve(settings, registry, manager, migrate=migrate))
    loader = AppLoader(factory=functools.partial(create_app, settings))
    app = loader.load()
    single = settings.workers == 1
    app.prepare(
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        single_process=single,
        access_log=False,
        motd=False,
        protocol=LimitedHttpProtocol,
    )
    click.echo(f"Urna is listening on http://{settings.host}:{settings.port}/ (health: /-/health)")
    if single:
        Sanic.serve_single(primary=app)
    else:
        Sanic.serve(primary=app, app_loader=loader)
