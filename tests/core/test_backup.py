"""``urna backup`` and ``urna restore`` on real SQLite and PostgreSQL, through the real CLI.

A backup taken while the appliance writes holds every write acknowledged before
it started, as a prefix of each chain; restore verifies before it accepts, and
refuses a wrong passphrase, a damaged or doctored copy and an occupied target
without leaving anything behind.
"""

import asyncio
import os
import random
import subprocess
import sys

import attrs
import pytest
from urna.shell.backup import COPIES, MANIFEST, OCCUPIED_SQL, BackupManifest, file_digest
from urna.shell.db import current_connection
from urna.shell.keys import load_key_file
from urna.shell.services import running_services
from urna.verify import core_checks, verify_files

PASSPHRASE = "a passphrase the operator keeps"
SCOPES = ("s-one", "s-two", "s-three")
SQLITE_ONLY = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)


def started(version):
    return {"urna_version": version, "plugins": []}


def urna(settings, *args, passphrase=PASSPHRASE, pass_fds=()):
    """The real command, in its own process, on ``settings``' data dir and database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("URNA_")}
    env["URNA_BACKUP_PASSPHRASE"] = passphrase
    if settings.database_url:
        env["URNA_DATABASE_URL"] = settings.database_url
    command = [sys.executable, "-m", "urna", "--data-dir", settings.data_dir, *args]
    options = {"env": env, "pass_fds": pass_fds, "timeout": 600}
    return subprocess.run(list(map(str, command)), capture_output=True, text=True, **options)


@pytest.fixture
def target(urna_settings, tmp_path, request):
    """Settings of a fresh appliance: a new data dir, and on PostgreSQL an empty database."""
    if urna_settings.uses_sqlite:
        yield attrs.evolve(urna_settings, data_dir=tmp_path / "restored")
        return
    server = request.getfixturevalue("urna_postgres_server")
    url = server.create_database()
    yield attrs.evolve(urna_settings, data_dir=tmp_path / "restored", database_url=url)
    server.drop_database(url)


async def append_until(services, stop, acked, warmed, writer):
    """Append to the scopes in turn until ``stop``; ``warmed`` once 60 writes are in."""
    count = 0
    while not stop.is_set():
        scope = SCOPES[(writer + count) % len(SCOPES)]
        event = await services.ledger.append(scope, "core.appliance_started", started(f"{count}"))
        acked.append(event)
        if len(acked) >= 60:
            warmed.set()
        count += 1


async def test_a_backup_during_writes_restores_every_acknowledged_write_and_continues(
    urna_settings, urna_registry, urna_pm, target, tmp_path
):
    backup = tmp_path / "backup"
    acked = []
    async with running_services(urna_settings, urna_registry, urna_pm) as services:
        stop, warmed = asyncio.Event(), asyncio.Event()
        writers = [
            asyncio.create_task(append_until(services, stop, acked, warmed, writer))
            for writer in range(4)
        ]
        await warmed.wait()
        before = list(acked)
        made = await asyncio.to_thread(urna, urna_settings, "backup", backup)
        during = len(acked) - len(before)
        stop.set()
        await asyncio.gather(*writers)
    assert made.returncode == 0, made.stderr
    assert during > 0, "the appliance stopped accepting writes while the backup ran"

    restored = await asyncio.to_thread(urna, target, "restore", backup)
    assert restored.returncode == 0, restored.stderr
    assert all(f"verified {scope}" in restored.stdout for scope in SCOPES)
    assert PASSPHRASE not in restored.stdout + restored.stderr + made.stdout + made.stderr
    manifest = BackupManifest.from_bytes((backup / MANIFEST).read_bytes())
    heads = {head.scope: head for head in manifest.heads}
    async with running_services(target, urna_registry, urna_pm) as services:
        for scope in SCOPES:
            events = await services.ledger.events(scope)
            written = sorted((e for e in acked if e.scope == scope), key=lambda e: e.seq)
            # One consistent snapshot: a prefix of the chain written, holding every
            # write acknowledged before the backup began.
            assert events[1:] == written[: len(events) - 1]
            assert {e.seq for e in before if e.scope == scope} <= {e.seq for e in events}
            last = events[-1]
            assert (last.seq, last.hash().hex()) == (heads[scope].seq, heads[scope].hash)
            head = await services.ledger.head(scope)
            new = await services.ledger.append(scope, "core.appliance_started", started("new"))
            assert (new.seq, new.prev) == (head[0] + 1, head[1])
            report = verify_files(
                await services.ledger.bundle_files(scope), bundle=scope, checks=core_checks()
            )
            assert report.ok, report.summary_lines()
    assert (target.data_dir / "urna.toml").is_file()
    assert load_key_file(target.key_path).seed() == load_key_file(urna_settings.key_path).seed()


@pytest.fixture
def backup(urna_settings, urna_registry, urna_pm, tmp_path):
    """A backup of an appliance whose scope ``s-one`` holds a payload marked for tampering."""

    async def write():
        async with running_services(urna_settings, urna_registry, urna_pm) as services:
            for version in ("1", "tamper-me-0000", "3"):
                await services.ledger.append("s-one", "core.appliance_started", started(version))

    asyncio.run(write())
    directory = tmp_path / "backup"
    made = urna(urna_settings, "backup", directory)
    assert made.returncode == 0, made.stderr
    return directory


def assert_refused(result, *phrases):
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("urna: error: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0]
    assert PASSPHRASE not in result.stdout + result.stderr


def flip_marker(path):
    data = path.read_bytes()
    assert b"tamper-me-0000" in data
    path.write_bytes(data.replace(b"tamper-me-0000", b"tamper-me-0001"))


@SQLITE_ONLY
def test_a_wrong_passphrase_is_refused_and_nothing_is_written(backup, target):
    read, write = os.pipe()
    os.write(write, b"not the passphrase at all\n")
    os.close(write)
    try:
        result = urna(target, "restore", backup, "--passphrase-fd", read, pass_fds=(read,))
    finally:
        os.close(read)
    assert_refused(result, "wrong passphrase")
    assert not target.data_dir.exists()


@SQLITE_ONLY
def test_a_byte_flipped_in_the_copied_database_is_refused(backup, target):
    flip_marker(backup / COPIES["sqlite"])
    assert_refused(urna(target, "restore", backup), "urna.sqlite3 differs from the manifest")
    assert not target.data_dir.exists()


@SQLITE_ONLY
def test_a_doctored_copy_under_a_resigned_manifest_fails_the_record_checks(
    backup, target, urna_settings
):
    """Whoever holds the key can re-sign the manifest, but not every event of the chain."""
    copy = backup / COPIES["sqlite"]
    flip_marker(copy)
    manifest = BackupManifest.from_bytes((backup / MANIFEST).read_bytes())
    files = {**manifest.files, copy.name: file_digest(copy)}
    key = load_key_file(urna_settings.key_path)
    (backup / MANIFEST).write_bytes(attrs.evolve(manifest, files=files).signed(key).to_bytes())
    assert_refused(urna(target, "restore", backup), "scope s-one", "record.signatures")
    assert not target.data_dir.exists()


async def test_a_doctored_database_is_refused_and_what_was_loaded_is_removed(
    urna_settings, urna_registry, urna_pm, target, tmp_path
):
    """An event altered in the appliance's own database: the backup copies it, and the
    restore's checks refuse it; the target is left as it was."""
    async with running_services(urna_settings, urna_registry, urna_pm) as services:
        for version in ("1", "2", "3"):
            await services.ledger.append("s-two", "core.appliance_started", started(version))
        await current_connection().execute_query(
            "UPDATE urna_ledger_event SET payload = REPLACE(payload, '\"2\"', '\"9\"') "
            "WHERE scope = 's-two' AND seq = 2"
        )
    directory = tmp_path / "backup"
    assert urna(urna_settings, "backup", directory).returncode == 0
    if target.database_url:
        target.data_dir.mkdir()
    result = await asyncio.to_thread(urna, target, "restore", directory)
    assert_refused(result, "scope s-two: checks", "record.signatures", "s-two#3")
    if target.uses_sqlite:
        assert not target.data_dir.exists()
    else:
        assert list(target.data_dir.iterdir()) == []
        assert await postgres_relations(target.database_url) == []


async def postgres_relations(url):
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        return [row[0] for row in await connection.fetch(OCCUPIED_SQL)]
    finally:
        await connection.close()


def test_restore_refuses_an_occupied_target_naming_what_is_there(backup, target, urna_settings):
    keyed = attrs.evolve(target, data_dir=target.data_dir.with_name("keyed"))
    assert urna(keyed, "init").returncode == 0
    assert_refused(urna(keyed, "restore", backup), "keys/appliance.key exists")
    occupied = attrs.evolve(target, database_url=urna_settings.database_url)
    if occupied.uses_sqlite:
        occupied.data_dir.mkdir()
        occupied.sqlite_path.write_bytes(b"someone's database")
        assert_refused(urna(occupied, "restore", backup), "urna.sqlite3 exists")
        assert occupied.sqlite_path.read_bytes() == b"someone's database"
    else:
        assert_refused(urna(occupied, "restore", backup), "already holds")


@SQLITE_ONLY
def test_backup_refuses_a_used_directory_or_a_short_passphrase(urna_settings, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("keep")
    assert_refused(urna(urna_settings, "backup", used), "not an empty directory")
    assert [p.name for p in used.iterdir()] == ["notes.txt"]
    short = urna(urna_settings, "backup", tmp_path / "new", passphrase="short")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    assert not (tmp_path / "new").exists()
    not_a_backup = urna(attrs.evolve(urna_settings, data_dir=tmp_path / "r"), "restore", used)
    assert_refused(not_a_backup, "not an Urna backup")


PRECINCTS = 600
SENDERS = 4


async def test_a_backup_during_signed_protocols_over_http_restores_them_and_continues(
    urna_server, urna_settings, urna_registry, urna_pm, target, tmp_path
):
    """Real load: four clients submit signed protocols over HTTP to a running server while
    ``urna backup`` runs. The restore holds every protocol acknowledged before the backup
    began, exactly once, verifies with the elections checks, and a server on it takes the
    remaining protocols, continuing the same chain under the same key."""
    from urna.record.bundle import read_bundle
    from urna.testing import free_port, serve_in_process
    from urna_elections.generate import generate_election
    from urna_elections.protocol import protocol_digest
    from urna_elections.record import EVENT_TYPES, PROTOCOL_ACCEPTED, VERIFIER_CHECKS

    generated = await generate_election(
        urna_server.services.ledger, constituencies=2, precincts=PRECINCTS, abroad=0, members=5
    )
    election = generated.election
    entries = generated.signed_protocols(random.Random(19))
    url = f"/p/elections/elections/{election.code}/protocols"
    sender = await urna_server.token_client("precinct-sender", ["elections.sender"])
    queue = list(generated.precincts)
    acknowledged: dict[str, int] = {}
    stop, warmed = asyncio.Event(), asyncio.Event()

    async def submit() -> None:
        while queue and not stop.is_set():
            precinct = queue.pop()
            response = await sender.post(url, json=entries[precinct])
            assert response.status_code == 201, response.text
            acknowledged[precinct] = response.json()["seq"]
            if len(acknowledged) >= 20:
                warmed.set()

    senders = [asyncio.create_task(submit()) for _ in range(SENDERS)]
    await warmed.wait()
    before = dict(acknowledged)
    made = await asyncio.to_thread(urna, urna_settings, "backup", tmp_path / "backup")
    during = len(acknowledged) - len(before)
    stop.set()
    await asyncio.gather(*senders)
    assert made.returncode == 0, made.stderr
    assert during > 0, "no protocol was acknowledged while the backup ran"

    restored = await asyncio.to_thread(urna, target, "restore", tmp_path / "backup")
    assert restored.returncode == 0, restored.stderr
    assert f"verified {election.scope}" in restored.stdout

    async with serve_in_process(attrs.evolve(target, port=free_port()), urna_pm) as server:
        ledger = server.services.ledger
        accepted = [e for e in await ledger.events(election.scope) if e.type == PROTOCOL_ACCEPTED]
        by_precinct = {e.payload["protocol"]["precinct"]: e for e in accepted}
        assert len(by_precinct) == len(accepted), "a protocol restored twice"
        assert set(before) <= set(by_precinct), "an acknowledged protocol is missing"
        for precinct, event in by_precinct.items():
            assert event.seq == acknowledged[precinct]
            assert event.payload["digest"] == protocol_digest(entries[precinct]["protocol"]).hex()

        head = await ledger.head(election.scope)
        rest = [p for p in generated.precincts if p not in by_precinct]
        assert rest, "the backup held every protocol: nothing left to continue with"
        resender = await server.token_client("precinct-sender-2", ["elections.sender"])
        first = await resender.post(url, json=entries[rest[0]])
        assert first.status_code == 201, first.text
        assert first.json()["seq"] == head[0] + 1
        (continued,) = await ledger.events(election.scope, after=head[0])
        assert continued.prev == head[1]
        for precinct in rest[1:]:
            assert (await resender.post(url, json=entries[precinct])).status_code == 201
        folder = tmp_path / "record"
        await ledger.export(election.scope, folder)
    report = verify_files(
        read_bundle(folder).files,
        bundle=election.scope,
        checks=[*core_checks(EVENT_TYPES), *VERIFIER_CHECKS],
    )
    assert report.ok, report.summary_lines()
    assert len(by_precinct) + len(rest) == PRECINCTS
    print(
        f"\nbackup under load ({'SQLite' if urna_settings.uses_sqlite else 'PostgreSQL'}): "
        f"{len(before)} protocols acknowledged before it began, {during} while it ran; "
        f"restored {len(by_precinct)}; {len(rest)} more taken by the restored appliance"
    )
