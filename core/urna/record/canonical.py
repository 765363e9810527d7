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
import re
from typing import Any

import rfc8785

from urna.record.errors import CanonicalFormError, RecordError

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 64

JsonValue = Any
"""A JSON value as Python builds it: dict, list, str, int, bool or None."""


def canonical_bytes(value: JsonValue) -> bytes:
    """The RFC 8785 bytes of ``value``, after checking it stays in Urna's subset."""
    return _encode(value, _check_subset(value, "$", 0))


def _encode(value: JsonValue, needs_utf16_order: bool) -> bytes:
    """JCS encoding of a value already checked to be in Urna's subset.

    For that subset (no floats, no lone surrogates) ``json.dumps`` with sorted
    keys and no whitespace writes exactly the RFC 8785 bytes: same escapes,
    same integers. The one difference is key order, which RFC 8785 defines
    over UTF-16 code units: it differs from code point order only for keys
    holding characters beyond U+FFFF, and those go through the rfc8785
    library. ``tests/core/test_canonical.py`` checks the two agree.
    """
    if needs_utf16_order:
        return bytes(rfc8785.dumps(value))
    return json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
    ).encode("utf-8")


def parse_json(data: bytes, *, what: str = "JSON") -> JsonValue:
    """Parse untrusted bytes strictly (see module docstring); raise ``RecordError``."""
    return _parse_checked(data, what)[0]


def parse_canonical(data: bytes, *, what: str = "JSON") -> JsonValue:
    """Parse ``data`` strictly and require it to be exactly its canonical form.

    Duplicate keys need no check of their own here: a parsed object holds each
    key once, so its canonical bytes differ from input that repeated one. The
    check runs only to name the problem when the bytes differ (records are
    large, and checking keys object by object costs as much as the parse).
    """
    value = _plainly_canonical(data)
    return _carefully_canonical(data, what) if value is _NOT_PLAIN else value


def _carefully_canonical(data: bytes, what: str) -> JsonValue:
    value, needs_utf16_order = _parse_checked(data, what, unique_keys=False)
    if _encode(value, needs_utf16_order) != data:
        _parse_checked(data, what)
        raise CanonicalFormError(f"{what} is not in RFC 8785 canonical form")
    return value


_NOT_PLAIN = object()
_FOUR_BYTE_UTF8 = re.compile(rb"[\xf0-\xf4]")


def _plainly_canonical(data: bytes) -> JsonValue:
    """The value of ``data`` when it is canonical and plainly in the subset, else
    ``_NOT_PLAIN``: the careful path then decides, and names any problem.

    This is the fast path of every event a verifier reads. It skips the walk over the
    value because, for such input, the comparison with the re-encoding already checks
    what the walk would: no floats or constants (refused by the parser), no lone
    surrogate (it cannot be encoded as UTF-8), no character beyond U+FFFF (no 4-byte
    UTF-8 sequence, so code point order is UTF-16 order), no nesting deeper than
    ``MAX_DEPTH`` (there are not that many brackets at all), and integers checked
    as they are parsed.
    """
    if _FOUR_BYTE_UTF8.search(data) or data.count(b"{") + data.count(b"[") > MAX_DEPTH:
        return _NOT_PLAIN
    try:
        value = json.loads(
            data.decode("utf-8"),
            parse_float=_no_float,
            parse_constant=_no_constant,
            parse_int=_safe_integer,
        )
        if _encode(value, needs_utf16_order=False) == data:
            return value
    except (RecordError, ValueError, RecursionError):  # UnicodeError is a ValueError
        pass
    return _NOT_PLAIN


def _safe_integer(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise RecordError("integer is outside ±(2**53-1)")
    return value


def _parse_checked(data: bytes, what: str, *, unique_keys: bool = True) -> tuple[JsonValue, bool]:
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise RecordError(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys if unique_keys else None,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
    except RecordError as exc:
        raise RecordError(f"{what}: {exc}") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise RecordError(f"{what} is not valid JSON: {exc}") from None
    try:
        return value, _check_subset(value, "$", 0)
    except RecordError as exc:
        raise RecordError(f"{what}: {exc}") from None


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


def _check_subset(value: JsonValue, path: str, depth: int) -> bool:
    """Raise unless ``value`` is in Urna's JSON subset; answer whether some object key
    holds a character beyond U+FFFF (where UTF-16 key order differs)."""
    try:
        return _walk(value, 0)
    except _SubsetError as exc:
        where = path + "".join(reversed(exc.trail))
        raise RecordError(f"{exc.message} at {where}") from None


class _SubsetError(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        self.trail: list[str] = []


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _walk(value: JsonValue, depth: int) -> bool:
    # The hot path of every hash: no path strings are built unless something fails.
    kind = type(value)
    if kind is str:
        _check_string(value)
        return False
    if kind is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise _SubsetError("integer is outside ±(2**53-1)")
        return False
    if value is None or kind is bool:
        return False
    if depth >= MAX_DEPTH:
        raise _SubsetError(f"nesting is deeper than {MAX_DEPTH}")
    astral = False
    if kind is dict:
        for key, item in value.items():
            try:
                if type(key) is not str:
                    raise _SubsetError("an object key is not a string")
                _check_string(key)
                astral = astral or _ASTRAL.search(key) is not None
                astral = _walk(item, depth + 1) or astral
            except _SubsetError as exc:
                exc.trail.append(f".{key}")
                raise
        return astral
    if kind is list or kind is tuple:
        for index, item in enumerate(value):
            try:
                astral = _walk(item, depth + 1) or astral
            except _SubsetError as exc:
                exc.trail.append(f"[{index}]")
                raise
        return astral
    raise _SubsetError(f"a value of type {kind.__name__} is not JSON")


def _check_string(text: str) -> None:
    # Lone surrogates cannot be encoded as UTF-8, so they have no canonical bytes.
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _SubsetError("a string holds a lone surrogate") from None
