"""A member's signing key held on the appliance under a passphrase (Argon2id + SecretBox).

The sealed form is JSON: ``{"v": 1, "kdf": "argon2id", "ops", "mem", "salt",
"nonce", "box"}``; the secret never leaves this module unsealed except as a
``SigningKey`` whose repr hides it. A wrong passphrase and a tampered box
give the same error. Members who hold their key on a card sign on the card
and send only signatures; nothing here is needed for them.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils
from urna.crypto.signing import SigningKey

OPS = nacl.pwhash.argon2id.OPSLIMIT_MODERATE
MEM = nacl.pwhash.argon2id.MEMLIMIT_MODERATE
MIN_PASSPHRASE = 10


class KeystoreError(ValueError):
    """The passphrase is wrong, too short, or the sealed key is damaged."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(key: SigningKey, passphrase: str, *, ops: int = OPS, mem: int = MEM) -> str:
    """Seal ``key`` under ``passphrase`` (at least 10 characters)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeystoreError(f"a passphrase needs at least {MIN_PASSPHRASE} characters")
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box_key = nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        passphrase.encode("utf-8"),
        salt,
        opslimit=ops,
        memlimit=mem,
    )
    sealed = nacl.secret.SecretBox(box_key).encrypt(key.seed())
    return json.dumps(
        {
            "v": 1,
            "kdf": "argon2id",
            "ops": ops,
            "mem": mem,
            "salt": _b64(salt),
            "nonce": _b64(sealed.nonce),
            "box": _b64(sealed.ciphertext),
        },
        sort_keys=True,
    )


def unseal(sealed: str, passphrase: str) -> SigningKey:
    """The key sealed under ``passphrase``; raises ``KeystoreError`` otherwise."""
    try:
        data: Any = json.loads(sealed)
        if data.get("v") != 1 or data.get("kdf") != "argon2id":
            raise KeystoreError("sealed key has an unknown format")
        ops, mem = int(data["ops"]), int(data["mem"])
        if not (
            nacl.pwhash.argon2id.OPSLIMIT_MIN <= ops <= nacl.pwhash.argon2id.OPSLIMIT_SENSITIVE
            and nacl.pwhash.argon2id.MEMLIMIT_MIN <= mem <= nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE
        ):
            raise KeystoreError("sealed key has out-of-range Argon2id parameters")
        box_key = nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            _unb64(data["salt"]),
            opslimit=ops,
            memlimit=mem,
        )
        seed = nacl.secret.SecretBox(box_key).decrypt(_unb64(data["box"]), _unb64(data["nonce"]))
    except KeystoreError:
        raise
    except (nacl.exceptions.CryptoError, ValueError, KeyError, TypeError):
        raise KeystoreError("wrong passphrase or damaged sealed key") from None
    return SigningKey.from_seed(seed)
