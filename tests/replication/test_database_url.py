"""Multi-host database URLs: parsed strictly, never echoing the password; the primary is
found whatever the hosts' order; a write with no primary answers 503, never 500."""

from __future__ import annotations

import asyncio
import random

import pytest
from urna.plugins import make_plugin_manager
from urna.shell.keys import create_key_file
from urna.shell.pg_url import PostgresTarget, parse_postgres_url
from urna.shell.settings import Settings, SettingsError, load_settings
from urna.testing import free_port, serve_in_process
from urna_elections.generate import generate_election

SECRET = "s3cr%40t"


def test_a_multi_host_url_names_every_host_in_order() -> None:
    url = f"postgresql://urna:{SECRET}@db1:5433,[::1]:5434,db3/urna?target_session_attrs=read-write"
    assert parse_postgres_url(url) == PostgresTarget(
        hosts=("db1", "::1", "db3"),
        ports=(5433, 5434, 5432),
        user="urna",
        password="s3cr@t",
        database="urna",
        target_session_attrs="read-write",
    )
    assert "s3cr" not in repr(parse_postgres_url(url))


@pytest.mark.parametrize(
    ("url", "names"),
    [
        (f"postgres://urna:{SECRET}@db1,db2/urna", "target_session_attrs=read-write"),
        (f"postgres://urna:{SECRET}@db1:99999/urna", "port '99999'"),
        (f"postgres://urna:{SECRET}@db1:x/urna", "port 'x'"),
        (f"postgres://urna:{SECRET}@db1,/urna?target_session_attrs=any", "empty host"),
        (f"postgres://urna:{SECRET}@db1", "one database"),
        (f"postgres://urna:{SECRET}@db1/urna?sslmode=require", "'sslmode' is not supported"),
        (f"postgres://urna:{SECRET}@db1/urna?target_session_attrs=rw", "one of any"),
        (f"postgres://urna:{SECRET}@db1/urna?target_session_attrs", "key=value"),
        (f"mysql://urna:{SECRET}@db1/urna", "postgres://"),
    ],
)
def test_a_bad_url_is_refused_naming_the_part_and_not_the_password(url, names, tmp_path):
    with pytest.raises(SettingsError) as refused:
        load_settings(data_dir=tmp_path, env={"URNA_DATABASE_URL": url})
    assert names in str(refused.value)
    assert "s3cr" not in str(refused.value)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"URNA_READ_REPLICA_URL": f"postgres://urna:{SECRET}@db2/urna"}, "needs database_url"),
        (
            {
                "URNA_DATABASE_URL": f"postgres://urna:{SECRET}@db1/urna",
                "URNA_READ_REPLICA_URL": f"postgres://urna:{SECRET}@db2,db3/urna",
            },
            "read_replica_url names several hosts: add ?target_session_attrs=standby",
        ),
        (
            {
                "URNA_DATABASE_URL": f"postgres://urna:{SECRET}@db1/urna",
                "URNA_READ_REPLICA_URL": (
                    f"postgres://urna:{SECRET}@db1,db2/urna?target_session_attrs=read-write"
                ),
            },
            "must not ask for the primary",
        ),
        (
            {
                "URNA_DATABASE_URL": f"postgres://urna:{SECRET}@db1/urna",
                "URNA_READ_REPLICA_URL": f"postgres://urna:{SECRET}@db2:0/urna",
            },
            "read_replica_url port '0'",
        ),
    ],
)
def test_a_bad_read_replica_url_is_refused_naming_the_part(env, names, tmp_path):
    with pytest.raises(SettingsError) as refused:
        load_settings(data_dir=tmp_path, env=env)
    assert names in str(refused.value)
    assert "s3cr" not in str(refused.value)


def test_a_read_replica_url_is_kept_out_of_the_settings_repr(tmp_path):
    settings = load_settings(
        data_dir=tmp_path,
        env={
            "URNA_DATABASE_URL": f"postgres://urna:{SECRET}@db1/urna",
            "URNA_READ_REPLICA_URL": f"postgres://urna:{SECRET}@db2/urna",
        },
    )
    assert settings.read_replica_max_lag_seconds == 5
    assert "s3cr" not in repr(settings)


@pytest.mark.postgres
async def test_the_primary_is_found_in_any_order_and_no_primary_answers_503(
    replicated_cluster, tmp_path
):
    cluster = replicated_cluster
    await asyncio.to_thread(cluster.create_database, "urna")
    standby_first = (
        f"postgres://urna:{cluster.password}@127.0.0.1:{cluster.standby.port},"
        f"127.0.0.1:{cluster.primary.port}/urna?target_session_attrs=read-write"
    )
    settings = Settings(
        data_dir=tmp_path / "urna-data",
        database_url=standby_first,
        port=free_port(),
        plugins_allow=("elections",),
    )
    assert cluster.password not in repr(settings)
    create_key_file(settings.key_path)
    async with serve_in_process(settings, make_plugin_manager(settings.plugins_allow)) as server:
        generated = await generate_election(
            server.services.ledger, constituencies=1, precincts=2, abroad=0, members=5
        )
        election = generated.election
        sender = await server.token_client("precinct-sender", ["elections.sender"])
        entries = list(generated.signed_protocols(random.Random(7)).values())
        url = f"/p/elections/elections/{election.code}/protocols"
        assert (await sender.post(url, json=entries[0])).status_code == 201
        cluster.kill_primary()
        refused = await sender.post(url, json=entries[1])
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == "1"
        assert "send the same request again" in refused.json()["error"]
        assert cluster.password not in refused.text
