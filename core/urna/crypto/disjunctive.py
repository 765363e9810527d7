"""Disjunctive Chaum-Pedersen proof that a ciphertext encrypts one of 0..limit.

With ``limit = 1`` this is the proof that a selection encrypts 0 or 1; with
the contest's ``limit`` over the sum of a contest's selections it is the
range proof that at most ``limit`` options were chosen (no placeholder
selections are needed).

Statement: key ``K``, ciphertext ``(alpha, beta)``, ``limit``. Witness:
``m`` in ``0..limit`` and ``r`` with ``alpha = r·B``, ``beta = m·B + r·K``.

For every ``j`` in ``0..limit`` the proof shows ``(alpha, beta - j·B)`` is an
encryption of 0, i.e. ``log_B(alpha) == log_K(beta - j·B)``; the branch
``j = m`` is real, the others are simulated:

- simulated ``j != m``: random ``c_j``, ``v_j``; ``w_j = v_j - c_j·r``;
  ``a_j = w_j·B``; ``b_j = w_j·K + (c_j·(j - m))·B``
  (these equal ``v_j·B - c_j·alpha`` and ``v_j·K - c_j·(beta - j·B)``, computed
  with fewer multiplications because the prover knows ``r``);
- real ``j = m``: random ``u``; ``a_m = u·B``; ``b_m = u·K``;
- ``c = H(T, K, alpha, beta, limit, a_0, b_0, ..., a_limit, b_limit)``;
  ``c_m = c - sum(c_j, j != m)``; ``v_m = u + c_m·r``.

The proof is ``(c_0..c_limit, v_0..v_limit)``. Verifier: for each ``j``,
``a_j = v_j·B - c_j·alpha`` and ``b_j = v_j·K - c_j·(beta - j·B)``; accept iff
``sum(c_j) == H(T, K, alpha, beta, limit, a_0, b_0, ...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from urna.crypto import _json
from urna.crypto.elgamal import Ciphertext
from urna.crypto.errors import ProofError
from urna.crypto.group import BASE, Point, Scalar
from urna.crypto.rng import RandBytes
from urna.crypto.transcript import Transcript

__all__ = ["MAX_LIMIT", "DisjunctiveProof", "prove_disjunctive", "verify_disjunctive"]

MAX_LIMIT = 64


@attrs.frozen(slots=True)
class DisjunctiveProof:
    """Challenges ``c_0..c_limit`` and responses ``v_0..v_limit``."""

    challenges: tuple[Scalar, ...]
    responses: tuple[Scalar, ...]

    @property
    def limit(self) -> int:
        return len(self.challenges) - 1

    def to_json(self) -> dict[str, Any]:
        return {
            "challenges": [c.hex() for c in self.challenges],
            "responses": [v.hex() for v in self.responses],
        }

    @classmethod
    def from_json(cls, value: object, limit: int) -> DisjunctiveProof:
        """Read a proof for ``0..limit``: both arrays must have exactly ``limit + 1`` items."""
        d = _json.obj(value, ("challenges", "responses"), "disjunctive proof")
        cs = _json.array(d["challenges"], "challenges", limit + 1, limit + 1)
        vs = _json.array(d["responses"], "responses", limit + 1, limit + 1)
        return cls(tuple(Scalar.from_hex(c) for c in cs), tuple(Scalar.from_hex(v) for v in vs))


def _challenge(
    transcript: Transcript, key: Point, ct: Ciphertext, limit: int, commitments: list[Point]
) -> Scalar:
    t = transcript.copy()
    t.add_point("K", key)
    t.add_point("alpha", ct.alpha)
    t.add_point("beta", ct.beta)
    t.add_int("limit", limit)
    t.add_points("commitments", commitments)
    return t.challenge()


def prove_disjunctive(
    ciphertext: Ciphertext,
    value: int,
    nonce: Scalar,
    key: Point,
    limit: int,
    transcript: Transcript,
    randbytes: RandBytes,
) -> DisjunctiveProof:
    """Prove that ``ciphertext`` (made with ``value`` and ``nonce``) encrypts one of 0..limit."""
    if not 0 <= value <= limit <= MAX_LIMIT:
        raise ValueError(f"value must be in 0..limit and limit <= {MAX_LIMIT}")
    simulated = {
        j: (Scalar.random(randbytes), Scalar.random(randbytes))
        for j in range(limit + 1)
        if j != value
    }
    return prove_disjunctive_from_parts(
        ciphertext, value, nonce, key, limit, transcript, simulated, Scalar.random(randbytes)
    )


def prove_disjunctive_from_parts(
    ciphertext: Ciphertext,
    value: int,
    nonce: Scalar,
    key: Point,
    limit: int,
    transcript: Transcript,
    simulated: Mapping[int, tuple[Scalar, Scalar]],
    u: Scalar,
) -> DisjunctiveProof:
    """The prover with its random choices given: ``simulated[j] = (c_j, v_j)``, and ``u``.

    Deterministic, for known-answer vectors and for edge-case tests (a
    simulated branch with a zero challenge or response is valid).
    """
    if not 0 <= value <= limit <= MAX_LIMIT or set(simulated) != set(range(limit + 1)) - {value}:
        raise ValueError("need (c_j, v_j) for exactly the simulated branches j != value")
    commitments: list[Point] = []
    for j in range(limit + 1):
        if j == value:
            commitments += (Point.base_mul(u), key * u)
        else:
            c_j, v_j = simulated[j]
            w_j = v_j - c_j * nonce
            shift = Point.base_mul(c_j * Scalar.from_int(j - value))
            commitments += (Point.base_mul(w_j), key * w_j + shift)
    c = _challenge(transcript, key, ciphertext, limit, commitments)
    c_real = c
    for c_j, _ in simulated.values():
        c_real = c_real - c_j
    challenges = tuple(c_real if j == value else simulated[j][0] for j in range(limit + 1))
    responses = tuple(
        u + c_real * nonce if j == value else simulated[j][1] for j in range(limit + 1)
    )
    return DisjunctiveProof(challenges, responses)


def verify_disjunctive(
    proof: DisjunctiveProof,
    ciphertext: Ciphertext,
    key: Point,
    limit: int,
    transcript: Transcript,
    *,
    check: str,
    where: str = "",
) -> None:
    """Raise :class:`ProofError` (``check``) unless ``ciphertext`` provably encrypts 0..limit."""
    if len(proof.challenges) != limit + 1 or len(proof.responses) != limit + 1:
        raise ProofError(check, f"proof must have {limit + 1} branches", where)
    alpha = ciphertext.alpha
    shifted = ciphertext.beta  # beta - j·B
    commitments: list[Point] = []
    total = Scalar.from_int(0)
    for j in range(limit + 1):
        c_j, v_j = proof.challenges[j], proof.responses[j]
        if j:
            shifted = shifted - BASE
        commitments.append(Point.base_mul(v_j) - alpha * c_j)
        commitments.append(key * v_j - shifted * c_j)
        total = total + c_j
    if _challenge(transcript, key, ciphertext, limit, commitments) != total:
        raise ProofError(check, f"disjunctive proof for 0..{limit} does not verify", where)
