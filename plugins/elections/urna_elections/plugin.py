"""Hook implementations of the elections plugin."""

from __future__ import annotations

from urna.api import EventType, ModelApp, VerifierCheck, hookimpl

from urna_elections import hookspecs
from urna_elections.law import Profile, builtin_profiles
from urna_elections.record import EVENT_TYPES, VERIFIER_CHECKS

URNA_HOOKSPECS = hookspecs


@hookimpl
def urna_elections_register_profiles() -> list[Profile]:
    return builtin_profiles()


@hookimpl
def urna_register_models() -> list[ModelApp]:
    return [ModelApp(models="urna_elections.models", migrations="urna_elections.migrations")]


@hookimpl
def urna_register_event_types() -> list[EventType]:
    return list(EVENT_TYPES)


@hookimpl
def urna_register_verifier_checks() -> list[VerifierCheck]:
    return list(VERIFIER_CHECKS)
