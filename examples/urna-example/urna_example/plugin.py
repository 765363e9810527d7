"""The plugin's hook implementations: everything it contributes to an Urna appliance."""

from __future__ import annotations

import asyncio

import click
from sanic import Request
from sanic.response import HTTPResponse, json
from urna.api import (
    N_,
    ApiError,
    CommandContext,
    Demo,
    DemoContext,
    DemoResult,
    EventType,
    ModelApp,
    Page,
    Report,
    ReportContext,
    Role,
    Route,
    VerifierCheck,
    field,
    hookimpl,
    json_body,
    principal_of,
    render,
    services_of,
)

from urna_example.board import post_notice
from urna_example.models import Notice
from urna_example.record import MAX_TEXT, SCOPE
from urna_example.verifier import VERIFIER

READ = "example.notices.read"
WRITE = "example.notices.write"


async def list_notices(request: Request) -> HTTPResponse:
    """Every notice, oldest first."""
    notices = await Notice.all().order_by("number")
    return json([{"number": n.number, "text": n.text, "author": n.author} for n in notices])


async def create_notice(request: Request) -> HTTPResponse:
    """Post a notice; it is signed into the record before this answers."""
    text = field(json_body(request), "text", str, max_length=MAX_TEXT)
    if "\x00" in text:
        raise ApiError(422, "field 'text' must not contain NUL")
    notice = await post_notice(services_of(request).ledger, text, principal_of(request).username)
    return json({"number": notice.number, "seq": notice.seq}, status=201)


@hookimpl
def urna_register_routes() -> list[Route]:
    return [
        Route("/notices", list_notices, permission=READ, summary="List notices"),
        Route(
            "/notices", create_notice, ("POST",), WRITE, idempotent=True, summary="Post a notice"
        ),
    ]


async def board_page(request: Request) -> HTTPResponse:
    """The notice board as a page, in the visitor's language, inside the appliance's layout."""
    notices = await Notice.all().order_by("number")
    return render(request, "example/board.html", {"notices": notices})


@hookimpl
def urna_register_pages() -> list[Page]:
    return [Page("/board", board_page, N_("Notice board"), permission=READ, nav="work")]


@hookimpl
def urna_register_roles() -> list[Role]:
    return [
        Role("example.reader", (READ,), "Reads the notice board."),
        Role("example.writer", (READ, WRITE), "Reads and posts notices."),
    ]


@hookimpl
def urna_register_models() -> list[ModelApp]:
    return [ModelApp(models="urna_example.models", migrations="urna_example.migrations")]


@hookimpl
def urna_register_event_types() -> list[EventType]:
    return list(VERIFIER.event_types)


@hookimpl
def urna_register_verifier_checks() -> list[VerifierCheck]:
    return list(VERIFIER.checks)


@click.command(name="notices")
@click.pass_obj
def notices_command(context: CommandContext) -> None:
    """Print the notice board."""

    async def show() -> list[Notice]:
        async with context.services():
            return list(await Notice.all().order_by("number"))

    for notice in asyncio.run(show()):
        click.echo(f"{notice.number:>4}  {notice.author:<16} {notice.text}")


@hookimpl
def urna_register_commands() -> list[click.Command]:
    return [notices_command]


async def render_board(scope: str, format: str, context: ReportContext) -> bytes:
    """The notice board as plain text, one notice a line (a text file has no language of
    its own: the notices are as posted)."""
    if scope != SCOPE:
        raise ValueError(f"the board report is for scope {SCOPE!r}, not {scope!r}")
    notices = await Notice.all().order_by("number")
    return "".join(f"{n.number}\t{n.author}\t{n.text}\n" for n in notices).encode()


@hookimpl
def urna_register_reports() -> list[Report]:
    return [Report("example.board", "The notice board", ("txt",), render_board)]


async def demo(context: DemoContext) -> DemoResult:
    ledger = context.services.ledger
    for text in ("Sitting opens at 10:00.", "Agenda published.", "Hall closes at 18:00."):
        await post_notice(ledger, text, "demo")
    # The board's editor signs in under a name of their own rather than "example-writer".
    return DemoResult(
        scopes=(SCOPE,), urls=("/p/example/board",), users={"example.writer": "editor"}
    )


@hookimpl
def urna_register_demos() -> list[Demo]:
    return [Demo("notice-board", demo)]
