"""The database: tortoise configuration, migrations, and the embedded SQLite's guarantees.

The core is the tortoise app ``urna``; each plugin with models is an app
named after the plugin, with its own committed migrations. SQLite runs in
WAL mode with ``synchronous=FULL`` (WAL with NORMAL can lose committed
transactions on power loss) and a busy timeout; PostgreSQL is chosen by a
``database_url``, which may name a primary and its standbys
(:mod:`urna.shell.postgres_engine`).
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.migrations.api import migrate as tortoise_migrate
from tortoise.migrations.executor import PlanStep

from urna.contributions import ModelApp
from urna.errors import UrnaError
from urna.shell.pg_url import PostgresTarget, parse_postgres_url
from urna.shell.settings import Settings

QUERY_LOGGERS = ("tortoise.db_client", "aiosqlite")
CORE_APP = "urna"
CORE_MODELS = ModelApp(models="urna.shell.models", migrations="urna.shell.migrations")
SQLITE_PRAGMAS = {"journal_mode": "WAL", "synchronous": "FULL", "busy_timeout": 10000}
# What SQLite reports back for each pragma when it is in force.
SQLITE_EXPECTED = {"journal_mode": "wal", "synchronous": 2, "busy_timeout": 10000}


class DatabaseError(UrnaError):
    """The database is unreachable, unmigrated or not configured as Urna requires."""


def connection_name(settings: Settings) -> str:
    """Named after the dialect: tortoise caches compiled SQL per connection name, so one
    process that opens SQLite and then PostgreSQL (as the test suite does) must not reuse
    one name for both."""
    return "sqlite" if settings.uses_sqlite else "postgres"


def current_connection() -> BaseDBAsyncClient:
    """The one configured connection (the transaction's, inside a transaction)."""
    connection: BaseDBAsyncClient = connections.get(next(iter(connections.db_config)))
    return connection


def in_dialect(connection: BaseDBAsyncClient, query: str) -> str:
    """A query written with ``?`` placeholders, as ``connection`` wants them (``$1``... on
    PostgreSQL). For the few hot statements written as SQL rather than through the ORM."""
    if connection.capabilities.dialect != "postgres":
        return query
    parts = query.split("?")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], start=1)) + parts[-1]


def tortoise_config(settings: Settings, model_apps: Mapping[str, ModelApp]) -> dict[str, Any]:
    """The tortoise configuration for the core app and every plugin app."""
    apps = {CORE_APP: CORE_MODELS, **model_apps}
    name = connection_name(settings)
    return {
        "connections": {name: _connection(settings)},
        "apps": {
            label: {
                "models": [app.models],
                "migrations": app.migrations,
                "default_connection": name,
            }
            for label, app in apps.items()
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _connection(settings: Settings) -> dict[str, Any]:
    if settings.uses_sqlite:
        return {
            "engine": "urna.shell.sqlite_engine",
            "credentials": {"file_path": str(settings.sqlite_path), **SQLITE_PRAGMAS},
        }
    return {
        "engine": "urna.shell.postgres_engine",
        "credentials": postgres_credentials(parse_postgres_url(settings.database_url)),
    }


def postgres_credentials(target: PostgresTarget) -> dict[str, Any]:
    """The arguments of :class:`~urna.shell.postgres_engine.MultiHostClient` for ``target``."""
    credentials: dict[str, Any] = {
        "hosts": list(target.hosts),
        "ports": list(target.ports),
        "host": target.hosts[0],
        "port": target.ports[0],
        "user": target.user,
        "password": target.password,
        "database": target.database,
        "minsize": 1,
        "maxsize": 10,
    }
    if target.target_session_attrs is not None:
        credentials["target_session_attrs"] = target.target_session_attrs
    return credentials


async def open_database(settings: Settings, model_apps: Mapping[str, ModelApp]) -> None:
    """Initialise tortoise for this process and check the SQLite pragmas are in force."""
    # tortoise and aiosqlite log every statement with its values at DEBUG: password,
    # session and token hashes. Keep them out of the logs even with DEBUG turned on.
    for name in QUERY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    if settings.uses_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Request handlers run in tasks that do not inherit this one's context: the
    # global fallback is how tortoise's own sanic integration makes them see it.
    await Tortoise.init(config=tortoise_config(settings, model_apps), _enable_global_fallback=True)
    if settings.uses_sqlite:
        await check_sqlite_pragmas()


async def close_database() -> None:
    await Tortoise.close_connections()


async def check_sqlite_pragmas() -> None:
    """Refuse to run unless WAL, synchronous=FULL and the busy timeout are in force."""
    connection = current_connection()
    for pragma, expected in SQLITE_EXPECTED.items():
        rows = await connection.execute_query_dict(f"PRAGMA {pragma}")
        actual = next(iter(rows[0].values())) if rows else None
        if actual != expected:
            raise DatabaseError(
                f"SQLite pragma {pragma} is {actual!r}, Urna requires {expected!r}: "
                "the database could lose committed events on power loss"
            )


async def migrate(settings: Settings, model_apps: Mapping[str, ModelApp]) -> list[str]:
    """Apply every committed migration of the core and the plugins; answer the names
    (``app.migration``) of those it applied, empty when the database was up to date."""
    if settings.uses_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    applied: list[str] = []

    def note(_connection: str, plan: list[PlanStep], _fake: bool, _dry_run: bool) -> None:
        applied.extend(
            f"{s.migration.app_label}.{s.migration.name}" for s in plan if not s.backward
        )

    try:
        await tortoise_migrate(config=tortoise_config(settings, model_apps), reporter=note)
    finally:
        await Tortoise.close_connections()
    return applied


async def make_migrations(
    settings: Settings,
    model_apps: Mapping[str, ModelApp],
    labels: tuple[str, ...],
    name: str | None,
) -> None:
    """Write new migration files for model changes (a development command)."""
    from tortoise.cli import cli as tortoise_cli

    config = tortoise_config(settings, model_apps)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "tortoise.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        await tortoise_cli.makemigrations(
            tortoise_cli.CLIContext(None, str(path)), labels, False, name
        )
