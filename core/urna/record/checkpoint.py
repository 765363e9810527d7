"""A signed checkpoint: the head of a scope at a moment, as published by the appliance.

An observer who saved a checkpoint can later prove that a bundle still
contains that event with that hash: a record cut back or rewritten below a
published head is detected even if its new manifest is validly signed.
"""

from __future__ import annotations

from typing import Any

import attrs

from urna.crypto.hashing import blake2b_256
from urna.crypto.signing import SigningKey
from urna.record.canonical import canonical_bytes, parse_json
from urna.record.errors import RecordError
from urna.record.event import HEX64, HEX128, SCOPE_PATTERN, TIME_PATTERN
from urna.record.signature import verify_hex_signature

CHECKPOINT_HASH_LABEL = b"urna.checkpt.v1"
FIELDS = ("scope", "seq", "hash", "time", "signer", "sig")


@attrs.frozen(slots=True)
class Checkpoint:
    scope: str
    seq: int
    hash: str
    time: str
    signer: str
    sig: str

    def unsigned(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "seq": self.seq,
            "hash": self.hash,
            "time": self.time,
            "signer": self.signer,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.unsigned(), "sig": self.sig}

    def verify_signature(self) -> None:
        message = checkpoint_hash(self.unsigned())
        verify_hex_signature(
            self.signer, message, self.sig, check="record.checkpoint", what="checkpoint signature"
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Checkpoint:
        obj = parse_json(data, what="checkpoint")
        if not isinstance(obj, dict) or set(obj) != set(FIELDS):
            raise RecordError(f"checkpoint must be an object with fields {list(FIELDS)}")
        seq = obj["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise RecordError("checkpoint seq must be a non-negative integer")
        for name, pattern in (
            ("scope", SCOPE_PATTERN),
            ("hash", HEX64),
            ("time", TIME_PATTERN),
            ("signer", HEX64),
            ("sig", HEX128),
        ):
            if not isinstance(obj[name], str) or not pattern.fullmatch(obj[name]):
                raise RecordError(f"checkpoint {name} is malformed")
        return cls(**obj)


def checkpoint_hash(unsigned: dict[str, Any]) -> bytes:
    return blake2b_256(CHECKPOINT_HASH_LABEL, canonical_bytes(unsigned))


def sign_checkpoint(*, scope: str, seq: int, hash: str, time: str, key: SigningKey) -> Checkpoint:
    draft = Checkpoint(scope, seq, hash, time, key.verify_key.hex(), "00" * 64)
    return attrs.evolve(draft, sig=key.sign(checkpoint_hash(draft.unsigned())).hex())
