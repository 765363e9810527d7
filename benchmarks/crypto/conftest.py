"""Shared state for the crypto benchmarks and the bound report printed at the end."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # sibling modules under --import-mode=importlib

import opcount
import workload


@pytest.fixture(scope="session")
def rates() -> dict[str, float]:
    return opcount.refresh_rates()


@pytest.fixture(scope="session")
def bench_setup() -> workload.Setup:
    return workload.setup()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = opcount.report_lines()
    if lines:
        terminalreporter.section("urna crypto: measured vs libsodium bound")
        for line in lines:
            terminalreporter.write_line(line)
