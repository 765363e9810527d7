"""tortoise's asyncpg engine, for a primary with standbys: several hosts, and a lost
server answered as "unavailable, try again".

tortoise's asyncpg client connects to one ``host`` and ``port`` (it makes the
port an ``int``); asyncpg itself takes a list of each and, with
``target_session_attrs``, keeps the first host that matches (``read-write``:
the primary). The client here hands asyncpg the lists from the database URL
(:mod:`urna.shell.pg_url`). asyncpg's pool opens a new connection in place of
one found closed, so after the standby is promoted the next transaction
connects to it: Urna needs no restart.

A transaction whose server died (``kill -9``, a crash, a failover) fails with a
connection error that tortoise passes on untranslated, and the request would
answer 500. Here every such error becomes :class:`DatabaseUnavailableError`,
which the HTTP layer answers 503 with ``Retry-After``. It is never an
acknowledgement: when the connection is lost during ``COMMIT``, the commit may
or may not stand (on a primary with ``synchronous_commit=on`` and a
synchronous standby, it stands only if the standby has it), so the client
sends the same request again and Urna's idempotent writes answer it once.

tortoise's transaction context, like its SQLite one, takes a pool connection
and never gives it back when ``BEGIN`` fails (its exit does not run when
entering fails): after a handful of failed BEGINs during a failover the pool
would be empty for good. The context here gives the connection back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import (
    NestedTransactionContext,
    PoolConnectionWrapper,
    TransactionalDBClient,
    TransactionContext,
    TransactionContextPooled,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

from urna.errors import UrnaError

__all__ = ["CONNECTION_LOST", "DatabaseUnavailableError", "MultiHostClient", "client_class"]

log = logging.getLogger(__name__)
CLOSING_CHECKS = 20
CLOSING_CHECK_SECONDS = 0.005

CONNECTION_LOST = (
    OSError,  # refused, reset, timed out: no server at this address now
    asyncpg.PostgresConnectionError,  # 08xxx, and the connection closed mid-query
    asyncpg.exceptions.OperatorInterventionError,  # 57xxx: shutting down, starting up
    asyncpg.exceptions.TargetServerAttributeNotMatched,  # no host is the primary (yet)
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a standby, not yet promoted
)


class DatabaseUnavailableError(UrnaError):
    """The database server was lost or is failing over: this request's writes were not
    acknowledged, and the same request can be sent again."""


def _unavailable(exc: BaseException) -> DatabaseUnavailableError:
    # The cause (which server, why) is for the operator's log, not for the client.
    log.warning("the database is unavailable: %s: %s", type(exc).__name__, exc)
    return DatabaseUnavailableError(
        "the database is unavailable (a server lost or failing over); "
        "nothing was acknowledged, send the same request again"
    )


@contextlib.contextmanager
def unavailable_on_connection_loss() -> Iterator[None]:
    try:
        yield
    except CONNECTION_LOST as exc:
        raise _unavailable(exc) from exc


def _closed(connection: Any) -> bool:
    """Closed, or already given back to its pool (asyncpg does that when it closes)."""
    try:
        closed: bool = connection.is_closed()
    except asyncpg.InterfaceError:  # "connection has been released back to the pool"
        return True
    return closed


async def _raise_if_closing(connection: Any, exc: BaseException) -> None:
    """A server whose postmaster died sends each idle connection a FATAL message and then
    closes it; asyncpg reads the message a moment before the socket's end, and a query
    sent in between fails with ``InternalClientError`` (another operation in progress) on
    a connection about to close. That is a lost server too; any other is a bug."""
    if isinstance(exc, asyncpg.exceptions.InternalClientError):
        for _ in range(CLOSING_CHECKS):
            if _closed(connection):
                raise _unavailable(exc) from exc
            await asyncio.sleep(CLOSING_CHECK_SECONDS)


async def _release(pool: asyncpg.Pool, connection: Any) -> None:
    """Give a connection back; asyncpg resets it first (a query) and, when that fails,
    terminates it (its holder is free again) and raises: a connection lost."""
    try:
        await pool.release(connection)
    except Exception as exc:
        raise _unavailable(exc) from exc


class _PooledConnection(PoolConnectionWrapper[asyncpg.Connection]):
    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            await _raise_if_closing(self.connection, exc_val)
        finally:
            await _release(self.client._pool, self.connection)


class _Transaction(TransactionWrapper):
    @contextlib.asynccontextmanager
    async def _unavailable_when_lost(self) -> AsyncIterator[None]:
        with unavailable_on_connection_loss():
            try:
                yield
            except Exception as exc:
                await _raise_if_closing(self._connection, exc)
                raise

    async def _translate_exceptions(self, func: Any, *args: Any, **kwargs: Any) -> Exception:
        async with self._unavailable_when_lost():
            return await super()._translate_exceptions(func, *args, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(_Transaction(self))

    async def commit(self) -> None:
        async with self._unavailable_when_lost():
            await super().commit()

    async def rollback(self) -> None:
        if _closed(self._connection):  # the lost server took the transaction with it
            self._finalized = True
            return
        async with self._unavailable_when_lost():
            await super().rollback()


class _TransactionContext(TransactionContextPooled):
    """tortoise's pooled transaction context, giving the connection back when ``BEGIN``
    fails, and answering a lost connection when giving it back fails."""

    async def __aenter__(self) -> TransactionalDBClient:
        with unavailable_on_connection_loss():
            await self.ensure_connection()
            pool = self.client._parent._pool
            self.client._connection = await pool.acquire()
        self.token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException:
            get_connections().reset(self.token)
            await _release(pool, self.client._connection)
            raise
        return self.client

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        """tortoise's, with the release of :func:`_release`."""
        try:
            if not self.client._finalized:
                if exc_type is None:
                    await self.client.commit()
                elif exc_type is not TransactionManagementError:
                    await self.client.rollback()
        finally:
            get_connections().reset(self.token)
            await _release(self.client._parent._pool, self.client._connection)


class MultiHostClient(AsyncpgDBClient):
    """tortoise's asyncpg client, connecting to the first of ``hosts``/``ports`` that
    matches ``target_session_attrs`` (passed on to asyncpg as it is). ``host`` and
    ``port`` name the first, for what reads one address only."""

    def __init__(self, *, hosts: list[str], ports: list[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hosts = hosts
        self.ports = ports

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        kwargs.update(host=self.hosts, port=self.ports)
        with unavailable_on_connection_loss():
            return await super().create_pool(**kwargs)

    async def _translate_exceptions(self, func: Any, *args: Any, **kwargs: Any) -> Exception:
        with unavailable_on_connection_loss():
            return await super()._translate_exceptions(func, *args, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return _TransactionContext(_Transaction(self), self._pool_init_lock)

    def acquire_connection(self) -> PoolConnectionWrapper[asyncpg.Connection]:
        return _PooledConnection(self, self._pool_init_lock)


client_class = MultiHostClient
