"""BLAKE2b with a domain-separation label for every use.

Every hash in Urna names what it is for, so that a digest computed for one
purpose can never be replayed as another. The label goes into BLAKE2b's
``person`` parameter (at most 16 bytes), which any BLAKE2b library exposes,
so a second implementation needs nothing Urna-specific.
"""

import hashlib

DIGEST_SIZE = 32


def blake2b_256(label: bytes, data: bytes) -> bytes:
    """BLAKE2b-256 of ``data`` personalised with ``label`` (1..16 bytes)."""
    if not 0 < len(label) <= 16:
        raise ValueError(f"hash label must be 1..16 bytes, got {len(label)}")
    return hashlib.blake2b(data, digest_size=DIGEST_SIZE, person=label).digest()


def blake2b_512(label: bytes, data: bytes) -> bytes:
    """BLAKE2b-512 of ``data`` personalised with ``label``: input for hash-to-scalar."""
    if not 0 < len(label) <= 16:
        raise ValueError(f"hash label must be 1..16 bytes, got {len(label)}")
    return hashlib.blake2b(data, digest_size=64, person=label).digest()
