"""Reads for the public portal from a PostgreSQL read replica, the primary as fallback.

A central commission's PostgreSQL primary has a hot standby (``docs/operator.md``).
With ``read_replica_url`` set, the public, read-only pages and JSON (the results
portal, the published records) read from the standby through :func:`public_read`;
writes, and every read that must see its own writes (sessions, idempotency keys, a
head before an append, the operators' pages), stay on the primary. The code that
reads chooses, not a global router: tortoise's routers would send the reads inside
write paths to the replica too.

Freshness is measured, not assumed. A watcher in each server process asks both
servers every ``PROBE_SECONDS``: the primary for its WAL position
(``pg_current_wal_lsn()``), the replica whether it is a standby and how far it has
replayed (``pg_last_wal_replay_lsn()``). The replica holds everything the primary
had written at the newest sample whose position it has replayed, so its lag is that
sample's age (an idle primary's position does not move: a caught-up replica lags by
one probe, never by the time since the last write). Public reads use the replica
while it answers, is a standby and lags by at most ``read_replica_max_lag_seconds``;
otherwise the primary. A read that loses the replica midway runs again on the
primary, and the replica stays out until the watcher finds it well. When the
primary cannot be asked (it is down or failing over) the replica is used while it
answers: there is nothing fresher to read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connections

from urna.shell.db import connection_name, postgres_credentials
from urna.shell.pg_url import parse_postgres_url
from urna.shell.postgres_engine import CONNECTION_LOST, DatabaseUnavailableError, MultiHostClient
from urna.shell.settings import Settings

if TYPE_CHECKING:
    from urna.shell.services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")

PROBE_SECONDS = 0.5
APPLICATION_NAME = "urna-public-reads"
"""The replica's connections are named so in ``pg_stat_activity`` (on the standby)."""
CONNECT_TIMEOUT_SECONDS = 2
"""A replica that does not answer costs a new connection this long, then the primary."""
PRIMARY_POSITION = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint AS lsn"
REPLICA_POSITION = (
    "SELECT pg_is_in_recovery() AS standby, "
    "(pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS lsn"
)


@attrs.frozen(slots=True)
class ReplicaState:
    usable: bool
    lag: float | None
    """Seconds behind the primary; None when not known (the replica or the primary lost)."""
    reason: str


class ReadReplica:
    """The replica's connection pool and its watcher, in one server process."""

    def __init__(
        self,
        primary: str,
        client: BaseDBAsyncClient,
        max_lag: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._primary = primary
        self._client = client
        self.max_lag = max_lag
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()
        """(time, primary's WAL position) of the probes the replica may not have replayed."""
        self.state = ReplicaState(False, None, "not probed yet")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.close()

    async def _watch(self) -> None:
        while True:
            await self.probe()
            await asyncio.sleep(PROBE_SECONDS)

    async def probe(self) -> ReplicaState:
        """Ask both servers once and decide whether public reads may use the replica."""
        now = self._clock()
        try:
            rows = await get_connections().get(self._primary).execute_query_dict(PRIMARY_POSITION)
            self._samples.append((now, int(rows[0]["lsn"])))
        except (*CONNECTION_LOST, DatabaseUnavailableError):
            self._samples.clear()  # the primary may be another server when it is back
        try:
            rows = await self._client.execute_query_dict(REPLICA_POSITION)
        except (*CONNECTION_LOST, DatabaseUnavailableError) as exc:
            return self._set(ReplicaState(False, None, f"the replica does not answer ({exc})"))
        standby, replayed = rows[0]["standby"], rows[0]["lsn"]
        if not standby:
            return self._set(ReplicaState(False, None, "the replica is not a standby"))
        if not self._samples:
            return self._set(ReplicaState(True, None, "the primary cannot be asked"))
        return self._set(self._judge(now, int(replayed)))

    def _judge(self, now: float, replayed: int) -> ReplicaState:
        samples = self._samples
        while len(samples) > 1 and samples[1][1] <= replayed:
            samples.popleft()  # passed: only the newest passed sample tells the lag
        while len(samples) > 1 and now - samples[1][0] > self.max_lag:
            samples.popleft()  # older than the bound: one of them says "too far" as well
        sampled, position = samples[0]
        if position > replayed:
            return ReplicaState(False, None, f"the replica lags by more than {now - sampled:.1f} s")
        lag = now - sampled
        if lag > self.max_lag:
            return ReplicaState(False, lag, f"the replica lags by {lag:.1f} s")
        return ReplicaState(True, lag, f"it lags by {lag:.1f} s")

    def _set(self, state: ReplicaState) -> ReplicaState:
        if state.usable != self.state.usable:
            if state.usable:
                log.warning("public reads go to the read replica: %s", state.reason)
            else:
                log.warning("public reads go to the primary: %s", state.reason)
        self.state = state
        return state

    def lost(self, exc: BaseException) -> None:
        """A read lost the replica: leave it out until the watcher finds it well again."""
        self._set(ReplicaState(False, None, f"a read lost the replica ({exc})"))

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Within: the ORM's and raw SQL's connection is the replica's (this task only)."""
        connections = get_connections()
        token = connections.set(self._primary, self._client)
        try:
            yield
        finally:
            connections.reset(token)


def read_replica(settings: Settings) -> ReadReplica | None:
    """The process's read replica when ``read_replica_url`` names one (not yet connected)."""
    if not settings.read_replica_url:
        return None
    target = parse_postgres_url(
        settings.read_replica_url, setting="read_replica_url", several_hosts_need="standby"
    )
    credentials: dict[str, Any] = {
        **postgres_credentials(target),
        "application_name": APPLICATION_NAME,
        "timeout": CONNECT_TIMEOUT_SECONDS,
    }
    client = MultiHostClient(connection_name=connection_name(settings), **credentials)
    return ReadReplica(connection_name(settings), client, settings.read_replica_max_lag_seconds)


async def public_read(services: Services, read: Callable[[], Awaitable[T]]) -> T:
    """``read()``, a read of public data that need not see this request's own writes, on
    the read replica when one is configured, answering and fresh; else on the primary."""
    replica = services.replica
    if replica is None or not replica.state.usable:
        return await read()
    try:
        with replica.reading():
            return await read()
    except DatabaseUnavailableError as exc:
        replica.lost(exc)
        return await read()
