"""Event types: names and payload validators, the core's own and those plugins add.

Every event type is namespaced (``core.``, ``parliament.``...). The ledger
validates a payload before appending it, and the verifier validates it again
in the observer's hands, with the same function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from urna.crypto.errors import KeyRejectedError
from urna.crypto.signing import verify_key_from_hex
from urna.record.election_events import ELECTION_EVENT_TYPES
from urna.record.errors import RecordError
from urna.record.fields import require_fields

__all__ = [
    "APPLIANCE_ROLE",
    "CORE_EVENT_TYPES",
    "EventType",
    "PayloadValidator",
    "index_event_types",
    "require_fields",
]

PayloadValidator = Callable[[Mapping[str, Any]], None]
"""Raises ``ValueError`` (or ``RecordError``) naming what is wrong with a payload."""


@attrs.frozen(slots=True)
class EventType:
    """A kind of ledger event: its namespaced name, meaning and payload validator."""

    name: str
    description: str
    validate: PayloadValidator


APPLIANCE_ROLE = "appliance"


def _validate_signer_registered(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"key": str, "role": str, "name": str})
    try:
        verify_key_from_hex(payload["key"])
    except KeyRejectedError as exc:
        raise ValueError(f"signer key rejected: {exc}") from None
    if not payload["role"] or len(payload["role"]) > 64:
        raise ValueError("signer role must be 1..64 characters")
    if len(payload["name"]) > 200:
        raise ValueError("signer name must be at most 200 characters")


def _validate_appliance_started(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"urna_version": str, "plugins": list})
    for plugin in payload["plugins"]:
        if not isinstance(plugin, dict):
            raise ValueError("each plugin entry must be an object")
        require_fields(plugin, {"name": str, "distribution": str, "version": str})


CORE_EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        "core.signer_registered",
        "A public key is registered, with its role, before it signs anything. "
        "The first event of every scope registers the appliance's own key.",
        _validate_signer_registered,
    ),
    EventType(
        "core.appliance_started",
        "The appliance started with this Urna version and this set of plugins.",
        _validate_appliance_started,
    ),
    *(EventType(*spec) for spec in ELECTION_EVENT_TYPES),
)


def index_event_types(types: Iterable[EventType]) -> dict[str, EventType]:
    """Map names to types, refusing a name defined twice."""
    result: dict[str, EventType] = {}
    for event_type in types:
        if event_type.name in result:
            raise RecordError(f"event type {event_type.name} is defined twice")
        result[event_type.name] = event_type
    return result
