"""Secret votes through the crypto core: encrypted, proven, signed ballots; a k-of-n count.

A counting commission of members are the guardians of a one-question
election (contest ``question``, options for / against / abstain, choose at
most one). Their key ceremony runs on their own devices (:class:`Commission`
simulates it for the demo and tests); the hall receives only the public
:class:`urna.crypto.election.Election`, which ``parliament.vote_opened``
carries. Each seat's console encrypts the member's choice with a proof that
it is 0 or 1 and a proof that at most one option is chosen, with the member's
key as the ballot's credential and the member's card signing it
(``parliament.ballot_cast``). At close, any ``k`` guardians publish partial
decryptions of the homomorphic sum with Chaum-Pedersen proofs; the combined
counts go into ``parliament.vote_closed``. No single ballot is ever
decrypted. The verifier re-adds the ballots and checks every proof.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
from urna.crypto.ballot import (
    EncryptedBallot,
    SignedBallot,
    encrypt_ballot,
    initial_code,
    verify_signed_ballot,
)
from urna.crypto.ceremony import (
    GuardianSecret,
    KeyShare,
    combine_shares,
    generate_guardian,
    make_shares,
    receive_share,
)
from urna.crypto.election import Election, make_election
from urna.crypto.errors import CryptoError
from urna.crypto.manifest import ContestDescription, ElectionParameters, Manifest
from urna.crypto.rng import RandBytes
from urna.crypto.signing import verify_key_from_hex
from urna.crypto.tally import (
    EncryptedTally,
    TallyResult,
    TallyShare,
    combine_tally_shares,
    decrypt_tally_share,
    tally_ballots,
    verify_tally_result,
    verify_tally_share,
)
from urna.record.canonical import canonical_bytes

from urna_parliament.record import statement

if TYPE_CHECKING:
    from urna_parliament.sitting import VoteState

CONTEST = "question"
OPTIONS = ("for", "against", "abstain")
ELECTION_FIELDS = {"election", "commission"}
TALLY_FIELDS = {"encrypted", "shares", "result"}


def manifest() -> Manifest:
    return Manifest.create((ContestDescription.create(CONTEST, 1, OPTIONS),))


def _election(vote: VoteState) -> Election:
    data = vote.election or {}
    if set(data) != ELECTION_FIELDS:
        raise ValueError(f"a secret vote's election must hold exactly {sorted(ELECTION_FIELDS)}")
    try:
        election = Election.from_json(data["election"])
    except (CryptoError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"election rejected: {exc}") from None
    if election.parameters.manifest != manifest():
        raise ValueError("the election must ask one question: for, against or abstain")
    return election


def device_id(seat: int) -> str:
    return f"seat-{seat}"


def _signed(ballot: Mapping[str, Any]) -> SignedBallot:
    try:
        return SignedBallot.from_json(dict(ballot))
    except (CryptoError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"ballot malformed: {exc}") from None


def ballot_statement(scope: str, payload: Mapping[str, Any]) -> bytes:
    """What the member signs for a ballot: the vote, the seat, the card and the ballot's hash."""
    try:
        digest = _signed(payload["ballot"]).ballot.digest().hex()
    except ValueError:
        digest = "malformed"
    return statement(
        "ballot",
        scope,
        vote=payload["vote"],
        member=payload["member"],
        seat=payload["seat"],
        card=payload["card"],
        ballot=digest,
    )


def check_ballot(vote: VoteState, payload: Mapping[str, Any], member_key: str) -> None:
    """Proofs, signature, credential = the member's key, device = the seat, id unused."""
    election = _election(vote)
    signed = _signed(payload["ballot"])
    ballot = signed.ballot
    if ballot.credential.hex() != member_key:
        raise ValueError("the ballot's credential is not the member's key")
    if ballot.device_id != device_id(payload["seat"]):
        raise ValueError(f"the ballot was made for {ballot.device_id}, not this seat")
    if ballot.previous_code != initial_code(election.election_hash, ballot.device_id):
        raise ValueError("the ballot does not start its seat's confirmation chain")
    for other in vote.ballots.values():
        if other["ballot"]["ballot_id"] == ballot.ballot_id.hex():
            raise ValueError("a ballot with this id was already cast")
    try:
        verify_signed_ballot(signed, election)
    except CryptoError as exc:
        raise ValueError(f"ballot rejected: {exc}") from None


def _tally(vote: VoteState, election: Election) -> EncryptedTally:
    ballots: list[EncryptedBallot] = [_signed(b).ballot for _, b in sorted(vote.ballots.items())]
    return tally_ballots(election, ballots)


def check_tally(vote: VoteState, tally: Mapping[str, Any]) -> tuple[int, int, int]:
    """The tally is the sum of the cast ballots, each share and the result proven."""
    election = _election(vote)
    if set(tally) != TALLY_FIELDS:
        raise ValueError(f"a tally must hold exactly {sorted(TALLY_FIELDS)}")
    expected = _tally(vote, election)
    try:
        encrypted = EncryptedTally.from_json(tally["encrypted"])
        shares = [TallyShare.from_json(s) for s in tally["shares"]]
        result = TallyResult.from_json(tally["result"])
    except (CryptoError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"tally malformed: {exc}") from None
    if canonical_bytes(encrypted.to_json()) != canonical_bytes(expected.to_json()):
        raise ValueError("the encrypted tally is not the sum of the cast ballots")
    try:
        for share in shares:
            verify_tally_share(share, election, encrypted)
        verify_tally_result(result, election, encrypted, shares)
    except CryptoError as exc:
        raise ValueError(f"decryption not proven: {exc}") from None
    counts = {selection: count for contest, selection, count in result.counts if contest == CONTEST}
    return counts["for"], counts["against"], counts["abstain"]


def make_ballot(
    vote: VoteState,
    member_key: str,
    seat: int,
    choice: str,
    sign: Callable[[bytes], bytes],
    randbytes: RandBytes = os.urandom,
) -> dict[str, Any]:
    """What a seat's console does: encrypt the choice with proofs, have the card sign it."""
    if choice not in OPTIONS:
        raise ValueError(f"choice must be one of {', '.join(OPTIONS)}")
    election = _election(vote)
    device = device_id(seat)
    ballot, _secrets = encrypt_ballot(
        election,
        {CONTEST: [choice]},
        device,
        verify_key_from_hex(member_key),
        initial_code(election.election_hash, device),
        randbytes,
    )
    return SignedBallot(ballot, sign(ballot.signing_bytes())).to_json()


@attrs.define
class Commission:
    """A counting commission of members as guardians, run in one process (demo and tests).

    In a real hall each guardian runs :func:`urna.crypto.ceremony.generate_guardian`,
    ``make_shares``, ``receive_share`` and ``decrypt_tally_share`` on their own
    device; only the public election and the proven shares reach the hall.
    """

    members: tuple[str, ...]
    quorum: int
    election: Election
    key_shares: dict[int, KeyShare] = attrs.field(repr=False)

    @classmethod
    def create(
        cls,
        election_id: str,
        members: Sequence[str],
        quorum: int,
        randbytes: RandBytes = os.urandom,
    ) -> Commission:
        parameters = ElectionParameters.create(election_id, len(members), quorum, manifest())
        digest = parameters.parameters_hash()
        guardians: list[GuardianSecret] = [
            generate_guardian(i, quorum, digest, randbytes) for i in range(1, len(members) + 1)
        ]
        publics = [g.public_key for g in guardians]
        election = make_election(parameters, publics)
        received: dict[int, dict[int, Any]] = {g.guardian_id: {} for g in guardians}
        for sender in guardians:
            for share in make_shares(sender, publics, digest, randbytes):
                recipient = guardians[share.recipient - 1]
                received[share.recipient][sender.guardian_id] = receive_share(
                    recipient, sender.public_key, share, digest
                )
        key_shares = {g.guardian_id: combine_shares(g, received[g.guardian_id]) for g in guardians}
        return cls(tuple(members), quorum, election, key_shares)

    def election_json(self) -> dict[str, Any]:
        return {"election": self.election.to_json(), "commission": list(self.members)}

    def count(
        self,
        vote: VoteState,
        guardians: Sequence[int] | None = None,
        randbytes: RandBytes = os.urandom,
    ) -> dict[str, Any]:
        """Any ``quorum`` guardians decrypt the sum with proofs; answers the tally payload."""
        chosen = list(guardians or sorted(self.key_shares)[: self.quorum])
        encrypted = _tally(vote, self.election)
        shares = [
            decrypt_tally_share(self.key_shares[g], self.election, encrypted, randbytes)
            for g in chosen
        ]
        result = combine_tally_shares(self.election, encrypted, shares)
        return {
            "encrypted": encrypted.to_json(),
            "shares": [s.to_json() for s in shares],
            "result": result.to_json(),
        }
