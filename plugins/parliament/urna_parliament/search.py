"""Searching the stenogram: by member, by matter (title or draft number), and the full text
of transcripts.

Full text runs on the database's own index (migration 0002): SQLite's FTS5 (tokenizer
``unicode61``: case folded, and diacritics such as ş, ç, ö, ü, ğ too, so ``gomruk`` finds
``gömrük``; ə and ı are letters of their own) or PostgreSQL's text search with the
``simple`` configuration (a stored ``tsvector`` column under a GIN index; no language's
stemming: PostgreSQL has no Azerbaijani dictionary, and one configuration serves az, en
and ru alike; diacritics are kept). The words of a query must all occur, in any order; a
word is matched as a prefix on SQLite and whole on PostgreSQL. Alone, a full-text search
answers its 100 best matches by rank (FTS5's bm25, PostgreSQL's ts_rank). Values are
always passed as parameters, never formatted into the SQL.
"""

from __future__ import annotations

import re

import attrs
from tortoise.backends.base.client import BaseDBAsyncClient
from urna.api import ApiError

from urna_parliament.models import Member, SpeechRecord, Transcript

MAX_TERM = 200
MAX_RESULTS = 1000
WORD = re.compile(r"\w+")
MARK_START, MARK_END = "\x02", "\x03"
"""Where a snippet's matched words begin and end; the page escapes the text, then marks."""

SQLITE_QUERY = (
    "SELECT s.id, snippet(parliament_transcript_fts, 0, ?, ?, '…', 16) "
    "FROM parliament_transcript_fts "
    "JOIN parliament_transcript t ON t.id = parliament_transcript_fts.rowid "
    "JOIN parliament_speech s ON s.sitting = t.sitting AND s.speech = t.speech "
    "WHERE parliament_transcript_fts MATCH ? ORDER BY parliament_transcript_fts.rank LIMIT ?"
)
POSTGRES_QUERY = (
    "SELECT s.id, t.text "
    "FROM (SELECT sitting, speech, text, ts_rank(search, q) AS rank "
    "FROM parliament_transcript, plainto_tsquery('simple', $1) AS q "
    "WHERE search @@ q ORDER BY rank DESC LIMIT $2) AS t "
    "JOIN parliament_speech s ON s.sitting = t.sitting AND s.speech = t.speech "
    "ORDER BY t.rank DESC"
)
EXCERPT_CHARS = 200
"""About how much of a transcript an excerpt shows around its first match."""
BEST = 100
"""How many of the best full-text matches a search answers when it filters by nothing else."""


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
        # Alone, the best matches by rank; with other filters, all (up to the maximum), so
        # that a member's speech ranked lower is not lost before the filter.
        found = await full_text(text, BEST if not (member or matter) else MAX_RESULTS)
        if not found:
            return Found([], {})
        query = query.filter(id__in=list(found))
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
    if text:
        snippets = {(s.sitting, s.speech): found[s.id] for s in speeches}
    return Found(speeches, snippets)


def connection() -> BaseDBAsyncClient:
    db: BaseDBAsyncClient = Transcript._meta.db
    return db


async def full_text(text: str, limit: int) -> dict[int, str]:
    """The best ``limit`` speeches whose transcript holds every word of ``text``: the speech
    row's id -> a snippet with the matched words marked, best match first."""
    words = WORD.findall(text)
    if not words:
        return {}
    db = connection()
    if db.capabilities.dialect == "postgres":
        _, rows = await db.execute_query(POSTGRES_QUERY, [" ".join(words), limit])
        # The excerpt is cut here: ts_headline re-parses each text and cost ten times the
        # query itself; PostgreSQL matched whole words, case folded, as this pattern does.
        whole = "|".join(rf"(?<!\w){re.escape(word)}(?!\w)" for word in words)
        pattern = re.compile(whole, re.IGNORECASE)
        return {int(row[0]): excerpt(str(row[1]), pattern) for row in rows}
    else:
        # Each word quoted (FTS5 syntax is not the visitor's to write), as a prefix.
        match = " ".join('"' + word.replace('"', "") + '"*' for word in words)
        _, rows = await db.execute_query(SQLITE_QUERY, [MARK_START, MARK_END, match, limit])
    return {int(row[0]): str(row[1]) for row in rows}


def excerpt(text: str, pattern: re.Pattern[str]) -> str:
    """Some of ``text`` around the first match of ``pattern``, every match in it marked."""
    first = pattern.search(text)
    start = 0 if first is None else max(0, first.start() - EXCERPT_CHARS // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + EXCERPT_CHARS)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    shown = pattern.sub(lambda m: f"{MARK_START}{m.group(0)}{MARK_END}", text[start:end])
    return ("…" if start else "") + shown.strip() + ("…" if end < len(text) else "")
