"""Several processes on one SQLite file (``urna serve`` with ``workers > 1``).

SQLite lets one writer in at a time. These tests pin down the two things that
make sharing the file safe: transactions take the write lock at BEGIN (so one
that read first never fails when another process commits), and the ledger's
head compare-and-set keeps one chain when two processes append at once.
"""

import asyncio
import contextlib
import contextvars
import sqlite3
import sys
import textwrap
import threading
import time

import pytest
from urna.record.bundle import read_bundle
from urna.shell.db import current_connection
from urna.shell.sqlite_engine import DatabaseBusyError
from urna.verify import core_checks, verify_files

STARTED = {"urna_version": "0.1.0", "plugins": []}

pytestmark = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)


async def test_a_transaction_that_read_first_waits_for_the_other_writer(urna_services):
    """With tortoise's plain BEGIN the transaction below reads from a snapshot, the other
    connection commits meanwhile, and the append then fails at once with "database is
    locked". With BEGIN IMMEDIATE the other writer waits for this commit instead."""
    ledger = urna_services.ledger
    await ledger.append("s", "core.appliance_started", STARTED)
    other_trying = threading.Event()
    other_done: list[float] = []

    def other_process_writes() -> None:
        connection = sqlite3.connect(urna_services.settings.sqlite_path, timeout=10)
        other_trying.set()
        connection.execute("UPDATE urna_ledger_head SET hash = hash WHERE scope = 's'")
        connection.commit()
        other_done.append(time.monotonic())
        connection.close()

    async with ledger.transaction():
        assert await ledger.head("s") is not None  # a read first
        other = threading.Thread(target=other_process_writes)
        other.start()
        await asyncio.to_thread(other_trying.wait)
        await asyncio.sleep(0.3)  # time for the other writer to commit, were it let in
        assert not other_done, "the other writer got in while this transaction was open"
        event = await ledger.append("s", "core.appliance_started", STARTED)
        committed_before = time.monotonic()
    await asyncio.to_thread(other.join)
    assert event.seq == 2
    assert other_done and other_done[0] >= committed_before


_WRITER = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from urna.record.event_types import CORE_EVENT_TYPES, index_event_types
    from urna.shell import db
    from urna.shell.keys import load_key_file
    from urna.shell.ledger import Ledger
    from urna.shell.settings import Settings

    async def main(data_dir, name, count, start_at):
        settings = Settings(data_dir=Path(data_dir), plugins_allow=())
        await db.open_database(settings, {})
        ledger = Ledger(
            load_key_file(settings.key_path),
            index_event_types(CORE_EVENT_TYPES),
            lambda event: None,
            group_commit=True,
        )
        payload = {"urna_version": name, "plugins": []}
        await asyncio.sleep(max(0.0, start_at - time.time()))

        async def writer():
            for _ in range(count // 4):
                await ledger.run(lambda: ledger.append("shared", "core.appliance_started", payload))

        await asyncio.gather(*(writer() for _ in range(4)))
        await db.close_database()

    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
    """
)


async def test_two_processes_appending_at_once_keep_one_chain(urna_services, tmp_path):
    ledger = urna_services.ledger
    await ledger.append("shared", "core.appliance_started", STARTED)
    start_at = time.time() + 3  # both processes begin together, after their imports
    data_dir = str(urna_services.settings.data_dir)
    processes = [
        await asyncio.create_subprocess_exec(
            *(sys.executable, "-c", _WRITER, data_dir, name, "120", str(start_at)),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for name in ("one", "two")
    ]
    for process in processes:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, output.decode()
    events = await ledger.events("shared")
    assert [event.seq for event in events] == list(range(2 + 240))
    writers = [event.payload["urna_version"] for event in events[2:]]
    assert sorted(set(writers)) == ["one", "two"] and writers.count("one") == 120
    await ledger.export("shared", tmp_path / "shared")
    report = verify_files(
        read_bundle(tmp_path / "shared").files, bundle="shared", checks=core_checks()
    )
    assert report.ok, report.summary_lines()


@contextlib.contextmanager
def _write_lock_held_elsewhere(settings):
    """Another process's connection holds SQLite's write lock."""
    other = sqlite3.connect(settings.sqlite_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


async def test_a_write_lock_held_past_the_busy_timeout_refuses_and_leaves_no_hang(
    urna_services,
):
    """BEGIN IMMEDIATE can time out; tortoise's context would then keep its connection
    lock and every later query of the process would wait for ever."""
    ledger = urna_services.ledger
    await ledger.append("s", "core.appliance_started", STARTED)
    connection = current_connection()
    await connection.execute_query("PRAGMA busy_timeout = 200")
    try:
        with (
            _write_lock_held_elsewhere(urna_services.settings),
            pytest.raises(DatabaseBusyError, match="busy"),
        ):
            await ledger.append("s", "core.appliance_started", STARTED)
        # The next request is another task, which does not share the failed one's context.
        loop = asyncio.get_running_loop()
        next_request = loop.create_task(
            ledger.append("s", "core.appliance_started", STARTED), context=contextvars.Context()
        )
        after = await asyncio.wait_for(next_request, 5)
        assert after.seq == 2
        assert [e.seq for e in await asyncio.wait_for(ledger.events("s"), 5)] == [0, 1, 2]
    finally:
        await connection.execute_query("PRAGMA busy_timeout = 10000")
