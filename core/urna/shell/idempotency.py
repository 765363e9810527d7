"""Idempotent writes: a repeated Idempotency-Key replays the first response.

The key is claimed first, in one statement (``INSERT ... ON CONFLICT DO
NOTHING``: a key already there inserts nothing, and its stored answer is
replayed), in the same transaction as the write it answers (a ``ledger.run``
unit: on SQLite it shares the group commit of concurrent writes, one fsync for
many); the row gets the response when the handler succeeds.
A write is therefore recorded with its response or not at all, and a
concurrent request with the same key waits on the claimed row (PostgreSQL's
unique index; SQLite's single writer) and then replays the committed answer.
A handler that refuses (any non-2xx answer) rolls its transaction back: the
key stays unused. The same key with another request body is refused with 422.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sanic import Request
from sanic.response import HTTPResponse, raw

from urna.crypto.hashing import blake2b_256
from urna.shell.auth.principal import Principal
from urna.shell.db import current_connection, in_dialect
from urna.shell.http import ApiError
from urna.shell.ledger import Ledger, utc_now
from urna.shell.models import IdempotentResponse

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
REPLAYED_HEADER = "Idempotent-Replayed"
# The claim: a row with no answer yet (status 0) and its id, or no row when the key is
# taken. On PostgreSQL a key claimed by a transaction still running waits for it to end.
# RETURNING, not the changed-row count: tortoise's asyncpg client misreads the count of
# an INSERT (it answers the tag's oid field, always 0).
_CLAIM = (
    'INSERT INTO urna_idempotent_response (principal, "key", request_hash, status, '
    "content_type, body, created) VALUES (?, ?, ?, 0, '', ?, ?) "
    'ON CONFLICT (principal, "key") DO NOTHING RETURNING id'
)


def request_digest(request: Request) -> str:
    parts = [request.method.encode(), request.path.encode(), request.body or b""]
    return blake2b_256(b"urna.idem.v1", b"\x00".join(parts)).hex()


class _Refused(Exception):
    """Carries a non-2xx answer out of the transaction, so that it rolls back."""

    def __init__(self, response: HTTPResponse) -> None:
        super().__init__(response.status)
        self.response = response


def idempotency_key(request: Request) -> str:
    """The request's key, or 400 (checked before anything else is done for the write)."""
    key = request.headers.get(HEADER, "")
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiError(
            400, f"this write requires an {HEADER} header (1..{MAX_KEY_LENGTH} characters)"
        )
    return key


async def run_idempotent(
    request: Request,
    principal: Principal,
    ledger: Ledger,
    key: str,
    call: Callable[[], Awaitable[HTTPResponse]],
) -> HTTPResponse:
    """Run ``call`` as the write answering ``key`` (see the module docstring)."""
    digest = request_digest(request)

    async def unit() -> HTTPResponse:
        claim = await _claim(principal.key, key, digest)
        if claim is None:
            stored = await IdempotentResponse.get(principal=principal.key, key=key)
            return _replay(stored, digest)
        response = await call()
        if not 200 <= response.status < 300:
            raise _Refused(response)
        await IdempotentResponse.filter(id=claim).update(
            status=response.status,
            content_type=response.content_type or "application/json",
            body=response.body or b"",
        )
        return response

    try:
        return await ledger.run(unit)
    except _Refused as refused:
        return refused.response


async def _claim(principal: str, key: str, digest: str) -> int | None:
    """Insert the key's row unless it exists: its id, or None when the key was taken."""
    connection = current_connection()
    rows = await connection.execute_query_dict(
        in_dialect(connection, _CLAIM), [principal, key, digest, b"", utc_now()]
    )
    return int(rows[0]["id"]) if rows else None


def _replay(stored: IdempotentResponse, digest: str) -> HTTPResponse:
    if stored.request_hash != digest:
        raise ApiError(422, f"{HEADER} was already used for a different request")
    return raw(
        bytes(stored.body),
        status=stored.status,
        content_type=stored.content_type,
        headers={REPLAYED_HEADER: "true"},
    )
