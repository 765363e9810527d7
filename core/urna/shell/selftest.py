"""Start-up self-test: refuse to run on a library that would accept bad points.

PyNaCl before 1.6.2 accepted some points outside the prime-order subgroup;
a libsodium that says B + T2 (the base point plus the point of order 2) is a
valid point would let mixed-order keys and ciphertexts through every check.
Ciphertext points are validated by the first multiplication a proof check does
(``Point.decode_times``), so that multiplication must refuse them too.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable

import nacl.bindings

from urna.errors import UrnaError

MINIMUM_PYNACL = (1, 6, 2)
BASE_POINT = bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666")
# (x, y) = (0, -1): the point of order 2, y = p - 1 little-endian.
ORDER_TWO_POINT = bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
# Odd, so that its multiple of a small-order point is not the identity (which libsodium
# refuses anyway): only a missing input check lets the multiplication through.
SCALAR_THREE = b"\x03" + bytes(31)


class SelfTestError(UrnaError):
    """The platform fails a check the appliance relies on; the message says which."""


def check_libraries(
    pynacl_version: str | None = None,
    is_valid_point: Callable[[bytes], bool] = nacl.bindings.crypto_core_ed25519_is_valid_point,
    multiply: Callable[[bytes, bytes], bytes] = nacl.bindings.crypto_scalarmult_ed25519_noclamp,
) -> None:
    """Raise ``SelfTestError`` unless PyNaCl is recent and its point check and its
    multiplication both reject a mixed-order and a small-order point."""
    version = pynacl_version or importlib.metadata.version("pynacl")
    if _version_tuple(version) < MINIMUM_PYNACL or not nacl.bindings.has_crypto_core_ed25519:
        raise SelfTestError(
            f"PyNaCl {version} is older than 1.6.2 and accepts points outside the "
            "prime-order subgroup; upgrade it"
        )
    mixed = nacl.bindings.crypto_core_ed25519_add(BASE_POINT, ORDER_TWO_POINT)
    if is_valid_point(mixed):
        raise SelfTestError(
            "libsodium accepts the mixed-order point B+T2 as valid; refusing to start"
        )
    for name, point in (("B+T2", mixed), ("the point of order 2", ORDER_TWO_POINT)):
        try:
            multiply(SCALAR_THREE, point)
        except RuntimeError:
            continue
        raise SelfTestError(f"libsodium multiplies {name} without refusing it; refusing to start")


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:3]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)
