"""The election's public key material and its base hash.

:func:`make_election` takes the parameters and every guardian's public key
material, aborts the ceremony on anything invalid, and fixes the joint key
and the election base hash

    H_E = BLAKE2b-256("urna.election", transcript(parameters hash,
          every guardian's id, commitments, proofs, box key and verify key
          in ascending id order, joint key))

which every ballot and decryption proof binds. Once every guardian's shares
have been relayed (``core.election_share``), the ceremony hash

    H_C = BLAKE2b-256("urna.ceremony", transcript(H_E, the number of shares,
          every relayed share's sender, recipient, one-time key, nonce,
          ciphertext and signature in ascending (sender, recipient) order))

covers all key material, the share ciphertexts included; every guardian
signs it (:func:`confirm_ceremony`) before voting opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from urna.crypto import _json
from urna.crypto.ceremony import (
    MAX_GUARDIANS,
    EncryptedShare,
    GuardianPublicKey,
    GuardianSecret,
    check_guardians,
    evaluate_commitments,
    joint_commitments,
    joint_key,
)
from urna.crypto.errors import CeremonyError, SignatureError
from urna.crypto.group import Point
from urna.crypto.manifest import ElectionParameters, Manifest
from urna.crypto.transcript import Transcript

__all__ = [
    "Election",
    "ceremony_hash",
    "confirm_ceremony",
    "make_election",
    "verify_ceremony_confirmation",
]

ELECTION_LABEL = b"urna.election"
CEREMONY_LABEL = b"urna.ceremony"
_CEREMONY_CONTEXT = b"urna/v1 ceremony confirmation\x00"


@attrs.frozen(slots=True)
class Election:
    """Parameters, verified guardian keys (ascending id), joint key and base hash.

    Build with :func:`make_election` or :meth:`from_json`, both of which verify.
    """

    parameters: ElectionParameters
    guardians: tuple[GuardianPublicKey, ...]
    joint_key: Point
    election_hash: bytes
    public_shares: dict[int, Point] = attrs.field(eq=False, hash=False)

    @property
    def manifest(self) -> Manifest:
        return self.parameters.manifest

    def guardian(self, guardian_id: int) -> GuardianPublicKey:
        for g in self.guardians:
            if g.guardian_id == guardian_id:
                return g
        raise KeyError(guardian_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters.to_json(),
            "guardians": [g.to_json() for g in self.guardians],
            "joint_key": self.joint_key.hex(),
            "election_hash": self.election_hash.hex(),
        }

    @classmethod
    def from_json(cls, value: object) -> Election:
        """Read and fully verify (proofs of possession, joint key, base hash)."""
        d = _json.obj(value, ("parameters", "guardians", "joint_key", "election_hash"), "election")
        parameters = ElectionParameters.from_json(d["parameters"])
        keys = [
            GuardianPublicKey.from_json(g, parameters.quorum)
            for g in _json.array(d["guardians"], "guardians", 1, MAX_GUARDIANS)
        ]
        election = make_election(parameters, keys)
        if Point.from_hex(d["joint_key"]) != election.joint_key:
            raise CeremonyError("election.joint_key", "joint key is not the sum of the guardians'")
        if _json.hexa(d["election_hash"], 32, "election_hash") != election.election_hash:
            raise CeremonyError("election.hash", "election base hash does not match")
        return election


def _election_hash(
    parameters: ElectionParameters, keys: Sequence[GuardianPublicKey], key: Point
) -> bytes:
    t = Transcript("election")
    t.add_bytes("parameters_hash", parameters.parameters_hash())
    t.add_int("guardians", len(keys))
    for g in keys:
        t.add_int("guardian_id", g.guardian_id)
        t.add_points("commitments", list(g.commitments))
        for p in g.proofs:
            t.add_scalar("challenge", p.challenge)
            t.add_scalar("response", p.response)
        t.add_bytes("box_key", g.box_key)
        t.add_bytes("verify_key", g.verify_key.raw)
    t.add_point("joint_key", key)
    return t.digest(ELECTION_LABEL)


def make_election(
    parameters: ElectionParameters, guardian_keys: Sequence[GuardianPublicKey]
) -> Election:
    """Verify every guardian's key material (abort with :class:`CeremonyError`), fix the key."""
    check_guardians(
        guardian_keys, parameters.guardians, parameters.quorum, parameters.parameters_hash()
    )
    keys = tuple(sorted(guardian_keys, key=lambda g: g.guardian_id))
    key = joint_key(keys)
    if key.is_identity():
        raise CeremonyError("election.joint_key", "joint key is the identity")
    commitments = joint_commitments(keys)
    shares: dict[int, Point] = {}
    for g in keys:
        shares[g.guardian_id] = evaluate_commitments(commitments, g.guardian_id)
    return Election(parameters, keys, key, _election_hash(parameters, keys, key), shares)


def ceremony_hash(election: Election, shares: Sequence[EncryptedShare]) -> bytes:
    """H_C: H_E and every relayed share ciphertext, in ascending (sender, recipient) order.

    Raise :class:`CeremonyError` (``ceremony.shares``) unless ``shares`` holds
    exactly one share for every ordered pair of distinct guardians.
    """
    ids = [g.guardian_id for g in election.guardians]
    expected = [(i, j) for i in ids for j in ids if i != j]
    ordered = sorted(shares, key=lambda e: (e.sender, e.recipient))
    if [(e.sender, e.recipient) for e in ordered] != expected:
        raise CeremonyError(
            "ceremony.shares", "need exactly one share for every pair of distinct guardians"
        )
    t = Transcript("ceremony")
    t.add_bytes("election_hash", election.election_hash)
    t.add_int("shares", len(ordered))
    for e in ordered:
        t.add_int("sender", e.sender)
        t.add_int("recipient", e.recipient)
        t.add_bytes("ephemeral_key", e.ephemeral_key)
        t.add_bytes("nonce", e.nonce)
        t.add_bytes("ciphertext", e.ciphertext)
        t.add_bytes("signature", e.signature)
    return t.digest(CEREMONY_LABEL)


def confirm_ceremony(guardian: GuardianSecret, h_c: bytes) -> bytes:
    """The guardian's Ed25519 signature over the ceremony hash H_C (all key material,
    the relayed share ciphertexts included): what opens an election."""
    return guardian.signing_key.sign(_CEREMONY_CONTEXT + h_c)


def verify_ceremony_confirmation(
    election: Election, guardian_id: int, signature: bytes, h_c: bytes
) -> None:
    """Raise :class:`CeremonyError` (``guardian.confirmation``) unless the guardian
    signed this ceremony hash."""
    try:
        election.guardian(guardian_id).verify_key.verify(_CEREMONY_CONTEXT + h_c, signature)
    except (KeyError, SignatureError):
        raise CeremonyError(
            "guardian.confirmation",
            "guardian did not sign the ceremony hash (key material and relayed shares)",
            f"guardian {guardian_id}",
        ) from None
