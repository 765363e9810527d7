"""Secret votes through the core's ballot box: one election flow for every secret vote in Urna.

Each secret vote is a one-question election (contest ``question``, options
for / against / abstain, choose at most one) in its own ledger scope,
``parliament-ballot-<sitting>-<k>``, run by :class:`urna.api.BallotBox`
exactly as any other election on the appliance: created with the members'
keys as its credentials, keyed by a counting commission of members as
guardians (their key ceremony runs on their own devices, through the core's
election routes), opened when the vote opens, its ballots cast, its tally
decrypted by any ``k`` guardians with proofs. ``urna verify`` checks that
scope with the core's ``election.*`` checks.

The sitting's record ties the vote to it: ``parliament.secret_vote_prepared``
names the scope and the commission, ``parliament.vote_opened`` the scope and
its election hash H_E, each ``parliament.ballot_cast`` the member, seat, card,
ballot id and confirmation code (signed by the member at the seat, the ballot
itself signed with the same key as its credential), and
``parliament.vote_closed`` the decrypted result, whose ballot count must equal
the sitting's ballots. No single ballot is ever decrypted.

This module is pure (the replay and the verifier use it); the ballot box is
driven by the hall.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from urna.crypto.ballot import SignedBallot, encrypt_ballot, initial_code
from urna.crypto.election import Election
from urna.crypto.errors import CryptoError
from urna.crypto.manifest import ContestDescription, ElectionParameters, Manifest
from urna.crypto.rng import RandBytes
from urna.crypto.signing import verify_key_from_hex
from urna.crypto.tally import TallyResult

from urna_parliament.record import statement

CONTEST = "question"
OPTIONS = ("for", "against", "abstain")
BALLOT_SCOPE_PREFIX = "parliament-ballot-"


def manifest() -> Manifest:
    return Manifest.create((ContestDescription.create(CONTEST, 1, OPTIONS),))


def ballot_scope(sitting: int, number: int) -> str:
    """The ledger scope of a sitting's ``number``-th secret-vote election."""
    return f"{BALLOT_SCOPE_PREFIX}{sitting}-{number}"


def parameters(scope: str, guardians: int, quorum: int) -> ElectionParameters:
    """The election of one secret vote: its scope as id, the commission as guardians."""
    return ElectionParameters.create(scope, guardians, quorum, manifest())


def device_id(seat: int) -> str:
    return f"seat-{seat}"


def ballot_statement(scope: str, payload: Mapping[str, Any]) -> bytes:
    """What the member signs at the seat for a ballot: the vote, the seat, the card, and the
    ballot's id and confirmation code (which chains the ballot's digest)."""
    return statement(
        "ballot",
        scope,
        vote=payload["vote"],
        member=payload["member"],
        seat=payload["seat"],
        card=payload["card"],
        ballot_id=payload["ballot_id"],
        confirmation_code=payload["confirmation_code"],
    )


def signed_ballot(ballot: object) -> SignedBallot:
    """A console's ballot (``SignedBallot`` JSON); ``ValueError`` names what is wrong."""
    try:
        return SignedBallot.from_json(ballot)
    except (CryptoError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"ballot malformed: {exc}") from None


def make_ballot(
    election: Election,
    member_key: str,
    seat: int,
    choice: str,
    sign: Callable[[bytes], bytes],
    previous_code: bytes | None = None,
    randbytes: RandBytes = os.urandom,
) -> dict[str, Any]:
    """What a seat's console does: encrypt the choice with proofs, have the card sign it.

    ``previous_code`` continues the seat's chain in this election (its start when
    ``None``: a seat's first ballot)."""
    if choice not in OPTIONS:
        raise ValueError(f"choice must be one of {', '.join(OPTIONS)}")
    device = device_id(seat)
    ballot, _secrets = encrypt_ballot(
        election,
        {CONTEST: [choice]},
        device,
        verify_key_from_hex(member_key),
        previous_code or initial_code(election.election_hash, device),
        randbytes,
    )
    return SignedBallot(ballot, sign(ballot.signing_bytes())).to_json()


def result_counts(result: object, election_hash: str, ballots: int) -> tuple[int, int, int]:
    """For, against and abstain from the ballot box's decrypted result, which must be this
    election's and count exactly the sitting's ``ballots``."""
    try:
        decoded = TallyResult.from_json(result)
    except (CryptoError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"result malformed: {exc}") from None
    if decoded.election_hash.hex() != election_hash:
        raise ValueError("the result is another election's")
    if decoded.ballot_count != ballots:
        raise ValueError(
            f"the result counts {decoded.ballot_count} ballots, the sitting recorded {ballots}"
        )
    counts = {selection: n for contest, selection, n in decoded.counts if contest == CONTEST}
    if set(counts) != set(OPTIONS):
        raise ValueError("the result must count for, against and abstain")
    return counts["for"], counts["against"], counts["abstain"]
