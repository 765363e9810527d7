"""tortoise's SQLite engine, with write transactions that take SQLite's write lock at BEGIN.

tortoise starts transactions with a plain (deferred) ``BEGIN``: the transaction
reads from a snapshot and asks for the write lock at its first write. When
another process committed in between, SQLite cannot upgrade that snapshot and
fails at once with ``database is locked`` (SQLITE_BUSY_SNAPSHOT), without
waiting out the busy timeout. Every transaction Urna opens writes, so it starts
them with ``BEGIN IMMEDIATE``: the write lock is taken first (waiting up to the
busy timeout for another process to commit), and the reads that follow see the
latest commit. This is what lets several ``urna serve`` workers share one
SQLite file (``docs/architecture.md``, Database).
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError

__all__ = ["ImmediateSqliteClient", "client_class"]


class _ImmediateTransaction(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    """The SQLite client whose transactions begin with ``BEGIN IMMEDIATE``."""

    def _in_transaction(self) -> SqliteTransactionContext:
        return SqliteTransactionContext(_ImmediateTransaction(self), self._lock)


client_class = ImmediateSqliteClient
