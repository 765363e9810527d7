"""The protocol write's hot statements, as parameterised SQL on tortoise's connection.

``protocols.write_batch`` runs these once per batch of protocols. Written
through the ORM, building each query (filters, Q objects, pypika) cost more
CPU than SQLite took to run it; here they are fixed strings with ``?``
placeholders (``$1``... on PostgreSQL), and only the number of placeholders in
an ``IN (...)`` list varies. Values are always passed as parameters, never
formatted into the text. The column names are those of ``models`` and its
migrations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from urna_elections import models


def connection() -> BaseDBAsyncClient:
    """The elections app's connection: the current transaction's, inside one."""
    return models.Protocol._meta.db


def _dialect(db: BaseDBAsyncClient, query: str) -> str:
    if db.capabilities.dialect != "postgres":
        return query
    parts = query.split("?")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], start=1)) + parts[-1]


def _marks(count: int) -> str:
    return ", ".join("?" * count)


async def fetch(db: BaseDBAsyncClient, query: str, values: Sequence[Any]) -> list[Any]:
    """Rows (indexable by position) of a query written with ``?`` placeholders."""
    _, rows = await db.execute_query(_dialect(db, query), list(values))
    return list(rows)


async def execute(db: BaseDBAsyncClient, query: str, values: Sequence[Any]) -> int:
    changed, _ = await db.execute_query(_dialect(db, query), list(values))
    return int(changed)


async def execute_many(db: BaseDBAsyncClient, query: str, rows: list[list[Any]]) -> None:
    if len(rows) == 1:
        await db.execute_query(_dialect(db, query), rows[0])
    else:
        await db.execute_many(_dialect(db, query), rows)


async def election_status(db: BaseDBAsyncClient, election_id: int) -> str | None:
    """The election's status, its row locked until commit on PostgreSQL (``FOR UPDATE``;
    SQLite has no row locks, its writes are serial anyway)."""
    query = "SELECT status FROM elections_election WHERE id = ?"
    if db.capabilities.dialect == "postgres":
        query += " FOR UPDATE"
    rows = await fetch(db, query, [election_id])
    return str(rows[0][0]) if rows else None


def counted(digests: int, precincts: int) -> str:
    """Protocols already recorded with one of these digests, or current for one of these
    precincts (parameters: election id, the digests, election id, the precincts, True).
    The election in each branch, so that each uses its unique index (SQLite answers the
    OR with two index lookups instead of a scan)."""
    return (
        "SELECT id, precinct_code, digest, version, seq, current FROM elections_protocol "  # noqa: S608 (only placeholders are formatted in)
        f"WHERE (election_id = ? AND digest IN ({_marks(digests)})) "
        f"OR (election_id = ? AND precinct_code IN ({_marks(precincts)}) AND current = ?)"
    )


def decisive_counts(precincts: int) -> str:
    """Members with a decisive vote per precinct (index ``(election_id, commission_code)``).
    Parameters: election id, the precincts, True."""
    return (
        "SELECT commission_code, COUNT(*) FROM elections_member "  # noqa: S608 (only placeholders)
        f"WHERE election_id = ? AND commission_code IN ({_marks(precincts)}) AND decisive = ? "
        "GROUP BY commission_code"
    )


def supersede(count: int) -> str:
    """Parameters: False, the ids of the rows no longer current."""
    return f"UPDATE elections_protocol SET current = ? WHERE id IN ({_marks(count)})"  # noqa: S608 (only placeholders)


INSERT_PROTOCOL = (
    "INSERT INTO elections_protocol (election_id, precinct_code, digest, doc, signatures, "
    "source, current, version, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


async def repeatable_read(db: BaseDBAsyncClient) -> None:
    """Make the transaction just begun read one snapshot (PostgreSQL's default reads each
    statement's own; SQLite's read transaction is one snapshot already)."""
    if db.capabilities.dialect == "postgres":
        await db.execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


async def last_commission(db: BaseDBAsyncClient, election_id: int) -> int:
    """The highest commission row id of the election (-1 before it has one)."""
    rows = await fetch(
        db, "SELECT MAX(id) FROM elections_commission WHERE election_id = ?", [election_id]
    )
    return -1 if not rows or rows[0][0] is None else int(rows[0][0])


# Rows recorded by the events after a seq, up to a head (parameters: election id, after,
# head); index ``(election_id, seq)``. Protocol rows in the order they were recorded.
PROTOCOLS_SINCE = (
    "SELECT precinct_code, digest, doc, seq FROM elections_protocol "
    "WHERE election_id = ? AND seq > ? AND seq <= ? ORDER BY seq, version"
)
TURNOUT_SINCE = (
    "SELECT precinct_code, hour, voters FROM elections_turnout "
    "WHERE election_id = ? AND seq > ? AND seq <= ?"
)
