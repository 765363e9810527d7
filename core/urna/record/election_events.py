"""The ledger events of a secret-ballot election, and their strict payload validators.

One election per scope. Its steps, in record order (``docs/spec.md`` section 14):

============================== ======================================================
``core.election_created``      ``{"parameters": ElectionParameters}``
``core.election_guardian_key`` ``{"guardian": GuardianPublicKey}`` (one per guardian)
``core.election_key``          ``{"joint_key": P, "election_hash": hex32}``
``core.election_share``        ``{"share": EncryptedShare}`` (one per ordered pair of
                               distinct guardians: ciphertext only, relayed)
``core.election_complaint``    ``{"complaint": Complaint, "verdict": str}`` (founded only)
``core.election_share_revealed`` ``{"sender": int, "recipient": int, "value": scalar}``
                               (the sender's answer to a ``sender-must-reveal`` complaint)
``core.election_guardian_confirmed`` ``{"guardian_id": int, "signature": hex64}``
                               (over the ceremony hash H_C)
``core.signer_registered``     a voter's or device's ballot credential, role ``ballot-credential``
``core.election_opened``       ``{"election_hash": hex32, "credentials": int}``
``core.ballot_cast``           ``{"ballot": SignedBallot, "confirmation_code": hex32}``
``core.ballot_challenged``     ``{"ballot": SignedBallot, "reveal": [...],
                               "confirmation_code": hex32}``
``core.tally_computed``        ``{"tally": EncryptedTally}`` (closes the ballot box)
``core.tally_share``           ``{"share": TallyShare}`` (one per guardian who decrypts)
``core.tally_decrypted``       ``{"result": TallyResult, "guardians": [int]}``
============================== ======================================================

``ELECTION_EVENT_TYPES`` lists ``(name, description, validator)``; the
core's ``CORE_EVENT_TYPES`` (:mod:`urna.record.event_types`) includes them.

The validators read every payload with the crypto's strict ``from_json``
(exact keys, canonical points in the subgroup, scalars < L, bounded arrays);
they judge one event alone. Whether the events agree with each other (proofs
against the election's key, chains, eligibility, sums) is for the ballot box
before it appends and for :mod:`urna.verify.election_checks` afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from urna.crypto import _json
from urna.crypto.ballot import CODE_SIZE, ChallengedBallot, SignedBallot
from urna.crypto.ceremony import (
    MAX_GUARDIAN_ID,
    MAX_GUARDIANS,
    Complaint,
    EncryptedShare,
    GuardianPublicKey,
    Verdict,
)
from urna.crypto.errors import CryptoError
from urna.crypto.group import Point, Scalar
from urna.crypto.manifest import ElectionParameters
from urna.crypto.tally import EncryptedTally, TallyResult, TallyShare
from urna.record.fields import require_fields

__all__ = [
    "BALLOT_CAST",
    "BALLOT_CHALLENGED",
    "BALLOT_VALIDATORS",
    "CEREMONY_TYPES",
    "CREDENTIAL_ROLE",
    "ELECTION_COMPLAINT",
    "ELECTION_CREATED",
    "ELECTION_EVENT_TYPES",
    "ELECTION_GUARDIAN_CONFIRMED",
    "ELECTION_GUARDIAN_KEY",
    "ELECTION_KEY",
    "ELECTION_OPENED",
    "ELECTION_SHARE",
    "ELECTION_SHARE_REVEALED",
    "ELECTION_TYPES",
    "TALLY_COMPUTED",
    "TALLY_DECRYPTED",
    "TALLY_SHARE",
    "ballot_cast_payload",
    "ballot_challenged_payload",
    "challenged_from_payload",
    "complaint_from_payload",
    "complaint_payload",
    "election_created_payload",
    "election_key_payload",
    "election_opened_payload",
    "guardian_confirmed_payload",
    "guardian_key_from_payload",
    "guardian_key_payload",
    "read_cast",
    "read_challenged",
    "reveal_from_payload",
    "share_from_payload",
    "share_payload",
    "share_revealed_payload",
    "signed_ballot_from_payload",
    "tally_computed_payload",
    "tally_decrypted_payload",
    "tally_share_payload",
]

ELECTION_CREATED = "core.election_created"
ELECTION_GUARDIAN_KEY = "core.election_guardian_key"
ELECTION_KEY = "core.election_key"
ELECTION_SHARE = "core.election_share"
ELECTION_COMPLAINT = "core.election_complaint"
ELECTION_SHARE_REVEALED = "core.election_share_revealed"
ELECTION_GUARDIAN_CONFIRMED = "core.election_guardian_confirmed"
ELECTION_OPENED = "core.election_opened"
BALLOT_CAST = "core.ballot_cast"
BALLOT_CHALLENGED = "core.ballot_challenged"
TALLY_COMPUTED = "core.tally_computed"
TALLY_SHARE = "core.tally_share"
TALLY_DECRYPTED = "core.tally_decrypted"

CREDENTIAL_ROLE = "ballot-credential"
"""The role of a voter's or voting device's key in ``core.signer_registered``."""

ELECTION_TYPES = frozenset(
    {
        ELECTION_CREATED,
        ELECTION_GUARDIAN_KEY,
        ELECTION_KEY,
        ELECTION_SHARE,
        ELECTION_COMPLAINT,
        ELECTION_SHARE_REVEALED,
        ELECTION_GUARDIAN_CONFIRMED,
        ELECTION_OPENED,
        BALLOT_CAST,
        BALLOT_CHALLENGED,
        TALLY_COMPUTED,
        TALLY_SHARE,
        TALLY_DECRYPTED,
    }
)

CEREMONY_TYPES = frozenset({ELECTION_SHARE, ELECTION_COMPLAINT, ELECTION_SHARE_REVEALED})
"""The share exchange's events, between ``core.election_key`` and ``core.election_opened``."""


def _strict(what: str, parse: Any, *args: Any) -> Any:
    """Run a crypto reader; its typed errors become ``ValueError`` naming the field."""
    try:
        return parse(*args)
    except CryptoError as exc:
        raise ValueError(f"{what}: {exc}") from None


# Payload builders: the ballot box and test generators make payloads only through these.


def election_created_payload(parameters: ElectionParameters) -> dict[str, Any]:
    return {"parameters": parameters.to_json()}


def guardian_key_payload(key: GuardianPublicKey) -> dict[str, Any]:
    return {"guardian": key.to_json()}


def election_key_payload(joint_key: Point, election_hash: bytes) -> dict[str, Any]:
    return {"joint_key": joint_key.hex(), "election_hash": election_hash.hex()}


def share_payload(share: EncryptedShare) -> dict[str, Any]:
    return {"share": share.to_json()}


def complaint_payload(complaint: Complaint, verdict: Verdict) -> dict[str, Any]:
    return {"complaint": complaint.to_json(), "verdict": verdict.value}


def share_revealed_payload(sender: int, recipient: int, value: Scalar) -> dict[str, Any]:
    return {"sender": sender, "recipient": recipient, "value": value.hex()}


def guardian_confirmed_payload(guardian_id: int, signature: bytes) -> dict[str, Any]:
    return {"guardian_id": guardian_id, "signature": signature.hex()}


def election_opened_payload(election_hash: bytes, credentials: int) -> dict[str, Any]:
    return {"election_hash": election_hash.hex(), "credentials": credentials}


def ballot_cast_payload(signed: SignedBallot) -> dict[str, Any]:
    return {
        "ballot": signed.to_json(),
        "confirmation_code": signed.ballot.confirmation_code().hex(),
    }


def ballot_challenged_payload(signed: SignedBallot, challenged: ChallengedBallot) -> dict[str, Any]:
    if challenged.ballot != signed.ballot:
        raise ValueError("the reveal is for another ballot")
    return {
        "ballot": signed.to_json(),
        "reveal": challenged.to_json()["reveal"],
        "confirmation_code": signed.ballot.confirmation_code().hex(),
    }


def tally_computed_payload(tally: EncryptedTally) -> dict[str, Any]:
    return {"tally": tally.to_json()}


def tally_share_payload(share: TallyShare) -> dict[str, Any]:
    return {"share": share.to_json()}


def tally_decrypted_payload(result: TallyResult, guardians: list[int]) -> dict[str, Any]:
    return {"result": result.to_json(), "guardians": sorted(guardians)}


# Readers: strict, one event alone; raise ValueError naming what is wrong.


def guardian_key_from_payload(payload: Mapping[str, Any]) -> GuardianPublicKey:
    """The guardian key of a ``core.election_guardian_key`` payload (quorum = its length)."""
    require_fields(payload, {"guardian": dict})
    commitments = payload["guardian"].get("commitments")
    quorum = len(commitments) if isinstance(commitments, list) else 0
    if not 1 <= quorum <= MAX_GUARDIANS:
        raise ValueError(f"guardian: 1..{MAX_GUARDIANS} commitments required")
    key: GuardianPublicKey = _strict(
        "guardian", GuardianPublicKey.from_json, payload["guardian"], quorum
    )
    return key


def share_from_payload(payload: Mapping[str, Any]) -> EncryptedShare:
    """The relayed share of a ``core.election_share`` payload."""
    require_fields(payload, {"share": dict})
    share: EncryptedShare = _strict("share", EncryptedShare.from_json, payload["share"])
    return share


def complaint_from_payload(payload: Mapping[str, Any]) -> tuple[Complaint, Verdict]:
    """The complaint and recorded verdict of a ``core.election_complaint`` payload."""
    require_fields(payload, {"complaint": dict, "verdict": str})
    complaint: Complaint = _strict("complaint", Complaint.from_json, payload["complaint"])
    if (complaint.share.sender, complaint.share.recipient) != (
        complaint.sender,
        complaint.recipient,
    ):
        raise ValueError("complaint: the evidence is a share of another pair")
    try:
        verdict = Verdict(payload["verdict"])
    except ValueError:
        raise ValueError(f"verdict must be one of {[v.value for v in Verdict]}") from None
    return complaint, verdict


def reveal_from_payload(payload: Mapping[str, Any]) -> tuple[int, int, Scalar]:
    """``(sender, recipient, value)`` of a ``core.election_share_revealed`` payload."""
    require_fields(payload, {"sender": int, "recipient": int, "value": str})
    sender = _strict("sender", _json.integer, payload["sender"], "sender", 1, MAX_GUARDIAN_ID)
    recipient = _strict(
        "recipient", _json.integer, payload["recipient"], "recipient", 1, MAX_GUARDIAN_ID
    )
    value: Scalar = _strict("value", Scalar.from_hex, payload["value"])
    return sender, recipient, value


def signed_ballot_from_payload(
    payload: Mapping[str, Any], *, proof_check: bool = False
) -> SignedBallot:
    """The signed ballot of a ``core.ballot_cast`` or ``core.ballot_challenged`` payload
    (``proof_check``: its proofs are checked next, see ``SignedBallot.from_json``)."""
    signed: SignedBallot = _strict(
        "ballot",
        lambda value: SignedBallot.from_json(value, proof_check=proof_check),
        payload.get("ballot"),
    )
    return signed


def challenged_from_payload(payload: Mapping[str, Any]) -> tuple[SignedBallot, ChallengedBallot]:
    require_fields(payload, {"ballot": dict, "reveal": list, "confirmation_code": str})
    signed = signed_ballot_from_payload(payload)
    challenged: ChallengedBallot = _strict(
        "reveal",
        lambda reveal: ChallengedBallot.with_reveal(signed.ballot, reveal),
        payload["reveal"],
    )
    return signed, challenged


def _validate_created(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"parameters": dict})
    _strict("parameters", ElectionParameters.from_json, payload["parameters"])


def _validate_guardian_key(payload: Mapping[str, Any]) -> None:
    guardian_key_from_payload(payload)


def _validate_key(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"joint_key": str, "election_hash": str})
    point = _strict("joint_key", Point.from_hex, payload["joint_key"])
    if point.is_identity():
        raise ValueError("joint_key must not be the identity")
    _strict("election_hash", _json.hexa, payload["election_hash"], 32, "election_hash")


def _validate_share(payload: Mapping[str, Any]) -> None:
    share_from_payload(payload)


def _validate_complaint(payload: Mapping[str, Any]) -> None:
    complaint_from_payload(payload)


def _validate_revealed(payload: Mapping[str, Any]) -> None:
    reveal_from_payload(payload)


def _validate_confirmed(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"guardian_id": int, "signature": str})
    _strict("guardian_id", _json.integer, payload["guardian_id"], "guardian_id", 1, MAX_GUARDIAN_ID)
    _strict("signature", _json.hexa, payload["signature"], 64, "signature")


def _validate_opened(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"election_hash": str, "credentials": int})
    _strict("election_hash", _json.hexa, payload["election_hash"], 32, "election_hash")
    _strict("credentials", _json.integer, payload["credentials"], "credentials", 0, 2**40)


def _check_code(payload: Mapping[str, Any], signed: SignedBallot) -> None:
    code = _strict("confirmation_code", _json.hexa, payload["confirmation_code"], CODE_SIZE, "code")
    if code != signed.ballot.confirmation_code():
        raise ValueError("confirmation_code is not the ballot's confirmation code")


def read_cast(payload: Mapping[str, Any], *, proof_check: bool = False) -> SignedBallot:
    """Validate a ``core.ballot_cast`` payload completely and answer its ballot
    (``proof_check``: its proofs are checked next, see ``SignedBallot.from_json``)."""
    require_fields(payload, {"ballot": dict, "confirmation_code": str})
    signed = signed_ballot_from_payload(payload, proof_check=proof_check)
    _check_code(payload, signed)
    return signed


def read_challenged(payload: Mapping[str, Any]) -> tuple[SignedBallot, ChallengedBallot]:
    """Validate a ``core.ballot_challenged`` payload completely and answer its ballot."""
    signed, challenged = challenged_from_payload(payload)
    _check_code(payload, signed)
    return signed, challenged


def _validate_cast(payload: Mapping[str, Any]) -> None:
    read_cast(payload)


def _validate_challenged(payload: Mapping[str, Any]) -> None:
    read_challenged(payload)


def _validate_tally(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"tally": dict})
    _strict("tally", EncryptedTally.from_json, payload["tally"])


def _validate_tally_share(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"share": dict})
    _strict("share", TallyShare.from_json, payload["share"])


def _validate_decrypted(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"result": dict, "guardians": list})
    _strict("result", TallyResult.from_json, payload["result"])
    ids = payload["guardians"]
    if not 1 <= len(ids) <= MAX_GUARDIANS:
        raise ValueError(f"guardians: 1..{MAX_GUARDIANS} ids required")
    for gid in ids:
        _strict("guardians", _json.integer, gid, "guardian id", 1, MAX_GUARDIAN_ID)
    if ids != sorted(set(ids)):
        raise ValueError("guardians must be distinct and in ascending order")


ELECTION_EVENT_TYPES: tuple[tuple[str, str, Callable[[Mapping[str, Any]], None]], ...] = (
    (
        ELECTION_CREATED,
        "A secret-ballot election is created in this scope: its id, guardians n, quorum k "
        "and manifest of contests.",
        _validate_created,
    ),
    (
        ELECTION_GUARDIAN_KEY,
        "A guardian's public key material: Feldman commitments with a Schnorr proof of "
        "possession each, Box key for receiving shares, Ed25519 key for signing.",
        _validate_guardian_key,
    ),
    (
        ELECTION_KEY,
        "The key ceremony is complete: the joint public key and the election base hash H_E.",
        _validate_key,
    ),
    (
        ELECTION_SHARE,
        "A guardian's secret share for another guardian, relayed: encrypted to the "
        "recipient's Box key with a one-time key and signed by the sender (ciphertext only).",
        _validate_share,
    ),
    (
        ELECTION_COMPLAINT,
        "A recipient's founded complaint against a relayed share, with its evidence (the "
        "share and the one-time decryption key) and the verdict the evidence supports.",
        _validate_complaint,
    ),
    (
        ELECTION_SHARE_REVEALED,
        "A sender's public answer to a sender-must-reveal complaint: the disputed share, "
        "checked against the sender's commitments.",
        _validate_revealed,
    ),
    (
        ELECTION_GUARDIAN_CONFIRMED,
        "A guardian's Ed25519 signature over the ceremony hash H_C (all key material, "
        "the relayed share ciphertexts included).",
        _validate_confirmed,
    ),
    (
        ELECTION_OPENED,
        "Voting opens: every guardian has confirmed; the set of ballot credentials is fixed.",
        _validate_opened,
    ),
    (
        BALLOT_CAST,
        "A verified, signed, encrypted ballot is cast, with its confirmation code (receipt).",
        _validate_cast,
    ),
    (
        BALLOT_CHALLENGED,
        "A ballot is challenged (Benaloh): its votes and nonces are revealed; never tallied.",
        _validate_challenged,
    ),
    (
        TALLY_COMPUTED,
        "Voting closes; the encrypted tally is the homomorphic sum of the cast ballots.",
        _validate_tally,
    ),
    (
        TALLY_SHARE,
        "A guardian's verified partial decryption of every tally entry, each with its "
        "Chaum-Pedersen proof.",
        _validate_tally_share,
    ),
    (
        TALLY_DECRYPTED,
        "The result: the tally decrypted by Lagrange-combining the named guardians' shares.",
        _validate_decrypted,
    ),
)

BALLOT_VALIDATORS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    BALLOT_CAST: _validate_cast,
    BALLOT_CHALLENGED: _validate_challenged,
}
"""The ballot events' validators: the verifier runs their work (:func:`read_cast`,
:func:`read_challenged`) in parallel, once, with the per-ballot checks."""
