"""Fixtures for the elections benchmarks: the elections plugin only."""

import pytest


@pytest.fixture
def urna_plugins() -> list[str]:
    return ["elections"]
