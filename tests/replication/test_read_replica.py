"""The public portal reads from the standby, falls back to the primary when the standby
lags beyond the bound or stops, and comes back to it when it is well again.

Urna serves (in this process) with ``database_url`` naming the primary and the standby
(read-write) and ``read_replica_url`` naming the same two hosts with
``target_session_attrs=standby``. Proof that the standby serves the portal: its
``pg_stat_activity`` shows Urna's read connections (``application_name``
``urna-public-reads``) and the primary's shows none; and with the standby's replay
paused, a protocol acknowledged by the primary is missing from ``results.json`` until
the lag passes ``read_replica_max_lag_seconds``, then there (read from the primary).
With the standby stopped, every read still answers 200 with the latest figures.
"""

from __future__ import annotations

import asyncio
import random
import time

import pytest
from urna.plugins import make_plugin_manager
from urna.shell.keys import create_key_file
from urna.shell.replica import APPLICATION_NAME, PROBE_SECONDS
from urna.shell.settings import Settings
from urna.testing import free_port, serve_in_process
from urna_elections.generate import generate_election

pytestmark = [pytest.mark.postgres, pytest.mark.replication]

MAX_LAG = 2
READERS = (
    "/p/elections/elections/{code}/results.json",
    "/p/elections/portal/{code}",
    "/-/scopes/{scope}/checkpoint.json",
    "/-/scopes/{scope}/bundle.tar",
    "/p/elections/elections/{code}/record.tar",
)
PUBLIC_READS = (
    f"SELECT count(*) FROM pg_stat_activity WHERE datname = 'urna' "  # noqa: S608 - constant
    f"AND application_name = '{APPLICATION_NAME}'"
)


async def _until(condition, seconds: float, what: str) -> float:
    """Wait until ``condition()`` holds; answer how long it took."""
    started = time.monotonic()
    while not await condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s: {what}"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_portal_reads_come_from_the_standby_and_fall_back_to_the_primary(
    replicated_cluster, tmp_path
):
    cluster = replicated_cluster
    await asyncio.to_thread(cluster.create_database, "urna")
    hosts = f"127.0.0.1:{cluster.primary.port},127.0.0.1:{cluster.standby.port}"
    settings = Settings(
        data_dir=tmp_path / "urna-data",
        database_url=cluster.url("urna"),
        read_replica_url=(
            f"postgres://urna:{cluster.password}@{hosts}/urna?target_session_attrs=standby"
        ),
        read_replica_max_lag_seconds=MAX_LAG,
        port=free_port(),
        plugins_allow=("elections",),
    )
    create_key_file(settings.key_path)
    async with serve_in_process(settings, make_plugin_manager(settings.plugins_allow)) as server:
        replica = server.services.replica
        assert replica is not None
        generated = await generate_election(
            server.services.ledger, constituencies=1, precincts=6, abroad=0, members=5
        )
        election = generated.election
        entries = list(generated.signed_protocols(random.Random(5)).values())
        sender = await server.token_client("precinct-sender", ["elections.sender"])
        reader = server.client()
        protocols = f"/p/elections/elections/{election.code}/protocols"
        results = f"/p/elections/elections/{election.code}/results.json"

        async def received() -> int:
            response = await reader.get(results)
            assert response.status_code == 200, response.text
            return max(total["received"] for total in response.json()["totals"].values())

        async def read_everything() -> None:
            for path in READERS:
                url = path.format(code=election.code, scope=election.scope)
                response = await reader.get(url)
                assert response.status_code == 200, (url, response.text)

        for entry in entries[:2]:
            assert (await sender.post(protocols, json=entry)).status_code == 201

        async def usable() -> bool:
            return replica.state.usable

        await _until(usable, 10, "the replica found usable")
        await _until(lambda: _equals(received, 2), 10, "the standby replayed both protocols")
        await read_everything()
        on_standby = await asyncio.to_thread(cluster.sql, cluster.standby, PUBLIC_READS)
        on_primary = await asyncio.to_thread(cluster.sql, cluster.primary, PUBLIC_READS)
        assert on_standby[0][0] >= 1, "no public-read connection on the standby"
        assert on_primary == [[0]], "public reads reached the primary"

        # The standby stops replaying: a protocol the primary acknowledged stays out of the
        # portal while the lag is within the bound (so the portal reads the standby), and
        # is there once the lag passes it (the portal reads the primary).
        await asyncio.to_thread(cluster.sql, cluster.standby, "SELECT pg_wal_replay_pause()")
        assert (await sender.post(protocols, json=entries[2])).status_code == 201
        written = time.monotonic()
        assert await received() == 2, "the portal did not read the standby"
        await _until(lambda: _equals(received, 3), 4 * MAX_LAG, "fallback to the primary")
        fallback = time.monotonic() - written
        assert not replica.state.usable
        assert "lags" in replica.state.reason
        # The newest sample the standby replayed may be one probe older than the write.
        earliest = MAX_LAG - PROBE_SECONDS - 0.1
        assert fallback >= earliest, f"fell back after {fallback:.2f} s, before the bound"

        await asyncio.to_thread(cluster.sql, cluster.standby, "SELECT pg_wal_replay_resume()")
        back = await _until(usable, 10, "the replica usable again after its replay resumed")
        assert await received() == 3  # never backwards, from either server

        # The standby stops: every read answers, from the primary, with the latest figures.
        await asyncio.to_thread(
            cluster.run, "pg_ctl", "-D", str(cluster.standby.data), "-m", "immediate", "stop"
        )
        stopped = time.monotonic()
        statuses = []
        while time.monotonic() - stopped < 2 * MAX_LAG:
            for path in READERS:
                url = path.format(code=election.code, scope=election.scope)
                statuses.append((await reader.get(url)).status_code)
        assert set(statuses) == {200}, statuses
        assert await received() == 3
        assert not replica.state.usable
        print(
            f"\nread replica: fell back {fallback:.2f} s after a write the paused standby "
            f"lacked (bound {MAX_LAG} s); back on the standby {back:.2f} s after its replay "
            f"resumed; {len(statuses)} reads after the standby stopped, all 200"
        )


async def _equals(read, expected: int) -> bool:
    return await read() == expected
