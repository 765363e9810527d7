"""Login throttling: after 5 consecutive failures, a delay that doubles with each one.

Kept in the database, per user name and per client address, so that it holds
across restarts and across workers. An attempt is counted *before* the
password is checked (:func:`begin_attempt`), its time set again when it fails
(:func:`failed`), and forgiven only when it succeeds (:func:`clear`):
concurrent guesses therefore queue on the throttle rows and no more than five
of them reach the password check, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import contextlib
import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from urna.shell.models import LoginThrottle

FREE_FAILURES = 5
MAX_DELAY_SECONDS = 15 * 60
_NEVER = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def delay_after(failures: int) -> int:
    """Seconds to wait after ``failures`` consecutive failures (0 for the first five)."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS))


def _wait(rows: list[LoginThrottle], now: datetime.datetime) -> int:
    wait = 0
    for row in rows:
        delay = delay_after(row.failures)
        if delay == 0:
            continue  # a concurrent attempt may have stamped a time a little after ``now``
        until = row.last_failure + datetime.timedelta(seconds=delay)
        wait = max(wait, int((until - now).total_seconds() + 0.999))
    return wait


async def begin_attempt(keys: list[str], now: datetime.datetime) -> int:
    """Count an attempt as a failure in advance, unless one of ``keys`` must wait.

    Answers the seconds to wait (nothing counted) or 0 (counted: call
    :func:`clear` if the attempt succeeds).
    """
    for key in keys:
        if not await LoginThrottle.exists(key=key):
            with contextlib.suppress(IntegrityError):  # a concurrent attempt created it
                await LoginThrottle.create(key=key, failures=0, last_failure=_NEVER)
    async with in_transaction():
        rows = list(await LoginThrottle.select_for_update().filter(key__in=keys).order_by("key"))
        wait = _wait(rows, now)
        if wait > 0:
            return wait
        for row in rows:
            row.failures += 1
            row.last_failure = now
            await row.save(update_fields=["failures", "last_failure"])
    return 0


async def failed(keys: list[str], now: datetime.datetime) -> None:
    """The attempt failed (it is already counted): the delay runs from now."""
    await LoginThrottle.filter(key__in=keys).update(last_failure=now)


async def clear(keys: list[str]) -> None:
    await LoginThrottle.filter(key__in=keys).delete()
