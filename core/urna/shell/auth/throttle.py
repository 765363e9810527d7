"""Login throttling: after 5 consecutive failures, a delay that doubles with each one.

Kept in the database, per user name and per client address, so that it holds
across restarts and across workers.
"""

from __future__ import annotations

import datetime

from urna.shell.models import LoginThrottle

FREE_FAILURES = 5
MAX_DELAY_SECONDS = 15 * 60


def delay_after(failures: int) -> int:
    """Seconds to wait after ``failures`` consecutive failures (0 for the first five)."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS))


async def seconds_to_wait(keys: list[str], now: datetime.datetime) -> int:
    wait = 0
    for row in await LoginThrottle.filter(key__in=keys):
        until = row.last_failure + datetime.timedelta(seconds=delay_after(row.failures))
        wait = max(wait, int((until - now).total_seconds() + 0.999))
    return wait


async def record_failure(keys: list[str], now: datetime.datetime) -> None:
    for key in keys:
        row = await LoginThrottle.get_or_none(key=key)
        if row is None:
            await LoginThrottle.create(key=key, failures=1, last_failure=now)
        else:
            row.failures += 1
            row.last_failure = now
            await row.save(update_fields=["failures", "last_failure"])


async def clear(keys: list[str]) -> None:
    await LoginThrottle.filter(key__in=keys).delete()
