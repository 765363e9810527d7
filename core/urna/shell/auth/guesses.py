"""Secrets other than sign-in passwords (a member's sealed-key passphrase): throttled the
same way, and their memory-hard key derivations bounded.

A plugin that checks a secret calls :func:`guess_secret` with the throttle keys that
name who guesses (the key holder, the client address) and the check itself: an
attempt is counted before the check runs (so concurrent guesses queue on the
throttle rows), forgiven when it succeeds, and refused with 429 and ``Retry-After``
after five failures, like sign-in (:mod:`urna.shell.auth.throttle`).

Argon2id at 256 MiB per derivation: :func:`run_memory_hard` runs it off the event loop
with at most :data:`MEMORY_HARD_AT_ONCE` at a time in the process, so six parallel
guesses cost 2 x 256 MiB, not 6 x.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from urna.shell.auth import throttle
from urna.shell.http import ApiError
from urna.shell.ledger import utc_now

T = TypeVar("T")
MEMORY_HARD_AT_ONCE = 2
# A thread semaphore, not an asyncio one: it holds across event loops and workers' threads.
_memory_hard = threading.BoundedSemaphore(MEMORY_HARD_AT_ONCE)


def _bounded(function: Callable[..., T], *args: Any) -> T:
    with _memory_hard:
        return function(*args)


async def run_memory_hard(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a worker thread, at most MEMORY_HARD_AT_ONCE at a time."""
    return await asyncio.to_thread(_bounded, function, *args)


async def guess_secret(
    keys: list[str], check: Callable[[], Awaitable[T]], *, wrong: type[Exception]
) -> T:
    """Run ``check``, throttled under ``keys``; an exception of type ``wrong`` is a failed
    guess (re-raised after it is counted); 429 while a key must wait."""
    wait = await throttle.begin_attempt(keys, utc_now())
    if wait > 0:
        raise ApiError(
            429,
            f"too many wrong attempts; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    try:
        answer = await check()
    except wrong:
        await throttle.failed(keys, utc_now())
        raise
    await throttle.clear(keys)
    return answer
