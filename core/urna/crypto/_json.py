"""Strict readers for the record's JSON forms (private).

The dicts that ``to_json()`` produces go into the signed ledger and the
exported bundle, so ``from_json()`` accepts exactly those shapes: exact key
sets, ints that are ints (not bools, not floats), lowercase hex of the exact
size, bounded arrays, ids from a small alphabet. Anything else raises
:class:`~urna.crypto.errors.SchemaError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from urna.crypto.errors import SchemaError
from urna.crypto.group import hex_bytes

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
"""Contest, option, election and device ids: 1..64 of ``a-z 0-9 . _ -``, starting alphanumeric."""

MAX_ARRAY = 1024


def obj(value: object, keys: Iterable[str], what: str) -> dict[str, Any]:
    """``value`` must be a dict with exactly ``keys``."""
    if not isinstance(value, dict):
        raise SchemaError(f"{what} must be a JSON object")
    wanted = set(keys)
    have = set(value)
    if have != wanted:
        extra = sorted(str(k) for k in have - wanted)
        missing = sorted(wanted - have)
        raise SchemaError(f"{what}: unexpected keys {extra}, missing keys {missing}")
    return value


def integer(value: object, what: str, lo: int, hi: int) -> int:
    if type(value) is not int:  # rejects bool, float, str
        raise SchemaError(f"{what} must be an integer")
    if not lo <= value <= hi:
        raise SchemaError(f"{what} must be in {lo}..{hi}")
    return value


def ident(value: object, what: str) -> str:
    if not isinstance(value, str) or ID_PATTERN.fullmatch(value) is None:
        raise SchemaError(f"{what} must match {ID_PATTERN.pattern}")
    return value


def array(value: object, what: str, lo: int = 0, hi: int = MAX_ARRAY) -> list[Any]:
    if not isinstance(value, list):
        raise SchemaError(f"{what} must be a JSON array")
    if not lo <= len(value) <= hi:
        raise SchemaError(f"{what} must have {lo}..{hi} items, got {len(value)}")
    return value


def hexa(value: object, size: int, what: str) -> bytes:
    return hex_bytes(value, size, what)
