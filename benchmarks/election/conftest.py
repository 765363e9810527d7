"""Fixtures of the election benchmarks: the cached 10,000-ballot bundle, figures printed last."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # bundle_cache (importlib mode)

import bundle_cache


@pytest.fixture(scope="session")
def bundle_10k() -> tuple[Path, dict[str, Any]]:
    return bundle_cache.cached_bundle()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = bundle_cache.figures()
    if lines:
        terminalreporter.section("urna election: 10,000-ballot bundle")
        for line in lines:
            terminalreporter.write_line(line)
