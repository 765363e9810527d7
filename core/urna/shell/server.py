"""Running the HTTP server: self-test, migrations, the start event, then sanic."""

from __future__ import annotations

import asyncio
import functools

import click
import pluggy
from sanic import Sanic
from sanic.worker.loader import AppLoader

from urna.shell import db, selftest
from urna.shell.app import create_app
from urna.shell.registry import Registry
from urna.shell.services import announce_start, running_services
from urna.shell.settings import Settings


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
    )
    click.echo(f"Urna is listening on http://{settings.host}:{settings.port}/ (health: /-/health)")
    if single:
        Sanic.serve_single(primary=app)
    else:
        Sanic.serve(primary=app, app_loader=loader)
