"""Election law as data: a profile names the protocol lines, control ratios, quorum and hours.

A profile is a JSON document (see ``profiles/*.json`` and
``docs/elections.md``). It is validated here, once, by a named constructor;
the whole document is written into the election's record when the election
is defined, so the observer's verifier checks the ratios and the quorum of
the law that was actually in force, with no plugin code. Pure code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

import attrs

from urna_elections.ratios import LINE_ID, Ratio, RatioSyntaxError, failed_ratios, parse_ratio

PROFILE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
HOUR = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")
LINE_FIELDS = frozenset({"id", "label", "before_opening"})
LABEL_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
MAX_LINES = 64
MAX_RATIOS = 64
MAX_LINE_VALUE = 10**9
PROFILE_FIELDS = frozenset(
    {"name", "title", "country", "source", "lines", "ratios", "quorum", "turnout_hours"}
)
BUILTIN = ("az", "ru-federal", "ru-2012-presidential")
DEFAULT_PROFILE = "az"


class ProfileError(ValueError):
    """A profile document is malformed; the message names the field."""


@attrs.frozen(slots=True)
class Line:
    id: str
    label: str
    before_opening: bool
    labels: Mapping[str, str] = attrs.field(factory=dict, eq=False, hash=False)
    """The label in other languages, by language code (``az``, ``en``, ``ru``); optional."""

    def label_in(self, language: str) -> str:
        """The label in ``language``, else the profile's own ``label``."""
        return self.labels.get(language) or self.label


@attrs.frozen(slots=True)
class Profile:
    """One election law's protocol: lines, ratios, quorum (numerator/denominator), hours."""

    name: str
    title: str
    country: str
    source: str
    lines: tuple[Line, ...]
    ratios: tuple[Ratio, ...]
    quorum: tuple[int, int]
    turnout_hours: tuple[str, ...]
    document: Mapping[str, Any] = attrs.field(eq=False, repr=False)

    @property
    def line_ids(self) -> tuple[str, ...]:
        return tuple(line.id for line in self.lines)

    def quorum_of(self, decisive_members: int) -> int:
        """Signatures needed: ceil(numerator/denominator x members with a decisive vote)."""
        numerator, denominator = self.quorum
        return max(1, -(-decisive_members * numerator // denominator))

    def check(self, lines: Mapping[str, int], votes: Mapping[str, int]) -> list[str]:
        """Messages for every failed ratio (empty when the protocol is consistent)."""
        return failed_ratios(self.ratios, lines, sum(votes.values()))

    def to_json(self) -> dict[str, Any]:
        return dict(self.document)

    @classmethod
    def from_json(cls, obj: Any) -> Profile:
        if not isinstance(obj, dict):
            raise ProfileError("profile must be a JSON object")
        unknown = sorted(set(obj) - PROFILE_FIELDS)
        missing = sorted(PROFILE_FIELDS - set(obj))
        if unknown or missing:
            raise ProfileError(f"profile fields wrong: missing {missing}, unexpected {unknown}")
        name = obj["name"]
        if not isinstance(name, str) or not PROFILE_NAME.fullmatch(name):
            raise ProfileError(f"profile name must match {PROFILE_NAME.pattern}")
        for key in ("title", "country", "source"):
            if not isinstance(obj[key], str) or len(obj[key]) > 500:
                raise ProfileError(
                    f"profile {name}: {key} must be a string of at most 500 characters"
                )
        raw_lines = obj["lines"]
        if not isinstance(raw_lines, list) or not 0 < len(raw_lines) <= MAX_LINES:
            raise ProfileError(f"profile {name}: lines must be a list of 1..{MAX_LINES}")
        lines = []
        for raw in raw_lines:
            if not isinstance(raw, dict) or not LINE_FIELDS <= set(raw) <= {*LINE_FIELDS, "labels"}:
                raise ProfileError(
                    f"profile {name}: each line needs exactly id, label, before_opening (labels)"
                )
            if not isinstance(raw["id"], str) or not LINE_ID.fullmatch(raw["id"]):
                raise ProfileError(f"profile {name}: bad line id {raw['id']!r}")
            if not isinstance(raw["label"], str) or not isinstance(raw["before_opening"], bool):
                raise ProfileError(f"profile {name}: line {raw['id']} label/before_opening types")
            labels = raw.get("labels", {})
            if not isinstance(labels, dict) or not all(
                isinstance(k, str) and LABEL_LANGUAGE.fullmatch(k) and isinstance(v, str)
                for k, v in labels.items()
            ):
                raise ProfileError(
                    f"profile {name}: line {raw['id']} labels must map language codes to text"
                )
            lines.append(Line(raw["id"], raw["label"], raw["before_opening"], dict(labels)))
        ids = [line.id for line in lines]
        if len(set(ids)) != len(ids):
            raise ProfileError(f"profile {name}: a line id appears twice")
        raw_ratios = obj["ratios"]
        if not isinstance(raw_ratios, list) or len(raw_ratios) > MAX_RATIOS:
            raise ProfileError(f"profile {name}: ratios must be a list of at most {MAX_RATIOS}")
        ratios = []
        for raw in raw_ratios:
            if not isinstance(raw, dict) or not {"id", "expr"} <= set(raw) <= {
                "id",
                "expr",
                "derived",
                "note",
            }:
                raise ProfileError(f"profile {name}: each ratio needs id, expr (derived, note)")
            derived = raw.get("derived", False)
            note = raw.get("note", "")
            if (
                not isinstance(raw["id"], str)
                or not isinstance(derived, bool)
                or not isinstance(note, str)
            ):
                raise ProfileError(f"profile {name}: ratio fields have the wrong types")
            try:
                ratios.append(
                    parse_ratio(raw["id"], raw["expr"], frozenset(ids), derived=derived, note=note)
                )
            except RatioSyntaxError as exc:
                raise ProfileError(f"profile {name}: {exc}") from None
        if len({ratio.id for ratio in ratios}) != len(ratios):
            raise ProfileError(f"profile {name}: a ratio id appears twice")
        quorum = obj["quorum"]
        if (
            not isinstance(quorum, list)
            or len(quorum) != 2
            or not all(isinstance(q, int) and not isinstance(q, bool) for q in quorum)
            or not 0 < quorum[0] <= quorum[1] <= 100
        ):
            raise ProfileError(
                f"profile {name}: quorum must be [numerator, denominator], 0 < n <= d"
            )
        hours = obj["turnout_hours"]
        if (
            not isinstance(hours, list)
            or not all(isinstance(h, str) and HOUR.fullmatch(h) for h in hours)
            or sorted(set(hours)) != hours
        ):
            raise ProfileError(f"profile {name}: turnout_hours must be sorted distinct HH:MM")
        return cls(
            name=name,
            title=obj["title"],
            country=obj["country"],
            source=obj["source"],
            lines=tuple(lines),
            ratios=tuple(ratios),
            quorum=(quorum[0], quorum[1]),
            turnout_hours=tuple(hours),
            document=json.loads(json.dumps(obj)),
        )


def load_builtin(name: str) -> Profile:
    """One of the profiles shipped with the plugin (``profiles/<name>.json``)."""
    if name not in BUILTIN:
        raise ProfileError(f"no built-in profile {name!r}")
    text = resources.files("urna_elections").joinpath("profiles", f"{name}.json").read_text("utf-8")
    return Profile.from_json(json.loads(text))


def builtin_profiles() -> list[Profile]:
    return [load_builtin(name) for name in BUILTIN]


def validate_lines(
    profile: Profile, lines: Any, votes: Any, candidates: tuple[str, ...]
) -> tuple[dict[str, int], dict[str, int]]:
    """Check a protocol's shape: exactly the profile's lines and the election's candidates,
    each a non-negative integer. Raises ``ValueError`` naming the line."""
    if not isinstance(lines, dict):
        raise ValueError("protocol lines must be an object of line -> integer")
    if not isinstance(votes, dict):
        raise ValueError("protocol votes must be an object of candidate -> integer")
    expected = set(profile.line_ids)
    if set(lines) != expected:
        raise ValueError(
            f"protocol lines wrong: missing {sorted(expected - set(lines))}, "
            f"unexpected {sorted(set(lines) - expected)[:5]}"
        )
    if set(votes) != set(candidates):
        raise ValueError(
            f"protocol votes wrong: missing {sorted(set(candidates) - set(votes))}, "
            f"unexpected {sorted(set(votes) - set(candidates))[:5]}"
        )
    for kind, values in (("line", lines), ("votes for", votes)):
        for key, value in values.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not (0 <= value <= MAX_LINE_VALUE)
            ):
                raise ValueError(f"{kind} {key} must be an integer 0..{MAX_LINE_VALUE}")
    return dict(lines), dict(votes)
