"""``urna parliament ...``: roster import, udev rules, the simulator's roster."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import click
from urna.api import CommandContext

from urna_parliament.devices import udev_rules
from urna_parliament.hall import HallError, hall_of, parse_roster_csv
from urna_parliament.simulator import chamber, roster_csv


@click.command(name="import-roster")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--convocation", required=True, help="Convocation, e.g. VII.")
@click.pass_obj
def import_roster(context: CommandContext, csv_file: Path, convocation: str) -> None:
    """Import members, seats, cards, keys: CSV member,name,district,faction,seat,card,key."""

    text = csv_file.read_text(encoding="utf-8")

    async def run() -> int:
        async with context.services() as services:
            members = parse_roster_csv(text)
            await hall_of(services).import_roster(convocation, members)
            return len(members)

    try:
        count = asyncio.run(run())
    except HallError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"imported {count} members")


@click.command(name="udev-rules")
@click.argument("ports_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def udev_rules_command(ports_csv: Path) -> None:
    """Print udev rules from a CSV of seat,usb_port (the port each seat's hub is wired to)."""
    ports: dict[int, str] = {}
    with ports_csv.open(encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                ports[int(row["seat"])] = row["usb_port"].strip()
            except (KeyError, ValueError, AttributeError):
                raise click.ClickException(f"{ports_csv}:{line}: need seat,usb_port") from None
    try:
        click.echo(udev_rules(ports), nl=False)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@click.command(name="simulated-roster")
@click.option("--size", default=125, show_default=True)
def simulated_roster(size: int) -> None:
    """Print the simulator's roster CSV (deterministic demo keys)."""
    click.echo(roster_csv(chamber(size)[0]), nl=False)


COMMANDS = (import_roster, udev_rules_command, simulated_roster)
