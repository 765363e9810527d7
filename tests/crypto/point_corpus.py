"""Encodings that are not valid group elements, for every decoder of points to refuse.

Used by the group's own tests (``test_crypto_group.py``) and by the ballot corpus
(``tests/election/ballot_corpus.py``), which puts them into ballots. Imported as a
plain module: each directory's conftest puts ``tests/crypto`` on ``sys.path``.
"""

from __future__ import annotations

import nacl.bindings
from urna.crypto.group import BASE, P

# y of the points of order 8 (the other is p - Y8).
Y8 = 0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7


def enc(y: int, sign: int = 0) -> bytes:
    """The 32-byte encoding of y with the sign bit of x, whatever y is."""
    return (y | (sign << 255)).to_bytes(32, "little")


IDENTITY_ENC = enc(1)
# The 8 small-order points, canonically encoded: identity, order 2, order 4 (two), order 8 (four).
SMALL_ORDER = [
    IDENTITY_ENC,
    enc(P - 1),
    enc(0, 0),
    enc(0, 1),
    enc(Y8, 0),
    enc(Y8, 1),
    enc(P - Y8, 0),
    enc(P - Y8, 1),
]
SMALL_ORDER_NON_IDENTITY = SMALL_ORDER[1:]
# x = 0 with the sign bit set ("negative zero"): the identity and the point of order 2.
NEGATIVE_ZERO = [enc(1, 1), enc(P - 1, 1)]
# Alternative (non-canonical) encodings of small-order points: negative zero x, y + p.
SMALL_ORDER_ALTERNATIVES = [
    *NEGATIVE_ZERO,
    enc(P, 0),
    enc(P, 1),
    enc(P + 1, 0),
    enc(P + 1, 1),
]
# Every y >= p, with both sign bits.
NON_CANONICAL = [enc(y, s) for y in range(P, 2**255) for s in (0, 1)]
# B + T for every small-order T other than the identity (libsodium's add does not check).
MIXED_ORDER = [
    nacl.bindings.crypto_core_ed25519_add(BASE.encode(), t) for t in SMALL_ORDER_NON_IDENTITY
]
B_PLUS_T2 = MIXED_ORDER[0]


def off_curve(count: int) -> list[bytes]:
    """``count`` encodings (y with both signs) of a y for which no x is on the curve."""
    d = (-121665 * pow(121666, P - 2, P)) % P
    out: list[bytes] = []
    y = 2
    while len(out) < count:
        y2 = y * y % P
        x2 = (y2 - 1) * pow(d * y2 + 1, P - 2, P) % P
        if x2 and pow(x2, (P - 1) // 2, P) != 1:
            out += [enc(y, 0), enc(y, 1)]
        y += 1
    return out
