"""Helpers shared by the crypto tests: seeded randomness and a whole honest ceremony.

Imported as a plain module (``tests/crypto`` is put on ``sys.path`` by this
directory's conftest, since the suite runs with ``--import-mode=importlib``).
"""

from __future__ import annotations

from urna.crypto.ceremony import (
    GuardianSecret,
    KeyShare,
)
from urna.crypto.election import Election
from urna.crypto.manifest import ContestDescription, ElectionParameters, Manifest
from urna.testing import drbg, honest_ceremony


def build_election(
    n: int, k: int, manifest: Manifest, seed: str = "election"
) -> tuple[Election, list[GuardianSecret], dict[int, KeyShare]]:
    """Run the whole ceremony honestly: keys, shares, checks, joint key."""
    params = ElectionParameters.create("test-election", n, k, manifest)
    ceremony = honest_ceremony(params, drbg(seed))
    return ceremony.election, list(ceremony.guardians), ceremony.key_shares


PRESIDENT = ContestDescription.create("president", 1, ("alice", "bob", "carol", "dave"))
REFERENDUM = ContestDescription.create("referendum", 1, ("yes", "no", "abstain"))
COUNCIL = ContestDescription.create("council", 2, ("ann", "ben", "cat"))
MANIFEST = Manifest.create((PRESIDENT, REFERENDUM, COUNCIL))
