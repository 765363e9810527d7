"""The routes and pages of the secretariat's archive: the E-Stenogram, the drafts, the
files of both and the minutes' signature (``stenogram.py``, ``drafts.py``, ``media.py``,
``signing.py``)."""

from __future__ import annotations

from urna.api import N_, Page, Route

from urna_parliament import drafts, secretariat, signing, stenogram
from urna_parliament.web import MANAGE, PRESIDE

ARCHIVE_ROUTES: tuple[Route, ...] = (
    Route(
        "/sittings/<sitting:int>/minutes/statement.json",
        signing.minutes_statement_json,
        permission=PRESIDE,
        summary="What the presiding officer signs for the minutes",
    ),
    Route(
        "/sittings/<sitting:int>/minutes/signature",
        signing.post_minutes_signature,
        ("POST",),
        PRESIDE,
        idempotent=True,
        summary="Record the presiding officer's signature of the minutes",
    ),
    Route("/stenogram.json", stenogram.stenogram_json, summary="Stenogram search"),
    Route(
        "/sittings/<sitting:int>/speeches/<speech:int>/files/<kind>",
        stenogram.upload_speech_file,
        ("PUT",),
        MANAGE,
        idempotent=True,
        summary="Upload a speech's audio, video or transcript",
    ),
    Route("/files/<digest>", stenogram.stored_file, summary="A stored file (ranges answered)"),
    Route("/drafts.json", drafts.drafts_json, summary="Drafts (?q= number or title)"),
    Route(
        "/drafts", drafts.post_draft, ("POST",), MANAGE, idempotent=True, summary="Register a draft"
    ),
    Route("/drafts/<number>/record.json", drafts.draft_json, summary="A draft's record"),
    Route(
        "/drafts/<number>/readings",
        drafts.post_reading,
        ("POST",),
        MANAGE,
        idempotent=True,
        summary="Set a reading's status",
    ),
    Route(
        "/drafts/<number>/documents",
        drafts.put_document,
        ("PUT",),
        MANAGE,
        idempotent=True,
        summary="Upload a draft's document",
    ),
    Route(
        "/secretariat/sittings/<sitting:int>/speeches/<speech:int>/<kind>",
        secretariat.post_speech_file,
        ("POST",),
        MANAGE,
        summary="Upload a speech's file from the secretariat's form (multipart)",
    ),
    Route(
        "/secretariat/drafts/<number>/documents",
        secretariat.post_draft_document,
        ("POST",),
        MANAGE,
        summary="Upload a draft's document from the secretariat's form (multipart)",
    ),
)

ARCHIVE_PAGES: tuple[Page, ...] = (
    Page("/stenogram", stenogram.stenogram_page, N_("Stenogram"), nav="public", order=22),
    Page(
        "/stenogram/<sitting:int>",
        stenogram.sitting_stenogram_page,
        N_("Stenogram of a sitting"),
        nav=None,
    ),
    Page(
        "/stenogram/<sitting:int>/items/<item:int>",
        stenogram.item_stenogram_page,
        N_("Stenogram of an item"),
        nav=None,
    ),
    Page("/drafts", drafts.drafts_page, N_("Drafts"), nav="public", order=24),
    Page("/drafts/<number>", drafts.draft_page, N_("Draft"), nav=None),
    Page(
        "/secretariat",
        secretariat.secretariat_page,
        N_("Secretariat: uploads"),
        MANAGE,
        nav="work",
        order=22,
    ),
)
