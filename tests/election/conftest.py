"""Fixtures for the election tests: the generated corpus and elections, shared per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# `import election_kit` (importlib mode), and the point corpus the crypto tests keep.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parent.parent / "crypto"))

import ballot_corpus
import election_kit


@pytest.fixture
def urna_plugins() -> list[str]:
    """The core alone: the ballot box is the core's."""
    return []


@pytest.fixture(scope="session")
def corpus() -> ballot_corpus.Corpus:
    return ballot_corpus.build_corpus()


@pytest.fixture(scope="session")
def small_election() -> election_kit.GeneratedElection:
    """30 voters on 4 devices, 3 challenged ballots, two contests, 2 of 3 guardians decrypt."""
    return election_kit.generate_election(
        30, challenged=3, manifest=election_kit.TWO_CONTESTS, decrypting=(1, 3), seed="small"
    )
