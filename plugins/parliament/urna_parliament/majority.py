"""Majority rules as data, and the pure engine that decides an outcome from counts.

A rule says how many votes *for* a question needs: a threshold computed over a
base (the full membership, the members present, the votes cast, or the votes
for and against only)::

    threshold = ceil(fraction x base) + constant        (at least)
    threshold = floor(fraction x base) + 1 + constant   (more than, ``more_than=True``)

"More than half" is the second form: over 705 members it is 353, over 720 it
is 361, which no single ``ceil`` formula gives for both parities. A fixed
number such as the Milli Majlis's 63 is ``fraction=0, constant=63``.

The rule travels inside every ``parliament.vote_opened`` event as
:meth:`MajorityRule.to_json`, so an observer recomputes the outcome without
this plugin's configuration.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any, Literal

import attrs

Base = Literal["members", "in_office", "present", "cast", "for_against"]
BASES: tuple[Base, ...] = ("members", "in_office", "present", "cast", "for_against")
BASE_LABELS = {
    "members": "of all members",
    "in_office": "of the members in office",
    "present": "of the members present",
    "cast": "of the votes cast (for, against, abstain)",
    "for_against": "of the votes for and against (abstentions not counted)",
}
RULE_FIELDS = {"name", "title", "base", "fraction", "constant", "more_than", "confirmed"}
MAX_MEMBERS = 100_000


class RuleError(ValueError):
    """A majority rule or its inputs are malformed; the message names the field."""


@attrs.frozen(slots=True)
class Counts:
    """The figures of one vote. ``present`` counts the members registered present;
    ``members`` is the constitutional membership, ``in_office`` the members holding a
    mandate now (the membership less the vacant seats; ``None``: no seat is vacant)."""

    yes: int
    no: int
    abstain: int
    present: int
    members: int
    in_office: int | None = None

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain

    def base(self, base: Base) -> int:
        return {
            "members": self.members,
            "in_office": self.members if self.in_office is None else self.in_office,
            "present": self.present,
            "cast": self.cast,
            "for_against": self.yes + self.no,
        }[base]


@attrs.frozen(slots=True)
class MajorityRule:
    """A named majority rule. Build it with :meth:`create` or :meth:`from_json`."""

    name: str
    title: str
    base: Base
    fraction: Fraction
    constant: int
    more_than: bool
    confirmed: bool = True
    """False where the figure is commonly cited but not confirmed from the law (FIELD.md)."""

    @classmethod
    def create(
        cls,
        name: str,
        title: str,
        *,
        base: str,
        fraction: Fraction | str | int = 0,
        constant: int = 0,
        more_than: bool = False,
        confirmed: bool = True,
    ) -> MajorityRule:
        """Validate and build a rule; raises :class:`RuleError` naming the bad field."""
        if not isinstance(name, str) or not name or len(name) > 64:
            raise RuleError("rule name must be 1..64 characters")
        if not all(c.isalnum() or c in "-_." for c in name):
            raise RuleError(f"rule name {name!r} may hold only letters, digits, '-', '_', '.'")
        if not isinstance(title, str) or len(title) > 200:
            raise RuleError(f"rule {name}: title must be at most 200 characters")
        if base not in BASES:
            raise RuleError(f"rule {name}: base must be one of {', '.join(BASES)}, not {base!r}")
        try:
            value = Fraction(fraction)
        except (ValueError, TypeError, ZeroDivisionError):
            raise RuleError(f"rule {name}: fraction {fraction!r} is not a fraction") from None
        if not 0 <= value <= 1:
            raise RuleError(f"rule {name}: fraction must be between 0 and 1")
        if value.denominator > 1000:
            raise RuleError(f"rule {name}: fraction denominator must be at most 1000")
        if isinstance(constant, bool) or not isinstance(constant, int):
            raise RuleError(f"rule {name}: constant must be an integer")
        if not -MAX_MEMBERS <= constant <= MAX_MEMBERS:
            raise RuleError(f"rule {name}: constant out of range")
        if not isinstance(more_than, bool) or not isinstance(confirmed, bool):
            raise RuleError(f"rule {name}: more_than and confirmed must be booleans")
        if value == 0 and constant <= 0 and not more_than:
            raise RuleError(f"rule {name}: a threshold of zero votes would adopt anything")
        return cls(name, title, base, value, constant, more_than, confirmed)

    @classmethod
    def from_json(cls, obj: Any) -> MajorityRule:
        if not isinstance(obj, Mapping) or set(obj) != RULE_FIELDS:
            raise RuleError(f"a rule must be an object with exactly {sorted(RULE_FIELDS)}")
        fraction = obj["fraction"]
        if not isinstance(fraction, str):
            raise RuleError("rule fraction must be a string such as '2/3'")
        return cls.create(
            obj["name"],
            obj["title"],
            base=obj["base"],
            fraction=fraction,
            constant=obj["constant"],
            more_than=obj["more_than"],
            confirmed=obj["confirmed"],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "base": self.base,
            "fraction": str(self.fraction),
            "constant": self.constant,
            "more_than": self.more_than,
            "confirmed": self.confirmed,
        }

    def threshold(self, counts: Counts) -> int:
        """The number of votes for that the question needs, at least."""
        base = counts.base(self.base)
        exact = self.fraction * base
        if self.more_than:
            return math.floor(exact) + 1 + self.constant
        return math.ceil(exact) + self.constant

    def decide(self, counts: Counts) -> Outcome:
        """The outcome: adopted when the votes for reach the threshold."""
        check_counts(counts)
        needed = self.threshold(counts)
        return Outcome(adopted=counts.yes >= max(needed, 1), threshold=needed, rule=self.name)

    def describe(self) -> str:
        """A sentence for the protocol: 'at least 63 of all members', 'more than 1/2 of...'."""
        base = BASE_LABELS[self.base]
        if self.fraction == 0:
            return f"at least {self.constant} votes {base}"
        head = "more than" if self.more_than else "at least"
        tail = f" plus {self.constant}" if self.constant else ""
        return f"{head} {self.fraction} {base}{tail}"


@attrs.frozen(slots=True)
class Outcome:
    adopted: bool
    threshold: int
    rule: str

    @property
    def word(self) -> str:
        return "adopted" if self.adopted else "rejected"


def check_counts(counts: Counts) -> None:
    for name in ("yes", "no", "abstain", "present", "members"):
        value = getattr(counts, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MEMBERS:
            raise RuleError(f"count {name} must be an integer 0..{MAX_MEMBERS}")
    if counts.in_office is not None and not 0 <= counts.in_office <= counts.members:
        raise RuleError(f"{counts.in_office} members in office of a membership of {counts.members}")
    if counts.cast > counts.base("in_office"):
        raise RuleError(f"{counts.cast} votes cast by only {counts.base('in_office')} members")


def index_rules(rules: Iterable[MajorityRule]) -> dict[str, MajorityRule]:
    """Map names to rules, refusing a name defined twice."""
    result: dict[str, MajorityRule] = {}
    for rule in rules:
        if not isinstance(rule, MajorityRule):
            raise RuleError(f"expected a MajorityRule, got {type(rule).__name__}")
        if rule.name in result:
            raise RuleError(f"majority rule {rule.name!r} is defined twice")
        result[rule.name] = rule
    return result
