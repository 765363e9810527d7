"""Drafts before the chamber: their record (number, title, initiator, the status of each
reading) and their documents, uploaded and stored like a speech's files.

The secretariat registers a draft, sets a reading's status (``scheduled`` when it is on
an agenda, then ``adopted``, ``rejected``, ``returned`` or ``withdrawn``) and uploads
its documents; each act is an event in ``parliament-drafts`` and a row of the tables.
The minutes and the stenogram link an item's draft number to the draft's page.
"""

from __future__ import annotations

from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json
from tortoise.expressions import Q
from urna.api import N_, ApiError, Event, Services, field, json_body, render, services_of

from urna_parliament.archive_record import (
    DOCUMENT_TYPES,
    DRAFTS_SCOPE,
    draft_number,
)
from urna_parliament.media import Upload, file_href, read_upload, stored, upload_limit
from urna_parliament.models import Draft, DraftDocument, DraftReading, SpeechRecord
from urna_parliament.search import MAX_TERM


def _refused(exc: ValueError) -> ApiError:
    return ApiError(422, str(exc))


async def _append(services: Services, type_: str, payload: dict[str, Any]) -> Event:
    try:
        return await services.ledger.append(DRAFTS_SCOPE, f"parliament.{type_}", payload)
    except ValueError as exc:  # LedgerError names the payload's problem
        raise _refused(exc) from None


async def draft_row(number: str) -> Draft:
    """The registered draft ``number``; 404 naming it otherwise."""
    try:
        draft_number(number)
    except ValueError as exc:
        raise ApiError(404, str(exc)) from None
    row = await Draft.get_or_none(number=number)
    if row is None:
        raise ApiError(404, f"no draft {number!r} is registered")
    return row


async def register_draft(
    services: Services, number: str, title: str, initiator: str, registered: str
) -> Event:
    if await Draft.exists(number=number):
        raise ApiError(409, f"draft {number} is already registered")
    payload = {"draft": number, "title": title, "initiator": initiator, "registered": registered}
    async with services.ledger.transaction():
        event = await _append(services, "draft_registered", payload)
        await Draft.create(
            number=number, title=title, initiator=initiator, registered=registered, seq=event.seq
        )
    return event


async def set_reading(
    services: Services, number: str, reading: str, status: str, date: str, sitting: int | None
) -> Event:
    await draft_row(number)
    payload = {
        "draft": number,
        "reading": reading,
        "status": status,
        "date": date,
        "sitting": sitting,
    }
    async with services.ledger.transaction():
        event = await _append(services, "draft_reading_set", payload)
        await DraftReading.update_or_create(
            defaults={"status": status, "date": date, "sitting": sitting, "seq": event.seq},
            draft=number,
            reading=reading,
        )
    return event


async def attach_document(services: Services, number: str, title: str, upload: Upload) -> Event:
    """Store a checked document of a draft and record it; all of it or, refused, none."""
    await draft_row(number)
    document = await DraftDocument.filter(draft=number).count() + 1
    payload = {
        "draft": number,
        "document": document,
        "title": title,
        "digest": upload.digest,
        "size": upload.size,
        "media_type": upload.media_type,
        "filename": upload.filename,
    }
    async with stored(services, upload), services.ledger.transaction():
        event = await _append(services, "draft_document_attached", payload)
        await DraftDocument.create(
            draft=number,
            document=document,
            title=title,
            digest=upload.digest,
            size=upload.size,
            media_type=upload.media_type,
            filename=upload.filename,
            seq=event.seq,
        )
    return event


# -- HTTP ---------------------------------------------------------------------------------


async def post_draft(request: Request) -> HTTPResponse:
    """Register a draft: ``{"draft", "title", "initiator"?, "registered"}``."""
    body = json_body(request)
    number = field(body, "draft", str, max_length=50)
    initiator = body.get("initiator", "")
    if not isinstance(initiator, str):
        raise ApiError(422, "field 'initiator' must be str")
    event = await register_draft(
        services_of(request),
        number,
        field(body, "title", str, max_length=500),
        initiator,
        field(body, "registered", str, max_length=10),
    )
    return json({"draft": number, "seq": event.seq}, status=201)


async def post_reading(request: Request, number: str) -> HTTPResponse:
    """Set a reading's status: ``{"reading": "I", "status", "date", "sitting"?}``."""
    body = json_body(request)
    sitting = body.get("sitting")
    if sitting is not None and (isinstance(sitting, bool) or not isinstance(sitting, int)):
        raise ApiError(422, "field 'sitting' must be a sitting number")
    event = await set_reading(
        services_of(request),
        number,
        field(body, "reading", str, max_length=4),
        field(body, "status", str, max_length=20),
        field(body, "date", str, max_length=10),
        sitting,
    )
    return json({"seq": event.seq}, status=201)


async def put_document(request: Request, number: str) -> HTTPResponse:
    """Upload a document of a draft: the body is the file, ``?title=`` its title,
    ``?digest=`` its BLAKE2b-256 and ``?name=`` its file name."""
    services = services_of(request)
    title = request.args.get("title", "").strip()
    if not title or len(title) > 500:
        raise ApiError(422, "title must be 1..500 characters")
    upload = read_upload(request, DOCUMENT_TYPES, upload_limit(services.settings))
    event = await attach_document(services, number, title, upload)
    return json(
        {
            "seq": event.seq,
            "document": event.payload["document"],
            "digest": upload.digest,
            "href": file_href(upload.digest),
        },
        status=201,
    )


async def find_drafts(term: str) -> list[Draft]:
    """Drafts whose number or title contains ``term`` (all, without one), newest first."""
    term = term.strip()
    if len(term) > MAX_TERM:
        raise ApiError(422, f"q must be at most {MAX_TERM} characters")
    query = Draft.all()
    if term:
        query = query.filter(Q(number__icontains=term) | Q(title__icontains=term))
    return list(await query.order_by("-registered", "number").limit(1000))


async def draft_record(row: Draft) -> dict[str, Any]:
    """A draft with its readings, documents and the sittings that debated it."""
    readings = await DraftReading.filter(draft=row.number).order_by("reading")
    documents = await DraftDocument.filter(draft=row.number).order_by("document")
    debated = sorted(
        set(await SpeechRecord.filter(draft_number=row.number).values_list("sitting", flat=True))
        | {r.sitting for r in readings if r.sitting is not None}
    )
    return {
        "draft": row.number,
        "title": row.title,
        "initiator": row.initiator,
        "registered": row.registered,
        "readings": [
            {"reading": r.reading, "status": r.status, "date": r.date, "sitting": r.sitting}
            for r in readings
        ],
        "documents": [
            {
                "document": d.document,
                "title": d.title,
                "href": file_href(d.digest),
                "digest": d.digest,
                "size": d.size,
                "media_type": d.media_type,
                "filename": d.filename,
            }
            for d in documents
        ],
        "sittings": debated,
    }


async def drafts_json(request: Request) -> HTTPResponse:
    """Drafts, searchable by number or title (``?q=``)."""
    rows = await find_drafts(request.args.get("q", ""))
    return json([await draft_record(row) for row in rows])


async def draft_json(request: Request, number: str) -> HTTPResponse:
    return json(await draft_record(await draft_row(number)))


async def drafts_page(request: Request) -> HTTPResponse:
    """The drafts, searchable by number or title."""
    term = request.args.get("q", "").strip()
    rows = await find_drafts(term)
    readings: dict[str, list[DraftReading]] = {}
    for reading in await DraftReading.filter(draft__in=[r.number for r in rows]).order_by(
        "reading"
    ):
        readings.setdefault(reading.draft, []).append(reading)
    return render(
        request,
        "parliament/drafts.html",
        {"q": term, "drafts": rows, "readings": readings, "statuses": STATUS_WORDS},
    )


async def draft_page(request: Request, number: str) -> HTTPResponse:
    """A draft: its readings and their status, its documents, the sittings that debated it."""
    record = await draft_record(await draft_row(number))
    return render(request, "parliament/draft.html", {"draft": record, "statuses": STATUS_WORDS})


async def registered_drafts(numbers: list[str]) -> set[str]:
    """Which of ``numbers`` are registered drafts (the pages link only those)."""
    found = await Draft.filter(number__in=[n for n in numbers if n]).values_list(
        "number", flat=True
    )
    return {str(number) for number in found}


STATUS_WORDS = {
    "scheduled": N_("scheduled"),
    "adopted": N_("adopted"),
    "rejected": N_("not adopted"),
    "withdrawn": N_("withdrawn"),
    "returned": N_("returned"),
}
"""A reading's status in words (``archive_record.READING_STATUSES``), for the pages."""
