"""The ledger on real SQLite and PostgreSQL: atomic, chained, concurrent, strict."""

import asyncio

import nacl.bindings
import pytest
from urna.record.bundle import read_bundle
from urna.record.event_types import CORE_EVENT_TYPES, index_event_types
from urna.shell import db, selftest
from urna.shell.ledger import Ledger, LedgerError
from urna.shell.models import LedgerEvent
from urna.verify import core_checks, verify_files

STARTED = {"urna_version": "0.1.0", "plugins": []}


@pytest.fixture
def group_commit(urna_settings):
    """As the appliance chooses: shared commits on SQLite, own transactions on PostgreSQL."""
    return urna_settings.uses_sqlite


@pytest.fixture
def recorder(urna_services, group_commit):
    """A ledger whose committed events are collected in ``recorder.seen``."""
    seen = []
    ledger = Ledger(
        urna_services.key,
        index_event_types(CORE_EVENT_TYPES),
        seen.append,
        group_commit=group_commit,
    )
    ledger.seen = seen
    return ledger


async def test_first_append_opens_the_scope_with_the_appliance_key(recorder):
    event = await recorder.append("s", "core.appliance_started", STARTED)
    genesis, stored = await recorder.events("s")
    assert (genesis.seq, event.seq) == (0, 1)
    assert genesis.type == "core.signer_registered"
    assert genesis.payload["key"] == recorder.public_key == genesis.signer
    assert stored == event
    assert await recorder.head("s") == (1, event.hash().hex())


@pytest.mark.parametrize(
    ("scope", "kind", "payload", "complaint"),
    [
        ("s", "core.appliance_started", {"urna_version": "x"}, "missing \\['plugins'\\]"),
        ("s", "core.appliance_started", {**STARTED, "extra": 1}, "unexpected \\['extra'\\]"),
        ("s", "core.appliance_started", {"urna_version": 1, "plugins": []}, "urna_version"),
        ("s", "core.appliance_started", {**STARTED, "urna_version": 0.5}, "float"),
        ("s", "nobody.knows", {}, "unknown event type"),
        ("Bad Scope", "core.appliance_started", STARTED, "scope"),
        ("s", "core.signer_registered", {"key": "00" * 32, "role": "m", "name": "n"}, "rejected"),
    ],
)
async def test_bad_appends_are_refused_and_change_nothing(
    recorder, scope, kind, payload, complaint
):
    await recorder.append("s", "core.appliance_started", STARTED)
    before = await LedgerEvent.all().count()
    with pytest.raises(LedgerError, match=complaint):
        await recorder.append(scope, kind, payload)
    assert await LedgerEvent.all().count() == before
    assert await recorder.head("s") == (1, (await recorder.events("s"))[-1].hash().hex())


async def test_a_rolled_back_transaction_leaves_no_event_and_no_notification(recorder):
    await recorder.append("s", "core.appliance_started", STARTED)
    with pytest.raises(RuntimeError):
        async with recorder.transaction():
            await recorder.append("s", "core.appliance_started", STARTED)
            raise RuntimeError("domain write failed")
    assert len(await recorder.events("s")) == 2
    assert [event.seq for event in recorder.seen] == [0, 1]


async def test_a_failed_nested_transaction_drops_only_its_own_events(recorder):
    async with recorder.transaction():
        await recorder.append("s", "core.appliance_started", STARTED)
        with pytest.raises(LedgerError):
            async with recorder.transaction():
                await recorder.append("s", "core.appliance_started", STARTED)
                await recorder.append("s", "core.appliance_started", {"bad": 1})
        await recorder.append("s", "core.appliance_started", STARTED)
    events = await recorder.events("s")
    assert [event.seq for event in events] == [0, 1, 2]
    assert [event.seq for event in recorder.seen] == [0, 1, 2]


async def test_concurrent_writers_never_fork_the_chain(recorder, tmp_path):
    async def writer(index):
        for _ in range(25):
            await recorder.append(
                "busy", "core.appliance_started", {**STARTED, "urna_version": str(index)}
            )

    await asyncio.gather(*(writer(i) for i in range(8)))
    events = await recorder.events("busy")
    assert [event.seq for event in events] == list(range(201))
    await recorder.export("busy", tmp_path / "busy")
    report = verify_files(read_bundle(tmp_path / "busy").files, bundle="busy", checks=core_checks())
    assert report.ok, report.summary_lines()


async def test_register_signer_refuses_duplicates_and_bad_keys(recorder, urna_keys):
    member = urna_keys("member").verify_key.hex()
    await recorder.register_signer("s", member, "parliament.member", "M. Member")
    with pytest.raises(LedgerError, match="already registered"):
        await recorder.register_signer("s", member, "parliament.member", "again")
    mixed_order = nacl.bindings.crypto_core_ed25519_add(
        urna_keys("other").verify_key.raw, selftest.ORDER_TWO_POINT
    ).hex()
    with pytest.raises(LedgerError, match="prime-order subgroup"):
        await recorder.register_signer("s", mixed_order, "parliament.member", "bad")
    assert len(await recorder.events("s")) == 2


@pytest.mark.parametrize("urna_database", [""], ids=["sqlite"])
async def test_sqlite_pragmas_are_in_force_and_checked(urna_services):
    await db.check_sqlite_pragmas()
    connection = db.current_connection()
    await connection.execute_script("PRAGMA synchronous=NORMAL")
    with pytest.raises(db.DatabaseError, match="synchronous"):
        await db.check_sqlite_pragmas()
    await connection.execute_script("PRAGMA synchronous=FULL")


@pytest.mark.parametrize("group_commit", [True], ids=["group-commit"])
async def test_group_commit_isolates_a_failing_unit(recorder):
    async def good(index):
        return (
            await recorder.append(
                "g", "core.appliance_started", {**STARTED, "urna_version": str(index)}
            )
        ).seq

    async def bad():
        await recorder.append("g", "core.appliance_started", STARTED)
        raise RuntimeError("domain rule broken")

    units = [good(0), good(1), bad(), good(2)]
    results = await asyncio.gather(
        *(recorder.run(lambda unit=unit: unit) for unit in units), return_exceptions=True
    )
    assert isinstance(results[2], RuntimeError)
    events = await recorder.events("g")
    assert [e.payload["urna_version"] for e in events[1:]] == ["0", "1", "2"]
    assert [e.seq for e in events] == [0, 1, 2, 3]
    assert sorted(r for r in results if isinstance(r, int)) == [1, 2, 3]
    assert [e.seq for e in recorder.seen] == [0, 1, 2, 3]


@pytest.mark.parametrize("group_commit", [True], ids=["group-commit"])
async def test_group_commit_under_concurrency_keeps_one_chain(recorder):
    async def unit(index):
        return await recorder.append(
            "c", "core.appliance_started", {**STARTED, "urna_version": str(index)}
        )

    await asyncio.gather(*(recorder.run(lambda i=i: unit(i)) for i in range(150)))
    assert [e.seq for e in await recorder.events("c")] == list(range(151))


async def test_run_inside_a_transaction_joins_it(recorder):
    async with recorder.transaction():
        event = await recorder.run(lambda: recorder.append("j", "core.appliance_started", STARTED))
    assert event.seq == 1


async def test_append_many_chains_its_events_and_refuses_all_for_one_bad_payload(
    recorder, tmp_path
):
    first = await recorder.append_many("s", [("core.appliance_started", STARTED)] * 3)
    assert [e.seq for e in first] == [1, 2, 3]
    bad = {"urna_version": 1, "plugins": []}
    with pytest.raises(LedgerError, match="urna_version"):
        await recorder.append_many(
            "s", [("core.appliance_started", STARTED)] * 2 + [("core.appliance_started", bad)]
        )
    assert await recorder.head("s") == (3, first[-1].hash().hex())
    await recorder.export("s", tmp_path / "b")
    report = verify_files(read_bundle(tmp_path / "b").files, bundle="b", checks=core_checks())
    assert report.ok, report.summary_lines()


async def test_a_head_moved_elsewhere_is_read_again_not_forked(recorder, urna_services, tmp_path):
    """Another process (here another ledger on the same database) appends between two of
    this ledger's appends, and a rolled-back append leaves this ledger's hint behind: the
    compare-and-set of the head fails, the head is read under lock, the chain stays one."""
    other = Ledger(
        urna_services.key,
        index_event_types(CORE_EVENT_TYPES),
        lambda e: None,
        group_commit=False,
    )
    await recorder.append("s", "core.appliance_started", STARTED)
    await other.append("s", "core.appliance_started", STARTED)
    mine = await recorder.append("s", "core.appliance_started", STARTED)
    assert mine.seq == 3
    with pytest.raises(RuntimeError):
        async with recorder.transaction():
            await recorder.append("s", "core.appliance_started", STARTED)
            raise RuntimeError("domain write failed")
    after = await recorder.append("s", "core.appliance_started", STARTED)
    assert (after.seq, after.prev) == (4, mine.hash().hex())
    await recorder.export("s", tmp_path / "b")
    report = verify_files(read_bundle(tmp_path / "b").files, bundle="b", checks=core_checks())
    assert report.ok, report.summary_lines()
