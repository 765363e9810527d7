"""Encrypted ballots: encrypt and prove, cast or challenge, verify.

A ballot has a random 16-byte id (unique and unpredictable: two voters never
share a receipt), the election base hash, the id of the device that made it,
the credential (Ed25519 public key) of the voter or device that signs it,
the previous confirmation code of that device's chain, and for every contest
of the manifest, in order, one ciphertext per option (in order) with a proof
that it encrypts 0 or 1, and a proof that the contest's sum is in 0..limit.

Its digest is BLAKE2b-256 (``urna.ballot``) of its transcript encoding; its
confirmation code is ``BLAKE2b-256("urna.confirm", previous_code || digest)``,
so codes chain per device: ``code_i = H(code_(i-1), ballot_i)`` starting from
:func:`initial_code`. The credential signs :meth:`EncryptedBallot.signing_bytes`.

A voter may challenge a ballot instead of casting it (Benaloh): the
:class:`ChallengedBallot` reveals every vote and nonce, anyone re-encrypts
and compares (:func:`verify_challenged_ballot`), and it is never tallied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from urna.crypto import _json
from urna.crypto.disjunctive import DisjunctiveProof, prove_disjunctive, verify_disjunctive
from urna.crypto.election import Election
from urna.crypto.elgamal import Ciphertext, encrypt
from urna.crypto.errors import BallotError, DecodeError, SignatureError
from urna.crypto.group import Scalar
from urna.crypto.hashing import blake2b_256
from urna.crypto.manifest import MAX_CONTESTS, MAX_OPTIONS, ContestDescription
from urna.crypto.rng import RandBytes
from urna.crypto.signing import SigningKey, VerifyKey, decode_verify_key
from urna.crypto.transcript import PROTOCOL_VERSION, Transcript

__all__ = [
    "BALLOT_ID_SIZE",
    "CODE_SIZE",
    "BallotSecrets",
    "ChallengedBallot",
    "EncryptedBallot",
    "EncryptedContest",
    "EncryptedSelection",
    "SignedBallot",
    "challenge_ballot",
    "check_chain",
    "encrypt_ballot",
    "initial_code",
    "sign_ballot",
    "verify_ballot",
    "verify_challenged_ballot",
    "verify_signed_ballot",
]

BALLOT_ID_SIZE = 16
CODE_SIZE = 32
BALLOT_LABEL = b"urna.ballot"
CONFIRM_LABEL = b"urna.confirm"
CHAIN_LABEL = b"urna.chain"
_SIGNATURE_CONTEXT = b"urna/v1 ballot\x00"


@attrs.frozen(slots=True)
class EncryptedSelection:
    """One option's ciphertext and its proof of 0 or 1."""

    selection_id: str
    ciphertext: Ciphertext
    proof: DisjunctiveProof

    def to_json(self) -> dict[str, Any]:
        return {
            "selection_id": self.selection_id,
            "ciphertext": self.ciphertext.to_json(),
            "proof": self.proof.to_json(),
        }

    @classmethod
    def from_json(cls, value: object, *, proof_check: bool = False) -> EncryptedSelection:
        """Decode a selection; ``proof_check``: its proof is checked next, which multiplies
        both points by the first challenge first, so they are validated by that
        multiplication (:meth:`Point.decode_times`) instead of a check of their own."""
        d = _json.obj(value, ("selection_id", "ciphertext", "proof"), "selection")
        selection_id = _json.ident(d["selection_id"], "selection_id")
        proof = DisjunctiveProof.from_json(d["proof"], 1)
        first = proof.challenges[0] if proof_check else None
        return cls(selection_id, Ciphertext.from_json(d["ciphertext"], first), proof)


@attrs.frozen(slots=True)
class EncryptedContest:
    """A contest's selections (every option, in manifest order) and its range proof."""

    contest_id: str
    selections: tuple[EncryptedSelection, ...]
    proof: DisjunctiveProof

    def total(self) -> Ciphertext:
        acc = Ciphertext.zero()
        for s in self.selections:
            acc = acc + s.ciphertext
        return acc

    def to_json(self) -> dict[str, Any]:
        return {
            "contest_id": self.contest_id,
            "selections": [s.to_json() for s in self.selections],
            "proof": self.proof.to_json(),
        }

    @classmethod
    def from_json(cls, value: object, *, proof_check: bool = False) -> EncryptedContest:
        d = _json.obj(value, ("contest_id", "selections", "proof"), "contest")
        selections = tuple(
            EncryptedSelection.from_json(s, proof_check=proof_check)
            for s in _json.array(d["selections"], "selections", 1, MAX_OPTIONS)
        )
        proof_json = _json.obj(d["proof"], ("challenges", "responses"), "contest proof")
        branches = len(_json.array(proof_json["challenges"], "challenges", 2, MAX_OPTIONS + 1))
        return cls(
            _json.ident(d["contest_id"], "contest_id"),
            selections,
            DisjunctiveProof.from_json(proof_json, branches - 1),
        )


@attrs.frozen(slots=True)
class EncryptedBallot:
    """A ballot as cast or challenged (without its signature: see :class:`SignedBallot`)."""

    ballot_id: bytes
    election_hash: bytes
    device_id: str
    credential: VerifyKey
    previous_code: bytes
    contests: tuple[EncryptedContest, ...]
    # The digest is needed three times per ballot (signature, confirmation code,
    # chain check) and costs a full transcript; the value is immutable, so keep it.
    _digest: bytes | None = attrs.field(default=None, init=False, eq=False, repr=False)

    def transcript(self) -> Transcript:
        """The ballot's canonical encoding (everything but the signature)."""
        t = Transcript("ballot")
        t.add_bytes("ballot_id", self.ballot_id)
        t.add_bytes("election_hash", self.election_hash)
        t.add_text("device_id", self.device_id)
        t.add_bytes("credential", self.credential.raw)
        t.add_bytes("previous_code", self.previous_code)
        t.add_int("contests", len(self.contests))
        for c in self.contests:
            t.add_text("contest_id", c.contest_id)
            t.add_int("selections", len(c.selections))
            for s in c.selections:
                t.add_text("selection_id", s.selection_id)
                t.add_point("alpha", s.ciphertext.alpha)
                t.add_point("beta", s.ciphertext.beta)
                _add_proof(t, s.proof)
            _add_proof(t, c.proof)
        return t

    def digest(self) -> bytes:
        """BLAKE2b-256 (``urna.ballot``) of :meth:`transcript`."""
        digest = self._digest
        if digest is None:
            digest = self.transcript().digest(BALLOT_LABEL)
            object.__setattr__(self, "_digest", digest)
        return digest

    def confirmation_code(self) -> bytes:
        """``H("urna.confirm", previous_code || digest)``: the receipt, chained per device."""
        return blake2b_256(CONFIRM_LABEL, self.previous_code + self.digest())

    def signing_bytes(self) -> bytes:
        """What the voter's or device's credential signs: a context string and the digest."""
        return _SIGNATURE_CONTEXT + self.digest()

    def to_json(self) -> dict[str, Any]:
        return {
            "version": PROTOCOL_VERSION,
            "ballot_id": self.ballot_id.hex(),
            "election_hash": self.election_hash.hex(),
            "device_id": self.device_id,
            "credential": self.credential.hex(),
            "previous_code": self.previous_code.hex(),
            "contests": [c.to_json() for c in self.contests],
        }

    @classmethod
    def from_json(cls, value: object, *, proof_check: bool = False) -> EncryptedBallot:
        """Decode a ballot (``proof_check``: see :meth:`EncryptedSelection.from_json`)."""
        d = _json.obj(
            value,
            (
                "version",
                "ballot_id",
                "election_hash",
                "device_id",
                "credential",
                "previous_code",
                "contests",
            ),
            "ballot",
        )
        if d["version"] != PROTOCOL_VERSION:
            raise DecodeError(f"ballot: version must be {PROTOCOL_VERSION!r}")
        return cls(
            _json.hexa(d["ballot_id"], BALLOT_ID_SIZE, "ballot_id"),
            _json.hexa(d["election_hash"], 32, "election_hash"),
            _json.ident(d["device_id"], "device_id"),
            decode_verify_key(_json.hexa(d["credential"], 32, "credential")),
            _json.hexa(d["previous_code"], CODE_SIZE, "previous_code"),
            tuple(
                EncryptedContest.from_json(c, proof_check=proof_check)
                for c in _json.array(d["contests"], "contests", 1, MAX_CONTESTS)
            ),
        )


def _add_proof(t: Transcript, proof: DisjunctiveProof) -> None:
    t.add_int("branches", len(proof.challenges))
    for c, v in zip(proof.challenges, proof.responses, strict=True):
        t.add_scalar("challenge", c)
        t.add_scalar("response", v)


@attrs.frozen(slots=True)
class SignedBallot:
    """A ballot and its credential's Ed25519 signature over ``ballot.signing_bytes()``."""

    ballot: EncryptedBallot
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        return {"ballot": self.ballot.to_json(), "signature": self.signature.hex()}

    @classmethod
    def from_json(cls, value: object, *, proof_check: bool = False) -> SignedBallot:
        """Decode a signed ballot (``proof_check``: see :meth:`EncryptedSelection.from_json`)."""
        d = _json.obj(value, ("ballot", "signature"), "signed ballot")
        return cls(
            EncryptedBallot.from_json(d["ballot"], proof_check=proof_check),
            _json.hexa(d["signature"], 64, "signature"),
        )


@attrs.frozen(slots=True, repr=False, eq=False)  # never compared: no variable-time ==
class BallotSecrets:
    """The votes and nonces of a ballot, per contest and option. Never printed.

    Keep until the voter casts (then discard) or challenges (then reveal).
    """

    ballot_id: bytes
    votes: tuple[tuple[tuple[int, Scalar], ...], ...]

    def __repr__(self) -> str:
        return f"BallotSecrets(ballot_id={self.ballot_id.hex()}, <hidden>)"


def initial_code(election_hash: bytes, device_id: str) -> bytes:
    """The start of a device's confirmation-code chain: ``H("urna.chain", transcript(...))``."""
    t = Transcript("chain")
    t.add_bytes("election_hash", election_hash)
    t.add_text("device_id", device_id)
    return t.digest(CHAIN_LABEL)


def _selection_transcript(
    election_hash: bytes, credential: VerifyKey, ballot_id: bytes, contest_id: str, option: str
) -> Transcript:
    t = Transcript("selection")
    t.add_bytes("election_hash", election_hash)
    t.add_bytes("credential", credential.raw)
    t.add_bytes("ballot_id", ballot_id)
    t.add_text("contest_id", contest_id)
    t.add_text("selection_id", option)
    return t


def _contest_transcript(
    election_hash: bytes, credential: VerifyKey, ballot_id: bytes, contest_id: str
) -> Transcript:
    t = Transcript("contest")
    t.add_bytes("election_hash", election_hash)
    t.add_bytes("credential", credential.raw)
    t.add_bytes("ballot_id", ballot_id)
    t.add_text("contest_id", contest_id)
    return t


def _check_choices(contest: ContestDescription, chosen: Sequence[str]) -> None:
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"contest {contest.contest_id}: an option is chosen twice")
    if len(chosen) > contest.limit:
        raise ValueError(f"contest {contest.contest_id}: more than {contest.limit} chosen")
    unknown = set(chosen) - set(contest.options)
    if unknown:
        raise ValueError(f"contest {contest.contest_id}: unknown options {sorted(unknown)}")


def encrypt_ballot(
    election: Election,
    choices: Mapping[str, Sequence[str]],
    device_id: str,
    credential: VerifyKey,
    previous_code: bytes,
    randbytes: RandBytes,
) -> tuple[EncryptedBallot, BallotSecrets]:
    """Encrypt and prove a voter's choices: ``{contest_id: [chosen option ids]}``.

    A contest missing from ``choices`` is left blank (every option 0).
    Raises ``ValueError`` on an over-vote, a duplicate or an unknown option.
    """
    manifest = election.manifest
    unknown = set(choices) - {c.contest_id for c in manifest.contests}
    if unknown:
        raise ValueError(f"unknown contests {sorted(unknown)}")
    _json.ident(device_id, "device_id")
    if len(previous_code) != CODE_SIZE:
        raise ValueError(f"previous code must be {CODE_SIZE} bytes")
    key = election.joint_key
    h_e = election.election_hash
    ballot_id = randbytes(BALLOT_ID_SIZE)
    contests = []
    secrets = []
    for contest in manifest.contests:
        chosen = list(choices.get(contest.contest_id, ()))
        _check_choices(contest, chosen)
        selections = []
        contest_secrets = []
        total_nonce = Scalar.from_int(0)
        total_ct = Ciphertext.zero()
        for option in contest.options:
            vote = 1 if option in chosen else 0
            nonce = Scalar.random(randbytes)
            ct = encrypt(vote, nonce, key)
            t = _selection_transcript(h_e, credential, ballot_id, contest.contest_id, option)
            proof = prove_disjunctive(ct, vote, nonce, key, 1, t, randbytes)
            selections.append(EncryptedSelection(option, ct, proof))
            contest_secrets.append((vote, nonce))
            total_nonce = total_nonce + nonce
            total_ct = total_ct + ct
        t = _contest_transcript(h_e, credential, ballot_id, contest.contest_id)
        range_proof = prove_disjunctive(
            total_ct, len(chosen), total_nonce, key, contest.limit, t, randbytes
        )
        contests.append(EncryptedContest(contest.contest_id, tuple(selections), range_proof))
        secrets.append(tuple(contest_secrets))
    ballot = EncryptedBallot(
        ballot_id, h_e, device_id, credential, bytes(previous_code), tuple(contests)
    )
    return ballot, BallotSecrets(ballot_id, tuple(secrets))


def sign_ballot(ballot: EncryptedBallot, signing_key: SigningKey) -> SignedBallot:
    """Sign with the voter's or device's credential (whose public key is ``ballot.credential``)."""
    if signing_key.verify_key != ballot.credential:
        raise ValueError("the signing key is not the ballot's credential")
    return SignedBallot(ballot, signing_key.sign(ballot.signing_bytes()))


def _check_shape(ballot: EncryptedBallot, election: Election) -> None:
    where = f"ballot {ballot.ballot_id.hex()}"
    if ballot.election_hash != election.election_hash:
        raise BallotError("ballot.election", "ballot is for another election", where)
    contests = election.manifest.contests
    if [c.contest_id for c in ballot.contests] != [c.contest_id for c in contests]:
        raise BallotError("ballot.contests", "contests differ from the manifest", where)
    for enc, desc in zip(ballot.contests, contests, strict=True):
        if [s.selection_id for s in enc.selections] != list(desc.options):
            raise BallotError(
                "ballot.selections",
                "selections differ from the manifest's options",
                f"{where}, contest {desc.contest_id}",
            )
        if enc.proof.limit != desc.limit:
            raise BallotError(
                "contest.limit",
                "range proof is not for the contest's limit",
                f"{where}, contest {desc.contest_id}",
            )


def verify_ballot(ballot: EncryptedBallot, election: Election) -> None:
    """Check a ballot's shape and every proof; raise a typed error naming the check.

    Checks, in order: ``ballot.election`` (base hash), ``ballot.contests``,
    ``ballot.selections``, ``contest.limit``, ``selection.proof`` (each
    option 0 or 1), ``contest.proof`` (each contest's sum in 0..limit).
    Points were validated when the ballot was decoded.
    """
    _check_shape(ballot, election)
    key = election.joint_key
    h_e = election.election_hash
    where = f"ballot {ballot.ballot_id.hex()}"
    for enc, desc in zip(ballot.contests, election.manifest.contests, strict=True):
        for s in enc.selections:
            t = _selection_transcript(
                h_e, ballot.credential, ballot.ballot_id, enc.contest_id, s.selection_id
            )
            verify_disjunctive(
                s.proof,
                s.ciphertext,
                key,
                1,
                t,
                check="selection.proof",
                where=f"{where}, contest {enc.contest_id}, selection {s.selection_id}",
            )
        t = _contest_transcript(h_e, ballot.credential, ballot.ballot_id, enc.contest_id)
        verify_disjunctive(
            enc.proof,
            enc.total(),
            key,
            desc.limit,
            t,
            check="contest.proof",
            where=f"{where}, contest {enc.contest_id}",
        )


def verify_signed_ballot(signed: SignedBallot, election: Election) -> None:
    """:func:`verify_ballot`, then ``ballot.signature``: signed by ``ballot.credential``.

    Whether the credential is registered, and counted once, is the ledger's
    check (it knows the register); this checks the cryptography.
    """
    try:
        signed.ballot.credential.verify(signed.ballot.signing_bytes(), signed.signature)
    except SignatureError:
        raise BallotError(
            "ballot.signature",
            "ballot is not signed by its credential",
            f"ballot {signed.ballot.ballot_id.hex()}",
        ) from None
    verify_ballot(signed.ballot, election)


def check_chain(ballots: Iterable[EncryptedBallot], election_hash: bytes, device_id: str) -> bytes:
    """Check one device's ballots, in order, form its code chain; return the last code.

    Raise :class:`BallotError` (``ballot.chain``) at the first broken link.
    """
    code = initial_code(election_hash, device_id)
    for ballot in ballots:
        if ballot.device_id != device_id or ballot.previous_code != code:
            raise BallotError(
                "ballot.chain",
                "previous code does not continue the device's chain",
                f"ballot {ballot.ballot_id.hex()}",
            )
        code = ballot.confirmation_code()
    return code


@attrs.frozen(slots=True)
class ChallengedBallot:
    """A spoiled ballot with its votes and nonces revealed (Benaloh challenge). Never tallied."""

    ballot: EncryptedBallot
    reveal: tuple[tuple[tuple[int, Scalar], ...], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "ballot": self.ballot.to_json(),
            "reveal": [
                {
                    "contest_id": c.contest_id,
                    "selections": [
                        {"selection_id": s.selection_id, "vote": vote, "nonce": nonce.hex()}
                        for s, (vote, nonce) in zip(c.selections, rc, strict=True)
                    ],
                }
                for c, rc in zip(self.ballot.contests, self.reveal, strict=True)
            ],
        }

    @classmethod
    def from_json(cls, value: object) -> ChallengedBallot:
        d = _json.obj(value, ("ballot", "reveal"), "challenged ballot")
        return cls.with_reveal(EncryptedBallot.from_json(d["ballot"]), d["reveal"])

    @classmethod
    def with_reveal(cls, ballot: EncryptedBallot, reveal_json: object) -> ChallengedBallot:
        """An already decoded ``ballot`` with its reveal read from JSON (each point of a
        ballot is validated once, however many forms it is read in)."""
        rcs = _json.array(reveal_json, "reveal", len(ballot.contests), len(ballot.contests))
        reveal = []
        for c, rc in zip(ballot.contests, rcs, strict=True):
            rd = _json.obj(rc, ("contest_id", "selections"), "revealed contest")
            if rd["contest_id"] != c.contest_id:
                raise DecodeError("revealed contest ids do not match the ballot")
            n = len(c.selections)
            rs = []
            for s, rsel in zip(
                c.selections, _json.array(rd["selections"], "selections", n, n), strict=True
            ):
                sd = _json.obj(rsel, ("selection_id", "vote", "nonce"), "revealed selection")
                if sd["selection_id"] != s.selection_id:
                    raise DecodeError("revealed selection ids do not match the ballot")
                rs.append((_json.integer(sd["vote"], "vote", 0, 1), Scalar.from_hex(sd["nonce"])))
            reveal.append(tuple(rs))
        return cls(ballot, tuple(reveal))


def challenge_ballot(ballot: EncryptedBallot, secrets: BallotSecrets) -> ChallengedBallot:
    """Spoil ``ballot``: publish its votes and nonces so anyone can check the encryption."""
    if secrets.ballot_id != ballot.ballot_id:
        raise ValueError("secrets belong to another ballot")
    return ChallengedBallot(ballot, secrets.votes)


def verify_challenged_ballot(
    challenged: ChallengedBallot, election: Election
) -> dict[str, tuple[str, ...]]:
    """Re-encrypt every revealed vote and compare; return ``{contest_id: chosen options}``.

    Raises :class:`BallotError`: ``ballot.election``/``ballot.contests``/
    ``ballot.selections`` (shape), ``challenge.reveal`` (a ciphertext is not the
    encryption of the revealed vote with the revealed nonce), ``challenge.limit``
    (more than the limit chosen).
    """
    ballot = challenged.ballot
    _check_shape(ballot, election)
    where = f"ballot {ballot.ballot_id.hex()}"
    if len(challenged.reveal) != len(ballot.contests):
        raise BallotError("challenge.reveal", "reveal does not cover every contest", where)
    out: dict[str, tuple[str, ...]] = {}
    for enc, desc, rc in zip(
        ballot.contests, election.manifest.contests, challenged.reveal, strict=True
    ):
        if len(rc) != len(enc.selections):
            raise BallotError("challenge.reveal", "reveal does not cover every option", where)
        chosen = []
        for s, (vote, nonce) in zip(enc.selections, rc, strict=True):
            if vote not in (0, 1) or encrypt(vote, nonce, election.joint_key) != s.ciphertext:
                raise BallotError(
                    "challenge.reveal",
                    "ciphertext is not the encryption of the revealed vote and nonce",
                    f"{where}, contest {enc.contest_id}, selection {s.selection_id}",
                )
            if vote:
                chosen.append(s.selection_id)
        if len(chosen) > desc.limit:
            raise BallotError("challenge.limit", "more options chosen than the limit", where)
        out[enc.contest_id] = tuple(chosen)
    return out
