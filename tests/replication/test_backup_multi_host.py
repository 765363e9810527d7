"""``urna backup`` and ``urna restore`` on a multi-host URL choose the server as the
appliance does: the first host that takes writes, whatever comes before it.

The URL names an address where nothing listens, then the standby, then the primary,
with ``target_session_attrs=read-write``. Reading only the first host fails at once;
the standby would take a dump but refuse a restore (read-only). Both commands must
find the primary, and the restored copy must verify.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import attrs
import pytest
from urna.plugins import make_plugin_manager
from urna.shell.backup import MANIFEST, BackupManifest
from urna.shell.keys import create_key_file
from urna.shell.registry import build_registry
from urna.shell.server import prepare_to_serve
from urna.shell.services import running_services
from urna.shell.settings import Settings
from urna.testing import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.replication]

PASSPHRASE = "a passphrase the operator keeps"


def _url(cluster, database: str) -> str:
    dead, standby, primary = free_port(), cluster.standby.port, cluster.primary.port
    hosts = f"127.0.0.1:{dead},127.0.0.1:{standby},127.0.0.1:{primary}"
    return f"postgres://urna:{cluster.password}@{hosts}/{database}?target_session_attrs=read-write"


def _urna(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("URNA_")}
    env |= {"URNA_BACKUP_PASSPHRASE": PASSPHRASE, "URNA_DATABASE_URL": settings.database_url}
    command = [sys.executable, "-m", "urna", "--data-dir", str(settings.data_dir), *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


async def test_backup_and_restore_find_the_primary_behind_a_dead_host_and_the_standby(
    replicated_cluster, tmp_path
):
    cluster = replicated_cluster
    for database in ("urna", "restored"):
        await asyncio.to_thread(cluster.create_database, database)
    settings = Settings(data_dir=tmp_path / "urna-data", database_url=_url(cluster, "urna"))
    create_key_file(settings.key_path)
    manager = make_plugin_manager(())
    registry = build_registry(manager)
    await prepare_to_serve(settings, registry, manager, migrate=True)
    async with running_services(settings, registry, manager) as services:
        for number in range(5):
            await services.ledger.append(
                "s-one", "core.appliance_started", {"urna_version": f"{number}", "plugins": []}
            )

    backup = tmp_path / "backup"
    made = await asyncio.to_thread(_urna, settings, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert cluster.password not in made.stdout + made.stderr
    heads = {head.scope: head.seq for head in BackupManifest.from_bytes(
        (backup / MANIFEST).read_bytes()
    ).heads}  # fmt: skip
    assert heads["s-one"] == 5  # the appliance key's registration, then five events

    target = attrs.evolve(
        settings, data_dir=tmp_path / "restored", database_url=_url(cluster, "restored")
    )
    restored = await asyncio.to_thread(_urna, target, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "verified s-one (6 events)" in restored.stdout  # loaded on the primary, verified
