"""One transcript for every Fiat-Shamir challenge and every structured hash.

Weak Fiat-Shamir (hashing only the commitments, as Helios did) lets a prover
choose the statement after the challenge. Every challenge in Urna therefore
hashes, in this order: the transcript format, the protocol version, the group
description, the proof's domain, then everything the caller appends: the
election's base hash, the full statement (keys, ciphertexts, contest and
selection ids, the credential) and all commitments.

Encoding (``docs/spec.md`` section "Transcript"): the bytes start with
``TRANSCRIPT_MAGIC``; each item is

    tag (1 byte) || len(name) (1 byte) || name (ASCII) || len(value) (4 bytes, big-endian) || value

with tags ``0x01`` bytes, ``0x02`` UTF-8 text, ``0x03`` unsigned integer
(8 bytes big-endian), ``0x04`` point (32 bytes), ``0x05`` scalar (32 bytes).
A challenge is BLAKE2b-512 of the bytes, personalised ``urna.challenge``,
reduced mod L. A digest is BLAKE2b-256 with a caller's label.
"""

from __future__ import annotations

from urna.crypto.group import GROUP_DESCRIPTION, Point, Scalar
from urna.crypto.hashing import blake2b_256, blake2b_512

__all__ = ["CHALLENGE_LABEL", "PROTOCOL_VERSION", "TRANSCRIPT_MAGIC", "Transcript"]

PROTOCOL_VERSION = "urna/v1"
TRANSCRIPT_MAGIC = b"urna-transcript\x00"
CHALLENGE_LABEL = b"urna.challenge"

TAG_BYTES = 0x01
TAG_TEXT = 0x02
TAG_INT = 0x03
TAG_POINT = 0x04
TAG_SCALAR = 0x05

_MAX_INT = 2**64

# The bytes a domain's transcript starts with and each item's tag-and-name header
# depend only on constants and names from code, so they are built once per process
# (bounded, in case a caller ever builds names from data).
_MAX_CACHED = 1024
_PREFIXES: dict[str, bytes] = {}
_HEADERS: dict[tuple[int, str], bytes] = {}


class Transcript:
    """An append-only, length-prefixed, type-tagged byte string.

    ``Transcript("selection")`` starts a transcript for the proof domain
    ``selection``; append the base hash, statement and commitments, then call
    :meth:`challenge`. Not a value class: it is built and consumed inside one
    prove or verify call.
    """

    __slots__ = ("_buf",)

    def __init__(self, domain: str) -> None:
        prefix = _PREFIXES.get(domain)
        if prefix is None:
            self._buf = bytearray(TRANSCRIPT_MAGIC)
            self.add_text("protocol", PROTOCOL_VERSION)
            self.add_bytes("group", GROUP_DESCRIPTION)
            self.add_text("domain", domain)
            if len(_PREFIXES) < _MAX_CACHED:
                _PREFIXES[domain] = bytes(self._buf)
        else:
            self._buf = bytearray(prefix)

    def _item(self, tag: int, name: str, value: bytes) -> Transcript:
        header = _HEADERS.get((tag, name))
        if header is None:
            label = name.encode("ascii")
            if not 0 < len(label) < 256:
                raise ValueError("transcript item names are 1..255 ASCII bytes")
            header = bytes((tag, len(label))) + label
            if len(_HEADERS) < _MAX_CACHED:
                _HEADERS[(tag, name)] = header
        buf = self._buf
        buf += header
        buf += len(value).to_bytes(4, "big")
        buf += value
        return self

    def add_bytes(self, name: str, value: bytes) -> Transcript:
        return self._item(TAG_BYTES, name, bytes(value))

    def add_text(self, name: str, value: str) -> Transcript:
        return self._item(TAG_TEXT, name, value.encode("utf-8"))

    def add_int(self, name: str, value: int) -> Transcript:
        if not 0 <= value < _MAX_INT:
            raise ValueError("transcript integers are 0 <= n < 2^64")
        return self._item(TAG_INT, name, value.to_bytes(8, "big"))

    def add_point(self, name: str, value: Point) -> Transcript:
        return self._item(TAG_POINT, name, value.encode())

    def add_scalar(self, name: str, value: Scalar) -> Transcript:
        return self._item(TAG_SCALAR, name, value.encode())

    def add_points(self, name: str, values: tuple[Point, ...] | list[Point]) -> Transcript:
        """A counted list: ``add_int(name, count)`` then each point as ``name``."""
        self.add_int(name, len(values))
        for value in values:
            self.add_point(name, value)
        return self

    def copy(self) -> Transcript:
        """A transcript with the same bytes, to which more can be appended independently."""
        other = Transcript.__new__(Transcript)
        other._buf = bytearray(self._buf)
        return other

    def encoded(self) -> bytes:
        """The exact bytes hashed (for known-answer vectors and second implementations)."""
        return bytes(self._buf)

    def challenge(self) -> Scalar:
        """BLAKE2b-512 (person ``urna.challenge``) of the transcript, reduced mod L."""
        return Scalar.from_hash(blake2b_512(CHALLENGE_LABEL, bytes(self._buf)))

    def digest(self, label: bytes) -> bytes:
        """BLAKE2b-256 of the transcript personalised with ``label`` (a structured hash)."""
        return blake2b_256(label, bytes(self._buf))
