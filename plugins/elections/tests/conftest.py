import csv
import io
import itertools
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import attrs
import pytest
from urna.record.bundle import read_bundle
from urna.testing import require_component
from urna.verify import core_checks, verify_files
from urna_elections.generate import az_protocol_values, generate_election, signed_protocol
from urna_elections.importer import RU_2012_CANDIDATES
from urna_elections.law import load_builtin
from urna_elections.protocol import protocol_digest
from urna_elections.protocols import accept_signed
from urna_elections.record import EVENT_TYPES, VERIFIER_CHECKS
from urna_elections.results import report_turnout
from urna_elections.structure import add_commissions, create_election

SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
RU_2012 = SHARED_DATA / "protocols" / "ru-2012-presidential.csv.zip"
NIST_SCHEMA = SHARED_DATA / "nist" / "NIST_V2_election_results_reporting.json"


@pytest.fixture
def urna_plugins() -> list[str]:
    return ["elections"]


@pytest.fixture
def urna_settings(urna_settings):
    """The kit's settings with ``results_refresh_ms = 0``: these tests read what they have
    just written. The bounded refresh of election night is tested on its own
    (``test_election_night.py``), with the default."""
    sections = {**urna_settings.plugin_sections, "elections": {"results_refresh_ms": 0}}
    return attrs.evolve(urna_settings, plugin_sections=sections)


@pytest.fixture
def urna_command():
    """``urna_command(*args, settings=None)``: the real ``urna`` in its own process with the
    elections plugin enabled, on ``settings``' data directory and database when given (the
    environment's own ``URNA_*`` left out)."""

    def run(*args: object, settings=None) -> subprocess.CompletedProcess[str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("URNA_")}
        env["URNA_PLUGINS_ALLOW"] = "elections"
        command = [sys.executable, "-m", "urna"]
        if settings is not None:
            command += ["--data-dir", str(settings.data_dir)]
            if settings.database_url:
                env["URNA_DATABASE_URL"] = settings.database_url
        return subprocess.run(
            [*command, *map(str, args)], capture_output=True, text=True, timeout=600, env=env
        )

    return run


@pytest.fixture(scope="session")
def ru_2012_text() -> str:
    """The 2012 file's CSV text, read from the shared data (never copied into the repo)."""
    if not RU_2012.exists():
        require_component("shared-data", f"{RU_2012} is not available")
    with zipfile.ZipFile(RU_2012) as archive:
        return archive.read("2012.csv").decode("utf-8")


@pytest.fixture(scope="session")
def nist_schema() -> Path:
    """NIST's results-reporting JSON schema, read from the shared data (never copied)."""
    if not NIST_SCHEMA.exists():
        require_component("shared-data", f"{NIST_SCHEMA} is not available")
    return NIST_SCHEMA


@pytest.fixture(scope="session")
def csv_tools():
    """Helpers for slicing the CSV (importlib mode: tests cannot import conftest)."""

    class Tools:
        sample_rows = staticmethod(sample_rows)
        to_csv = staticmethod(to_csv)

    return Tools


@pytest.fixture
async def ru_2012_election(urna_services):
    """The 2012 Russian presidential election with its central commission only (the
    import adds the regions, territorial commissions and precincts)."""
    ledger = urna_services.ledger
    election = await create_election(
        ledger,
        code="ru-2012",
        title="Presidential election 2012",
        kind="presidential",
        date="2012-03-04",
        profile=load_builtin("ru-2012-presidential"),
        candidates=[{"id": cid, "name": name} for cid, name in RU_2012_CANDIDATES],
    )
    await add_commissions(
        ledger,
        election,
        [{"code": "cec", "name": "Central Election Commission", "kind": "central"}],
    )
    return election


@pytest.fixture
async def portal_election(urna_server):
    """A small generated election for the pages: 2 constituencies, 6 precincts, protocols
    from the first 3 (the first one corrected by a repeat protocol), turnout at 10:00 from
    the first 2 (1,234 voters each). Answers ``(generated, sent)``, ``sent`` mapping each
    precinct to the ``(lines, votes, digest)`` of its current protocol."""
    ledger = urna_server.services.ledger
    generated = await generate_election(ledger, constituencies=2, precincts=6, abroad=0, members=5)
    election = generated.election
    rng = random.Random(5)  # noqa: S311 - made-up figures
    sent = {}
    for precinct in generated.precincts[:3]:
        lines, votes = az_protocol_values(rng, election.candidates)
        entry = signed_protocol(
            election, precinct, lines, votes, generated.member_keys(precinct), signers=4
        )
        await accept_signed(ledger, election, entry, "api")
        sent[precinct] = (lines, votes, protocol_digest(entry["protocol"]).hex())
    first = generated.precincts[0]
    lines, votes = az_protocol_values(rng, election.candidates)
    entry = signed_protocol(
        election,
        first,
        lines,
        votes,
        generated.member_keys(first),
        signers=4,
        supersedes=sent[first][2],
        reason="Recount ordered by the constituency commission",
    )
    await accept_signed(ledger, election, entry, "api")
    sent[first] = (lines, votes, protocol_digest(entry["protocol"]).hex())
    reports = [{"precinct": p, "hour": "10:00", "voters": 1234} for p in generated.precincts[:2]]
    await report_turnout(ledger, election, reports)
    return generated, sent


@pytest.fixture
def record_verifies(tmp_path):
    """``await record_verifies(ledger, scope)``: export the scope's record and assert that
    every check passes, the core's and this plugin's, as ``urna verify`` runs them. Each call
    exports to a folder of its own, so a test may verify its record more than once."""
    calls = itertools.count(1)

    async def check(ledger, scope: str) -> None:
        folder = tmp_path / f"verified-record-{next(calls)}"
        await ledger.export(scope, folder)
        verdict = verify_files(
            read_bundle(folder).files,
            bundle=scope,
            checks=[*core_checks(EVENT_TYPES), *VERIFIER_CHECKS],
        )
        assert verdict.ok, verdict.summary_lines()

    return check


def sample_rows(text: str, every: int) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1::every]


def to_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests (the full 95,415-protocol import) run only when asked: ``pytest -m slow``."""
    if "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with `pytest -m slow`")
    for item in items:
        if "slow" in item.keywords and item.fspath and "elections" in str(item.fspath):
            item.add_marker(skip)
