"""Chaum-Pedersen proof of a partial decryption.

Statement: a guardian's public share ``K_i``, a ciphertext's ``alpha`` and
the partial decryption ``M_i``. Witness: ``s_i`` with ``K_i = s_i·B`` and
``M_i = s_i·alpha`` (equality of discrete logs).

Prover: random ``u``; ``a = u·B``; ``b = u·alpha``;
``c = H(T, K_i, alpha, beta, M_i, a, b)``; ``v = u + c·s_i``. The proof is
``(c, v)``. Verifier: ``a = v·B - c·K_i``; ``b = v·alpha - c·M_i``; accept iff
``c == H(T, K_i, alpha, beta, M_i, a, b)``. An ``alpha`` equal to the
identity (an empty tally) is valid: then ``M_i`` must be the identity too.
"""

from __future__ import annotations

from typing import Any

import attrs

from urna.crypto import _json
from urna.crypto.elgamal import Ciphertext
from urna.crypto.errors import ProofError
from urna.crypto.group import Point, Scalar
from urna.crypto.rng import RandBytes
from urna.crypto.transcript import Transcript

__all__ = ["ChaumPedersenProof", "prove_decryption", "verify_decryption"]


@attrs.frozen(slots=True)
class ChaumPedersenProof:
    """``(challenge c, response v)``."""

    challenge: Scalar
    response: Scalar

    def to_json(self) -> dict[str, Any]:
        return {"challenge": self.challenge.hex(), "response": self.response.hex()}

    @classmethod
    def from_json(cls, value: object) -> ChaumPedersenProof:
        d = _json.obj(value, ("challenge", "response"), "chaum-pedersen proof")
        return cls(Scalar.from_hex(d["challenge"]), Scalar.from_hex(d["response"]))


def _challenge(
    transcript: Transcript,
    public_share: Point,
    ciphertext: Ciphertext,
    partial: Point,
    a: Point,
    b: Point,
) -> Scalar:
    t = transcript.copy()
    t.add_point("K_i", public_share)
    t.add_point("alpha", ciphertext.alpha)
    t.add_point("beta", ciphertext.beta)
    t.add_point("M_i", partial)
    t.add_point("a", a)
    t.add_point("b", b)
    return t.challenge()


def prove_decryption(
    share: Scalar,
    public_share: Point,
    ciphertext: Ciphertext,
    partial: Point,
    transcript: Transcript,
    randbytes: RandBytes,
) -> ChaumPedersenProof:
    """Prove ``partial == share·alpha`` and ``public_share == share·B``."""
    u = Scalar.random(randbytes)
    a = Point.base_mul(u)
    b = ciphertext.alpha * u
    c = _challenge(transcript, public_share, ciphertext, partial, a, b)
    return ChaumPedersenProof(c, u + c * share)


def verify_decryption(
    proof: ChaumPedersenProof,
    public_share: Point,
    ciphertext: Ciphertext,
    partial: Point,
    transcript: Transcript,
    *,
    check: str,
    where: str = "",
) -> None:
    """Raise :class:`ProofError` (``check``) unless the partial decryption is proven."""
    c, v = proof.challenge, proof.response
    a = Point.base_mul(v) - public_share * c
    b = ciphertext.alpha * v - partial * c
    if _challenge(transcript, public_share, ciphertext, partial, a, b) != c:
        raise ProofError(check, "Chaum-Pedersen decryption proof does not verify", where)
