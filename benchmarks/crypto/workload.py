"""The benchmark's election: one contest of 4 candidates, vote for 1, 3 of 5 guardians.

Shared by the pytest-benchmark suite and the side-by-side comparison with
ElectionGuard, so both measure the same ballot shape.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
from urna.crypto.ballot import (
    EncryptedBallot,
    EncryptedContest,
    EncryptedSelection,
    SignedBallot,
    encrypt_ballot,
    initial_code,
    sign_ballot,
    verify_signed_ballot,
)
from urna.crypto.ceremony import (
    GuardianSecret,
    KeyShare,
)
from urna.crypto.disjunctive import DisjunctiveProof
from urna.crypto.election import Election
from urna.crypto.elgamal import Ciphertext
from urna.crypto.group import Point, Scalar
from urna.crypto.manifest import ContestDescription, ElectionParameters, Manifest
from urna.crypto.rng import RandBytes
from urna.crypto.signing import SigningKey
from urna.crypto.tally import TallyResult, combine_tally_shares, decrypt_tally_share, tally_ballots
from urna.testing import drbg, honest_ceremony

CANDIDATES = ("alice", "bob", "carol", "dave")
MANIFEST = Manifest.create((ContestDescription.create("mayor", 1, CANDIDATES),))
DEVICE = "booth-1"


@attrs.frozen
class Setup:
    election: Election
    guardians: list[GuardianSecret]
    key_shares: dict[int, KeyShare]
    voter: SigningKey
    code: bytes


def setup(n: int = 5, k: int = 3) -> Setup:
    rand = drbg("setup")
    ceremony = honest_ceremony(ElectionParameters.create("bench", n, k, MANIFEST), rand)
    election, guardians, key_shares = (
        ceremony.election,
        list(ceremony.guardians),
        ceremony.key_shares,
    )
    voter = SigningKey.generate(rand)
    return Setup(
        election, guardians, key_shares, voter, initial_code(election.election_hash, DEVICE)
    )


def encrypt_one(s: Setup, rand: RandBytes, choice: str = "bob") -> SignedBallot:
    """Encrypt, prove and sign one ballot."""
    ballot, _ = encrypt_ballot(
        s.election, {"mayor": [choice]}, DEVICE, s.voter.verify_key, s.code, rand
    )
    return sign_ballot(ballot, s.voter)


def verify_one(s: Setup, signed: SignedBallot) -> None:
    """Verify a decoded ballot: signature, shape, 4 selection proofs, 1 contest proof."""
    verify_signed_ballot(signed, s.election)


def decode_and_verify_one(s: Setup, data: dict[str, Any]) -> None:
    """What the ballot box does: strict decoding (validating every point), then verification."""
    verify_signed_ballot(SignedBallot.from_json(data), s.election)


def as_json(signed: SignedBallot) -> dict[str, Any]:
    return json.loads(json.dumps(signed.to_json()))  # type: ignore[no-any-return]


def quick_ballots(s: Setup, count: int) -> list[EncryptedBallot]:
    """``count`` cast ballots for the tally benchmark, encrypted quickly.

    Tallying adds ciphertexts of ballots already verified at the ballot box, so
    the proofs do not matter here; encrypting with the (test-only) joint secret
    makes ``r·K`` a base-point multiplication and the setup 4x faster.
    """
    secret = Scalar.from_int(0)
    for g in s.guardians:
        secret = secret + g.coefficients[0]
    assert Point.base_mul(secret) == s.election.joint_key
    rand = drbg("quick")
    dummy = DisjunctiveProof((Scalar.from_int(0),) * 2, (Scalar.from_int(0),) * 2)
    out = []
    for i in range(count):
        vote = i % len(CANDIDATES) if i % 10 else None
        selections = []
        for j, name in enumerate(CANDIDATES):
            r = Scalar.random(rand)
            beta = Point.base_mul(r * secret + Scalar.from_int(int(vote == j)))
            selections.append(EncryptedSelection(name, Ciphertext(Point.base_mul(r), beta), dummy))
        contest = EncryptedContest("mayor", tuple(selections), dummy)
        out.append(
            EncryptedBallot(
                rand(16), s.election.election_hash, DEVICE, s.voter.verify_key, s.code, (contest,)
            )
        )
    return out


def tally_and_decrypt(
    s: Setup, ballots: list[EncryptedBallot], guardian_ids: tuple[int, ...] = (1, 3, 5)
) -> TallyResult:
    """Homomorphic tally, partial decryptions with proofs by 3 of 5, verification, combination."""
    rand = drbg("tally")
    tally = tally_ballots(s.election, ballots)
    shares = [decrypt_tally_share(s.key_shares[i], s.election, tally, rand) for i in guardian_ids]
    return combine_tally_shares(s.election, tally, shares)
