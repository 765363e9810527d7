"""Contests: what a ballot asks, where, and how a precinct's votes are checked per contest.

An election holds contests. A contest has a district (the precincts whose
ballot carries it), the seats it fills, the votes allowed per voter (vote
for N) and its selections: candidates (with their party or list), write-ins
as their own line, and over and under votes where they are reported. A
selection's id is unique in the election, so a protocol's ``votes`` stay one
flat object ``{selection: n}`` holding every contest on the precinct's
ballot, and every total keeps the shape ``{"lines", "votes"}``.

A district is named by a code: ``""`` (every precinct of the election), a
commission of the tree (every precinct under it), or a district defined
apart (``elections.districts_defined``: congressional and legislative
districts cut across counties) with its list of precincts.

An election defined before contests (its ``elections.election_defined``
carries ``candidates``, no ``contests``) holds one contest: every candidate,
every precinct, one vote each (``implied_contest``). Pure code, shared by the
appliance and the observer's verifier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from urna_elections.hierarchy import UNIT_CODE
from urna_elections.law import Profile
from urna_elections.ratios import CANDIDATES, Ratio, failed_ratios

SELECTION_KINDS = ("candidate", "write-in", "overvotes", "undervotes")
VALID_KINDS = frozenset({"candidate", "write-in"})
"""Selections whose votes are valid votes (the ratios' ``candidates``)."""
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_CONTESTS = 500
MAX_SELECTIONS = 200
MAX_SEATS = 1000


class ContestError(ValueError):
    """A contest or district is malformed; the message names it."""


@attrs.frozen(slots=True)
class Selection:
    id: str
    name: str
    party: str = ""
    kind: str = "candidate"

    @property
    def valid(self) -> bool:
        return self.kind in VALID_KINDS

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "party": self.party, "kind": self.kind}


@attrs.frozen(slots=True)
class Contest:
    id: str
    name: str
    district: str
    seats: int
    votes_allowed: int
    selections: tuple[Selection, ...]
    selection_ids: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)
    """The selections' ids, found once: every protocol checked reads them."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "selection_ids", tuple(s.id for s in self.selections))

    @property
    def candidates(self) -> tuple[Selection, ...]:
        """The selections that are votes for someone (candidates and write-ins)."""
        return tuple(s for s in self.selections if s.valid)

    def valid_votes(self, votes: Mapping[str, int]) -> int:
        return sum(votes.get(s.id, 0) for s in self.selections if s.valid)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "district": self.district,
            "seats": self.seats,
            "votes_allowed": self.votes_allowed,
            "selections": [s.to_json() for s in self.selections],
        }


@attrs.frozen(slots=True)
class District:
    code: str
    name: str
    type: str
    precincts: frozenset[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "type": self.type,
            "precincts": sorted(self.precincts),
        }


def implied_contest(election: str, title: str, candidates: Iterable[Mapping[str, str]]) -> Contest:
    """The one contest of an election defined with ``candidates`` only (before contests)."""
    return Contest(
        id=election,
        name=title,
        district="",
        seats=1,
        votes_allowed=1,
        selections=tuple(
            Selection(str(c["id"]), str(c["name"]), str(c.get("party", ""))) for c in candidates
        ),
    )


def _text(value: Any, what: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise ContestError(f"{what} must be 1..{limit} characters")
    return value


def _count(value: Any, what: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= limit:
        raise ContestError(f"{what} must be an integer 1..{limit}")
    return value


def contest_from_json(obj: Any) -> Contest:
    if not isinstance(obj, Mapping):
        raise ContestError("each contest must be an object")
    fields = {"id", "name", "district", "seats", "votes_allowed", "selections"}
    if set(obj) != fields:
        raise ContestError(
            f"a contest has exactly {sorted(fields)}; got {sorted(str(k) for k in obj)}"
        )
    code = obj["id"]
    if not isinstance(code, str) or not ID.fullmatch(code):
        raise ContestError(f"contest id must match {ID.pattern}")
    name = _text(obj["name"], f"contest {code} name")
    district = obj["district"]
    if not isinstance(district, str) or not (district == "" or UNIT_CODE.fullmatch(district)):
        raise ContestError(f"contest {code}: district must be empty or a unit code")
    seats = _count(obj["seats"], f"contest {code} seats", MAX_SEATS)
    allowed = _count(obj["votes_allowed"], f"contest {code} votes_allowed", MAX_SEATS)
    raw = obj["selections"]
    if not isinstance(raw, list) or not 0 < len(raw) <= MAX_SELECTIONS:
        raise ContestError(f"contest {code} has 1..{MAX_SELECTIONS} selections")
    selections = []
    for item in raw:
        if not isinstance(item, Mapping) or set(item) != {"id", "name", "party", "kind"}:
            raise ContestError(f"contest {code}: a selection has exactly id, name, party, kind")
        if not isinstance(item["id"], str) or not ID.fullmatch(item["id"]):
            raise ContestError(f"contest {code}: selection id must match {ID.pattern}")
        if item["kind"] not in SELECTION_KINDS:
            raise ContestError(
                f"contest {code}, selection {item['id']}: kind must be one of {SELECTION_KINDS}"
            )
        if not isinstance(item["party"], str) or len(item["party"]) > 200:
            raise ContestError(f"contest {code}, selection {item['id']}: party is text <= 200")
        selections.append(
            Selection(
                item["id"],
                _text(item["name"], f"selection {item['id']} name"),
                item["party"],
                item["kind"],
            )
        )
    for kind in ("overvotes", "undervotes"):
        if sum(1 for s in selections if s.kind == kind) > 1:
            raise ContestError(f"contest {code} has more than one {kind} line")
    return Contest(code, name, district, seats, allowed, tuple(selections))


def contests_from_json(items: Any, *, known: Sequence[Contest] = ()) -> tuple[Contest, ...]:
    """Contests from their JSON list, checked, with ids unique among themselves and
    ``known`` (contest and selection ids alike are unique in an election)."""
    if not isinstance(items, list) or len(items) + len(known) > MAX_CONTESTS:
        raise ContestError(f"contests must be a list; an election has at most {MAX_CONTESTS}")
    contests = tuple(contest_from_json(item) for item in items)
    contest_ids = [c.id for c in (*known, *contests)]
    if len(set(contest_ids)) != len(contest_ids):
        raise ContestError("contest ids must be unique in the election")
    selection_ids = [s for c in (*known, *contests) for s in c.selection_ids]
    if len(set(selection_ids)) != len(selection_ids):
        twice = sorted({s for s in selection_ids if selection_ids.count(s) > 1})[:3]
        raise ContestError(f"selection ids must be unique in the election: {twice} repeat")
    return contests


def district_from_json(obj: Any) -> District:
    if not isinstance(obj, Mapping) or set(obj) != {"code", "name", "type", "precincts"}:
        raise ContestError("a district has exactly code, name, type, precincts")
    code = obj["code"]
    if not isinstance(code, str) or not UNIT_CODE.fullmatch(code):
        raise ContestError("district code must be a unit code (no slashes, 1..160 characters)")
    precincts = obj["precincts"]
    if not isinstance(precincts, list) or not all(
        isinstance(p, str) and UNIT_CODE.fullmatch(p) for p in precincts
    ):
        raise ContestError(f"district {code}: precincts must be a list of unit codes")
    return District(
        code,
        _text(obj["name"], f"district {code} name"),
        _text(obj["type"], f"district {code} type", 40),
        frozenset(precincts),
    )


def merge_districts(
    districts: Mapping[str, District], added: Iterable[District]
) -> dict[str, District]:
    """``districts`` with ``added``: a new district, or more precincts of a known one (its name
    and type unchanged)."""
    merged = dict(districts)
    for district in added:
        known = merged.get(district.code)
        if known is None:
            merged[district.code] = district
        elif (known.name, known.type) != (district.name, district.type):
            raise ContestError(f"district {district.code} is already defined as {known.name}")
        else:
            merged[district.code] = attrs.evolve(
                known, precincts=known.precincts | district.precincts
            )
    return merged


def ballot(
    contests: Sequence[Contest], districts: Mapping[str, District], chain: Sequence[str]
) -> tuple[Contest, ...]:
    """The contests on the ballot of the precinct whose code and ancestors are ``chain``
    (nearest first)."""
    precinct = chain[0] if chain else ""
    above = set(chain)
    found = []
    for contest in contests:
        district = contest.district
        if (
            district == ""
            or district in above
            or (district in districts and precinct in districts[district].precincts)
        ):
            found.append(contest)
    return tuple(found)


def selections_of(contests: Iterable[Contest]) -> tuple[str, ...]:
    return tuple(s for c in contests for s in c.selection_ids)


def check_contests(
    profile: Profile,
    contests: Sequence[Contest],
    lines: Mapping[str, int],
    votes: Mapping[str, int],
) -> list[str]:
    """Every failed control ratio of a protocol whose ballot holds ``contests``.

    A ratio that names ``candidates`` is checked for each contest, with the
    contest's valid votes (candidates and write-ins; not over or under votes);
    with more than one contest its message starts with the contest's name. A
    ratio over lines only is checked once. With one contest this is exactly
    ``Profile.check``."""
    messages: list[str] = []
    for ratio, per_contest in _kinds(profile.ratios):
        if not per_contest:
            messages += failed_ratios((ratio,), lines, 0)
            continue
        for contest in contests:
            for message in failed_ratios((ratio,), lines, contest.valid_votes(votes)):
                messages.append(message if len(contests) == 1 else f"{contest.name}: {message}")
    return messages


_KINDS: dict[int, tuple[tuple[Ratio, ...], tuple[tuple[Ratio, bool], ...]]] = {}


def _kinds(ratios: tuple[Ratio, ...]) -> tuple[tuple[Ratio, bool], ...]:
    """Each ratio with whether it names ``candidates`` (found once per profile: an import
    checks every row)."""
    found = _KINDS.get(id(ratios))
    if found is None or found[0] is not ratios:
        if len(_KINDS) > 64:
            _KINDS.clear()
        found = _KINDS[id(ratios)] = (ratios, tuple((r, CANDIDATES in _terms(r)) for r in ratios))
    return found[1]


def _terms(ratio: Ratio) -> set[str]:
    return {line for line, _ in (*ratio.left.terms, *ratio.right.terms)}
