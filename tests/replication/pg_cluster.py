"""A PostgreSQL primary with a synchronous standby on loopback, for failover tests.

Both servers run from the ``initdb``/``pg_ctl``/``pg_basebackup`` binaries the
test kit finds (``urna.testing.postgres_binaries``), as the ``postgres`` user
when the tests run as root, each in a temporary directory:

* the primary: ``wal_level=replica``, ``synchronous_commit=on`` and
  ``synchronous_standby_names`` naming the standby, so that a commit is
  acknowledged only once the standby has flushed its WAL; ``pg_hba.conf``
  lets ``urna`` connect and ``replicator`` (a role with REPLICATION) stream,
  both with passwords over 127.0.0.1 only;
* the standby: ``pg_basebackup -R`` of the primary (``standby.signal`` and
  ``primary_conninfo``), started with ``cluster_name`` set to the name the
  primary waits for.

``kill_primary()`` sends SIGKILL to the primary's postmaster;
``promote_alone()`` runs ``pg_ctl promote`` and empties the promoted server's
``synchronous_standby_names``. ``stop()`` stops both by their data directories,
then SIGKILLs by PID any server process the killed postmaster left behind.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import attrs
from urna.testing import free_port, postgres_binaries

STANDBY_NAME = "urna_standby"
REPLICATION_USER = "replicator"
HBA = """\
local all all trust
host all urna 127.0.0.1/32 scram-sha-256
host replication replicator 127.0.0.1/32 scram-sha-256
"""
PRIMARY_CONF = f"""
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 4
wal_keep_size = '64MB'
synchronous_commit = on
synchronous_standby_names = '{STANDBY_NAME}'
max_connections = 100
"""
SYNCHRONOUS_STANDBY = (
    "SELECT 1 FROM pg_stat_replication WHERE application_name = "  # noqa: S608 - constants
    f"'{STANDBY_NAME}' AND sync_state = 'sync' AND state = 'streaming'"
)


class ClusterError(RuntimeError):
    """The cluster could not be set up; the message has the tool's last words."""


@attrs.define
class Node:
    data: Path
    port: int

    def postmaster_pid(self) -> int | None:
        """The PID in ``postmaster.pid`` (its first line), if the file is there."""
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None


@attrs.define
class ReplicatedCluster:
    base: Path
    bin_dir: Path
    prefix: list[str]
    password: str = attrs.field(repr=False)
    primary: Node
    standby: Node
    left_behind: set[int] = attrs.field(factory=set)

    def url(self, database: str) -> str:
        """The multi-host URL Urna is given: the primary first, then the standby."""
        return (
            f"postgres://urna:{self.password}@127.0.0.1:{self.primary.port},"
            f"127.0.0.1:{self.standby.port}/{database}?target_session_attrs=read-write"
        )

    def run(self, tool: str, *arguments: str, env: dict[str, str] | None = None) -> None:
        try:
            subprocess.run(
                [*self.prefix, str(self.bin_dir / tool), *arguments],
                check=True,
                capture_output=True,
                env={**os.environ, **(env or {})},
                timeout=120,
            )
        except subprocess.CalledProcessError as exc:
            raise ClusterError(f"{tool}: {exc.stderr.decode(errors='replace')[-500:]}") from None

    def start(self, node: Node, *options: str) -> None:
        settings = " ".join((f"-p {node.port}", f"-k {self.base}", *options))
        self.run(
            "pg_ctl", "-D", str(node.data), "-l", f"{node.data}.log", "-w", "-o", settings, "start"
        )

    def sql(self, node: Node, *statements: str) -> list[list[object]]:
        """Run statements over the local socket as ``urna``; the last one's rows."""
        import asyncpg

        async def run() -> list[list[object]]:
            connection = await asyncpg.connect(
                host=str(self.base), port=node.port, user="urna", database="postgres"
            )
            try:
                for statement in statements[:-1]:
                    await connection.execute(statement)
                return [list(row) for row in await connection.fetch(statements[-1])]
            finally:
                await connection.close()

        return asyncio.run(run())

    def create_database(self, name: str) -> None:
        """Create ``name`` on the primary and wait until the standby has replayed it.

        A synchronous commit waits for the standby to flush, not to apply: a client
        that tries the standby first right away could find no such database there,
        which asyncpg answers with an error instead of trying the next host."""
        assert name.isidentifier(), name  # a test's own plain name, spliced into SQL below
        self.sql(self.primary, f'CREATE DATABASE "{name}"')
        query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608 - checked
        deadline = time.monotonic() + 30
        while not self.sql(self.standby, query):
            assert time.monotonic() < deadline, f"the standby never replayed database {name}"
            time.sleep(0.05)

    def kill_primary(self) -> None:
        """``kill -9`` of the primary's postmaster (its backends are left to notice)."""
        pid = self.primary.postmaster_pid()
        assert pid is not None, "the primary is not running"
        self.left_behind |= _children(pid)
        os.kill(pid, signal.SIGKILL)

    def promote_alone(self) -> None:
        """``pg_ctl promote`` the standby, then let it commit without a standby of its own.

        The standby's configuration is the primary's copy: it names itself as the
        synchronous standby to wait for, so the promoted server's commits would wait
        for ever. Until a new standby is attached, it commits alone: the operator's
        decision at failover (``docs/operator.md``), made here at once."""
        self.run("pg_ctl", "-D", str(self.standby.data), "-w", "promote")
        self.sql(
            self.standby,
            "ALTER SYSTEM SET synchronous_standby_names = ''",
            "SELECT pg_reload_conf()",
        )

    def stop(self) -> None:
        for node in (self.standby, self.primary):
            if node.postmaster_pid() is not None:
                stop = ["-D", str(node.data), "-m", "immediate", "-t", "10", "stop"]
                subprocess.run(
                    [*self.prefix, str(self.bin_dir / "pg_ctl"), *stop],
                    capture_output=True,
                    check=False,
                )
        deadline = time.monotonic() + 10
        while self.left_behind and time.monotonic() < deadline:
            self.left_behind = {pid for pid in self.left_behind if _alive(pid)}
            time.sleep(0.1)
        for pid in self.left_behind:  # a backend that never noticed its postmaster died
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.base, ignore_errors=True)


def start_cluster() -> ReplicatedCluster | str:
    """A primary and its synchronous standby, running; or why there cannot be one."""
    binaries = postgres_binaries()
    if binaries is None:
        return "no initdb/pg_ctl on PATH or under /usr/lib/postgresql"
    bin_dir = Path(binaries[0]).resolve().parent  # /usr/local/bin may hold only links
    if not (bin_dir / "pg_basebackup").exists():
        return f"no pg_basebackup beside {binaries[0]}"
    as_root = os.geteuid() == 0  # initdb refuses to run as root: the servers run as postgres
    if as_root and "postgres" not in {account.pw_name for account in pwd.getpwall()}:
        return "running as root and there is no 'postgres' user to run the servers"
    base = Path(tempfile.mkdtemp(prefix="urna-pg-replicated-"))
    if as_root:
        shutil.chown(base, "postgres", "postgres")
    cluster = ReplicatedCluster(
        base=base,
        bin_dir=bin_dir,
        prefix=["runuser", "-u", "postgres", "--"] if as_root else [],
        password=secrets.token_urlsafe(16),
        primary=Node(base / "primary", free_port()),
        standby=Node(base / "standby", free_port()),
    )
    try:
        _set_up(cluster)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _set_up(cluster: ReplicatedCluster) -> None:
    primary, standby = cluster.primary, cluster.standby
    secret = cluster.base / "password"
    secret.write_text(cluster.password)
    shutil.chown(secret, *_owner(cluster.base))
    cluster.run(
        "initdb",
        *("-D", str(primary.data), "-U", "urna", "-E", "UTF8", "--no-sync"),
        *("--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={secret}"),
    )
    secret.unlink()
    _append_as_owner(primary.data / "pg_hba.conf", HBA, replace=True)
    _append_as_owner(primary.data / "postgresql.conf", PRIMARY_CONF)
    cluster.start(primary)
    cluster.sql(
        primary,
        "SET synchronous_commit = local",  # no standby to wait for yet
        f"CREATE ROLE {REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD '{cluster.password}'",
        "SELECT 1",
    )
    cluster.run(
        "pg_basebackup",
        *("-h", "127.0.0.1", "-p", str(primary.port), "-U", REPLICATION_USER),
        *("-D", str(standby.data), "-R", "-X", "stream", "--no-sync"),
        env={"PGPASSWORD": cluster.password},
    )
    cluster.start(standby, f"-c cluster_name={STANDBY_NAME}")
    deadline = time.monotonic() + 30
    while cluster.sql(primary, SYNCHRONOUS_STANDBY) != [[1]]:
        if time.monotonic() > deadline:
            raise ClusterError("the standby did not become the synchronous standby in 30 s")
        time.sleep(0.1)


def _owner(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_uid, stat.st_gid


def _append_as_owner(path: Path, text: str, *, replace: bool = False) -> None:
    owner = _owner(path)
    with path.open("w" if replace else "a", encoding="utf-8") as file:
        file.write(text)
    os.chown(path, *owner)


def _children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(child) for child in text.split()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
