"""The parliament benchmarks run the plugin alone on the embedded SQLite."""

import pytest


@pytest.fixture
def urna_plugins() -> list[str]:
    return ["parliament"]


@pytest.fixture
def urna_database() -> str:
    return ""
