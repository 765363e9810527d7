"""Bounded discrete log: baby-step giant-step with a reusable table.

Decryption yields ``m·B``; the plaintext ``m`` is a count (a tally, a vote)
and so is small. :class:`DiscreteLog` finds ``m`` in ``0..bound`` or raises
:class:`~urna.crypto.errors.DlogBoundError`; it never searches forever, so a
corrupt ciphertext cannot hang the tally (electionguard-python #227).
"""

from __future__ import annotations

import math

from urna.crypto.errors import DlogBoundError
from urna.crypto.group import BASE, IDENTITY, Point, Scalar

__all__ = ["DEFAULT_BOUND", "DiscreteLog"]

DEFAULT_BOUND = 10_000_000
"""Ten million: more votes per option than any single tally Urna is built for."""


class DiscreteLog:
    """Solve ``P = m·B`` for ``0 <= m <= bound``.

    The baby-step table (``j·B`` for ``0 <= j < w``, ``w = ceil(sqrt(bound + 1))``)
    is built once in the constructor; :meth:`solve` then needs at most ``w``
    point additions. Build one per election and reuse it.
    """

    __slots__ = ("_giant", "_table", "_width", "bound")

    def __init__(self, bound: int = DEFAULT_BOUND) -> None:
        if bound < 0:
            raise ValueError("bound must be >= 0")
        self.bound = bound
        self._width = math.isqrt(bound) + 1
        table: dict[bytes, int] = {}
        point = IDENTITY
        for j in range(self._width):
            table[point.encode()] = j
            point = point + BASE
        self._table = table
        self._giant = -(BASE * Scalar.from_int(self._width))

    def solve(self, point: Point) -> int:
        """Return ``m`` with ``point == m·B`` and ``0 <= m <= bound``, else raise."""
        current = point
        for i in range(self._width + 1):
            j = self._table.get(current.encode())
            if j is not None:
                m = i * self._width + j
                if m > self.bound:
                    break
                return m
            current = current + self._giant
        raise DlogBoundError(f"discrete log not in 0..{self.bound}")
