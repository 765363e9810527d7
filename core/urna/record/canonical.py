"""RFC 8785 (JCS) canonical JSON, and the strict parser for record input.

The record hashes and signs canonical bytes, so every implementation must
produce the same bytes for the same value. Urna restricts the JSON it writes
and accepts to what JCS makes unambiguous: objects with unique string keys,
arrays, strings, ``true``/``false``/``null`` and integers within
``±(2**53 - 1)``. Floats, NaN, infinities, duplicate keys and invalid UTF-8 are
refused: they are where implementations disagree.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from urna.record.errors import CanonicalFormError, RecordError

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 64

JsonValue = Any
"""A JSON value as Python builds it: dict, list, str, int, bool or None."""


def canonical_bytes(value: JsonValue) -> bytes:
    """The RFC 8785 bytes of ``value``, after checking it stays in Urna's subset."""
    _check_subset(value, "$", 0)
    return bytes(rfc8785.dumps(value))


def parse_json(data: bytes, *, what: str = "JSON") -> JsonValue:
    """Parse untrusted bytes strictly (see module docstring); raise ``RecordError``."""
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise RecordError(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
    except RecordError as exc:
        raise RecordError(f"{what}: {exc}") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise RecordError(f"{what} is not valid JSON: {exc}") from None
    try:
        _check_subset(value, "$", 0)
    except RecordError as exc:
        raise RecordError(f"{what}: {exc}") from None
    return value


def parse_canonical(data: bytes, *, what: str = "JSON") -> JsonValue:
    """Parse ``data`` strictly and require it to be exactly its canonical form."""
    value = parse_json(data, what=what)
    if canonical_bytes(value) != data:
        raise CanonicalFormError(f"{what} is not in RFC 8785 canonical form")
    return value


def _unique_keys(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    result: dict[str, JsonValue] = {}
    for key, val in pairs:
        if key in result:
            raise RecordError(f"duplicate key {key!r}")
        result[key] = val
    return result


def _no_float(text: str) -> JsonValue:
    raise RecordError(f"number {text} is not an integer (the record holds no floats)")


def _no_constant(text: str) -> JsonValue:
    raise RecordError(f"{text} is not JSON")


def _check_subset(value: JsonValue, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise RecordError(f"nesting deeper than {MAX_DEPTH} at {path}")
    if value is None or isinstance(value, (bool, str)):
        if isinstance(value, str):
            _check_string(value, path)
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise RecordError(f"integer at {path} is outside ±(2**53-1)")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise RecordError(f"non-string key at {path}")
            _check_string(key, path)
            _check_subset(item, f"{path}.{key}", depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_subset(item, f"{path}[{index}]", depth + 1)
        return
    raise RecordError(f"value of type {type(value).__name__} at {path} is not JSON")


def _check_string(text: str, path: str) -> None:
    # Lone surrogates cannot be encoded as UTF-8, so they have no canonical bytes.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise RecordError(f"string at {path} holds a lone surrogate") from None
