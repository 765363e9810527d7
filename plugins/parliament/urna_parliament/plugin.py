"""Hook implementations of the parliament plugin: everything it contributes to an appliance."""

from __future__ import annotations

import click
from urna.api import (
    Demo,
    DeviceDriver,
    EventType,
    ModelApp,
    Page,
    Report,
    Role,
    Route,
    Services,
    Settings,
    VerifierCheck,
    hookimpl,
)

from urna_parliament import hookspecs
from urna_parliament.archive import ARCHIVE_PAGES, ARCHIVE_ROUTES
from urna_parliament.archive_record import ARCHIVE_EVENT_TYPES
from urna_parliament.checks import VERIFIER_CHECKS
from urna_parliament.config import ParliamentConfig
from urna_parliament.majority import MajorityRule
from urna_parliament.media import upload_limit
from urna_parliament.minutes_report import MINUTES_REPORT
from urna_parliament.minutes_signature import MINUTES_CHECK, MINUTES_SIGNED
from urna_parliament.record import EVENT_TYPES
from urna_parliament.rule_sets import GENERIC_RULES, MILLI_MAJLIS_RULES
from urna_parliament.web import MANAGE, PRESIDE, PRESS, READ, ROUTES, SELF

URNA_HOOKSPECS = hookspecs
"""This plugin's own hooks (majority rules), added to the manager by the core."""


@hookimpl
def urna_configure(settings: Settings) -> None:
    """Refuse to start on a bad ``[plugin.parliament]`` section."""
    ParliamentConfig.from_mapping(settings.plugin_config("parliament"))
    upload_limit(settings)


@hookimpl
def urna_on_serving(services: Services) -> None:
    """Refuse to serve when the chamber's rule set or default rule names a rule no plugin
    or setting defines (the contributed rules are known only once the plugins are)."""
    from urna_parliament.hall import hall_of

    hall_of(services)


@hookimpl
def urna_register_models() -> list[ModelApp]:
    return [ModelApp(models="urna_parliament.models", migrations="urna_parliament.migrations")]


@hookimpl
def urna_register_event_types() -> list[EventType]:
    return [*EVENT_TYPES, *ARCHIVE_EVENT_TYPES, MINUTES_SIGNED]


@hookimpl
def urna_register_verifier_checks() -> list[VerifierCheck]:
    return [*VERIFIER_CHECKS, MINUTES_CHECK]


@hookimpl
def urna_register_routes() -> list[Route]:
    from urna_parliament.console import CONSOLE_ROUTES

    return [*ROUTES, *ARCHIVE_ROUTES, *CONSOLE_ROUTES]


@hookimpl
def urna_register_pages() -> list[Page]:
    from urna_parliament.console import CONSOLE_PAGES
    from urna_parliament.pages import PAGES

    return [*PAGES, *ARCHIVE_PAGES, *CONSOLE_PAGES]


@hookimpl
def urna_register_reports() -> list[Report]:
    return [MINUTES_REPORT]


@hookimpl
def urna_register_roles() -> list[Role]:
    return [
        Role(
            "parliament.clerk",
            (READ, MANAGE),
            "Secretariat: imports the roster, opens sittings, sets the agenda.",
        ),
        Role(
            "parliament.presiding",
            (READ, MANAGE, PRESIDE),
            "Presiding officer: registration, floor, votes, corrections, closing.",
        ),
        Role("parliament.member", (READ, SELF), "A member: their own page and the record."),
        Role(
            "parliament.console",
            (PRESS,),
            "A seat console or the device gateway: cards and signed presses.",
        ),
        Role("parliament.observer", (READ,), "Reads minutes, stenogram and exports."),
    ]


@hookimpl
def urna_register_device_drivers() -> list[DeviceDriver]:
    from urna_parliament.devices import DRIVERS

    return list(DRIVERS)


@hookimpl
def urna_register_commands() -> list[click.Command]:
    from urna_parliament.commands import COMMANDS

    return list(COMMANDS)


@hookimpl
def urna_register_demos() -> list[Demo]:
    from urna_parliament.demo import DEMOS

    return list(DEMOS)


@hookimpl
def urna_parliament_majority_rules() -> list[MajorityRule]:
    """The Milli Majlis defaults and the generic rules other parliaments use."""
    return [*MILLI_MAJLIS_RULES, *GENERIC_RULES]
