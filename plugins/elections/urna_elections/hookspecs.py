"""Hooks the elections plugin offers to other plugins (added to the manager via URNA_HOOKSPECS).

A third party adds a country's election law by shipping a plugin that
implements ``urna_elections_register_profiles``; the elections plugin is
not changed. Hook names start with ``urna_elections_``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from urna_elections.law import Profile

hookspec = pluggy.HookspecMarker("urna")


@hookspec
def urna_elections_register_profiles() -> Sequence[Profile]:
    """Return election-law profiles: protocol lines, control ratios, quorum, turnout hours.

    Build each with ``urna_elections.law.Profile.from_json(document)`` (the
    document format is in ``docs/elections.md``; ``profiles/az.json`` is an
    example). A profile name must be unique across all plugins; the plugin
    refuses to start on a duplicate. The profile chosen for an election is
    written whole into its record, so observers verify with no plugin code.

    Added in 0.1.
    """
    raise NotImplementedError
