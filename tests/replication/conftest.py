"""Fixtures for the replication tests: a primary with its synchronous standby."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from urna.testing import require_component

# `import pg_cluster` (importlib mode).
sys.path.insert(0, str(Path(__file__).parent))

import pg_cluster


@pytest.fixture
def replicated_cluster() -> Iterator[pg_cluster.ReplicatedCluster]:
    """A running primary and synchronous standby, stopped (and removed) afterwards."""
    cluster = pg_cluster.start_cluster()
    if isinstance(cluster, str):
        require_component("postgresql", cluster)
    assert not isinstance(cluster, str)
    try:
        yield cluster
    finally:
        cluster.stop()
