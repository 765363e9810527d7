"""The cryptographic core: pure functions over frozen values, randomness as an argument.

Modules (see ``docs/spec.md`` for the byte-level specification):

- :mod:`~urna.crypto.group`: ``Scalar`` and ``Point`` with validating decoders;
- :mod:`~urna.crypto.transcript`: the one Fiat-Shamir ``Transcript``;
- :mod:`~urna.crypto.elgamal`, :mod:`~urna.crypto.dlog`: exponential ElGamal, bounded dlog;
- :mod:`~urna.crypto.schnorr`, :mod:`~urna.crypto.chaum_pedersen`,
  :mod:`~urna.crypto.disjunctive`: the proofs;
- :mod:`~urna.crypto.ceremony`, :mod:`~urna.crypto.election`: key ceremony, base hash;
- :mod:`~urna.crypto.manifest`, :mod:`~urna.crypto.ballot`, :mod:`~urna.crypto.tally`:
  contests, ballots, tally and threshold decryption;
- :mod:`~urna.crypto.signing`, :mod:`~urna.crypto.hashing`, :mod:`~urna.crypto.errors`.

Importing this package has no side effects; the shell calls :func:`check_pynacl`
at start.
"""

from __future__ import annotations

from importlib.metadata import version

from urna.crypto.errors import CryptoError

__all__ = ["MIN_PYNACL", "check_pynacl"]

MIN_PYNACL = (1, 6, 2)
"""The first PyNaCl whose bindings reject points outside the prime-order subgroup."""


def check_pynacl() -> None:
    """Raise :class:`CryptoError` unless PyNaCl >= 1.6.2 with ed25519 group operations."""
    import nacl.bindings

    installed = version("pynacl")
    parts = tuple(int(p) for p in installed.split(".")[:3] if p.isdigit())
    if parts < MIN_PYNACL or not nacl.bindings.has_crypto_core_ed25519:
        raise CryptoError(f"PyNaCl >= 1.6.2 with ed25519 core required, found {installed}")
