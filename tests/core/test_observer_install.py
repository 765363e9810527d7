"""The observer's install, exactly as ``docs/verifier.md`` gives it, in a fresh virtual
environment: ``pip install ./core ./plugins/parliament ./plugins/elections``.

It must verify an exported election record with every plugin's checks, and bring no
web server, database layer or device code: sanic, tortoise, asyncpg and pyudev are not
importable there, and a command that runs the appliance says what to install in one
line instead of a traceback.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from urna_elections.generate import generate_election

REPO = Path(__file__).resolve().parents[2]
OBSERVER_INSTALL = ["./core", "./plugins/parliament", "./plugins/elections"]
APPLIANCE_ONLY = ("sanic", "tortoise", "asyncpg", "aiosqlite", "pyudev", "jinja2", "babel")
SQLITE_ONLY = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def observer_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("observer") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [str(venv / "bin/pip"), "install", "-q", *OBSERVER_INSTALL],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    return venv


@SQLITE_ONLY
async def test_the_observer_install_verifies_an_election_record_without_the_appliance(
    observer_venv, urna_server, tmp_path
):
    ledger = urna_server.services.ledger
    generated = await generate_election(ledger, constituencies=1, precincts=4, abroad=0, members=5)
    election = generated.election
    sender = await urna_server.token_client("precinct-sender", ["elections.sender"])
    for entry in generated.signed_protocols(random.Random(3)).values():
        url = f"/p/elections/elections/{election.code}/protocols"
        assert (await sender.post(url, json=entry)).status_code == 201
    bundle = await ledger.export(election.scope, tmp_path / "record")

    report = tmp_path / "report.json"
    verified = await asyncio.to_thread(
        subprocess.run,
        [
            str(observer_venv / "bin/urna"),
            "verify",
            str(bundle),
            "--json",
            str(report),
            "--key",
            urna_server.services.fingerprint,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    checks = {check["id"]: check["status"] for check in json.loads(report.read_text())["checks"]}
    assert checks["record.trusted-key"] == "passed"
    assert checks["record.payloads"] == "passed"  # the elections event types were known
    elections = [status for check, status in checks.items() if check.startswith("elections.")]
    assert elections and set(elections) <= {"passed", "not applicable"}
    assert "passed" in elections

    probe = "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])"
    found = await asyncio.to_thread(
        subprocess.run,
        [str(observer_venv / "bin/python"), "-c", probe, *APPLIANCE_ONLY],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "[]", f"the observer's install brought {found.stdout}"


def test_the_observer_install_refuses_to_serve_in_one_line(observer_venv, tmp_path):
    urna = str(observer_venv / "bin/urna")
    data = str(tmp_path / "data")
    subprocess.run([urna, "--data-dir", data, "init"], check=True, capture_output=True)
    served = subprocess.run(
        [urna, "--data-dir", data, "serve"], capture_output=True, text=True, timeout=120
    )
    assert served.returncode == 1
    assert served.stderr.count("\n") == 1, served.stderr
    assert "no module sanic" in served.stderr
    assert "urna[appliance]" in served.stderr
