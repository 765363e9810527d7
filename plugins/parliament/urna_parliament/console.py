"""The presiding officer's console and the member's page: their pages and their live data.

Both pages follow the sitting's server-sent events (``/sittings/<n>/events``) and,
on each change, read their own view: ``/sittings/<n>/console.json`` for the
officer, ``/me/hall.json`` for the member (:mod:`urna_parliament.display`).
The console's acts go to the hall's API (``web.py``); every control is
enabled only when its act applies, and the hall refuses what does not.
"""

from __future__ import annotations

from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json
from urna.api import (
    N_,
    ApiError,
    Page,
    Route,
    field,
    json_body,
    principal_of,
    render,
    translator_of,
)

from urna_parliament.display import console, member_view
from urna_parliament.models import CastRecord, Member
from urna_parliament.pages import words
from urna_parliament.web import PRESIDE, SELF, _hall, current_row, member_record, refusals
from urna_parliament.words import MODES, term

CONSOLE_MODES = ("named", "totals", "secret")
"""The modes the console offers, in this order (``words.MODES`` names them)."""


async def _console(request: Request, sitting: int) -> dict[str, Any]:
    hall = _hall(request)
    state = await hall.state(sitting)
    return console(state, hall.rules, translator_of(request), await hall.secret_overview(sitting))


@refusals
async def console_json(request: Request, sitting: int) -> HTTPResponse:
    """The console's view of the sitting: agenda, debate, the open vote, who has not voted."""
    return json(await _console(request, sitting))


async def presiding_page(request: Request) -> HTTPResponse:
    """The presiding officer's console for the open (or latest) sitting."""
    t = translator_of(request)
    row = await current_row()
    return render(
        request,
        "parliament/presiding.html",
        {
            "sitting": row,
            "view": await _console(request, row.number) if row else None,
            "modes": {mode: term(t, MODES, mode) for mode in CONSOLE_MODES},
        },
    )


async def _own_member(request: Request) -> Member:
    row = await Member.get_or_none(member=principal_of(request).username)
    if row is None:
        raise ApiError(404, "your user name is not a member id of the roster")
    return row


async def my_hall(request: Request) -> HTTPResponse:
    """The member's own view of the hall now (the open or latest sitting)."""
    row = await _own_member(request)
    sitting = await current_row()
    if sitting is None:
        raise ApiError(404, "no sitting yet")
    state = await _hall(request).state(sitting.number)
    return json(member_view(state, row.member, translator_of(request)))


async def member_page(request: Request) -> HTTPResponse:
    """The signed-in member's page: the hall now, and their own record, where they also
    see their own choice in a totals-only vote (the public record shows only totals)."""
    t = translator_of(request)
    row = await _own_member(request)
    record = await member_record(request, row)
    own = {
        (c.sitting, c.vote): c.choice
        for c in await CastRecord.filter(member=row.member, choice__isnull=False)
    }
    for vote in record["votes"]:
        if vote["mode"] == "totals" and vote["choice"] is None:
            vote["choice"] = own.get((vote["sitting"], vote["vote"]))
            vote["own_only"] = True
    sitting = await current_row()
    view = None
    if sitting is not None:
        view = member_view(await _hall(request).state(sitting.number), row.member, t)
    return render(
        request,
        "parliament/me.html",
        {
            "record": record,
            "sitting": sitting,
            "view": view,
            **words(),
        },
    )


@refusals
async def prepare_secret_vote(request: Request, sitting: int) -> HTTPResponse:
    """Prepare a secret vote's election: ``{"commission": [member ids], "quorum": k}``; the
    commission's guardians then run the key ceremony through the core's election routes."""
    body = json_body(request)
    commission = field(body, "commission", list)
    if not commission or not all(isinstance(m, str) for m in commission):
        raise ApiError(422, "field 'commission' must be a non-empty list of member ids")
    scope = await _hall(request).prepare_secret_vote(
        sitting, commission, field(body, "quorum", int)
    )
    return json({"ballot_scope": scope}, status=201)


@refusals
async def end_secret_voting(request: Request, sitting: int, vote: int) -> HTTPResponse:
    """End a secret vote's voting; it closes once its commission has decrypted the sum."""
    await _hall(request).end_secret_voting(sitting, vote)
    return json({"vote": vote, "voting_ended": True})


CONSOLE_ROUTES: tuple[Route, ...] = (
    Route(
        "/sittings/<sitting:int>/secret-votes",
        prepare_secret_vote,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="Prepare a secret vote (its counting commission)",
    ),
    Route(
        "/sittings/<sitting:int>/votes/<vote:int>/end-voting",
        end_secret_voting,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="End a secret vote's voting",
    ),
    Route(
        "/sittings/<sitting:int>/console.json",
        console_json,
        permission=PRESIDE,
        summary="The presiding officer's console view",
    ),
    Route("/me/hall.json", my_hall, permission=SELF, summary="The member's view of the hall"),
)

CONSOLE_PAGES: tuple[Page, ...] = (
    Page("/presiding", presiding_page, N_("Presiding officer's console"), PRESIDE, "work", 20),
    Page("/me", member_page, N_("My page"), SELF, nav="work", order=21),
)
