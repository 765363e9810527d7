"""Memory-hard derivations (Argon2id at 256 MiB) run at most MEMORY_HARD_AT_ONCE at a time."""

from __future__ import annotations

import asyncio
import threading
import time

from urna.api import run_memory_hard
from urna.shell.auth.guesses import MEMORY_HARD_AT_ONCE


async def test_concurrent_derivations_are_bounded():
    lock = threading.Lock()
    running = [0]
    most = [0]

    def derive(n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return n

    answers = await asyncio.gather(*(run_memory_hard(derive, n) for n in range(8)))
    assert answers == list(range(8))
    assert most[0] == MEMORY_HARD_AT_ONCE
