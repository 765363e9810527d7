"""HTTP routes: the hall's API, its live display, the officer's and members' pages, exports.

Permissions are checked by the core before a handler runs; handlers map
:class:`HallError` to a JSON error naming the problem.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json, raw
from urna.api import (
    ApiError,
    Route,
    field,
    json_body,
    principal_of,
    services_of,
    static_route,
    translator,
    translator_of,
)

from urna_parliament.display import display
from urna_parliament.exports import akoma_ntoso, popolo_vote_events
from urna_parliament.hall import Hall, HallError, hall_of, parse_roster_csv
from urna_parliament.minutes import protocol, render_pdf
from urna_parliament.models import CastRecord, Member, SpeechRecord
from urna_parliament.models import Sitting as SittingRow
from urna_parliament.record import MEMBER_ID
from urna_parliament.stenogram import files_of, speech_json

READ = "parliament.read"
MANAGE = "parliament.manage"
PRESIDE = "parliament.preside"
PRESS = "parliament.press"
SELF = "parliament.member"
STATIC = {
    "parliament.css": "text/css",
    "common.js": "text/javascript",
    "hall.js": "text/javascript",
    "presiding.js": "text/javascript",
    "member.js": "text/javascript",
}
PDF_LANGUAGES = ("az", "en", "ru")
"""The languages the minutes are printed in: the appliance's page languages."""
SSE_LIFETIME_SECONDS = 60.0
SSE_KEEPALIVE_SECONDS = 15.0

Handler = Callable[..., Awaitable[HTTPResponse]]


def _hall(request: Request) -> Hall:
    return hall_of(services_of(request))


def refusals(handler: Handler) -> Handler:
    async def wrapped(request: Request, **params: Any) -> HTTPResponse:
        try:
            return await handler(request, **params)
        except HallError as exc:
            raise ApiError(exc.status, exc.message) from None

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def _optional(body: dict[str, Any], name: str, kind: type, default: Any) -> Any:
    value = body.get(name, default)
    if value is default:
        return default
    # A JSON true is a Python int: it is not taken for a number.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ApiError(422, f"field {name!r} must be {kind.__name__}")
    return value


# -- roster -------------------------------------------------------------------------------


@refusals
async def import_roster(request: Request) -> HTTPResponse:
    """Replace the roster from CSV: member,name,district,faction,seat,card,key."""
    body = json_body(request)
    convocation = field(body, "convocation", str, max_length=100)
    csv_text = field(body, "csv", str, max_length=1_000_000)
    members = parse_roster_csv(csv_text)
    event = await _hall(request).import_roster(convocation, members)
    return json({"members": len(members), "seq": event.seq}, status=201)


async def list_members(request: Request) -> HTTPResponse:
    """The roster."""
    rows = await Member.all().order_by("seat")
    return json([m.roster_entry() for m in rows])


async def member_profile(request: Request, member: str) -> HTTPResponse:
    """A member's speeches and votes across sittings (choices of votes by name only)."""
    return json(await member_record(request, await member_row(member)))


async def member_row(member: str) -> Member:
    """The roster's member ``member``; 404 for an unknown id or one no roster could hold."""
    row = await Member.get_or_none(member=member) if MEMBER_ID.fullmatch(member) else None
    if row is None:
        raise ApiError(404, f"no member {member[:40]!r}")
    return row


async def my_profile(request: Request) -> HTTPResponse:
    """The signed-in member's own record: their user name is their member id."""
    row = await Member.get_or_none(member=principal_of(request).username)
    if row is None:
        raise ApiError(404, "your user name is not a member id of the roster")
    return json(await member_record(request, row))


async def member_record(request: Request, row: Member) -> dict[str, Any]:
    """A member's identity, speeches and votes. A vote's choice is shown only for a vote by
    name: the minutes and Popolo withhold it for totals-only and secret votes, and so does
    every page (the signed record keeps a totals-only choice for the verifier alone)."""
    hall = _hall(request)
    speeches = await SpeechRecord.filter(member=row.member).order_by("sitting", "speech")
    casts = await CastRecord.filter(member=row.member).order_by("sitting", "vote")
    votes = []
    for cast in casts:
        vote = (await hall.state(cast.sitting)).votes[cast.vote]
        votes.append(
            {
                "sitting": cast.sitting,
                "vote": cast.vote,
                "question": vote.question,
                "mode": vote.mode,
                "choice": cast.choice if vote.mode == "named" else None,
            }
        )
    identity = {k: v for k, v in row.roster_entry().items() if k not in ("card", "key")}
    files = await files_of(services_of(request), speeches)
    return {**identity, "speeches": [speech_json(s, files) for s in speeches], "votes": votes}


# -- sittings -----------------------------------------------------------------------------


async def list_sittings(request: Request) -> HTTPResponse:
    """Every sitting, newest first."""
    rows = await SittingRow.all().order_by("-number")
    return json(
        [
            {
                "sitting": s.number,
                "protocol": s.protocol,
                "date": s.date,
                "place": s.place,
                "presiding": s.presiding,
                "closed": s.closed,
            }
            for s in rows
        ]
    )


async def current_row() -> SittingRow | None:
    """The open sitting, else the latest, else none."""
    row = await SittingRow.filter(closed=False).order_by("-number").first()
    return row or await SittingRow.all().order_by("-number").first()


async def current_sitting(request: Request) -> HTTPResponse:
    """The open sitting (or the latest), for pages that follow the hall."""
    row = await current_row()
    if row is None:
        raise ApiError(404, "no sitting yet")
    return json({"sitting": row.number})


@refusals
async def open_sitting(request: Request) -> HTTPResponse:
    """Open the next sitting with the current roster."""
    body = json_body(request)
    invited = _optional(body, "invited", list, [])
    if not all(isinstance(i, str) for i in invited):
        raise ApiError(422, "field 'invited' must be a list of names")
    number = await _hall(request).open_sitting(
        protocol=field(body, "protocol", str, max_length=50),
        date=field(body, "date", str, max_length=10),
        presiding=field(body, "presiding", str),
        invited=invited,
        place=_optional(body, "place", str, None),
    )
    return json({"sitting": number}, status=201)


@refusals
async def sitting_state(request: Request, sitting: int) -> HTTPResponse:
    """The hall display's data for a sitting."""
    return json(display(await _hall(request).state(sitting)))


@refusals
async def sitting_events(request: Request, sitting: int) -> Any:
    """Server-sent events: the display's data, pushed on every change."""
    hall = _hall(request)
    await hall.state(sitting)
    response = await request.respond(
        content_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
    assert response is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SSE_LIFETIME_SECONDS
    sent = -2
    version = hall.version
    await response.send("retry: 500\n\n")
    while loop.time() < deadline:
        state = await hall.state(sitting)
        if state.seq != sent:
            sent = state.seq
            await response.send(f"data: {jsonlib.dumps(display(state))}\n\n")
        else:
            await response.send(": keepalive\n\n")
        version = await hall.wait_for_change(
            version, min(SSE_KEEPALIVE_SECONDS, max(0.0, deadline - loop.time()))
        )
    await response.eof()
    return None  # the response went out through request.respond()


@refusals
async def close_sitting(request: Request, sitting: int) -> HTTPResponse:
    """Close the sitting."""
    event = await _hall(request).close_sitting(sitting)
    return json({"seq": event.seq})


@refusals
async def registration(request: Request, sitting: int) -> HTTPResponse:
    """Open or close a registration round: ``{"action": "open"|"close"}``."""
    action = field(json_body(request), "action", str, max_length=10)
    event = await _hall(request).registration(sitting, action)
    return json({"seq": event.seq, "payload": event.payload})


@refusals
async def add_item(request: Request, sitting: int) -> HTTPResponse:
    """Add an agenda item: draft (number, reading), resolution or other."""
    body = json_body(request)
    documents = _optional(body, "documents", list, [])
    if not all(isinstance(d, dict) for d in documents):
        raise ApiError(422, "field 'documents' must be a list of {title, href}")
    number = await _hall(request).add_item(
        sitting,
        kind=field(body, "kind", str, max_length=20),
        title=field(body, "title", str, max_length=500),
        draft_number=_optional(body, "draft_number", str, ""),
        reading=_optional(body, "reading", str, ""),
        rule=_optional(body, "rule", str, None),
        documents=documents,
    )
    return json({"item": number}, status=201)


@refusals
async def take_up(request: Request, sitting: int, item: int) -> HTTPResponse:
    """Turn to an agenda item."""
    event = await _hall(request).take_up(sitting, item)
    return json({"seq": event.seq})


@refusals
async def order_speakers(request: Request, sitting: int, item: int) -> HTTPResponse:
    """Set the order of speakers: ``{"order": [member ids]}``."""
    order = field(json_body(request), "order", list)
    if not all(isinstance(m, str) for m in order):
        raise ApiError(422, "field 'order' must be a list of member ids")
    event = await _hall(request).order_speakers(sitting, item, order)
    return json({"seq": event.seq})


@refusals
async def start_speech(request: Request, sitting: int) -> HTTPResponse:
    """Give the floor: ``{"item", "speaker", "limit_seconds"?}``; the timer starts."""
    body = json_body(request)
    number = await _hall(request).start_speech(
        sitting,
        field(body, "item", int),
        field(body, "speaker", str),
        _optional(body, "limit_seconds", int, None),
    )
    return json({"speech": number}, status=201)


@refusals
async def end_speech(request: Request, sitting: int, speech: int) -> HTTPResponse:
    """End a speech, linking its audio, video and transcript."""
    body = json_body(request)
    event = await _hall(request).end_speech(
        sitting,
        speech,
        audio=_optional(body, "audio", str, ""),
        video=_optional(body, "video", str, ""),
        transcript=_optional(body, "transcript", str, ""),
    )
    return json({"seq": event.seq})


@refusals
async def open_vote(request: Request, sitting: int) -> HTTPResponse:
    """Open a vote; refused without quorum. A secret vote opens the next prepared election
    whose counting commission has finished its key ceremony (see secret.py)."""
    body = json_body(request)
    number = await _hall(request).open_vote(
        sitting,
        item=field(body, "item", int),
        mode=field(body, "mode", str, max_length=10),
        question=field(body, "question", str, max_length=500),
        rule=_optional(body, "rule", str, None),
        repeats=_optional(body, "repeats", int, None),
        reason=_optional(body, "reason", str, ""),
    )
    return json({"vote": number}, status=201)


@refusals
async def close_vote(request: Request, sitting: int, vote: int) -> HTTPResponse:
    """Close a vote: figures and outcome by its rule; a secret vote's from its ballot box."""
    event = await _hall(request).close_vote(sitting, vote)
    return json(event.payload)


@refusals
async def allow_correction(request: Request, sitting: int, vote: int) -> HTTPResponse:
    """Allow a member to correct their vote: ``{"member", "reason"}``."""
    body = json_body(request)
    event = await _hall(request).allow_correction(
        sitting,
        vote,
        field(body, "member", str, max_length=32),
        field(body, "reason", str, max_length=500),
    )
    return json({"seq": event.seq})


@refusals
async def card(request: Request, sitting: int) -> HTTPResponse:
    """A card inserted in or removed from a seat: ``{"seat", "card", "inserted"}``."""
    body = json_body(request)
    event = await _hall(request).card(
        sitting,
        field(body, "seat", int),
        field(body, "card", str, max_length=64),
        inserted=field(body, "inserted", bool),
    )
    return json({"seq": event.seq})


@refusals
async def press(request: Request, sitting: int) -> HTTPResponse:
    """A console's press: ``{"seat", "key", "sig", "ballot"?}``, signed by the member's card.

    Idempotent by nature: a repeat of a recorded vote answers 409 naming it,
    and nothing is appended twice.
    """
    body = json_body(request)
    event = await _hall(request).press(
        sitting,
        field(body, "seat", int),
        field(body, "key", str, max_length=10),
        sig=field(body, "sig", str, max_length=128),
        ballot=_optional(body, "ballot", dict, None),
    )
    return json({"seq": event.seq, "type": event.type}, status=201)


# -- minutes and exports ------------------------------------------------------------------


@refusals
async def minutes_json(request: Request, sitting: int) -> HTTPResponse:
    """The e-protocol from the record, as data."""
    return json(protocol(await _hall(request).state(sitting)))


@refusals
async def minutes_pdf(request: Request, sitting: int) -> HTTPResponse:
    """The e-protocol as PDF in ``?lang=az|en|ru``, else in the page's language."""
    lang = request.args.get("lang")
    if lang is not None and lang not in PDF_LANGUAGES:
        raise ApiError(422, f"lang must be one of {', '.join(PDF_LANGUAGES)}")
    t = translator(services_of(request), lang) if lang else translator_of(request)
    data = protocol(await _hall(request).state(sitting))
    pdf = await asyncio.get_running_loop().run_in_executor(None, render_pdf, data, t)
    return raw(
        pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="parliament-sitting-{sitting}-minutes-'
            f'{t.language}.pdf"',
            "Content-Language": t.language,
        },
    )


@refusals
async def popolo(request: Request, sitting: int) -> HTTPResponse:
    """Popolo VoteEvents of the sitting's closed votes."""
    return json(popolo_vote_events(await _hall(request).state(sitting)))


@refusals
async def akn(request: Request, sitting: int) -> HTTPResponse:
    """Akoma Ntoso ``debate`` XML of the sitting."""
    body = akoma_ntoso(await _hall(request).state(sitting))
    return raw(body, content_type="application/akn+xml; charset=utf-8")


ROUTES: tuple[Route, ...] = (
    static_route("urna_parliament", STATIC),
    Route("/me.json", my_profile, permission=SELF, summary="The member's own record"),
    Route("/roster", import_roster, ("POST",), MANAGE, idempotent=True, summary="Import roster"),
    Route("/members.json", list_members, permission=READ, summary="Roster"),
    Route("/members/<member>/record.json", member_profile, summary="A member's record"),
    Route("/sittings.json", list_sittings, summary="Sittings"),
    Route("/sittings/current", current_sitting, summary="The open sitting"),
    Route("/sittings", open_sitting, ("POST",), MANAGE, idempotent=True, summary="Open sitting"),
    Route("/sittings/<sitting:int>/display.json", sitting_state, summary="Hall display data"),
    Route("/sittings/<sitting:int>/events", sitting_events, summary="Hall display push (SSE)"),
    Route(
        "/sittings/<sitting:int>/close",
        close_sitting,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="Close sitting",
    ),
    Route(
        "/sittings/<sitting:int>/registration",
        registration,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="Registration round",
    ),
    Route(
        "/sittings/<sitting:int>/items",
        add_item,
        ("POST",),
        MANAGE,
        idempotent=True,
        summary="Add agenda item",
    ),
    Route(
        "/sittings/<sitting:int>/items/<item:int>/take-up",
        take_up,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="Take up an item",
    ),
    Route(
        "/sittings/<sitting:int>/items/<item:int>/speakers",
        order_speakers,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="Order speakers",
    ),
    Route(
        "/sittings/<sitting:int>/speeches",
        start_speech,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="Give the floor",
    ),
    Route(
        "/sittings/<sitting:int>/speeches/<speech:int>/end",
        end_speech,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="End a speech",
    ),
    Route(
        "/sittings/<sitting:int>/votes",
        open_vote,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="Open a vote",
    ),
    Route(
        "/sittings/<sitting:int>/votes/<vote:int>/close",
        close_vote,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="Close a vote",
    ),
    Route(
        "/sittings/<sitting:int>/votes/<vote:int>/corrections",
        allow_correction,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="Allow a correction",
    ),
    Route("/sittings/<sitting:int>/cards", card, ("POST",), PRESS, summary="Card in or out"),
    Route("/sittings/<sitting:int>/press", press, ("POST",), PRESS, summary="A console press"),
    Route("/sittings/<sitting:int>/minutes.json", minutes_json, summary="E-protocol (JSON)"),
    Route(
        "/sittings/<sitting:int>/minutes.pdf",
        minutes_pdf,
        summary="E-protocol (PDF, ?lang=az|en|ru)",
    ),
    Route("/sittings/<sitting:int>/popolo.json", popolo, summary="Popolo VoteEvents"),
    Route("/sittings/<sitting:int>/akn.xml", akn, summary="Akoma Ntoso debate"),
)
