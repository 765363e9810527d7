"""What a plugin gives the observer's verifier: its event types and its checks.

A plugin names one :class:`VerifierPlugin` under the entry-point group
``urna.verify``, in a pure module (``urna.crypto``, ``urna.record``,
``urna.verify`` and the plugin's own pure code only), so that ``urna verify``
loads it without the plugin's web routes, models or devices, and without
sanic or tortoise. The appliance takes the same values through the plugin's
hooks (``urna_register_event_types``, ``urna_register_verifier_checks``).
"""

from __future__ import annotations

import attrs

from urna.record.event_types import EventType
from urna.verify.check import VerifierCheck


@attrs.frozen(slots=True)
class VerifierPlugin:
    """A plugin's event types (for ``record.payloads``) and its verifier checks."""

    event_types: tuple[EventType, ...]
    checks: tuple[VerifierCheck, ...]
