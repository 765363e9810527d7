"""Hook implementations of the parliament plugin."""

from __future__ import annotations

from urna.api import EventType, ModelApp, hookimpl

from urna_parliament import hookspecs
from urna_parliament.majority import GENERIC_RULES, MILLI_MAJLIS_RULES, MajorityRule
from urna_parliament.record import EVENT_TYPES

URNA_HOOKSPECS = hookspecs


@hookimpl
def urna_register_models() -> list[ModelApp]:
    return [ModelApp(models="urna_parliament.models", migrations="urna_parliament.migrations")]


@hookimpl
def urna_register_event_types() -> list[EventType]:
    return list(EVENT_TYPES)


@hookimpl
def urna_parliament_majority_rules() -> list[MajorityRule]:
    """The Milli Majlis defaults and the generic rules other parliaments use."""
    return [*MILLI_MAJLIS_RULES, *GENERIC_RULES]
