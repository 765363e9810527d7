"""The bundle manifest: the signed head of a scope plus a digest of every file.

The manifest is the checkpoint an observer holds: it names the last event
(seq and hash) so that truncation is detected, and it lists every file of the
bundle with its size and BLAKE2b-256, so that every byte of a bundle is
covered by one signature.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from urna.crypto.hashing import blake2b_256
from urna.crypto.signing import SigningKey
from urna.record.canonical import canonical_bytes, parse_canonical
from urna.record.errors import RecordError
from urna.record.event import HEX64, HEX128, SCOPE_PATTERN, TIME_PATTERN
from urna.record.signature import verify_hex_signature

FORMAT = "urna-record"
VERSION = 1
MANIFEST_NAME = "manifest.json"
EVENTS_NAME = "events.jsonl"
MANIFEST_HASH_LABEL = b"urna.manifest.v1"
FILE_HASH_LABEL = b"urna.file.v1"
FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
FIELDS = ("format", "version", "scope", "head", "files", "time", "signer", "sig")


@attrs.frozen(slots=True)
class FileEntry:
    size: int
    blake2b: str


@attrs.frozen(slots=True)
class Manifest:
    scope: str
    head_seq: int
    head_hash: str
    files: dict[str, FileEntry]
    time: str
    signer: str
    sig: str

    def unsigned(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "scope": self.scope,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "files": {
                name: {"size": entry.size, "blake2b": entry.blake2b}
                for name, entry in self.files.items()
            },
            "time": self.time,
            "signer": self.signer,
        }

    def to_bytes(self) -> bytes:
        return canonical_bytes({**self.unsigned(), "sig": self.sig})

    def verify_signature(self) -> None:
        message = manifest_hash(self.unsigned())
        verify_hex_signature(
            self.signer, message, self.sig, check="record.manifest", what="manifest signature"
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        obj = parse_canonical(data, what=MANIFEST_NAME)
        if not isinstance(obj, dict) or set(obj) != set(FIELDS):
            raise RecordError(f"{MANIFEST_NAME} must be an object with fields {list(FIELDS)}")
        if obj["format"] != FORMAT or obj["version"] != VERSION:
            raise RecordError(
                f"unsupported bundle format {obj['format']!r} version {obj['version']!r}; "
                f"this verifier reads {FORMAT} version {VERSION}"
            )
        head = obj["head"]
        if not isinstance(head, dict) or set(head) != {"seq", "hash"}:
            raise RecordError("manifest head must be {seq, hash}")
        seq = head["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise RecordError("manifest head seq must be a non-negative integer")
        for name, value, pattern in (
            ("scope", obj["scope"], SCOPE_PATTERN),
            ("head hash", head["hash"], HEX64),
            ("time", obj["time"], TIME_PATTERN),
            ("signer", obj["signer"], HEX64),
            ("sig", obj["sig"], HEX128),
        ):
            if not isinstance(value, str) or not pattern.fullmatch(value):
                raise RecordError(f"manifest {name} is malformed")
        return cls(
            scope=obj["scope"],
            head_seq=seq,
            head_hash=head["hash"],
            files=_parse_files(obj["files"]),
            time=obj["time"],
            signer=obj["signer"],
            sig=obj["sig"],
        )


def _parse_files(files: Any) -> dict[str, FileEntry]:
    if not isinstance(files, dict) or EVENTS_NAME not in files:
        raise RecordError(f"manifest files must be an object listing {EVENTS_NAME}")
    result: dict[str, FileEntry] = {}
    for name, entry in files.items():
        if not FILE_NAME.fullmatch(name) or name == MANIFEST_NAME:
            raise RecordError(f"manifest lists a file with a forbidden name: {name!r:.80}")
        if not isinstance(entry, dict) or set(entry) != {"size", "blake2b"}:
            raise RecordError(f"manifest entry for {name} must be {{size, blake2b}}")
        size, digest = entry["size"], entry["blake2b"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise RecordError(f"manifest size of {name} must be a non-negative integer")
        if not isinstance(digest, str) or not HEX64.fullmatch(digest):
            raise RecordError(f"manifest digest of {name} is malformed")
        result[name] = FileEntry(size, digest)
    return result


def manifest_hash(unsigned: dict[str, Any]) -> bytes:
    return blake2b_256(MANIFEST_HASH_LABEL, canonical_bytes(unsigned))


def file_digest(data: bytes) -> str:
    return blake2b_256(FILE_HASH_LABEL, data).hex()


def sign_manifest(
    *,
    scope: str,
    head_seq: int,
    head_hash: str,
    files: dict[str, bytes],
    time: str,
    key: SigningKey,
) -> Manifest:
    entries = {
        name: FileEntry(len(data), file_digest(data)) for name, data in sorted(files.items())
    }
    draft = Manifest(scope, head_seq, head_hash, entries, time, key.verify_key.hex(), "00" * 64)
    return attrs.evolve(draft, sig=key.sign(manifest_hash(draft.unsigned())).hex())
