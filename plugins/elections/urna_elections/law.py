"""Election law as data: a profile names the protocol lines, control ratios, quorum, hours,
the base of the shares, their rounding and whether write-ins are allowed.

A profile is a JSON (or TOML) document, described by ``profile.schema.json`` (shipped
in the package, and in ``docs/``). It is validated here, once, by a named
constructor that names every problem with its JSON path; the whole document is
written into the election's record when the election is defined, so the
observer's verifier checks the ratios and the quorum of the law that was
actually in force, with no plugin code. Pure code.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from collections.abc import Mapping
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import jsonschema_rs

from urna_elections.ratios import (
    Linear,
    Ratio,
    RatioSyntaxError,
    failed_ratios,
    parse_ratio,
    parse_sum,
)

HOUR = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")
MAX_LINE_VALUE = 10**9
MAX_PROFILE_BYTES = 1_000_000
BUILTIN = ("az", "ru-federal", "ru-2012-presidential", "us-general")
DEFAULT_PROFILE = "az"
DEFAULT_SHARE_BASE = {"basis": "valid", "expr": "candidates"}
DEFAULT_ROUNDING = {"decimals": 2, "mode": "half-up"}
ROUNDING_MODES = {"half-up": ROUND_HALF_UP, "half-even": ROUND_HALF_EVEN, "down": ROUND_DOWN}
SCHEMA_FILE = "profile.schema.json"


class ProfileError(ValueError):
    """A profile document is malformed; ``problems`` names each, with its JSON path."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(problem) for problem in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"profile is not valid: {shown}{more}")


@attrs.frozen(slots=True)
class Problem:
    """One thing wrong in a profile document, at ``path`` (a JSON Pointer, ``/lines/3/id``)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.message}"


@attrs.frozen(slots=True)
class Line:
    id: str
    label: str
    before_opening: bool
    labels: Mapping[str, str] = attrs.field(factory=dict, eq=False, hash=False)
    """The label in the pages' languages, by language code (``az``, ``en``, ``ru``)."""

    def label_in(self, language: str) -> str:
        """The label in ``language``, else the profile's own ``label``."""
        return self.labels.get(language) or self.label


@attrs.frozen(slots=True)
class ShareBase:
    """What a candidate's share is a share of: ``basis`` names it, ``total`` computes it."""

    basis: str
    expression: str
    total: Linear

    def of(self, lines: Mapping[str, int], valid_votes: int) -> int:
        """The base of a protocol or a total: its lines, and the valid votes of the contest
        (the ratios' ``candidates``)."""
        return self.total.value(lines, valid_votes)


@attrs.frozen(slots=True)
class Profile:
    """One election law's protocol: lines, ratios, quorum (numerator/denominator), hours,
    the share base, the rounding of shares (decimals of the percentage, mode) and
    whether a contest may have write-in candidates."""

    name: str
    title: str
    country: str
    source: str
    lines: tuple[Line, ...]
    ratios: tuple[Ratio, ...]
    quorum: tuple[int, int]
    turnout_hours: tuple[str, ...]
    share_base: ShareBase
    decimals: int
    rounding: str
    write_ins: bool
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

    def share(self, votes: int, base: int) -> Decimal | None:
        """``votes`` as a share of ``base`` (``share_base.of``), a fraction rounded as the law
        publishes the percentage (``0.6360`` for 63.60 %); ``None`` while the base is zero."""
        return self.rounded(Fraction(votes, base)) if base > 0 else None

    def rounded(self, fraction: Fraction) -> Decimal:
        """``fraction`` as a percentage rounded to the profile's decimals, back as a fraction."""
        percent = Decimal(fraction.numerator * 100) / Decimal(fraction.denominator)
        step = Decimal(1).scaleb(-self.decimals)
        return percent.quantize(step, rounding=ROUNDING_MODES[self.rounding]).scaleb(-2)

    def to_json(self) -> dict[str, Any]:
        return dict(self.document)

    @classmethod
    def from_json(cls, obj: Any) -> Profile:
        """The profile a document describes; ``ProfileError`` names every problem.

        A document written into a record before the share base, rounding and write-ins
        were part of the format reads with their defaults (shares of valid votes)."""
        problems = profile_problems(obj)
        if problems:
            raise ProfileError(problems)
        ids = frozenset(line["id"] for line in obj["lines"])
        base = obj.get("share_base", DEFAULT_SHARE_BASE)
        rounding = obj.get("rounding", DEFAULT_ROUNDING)
        return cls(
            name=obj["name"],
            title=obj["title"],
            country=obj["country"],
            source=obj["source"],
            lines=tuple(
                Line(raw["id"], raw["label"], raw["before_opening"], dict(raw["labels"]))
                for raw in obj["lines"]
            ),
            ratios=tuple(
                parse_ratio(
                    raw["id"],
                    raw["expr"],
                    ids,
                    derived=raw.get("derived", False),
                    note=raw.get("note", ""),
                )
                for raw in obj["ratios"]
            ),
            quorum=(obj["quorum"][0], obj["quorum"][1]),
            turnout_hours=tuple(obj["turnout_hours"]),
            share_base=ShareBase(
                base["basis"], base["expr"], parse_sum("share_base", base["expr"], ids)
            ),
            decimals=rounding["decimals"],
            rounding=rounding["mode"],
            write_ins=obj.get("write_ins", False),
            document=json.loads(json.dumps(obj)),
        )


@functools.cache
def schema() -> dict[str, Any]:
    """The published JSON schema of a profile document."""
    text = resources.files("urna_elections").joinpath(SCHEMA_FILE).read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@functools.cache
def _validator() -> Any:
    return jsonschema_rs.Draft202012Validator(schema())


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _message(error: Any) -> str:
    """The schema's message, with every allowed value named (jsonschema-rs shortens a
    list of more than three to "or 2 other candidates")."""
    if type(error.kind).__name__ == "Enum":
        allowed = ", ".join(json.dumps(option) for option in error.kind.options)
        return f"{json.dumps(error.instance)} is not one of {allowed}"
    return str(error.message)


def profile_problems(obj: Any) -> list[Problem]:
    """Everything wrong with a profile document, each with its JSON path: the schema's
    findings, then what a schema cannot say (ids used twice, ratios and the share base
    naming unknown lines or not parsing, the quorum, the order of the hours)."""
    problems = [
        Problem(_pointer(error.instance_path), _message(error))
        for error in _validator().iter_errors(obj)
    ]
    if not isinstance(obj, dict):
        return problems
    lines: list[Any] = obj["lines"] if isinstance(obj.get("lines"), list) else []
    ids = [raw["id"] for raw in lines if isinstance(raw, dict) and isinstance(raw.get("id"), str)]
    seen: set[str] = set()
    for index, raw in enumerate(lines):
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            if raw["id"] in seen:
                problems.append(Problem(f"/lines/{index}/id", f"line {raw['id']} appears twice"))
            seen.add(raw["id"])
    known = frozenset(ids)
    ratios: list[Any] = obj["ratios"] if isinstance(obj.get("ratios"), list) else []
    seen = set()
    for index, raw in enumerate(ratios):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            continue
        if raw["id"] in seen:
            problems.append(Problem(f"/ratios/{index}/id", f"ratio {raw['id']} appears twice"))
        seen.add(raw["id"])
        if isinstance(raw.get("expr"), str):
            try:
                parse_ratio(raw["id"], raw["expr"], known)
            except RatioSyntaxError as exc:
                problems.append(Problem(f"/ratios/{index}/expr", str(exc)))
    base = obj.get("share_base")
    if isinstance(base, dict) and isinstance(base.get("expr"), str):
        try:
            parse_sum("share_base", base["expr"], known)
        except RatioSyntaxError as exc:
            problems.append(Problem("/share_base/expr", str(exc)))
    quorum = obj.get("quorum")
    if (
        isinstance(quorum, list)
        and len(quorum) == 2
        and all(isinstance(q, int) for q in quorum)
        and quorum[0] > quorum[1]
    ):
        problems.append(Problem("/quorum", "the numerator is larger than the denominator"))
    hours: list[Any] = obj.get("turnout_hours") or []
    texts = all(isinstance(h, str) for h in hours) if isinstance(hours, list) else False
    if texts and hours != sorted(hours):
        problems.append(Problem("/turnout_hours", "hours must be in ascending order"))
    return problems


def read_profile_file(path: Path) -> Any:
    """The document in a profile file: TOML when its name ends in ``.toml``, else JSON.
    ``ProfileError`` when it cannot be read as either."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProfileError([Problem("", f"cannot read {path}: {exc.strerror}")]) from None
    if len(data) > MAX_PROFILE_BYTES:
        raise ProfileError([Problem("", f"{path} is larger than {MAX_PROFILE_BYTES} bytes")])
    try:
        text = data.decode("utf-8")
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        return json.loads(text)
    except UnicodeDecodeError:
        raise ProfileError([Problem("", f"{path} is not UTF-8 text")]) from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError([Problem("", f"{path} does not parse: {exc}")]) from None


def resolve_profile(
    given: Any, profiles: Mapping[str, Profile], directory: Path | None = None
) -> Profile:
    """The profile a structure names: a shipped or registered profile by name, a whole
    profile document inline (an object), or ``{"path": FILE}`` (JSON or TOML, relative to
    ``directory``, the structure file's). ``ProfileError`` says what is wrong."""
    if isinstance(given, str):
        if given not in profiles:
            known = ", ".join(sorted(profiles))
            raise ProfileError([Problem("", f"unknown profile {given!r}; known: {known}")])
        return profiles[given]
    if isinstance(given, dict) and set(given) == {"path"} and isinstance(given["path"], str):
        if directory is None:
            message = "a profile file is named only in a structure file"
            raise ProfileError([Problem("/path", message)])
        return Profile.from_json(read_profile_file(directory / given["path"]))
    if isinstance(given, dict):
        return Profile.from_json(given)
    raise ProfileError([Problem("", 'a profile is a name, a profile document or {"path": FILE}')])


def load_builtin(name: str) -> Profile:
    """One of the profiles shipped with the plugin (``profiles/<name>.json``)."""
    if name not in BUILTIN:
        raise ProfileError([Problem("", f"no built-in profile {name!r}")])
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
