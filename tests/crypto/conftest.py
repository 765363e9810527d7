"""Fixtures for the cryptographic core's tests: seeded randomness and small elections."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for `import crypto_testkit` (importlib mode)

from crypto_testkit import MANIFEST, build_election, drbg
from urna.crypto.ballot import initial_code
from urna.crypto.ceremony import GuardianSecret, KeyShare
from urna.crypto.election import Election
from urna.crypto.rng import RandBytes
from urna.crypto.signing import SigningKey


@pytest.fixture
def rng() -> RandBytes:
    return drbg("test")


@pytest.fixture(scope="session")
def election_2_of_3() -> tuple[Election, list[GuardianSecret], dict[int, KeyShare]]:
    return build_election(3, 2, MANIFEST)


@pytest.fixture(scope="session")
def voter() -> SigningKey:
    return SigningKey.from_seed(bytes(range(32)))


@pytest.fixture(scope="session")
def device_code(election_2_of_3: tuple[Election, object, object]) -> bytes:
    return initial_code(election_2_of_3[0].election_hash, "booth-1")
