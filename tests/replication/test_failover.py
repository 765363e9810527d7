"""Failover on a primary with a synchronous standby, under a stream of signed protocols.

Urna serves (in this process) on a multi-host URL naming the primary and the
standby; eight clients submit signed protocols over HTTP. After a third are
acknowledged the primary's postmaster is killed (``kill -9``) and, a second
later, the standby promoted (``pg_ctl promote``, then told to commit without a
standby of its own, as the operator decides at failover). A write that meets the dead
primary (or the standby before its promotion) must answer 503 with
``Retry-After``, never 500, and its client sends it again; Urna reconnects
through the URL without a restart. Afterwards, on the promoted standby, every
acknowledged protocol is there exactly once with the acknowledged seq and
digest, and the election's record verifies. The write outage, from the kill to
the first acknowledgement of a protocol sent after it, is printed (``-s``).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter

import pytest
from urna.plugins import make_plugin_manager
from urna.record.bundle import read_bundle
from urna.shell.keys import create_key_file
from urna.shell.settings import Settings
from urna.testing import free_port, serve_in_process
from urna.verify import core_checks, verify_files
from urna_elections.generate import generate_election
from urna_elections.protocol import protocol_digest
from urna_elections.record import EVENT_TYPES, PROTOCOL_ACCEPTED, VERIFIER_CHECKS

pytestmark = [pytest.mark.postgres, pytest.mark.replication]

PRECINCTS = 600
WRITERS = 8
PROMOTE_AFTER_SECONDS = 1.0  # the operator's (or a failover tool's) reaction, kept short
RETRY_SECONDS = 0.05  # shorter than the Retry-After: 1 Urna sends, to time the outage
URL = "/p/elections/elections/az-2024"


async def test_kill_primary_promote_standby_every_acknowledged_protocol_once(
    replicated_cluster, tmp_path
):
    cluster = replicated_cluster
    await asyncio.to_thread(cluster.create_database, "urna")
    settings = Settings(
        data_dir=tmp_path / "urna-data",
        database_url=cluster.url("urna"),
        port=free_port(),
        plugins_allow=("elections",),
        max_connections_per_address=1024,
    )
    create_key_file(settings.key_path)
    async with serve_in_process(settings, make_plugin_manager(settings.plugins_allow)) as server:
        ledger = server.services.ledger
        generated = await generate_election(
            ledger, constituencies=2, precincts=PRECINCTS, abroad=0, members=5
        )
        election = generated.election
        entries = generated.signed_protocols(random.Random(19))
        sender = await server.token_client("precinct-sender", ["elections.sender"])
        queue: asyncio.Queue[str] = asyncio.Queue()
        for precinct in generated.precincts:
            queue.put_nowait(precinct)
        acknowledged: dict[str, int] = {}
        answered: list[tuple[float, float]] = []  # (sent, acknowledged) per protocol
        statuses: Counter[int] = Counter()
        killed = promoted = 0.0
        a_third_acknowledged = asyncio.Event()

        async def write() -> None:
            while not queue.empty():
                precinct = queue.get_nowait()
                while True:
                    sent = time.monotonic()
                    response = await sender.post(f"{URL}/protocols", json=entries[precinct])
                    statuses[response.status_code] += 1
                    if response.status_code in (200, 201):
                        acknowledged[precinct] = response.json()["seq"]
                        if len(acknowledged) >= PRECINCTS // 3:
                            a_third_acknowledged.set()
                        answered.append((sent, time.monotonic()))
                        break
                    assert response.status_code == 503, response.text
                    assert response.headers["Retry-After"] == "1"
                    await asyncio.sleep(RETRY_SECONDS)

        async def fail_over() -> None:
            nonlocal killed, promoted
            await a_third_acknowledged.wait()
            killed = time.monotonic()
            cluster.kill_primary()
            await asyncio.sleep(PROMOTE_AFTER_SECONDS)
            await asyncio.to_thread(cluster.promote_alone)
            promoted = time.monotonic()

        started = time.monotonic()
        await asyncio.gather(fail_over(), *(write() for _ in range(WRITERS)))
        elapsed = time.monotonic() - started

        resumed = min(done for sent, done in answered if sent > killed)
        print(
            f"\nfailover: {len(acknowledged)} protocols acknowledged in {elapsed:.1f} s "
            f"by {WRITERS} clients; answers {dict(sorted(statuses.items()))}; "
            f"write outage {resumed - killed:.2f} s from kill -9 to the first protocol "
            f"sent after it acknowledged (the standby promoted and alone "
            f"{promoted - killed:.2f} s after the kill)"
        )
        assert set(statuses) <= {200, 201, 503}
        assert statuses[503] > 0, "no write met the failover: the test proved nothing"
        assert await asyncio.to_thread(
            cluster.sql, cluster.standby, "SELECT pg_is_in_recovery()"
        ) == [[False]]

        events = await ledger.events(election.scope)
        accepted = [event for event in events if event.type == PROTOCOL_ACCEPTED]
        per_precinct = Counter(event.payload["protocol"]["precinct"] for event in accepted)
        assert per_precinct == Counter(generated.precincts), "lost or duplicated protocols"
        by_seq = {event.seq: event for event in accepted}
        for precinct, seq in acknowledged.items():
            assert (
                by_seq[seq].payload["digest"]
                == protocol_digest(entries[precinct]["protocol"]).hex()
            )

        folder = tmp_path / "record"
        await ledger.export(election.scope, folder)
        verdict = verify_files(
            read_bundle(folder).files,
            bundle=election.scope,
            checks=[*core_checks(EVENT_TYPES), *VERIFIER_CHECKS],
        )
        assert verdict.ok, verdict.summary_lines()
