"""Searching the stenogram: by member, by matter (title or draft number), and the full text
of transcripts.

Full text runs on the database's own index (migration 0002): SQLite's FTS5 (tokenizer
``unicode61``, case and diacritics folded, so ``sahə`` finds ``Sahə`` and ``Məcəllə``
finds ``məcəllə``) or PostgreSQL's text search with the ``simple`` configuration (no
language's stemming: PostgreSQL has no Azerbaijani dictionary, and one configuration
serves az, en and ru alike). The words of a query must all occur (in any order); a word
is matched as a prefix on SQLite and whole on PostgreSQL. Values are always passed as
parameters, never formatted into the SQL.
"""

from __future__ import annotations

import re
from typing import Any

import attrs
from tortoise.backends.base.client import BaseDBAsyncClient
from urna.api import ApiError

from urna_parliament.models import Member, SpeechRecord, Transcript

MAX_TERM = 200
MAX_RESULTS = 1000
WORD = re.compile(r"\w+", re.UNICODE)
MARK_START, MARK_END = "\x02", "\x03"
"""Where a snippet's matched words begin and end; the page escapes the text, then marks."""

SQLITE_QUERY = (
    "SELECT t.sitting, t.speech, snippet(parliament_transcript_fts, 0, ?, ?, '…', 16) "
    "FROM parliament_transcript_fts JOIN parliament_transcript t "
    "ON t.id = parliament_transcript_fts.rowid "
    "WHERE parliament_transcript_fts MATCH ? ORDER BY bm25(parliament_transcript_fts) LIMIT ?"
)
POSTGRES_QUERY = (
    "SELECT sitting, speech, ts_headline('simple', text, q, $3) "
    "FROM (SELECT sitting, speech, text, q, ts_rank(to_tsvector('simple', text), q) AS rank "
    "FROM parliament_transcript, plainto_tsquery('simple', $1) AS q "
    "WHERE to_tsvector('simple', text) @@ q ORDER BY rank DESC LIMIT $2) AS found "
    "ORDER BY rank DESC"
)
HEADLINE = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=24, MinWords=8, MaxFragments=1"


@attrs.frozen(slots=True)
class Found:
    """A search's speeches, in order, with a full-text snippet where the text matched."""

    speeches: list[SpeechRecord]
    snippets: dict[tuple[int, int], str]


def _term(value: str, name: str) -> str:
    value = value.strip()
    if len(value) > MAX_TERM:
        raise ApiError(422, f"{name} must be at most {MAX_TERM} characters")
    return value


async def search_speeches(member: str = "", matter: str = "", text: str = "") -> Found:
    """Speeches by a member (id or part of a name), on a matter (part of a title or a draft
    number) whose transcript holds all the words of ``text``; each filter only if given."""
    member, matter, text = _term(member, "member"), _term(matter, "matter"), _term(text, "q")
    query = SpeechRecord.all()
    snippets: dict[tuple[int, int], str] = {}
    if text:
        snippets = await full_text(text)
        if not snippets:
            return Found([], {})
        by_sitting: dict[int, list[int]] = {}
        for sitting, speech in snippets:
            by_sitting.setdefault(sitting, []).append(speech)
        ids: list[Any] = []
        for sitting, numbers in by_sitting.items():
            ids += await SpeechRecord.filter(sitting=sitting, speech__in=numbers).values_list(
                "id", flat=True
            )
        query = query.filter(id__in=ids)
    if member:
        members = await Member.filter(name__icontains=member).values_list("member", flat=True)
        query = (
            query.filter(member__in=[member, *members])
            if members
            else query.filter(speaker__icontains=member)
        )
    if matter:
        by_title = await query.filter(matter__icontains=matter).values_list("id", flat=True)
        by_number = await query.filter(draft_number__icontains=matter).values_list("id", flat=True)
        query = SpeechRecord.filter(id__in=[*by_title, *by_number])
    speeches = list(await query.order_by("sitting", "speech").limit(MAX_RESULTS))
    return Found(speeches, snippets)


def connection() -> BaseDBAsyncClient:
    db: BaseDBAsyncClient = Transcript._meta.db
    return db


async def full_text(text: str, limit: int = MAX_RESULTS) -> dict[tuple[int, int], str]:
    """(sitting, speech) -> a snippet with the matched words marked, best match first."""
    words = WORD.findall(text)
    if not words:
        return {}
    db = connection()
    if db.capabilities.dialect == "postgres":
        _, rows = await db.execute_query(POSTGRES_QUERY, [" ".join(words), limit, HEADLINE])
    else:
        # Each word quoted (FTS5 syntax is not the visitor's to write), as a prefix.
        match = " ".join('"' + word.replace('"', "") + '"*' for word in words)
        _, rows = await db.execute_query(SQLITE_QUERY, [MARK_START, MARK_END, match, limit])
    return {(int(row[0]), int(row[1])): str(row[2]) for row in rows}
