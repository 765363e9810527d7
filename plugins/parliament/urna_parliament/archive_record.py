"""The secretariat's archive in the record: speeches' files, drafts, their readings and
documents. Pure code: the event types ``urna verify`` validates.

A file enters the record by its BLAKE2b-256 digest (plain, unkeyed: ``b2sum -l 256``
reproduces it) and size; the bytes live outside the ledger under the data directory
(``media.py``). Speeches' files are recorded in ``parliament-stenogram``, drafts in
``parliament-drafts``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from urna.record.event_types import EventType, require_fields

from urna_parliament.record import READINGS, hex_field, number, text

STENOGRAM_SCOPE = "parliament-stenogram"
DRAFTS_SCOPE = "parliament-drafts"
DIGEST = re.compile(r"^[0-9a-f]{64}$")
DRAFT_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.-]{0,49}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_FILE_BYTES = 2**40
SPEECH_FILE_TYPES: Mapping[str, tuple[str, ...]] = {
    "audio": ("audio/ogg", "audio/mpeg", "audio/webm", "audio/mp4", "audio/wav"),
    "video": ("video/webm", "video/mp4", "video/ogg"),
    "transcript": ("text/plain",),
}
"""What each kind of a speech's file may be. A transcript is UTF-8 text: it is searched."""
DOCUMENT_TYPES = (
    "application/pdf",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
)
"""What a draft's document may be."""
READING_STATUSES = ("scheduled", "adopted", "rejected", "withdrawn", "returned")
"""A reading's status: on the agenda, adopted, not adopted, withdrawn by its initiator, or
returned (to the committee, or by the President)."""


def draft_number(value: Any) -> str:
    if not isinstance(value, str) or not DRAFT_NUMBER.fullmatch(value):
        raise ValueError(
            f"draft number {value!r:.60} must be 1..50 letters, digits, dots and hyphens"
        )
    return value


def file_fields(p: Mapping[str, Any], media_types: tuple[str, ...]) -> None:
    """A stored file's digest, size, type and name."""
    hex_field(p["digest"], DIGEST, "digest")
    number(p["size"], "size", 1, MAX_FILE_BYTES)
    if p["media_type"] not in media_types:
        raise ValueError(
            f"media type {p['media_type']!r:.80} is not one of {', '.join(media_types)}"
        )
    text(p["filename"], "file name", limit=200)
    if "/" in p["filename"] or "\\" in p["filename"]:
        raise ValueError("file name must not contain a path")


FILE_FIELDS = {"digest": str, "size": int, "media_type": str, "filename": str}


def _speech_file_attached(p: Mapping[str, Any]) -> None:
    require_fields(p, {"sitting": int, "speech": int, "kind": str, **FILE_FIELDS})
    number(p["sitting"], "sitting")
    number(p["speech"], "speech")
    if p["kind"] not in SPEECH_FILE_TYPES:
        raise ValueError(f"kind must be one of {', '.join(SPEECH_FILE_TYPES)}")
    file_fields(p, SPEECH_FILE_TYPES[p["kind"]])


def _draft_registered(p: Mapping[str, Any]) -> None:
    require_fields(p, {"draft": str, "title": str, "initiator": str, "registered": str})
    draft_number(p["draft"])
    text(p["title"], "title")
    text(p["initiator"], "initiator", empty=True, limit=200)
    date(p["registered"], "registered")


def _draft_reading_set(p: Mapping[str, Any]) -> None:
    require_fields(
        p, {"draft": str, "reading": str, "status": str, "date": str, "sitting": (int, type(None))}
    )
    draft_number(p["draft"])
    if p["reading"] not in READINGS or not p["reading"]:
        raise ValueError(f"reading must be one of {', '.join(r for r in READINGS if r)}")
    if p["status"] not in READING_STATUSES:
        raise ValueError(f"status must be one of {', '.join(READING_STATUSES)}")
    date(p["date"], "date")
    if p["sitting"] is not None:
        number(p["sitting"], "sitting")


def _draft_document_attached(p: Mapping[str, Any]) -> None:
    require_fields(p, {"draft": str, "document": int, "title": str, **FILE_FIELDS})
    draft_number(p["draft"])
    number(p["document"], "document")
    text(p["title"], "title")
    file_fields(p, DOCUMENT_TYPES)


def date(value: str, name: str) -> str:
    """An ISO calendar date (``2026-03-10``)."""
    try:
        if not DATE.fullmatch(value):
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a date YYYY-MM-DD, not {value!r:.40}") from None
    return value


ARCHIVE_EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        "parliament.speech_file_attached",
        "A speech's audio, video or transcript file, by digest and size.",
        _speech_file_attached,
    ),
    EventType(
        "parliament.draft_registered",
        "A draft law or resolution registered: number, title, initiator, date.",
        _draft_registered,
    ),
    EventType(
        "parliament.draft_reading_set",
        "The status of a draft's reading (I, II, III), with its date and sitting.",
        _draft_reading_set,
    ),
    EventType(
        "parliament.draft_document_attached",
        "A document of a draft, by digest and size.",
        _draft_document_attached,
    ),
)
