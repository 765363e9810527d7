"""The first check of every event payload: exactly its fields, each of its type.

The core's validators, the election's and every plugin's (``urna.api.require_fields``)
start with it, so that all payloads are held to one rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["require_fields"]


def require_fields(payload: Mapping[str, Any], spec: Mapping[str, type | tuple[type, ...]]) -> None:
    """Check that ``payload`` is a JSON object with exactly the keys of ``spec``, each
    value of its type (or one of its types); raise ``ValueError`` naming what is wrong.

    A boolean is not an integer here: it passes only where ``spec`` asks for ``bool``.
    """
    if not isinstance(payload, Mapping):
        raise ValueError("payload must be a JSON object")
    missing = sorted(set(spec) - set(payload))
    extra = sorted(set(payload) - set(spec))
    if missing or extra:
        raise ValueError(f"payload fields wrong: missing {missing}, unexpected {extra}")
    for name, kind in spec.items():
        value = payload[name]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise ValueError(f"payload field {name!r} must be {_kind_name(kind)}, not a boolean")
        if not isinstance(value, kind):
            raise ValueError(f"payload field {name!r} must be {_kind_name(kind)}")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)
