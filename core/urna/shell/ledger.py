"""The ledger store: appends signed events inside the caller's database transaction.

``async with ledger.transaction():`` wraps an append and the domain-table
updates it implies, so both commit or neither does. Listeners hear of an
event (``urna_on_event_committed``) only after its transaction commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tortoise.transactions import in_transaction

from urna.crypto.signing import SigningKey
from urna.errors import UrnaError
from urna.record.bundle import bundle_files, canonical_tar, write_bundle
from urna.record.canonical import canonical_bytes
from urna.record.errors import RecordError
from urna.record.event import GENESIS_PREV, SCOPE_PATTERN, Event, sign_event
from urna.record.event_types import APPLIANCE_ROLE, EventType
from urna.shell.db import current_connection, in_dialect
from urna.shell.models import LedgerEvent, LedgerHead, RegisteredSigner

Clock = Callable[[], datetime.datetime]
T = TypeVar("T")
_Checked = tuple[str, dict[str, Any], str]
"""``(type, payload, canonical payload text)`` of an item that passed ``_validate``."""
MAX_BATCH = 64
_pending: contextvars.ContextVar[list[Event] | None] = contextvars.ContextVar(
    "urna_pending_events", default=None
)


class LedgerError(UrnaError, ValueError):
    """An append was refused; the message names what is wrong. Nothing was appended."""


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def format_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Ledger:
    """Append-only, per-scope event chains signed by the appliance key."""

    def __init__(
        self,
        key: SigningKey,
        event_types: Mapping[str, EventType],
        on_committed: Callable[[Event], None],
        clock: Clock = utc_now,
        *,
        group_commit: bool = False,
    ) -> None:
        self._key = key
        self._event_types = event_types
        self._on_committed = on_committed
        self._clock = clock
        self._group_commit = group_commit
        self._queue: list[tuple[Callable[[], Awaitable[Any]], asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._heads: dict[str, tuple[int, str]] = {}

    @property
    def public_key(self) -> str:
        return self._key.verify_key.hex()

    async def run(self, unit: Callable[[], Awaitable[T]]) -> T:
        """Run ``unit`` (appends and domain writes) durably, committed with its neighbours.

        Group commit: units submitted while a commit is in flight are run one
        after another inside one transaction, each in its own savepoint, and
        committed together. A unit that raises rolls back only its own
        savepoint and its caller gets the exception; the others commit. Every
        caller is answered only after the commit that holds its writes, so
        durability is that of ``synchronous=FULL``, at one fsync per batch
        instead of one per write. Used on SQLite, whose writes are serial anyway;
        on PostgreSQL each unit gets its own transaction.
        """
        if _pending.get() is not None:
            # Already inside a transaction: the unit joins it (queueing would deadlock).
            return await unit()
        if not self._group_commit:
            # PostgreSQL commits concurrent transactions in parallel: batching only serialises.
            async with self.transaction():
                return await unit()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.append((unit, future))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_batches())
        result: T = await future
        return result

    async def _write_batches(self) -> None:
        while self._queue:
            batch = self._queue[:MAX_BATCH]
            del self._queue[:MAX_BATCH]
            outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
            try:
                async with self.transaction():
                    for unit, future in batch:
                        try:
                            async with self.transaction():
                                outcomes.append((future, await unit(), None))
                        except Exception as exc:
                            outcomes.append((future, None, exc))
            except BaseException as exc:  # the commit failed or was cancelled: no write stands
                failure = exc if isinstance(exc, Exception) else LedgerError("write cancelled")
                for _, future in batch:
                    if not future.done():
                        future.set_exception(failure)
                if not isinstance(exc, Exception):
                    raise
                continue
            for future, value, error in outcomes:
                if future.done():
                    continue
                if error is None:
                    future.set_result(value)
                else:
                    future.set_exception(error)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One database transaction for appends and domain writes; notify after commit."""
        pending = _pending.get()
        if pending is not None:
            mark = len(pending)
            try:
                async with in_transaction():
                    yield
            except BaseException:
                del pending[mark:]
                raise
            return
        collected: list[Event] = []
        token = _pending.set(collected)
        try:
            async with in_transaction():
                yield
        finally:
            _pending.reset(token)
        for event in collected:
            self._on_committed(event)

    async def append(self, scope: str, type: str, payload: dict[str, Any]) -> Event:
        """Validate, sign and store the next event of ``scope``.

        Opens the scope (registering the appliance key as its first event) if
        it has no events yet. Raises ``LedgerError`` naming the problem, in
        which case nothing is appended.
        """
        return (await self.append_many(scope, [(type, payload)]))[0]

    async def append_many(
        self, scope: str, items: Sequence[tuple[str, dict[str, Any]]]
    ) -> list[Event]:
        """Append ``(type, payload)`` items to ``scope`` as consecutive events, all or none.

        The same as calling :meth:`append` for each, in one transaction, at the
        cost of one: every payload is validated before anything is written, the
        head row is moved once and the events are inserted in one statement.
        """
        checked = [(type, payload, self._validate(scope, type, payload)) for type, payload in items]
        if not checked:
            return []
        async with self.transaction():
            events = await self._chain(scope, checked)
            await self._store(events, [text for _, _, text in checked])
            return events[len(events) - len(checked) :]

    async def register_signer(self, scope: str, key: str, role: str, name: str) -> Event:
        """Register an actor's public key (validated: no small- or mixed-order keys)."""
        return await self.append(
            scope, "core.signer_registered", {"key": key, "role": role, "name": name}
        )

    async def events(self, scope: str, *, after: int = -1) -> list[Event]:
        rows = await LedgerEvent.filter(scope=scope, seq__gt=after).order_by("seq")
        return [_row_to_event(row) for row in rows]

    async def head(self, scope: str) -> tuple[int, str] | None:
        """``(seq, hash)`` of the scope's last event; None while it has none (a head row
        locked by :meth:`lock_head` and committed without an append holds seq -1)."""
        row = await LedgerHead.get_or_none(scope=scope)
        return None if row is None or row.seq < 0 else (row.seq, row.hash)

    async def scopes(self) -> list[LedgerHead]:
        return await LedgerHead.filter(seq__gte=0).order_by("scope")

    async def export(self, scope: str, directory: Path) -> Path:
        """Write the bundle of ``scope`` to ``directory`` and ``directory``.tar."""
        files = await self.bundle_files(scope)
        write_bundle(directory, files)
        tar_path = directory.with_name(directory.name + ".tar")
        tar_path.write_bytes(canonical_tar(files))
        return tar_path

    async def bundle_files(self, scope: str) -> dict[str, bytes]:
        """The files of the scope's bundle, with a manifest signed now."""
        events = await self.events(scope)
        if not events:
            raise LedgerError(f"scope {scope!r} has no events")
        return bundle_files(events, key=self._key, time=format_time(self._clock()))

    def _validate(self, scope: str, type: str, payload: dict[str, Any]) -> str:
        """Check an item before anything is signed; answer its payload's canonical text."""
        if not isinstance(scope, str) or not SCOPE_PATTERN.fullmatch(scope):
            raise LedgerError(f"scope {scope!r} must match {SCOPE_PATTERN.pattern}")
        event_type = self._event_types.get(type)
        if event_type is None:
            raise LedgerError(f"unknown event type {type!r}")
        if not isinstance(payload, dict):
            raise LedgerError(f"{type} payload must be a JSON object")
        try:
            text = canonical_bytes(payload).decode("utf-8")
            event_type.validate(payload)
        except (ValueError, RecordError) as exc:
            raise LedgerError(f"{type} payload rejected: {exc}") from None
        return text

    def _sign(
        self,
        scope: str,
        seq: int,
        prev: str,
        type: str,
        payload: dict[str, Any],
        payload_text: str | None = None,
    ) -> Event:
        return sign_event(
            scope=scope,
            seq=seq,
            prev=prev,
            time=format_time(self._clock()),
            type=type,
            payload=payload,
            key=self._key,
            payload_text=payload_text,
        )

    async def _chain(self, scope: str, items: Sequence[_Checked]) -> list[Event]:
        """Sign the items after the scope's head and move the head past them.

        The head this process last wrote or read is a hint, never trusted: the
        head row is moved only if it still holds that hint (compare and set,
        which also locks the row until commit). When another process or a
        rolled-back transaction moved it, the row is read under lock and the
        items signed again after the real head. One statement in the usual case.
        """
        hint = self._heads.get(scope)
        if hint is not None:
            events = self._sign_after(scope, hint, items)
            if await self._move_head(scope, events[-1], expected=hint):
                return events
        seq, prev = await self.lock_head(scope)
        events = []
        if seq < 0:
            genesis = self._sign(
                scope,
                0,
                GENESIS_PREV,
                "core.signer_registered",
                {"key": self.public_key, "role": APPLIANCE_ROLE, "name": "appliance"},
            )
            events.append(genesis)
            seq, prev = 0, genesis.hash().hex()
        events += self._sign_after(scope, (seq, prev), items)
        await self._move_head(scope, events[-1], expected=None)
        return events

    def _sign_after(
        self, scope: str, head: tuple[int, str], items: Sequence[_Checked]
    ) -> list[Event]:
        seq, prev = head
        events = []
        for type, payload, text in items:
            seq += 1
            event = self._sign(scope, seq, prev, type, payload, text)
            prev = event.hash().hex()
            events.append(event)
        return events

    async def lock_head(self, scope: str) -> tuple[int, str]:
        """Create the scope's head row if missing, lock it for this transaction and answer
        ``(seq, hash)`` (-1 for a scope with no event yet). A service that reads the
        scope, decides, then appends holds this lock so no other append comes between."""
        await _execute(
            "INSERT INTO urna_ledger_head (scope, seq, hash) VALUES (?, -1, ?) "
            "ON CONFLICT (scope) DO NOTHING",
            [scope, GENESIS_PREV],
        )
        head = await LedgerHead.select_for_update().get(scope=scope)
        if head.seq >= 0:
            self._heads[scope] = (head.seq, head.hash)  # the next append signs after it
        return head.seq, head.hash

    async def _move_head(
        self, scope: str, last: Event, *, expected: tuple[int, str] | None
    ) -> bool:
        """Point the head at ``last``; with ``expected``, only if the row still holds it."""
        digest = last.hash().hex()
        query = "UPDATE urna_ledger_head SET seq = ?, hash = ? WHERE scope = ?"
        values: list[Any] = [last.seq, digest, scope]
        if expected is not None:
            query += " AND seq = ? AND hash = ?"
            values += list(expected)
        changed = await _execute(query, values)
        if changed != 1:
            self._heads.pop(scope, None)
            if expected is None:
                raise LedgerError(f"the head of scope {scope} could not be moved")
            return False
        # A hint for the next append; if this transaction rolls back, the next compare fails.
        self._heads[scope] = (last.seq, digest)
        return True

    async def _store(self, events: list[Event], texts: list[str]) -> None:
        """Insert the events (the head is already moved), then register signers they name.

        ``texts`` are the canonical payloads of the last events (computed when they were
        validated); a genesis event before them is encoded here.
        """
        offset = len(events) - len(texts)
        rows = [
            [
                e.scope,
                e.seq,
                e.prev,
                e.hash().hex(),
                e.time,
                e.type,
                texts[i - offset] if i >= offset else canonical_bytes(e.payload).decode("utf-8"),
                e.signer,
                e.sig,
            ]
            for i, e in enumerate(events)
        ]
        query = (
            "INSERT INTO urna_ledger_event (scope, seq, prev, hash, time, type, payload, "
            "signer, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        connection = current_connection()
        if len(rows) == 1:
            await connection.execute_query(in_dialect(connection, query), rows[0])
        else:
            await connection.execute_many(in_dialect(connection, query), rows)
        for event in events:
            if event.type == "core.signer_registered":
                await self._register(event)
        pending = _pending.get()
        if pending is not None:
            pending.extend(events)

    async def _register(self, event: Event) -> None:
        key = event.payload["key"]
        if await RegisteredSigner.exists(scope=event.scope, key=key):
            raise LedgerError(f"key {key} is already registered in scope {event.scope}")
        await RegisteredSigner.create(
            scope=event.scope, key=key, role=event.payload["role"], seq=event.seq
        )


async def _execute(query: str, values: list[Any]) -> int:
    """Run one statement on the current connection; answer the rows it changed."""
    connection = current_connection()
    changed, _ = await connection.execute_query(in_dialect(connection, query), values)
    return changed


def _row_to_event(row: LedgerEvent) -> Event:
    return Event(
        scope=row.scope,
        seq=row.seq,
        prev=row.prev,
        time=row.time,
        type=row.type,
        payload=json.loads(row.payload),
        signer=row.signer,
        sig=row.sig,
    )
