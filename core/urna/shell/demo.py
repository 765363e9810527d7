"""``urna demo``: every enabled plugin's scenario, end to end, then the appliance served.

Leaves each exported bundle under ``DATA_DIR/records/<scope>/`` (and
``<scope>.tar``), each report under ``DATA_DIR/reports/``, and verifies every
bundle exactly as an observer would. Creates one user per role with a fresh random
password, printed once to the operator's terminal and nowhere else. Runs only on a
data directory whose ledger is empty: nothing is half-written by a second run.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import click

from urna.contributions import DemoContext
from urna.errors import UrnaError
from urna.shell import db
from urna.shell.accounts import create_user
from urna.shell.models import LedgerEvent
from urna.shell.server import check_can_listen, serve_forever
from urna.shell.services import APPLIANCE_SCOPE, announce_start, running_services
from urna.shell.verify_command import EXIT_VERIFIED, run_verify

if TYPE_CHECKING:
    from urna.shell.cli import CommandContext


class DemoFailedError(UrnaError):
    """A scenario's record did not verify."""


class DemoRefusedError(UrnaError):
    """The demo would write into a data directory that already holds a record."""


@attrs.frozen
class DemoUser:
    username: str
    role: str
    password: str = attrs.field(repr=False)


def run_demo(context: CommandContext, *, serve: bool, port: int | None = None) -> None:
    from urna.shell.cli import initialise

    if serve:
        check_can_listen(context.settings.host, port or context.settings.port)
    fingerprint = initialise(context, if_missing=True)
    # Read only now: initialise may have written the settings file that enables the plugins.
    settings = context.settings
    if port is not None:
        settings = attrs.evolve(settings, port=port)
    click.echo(f"appliance key fingerprint: {fingerprint}")
    bundles, reports, urls, users = asyncio.run(_scenarios(context))
    for bundle in bundles:
        click.echo(f"\nverifying {bundle}")
        if run_verify(bundle, None, 1, None, fingerprint, quiet=False) != EXIT_VERIFIED:
            raise DemoFailedError(f"the record {bundle} did not verify")
    for report in reports:
        click.echo(f"report: {report}")
    origin = f"http://{settings.host}:{settings.port}"
    click.echo("\nusers (each password is shown this once; sign in at /-/signin):")
    for user in users:
        click.echo(f"  {user.username:<24} {user.password}  ({user.role})")
    if serve:
        for url in urls:
            click.echo(f"open: {origin}{url}")
        click.echo(f"\nstart here: {origin}/")
        serve_forever(settings, context.registry, context.plugin_manager, migrate=False)


async def _demo_users(context: CommandContext, names: Mapping[str, str]) -> list[DemoUser]:
    """One user per role, each with a fresh random password: named as the scenarios asked
    (a member's page needs a roster member's id), otherwise after the role."""
    roles = context.registry.roles
    users = [
        DemoUser(names.get(role, role.replace(".", "-")), role, secrets.token_urlsafe(12))
        for role in sorted(roles)
    ]
    for user in users:
        await create_user(user.username, user.password, [user.role], roles)
    return users


async def _scenarios(
    context: CommandContext,
) -> tuple[list[Path], list[Path], list[str], list[DemoUser]]:
    settings, registry = context.settings, context.registry
    await db.migrate(settings, registry.model_apps)
    records_dir = settings.data_dir / "records"
    reports_dir = settings.data_dir / "reports"
    reports_dir.mkdir(parents=True, exist_ok=True)
    scopes: list[str] = [APPLIANCE_SCOPE]
    reports: list[Path] = []
    urls: list[str] = ["/-/health", "/-/plugins.json", "/-/docs"]
    names: dict[str, str] = {}
    async with running_services(settings, registry, context.plugin_manager) as services:
        if await LedgerEvent.exists():
            raise DemoRefusedError(
                f"{settings.data_dir} already holds a record: the demo runs on a new data "
                f"directory (serve this one with 'urna --data-dir {settings.data_dir} serve')"
            )
        await announce_start(services)
        for plugin, demo in registry.demos:
            click.echo(f"running demo {plugin}.{demo.name} ...")
            result = await demo.run(DemoContext(reports_dir=reports_dir, services=services))
            scopes.extend(result.scopes)
            reports.extend(result.reports)
            urls.extend(result.urls)
            names.update(result.users)
        bundles = []
        for scope in dict.fromkeys(scopes):
            directory = records_dir / scope
            await services.ledger.export(scope, directory)
            click.echo(f"exported {scope} to {directory}/")
            bundles.append(directory)
        users = await _demo_users(context, names)
    return bundles, reports, urls, users
