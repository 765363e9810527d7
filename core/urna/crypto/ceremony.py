"""The trustees' key ceremony: Feldman VSS with proofs of possession.

``n`` guardians with distinct nonzero ids ``x_i`` and a quorum ``k``:

1. Guardian ``i`` draws a polynomial ``P_i(x) = a_i0 + a_i1·x + ... + a_i(k-1)·x^(k-1)``,
   publishes the commitments ``K_ij = a_ij·B`` with a Schnorr proof of
   possession of every ``a_ij`` (:func:`generate_guardian`), an X25519 Box
   public key (to receive shares) and an Ed25519 verify key (to sign).
2. Everyone checks every guardian's public key material
   (:func:`check_guardians`); a bad proof, id 0, a duplicate id, a wrong
   number of commitments or an identity commitment aborts the ceremony.
3. Guardian ``i`` sends ``P_i(x_j)`` to every guardian ``j``, encrypted with
   a one-time X25519 key to ``j``'s Box key and signed by ``i``
   (:func:`make_shares`).
4. Guardian ``j`` decrypts and checks ``P_i(x_j)·B == sum_m x_j^m·K_im``
   (:func:`receive_share`). A wrong share raises :class:`ShareError` carrying
   a :class:`Complaint` whose evidence (the signed share and the one-time
   decryption key) anyone can judge (:func:`judge_complaint`); when the share
   does not even decrypt, the sender must reveal it (:func:`resolve_complaint`).
5. Guardian ``j``'s key share is ``s_j = sum_i P_i(x_j)`` (:func:`combine_shares`);
   its public share ``K_j = s_j·B`` is computable by anyone from the
   commitments (``Election.public_shares``); the joint key is ``K = sum_i K_i0``
   (:func:`joint_key`). Nobody ever learns the joint secret ``sum_i a_i0``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import nacl.bindings as _sodium
import nacl.exceptions

from urna.crypto import _json
from urna.crypto.errors import (
    CeremonyError,
    DecodeError,
    KeyRejectedError,
    ProofError,
    ShareError,
    SignatureError,
)
from urna.crypto.group import IDENTITY, Point, Scalar
from urna.crypto.rng import RandBytes
from urna.crypto.schnorr import SchnorrProof, prove_possession, verify_possession
from urna.crypto.signing import SigningKey, VerifyKey, decode_verify_key
from urna.crypto.transcript import Transcript

__all__ = [
    "MAX_GUARDIANS",
    "MAX_GUARDIAN_ID",
    "Complaint",
    "EncryptedShare",
    "GuardianPublicKey",
    "GuardianSecret",
    "KeyShare",
    "Verdict",
    "check_guardian_key",
    "check_guardians",
    "check_relayed_share",
    "check_revealed_share",
    "combine_shares",
    "evaluate_commitments",
    "generate_guardian",
    "joint_commitments",
    "joint_key",
    "judge_complaint",
    "make_shares",
    "receive_share",
    "resolve_complaint",
]

MAX_GUARDIANS = 255
MAX_GUARDIAN_ID = 2**32 - 1
BOX_KEY_SIZE = 32
BOX_NONCE_SIZE = 24
SHARE_CIPHERTEXT_SIZE = 32 + 16
_SHARE_SIGNATURE_CONTEXT = b"urna/v1 guardian share\x00"


def _coefficient_transcript(parameters_hash: bytes, guardian_id: int, index: int) -> Transcript:
    t = Transcript("guardian-coefficient")
    t.add_bytes("parameters_hash", parameters_hash)
    t.add_int("guardian_id", guardian_id)
    t.add_int("index", index)
    return t


def _check_box_key(raw: bytes) -> bytes:
    """An X25519 public key must be 32 bytes and not of small order."""
    if len(raw) != BOX_KEY_SIZE:
        raise KeyRejectedError(f"box key must be {BOX_KEY_SIZE} bytes")
    try:  # libsodium refuses a small-order point (all-zero shared secret)
        _sodium.crypto_scalarmult(b"\x09" + bytes(31), raw)
    except nacl.exceptions.RuntimeError:
        raise KeyRejectedError("box key is of small order") from None
    return bytes(raw)


@attrs.frozen(slots=True)
class GuardianPublicKey:
    """A guardian's public key material, published before voting opens."""

    guardian_id: int
    commitments: tuple[Point, ...]
    proofs: tuple[SchnorrProof, ...]
    box_key: bytes
    verify_key: VerifyKey

    def to_json(self) -> dict[str, Any]:
        return {
            "guardian_id": self.guardian_id,
            "commitments": [k.hex() for k in self.commitments],
            "proofs": [p.to_json() for p in self.proofs],
            "box_key": self.box_key.hex(),
            "verify_key": self.verify_key.hex(),
        }

    @classmethod
    def from_json(cls, value: object, quorum: int) -> GuardianPublicKey:
        """Read the record's form; arrays must have exactly ``quorum`` items."""
        d = _json.obj(
            value,
            ("guardian_id", "commitments", "proofs", "box_key", "verify_key"),
            "guardian public key",
        )
        ks = _json.array(d["commitments"], "commitments", quorum, quorum)
        ps = _json.array(d["proofs"], "proofs", quorum, quorum)
        return cls(
            _json.integer(d["guardian_id"], "guardian_id", 0, MAX_GUARDIAN_ID),
            tuple(Point.from_hex(k) for k in ks),
            tuple(SchnorrProof.from_json(p) for p in ps),
            _json.hexa(d["box_key"], BOX_KEY_SIZE, "box_key"),
            decode_verify_key(_json.hexa(d["verify_key"], 32, "verify_key")),
        )


@attrs.frozen(slots=True, repr=False, eq=False)  # never compared: no variable-time ==
class GuardianSecret:
    """A guardian's secrets: polynomial coefficients, Box and signing keys. Never printed."""

    guardian_id: int
    coefficients: tuple[Scalar, ...]
    box_secret: bytes
    signing_key: SigningKey
    public_key: GuardianPublicKey

    def evaluate(self, x: int) -> Scalar:
        """``P_i(x)`` by Horner's rule."""
        xs = Scalar.from_int(x)
        acc = Scalar.from_int(0)
        for a in reversed(self.coefficients):
            acc = acc * xs + a
        return acc

    def __repr__(self) -> str:
        return f"GuardianSecret(guardian_id={self.guardian_id}, <hidden>)"


def generate_guardian(
    guardian_id: int, quorum: int, parameters_hash: bytes, randbytes: RandBytes
) -> GuardianSecret:
    """Draw a guardian's polynomial and keys and prove possession of every coefficient."""
    if not 1 <= guardian_id <= MAX_GUARDIAN_ID:
        raise ValueError(f"guardian id must be in 1..{MAX_GUARDIAN_ID}")
    if not 1 <= quorum <= MAX_GUARDIANS:
        raise ValueError(f"quorum must be in 1..{MAX_GUARDIANS}")
    coefficients = tuple(_nonzero_scalar(randbytes) for _ in range(quorum))
    commitments = tuple(Point.base_mul(a) for a in coefficients)
    proofs = tuple(
        prove_possession(a, k, _coefficient_transcript(parameters_hash, guardian_id, j), randbytes)
        for j, (a, k) in enumerate(zip(coefficients, commitments, strict=True))
    )
    box_secret = randbytes(32)
    box_key = _sodium.crypto_scalarmult_base(box_secret)
    signing_key = SigningKey.generate(randbytes)
    public = GuardianPublicKey(guardian_id, commitments, proofs, box_key, signing_key.verify_key)
    return GuardianSecret(guardian_id, coefficients, box_secret, signing_key, public)


def _nonzero_scalar(randbytes: RandBytes) -> Scalar:
    while True:
        s = Scalar.random(randbytes)
        if not s.is_zero():
            return s


def check_guardian_key(key: GuardianPublicKey, quorum: int, parameters_hash: bytes) -> None:
    """Raise :class:`CeremonyError` unless one guardian's key material is valid."""
    where = f"guardian {key.guardian_id}"
    if not 1 <= key.guardian_id <= MAX_GUARDIAN_ID:
        raise CeremonyError("guardian.id", "guardian id must be nonzero", where)
    if len(key.commitments) != quorum or len(key.proofs) != quorum:
        raise CeremonyError(
            "guardian.commitment", f"need exactly {quorum} commitments and proofs", where
        )
    for j, (k, proof) in enumerate(zip(key.commitments, key.proofs, strict=True)):
        if k.is_identity():
            raise CeremonyError("guardian.commitment", f"commitment {j} is the identity", where)
        try:
            verify_possession(
                proof,
                k,
                _coefficient_transcript(parameters_hash, key.guardian_id, j),
                check="guardian.proof",
            )
        except ProofError:
            raise CeremonyError(
                "guardian.proof",
                "proof of possession does not verify",
                f"{where}, coefficient {j}",
            ) from None
    try:
        _check_box_key(key.box_key)
        decode_verify_key(key.verify_key.raw)
    except DecodeError as exc:
        raise CeremonyError("guardian.keys", str(exc), where) from None


def check_guardians(
    keys: Sequence[GuardianPublicKey], guardians: int, quorum: int, parameters_hash: bytes
) -> None:
    """Check the whole set: ``guardians`` keys, distinct nonzero ids, each key valid.

    Raise :class:`CeremonyError` (abort) naming the check and the guardian.
    """
    if not 1 <= quorum <= guardians <= MAX_GUARDIANS:
        raise CeremonyError("ceremony.parameters", f"need 1 <= k={quorum} <= n={guardians}")
    if len(keys) != guardians:
        raise CeremonyError("ceremony.count", f"expected {guardians} guardians, got {len(keys)}")
    seen: set[int] = set()
    for key in keys:
        if key.guardian_id in seen:
            raise CeremonyError(
                "guardian.id", "duplicate guardian id", f"guardian {key.guardian_id}"
            )
        seen.add(key.guardian_id)
    for key in keys:
        check_guardian_key(key, quorum, parameters_hash)


def joint_commitments(keys: Sequence[GuardianPublicKey]) -> tuple[Point, ...]:
    """``C_j = sum_i K_ij``: the commitments to the sum of all polynomials."""
    quorum = len(keys[0].commitments)
    out = []
    for j in range(quorum):
        acc = IDENTITY
        for key in keys:
            acc = acc + key.commitments[j]
        out.append(acc)
    return tuple(out)


def joint_key(keys: Sequence[GuardianPublicKey]) -> Point:
    """The election's public key ``K = sum_i K_i0``."""
    acc = IDENTITY
    for key in keys:
        acc = acc + key.commitments[0]
    return acc


def evaluate_commitments(commitments: Sequence[Point], x: int) -> Point:
    """``sum_m x^m·C_m`` by Horner's rule: ``P(x)·B`` for the committed polynomial."""
    xs = Scalar.from_int(x)
    acc = IDENTITY
    for c in reversed(commitments):
        acc = acc * xs + c
    return acc


@attrs.frozen(slots=True)
class EncryptedShare:
    """``P_sender(x_recipient)`` encrypted to the recipient and signed by the sender."""

    sender: int
    recipient: int
    ephemeral_key: bytes
    nonce: bytes
    ciphertext: bytes
    signature: bytes

    def signed_bytes(self, parameters_hash: bytes) -> bytes:
        return (
            _SHARE_SIGNATURE_CONTEXT
            + parameters_hash
            + self.sender.to_bytes(4, "big")
            + self.recipient.to_bytes(4, "big")
            + self.ephemeral_key
            + self.nonce
            + self.ciphertext
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "recipient": self.recipient,
            "ephemeral_key": self.ephemeral_key.hex(),
            "nonce": self.nonce.hex(),
            "ciphertext": self.ciphertext.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, value: object) -> EncryptedShare:
        d = _json.obj(
            value,
            ("sender", "recipient", "ephemeral_key", "nonce", "ciphertext", "signature"),
            "encrypted share",
        )
        return cls(
            _json.integer(d["sender"], "sender", 1, MAX_GUARDIAN_ID),
            _json.integer(d["recipient"], "recipient", 1, MAX_GUARDIAN_ID),
            _json.hexa(d["ephemeral_key"], BOX_KEY_SIZE, "ephemeral_key"),
            _json.hexa(d["nonce"], BOX_NONCE_SIZE, "nonce"),
            _json.hexa(d["ciphertext"], SHARE_CIPHERTEXT_SIZE, "ciphertext"),
            _json.hexa(d["signature"], 64, "signature"),
        )


def make_shares(
    sender: GuardianSecret,
    recipients: Sequence[GuardianPublicKey],
    parameters_hash: bytes,
    randbytes: RandBytes,
) -> tuple[EncryptedShare, ...]:
    """Encrypt ``P_sender(x_j)`` to every recipient ``j`` with a one-time X25519 key, and sign."""
    out = []
    for recipient in recipients:
        ephemeral_secret = randbytes(32)
        ephemeral_key = _sodium.crypto_scalarmult_base(ephemeral_secret)
        nonce = randbytes(BOX_NONCE_SIZE)
        shared = _sodium.crypto_box_beforenm(recipient.box_key, ephemeral_secret)
        plaintext = sender.evaluate(recipient.guardian_id).encode()
        ciphertext = _sodium.crypto_box_easy_afternm(plaintext, nonce, shared)
        unsigned = EncryptedShare(
            sender.guardian_id, recipient.guardian_id, ephemeral_key, nonce, ciphertext, b""
        )
        signature = sender.signing_key.sign(unsigned.signed_bytes(parameters_hash))
        out.append(attrs.evolve(unsigned, signature=signature))
    return tuple(out)


@attrs.frozen(slots=True)
class Complaint:
    """Evidence that ``sender`` sent ``recipient`` a bad share.

    ``revealed_key`` is the one-time Box key (``crypto_box_beforenm`` of the
    share's ephemeral key and the recipient's Box secret): it decrypts this
    one message and nothing else.
    """

    sender: int
    recipient: int
    share: EncryptedShare
    revealed_key: bytes
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "recipient": self.recipient,
            "share": self.share.to_json(),
            "revealed_key": self.revealed_key.hex(),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, value: object) -> Complaint:
        d = _json.obj(
            value, ("sender", "recipient", "share", "revealed_key", "reason"), "complaint"
        )
        return cls(
            _json.integer(d["sender"], "sender", 1, MAX_GUARDIAN_ID),
            _json.integer(d["recipient"], "recipient", 1, MAX_GUARDIAN_ID),
            EncryptedShare.from_json(d["share"]),
            _json.hexa(d["revealed_key"], 32, "revealed_key"),
            _json.ident(d["reason"], "reason"),
        )


class Verdict(enum.Enum):
    """What a complaint proves."""

    SENDER_AT_FAULT = "sender-at-fault"
    """The share decrypts under the revealed key and is wrong: disqualify the sender."""
    SENDER_MUST_REVEAL = "sender-must-reveal"
    """The share does not decrypt: the sender must publish it (:func:`resolve_complaint`)."""


def _share_matches(sender: GuardianPublicKey, recipient_id: int, share: Scalar) -> bool:
    return Point.base_mul(share) == evaluate_commitments(sender.commitments, recipient_id)


def _open_share(key: bytes, share: EncryptedShare) -> bytes | None:
    try:
        return bytes(_sodium.crypto_box_open_easy_afternm(share.ciphertext, share.nonce, key))
    except nacl.exceptions.CryptoError:
        return None


def _check_share_signature(
    share: EncryptedShare, sender: GuardianPublicKey, parameters_hash: bytes, check: str
) -> None:
    try:
        sender.verify_key.verify(share.signed_bytes(parameters_hash), share.signature)
    except SignatureError:
        raise ShareError(
            check, "share is not signed by its sender", f"share {share.sender}->{share.recipient}"
        ) from None


def check_relayed_share(
    share: EncryptedShare, sender: GuardianPublicKey, parameters_hash: bytes
) -> None:
    """What anyone can check of a share in transit, without its recipient's secret.

    Raise :class:`ShareError`: ``share.address`` when it is addressed to its own
    sender (a guardian keeps ``P_i(x_i)`` to itself), ``share.ephemeral-key``
    when the one-time key is malformed or of small order (nothing could
    decrypt it), ``share.signature`` unless the sender signed it. Whether the
    share is *right* only its recipient can tell (:func:`receive_share`).
    """
    where = f"share {share.sender}->{share.recipient}"
    if share.sender != sender.guardian_id:
        raise ShareError("share.address", "share is checked against another sender", where)
    if share.sender == share.recipient:
        raise ShareError("share.address", "a guardian does not send a share to itself", where)
    try:
        _check_box_key(share.ephemeral_key)
    except KeyRejectedError as exc:
        raise ShareError("share.ephemeral-key", str(exc), where) from None
    _check_share_signature(share, sender, parameters_hash, "share.signature")


def receive_share(
    recipient: GuardianSecret,
    sender: GuardianPublicKey,
    share: EncryptedShare,
    parameters_hash: bytes,
) -> Scalar:
    """Decrypt and check a received share; raise :class:`ShareError` with a complaint if wrong.

    A share not signed by its sender (or addressed elsewhere) raises
    :class:`ShareError` with ``complaint = None``: it is not evidence against anyone.
    """
    where = f"share {share.sender}->{share.recipient}"
    if share.sender != sender.guardian_id or share.recipient != recipient.guardian_id:
        raise ShareError("share.address", "share is addressed to another pair", where)
    _check_share_signature(share, sender, parameters_hash, "share.signature")
    try:
        key = _sodium.crypto_box_beforenm(share.ephemeral_key, recipient.box_secret)
    except nacl.exceptions.RuntimeError:
        key = bytes(32)  # a small-order ephemeral key: nothing decrypts, the sender must reveal
    plaintext = _open_share(key, share)
    reason = ""
    value = None
    if plaintext is None:
        reason = "undecryptable"
    else:
        try:
            value = Scalar.decode(plaintext)
        except DecodeError:
            reason = "malformed"
        else:
            if not _share_matches(sender, recipient.guardian_id, value):
                reason = "mismatch"
    if reason or value is None:
        complaint = Complaint(share.sender, share.recipient, share, key, reason)
        raise ShareError(f"share.{reason}", "received share is wrong", where, complaint)
    return value


def judge_complaint(
    complaint: Complaint,
    sender: GuardianPublicKey,
    parameters_hash: bytes,
) -> Verdict:
    """Judge a complaint from its evidence alone.

    Raise :class:`CeremonyError` (``complaint.unfounded``) when the evidence
    does not support it: the share is not signed by the sender, or it
    decrypts under the revealed key to the right value.
    """
    where = f"complaint {complaint.sender}->{complaint.recipient}"
    share = complaint.share
    if (share.sender, share.recipient) != (complaint.sender, complaint.recipient):
        raise CeremonyError("complaint.unfounded", "evidence is for another pair", where)
    try:
        _check_share_signature(share, sender, parameters_hash, "complaint.unfounded")
    except ShareError as exc:
        raise CeremonyError("complaint.unfounded", str(exc), where) from None
    plaintext = _open_share(complaint.revealed_key, share)
    if plaintext is None:
        return Verdict.SENDER_MUST_REVEAL
    try:
        value = Scalar.decode(plaintext)
    except DecodeError:
        return Verdict.SENDER_AT_FAULT
    if _share_matches(sender, complaint.recipient, value):
        raise CeremonyError("complaint.unfounded", "the share is correct", where)
    return Verdict.SENDER_AT_FAULT


def resolve_complaint(complaint: Complaint, sender: GuardianPublicKey, revealed: Scalar) -> Scalar:
    """Check the share a sender published in answer to a complaint.

    Return it (the recipient uses it) if it matches the sender's commitments;
    raise :class:`CeremonyError` (``share.reveal``) otherwise: the sender is at fault.
    """
    check_revealed_share(sender, complaint.recipient, revealed)
    return revealed


def check_revealed_share(sender: GuardianPublicKey, recipient_id: int, revealed: Scalar) -> None:
    """Raise :class:`CeremonyError` (``share.reveal``) unless ``revealed·B`` is
    ``P_sender(x_recipient)·B`` by the sender's commitments."""
    if not _share_matches(sender, recipient_id, revealed):
        raise CeremonyError(
            "share.reveal",
            "revealed share does not match the sender's commitments",
            f"guardian {sender.guardian_id}",
        )


@attrs.frozen(slots=True, repr=False)
class KeyShare:
    """Guardian ``guardian_id``'s share ``s_j`` of the joint secret. Never printed."""

    guardian_id: int
    value: Scalar

    def __repr__(self) -> str:
        return f"KeyShare(guardian_id={self.guardian_id}, <hidden>)"


def combine_shares(recipient: GuardianSecret, received: Mapping[int, Scalar]) -> KeyShare:
    """``s_j = sum_i P_i(x_j)`` over the verified shares received from every guardian."""
    total = Scalar.from_int(0)
    for value in received.values():
        total = total + value
    return KeyShare(recipient.guardian_id, total)
