"""Random bearer secrets (session cookies, API tokens) and the hashes stored for them."""

from __future__ import annotations

import secrets

from urna.crypto.hashing import blake2b_256

TOKEN_BYTES = 32  # 256 bits


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database keeps: a hash, so that a copy of it grants nothing."""
    return blake2b_256(b"urna.token.v1", token.encode("utf-8")).hex()
