"""The record's signatures: Ed25519, the key and the signature written in hex.

Events, the manifest and checkpoints are each signed by a key registered in the
record; all are checked here, so that a malformed key, a malformed signature and
a bad signature fail the same way wherever they are.
"""

from __future__ import annotations

from urna.crypto.errors import KeyRejectedError, SignatureError
from urna.crypto.signing import verify_key_from_hex
from urna.record.errors import RecordError

__all__ = ["verify_hex_signature"]


def verify_hex_signature(
    signer: str, message: bytes, sig: str, *, check: str, what: str = ""
) -> None:
    """Raise :class:`RecordError` failing ``check`` unless ``sig`` (128 lowercase hex
    digits) is the Ed25519 signature of ``message`` by ``signer`` (64 lowercase hex
    digits of a key that :func:`urna.crypto.signing.decode_verify_key` accepts).

    ``what``, when given, starts the error's message (``"manifest signature"``).
    """
    try:
        verify_key_from_hex(signer).verify_hex(message, sig)
    except (KeyRejectedError, SignatureError) as exc:
        raise RecordError(f"{what}: {exc}" if what else str(exc), check=check) from None
