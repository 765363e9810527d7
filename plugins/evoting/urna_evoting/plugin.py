"""Hook implementations of the e-voting plugin: everything it contributes to an appliance."""

from __future__ import annotations

import click
from urna.api import Demo, ModelApp, Page, Role, Route, hookimpl

from urna_evoting.guardian_relay import GUARD
from urna_evoting.web import MANAGE, PAGES, POLL, ROUTES


@hookimpl
def urna_register_models() -> list[ModelApp]:
    return [ModelApp(models="urna_evoting.models", migrations="urna_evoting.migrations")]


@hookimpl
def urna_register_routes() -> list[Route]:
    return list(ROUTES)


@hookimpl
def urna_register_pages() -> list[Page]:
    return list(PAGES)


@hookimpl
def urna_register_roles() -> list[Role]:
    return [
        Role(
            "evoting.admin",
            (MANAGE,),
            "Election administrator: sets the election up, publishes the result.",
        ),
        Role(
            "evoting.guardian",
            (GUARD,),
            "A guardian: key material, shares, confirmation and partial decryption, "
            "sent by the guardian's own command.",
        ),
        Role(
            "evoting.pollworker",
            (POLL,),
            "Poll worker: opens and closes the polls, checks voters in, activates booths.",
        ),
    ]


@hookimpl
def urna_register_commands() -> list[click.Command]:
    from urna_evoting.commands import COMMANDS

    return list(COMMANDS)


@hookimpl
def urna_register_demos() -> list[Demo]:
    from urna_evoting.demo import DEMOS

    return list(DEMOS)
