"""Schnorr proof of possession of a discrete log.

Statement: a point ``X`` (a guardian's coefficient commitment ``K_ij``).
Witness: ``x`` with ``X = x·B``.

Prover: random ``u``; ``h = u·B``; ``c = H(T, X, h)``; ``v = u + c·x``.
The proof is ``(c, v)``. Verifier: ``h = v·B - c·X``, accept iff
``c == H(T, X, h)``. ``T`` is the caller's transcript (domain, parameters
hash, guardian id, coefficient index), so a proof cannot be moved to another
guardian, coefficient or election.
"""

from __future__ import annotations

from typing import Any

import attrs

from urna.crypto import _json
from urna.crypto.errors import ProofError
from urna.crypto.group import Point, Scalar
from urna.crypto.rng import RandBytes
from urna.crypto.transcript import Transcript

__all__ = ["SchnorrProof", "prove_possession", "verify_possession"]


@attrs.frozen(slots=True)
class SchnorrProof:
    """``(challenge c, response v)``."""

    challenge: Scalar
    response: Scalar

    def to_json(self) -> dict[str, Any]:
        return {"challenge": self.challenge.hex(), "response": self.response.hex()}

    @classmethod
    def from_json(cls, value: object) -> SchnorrProof:
        d = _json.obj(value, ("challenge", "response"), "schnorr proof")
        return cls(Scalar.from_hex(d["challenge"]), Scalar.from_hex(d["response"]))


def _challenge(transcript: Transcript, public: Point, h: Point) -> Scalar:
    t = transcript.copy()
    t.add_point("X", public)
    t.add_point("h", h)
    return t.challenge()


def prove_possession(
    secret: Scalar, public: Point, transcript: Transcript, randbytes: RandBytes
) -> SchnorrProof:
    """Prove knowledge of ``secret`` with ``public == secret·B``."""
    u = Scalar.random(randbytes)
    h = Point.base_mul(u)
    c = _challenge(transcript, public, h)
    return SchnorrProof(c, u + c * secret)


def verify_possession(
    proof: SchnorrProof, public: Point, transcript: Transcript, *, check: str, where: str = ""
) -> None:
    """Raise :class:`ProofError` (``check``) unless ``proof`` proves possession of log_B(public)."""
    h = Point.base_mul(proof.response) - public * proof.challenge
    if _challenge(transcript, public, h) != proof.challenge:
        raise ProofError(check, "Schnorr proof of possession does not verify", where)
