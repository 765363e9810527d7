"""The ledger event: the unit of the election record.

An event is ``{scope, seq, prev, time, type, payload, signer, sig}``. Its hash
is BLAKE2b-256 (personalised ``urna.event.v1``) over the RFC 8785 bytes of the
event without ``sig``; ``prev`` is the previous event's hash, so the events of
a scope form a chain; ``sig`` is the signer's Ed25519 signature over the hash.
``docs/record-format.md`` specifies all of it byte for byte.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from urna.crypto.hashing import blake2b_256
from urna.crypto.signing import SigningKey
from urna.record.canonical import MAX_SAFE_INTEGER, canonical_bytes, parse_canonical
from urna.record.errors import RecordError

EVENT_HASH_LABEL = b"urna.event.v1"
GENESIS_PREV = "00" * 32
FIELDS = ("scope", "seq", "prev", "time", "type", "payload", "signer", "sig")

SCOPE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}\.[a-z][a-z0-9_]{0,79}$")
TIME_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX128 = re.compile(r"^[0-9a-f]{128}$")


@attrs.frozen(slots=True)
class Event:
    """One signed, chained ledger event. ``payload`` must not be mutated."""

    scope: str
    seq: int
    prev: str
    time: str
    type: str
    payload: dict[str, Any]
    signer: str
    sig: str
    _hash: bytes | None = attrs.field(default=None, init=False, eq=False, repr=False)

    def unsigned(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "seq": self.seq,
            "prev": self.prev,
            "time": self.time,
            "type": self.type,
            "payload": self.payload,
            "signer": self.signer,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.unsigned(), "sig": self.sig}

    def hash(self) -> bytes:
        """BLAKE2b-256 over the canonical bytes of the event without ``sig`` (computed once)."""
        digest = self._hash
        if digest is None:
            digest = event_hash(self.unsigned())
            object.__setattr__(self, "_hash", digest)
        return digest

    @property
    def where(self) -> str:
        return f"{self.scope}#{self.seq} ({self.type})"

    @classmethod
    def from_json(cls, obj: Any) -> Event:
        """Build an event from parsed JSON, checking every field's type and form."""
        if not isinstance(obj, dict):
            raise RecordError("event is not a JSON object")
        if set(obj) != set(FIELDS):
            missing = sorted(set(FIELDS) - set(obj))
            extra = sorted(set(obj) - set(FIELDS))
            raise RecordError(f"event fields wrong: missing {missing}, unexpected {extra}")
        seq = obj["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SAFE_INTEGER:
            raise RecordError("event seq must be an integer in 0..2**53-1")
        where = f"{obj.get('scope')}#{seq}"
        _require(obj["scope"], SCOPE_PATTERN, "scope", where)
        _require(obj["prev"], HEX64, "prev", where)
        _require(obj["time"], TIME_PATTERN, "time", where)
        _require(obj["type"], TYPE_PATTERN, "type", where)
        _require(obj["signer"], HEX64, "signer", where)
        _require(obj["sig"], HEX128, "sig", where)
        if not isinstance(obj["payload"], dict):
            raise RecordError("event payload must be a JSON object", where=where)
        return cls(
            scope=obj["scope"],
            seq=seq,
            prev=obj["prev"],
            time=obj["time"],
            type=obj["type"],
            payload=obj["payload"],
            signer=obj["signer"],
            sig=obj["sig"],
        )

    @classmethod
    def from_line(cls, line: bytes, *, where: str = "") -> Event:
        """Parse one line of ``events.jsonl``: canonical JSON of the whole event."""
        try:
            event = cls.from_json(parse_canonical(line, what="event"))
        except RecordError as exc:
            raise RecordError(str(exc), check=exc.check, where=exc.where or where) from None
        # The line is canonical, so the event's canonical bytes without ``sig`` are the
        # line without its ``"sig":"<128 hex>",`` member, which sorts between ``seq``
        # and ``signer``: hash those instead of encoding the event again.
        at = line.rfind(b',"sig":"')
        if line[at + 8 : at + 138] == event.sig.encode("ascii") + b'",':
            unsigned = line[: at + 1] + line[at + 138 :]
            object.__setattr__(event, "_hash", blake2b_256(EVENT_HASH_LABEL, unsigned))
        return event

    def to_line(self) -> bytes:
        return canonical_bytes(self.to_json()) + b"\n"


def event_hash(unsigned: dict[str, Any]) -> bytes:
    return blake2b_256(EVENT_HASH_LABEL, canonical_bytes(unsigned))


def sign_event(
    *,
    scope: str,
    seq: int,
    prev: str,
    time: str,
    type: str,
    payload: dict[str, Any],
    key: SigningKey,
    payload_text: str | None = None,
) -> Event:
    """Make and sign the event that follows ``prev`` at position ``seq``.

    Validates every field first, so a malformed event is refused before it is
    signed, not discovered by an observer later. ``payload_text``, when the
    caller already has it (the ledger, from validating the payload), must be
    exactly ``canonical_bytes(payload)`` decoded: it is not checked, and a
    different text would sign bytes other than the payload's.
    """
    signer = key.verify_key.hex()
    event = Event.from_json(
        {
            "scope": scope,
            "seq": seq,
            "prev": prev,
            "time": time,
            "type": type,
            "payload": payload,
            "signer": signer,
            "sig": "00" * 64,
        }
    )
    if payload_text is None:
        payload_text = canonical_bytes(payload).decode("utf-8")
    # Every field but the payload matched a pattern of ASCII letters, digits and
    # punctuation above, so none needs escaping:
    # these are the canonical bytes of the event without ``sig`` (keys in JCS order).
    unsigned = (
        f'{{"payload":{payload_text},"prev":"{prev}","scope":"{scope}","seq":{seq},'
        f'"signer":"{signer}","time":"{time}","type":"{type}"}}'
    )
    digest = blake2b_256(EVENT_HASH_LABEL, unsigned.encode("utf-8"))
    signed = attrs.evolve(event, sig=key.sign(digest).hex())
    object.__setattr__(signed, "_hash", digest)
    return signed


def _require(value: Any, pattern: re.Pattern[str], name: str, where: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise RecordError(f"event {name} is malformed: {value!r:.80}", where=where)
