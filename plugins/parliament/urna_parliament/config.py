"""The ``[plugin.parliament]`` settings: another parliament is configuration, not code.

Defaults follow the Milli Majlis (FIELD.md section 1)::

    [plugin.parliament]
    membership = 125          # seats in the chamber
    quorum = 83               # members present for the sitting to decide
    place = "Bakı, Milli Məclis"
    default_rule = "ordinary" # majority rule when an item names none
    speaking_seconds = 300    # default speaking time
    devices = "none"          # "udev": run the device manager in the server

    [[plugin.parliament.rules]] # add rules (or override nothing: names must be new)
    name = "two-thirds"
    title = "Two thirds of all members"
    base = "members"          # members | present | cast | for_against
    fraction = "2/3"
    constant = 0
    more_than = false
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from urna_parliament.majority import MajorityRule, RuleError

KEYS = {"membership", "quorum", "place", "default_rule", "speaking_seconds", "devices", "rules"}


@attrs.frozen(slots=True)
class ParliamentConfig:
    membership: int = 125
    quorum: int = 83
    place: str = "Bakı, Milli Məclis"
    default_rule: str = "ordinary"
    speaking_seconds: int = 300
    devices: str = "none"
    rules: tuple[MajorityRule, ...] = ()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> ParliamentConfig:
        """Validate the settings section; ``ValueError`` names the bad key."""
        unknown = sorted(set(raw) - KEYS)
        if unknown:
            raise ValueError(f"[plugin.parliament] unknown key(s): {', '.join(unknown)}")
        defaults = cls()
        membership = _int(raw, "membership", defaults.membership, 1, 1000)
        quorum = _int(raw, "quorum", defaults.quorum, 1, membership)
        speaking = _int(raw, "speaking_seconds", defaults.speaking_seconds, 10, 24 * 3600)
        place = raw.get("place", defaults.place)
        if not isinstance(place, str) or not 1 <= len(place) <= 200:
            raise ValueError("[plugin.parliament] place must be 1..200 characters")
        default_rule = raw.get("default_rule", defaults.default_rule)
        if not isinstance(default_rule, str):
            raise ValueError("[plugin.parliament] default_rule must be a rule name")
        devices = raw.get("devices", defaults.devices)
        if devices not in ("none", "udev"):
            raise ValueError("[plugin.parliament] devices must be 'none' or 'udev'")
        rules = []
        for entry in raw.get("rules", []):
            if not isinstance(entry, Mapping):
                raise ValueError("[plugin.parliament] each rule must be a table")
            try:
                rules.append(
                    MajorityRule.create(
                        entry.get("name", ""),
                        entry.get("title", ""),
                        base=entry.get("base", ""),
                        fraction=entry.get("fraction", 0),
                        constant=entry.get("constant", 0),
                        more_than=entry.get("more_than", False),
                        confirmed=entry.get("confirmed", True),
                    )
                )
            except RuleError as exc:
                raise ValueError(f"[plugin.parliament] rules: {exc}") from None
        return cls(membership, quorum, place, default_rule, speaking, devices, tuple(rules))


def _int(raw: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"[plugin.parliament] {key} must be an integer {low}..{high}")
    return value
