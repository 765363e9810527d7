"""Helpers shared by the crypto tests: seeded randomness and a whole honest ceremony.

Imported as a plain module (``tests/crypto`` is put on ``sys.path`` by this
directory's conftest, since the suite runs with ``--import-mode=importlib``).
"""

from __future__ import annotations

import hashlib

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
