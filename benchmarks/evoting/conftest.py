"""Fixtures for the e-voting benchmarks: the e-voting plugin only."""

import pytest


@pytest.fixture
def urna_plugins() -> list[str]:
    return ["evoting"]
