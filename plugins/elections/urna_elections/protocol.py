"""The precinct protocol document: its shape and its digest, what members sign.

What a member signs is the BLAKE2b-256 (label ``urna.el.protocol``) of the
RFC 8785 bytes of the protocol document::

    {"election", "precinct", "profile", "lines", "votes", "completed_at",
     "supersedes", "reason"}

``votes`` holds every selection of every contest on the precinct's ballot
(``contests``). ``supersedes`` is the hex digest of the protocol a repeat
protocol replaces ("" for a first protocol) and ``reason`` why. The
signatures over the digest are ``signatures.py``. Pure code, shared by the
appliance and the observer's verifier, so both apply the same rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from urna.crypto.hashing import blake2b_256
from urna.record.canonical import canonical_bytes

from urna_elections.hierarchy import UNIT_CODE

PROTOCOL_LABEL = b"urna.el.protocol"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z?$")
DOC_FIELDS = frozenset(
    {"election", "precinct", "profile", "lines", "votes", "completed_at", "supersedes", "reason"}
)
MAX_REASON = 1000


class ProtocolError(ValueError):
    """A protocol is malformed or its signatures do not make it complete; says why."""


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
    keys are all ASCII, ``json.dumps`` with sorted keys, no whitespace and no
    ASCII escaping writes exactly the RFC 8785 bytes in UTF-8: same escapes,
    same integers, non-ASCII text as itself, and key order by code point equals
    order by UTF-16 unit (they differ only beyond U+FFFF). Commission codes
    kept as the office's files give them (``Республика Адыгея (Адыгея):1``) are
    not ASCII, the keys (line and selection ids) are. A lone surrogate has no
    UTF-8 bytes: that and any other document go through the record's canonical
    encoder, which refuses it. Importing 95,415 protocols spends most of its
    time here, hence the fast path.
    """
    text = json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if text.isascii():
        return text.encode("ascii")
    if all(key.isascii() for part in ("lines", "votes") for key in doc[part]):
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass
    return canonical_bytes(dict(doc))


def protocol_digest(doc: Mapping[str, Any]) -> bytes:
    return blake2b_256(PROTOCOL_LABEL, document_bytes(doc))
