import csv
import io
import zipfile
from pathlib import Path

import pytest
from urna.testing import require_component

SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
RU_2012 = SHARED_DATA / "protocols" / "ru-2012-presidential.csv.zip"
NIST_SCHEMA = SHARED_DATA / "nist" / "NIST_V2_election_results_reporting.json"


@pytest.fixture
def urna_plugins() -> list[str]:
    return ["elections"]


@pytest.fixture(scope="session")
def ru_2012_text() -> str:
    """The 2012 file's CSV text, read from the shared data (never copied into the repo)."""
    if not RU_2012.exists():
        require_component("shared-data", f"{RU_2012} is not available")
    with zipfile.ZipFile(RU_2012) as archive:
        return archive.read("2012.csv").decode("utf-8")


@pytest.fixture(scope="session")
def csv_tools():
    """Helpers for slicing the CSV (importlib mode: tests cannot import conftest)."""

    class Tools:
        sample_rows = staticmethod(sample_rows)
        to_csv = staticmethod(to_csv)

    return Tools


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
