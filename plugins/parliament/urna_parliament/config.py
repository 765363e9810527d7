"""The ``[plugin.parliament]`` settings: another parliament is configuration, not code.

Defaults follow the Milli Majlis (FIELD.md section 1)::

    [plugin.parliament]
    membership = 125          # the constitutional membership: mandates of the chamber
    quorum = 83               # members present for the sitting to decide
    seats = 125               # the hall's seat plan: seats 1..seats (default: membership)
    vacant_seats = []         # seats whose mandate is vacant: shown and counted as vacant
    place = "Bakı, Milli Məclis"
    default_rule = "ordinary" # majority rule when an item names none
    rule_set = ["ordinary", "qualified", "constitutional"]
                              # the rules this chamber's agenda items may name (default:
                              # every rule known: the plugins' and the ones below)
    speaking_seconds = 300    # default speaking time
    devices = "none"          # "udev": run the device manager in the server

    [[plugin.parliament.rules]] # add rules (or override nothing: names must be new)
    name = "two-thirds"
    title = "Two thirds of all members"
    base = "members"          # members (constitutional) | in_office | present | cast | for_against
    fraction = "2/3"
    constant = 0
    more_than = false
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from urna_parliament.majority import MajorityRule, RuleError

KEYS = {
    "membership",
    "quorum",
    "seats",
    "vacant_seats",
    "place",
    "default_rule",
    "speaking_seconds",
    "devices",
    "rules",
    "upload_max_bytes",  # the archive's: checked by media.upload_limit
    "rule_set",
}
MAX_SEATS = 1000


@attrs.frozen(slots=True)
class ParliamentConfig:
    membership: int = 125
    quorum: int = 83
    seats: int = 125
    vacant_seats: tuple[int, ...] = ()
    place: str = "Bakı, Milli Məclis"
    default_rule: str = "ordinary"
    speaking_seconds: int = 300
    devices: str = "none"
    rules: tuple[MajorityRule, ...] = ()
    rule_set: tuple[str, ...] | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> ParliamentConfig:
        """Validate the settings section; ``ValueError`` names the bad key."""
        unknown = sorted(set(raw) - KEYS)
        if unknown:
            raise ValueError(f"[plugin.parliament] unknown key(s): {', '.join(unknown)}")
        defaults = cls()
        membership = _int(raw, "membership", defaults.membership, 1, MAX_SEATS)
        seats = _int(raw, "seats", membership, membership, MAX_SEATS)
        vacant = _vacant_seats(raw.get("vacant_seats", []), seats, membership)
        in_office = membership - len(vacant)
        quorum = _int(raw, "quorum", defaults.quorum, 1, membership)
        if quorum > in_office:
            raise ValueError(
                f"[plugin.parliament] quorum {quorum} can never be reached: "
                f"{len(vacant)} of {membership} seats are vacant, {in_office} members in office"
            )
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
        rule_set = raw.get("rule_set")
        if rule_set is not None and (
            not isinstance(rule_set, list)
            or not rule_set
            or not all(isinstance(name, str) for name in rule_set)
            or len(set(rule_set)) != len(rule_set)
        ):
            raise ValueError("[plugin.parliament] rule_set must be a list of distinct rule names")
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
        return cls(
            membership,
            quorum,
            seats,
            vacant,
            place,
            default_rule,
            speaking,
            devices,
            tuple(rules),
            None if rule_set is None else tuple(rule_set),
        )

    @property
    def in_office(self) -> int:
        """Members holding a mandate: the membership less the vacant seats."""
        return self.membership - len(self.vacant_seats)


def _vacant_seats(value: Any, seats: int, membership: int) -> tuple[int, ...]:
    """Seat numbers of the seat plan, each once, fewer than the membership."""
    if not isinstance(value, list) or not all(
        isinstance(seat, int) and not isinstance(seat, bool) for seat in value
    ):
        raise ValueError("[plugin.parliament] vacant_seats must be a list of seat numbers")
    outside = [seat for seat in value if not 1 <= seat <= seats]
    if outside:
        raise ValueError(
            f"[plugin.parliament] vacant_seats: seat {outside[0]} is not in the seat plan "
            f"1..{seats}"
        )
    if len(set(value)) != len(value):
        raise ValueError("[plugin.parliament] vacant_seats lists a seat twice")
    if len(value) >= membership:
        raise ValueError("[plugin.parliament] vacant_seats leaves no member in office")
    return tuple(sorted(value))


def _int(raw: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"[plugin.parliament] {key} must be an integer {low}..{high}")
    return value
