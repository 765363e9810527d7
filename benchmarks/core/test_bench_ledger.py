"""Ledger appends per second (SQLite and PostgreSQL; 1 and 8 concurrent writers) and
verification throughput in events per second.

Run: pytest benchmarks/core --benchmark-only
Each round appends a batch inside one event loop that owns the database
connections; the figure to quote is extra_info["appends_per_s"] (median round).
"""

import asyncio
import os

import pytest
from urna.shell import db
from urna.shell.services import running_services
from urna.testing import RecordBuilder
from urna.verify import core_checks, verify_files

BATCH = 200
PAYLOAD = {"urna_version": "bench", "plugins": []}


@pytest.fixture
def ledger_loop(urna_settings, urna_registry, urna_pm):
    """An event loop with a migrated, open database and its ledger."""
    loop = asyncio.new_event_loop()
    loop.run_until_complete(db.migrate(urna_settings, urna_registry.model_apps))
    context = running_services(urna_settings, urna_registry, urna_pm)
    services = loop.run_until_complete(context.__aenter__())
    yield loop, services.ledger
    loop.run_until_complete(context.__aexit__(None, None, None))
    loop.close()


@pytest.mark.parametrize(
    ("writers", "mode"), [(1, "transaction"), (8, "transaction"), (8, "group-commit")]
)
def test_ledger_appends_per_second(benchmark, ledger_loop, writers, mode, urna_database):
    """``transaction``: each append commits on its own (``ledger.append``);
    ``group-commit``: concurrent writers' appends share commits (``ledger.run``)."""
    loop, ledger = ledger_loop
    per_writer = BATCH // writers

    async def append() -> object:
        return await ledger.append("bench", "core.appliance_started", PAYLOAD)

    async def writer(index: int) -> None:
        for _ in range(per_writer):
            if mode == "group-commit":
                await ledger.run(append)
            else:
                await append()

    async def all_writers() -> None:
        await asyncio.gather(*(writer(i) for i in range(writers)))

    def batch() -> None:
        loop.run_until_complete(all_writers())

    benchmark.pedantic(batch, rounds=5, warmup_rounds=1)
    median = benchmark.stats.stats.median
    benchmark.extra_info["database"] = "sqlite" if not urna_database else "postgresql"
    benchmark.extra_info["mode"] = mode
    benchmark.extra_info["appends_per_s"] = round(writers * per_writer / median)
    seqs = [event.seq for event in loop.run_until_complete(ledger.events("bench"))]
    assert seqs == list(range(len(seqs)))  # a benchmark that forks the chain measures nothing


@pytest.fixture(scope="module")
def big_bundle():
    from urna.crypto.signing import SigningKey

    builder = RecordBuilder(SigningKey.from_seed(bytes(32)), scope="bench")
    for index in range(10_000):
        builder.append("core.appliance_started", {"urna_version": str(index), "plugins": []})
    return builder.files()


@pytest.mark.parametrize("jobs", [1, os.cpu_count() or 1])
def test_verify_events_per_second(benchmark, big_bundle, jobs):
    checks = core_checks()
    report = benchmark.pedantic(
        verify_files,
        args=(big_bundle,),
        kwargs={"bundle": "bench", "checks": checks, "jobs": jobs},
        rounds=3,
        warmup_rounds=1,
    )
    assert report.ok
    benchmark.extra_info["events"] = report.events
    benchmark.extra_info["events_per_s"] = round(report.events / benchmark.stats.stats.median)
