"""``urna evoting ...``: set an election up, import voters, enrol booths, publish the result,
and the guardian's own command (run on the guardian's machine)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import click
import httpx
from urna.api import CommandContext, Services

from urna_evoting import booths, guardian_tool
from urna_evoting.election_file import ElectionFileError
from urna_evoting.polls import PollError, current_election
from urna_evoting.setup import create_election, import_voters, publish_result

T = TypeVar("T")


def _run(context: CommandContext, work: Callable[[Services], Awaitable[T]]) -> T:
    async def run() -> T:
        async with context.services() as services:
            return await work(services)

    try:
        return asyncio.run(run())
    except (ElectionFileError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    except PollError as exc:
        raise click.ClickException(exc.message) from None


@click.command(name="setup")
@click.argument("election_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def setup_command(context: CommandContext, election_file: Path) -> None:
    """Create the election from its file: manifest, guardians and quorum, names."""
    try:
        data = json.loads(election_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise click.ClickException(f"{election_file}: not JSON ({exc})") from None
    election = _run(context, lambda services: create_election(services, data))
    click.echo(f"created election {election.scope}; the guardians run 'urna evoting guardian'")


@click.command(name="voters")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def voters_command(context: CommandContext, csv_file: Path) -> None:
    """Import the voter list (CSV voter_id,name) before the polls open."""
    text = csv_file.read_text(encoding="utf-8")
    count = _run(context, lambda services: import_voters(services, text))
    click.echo(f"imported {count} voters")


@click.group(name="booth")
def booth_group() -> None:
    """Voting booths (devices)."""


@booth_group.command(name="enrol")
@click.argument("name")
@click.option("--url", help="The appliance's address as the booth reaches it (default: origin).")
@click.pass_obj
def booth_enrol(context: CommandContext, name: str, url: str | None) -> None:
    """Register booth NAME and print its one-time enrolment URL (re-enrolling revokes the
    booth's old device token)."""
    secret = _run(context, lambda services: booths.enrol(services, name))
    base = (url or context.settings.origin).rstrip("/")
    click.echo(f"{base}/p/evoting/booth/enrol/{quote(name)}/{secret}")


@click.command(name="publish")
@click.pass_obj
def publish_command(context: CommandContext) -> None:
    """Combine the guardians' partial decryptions (any quorum) and publish the result."""

    async def work(services: Services) -> dict[str, Any]:
        return await publish_result(services, await current_election())

    result = _run(context, work)
    click.echo(f"published the result of {result['ballot_count']} ballots")


@click.group(name="guardian")
def guardian_group() -> None:
    """The guardian's own command, on the guardian's machine."""


def _directory(context: CommandContext, directory: Path | None) -> Path:
    return directory or context.settings.data_dir / "evoting-guardian"


_DIR = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the sealed secrets live (default: DATA_DIR/evoting-guardian).",
)


@guardian_group.command(name="join")
@click.argument("url")
@click.option("--user", required=True, help="The guardian's user name on the appliance.")
@_DIR
@click.pass_obj
def guardian_join(context: CommandContext, url: str, user: str, directory: Path | None) -> None:
    """Remember the appliance's address and your user name."""
    target = _directory(context, directory)
    guardian_tool.join(target, url, user)
    click.echo(f"joined {url} as {user}; run 'urna evoting guardian next'")


def _secret(variable: str, prompt: str, confirm: bool) -> bytes:
    value = os.environ.get(variable)
    if value is None:
        value = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    if len(value) < 8:
        raise click.ClickException(f"the {prompt} must have at least 8 characters")
    return value.encode()


@guardian_group.command(name="next")
@_DIR
@click.pass_obj
def guardian_next(context: CommandContext, directory: Path | None) -> None:
    """Do what the appliance waits for from you (keys, shares, confirmation, decryption).

    The password (URNA_GUARDIAN_PASSWORD) signs you in; the passphrase
    (URNA_GUARDIAN_PASSPHRASE) seals your secrets. Both are asked for when unset.
    """
    target = _directory(context, directory)
    try:
        settings = json.loads((target / guardian_tool.SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise click.ClickException(f"{target}: run 'urna evoting guardian join' first") from None
    password = _secret("URNA_GUARDIAN_PASSWORD", "password", False).decode()
    try:
        appliance = guardian_tool.Appliance(settings["url"], settings["user"], password)
        try:
            step = guardian_tool.next_steps(
                target,
                appliance,
                lambda new: _secret("URNA_GUARDIAN_PASSPHRASE", "passphrase", new),
            )
        finally:
            appliance.close()
    except guardian_tool.GuardianToolError as exc:
        raise click.ClickException(str(exc)) from None
    except (OSError, httpx.HTTPError) as exc:
        raise click.ClickException(f"cannot reach {settings['url']}: {exc}") from None
    for line in step.done:
        click.echo(f"done: {line}")
    for line in step.waiting:
        click.echo(f"waiting for: {line}")
    if not step.done and not step.waiting:
        click.echo("nothing to do")


COMMANDS = (
    setup_command,
    voters_command,
    booth_group,
    publish_command,
    guardian_group,
)
