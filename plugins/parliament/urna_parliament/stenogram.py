"""The E-Stenogram: every speech by sitting and item, its recordings and transcript, and
the search over them.

The secretariat uploads a speech's audio, video and transcript (``media.py`` checks
and stores the bytes); each upload is a ``parliament.speech_file_attached`` event in
``parliament-stenogram`` and the latest of each kind a ``SpeechFile`` row, and a
transcript's text goes into the full-text index (``search.py``). A page links a file
only when it is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from sanic import Request
from sanic.response import HTTPResponse, json
from urna.api import ApiError, Event, Services, render, services_of

from urna_parliament.archive_record import DIGEST, SPEECH_FILE_TYPES, STENOGRAM_SCOPE
from urna_parliament.drafts import registered_drafts
from urna_parliament.hall import HallError, hall_of
from urna_parliament.media import (
    Upload,
    file_href,
    file_store,
    read_upload,
    serve_file,
    stored,
    upload_limit,
)
from urna_parliament.models import DraftDocument, Member, SpeechFile, SpeechRecord, Transcript
from urna_parliament.models import Sitting as SittingRow
from urna_parliament.search import MARK_END, MARK_START, search_speeches
from urna_parliament.words import item_line

Files = dict[tuple[int, int], dict[str, SpeechFile]]


async def attach_speech_file(
    services: Services, sitting: int, speech: int, kind: str, upload: Upload
) -> Event:
    """Store a checked file of a speech and record it; all of it or, refused, none."""
    if not await SpeechRecord.exists(sitting=sitting, speech=speech):
        raise ApiError(404, f"sitting {sitting} has no speech {speech}")
    async with stored(services, upload), services.ledger.transaction():
        event = await services.ledger.append(
            STENOGRAM_SCOPE,
            "parliament.speech_file_attached",
            {
                "sitting": sitting,
                "speech": speech,
                "kind": kind,
                "digest": upload.digest,
                "size": upload.size,
                "media_type": upload.media_type,
                "filename": upload.filename,
            },
        )
        fields = {
            "digest": upload.digest,
            "size": upload.size,
            "media_type": upload.media_type,
            "filename": upload.filename,
            "seq": event.seq,
        }
        await SpeechFile.update_or_create(
            defaults=fields, sitting=sitting, speech=speech, kind=kind
        )
        if kind == "transcript":
            await Transcript.update_or_create(
                defaults={"text": upload.text()}, sitting=sitting, speech=speech
            )
    return event


async def upload_speech_file(
    request: Request, sitting: int, speech: int, kind: str
) -> HTTPResponse:
    """Upload a speech's ``audio``, ``video`` or ``transcript``: the body is the file,
    ``Content-Type`` its type, ``?digest=`` its BLAKE2b-256 and ``?name=`` its name."""
    if kind not in SPEECH_FILE_TYPES:
        raise ApiError(404, f"a speech has no {kind[:20]!r} file: {', '.join(SPEECH_FILE_TYPES)}")
    services = services_of(request)
    upload = read_upload(request, SPEECH_FILE_TYPES[kind], upload_limit(services.settings))
    event = await attach_speech_file(services, sitting, speech, kind, upload)
    return json(
        {
            "seq": event.seq,
            "digest": upload.digest,
            "size": upload.size,
            "href": file_href(upload.digest),
        },
        status=201,
    )


def duration(speech: dict[str, Any]) -> str:
    """How long a speech lasted, ``m:ss`` (``h:mm:ss`` from an hour)."""
    seconds = round(
        (
            dt.datetime.fromisoformat(speech["ended"])
            - dt.datetime.fromisoformat(speech["started"])
        ).total_seconds()
    )
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


async def stored_file(request: Request, digest: str) -> Any:
    """A stored file of the archive, by digest, with its type; ranges answered (206)."""
    if not DIGEST.fullmatch(digest):
        raise ApiError(404, "a file is named by its BLAKE2b-256: 64 lowercase hex digits")
    row: SpeechFile | DraftDocument | None = await SpeechFile.filter(digest=digest).first()
    if row is None:
        row = await DraftDocument.filter(digest=digest).first()
    if row is None:
        raise ApiError(404, f"no file {digest[:64]!r} in the archive")
    await serve_file(
        request, file_store(services_of(request)), digest, row.media_type, row.filename
    )
    return None  # the response went out through request.respond()


async def files_of(services: Services, speeches: list[SpeechRecord]) -> Files:
    """The stored files of these speeches: (sitting, speech) -> kind -> file. A file whose
    bytes are missing from the store (removed by hand, a restore without them) is left out,
    so that no page links what would answer 404."""
    files: Files = {}
    sittings = {s.sitting for s in speeches}
    if not sittings:
        return files
    store = file_store(services)
    for row in await SpeechFile.filter(sitting__in=list(sittings)):
        if store.exists(row.digest):
            files.setdefault((row.sitting, row.speech), {})[row.kind] = row
    return files


def speech_json(s: SpeechRecord, files: Files) -> dict[str, Any]:
    """A speech as the stenogram's JSON gives it: a file's link only when it is stored."""
    stored = files.get((s.sitting, s.speech), {})
    return {
        "sitting": s.sitting,
        "speech": s.speech,
        "item": s.item,
        "matter": s.matter,
        "draft_number": s.draft_number,
        "speaker": s.speaker,
        "member": s.member,
        "started": s.started,
        "ended": s.ended,
        **{
            kind: (
                {
                    "href": file_href(f.digest),
                    "digest": f.digest,
                    "size": f.size,
                    "media_type": f.media_type,
                }
                if (f := stored.get(kind))
                else None
            )
            for kind in SPEECH_FILE_TYPES
        },
    }


def _search_terms(request: Request) -> dict[str, str]:
    return {name: request.args.get(name, "") for name in ("member", "matter", "q")}


async def stenogram_json(request: Request) -> HTTPResponse:
    """The stenogram, searchable by ``member``, ``matter`` and full text ``q``."""
    terms = _search_terms(request)
    found = await search_speeches(terms["member"], terms["matter"], terms["q"])
    files = await files_of(services_of(request), found.speeches)
    return json(
        [
            speech_json(s, files)
            | (
                {"excerpt": _plain(found.snippets[key])}
                if (key := (s.sitting, s.speech)) in found.snippets
                else {}
            )
            for s in found.speeches
        ]
    )


def _plain(snippet: str) -> str:
    return snippet.replace(MARK_START, "").replace(MARK_END, "")


async def _names(speeches: list[SpeechRecord]) -> dict[str, str]:
    members = list({s.member for s in speeches if s.member})
    rows = await Member.filter(member__in=members).only("member", "name")
    return {row.member: row.name for row in rows}


def grouped(speeches: list[SpeechRecord]) -> dict[int, dict[int, list[SpeechRecord]]]:
    """sitting -> item -> speeches, in order."""
    sittings: dict[int, dict[int, list[SpeechRecord]]] = {}
    for speech in speeches:
        sittings.setdefault(speech.sitting, {}).setdefault(speech.item, []).append(speech)
    return sittings


async def stenogram_page(request: Request) -> HTTPResponse:
    """Search the stenogram: by member, by matter, by the words of the transcripts."""
    terms = {k: v.strip() for k, v in _search_terms(request).items()}
    found = await search_speeches(terms["member"], terms["matter"], terms["q"])
    sittings = grouped(found.speeches)
    rows = await SittingRow.filter(number__in=list(sittings)).order_by("-number")
    return render(
        request,
        "parliament/stenogram.html",
        {
            **terms,
            "searched": any(terms.values()),
            "sittings": sittings,
            "headers": {row.number: row for row in rows},
            "names": await _names(found.speeches),
            "files": await files_of(services_of(request), found.speeches),
            "speech_json": speech_json,
            "snippets": found.snippets,
            "marks": (MARK_START, MARK_END),
            "all_sittings": await SittingRow.all().order_by("-number"),
        },
    )


async def sitting_stenogram_page(
    request: Request, sitting: int, item: int | None = None
) -> HTTPResponse:
    """A sitting's stenogram (or one item's): who presided, the invited participants, each
    item's speakers with times, recordings and transcript."""
    try:
        state = await hall_of(services_of(request)).state(sitting)
    except HallError as exc:
        raise ApiError(exc.status, exc.message) from None
    if item is not None and item not in state.items:
        raise ApiError(404, f"sitting {sitting} has no item {item}")
    query = SpeechRecord.filter(sitting=sitting)
    if item is not None:
        query = query.filter(item=item)
    speeches = list(await query.order_by("speech"))
    by_item: dict[int, list[SpeechRecord]] = {}
    for speech in speeches:
        by_item.setdefault(speech.item, []).append(speech)
    transcripts = {row.speech: row.text for row in await Transcript.filter(sitting=sitting)}
    chosen = [state.items[item]] if item is not None else list(state.items.values())
    items = [attrs.asdict(i) for i in chosen]
    return render(
        request,
        "parliament/stenogram_sitting.html",
        {
            "sitting": sitting,
            "header": state.header,
            "items": items,
            "one_item": item is not None,
            "speeches": by_item,
            "names": await _names(speeches),
            "files": await files_of(services_of(request), speeches),
            "speech_json": speech_json,
            "duration": duration,
            "item_line": item_line,
            "drafts": await registered_drafts([i["draft_number"] for i in items]),
            "transcripts": transcripts,
        },
    )


async def item_stenogram_page(request: Request, sitting: int, item: int) -> HTTPResponse:
    return await sitting_stenogram_page(request, sitting, item)
