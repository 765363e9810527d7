"""Exponential ElGamal over the group.

Key ``K = s·B``. Encrypting ``m`` with nonce ``r`` gives
``(alpha, beta) = (r·B, m·B + r·K)``. Ciphertexts add component-wise, which
adds the plaintexts; decryption yields ``m·B = beta - s·alpha`` and ``m``
comes from the bounded discrete log in :mod:`urna.crypto.dlog`.
"""

from __future__ import annotations

from typing import Any

import attrs

from urna.crypto import _json
from urna.crypto.group import BASE, IDENTITY, Point, Scalar

__all__ = ["Ciphertext", "encrypt", "small_multiple"]


def small_multiple(m: int) -> Point:
    """``m·B`` for a public non-negative integer (a vote, a tally); 0 and 1 cost nothing."""
    if m < 0:
        raise ValueError("plaintexts are non-negative")
    if m == 0:
        return IDENTITY
    if m == 1:
        return BASE
    return Point.base_mul(Scalar.from_int(m))


@attrs.frozen(slots=True)
class Ciphertext:
    """An exponential-ElGamal ciphertext ``(alpha, beta)``."""

    alpha: Point
    beta: Point

    @classmethod
    def zero(cls) -> Ciphertext:
        """The encryption of 0 with nonce 0: the neutral element of ciphertext addition."""
        return cls(IDENTITY, IDENTITY)

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    def decrypt_point(self, secret: Scalar) -> Point:
        """``m·B = beta - s·alpha`` (for tests and single-key use; guardians use partials)."""
        return self.beta - self.alpha * secret

    def to_json(self) -> dict[str, Any]:
        return {"alpha": self.alpha.hex(), "beta": self.beta.hex()}

    @classmethod
    def from_json(cls, value: object, first_factor: Scalar | None = None) -> Ciphertext:
        """Decode both points; with ``first_factor``, the scalar a proof verifier will
        multiply both by first, validate them through that multiplication
        (:meth:`Point.decode_times`)."""
        d = _json.obj(value, ("alpha", "beta"), "ciphertext")
        if first_factor is None:
            return cls(Point.from_hex(d["alpha"]), Point.from_hex(d["beta"]))
        return cls(
            Point.from_hex_times(d["alpha"], first_factor),
            Point.from_hex_times(d["beta"], first_factor),
        )


def encrypt(m: int, nonce: Scalar, key: Point) -> Ciphertext:
    """``(r·B, m·B + r·K)``: the caller draws ``nonce`` from its randomness and keeps it secret."""
    return Ciphertext(Point.base_mul(nonce), small_multiple(m) + key * nonce)
