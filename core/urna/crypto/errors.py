"""Typed errors of the cryptographic core.

Verifiers raise these, naming the failed check; nothing in ``urna.crypto``
returns False or logs on failure.
"""


class CryptoError(Exception):
    """Base of every error raised by ``urna.crypto``."""


class DecodeError(CryptoError, ValueError):
    """Bytes from outside do not encode a valid group element, scalar or key."""


class SignatureError(CryptoError):
    """An Ed25519 signature does not verify under the stated key."""


class KeyRejectedError(DecodeError):
    """A public key is malformed, of small order or outside the prime-order subgroup."""
