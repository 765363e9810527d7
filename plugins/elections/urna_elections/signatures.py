"""Member signatures on a protocol: who signed, whether each signature verifies, the quorum.

A member signs the protocol's digest (``protocol.protocol_digest``) with
Ed25519; a dissenting opinion is signed over BLAKE2b-256 (label
``urna.el.dissent``) of ``{"protocol": digest, "opinion": text}``. Pure code,
shared by the appliance (on acceptance) and the observer's verifier.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
from urna.crypto.errors import KeyRejectedError, SignatureError
from urna.crypto.hashing import blake2b_256
from urna.crypto.signing import SigningKey, VerifyKey, verify_key_from_hex
from urna.record.canonical import canonical_bytes

from urna_elections.law import Profile
from urna_elections.protocol import HEX64, ProtocolError

DISSENT_LABEL = b"urna.el.dissent"
HEX128 = re.compile(r"^[0-9a-f]{128}$")
MAX_OPINION = 4000
MAX_SIGNATURES = 64


@attrs.frozen(slots=True)
class Signer:
    """What the record says about a member's key."""

    commission: str
    name: str
    role: str
    decisive: bool


def dissent_digest(protocol_hex: str, opinion: str) -> bytes:
    return blake2b_256(
        DISSENT_LABEL, canonical_bytes({"protocol": protocol_hex, "opinion": opinion})
    )


def sign_protocol(protocol_hex: str, key: SigningKey) -> dict[str, str]:
    """A member's signature entry ``{"key", "sig"}`` over the protocol's digest (hex, as
    ``protocol_digest`` gives it: computed once, however many members sign)."""
    return {"key": key.verify_key.hex(), "sig": key.sign(bytes.fromhex(protocol_hex)).hex()}


def sign_dissent(protocol_hex: str, opinion: str, key: SigningKey) -> dict[str, str]:
    return {
        "key": key.verify_key.hex(),
        "opinion": opinion,
        "sig": key.sign(dissent_digest(protocol_hex, opinion)).hex(),
    }


def check_signature_entries(signatures: Any, dissents: Any) -> None:
    """Shapes only: lists of ``{"key","sig"}`` and ``{"key","opinion","sig"}`` in hex."""
    if not isinstance(signatures, list) or len(signatures) > MAX_SIGNATURES:
        raise ProtocolError(f"signatures must be a list of at most {MAX_SIGNATURES}")
    if not isinstance(dissents, list) or len(dissents) > MAX_SIGNATURES:
        raise ProtocolError(f"dissents must be a list of at most {MAX_SIGNATURES}")
    for entry in signatures:
        if not isinstance(entry, dict) or set(entry) != {"key", "sig"}:
            raise ProtocolError("each signature needs exactly key and sig")
        _hex(entry["key"], HEX64, "signature key")
        _hex(entry["sig"], HEX128, "signature")
    for entry in dissents:
        if not isinstance(entry, dict) or set(entry) != {"key", "opinion", "sig"}:
            raise ProtocolError("each dissent needs exactly key, opinion and sig")
        _hex(entry["key"], HEX64, "dissent key")
        _hex(entry["sig"], HEX128, "dissent signature")
        if not isinstance(entry["opinion"], str) or not 0 < len(entry["opinion"]) <= MAX_OPINION:
            raise ProtocolError(f"a dissenting opinion must be 1..{MAX_OPINION} characters")


def signature_verifies(
    key: str,
    message: bytes,
    signature_hex: str,
    *,
    key_of: Callable[[str], VerifyKey] = verify_key_from_hex,
) -> bool:
    """Whether ``signature_hex`` is the Ed25519 signature of ``message`` by ``key`` (hex,
    decoded by ``key_of``); a key or a signature that does not decode does not verify."""
    try:
        key_of(key).verify_hex(message, signature_hex)
    except (KeyRejectedError, SignatureError):
        return False
    return True


def _hex(value: Any, pattern: re.Pattern[str], what: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ProtocolError(f"{what} must be lowercase hex of the right length")


def signature_problems(
    precinct: str,
    digest_hex: str,
    signatures: Iterable[Mapping[str, str]],
    dissents: Iterable[Mapping[str, str]],
    signers: Mapping[str, Signer],
    decisive_members: int,
    profile: Profile,
    *,
    key_of: Callable[[str], VerifyKey] = verify_key_from_hex,
) -> list[str]:
    """Every reason the signatures do not complete the protocol (empty when they do).

    ``digest_hex`` is the digest of ``precinct``'s protocol document, already
    computed from the document (or checked against it) by the caller: it is not
    computed again here. Each signature must verify over it, be by a registered
    member of the precinct's own commission and count once; members with a
    decisive vote must reach the profile's quorum (``Profile.quorum_of``).
    Dissents must be signed by a member of the same commission. ``key_of``
    decodes a registered member's key (a caller may keep them decoded: the keys
    were validated when registered).
    """
    problems: list[str] = []
    digest = bytes.fromhex(digest_hex)
    counted: set[str] = set()
    for entry in signatures:
        key = entry["key"]
        signer = signers.get(key)
        if signer is None or signer.commission != precinct:
            problems.append(f"signature by {key[:16]}... who is not a member of {precinct}")
            continue
        if key in counted:
            problems.append(f"{signer.name} signed twice")
            continue
        if not signature_verifies(key, digest, entry["sig"], key_of=key_of):
            problems.append(f"the signature of {signer.name} does not verify")
            continue
        if signer.decisive:
            counted.add(key)
    needed = profile.quorum_of(decisive_members)
    if len(counted) < needed:
        problems.append(
            f"signed by {len(counted)} of {decisive_members} members with a decisive vote; "
            f"the quorum is {needed}"
        )
    for entry in dissents:
        key = entry["key"]
        signer = signers.get(key)
        if signer is None or signer.commission != precinct:
            problems.append(f"dissent by {key[:16]}... who is not a member of {precinct}")
            continue
        message = dissent_digest(digest_hex, entry["opinion"])
        if not signature_verifies(key, message, entry["sig"], key_of=key_of):
            problems.append(f"the dissent of {signer.name} does not verify")
    return problems
