"""The transcript's byte encoding and challenge derivation, as specified in docs/spec.md."""

from __future__ import annotations

import hashlib

import pytest
from urna.crypto.group import BASE, GROUP_DESCRIPTION, L, Scalar
from urna.crypto.transcript import TRANSCRIPT_MAGIC, Transcript


def item(tag: int, name: bytes, value: bytes) -> bytes:
    return bytes([tag, len(name)]) + name + len(value).to_bytes(4, "big") + value


def test_encoding_byte_for_byte() -> None:
    t = Transcript("demo").add_bytes("b", b"\x01\x02").add_text("s", "é").add_int("n", 258)
    t.add_point("P", BASE).add_scalar("x", Scalar.from_int(1))
    expected = (
        TRANSCRIPT_MAGIC
        + item(2, b"protocol", b"urna/v1")
        + item(1, b"group", GROUP_DESCRIPTION)
        + item(2, b"domain", b"demo")
        + item(1, b"b", b"\x01\x02")
        + item(2, b"s", "é".encode())
        + item(3, b"n", (258).to_bytes(8, "big"))
        + item(4, b"P", BASE.encode())
        + item(5, b"x", (1).to_bytes(32, "little"))
    )
    assert t.encoded() == expected
    digest = hashlib.blake2b(expected, digest_size=64, person=b"urna.challenge").digest()
    assert int(t.challenge()) == int.from_bytes(digest, "little") % L


def test_items_are_unambiguous() -> None:
    a = Transcript("d").add_bytes("x", b"ab").add_bytes("y", b"c")
    b = Transcript("d").add_bytes("x", b"a").add_bytes("y", b"bc")
    c = Transcript("d").add_text("x", "ab").add_bytes("y", b"c")
    assert len({a.challenge(), b.challenge(), c.challenge()}) == 3
    assert Transcript("d").challenge() != Transcript("e").challenge()


def test_copy_is_independent() -> None:
    t = Transcript("d").add_int("n", 1)
    u = t.copy().add_int("m", 2)
    assert t.encoded() != u.encoded()
    assert u.encoded().startswith(t.encoded())


def test_limits() -> None:
    with pytest.raises(ValueError, match="2"):
        Transcript("d").add_int("n", -1)
    with pytest.raises(ValueError, match="2"):
        Transcript("d").add_int("n", 2**64)
    with pytest.raises(ValueError, match="ASCII"):
        Transcript("d").add_bytes("", b"")
