"""Backups: an online, consistent copy of the appliance, and a restore that checks it.

``urna backup DIR`` copies the database while the appliance keeps writing, from one
read snapshot (SQLite's online backup API in one step; on PostgreSQL ``pg_dump`` of a
snapshot exported by a transaction that reads the heads too), and writes beside the
copy the appliance key sealed under an operator passphrase (Argon2id, then a
SecretBox) and ``manifest.json``: format, Urna version, database kind, time, the
files' digests and every scope's head in that snapshot, signed by the appliance key.

``urna restore DIR`` into a fresh data directory opens the key with the passphrase,
checks the manifest's signature and the digests, loads the copy, and verifies every
scope with the observer's checks (:mod:`urna.verify`) pinned to that key and to the
manifest's head before it accepts anything; when a check fails it removes what it
loaded. The key is written last: the appliance then continues the same chains.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import click
import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from urna import __version__
from urna.crypto.errors import SignatureError
from urna.crypto.hashing import blake2b_256
from urna.crypto.signing import SigningKey, VerifyKey
from urna.errors import UrnaError
from urna.record.canonical import canonical_bytes
from urna.record.errors import RecordError
from urna.record.event import Event
from urna.shell.keys import load_key_file, write_key_file
from urna.shell.pg_url import parse_postgres_url
from urna.shell.settings import Settings

if TYPE_CHECKING:
    import asyncpg

    from urna.shell.cli import CommandContext
    from urna.verify import CheckContext, Failure, RecordView, VerifierCheck

FORMAT = 1
MANIFEST = "manifest.json"
SEALED_KEY = "appliance.key.sealed"
COPIES = {"sqlite": "urna.sqlite3", "postgresql": "database.pgdump"}
PASSPHRASE_ENV = "URNA_BACKUP_PASSPHRASE"  # noqa: S105 - a variable's name, not a secret
MIN_PASSPHRASE = 10
OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_MODERATE
MEMLIMIT = nacl.pwhash.argon2id.MEMLIMIT_MODERATE
MANIFEST_LABEL = b"urna.backup.v1"
FILE_LABEL = b"urna.backup.file"
# The address of the server a connection reached (NULL over a Unix socket).
SERVER_SQL = "SELECT host(inet_server_addr()), inet_server_port()"
HEADS_SQL = "SELECT scope, seq, hash FROM urna_ledger_head WHERE seq >= 0"
EVENTS_SQL = (
    "SELECT scope, seq, prev, time, type, payload, signer, sig FROM urna_ledger_event "
    "WHERE scope = ? ORDER BY seq"
)
# What a fresh PostgreSQL database holds none of: tables, sequences, views.
OCCUPIED_SQL = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm') ORDER BY 1"
)
# The tables a refused restore drops (their sequences and indexes go with them).
TABLES_SQL = (
    "SELECT string_agg(quote_ident(c.relname), ', ') FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
)
Passphrase = Callable[[], str]
Progress = Callable[[str, int], None]


class BackupError(UrnaError):
    """A backup could not be made or restored; the message names why. A failed backup
    leaves no partial copy, a refused restore leaves the data directory as it was."""


@attrs.frozen(slots=True)
class Head:
    scope: str
    seq: int
    hash: str


@attrs.frozen(slots=True)
class BackupManifest:
    """What a backup holds, signed by the appliance key whose sealed seed it carries."""

    database: str
    time: str
    appliance_key: str
    files: dict[str, str]
    """File name -> BLAKE2b-256 (label ``urna.backup.file``) of its bytes, hex."""
    heads: tuple[Head, ...]
    urna_version: str = __version__
    sig: str = ""

    def unsigned(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "urna_version": self.urna_version,
            "database": self.database,
            "time": self.time,
            "appliance_key": self.appliance_key,
            "files": self.files,
            "heads": [attrs.asdict(head) for head in self.heads],
        }

    def message(self) -> bytes:
        return blake2b_256(MANIFEST_LABEL, canonical_bytes(self.unsigned()))

    def signed(self, key: SigningKey) -> BackupManifest:
        return attrs.evolve(self, sig=key.sign(self.message()).hex())

    def verify(self, key: VerifyKey) -> None:
        """Raise unless ``key`` is the backup's key and signed this manifest."""
        if key.hex() != self.appliance_key:
            raise BackupError(
                f"the sealed key is {key.hex()}, the manifest names {self.appliance_key}: "
                "the backup's files do not belong together"
            )
        try:
            key.verify_hex(self.message(), self.sig)
        except SignatureError:
            raise BackupError(
                f"{MANIFEST}'s signature does not verify: the backup was altered"
            ) from None

    def to_bytes(self) -> bytes:
        return json.dumps({**self.unsigned(), "sig": self.sig}, indent=1).encode() + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> BackupManifest:
        try:
            obj = json.loads(data)
            if obj["format"] != FORMAT:
                raise BackupError(f"{MANIFEST} is of format {obj['format']!r}, not {FORMAT}")
            manifest = cls(
                database=obj["database"],
                time=obj["time"],
                appliance_key=obj["appliance_key"],
                files=dict(obj["files"]),
                heads=tuple(Head(h["scope"], h["seq"], h["hash"]) for h in obj["heads"]),
                urna_version=obj["urna_version"],
                sig=obj["sig"],
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackupError(f"{MANIFEST} is not a backup manifest") from None
        if manifest.database not in COPIES:
            raise BackupError(f"{MANIFEST} names an unknown database {manifest.database!r}")
        return manifest


def seal_key(key: SigningKey, passphrase: str) -> bytes:
    """The key's seed in a SecretBox under Argon2id(passphrase, a random salt)."""
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_box_key(passphrase, salt, OPSLIMIT, MEMLIMIT))
    sealed = {
        "kdf": "argon2id",
        "opslimit": OPSLIMIT,
        "memlimit": MEMLIMIT,
        "salt": salt.hex(),
        "box": bytes(box.encrypt(key.seed())).hex(),
    }
    return json.dumps(sealed).encode() + b"\n"


def unseal_key(data: bytes, passphrase: str) -> SigningKey:
    """The key :func:`seal_key` sealed; a wrong passphrase is one clear error."""
    argon2id = nacl.pwhash.argon2id
    try:
        sealed = json.loads(data)
        ops, mem = int(sealed["opslimit"]), int(sealed["memlimit"])
        salt, box = bytes.fromhex(sealed["salt"]), bytes.fromhex(sealed["box"])
        if not (
            sealed["kdf"] == "argon2id"
            and argon2id.OPSLIMIT_MIN <= ops <= argon2id.OPSLIMIT_SENSITIVE
            and argon2id.MEMLIMIT_MIN <= mem <= argon2id.MEMLIMIT_SENSITIVE
            and len(salt) == argon2id.SALTBYTES
        ):
            raise ValueError("out of range")
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{SEALED_KEY} is damaged") from None
    try:
        seed = nacl.secret.SecretBox(_box_key(passphrase, salt, ops, mem)).decrypt(box)
    except nacl.exceptions.CryptoError:
        raise BackupError("wrong passphrase: it does not open the backup's appliance key") from None
    return SigningKey.from_seed(seed)


def _box_key(passphrase: str, salt: bytes, ops: int, mem: int) -> bytes:
    size = nacl.secret.SecretBox.KEY_SIZE
    secret = passphrase.encode("utf-8")
    return bytes(nacl.pwhash.argon2id.kdf(size, secret, salt, opslimit=ops, memlimit=mem))


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        hasher = hashlib.file_digest(
            handle, lambda: hashlib.blake2b(digest_size=32, person=FILE_LABEL)
        )
    return hasher.hexdigest()


# -- backup -------------------------------------------------------------------------


def back_up(settings: Settings, directory: Path, passphrase: Passphrase) -> BackupManifest:
    """Copy the database and the sealed key into ``directory`` (new or empty), then
    write the signed manifest. ``passphrase`` is asked for after the cheap checks."""
    from urna.shell.ledger import format_time, utc_now

    key = load_key_file(settings.key_path)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory} is not an empty directory: back up into a new one")
    secret = passphrase()
    if len(secret) < MIN_PASSPHRASE:
        raise BackupError(f"the backup passphrase needs at least {MIN_PASSPHRASE} characters")
    kind = "sqlite" if settings.uses_sqlite else "postgresql"
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)  # the copy holds password hashes; the key is sealed
    copy = directory / COPIES[kind]
    try:
        if settings.uses_sqlite:
            heads = _copy_sqlite(settings.sqlite_path, copy)
        else:
            heads = asyncio.run(_dump_postgres(settings, copy))
        (directory / SEALED_KEY).write_bytes(seal_key(key, secret))
        names = (copy.name, SEALED_KEY)
        manifest = BackupManifest(
            database=kind,
            time=format_time(utc_now()),
            appliance_key=key.verify_key.hex(),
            files={name: file_digest(directory / name) for name in names},
            heads=tuple(sorted(heads, key=lambda head: head.scope)),
        ).signed(key)
        (directory / MANIFEST).write_bytes(manifest.to_bytes())
        for name in (*names, MANIFEST):
            _make_durable(directory / name)
        _make_durable(directory)
    except BaseException:
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        for name in (copy.name, f"{copy.name}-journal", SEALED_KEY, MANIFEST):
            (directory / name).unlink(missing_ok=True)
        raise
    return manifest


def _make_durable(path: Path) -> None:
    if path.is_file():
        path.chmod(0o600)
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _copy_sqlite(source: Path, target: Path) -> list[Head]:
    """One backup step over all pages: one read transaction, so one consistent snapshot,
    while writers go on appending to the WAL. The copy is a single file (no WAL)."""
    if not source.is_file():
        raise BackupError(f"no database at {source}: nothing to back up")
    try:
        with (
            contextlib.closing(sqlite3.connect(_read_only(source), uri=True, timeout=10)) as live,
            contextlib.closing(sqlite3.connect(target)) as copy,
        ):
            live.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy {source}: {exc}") from None
    with _sqlite_ledger(target) as ledger:
        return asyncio.run(ledger.heads())


def _read_only(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


async def _dump_postgres(settings: Settings, target: Path) -> list[Head]:
    """``pg_dump`` of a snapshot exported by the transaction that reads the heads, so
    the manifest's heads are those of the dump, whatever commits meanwhile."""
    connection, server = await _connect(settings)
    try:
        with _postgres_errors():
            async with connection.transaction(isolation="repeatable_read", readonly=True):
                snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
                heads = await _PostgresLedger(connection).heads()
                await _run_tool(
                    server,
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                )
    finally:
        await connection.close()
    return heads


@contextlib.contextmanager
def _postgres_errors() -> Iterator[None]:
    """PostgreSQL's refusals (no such table, no such database, ...) as one clear line."""
    import asyncpg

    try:
        yield
    except asyncpg.PostgresError as exc:
        raise BackupError(f"PostgreSQL: {exc}") from None


@attrs.frozen(slots=True)
class _Server:
    """The one PostgreSQL server a backup or restore works on, for its client tools."""

    host: str
    port: int
    user: str
    password: str = attrs.field(repr=False)
    database: str


async def _connect(settings: Settings) -> tuple[asyncpg.Connection, _Server]:
    """A connection chosen as the server chooses one (:mod:`urna.shell.postgres_engine`):
    the first of the URL's hosts that matches its ``target_session_attrs``, the writable
    primary for a primary and its standbys; and that server's address, so that
    ``pg_dump`` reads the snapshot the connection exported and ``pg_restore`` writes
    where the appliance will (the standby would refuse it)."""
    import asyncpg

    target = parse_postgres_url(settings.database_url)
    with _postgres_errors():
        connection = await asyncpg.connect(
            host=list(target.hosts),
            port=list(target.ports),
            user=target.user or None,
            password=target.password or None,
            database=target.database,
            target_session_attrs=target.target_session_attrs,
        )
    try:
        row = await connection.fetchrow(SERVER_SQL)
    except BaseException:
        await connection.close()
        raise
    host, port = row[0], row[1]
    if host is None:  # a Unix socket: the URL names one address
        host, port = target.hosts[0], target.ports[0]
    return connection, _Server(host, port, target.user, target.password, target.database)


async def _run_tool(server: _Server, name: str, *arguments: str) -> None:
    """Run a PostgreSQL client tool against ``server``; the password goes in its
    environment, never on its command line (where ``ps`` would show it)."""
    environment = {
        **os.environ,
        "PGHOST": server.host,
        "PGPORT": str(server.port),
        "PGDATABASE": server.database,
    }
    for variable, value in (("PGUSER", server.user), ("PGPASSWORD", server.password)):
        if value:
            environment[variable] = value
    process = await asyncio.create_subprocess_exec(
        _postgres_tool(name),
        *arguments,
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, error = await process.communicate()
    if process.returncode:
        lines = error.decode(errors="replace").strip().splitlines() or ["no message"]
        raise BackupError(f"{name} failed: {lines[-1]}")


def _postgres_tool(name: str) -> str:
    """``name`` on PATH, else from the newest /usr/lib/postgresql/<version>/bin."""
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit() else 0,
        reverse=True,
    )
    for directory in [None, *versions]:
        found = shutil.which(name, path=directory)
        if found:
            return found
    raise BackupError(f"no {name} on PATH or under /usr/lib/postgresql: install postgresql-client")


# -- reading a ledger outside tortoise ------------------------------------------------


class _Ledger(Protocol):
    async def heads(self) -> list[Head]: ...

    async def rows(self, scope: str) -> Sequence[Sequence[Any]]: ...


class _SqliteLedger:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def heads(self) -> list[Head]:
        return [Head(*row) for row in self._connection.execute(HEADS_SQL)]

    async def rows(self, scope: str) -> Sequence[Sequence[Any]]:
        return self._connection.execute(EVENTS_SQL, (scope,)).fetchall()


@contextlib.contextmanager
def _sqlite_ledger(path: Path) -> Iterator[_SqliteLedger]:
    try:
        with contextlib.closing(sqlite3.connect(_read_only(path), uri=True)) as connection:
            yield _SqliteLedger(connection)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the database copy {path.name} cannot be read: {exc}") from None


class _PostgresLedger:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def heads(self) -> list[Head]:
        return [Head(*row) for row in await self._connection.fetch(HEADS_SQL)]

    async def rows(self, scope: str) -> Sequence[Sequence[Any]]:
        rows: list[Sequence[Any]] = await self._connection.fetch(
            EVENTS_SQL.replace("?", "$1"), scope
        )
        return rows


# -- restore ------------------------------------------------------------------------


def open_backup(settings: Settings, directory: Path) -> BackupManifest:
    """The backup's manifest, once the target is known fresh and of the backup's kind."""
    try:
        manifest = BackupManifest.from_bytes((directory / MANIFEST).read_bytes())
    except FileNotFoundError:
        raise BackupError(f"{directory} is not an Urna backup (no {MANIFEST})") from None
    target = "sqlite" if settings.uses_sqlite else "postgresql"
    if manifest.database != target:
        raise BackupError(
            f"the backup holds a {manifest.database} database but the settings use {target}: "
            "set database_url (empty for SQLite) to match"
        )
    occupied = [settings.key_path]
    if settings.uses_sqlite:
        occupied.append(settings.sqlite_path)
    for path in occupied:
        if path.exists():
            raise BackupError(f"{path} exists: restore only into a fresh data directory")
    return manifest


def restore(
    settings: Settings,
    directory: Path,
    manifest: BackupManifest,
    passphrase: Passphrase,
    *,
    jobs: int = 1,
    progress: Progress = lambda scope, events: None,
) -> SigningKey:
    """Load the backup into the fresh target of ``settings``, verify every scope, and
    only then write the key; answer it. Nothing stays written when a step fails."""
    key = unseal_key(_read(directory / SEALED_KEY), passphrase())
    manifest.verify(key.verify_key)
    for name in (COPIES[manifest.database], SEALED_KEY):
        if file_digest(directory / name) != manifest.files.get(name):
            raise BackupError(f"{directory / name} differs from the manifest: damaged or altered")
    created = not settings.data_dir.exists()
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        asyncio.run(_load_and_verify(settings, directory, manifest, key, jobs, progress))
        write_key_file(settings.key_path, key)
    except BaseException:
        if created:
            shutil.rmtree(settings.data_dir, ignore_errors=True)
        raise
    return key


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BackupError(f"the backup lacks {path.name}") from None


async def _load_and_verify(
    settings: Settings,
    directory: Path,
    manifest: BackupManifest,
    key: SigningKey,
    jobs: int,
    progress: Progress,
) -> None:
    copy = directory / COPIES[manifest.database]
    loaded = _sqlite_target if settings.uses_sqlite else _postgres_target
    async with loaded(settings, copy) as ledger:
        await _verify_ledger(ledger, manifest, key, jobs=jobs, progress=progress)


@contextlib.asynccontextmanager
async def _sqlite_target(settings: Settings, copy: Path) -> AsyncIterator[_Ledger]:
    """The copy beside the database's place, moved there once the body accepts it."""
    staging = settings.sqlite_path.with_name(settings.sqlite_path.name + ".restoring")
    shutil.copyfile(copy, staging)
    try:
        with _sqlite_ledger(staging) as ledger:
            yield ledger
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    os.replace(staging, settings.sqlite_path)


@contextlib.asynccontextmanager
async def _postgres_target(settings: Settings, copy: Path) -> AsyncIterator[_Ledger]:
    """The dump restored (in one transaction) into the empty database; every table is
    dropped again when the body refuses it."""
    connection, server = await _connect(settings)
    try:
        present = [row[0] for row in await connection.fetch(OCCUPIED_SQL)]
        if present:
            raise BackupError(
                f"database {server.database} already holds {present[0]} "
                f"(and {len(present) - 1} more): restore only into an empty database"
            )
        await _run_tool(
            server,
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={server.database}",
            str(copy),
        )
        try:
            with _postgres_errors():
                yield _PostgresLedger(connection)
        except BaseException:
            tables = await connection.fetchval(TABLES_SQL)
            await connection.execute(f"DROP TABLE IF EXISTS {tables} CASCADE")
            raise
    finally:
        await connection.close()


async def _verify_ledger(
    ledger: _Ledger,
    manifest: BackupManifest,
    key: SigningKey,
    *,
    jobs: int = 1,
    progress: Progress = lambda scope, events: None,
) -> None:
    """Verify every scope as an observer would, pinned to ``key`` and to the manifest's
    heads (with every installed plugin's checks); raise naming the first failure."""
    from urna.plugins import installed_verifiers
    from urna.record.bundle import bundle_files
    from urna.shell.verify_command import observer_checks
    from urna.verify import verify_files

    checks = observer_checks(installed_verifiers(), None, key.verify_key.hex())
    stored = {head.scope: head for head in await ledger.heads()}
    unnamed = sorted(set(stored) - {head.scope for head in manifest.heads})
    if unnamed:
        raise BackupError(f"scope {unnamed[0]}: check backup.head failed: not in the manifest")
    for head in manifest.heads:
        try:
            events = [_event(row) for row in await ledger.rows(head.scope)]
            files = bundle_files(events, key=key, time=manifest.time)
        except RecordError as exc:
            raise BackupError(
                f"scope {head.scope}: check {exc.check} failed at {exc.where}: {exc}"
            ) from None
        scope_checks = [*checks, _head_check(head, stored.get(head.scope))]
        report = verify_files(files, bundle=head.scope, checks=scope_checks, jobs=jobs)
        if not report.ok:
            failed = report.failed
            first = failed[0].failures[0] if failed[0].failures else None
            detail = f"{first.where}: {first.message}" if first else failed[0].reason
            raise BackupError(
                f"scope {head.scope}: check{'s' * (len(failed) > 1)} "
                f"{', '.join(result.id for result in failed)} failed; "
                f"first at {detail}"
            )
        progress(head.scope, len(events))


def _event(row: Sequence[Any]) -> Event:
    scope, seq, prev, time, type_, payload, signer, sig = row
    try:
        parsed = json.loads(payload)
    except ValueError:
        raise RecordError("the payload is not JSON", where=f"{scope}#{seq}") from None
    fields = {"scope": scope, "seq": seq, "prev": prev, "time": time, "type": type_}
    return Event.from_json({**fields, "payload": parsed, "signer": signer, "sig": sig})


def _head_check(expected: Head, stored: Head | None) -> VerifierCheck:
    from urna.verify import Failure, VerifierCheck

    def check_backup_head(record: RecordView, _: CheckContext) -> Iterator[Failure]:
        """The scope ends at the head the backup's signed manifest names, and the
        copy's head row says so too: nothing was cut off or added after the backup."""
        last = record.events[-1]
        if (last.seq, last.hash().hex()) != (expected.seq, expected.hash):
            yield Failure(
                "backup.head",
                last.where,
                f"the copy ends here, the backup manifest names seq {expected.seq}",
            )
        if stored != expected:
            yield Failure("backup.head", f"head of {expected.scope}", "differs from the manifest")

    return VerifierCheck("backup.head", "Head named by the backup manifest", check_backup_head)


# -- the commands -------------------------------------------------------------------


def _passphrase_source(descriptor: int | None, *, confirm: bool) -> Passphrase:
    """From a file descriptor (its first line), else ``URNA_BACKUP_PASSPHRASE``, else
    asked on the terminal (twice when making a backup). Never echoed or logged."""

    def ask() -> str:
        if descriptor is not None:
            try:
                with os.fdopen(descriptor, encoding="utf-8", closefd=False) as stream:
                    return stream.readline().rstrip("\n")
            except OSError as exc:
                raise click.BadParameter(
                    f"cannot read file descriptor {descriptor}: {exc.strerror}",
                    param_hint="--passphrase-fd",
                ) from None
        if os.environ.get(PASSPHRASE_ENV):
            return os.environ[PASSPHRASE_ENV]
        if not sys.stdin.isatty():
            raise click.UsageError(
                f"no terminal to ask the passphrase on: use --passphrase-fd or {PASSPHRASE_ENV}"
            )
        answer: str = click.prompt(
            "backup passphrase", hide_input=True, confirmation_prompt=confirm
        )
        return answer

    return ask


PASSPHRASE_FD = click.option(
    "--passphrase-fd",
    type=click.IntRange(min=0),
    help=f"Read the passphrase from this file descriptor (else {PASSPHRASE_ENV}, else asked).",
)


@click.command(name="backup")
@click.argument("directory", type=click.Path(path_type=Path))
@PASSPHRASE_FD
@click.pass_obj
def backup_command(context: CommandContext, directory: Path, passphrase_fd: int | None) -> None:
    """Copy the database, and the key sealed under a passphrase, into the new DIRECTORY
    (the appliance may go on serving)."""
    settings = context.require_initialised()
    manifest = back_up(settings, directory, _passphrase_source(passphrase_fd, confirm=True))
    events = sum(head.seq + 1 for head in manifest.heads)
    click.echo(
        f"backed up {len(manifest.heads)} scopes ({events} events, {manifest.database}) "
        f"to {directory}"
    )


@click.command(name="restore")
@click.argument("directory", type=click.Path(path_type=Path, exists=True, file_okay=False))
@PASSPHRASE_FD
@click.option(
    "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="all cores"
)
@click.pass_obj
def restore_command(
    context: CommandContext, directory: Path, passphrase_fd: int | None, jobs: int
) -> None:
    """Restore the backup in DIRECTORY into a fresh data directory (and, on PostgreSQL, an
    empty database), verifying every scope before accepting it."""
    from urna.shell.cli import initialise

    settings = context.settings
    manifest = open_backup(settings, directory)

    def verified(scope: str, events: int) -> None:
        click.echo(f"verified {scope} ({events} events)")

    key = restore(
        settings,
        directory,
        manifest,
        _passphrase_source(passphrase_fd, confirm=False),
        jobs=jobs,
        progress=verified,
    )
    initialise(context, if_missing=True)  # the default settings file, if there is none
    click.echo(
        f"restored {len(manifest.heads)} scopes from {manifest.time}; "
        f"fingerprint: {key.verify_key.hex()}"
    )
