"""``urna demo``: every enabled plugin's scenario, end to end, then the appliance served.

Leaves each exported bundle under ``DATA_DIR/records/<scope>/`` (and
``<scope>.tar``), each report under ``DATA_DIR/reports/``, and verifies every
bundle exactly as an observer would.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from urna.contributions import DemoContext
from urna.errors import UrnaError
from urna.shell import db
from urna.shell.server import serve_forever
from urna.shell.services import APPLIANCE_SCOPE, announce_start, running_services
from urna.shell.verify_command import EXIT_VERIFIED, run_verify

if TYPE_CHECKING:
    from urna.shell.cli import CommandContext


class DemoFailedError(UrnaError):
    """A scenario's record did not verify."""


def run_demo(context: CommandContext, *, serve: bool) -> None:
    from urna.shell.cli import initialise

    fingerprint = initialise(context, if_missing=True)
    click.echo(f"appliance key fingerprint: {fingerprint}")
    bundles, reports, urls = asyncio.run(_scenarios(context))
    for bundle in bundles:
        click.echo(f"\nverifying {bundle}")
        if run_verify(bundle, None, 1, None, fingerprint, quiet=False) != EXIT_VERIFIED:
            raise DemoFailedError(f"the record {bundle} did not verify")
    for report in reports:
        click.echo(f"report: {report}")
    settings = context.settings
    if serve:
        for url in urls:
            click.echo(f"open: http://{settings.host}:{settings.port}{url}")
        serve_forever(settings, context.registry, context.plugin_manager, migrate=False)


async def _scenarios(context: CommandContext) -> tuple[list[Path], list[Path], list[str]]:
    settings, registry = context.settings, context.registry
    await db.migrate(settings, registry.model_apps)
    records_dir = settings.data_dir / "records"
    reports_dir = settings.data_dir / "reports"
    reports_dir.mkdir(parents=True, exist_ok=True)
    scopes: list[str] = [APPLIANCE_SCOPE]
    reports: list[Path] = []
    urls: list[str] = ["/-/health", "/-/plugins.json", "/-/docs"]
    async with running_services(settings, registry, context.plugin_manager) as services:
        await announce_start(services)
        for plugin, demo in registry.demos:
            click.echo(f"running demo {plugin}.{demo.name} ...")
            result = await demo.run(DemoContext(reports_dir=reports_dir, services=services))
            scopes.extend(result.scopes)
            reports.extend(result.reports)
            urls.extend(result.urls)
        bundles = []
        for scope in dict.fromkeys(scopes):
            directory = records_dir / scope
            await services.ledger.export(scope, directory)
            click.echo(f"exported {scope} to {directory}/")
            bundles.append(directory)
    return bundles, reports, urls
