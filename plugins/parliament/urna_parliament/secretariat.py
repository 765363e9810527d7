"""The secretariat's upload page: a plain HTML form per speech file and per draft document.

The API takes a file as a request body with the digest its sender computed (``media.py``);
a person at a browser has no ``b2sum``, so here the file comes in a multipart form with
the session's CSRF token, and the server computes the BLAKE2b-256 digest itself. The
checks are the API's (``media.check_upload``): a refused file is named in an error
summary on the page, with nothing stored; a stored one is answered by a redirect back to
the page (so a reload does not post it again) that shows its digest and size.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sanic import Request
from sanic.response import HTTPResponse, redirect
from urna.api import N_, ApiError, Translator, render, services_of, translator_of

from urna_parliament.archive_record import DIGEST, DOCUMENT_TYPES, SPEECH_FILE_TYPES
from urna_parliament.drafts import attach_document
from urna_parliament.media import (
    UploadRefused,
    check_upload,
    file_href,
    file_store,
    upload_limit,
)
from urna_parliament.models import Draft, Member, SpeechFile, SpeechRecord
from urna_parliament.stenogram import attach_speech_file

PAGE = "/p/parliament/secretariat"
DRAFTS_SHOWN = 200
"""The newest drafts the page offers a form for (older ones stay reachable by the API)."""
FILE_KINDS = {"audio": N_("Audio"), "video": N_("Video"), "transcript": N_("Transcript")}
"""A speech's files (``archive_record.SPEECH_FILE_TYPES``) as the form labels them."""


def speech_field(speech: int, kind: str) -> str:
    """The id (and error-summary anchor) of a speech's file input."""
    return f"speech-{speech}-{kind}"


def draft_field(number: str, part: str) -> str:
    """The id of a draft's ``title`` or ``file`` input."""
    return f"draft-{number}-{part}"


def speech_place(t: Translator, speech: int, kind: str) -> str:
    """Which field, in words: the speech and its file."""
    return f"{t.gettext('Speech %(number)s') % {'number': speech}}, {t.gettext(FILE_KINDS[kind])}"


def draft_place(t: Translator, number: str, field: str) -> str:
    """Which field, in words: the draft and its title or document."""
    return f"{t.gettext('Draft No. %(number)s') % {'number': number}}, {t.gettext(field)}"


def _named(t: Translator, place: str, problem: str) -> str:
    """An error that names its field: a page holds many forms with the same fields."""
    return t.gettext("%(field)s: %(problem)s") % {"field": place, "problem": problem}


async def _sittings_with_speeches() -> list[int]:
    rows = await SpeechRecord.all().distinct().values_list("sitting")
    return sorted({int(row[0]) for row in rows}, reverse=True)


def _chosen_sitting(request: Request, sittings: list[int]) -> int | None:
    asked = request.args.get("sitting", "")
    if asked.isdigit() and int(asked) in sittings:
        return int(asked)
    return sittings[0] if sittings else None


def _stored_notice(request: Request) -> dict[str, Any] | None:
    """The file a form just stored (``?stored=<digest>``), as the store holds it."""
    digest = request.args.get("stored", "")
    if not DIGEST.fullmatch(digest):
        return None
    path = file_store(services_of(request)).path(digest)
    if not path.is_file():
        return None
    return {"digest": digest, "size": path.stat().st_size}


async def _page(
    request: Request,
    sitting: int | None = None,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTTPResponse:
    sittings = await _sittings_with_speeches()
    if sitting is None:
        sitting = _chosen_sitting(request, sittings)
    speeches = await SpeechRecord.filter(sitting=sitting).order_by("speech") if sitting else []
    held = await SpeechFile.filter(sitting=sitting) if sitting else []
    members = {s.member for s in speeches if s.member}
    names = dict(await Member.filter(member__in=members).values_list("member", "name"))
    drafts = await Draft.all().order_by("-registered", "number").limit(DRAFTS_SHOWN)
    return render(
        request,
        "parliament/secretariat.html",
        {
            "sittings": sittings,
            "sitting": sitting,
            "speeches": speeches,
            "names": names,
            "held": {(f.speech, f.kind): f for f in held},
            "drafts": drafts,
            "kinds": SPEECH_FILE_TYPES,
            "file_kinds": FILE_KINDS,
            "document_types": DOCUMENT_TYPES,
            "limit": upload_limit(services_of(request).settings),
            "stored": _stored_notice(request),
            "errors": errors or {},
            "values": values or {},
            "speech_field": speech_field,
            "file_href": file_href,
            "draft_field": draft_field,
        },
        status=status,
    )


async def secretariat_page(request: Request) -> HTTPResponse:
    """The upload forms for a sitting's speeches (``?sitting=``, the newest by default)
    and for the drafts' documents."""
    return await _page(request)


def _form_file(request: Request) -> tuple[bytes, str, str]:
    """The posted file's bytes, declared type and name; ``UploadRefused`` when none came."""
    files: Any = request.files or {}
    posted = files.get("file")
    if posted is None or not posted.name:
        raise UploadRefused(422, N_("Choose a file to upload"))
    return bytes(posted.body), str(posted.type or ""), str(posted.name)


def _stored(sitting: int | None, digest: str, anchor: str) -> HTTPResponse:
    query = {"sitting": sitting, "stored": digest} if sitting else {"stored": digest}
    return redirect(f"{PAGE}?{urlencode(query)}#{anchor}", status=303)


async def post_speech_file(request: Request, sitting: int, speech: int, kind: str) -> HTTPResponse:
    """A speech's audio, video or transcript from the page's form."""
    if kind not in SPEECH_FILE_TYPES:
        raise ApiError(404, f"a speech has no {kind[:20]!r} file: {', '.join(SPEECH_FILE_TYPES)}")
    services = services_of(request)
    t = translator_of(request)
    field_id = speech_field(speech, kind)
    try:
        data, media_type, name = _form_file(request)
        upload = check_upload(
            data, media_type, name, SPEECH_FILE_TYPES[kind], upload_limit(services.settings)
        )
    except UploadRefused as refused:
        return await _page(
            request,
            sitting,
            errors={field_id: _named(t, speech_place(t, speech, kind), refused.translated(t))},
            status=refused.status,
        )
    await attach_speech_file(services, sitting, speech, kind, upload)
    return _stored(sitting, upload.digest, field_id)


async def post_draft_document(request: Request, number: str) -> HTTPResponse:
    """A draft's document, with its title, from the page's form."""
    services = services_of(request)
    t = translator_of(request)
    form: Any = request.form or {}
    title = str(form.get("title", "")).strip()
    title_id, file_id = draft_field(number, "title"), draft_field(number, "file")
    sitting = _chosen_sitting(request, await _sittings_with_speeches())
    errors: dict[str, str] = {}
    if not title or len(title) > 500:
        errors[title_id] = _named(
            t,
            draft_place(t, number, N_("Document's title")),
            t.gettext("Enter the document's title (at most 500 characters)"),
        )
    try:
        data, media_type, name = _form_file(request)
        upload = check_upload(
            data, media_type, name, DOCUMENT_TYPES, upload_limit(services.settings)
        )
    except UploadRefused as refused:
        errors[file_id] = _named(t, draft_place(t, number, N_("Document")), refused.translated(t))
        status = refused.status
    else:
        status = 422
    if errors:
        return await _page(request, sitting, errors=errors, values={title_id: title}, status=status)
    await attach_document(services, number, title, upload)
    return _stored(sitting, upload.digest, file_id)
