"""Idempotent writes: a repeated Idempotency-Key replays the first response.

The key is claimed first, by inserting its row, in the same transaction as
the write it answers (a ``ledger.run`` unit: on SQLite it shares the group
commit of concurrent writes, one fsync for many); the row gets the response
when the handler succeeds.
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
from tortoise.exceptions import IntegrityError

from urna.crypto.hashing import blake2b_256
from urna.shell.auth.principal import Principal
from urna.shell.http import ApiError
from urna.shell.ledger import Ledger
from urna.shell.models import IdempotentResponse

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
REPLAYED_HEADER = "Idempotent-Replayed"


def request_digest(request: Request) -> str:
    parts = [request.method.encode(), request.path.encode(), request.body or b""]
    return blake2b_256(b"urna.idem.v1", b"\x00".join(parts)).hex()


class _Refused(Exception):
    """Carries a non-2xx answer out of the transaction, so that it rolls back."""

    def __init__(self, response: HTTPResponse) -> None:
        super().__init__(response.status)
        self.response = response


async def run_idempotent(
    request: Request,
    principal: Principal,
    ledger: Ledger,
    call: Callable[[], Awaitable[HTTPResponse]],
) -> HTTPResponse:
    key = request.headers.get(HEADER, "")
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiError(
            400, f"this write requires an {HEADER} header (1..{MAX_KEY_LENGTH} characters)"
        )
    digest = request_digest(request)

    async def unit() -> HTTPResponse:
        stored = await IdempotentResponse.get_or_none(principal=principal.key, key=key)
        if stored is not None:
            return _replay(stored, digest)
        claim = await IdempotentResponse.create(
            principal=principal.key,
            key=key,
            request_hash=digest,
            status=0,
            content_type="",
            body=b"",
        )
        response = await call()
        if not 200 <= response.status < 300:
            raise _Refused(response)
        claim.status = response.status
        claim.content_type = response.content_type or "application/json"
        claim.body = response.body or b""
        await claim.save(update_fields=["status", "content_type", "body"])
        return response

    try:
        return await ledger.run(unit)
    except _Refused as refused:
        return refused.response
    except IntegrityError:
        # A concurrent request claimed the key and committed first: answer as it did.
        stored = await IdempotentResponse.get_or_none(principal=principal.key, key=key)
        if stored is None:
            raise
        return _replay(stored, digest)


def _replay(stored: IdempotentResponse, digest: str) -> HTTPResponse:
    if stored.request_hash != digest:
        raise ApiError(422, f"{HEADER} was already used for a different request")
    return raw(
        bytes(stored.body),
        status=stored.status,
        content_type=stored.content_type,
        headers={REPLAYED_HEADER: "true"},
    )
