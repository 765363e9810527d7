"""Hooks the parliament plugin declares, so that other plugins can extend it.

The plugin names this module in ``URNA_HOOKSPECS``; the core's plugin manager
adds it before checking that every implemented hook exists, so a misspelled
implementation in another plugin still fails loudly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from urna_parliament.majority import MajorityRule

hookspec = pluggy.HookspecMarker("urna")


@hookspec
def urna_parliament_majority_rules() -> Sequence[MajorityRule]:
    """Return majority rules that agenda items and votes may name.

    Each is a :class:`urna_parliament.majority.MajorityRule` (a threshold over
    the full membership, the members present, the votes cast, or the votes for
    and against, as a fraction plus a constant, or a fixed number). Names must
    be unique across all plugins and the ``[plugin.parliament] rules``
    configuration; a clash refuses to start. The rule a vote uses is copied
    into its ``parliament.vote_opened`` event, so the record stays verifiable
    without the plugin that contributed it.

    Added in 0.1.
    """
    raise NotImplementedError  # a specification: implementations answer, this never runs
