"""Fixtures for the cryptographic core's tests: seeded randomness and small elections."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from urna.crypto.ballot import initial_code
from urna.crypto.ceremony import (
    GuardianSecret,
    KeyShare,
    combine_shares,
    generate_guardian,
    make_shares,
    receive_share,
)
from urna.crypto.election import Election, make_election
from urna.crypto.manifest import ContestDescription, ElectionParameters, Manifest
from urna.crypto.rng import RandBytes
from urna.crypto.signing import SigningKey


def drbg(seed: bytes | str) -> RandBytes:
    """A deterministic RandBytes: BLAKE2b-512 in counter mode over the seed (tests only)."""
    if isinstance(seed, str):
        seed = seed.encode()
    state = {"counter": 0, "buffer": b""}

    def randbytes(n: int) -> bytes:
        buf: bytes = state["buffer"]  # type: ignore[assignment]
        while len(buf) < n:
            counter: int = state["counter"]  # type: ignore[assignment]
            buf += hashlib.blake2b(
                seed + counter.to_bytes(8, "big"), person=b"urna.test-drbg"
            ).digest()
            state["counter"] = counter + 1
        state["buffer"] = buf[n:]
        return buf[:n]

    return randbytes


@pytest.fixture
def rng() -> RandBytes:
    return drbg("test")


def build_election(
    n: int, k: int, manifest: Manifest, seed: str = "election"
) -> tuple[Election, list[GuardianSecret], dict[int, KeyShare]]:
    """Run the whole ceremony honestly: keys, shares, checks, joint key."""
    rand = drbg(seed)
    params = ElectionParameters.create("test-election", n, k, manifest)
    ph = params.parameters_hash()
    guardians = [generate_guardian(i, k, ph, rand) for i in range(1, n + 1)]
    keys = [g.public_key for g in guardians]
    election = make_election(params, keys)
    sent = {g.guardian_id: make_shares(g, keys, ph, rand) for g in guardians}
    key_shares = {}
    for r in guardians:
        received = {}
        for s in guardians:
            (share,) = [e for e in sent[s.guardian_id] if e.recipient == r.guardian_id]
            received[s.guardian_id] = receive_share(r, s.public_key, share, ph)
        key_shares[r.guardian_id] = combine_shares(r, received)
    return election, guardians, key_shares


PRESIDENT = ContestDescription.create("president", 1, ("alice", "bob", "carol", "dave"))
REFERENDUM = ContestDescription.create("referendum", 1, ("yes", "no", "abstain"))
COUNCIL = ContestDescription.create("council", 2, ("ann", "ben", "cat"))
MANIFEST = Manifest.create((PRESIDENT, REFERENDUM, COUNCIL))


@pytest.fixture(scope="session")
def election_2_of_3() -> tuple[Election, list[GuardianSecret], dict[int, KeyShare]]:
    return build_election(3, 2, MANIFEST)


@pytest.fixture(scope="session")
def voter() -> SigningKey:
    return SigningKey.from_seed(bytes(range(32)))


@pytest.fixture(scope="session")
def device_code(election_2_of_3: tuple[Election, object, object]) -> bytes:
    return initial_code(election_2_of_3[0].election_hash, "booth-1")


MakeRng = Callable[[str], RandBytes]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the default run fast: this directory's ``slow`` tests run only with ``-m slow``."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    here = str(__import__("pathlib").Path(__file__).parent)
    skip = pytest.mark.skip(reason="slow: run with `pytest -m slow`")
    for item in items:
        if "slow" in item.keywords and str(item.path).startswith(here):
            item.add_marker(skip)
