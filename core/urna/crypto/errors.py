"""Typed errors of the cryptographic core.

Verifiers raise these, naming the failed check; nothing in ``urna.crypto``
returns False or logs on failure. Every :class:`VerificationError` carries a
stable ``check`` identifier (for example ``"selection.proof"``) so that the
observer's verifier and the ballot box can report it without parsing text.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base of every error raised by ``urna.crypto``."""


class DecodeError(CryptoError, ValueError):
    """Bytes from outside do not encode a valid group element, scalar or key."""


class SignatureError(CryptoError):
    """An Ed25519 signature does not verify under the stated key."""


class KeyRejectedError(DecodeError):
    """A public key is malformed, of small order or outside the prime-order subgroup."""


class PointDecodeError(DecodeError):
    """32 bytes that are not a canonical encoding of a prime-order-subgroup point."""


class WrongLengthError(PointDecodeError):
    """A point or scalar encoding of the wrong length."""


class NonCanonicalPointError(PointDecodeError):
    """A point encoding with y >= p, or the negative zero x (sign bit set with x = 0)."""


class SmallOrderPointError(PointDecodeError):
    """One of the 8 small-order points (other than the identity, where it is allowed)."""


class NotInSubgroupError(PointDecodeError):
    """A point on the curve that has a small-order component (mixed order)."""


class NotOnCurveError(PointDecodeError):
    """A y coordinate for which no x exists on edwards25519."""


class IdentityNotAllowedError(PointDecodeError):
    """The identity where a non-identity point is required (a key, a commitment)."""


class ScalarDecodeError(DecodeError):
    """32 bytes that are not a canonical scalar (little-endian, < L)."""


class SchemaError(DecodeError):
    """A JSON value that does not have the exact shape of the record's form."""


class VerificationError(CryptoError):
    """A verification failed; ``check`` names which one, ``where`` says on what."""

    def __init__(self, check: str, message: str, where: str = "") -> None:
        self.check = check
        self.where = where
        text = f"[{check}] {message}"
        if where:
            text += f" (at {where})"
        super().__init__(text)


class ProofError(VerificationError):
    """A zero-knowledge proof does not verify."""


class BallotError(VerificationError):
    """A ballot fails a check other than its proofs (shape, election, signature, chain)."""


class CeremonyError(VerificationError):
    """The key ceremony must abort: a guardian's key material is invalid."""


class ShareError(VerificationError):
    """A received secret share is wrong; ``complaint`` carries the evidence, if any.

    ``complaint`` is a :class:`urna.crypto.ceremony.Complaint` (typed as
    ``object`` here to keep this module free of imports), or None when the
    share is not evidence against anyone (not signed by its sender).
    """

    def __init__(
        self, check: str, message: str, where: str = "", complaint: object | None = None
    ) -> None:
        super().__init__(check, message, where)
        self.complaint = complaint


class DecryptionError(VerificationError):
    """A partial decryption or a combination of them does not verify."""


class DlogBoundError(CryptoError):
    """The discrete log is not within the configured bound."""
