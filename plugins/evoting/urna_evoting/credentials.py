"""The voters' ballot credentials: one Ed25519 key per voter on the list, anonymous.

The ballot box counts one ballot per registered credential and the verifier
checks it. The keys are derived from the election's secret seed and an index
(``credential-0001``...), registered when the polls open, and handed out in
order as booth sessions are activated: a credential stands for "one voter who
checked in", never for a named voter.
"""

from __future__ import annotations

import hashlib

from urna.crypto.signing import SigningKey

_CONTEXT = b"urna-evoting credential"


def credential_key(seed_hex: str, index: int) -> SigningKey:
    """The signing key of credential ``index`` (1-based) of an election."""
    digest = hashlib.blake2b(
        _CONTEXT + index.to_bytes(4, "big"), digest_size=32, key=bytes.fromhex(seed_hex)
    ).digest()
    return SigningKey.from_seed(digest)


def credential_name(index: int) -> str:
    return f"credential-{index:05d}"
