"""Ed25519 signatures: the only place Urna signs or checks a signature.

Keys that arrive from outside (a signer registered in the ledger, a member's
card, a trustee) go through :func:`decode_verify_key`, which refuses
non-canonical encodings, small-order points and points with a small-order
component (mixed order), so that no two keys can share signatures and no key
accepts signatures for every message.
"""

from __future__ import annotations

import functools

import attrs
import nacl.bindings
import nacl.exceptions
import nacl.signing

from urna.crypto.errors import KeyRejectedError, SchemaError, SignatureError
from urna.crypto.group import hex_bytes
from urna.crypto.rng import RandBytes

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
SEED_SIZE = 32


@attrs.frozen(slots=True)
class VerifyKey:
    """A validated Ed25519 public key. Make one with :func:`decode_verify_key`."""

    raw: bytes

    def hex(self) -> str:
        return self.raw.hex()

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise :class:`SignatureError` unless ``signature`` signs ``message``."""
        if len(signature) != SIGNATURE_SIZE:
            raise SignatureError(f"signature must be {SIGNATURE_SIZE} bytes, got {len(signature)}")
        try:
            # The binding nacl.signing.VerifyKey.verify calls, without building that
            # object per signature (a ballot box checks five per protocol).
            nacl.bindings.crypto_sign_open(signature + message, self.raw)
        except nacl.exceptions.BadSignatureError:
            raise SignatureError(f"signature does not verify under key {self.hex()}") from None

    def verify_hex(self, message: bytes, signature_hex: str) -> None:
        """:meth:`verify` for a signature written as 128 lowercase hex digits, as in
        the record and in plugin payloads; malformed hex is a :class:`SignatureError`."""
        try:
            signature = hex_bytes(signature_hex, SIGNATURE_SIZE, "signature")
        except SchemaError as exc:
            raise SignatureError(str(exc)) from None
        self.verify(message, signature)


def decode_verify_key(raw: bytes) -> VerifyKey:
    """Validate an Ed25519 public key from outside.

    libsodium's ``crypto_core_ed25519_is_valid_point`` accepts only canonical
    encodings of points in the prime-order subgroup other than the identity.
    """
    if len(raw) != PUBLIC_KEY_SIZE:
        raise KeyRejectedError(f"public key must be {PUBLIC_KEY_SIZE} bytes, got {len(raw)}")
    if not nacl.bindings.crypto_core_ed25519_is_valid_point(raw):
        raise KeyRejectedError(
            "public key is not a canonical point of the prime-order subgroup "
            "(small-order, mixed-order, off-curve or non-canonical)"
        )
    return VerifyKey(bytes(raw))


@functools.lru_cache(maxsize=4096)
def verify_key_from_hex(text: str) -> VerifyKey:
    """Decode a lowercase-hex public key as written in the record (validated keys are
    cached: a record has few signers and many signatures)."""
    try:
        raw = hex_bytes(text, PUBLIC_KEY_SIZE, "public key")
    except SchemaError as exc:
        raise KeyRejectedError(str(exc)) from None
    return decode_verify_key(raw)


@attrs.frozen(slots=True, repr=False)
class SigningKey:
    """An Ed25519 secret key. Its repr never shows the secret."""

    _key: nacl.signing.SigningKey

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        if len(seed) != SEED_SIZE:
            raise ValueError(f"seed must be {SEED_SIZE} bytes")
        return cls(nacl.signing.SigningKey(seed))

    @classmethod
    def generate(cls, randbytes: RandBytes) -> SigningKey:
        """A new key from the caller's randomness (the shell passes the OS generator)."""
        return cls.from_seed(randbytes(SEED_SIZE))

    def seed(self) -> bytes:
        """The 32-byte seed, for writing the key file (mode 0600) and nowhere else."""
        return bytes(self._key)

    @property
    def verify_key(self) -> VerifyKey:
        return VerifyKey(bytes(self._key.verify_key))

    def sign(self, message: bytes) -> bytes:
        return bytes(self._key.sign(message).signature)

    def __repr__(self) -> str:
        return f"SigningKey(public={self.verify_key.hex()})"
