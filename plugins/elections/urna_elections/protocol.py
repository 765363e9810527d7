"""The signed precinct protocol: the document members sign, its digest, signatures, dissents.

What a member signs is the BLAKE2b-256 (label ``urna.el.protocol``) of the
RFC 8785 bytes of the protocol document::

    {"election", "precinct", "profile", "lines", "votes", "completed_at",
     "supersedes", "reason"}

``supersedes`` is the hex digest of the protocol a repeat protocol replaces
("" for a first protocol) and ``reason`` why. A dissenting opinion is signed
by its member over BLAKE2b-256 (label ``urna.el.dissent``) of
``{"protocol": digest, "opinion": text}``. Pure code, shared by the appliance
(on entry) and the observer's verifier, so both apply the same rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
from urna.crypto.errors import KeyRejectedError, SignatureError
from urna.crypto.hashing import blake2b_256
from urna.crypto.signing import SigningKey, VerifyKey, verify_key_from_hex
from urna.record.canonical import canonical_bytes

from urna_elections.hierarchy import UNIT_CODE
from urna_elections.law import Profile

PROTOCOL_LABEL = b"urna.el.protocol"
DISSENT_LABEL = b"urna.el.dissent"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX128 = re.compile(r"^[0-9a-f]{128}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z?$")
DOC_FIELDS = frozenset(
    {"election", "precinct", "profile", "lines", "votes", "completed_at", "supersedes", "reason"}
)
MAX_OPINION = 4000
MAX_REASON = 1000
MAX_SIGNATURES = 64


class ProtocolError(ValueError):
    """A protocol is malformed or its signatures do not make it complete; says why."""


@attrs.frozen(slots=True)
class Signer:
    """What the record says about a member's key."""

    commission: str
    name: str
    role: str
    decisive: bool


def check_document(doc: Any) -> dict[str, Any]:
    """Check the document's shape (not the law: see ``Profile.check``)."""
    if not isinstance(doc, dict) or set(doc) != DOC_FIELDS:
        found = sorted(doc) if isinstance(doc, dict) else type(doc).__name__
        raise ProtocolError(f"protocol document needs exactly {sorted(DOC_FIELDS)}, got {found}")
    if not isinstance(doc["election"], str) or not CODE.fullmatch(doc["election"]):
        raise ProtocolError(f"protocol election must match {CODE.pattern}")
    if not isinstance(doc["precinct"], str) or not UNIT_CODE.fullmatch(doc["precinct"]):
        raise ProtocolError("protocol precinct must be a commission code (1..160 characters)")
    if not isinstance(doc["profile"], str) or not doc["profile"]:
        raise ProtocolError("protocol profile must be named")
    for key in ("lines", "votes"):
        values = doc[key]
        if not isinstance(values, dict) or len(values) > 200:
            raise ProtocolError(f"protocol {key} must be an object")
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**9:
                raise ProtocolError(f"protocol {key} {name}: must be an integer 0..10^9")
    if not isinstance(doc["completed_at"], str) or not (
        doc["completed_at"] == "" or TIMESTAMP.fullmatch(doc["completed_at"])
    ):
        raise ProtocolError("protocol completed_at must be YYYY-MM-DDTHH:MM[:SS][Z] or empty")
    supersedes, reason = doc["supersedes"], doc["reason"]
    if not isinstance(supersedes, str) or not (supersedes == "" or HEX64.fullmatch(supersedes)):
        raise ProtocolError("protocol supersedes must be empty or a 64-hex digest")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise ProtocolError(f"protocol reason must be text of at most {MAX_REASON} characters")
    if supersedes and not reason.strip():
        raise ProtocolError("a repeat protocol must give the reason for the correction")
    if not supersedes and reason:
        raise ProtocolError("only a repeat protocol (supersedes) has a reason")
    return doc


def make_document(
    *,
    election: str,
    precinct: str,
    profile: str,
    lines: Mapping[str, int],
    votes: Mapping[str, int],
    completed_at: str = "",
    supersedes: str = "",
    reason: str = "",
) -> dict[str, Any]:
    return check_document(
        {
            "election": election,
            "precinct": precinct,
            "profile": profile,
            "lines": dict(lines),
            "votes": dict(votes),
            "completed_at": completed_at,
            "supersedes": supersedes,
            "reason": reason,
        }
    )


def document_bytes(doc: Mapping[str, Any]) -> bytes:
    """The RFC 8785 bytes of a checked protocol document.

    For a checked document (strings and integers of at most 10^9 only) whose
    encoding is all ASCII, ``json.dumps`` with sorted keys and no whitespace
    writes exactly the RFC 8785 bytes: same escapes, same integers, and key
    order by code point equals order by UTF-16 unit. Anything else goes
    through the record's canonical encoder. Importing 95,415 protocols spends
    most of its time here, hence the fast path.
    """
    text = json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if text.isascii():
        return text.encode("ascii")
    return canonical_bytes(dict(doc))


def protocol_digest(doc: Mapping[str, Any]) -> bytes:
    return blake2b_256(PROTOCOL_LABEL, document_bytes(doc))


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
