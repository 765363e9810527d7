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

``BEGIN IMMEDIATE`` can fail where ``BEGIN`` could not: when another process
holds the write lock longer than the busy timeout (a long import). tortoise's
transaction context has by then taken its connection lock and set the
connection for the task, and would never undo them (its exit does not run when
entering fails), leaving every later query of the process waiting. The context
here undoes them and raises :class:`DatabaseBusyError`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import TransactionalDBClient
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections

from urna.errors import UrnaError

__all__ = ["DatabaseBusyError", "ImmediateSqliteClient", "client_class"]


class DatabaseBusyError(UrnaError):
    """Another process held SQLite's write lock past the busy timeout; nothing was
    written, and the same request can be sent again."""


class _ImmediateTransaction(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise DatabaseBusyError(
                f"the database is busy ({exc}): another process held its write lock "
                "longer than the busy timeout; nothing was written, try again"
            ) from None


class _ImmediateContext(SqliteTransactionContext):
    """tortoise's ``SqliteTransactionContext.__aenter__``, undoing its steps when BEGIN
    fails."""

    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
            try:
                await self.connection.begin()
            except BaseException:
                get_connections().reset(self.token)
                raise
        except BaseException:
            self._trxlock.release()
            raise
        connection: TransactionalDBClient = self.connection
        return connection


class ImmediateSqliteClient(SqliteClient):
    """The SQLite client whose transactions begin with ``BEGIN IMMEDIATE``."""

    def _in_transaction(self) -> Any:
        return _ImmediateContext(_ImmediateTransaction(self), self._lock)


client_class = ImmediateSqliteClient
