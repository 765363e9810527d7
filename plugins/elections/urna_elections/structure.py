"""An election's structure: the election, its commissions and their members, in the record.

Each step appends its event and writes its rows in one transaction; bad input
raises ``StructureError`` naming the problem before anything is stored.
Members are registered in batches (``elections.members_registered``): an
Azerbaijan-sized election has some 40,000 member keys and one event each
would make the record and the registration needlessly slow.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from urna.api import Ledger
from urna.crypto.errors import KeyRejectedError
from urna.crypto.signing import verify_key_from_hex

from urna_elections import models
from urna_elections.contests import (
    Contest,
    ContestError,
    District,
    ballot,
    check_contests,
    contests_from_json,
    district_from_json,
    implied_contest,
    merge_districts,
    selections_of,
)
from urna_elections.hierarchy import Commission, ancestry
from urna_elections.law import DEFAULT_PROFILE, Profile, ProfileError, resolve_profile
from urna_elections.record import (
    COMMISSIONS_DEFINED,
    CONTESTS_DEFINED,
    DISTRICTS_DEFINED,
    ELECTION_DEFINED,
    KINDS,
    MEMBERS_REGISTERED,
    ROLES,
    scope_of,
    validate_commissions,
    validate_contests,
    validate_districts,
    validate_election,
)

BATCH = 5000


class StructureError(ValueError):
    """The structure cannot be stored as given; the message names the problem."""


@attrs.frozen(slots=True)
class ElectionInfo:
    """An election as the services use it: code, row id, law, contests, status.

    ``candidates`` are the ids of every selection of every contest, in ballot
    order, and ``candidate_names`` their names: the keys of a protocol's and a
    total's ``votes``."""

    id: int
    code: str
    title: str
    profile: Profile
    contests: tuple[Contest, ...]
    districts: Mapping[str, District]
    status: str
    official_reason: str = ""
    """Why the results were declared official with ``official_missing`` precincts unsent."""
    official_missing: tuple[str, ...] = ()
    candidates: tuple[str, ...] = attrs.field(init=False)
    candidate_names: Mapping[str, str] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "candidates", selections_of(self.contests))
        object.__setattr__(
            self,
            "candidate_names",
            {s.id: s.name for c in self.contests for s in c.selections},
        )

    @property
    def scope(self) -> str:
        return scope_of(self.code)

    def ballot(self, chain: Sequence[str]) -> tuple[Contest, ...]:
        """The contests on the ballot of the precinct whose code and ancestors are ``chain``."""
        return ballot(self.contests, self.districts, chain)

    def contests_of(self, votes: Mapping[str, int]) -> tuple[Contest, ...]:
        """The contests a checked protocol's ``votes`` carry (its ballot)."""
        return tuple(c for c in self.contests if c.selections[0].id in votes)

    def check(self, lines: Mapping[str, int], votes: Mapping[str, int]) -> list[str]:
        """The failed control ratios of a checked protocol, per contest on its ballot."""
        return check_contests(self.profile, self.contests_of(votes), lines, votes)


@functools.lru_cache(maxsize=32)
def _parse_profile(text: str) -> Profile:
    return Profile.from_json(json.loads(text))


@functools.lru_cache(maxsize=32)
def _parse_contests(code: str, title: str, candidates: str, contests: str) -> tuple[Contest, ...]:
    found, listed = json.loads(contests), json.loads(candidates)
    if found or not listed:
        return contests_from_json(found)
    return (implied_contest(code, title, listed),)  # defined before contests


@functools.lru_cache(maxsize=32)
def _parse_districts(text: str) -> dict[str, District]:
    return {d.code: d for d in (district_from_json(item) for item in json.loads(text))}


async def load_election(code: str) -> ElectionInfo:
    """The election ``code``; ``StructureError`` names it when there is none. A code no
    election can have (longer than the column) is refused here, before the query, which
    would refuse it with a database error instead, on every path that names an election."""
    if len(code) > models.CODE_LENGTH:
        raise StructureError(f"no election: codes are at most {models.CODE_LENGTH} characters")
    row = await models.Election.get_or_none(code=code)
    if row is None:
        raise StructureError(f"no election {code!r}")
    return election_info(row)


def election_info(row: models.Election) -> ElectionInfo:
    return ElectionInfo(
        id=row.id,
        code=row.code,
        title=row.title,
        profile=_parse_profile(row.profile),
        contests=_parse_contests(row.code, row.title, row.candidates, row.contests),
        districts=_parse_districts(row.districts),
        status=row.status,
        official_reason=row.official_reason,
        official_missing=tuple(json.loads(row.official_missing)),
    )


async def create_election(
    ledger: Ledger,
    *,
    code: str,
    title: str,
    kind: str,
    date: str,
    profile: Profile,
    contests: Sequence[Contest] = (),
    candidates: Sequence[Mapping[str, str]] = (),
) -> ElectionInfo:
    """Define an election with its ``contests`` (more may be added later: ``add_contests``),
    or with ``candidates``: one contest of them on every ballot, named after the election."""
    if candidates:
        if contests:
            raise StructureError("an election is defined with contests or with candidates")
        contests = (implied_contest(code, title, candidates),)
    _write_ins_allowed(profile, contests)
    payload = {
        "election": code,
        "title": title,
        "kind": kind,
        "date": date,
        "profile": profile.to_json(),
        "contests": [c.to_json() for c in contests],
    }
    try:
        validate_election(payload)
    except ValueError as exc:
        raise StructureError(str(exc)) from None
    if await models.Election.exists(code=code):
        raise StructureError(f"election {code!r} already exists")
    async with ledger.transaction():
        await ledger.append(scope_of(code), ELECTION_DEFINED, payload)
        row = await models.Election.create(
            code=code,
            title=title,
            kind=kind,
            date=date,
            profile=json.dumps(profile.to_json(), sort_keys=True),
            candidates=json.dumps(
                [s.to_json() for c in contests for s in c.selections], ensure_ascii=False
            ),
            contests=json.dumps(payload["contests"], ensure_ascii=False),
        )
    return election_info(row)


def _write_ins_allowed(profile: Profile, contests: Sequence[Contest]) -> None:
    """A contest may have write-in selections only where the law's profile allows them."""
    if profile.write_ins:
        return
    for contest in contests:
        if any(selection.kind == "write-in" for selection in contest.selections):
            raise StructureError(
                f"contest {contest.id} has write-ins; the law's profile {profile.name} "
                "allows none (write_ins is false)"
            )


async def add_contests(
    ledger: Ledger, election: ElectionInfo, contests: Sequence[Contest]
) -> ElectionInfo:
    """Add contests to the election. A contest may not reach a precinct already counted:
    its protocol would lack the contest."""
    if not contests:
        return election
    _write_ins_allowed(election.profile, contests)
    try:
        contests_from_json([c.to_json() for c in contests], known=election.contests)
    except ContestError as exc:
        raise StructureError(str(exc)) from None
    await _refuse_counted(election, contests, election.districts)
    payload = {"election": election.code, "contests": [c.to_json() for c in contests]}
    try:
        validate_contests(payload)
    except ValueError as exc:
        raise StructureError(str(exc)) from None
    async with ledger.transaction():
        row = await models.Election.select_for_update().get(id=election.id)
        await ledger.append(election.scope, CONTESTS_DEFINED, payload)
        every = [*election.contests, *contests]
        row.contests = json.dumps([c.to_json() for c in every], ensure_ascii=False)
        row.candidates = json.dumps(
            [s.to_json() for c in every for s in c.selections], ensure_ascii=False
        )
        await row.save(update_fields=["contests", "candidates"])
    _forget(ledger, election.code)
    return election_info(row)


async def add_districts(
    ledger: Ledger, election: ElectionInfo, districts: Sequence[District]
) -> ElectionInfo:
    """Define districts, or add precincts to defined ones. A precinct already counted is
    not moved into a district that a contest uses."""
    if not districts:
        return election
    precincts = {
        str(code)
        for code in await models.Commission.filter(
            election_id=election.id, kind="precinct"
        ).values_list("code", flat=True)
    }
    for district in districts:
        unknown = sorted(district.precincts - precincts)
        if unknown:
            raise StructureError(f"district {district.code}: no precinct {unknown[0]!r}")
    try:
        merged = merge_districts(election.districts, districts)
    except ContestError as exc:
        raise StructureError(str(exc)) from None
    known = election.districts
    fresh = {
        d.code: attrs.evolve(d, precincts=d.precincts - known[d.code].precincts)
        if d.code in known
        else d
        for d in districts
    }
    users = [c for c in election.contests if c.district in fresh]
    if users:
        await _refuse_counted(election, users, fresh)
    payload = {"election": election.code, "districts": [d.to_json() for d in districts]}
    try:
        validate_districts(payload)
    except ValueError as exc:
        raise StructureError(str(exc)) from None
    async with ledger.transaction():
        row = await models.Election.select_for_update().get(id=election.id)
        await ledger.append(election.scope, DISTRICTS_DEFINED, payload)
        row.districts = json.dumps([d.to_json() for d in merged.values()], ensure_ascii=False)
        await row.save(update_fields=["districts"])
    _forget(ledger, election.code)
    return election_info(row)


async def _refuse_counted(
    election: ElectionInfo, contests: Sequence[Contest], districts: Mapping[str, District]
) -> None:
    """``StructureError`` when a precinct with a protocol would get one of ``contests``."""
    counted = await models.Protocol.filter(election_id=election.id, current=True).values_list(
        "precinct_code", flat=True
    )
    if not counted:
        return
    commissions = await load_commissions(election)
    for precinct in counted:
        chain = tuple(ancestry(commissions, str(precinct)))
        reached = ballot(contests, districts, chain)
        if reached:
            raise StructureError(
                f"contest {reached[0].id} would reach precinct {precinct}, whose protocol is "
                "already counted without it"
            )


async def precinct_ballot(election: ElectionInfo, precinct: str) -> tuple[Contest, ...]:
    """The contests on ``precinct``'s ballot, reading its ancestors from the database."""
    chain: list[str] = []
    code = precinct
    while code and code not in chain:
        row = await models.Commission.get_or_none(election_id=election.id, code=code)
        if row is None:
            break
        chain.append(code)
        code = row.parent_code
    return election.ballot(chain)


async def add_commissions(
    ledger: Ledger, election: ElectionInfo, commissions: Sequence[Mapping[str, str]]
) -> int:
    """Define commissions (parents before children, in the given order)."""
    items = [
        {"code": c["code"], "name": c["name"], "kind": c["kind"], "parent": c.get("parent", "")}
        for c in commissions
    ]
    existing = {
        code: kind
        for code, kind in await models.Commission.filter(election_id=election.id).values_list(
            "code", "kind"
        )
    }
    known = dict(existing)
    for item in items:
        if item["code"] in known:
            raise StructureError(f"commission {item['code']} is defined twice")
        if item["kind"] not in KINDS:
            raise StructureError(f"commission {item['code']}: kind must be one of {KINDS}")
        if item["kind"] == "central":
            if any(kind == "central" for kind in known.values()):
                raise StructureError("an election has one central commission")
        elif known.get(item["parent"]) in (None, "precinct"):
            raise StructureError(
                f"commission {item['code']}: parent {item['parent']!r} is not a defined "
                "non-precinct commission (define parents first)"
            )
        known[item["code"]] = item["kind"]
    for start in range(0, len(items), BATCH):
        try:
            validate_commissions(
                {"election": election.code, "commissions": _rows(items[start : start + BATCH])}
            )
        except ValueError as exc:
            raise StructureError(str(exc)) from None
    async with ledger.transaction():
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            await ledger.append(
                election.scope,
                COMMISSIONS_DEFINED,
                {"election": election.code, "commissions": _rows(batch)},
            )
            await models.Commission.bulk_create(
                [
                    models.Commission(
                        election_id=election.id,
                        code=i["code"],
                        name=i["name"],
                        kind=i["kind"],
                        parent_code=i["parent"],
                    )
                    for i in batch
                ]
            )
    _forget(ledger, election.code)
    return len(items)


def _forget(ledger: Ledger, code: str) -> None:
    from urna_elections.cache import forget  # the cache reads this module's tables

    forget(ledger, code)


def _rows(items: Sequence[Mapping[str, str]]) -> list[list[str]]:
    return [[i["code"], i["name"], i["kind"], i["parent"]] for i in items]


@attrs.frozen(slots=True)
class NewMember:
    commission: str
    name: str
    role: str
    key: str
    decisive: bool = True
    keystore: str | None = attrs.field(default=None, repr=False)


async def add_members(ledger: Ledger, election: ElectionInfo, members: Sequence[NewMember]) -> int:
    """Register members and their public keys (each key validated: no weak keys)."""
    commissions: set[str] = {
        str(code)
        for code in await models.Commission.filter(election_id=election.id).values_list(
            "code", flat=True
        )
    }
    taken: set[str] = {
        str(key)
        for key in await models.Member.filter(election_id=election.id).values_list("key", flat=True)
    }
    for member in members:
        if member.commission not in commissions:
            raise StructureError(f"member {member.name}: no commission {member.commission!r}")
        if member.role not in ROLES:
            raise StructureError(f"member {member.name}: role must be one of {ROLES}")
        try:
            verify_key_from_hex(member.key)
        except KeyRejectedError as exc:
            raise StructureError(f"member {member.name}: key rejected: {exc}") from None
        if member.key in taken:
            raise StructureError(
                f"member {member.name}: key {member.key[:16]}... is already registered"
            )
        taken.add(member.key)
    entries = [
        {
            "commission": m.commission,
            "name": m.name,
            "role": m.role,
            "decisive": m.decisive and m.role != "advisory",
            "key": m.key,
        }
        for m in members
    ]
    async with ledger.transaction():
        for start in range(0, len(entries), BATCH):
            batch = entries[start : start + BATCH]
            await ledger.append(
                election.scope, MEMBERS_REGISTERED, {"election": election.code, "members": batch}
            )
        await models.Member.bulk_create(
            [
                models.Member(
                    election_id=election.id,
                    commission_code=m.commission,
                    name=m.name,
                    role=m.role,
                    decisive=m.decisive and m.role != "advisory",
                    key=m.key,
                    keystore=m.keystore,
                )
                for m in members
            ]
        )
    _forget(ledger, election.code)
    return len(members)


async def import_structure(
    ledger: Ledger,
    document: Mapping[str, Any],
    profiles: Mapping[str, Profile],
    directory: Path | None = None,
) -> ElectionInfo:
    """Create an election from a structure document, all or nothing.

    ``{"election": {code, title, date, candidates: [{id, name, party?}] or contests: [...],
    kind?, profile?}, "commissions": [{code, name, kind, parent}], "districts": [{code, name,
    type, precincts}], "members": [{commission, name, role, key, decisive?}]}``
    (commissions parents first). Any problem raises ``StructureError``
    naming it, and nothing is stored: the election, its commissions and its members
    are written in one transaction.
    """
    if not isinstance(document, Mapping):
        raise StructureError("a structure document is a JSON object")
    unknown = sorted(set(document) - {"election", "commissions", "districts", "members"})
    if unknown:
        raise StructureError(f"structure document has unexpected fields {unknown}")
    spec = document.get("election")
    if not isinstance(spec, Mapping):
        raise StructureError("structure document lacks its 'election' object")
    missing = [f for f in ("code", "title", "date") if f not in spec]
    if ("candidates" in spec) == ("contests" in spec):
        missing.append("either candidates or contests")
    if missing:
        raise StructureError(f"election lacks {', '.join(missing)}")
    try:  # a profile's name, its document inline, or {"path": file beside the structure's}
        profile = resolve_profile(spec.get("profile", DEFAULT_PROFILE), profiles, directory)
    except ProfileError as exc:
        raise StructureError(f"election profile: {exc}") from None
    commissions = _objects(document.get("commissions", []), "commissions")
    members = []
    for number, m in enumerate(_objects(document.get("members", []), "members"), start=1):
        lacking = [f for f in ("commission", "name", "role", "key") if f not in m]
        if lacking:
            raise StructureError(f"member {number} lacks {', '.join(lacking)}")
        members.append(
            NewMember(
                str(m["commission"]),
                str(m["name"]),
                str(m["role"]),
                str(m["key"]),
                bool(m.get("decisive", True)),
            )
        )
    for number, c in enumerate(commissions, start=1):
        lacking = [f for f in ("code", "name", "kind") if f not in c]
        if lacking:
            raise StructureError(f"commission {number} lacks {', '.join(lacking)}")
    candidates = _objects(spec.get("candidates", []), "candidates")
    for number, c in enumerate(candidates, start=1):
        if "id" not in c or "name" not in c:
            raise StructureError(f"candidate {number} needs an id and a name")
    try:
        contests = contests_from_json(spec.get("contests", []))
        districts = [
            district_from_json(d) for d in _objects(document.get("districts", []), "districts")
        ]
    except ContestError as exc:
        raise StructureError(str(exc)) from None
    async with ledger.transaction():
        election = await create_election(
            ledger,
            code=str(spec["code"]),
            title=str(spec["title"]),
            kind=str(spec.get("kind", "general")),
            date=str(spec["date"]),
            profile=profile,
            contests=contests,
            candidates=candidates,
        )
        if commissions:
            await add_commissions(ledger, election, commissions)
        if districts:
            election = await add_districts(ledger, election, districts)
        units = {*(c["code"] for c in commissions), *election.districts}
        for contest in election.contests:
            if contest.district and contest.district not in units:
                raise StructureError(
                    f"contest {contest.id}: district {contest.district!r} is neither a "
                    "commission nor a district"
                )
        if members:
            await add_members(ledger, election, members)
    return election


def _objects(value: Any, what: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise StructureError(f"{what} must be a list of objects")
    return value


def structure_document(
    text: str, commissions_csv: str | None = None, members_csv: str | None = None
) -> dict[str, Any]:
    """The structure document from its JSON text, with the commissions and/or members
    taken from CSV files instead when given (see :func:`read_commissions_csv`,
    :func:`read_members_csv`)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StructureError(f"structure file is not JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(document, dict):
        raise StructureError("a structure document is a JSON object")
    if commissions_csv is not None:
        document["commissions"] = read_commissions_csv(commissions_csv)
    if members_csv is not None:
        document["members"] = [
            {
                "commission": m.commission,
                "name": m.name,
                "role": m.role,
                "key": m.key,
                "decisive": m.decisive,
            }
            for m in read_members_csv(members_csv)
        ]
    return document


def read_commissions_csv(text: str) -> list[dict[str, str]]:
    """Commissions from CSV with a header ``code,name,kind,parent`` (parents first)."""
    rows = _csv_rows(text, "commissions", ("code", "name", "kind", "parent"), ("parent",))
    return [
        {"code": r["code"], "name": r["name"], "kind": r["kind"], "parent": r["parent"]}
        for _, r in rows
    ]


def read_members_csv(text: str) -> list[NewMember]:
    """Members from CSV with a header ``commission,name,role,key`` and optionally
    ``decisive`` (yes/no, default yes)."""
    rows = _csv_rows(
        text, "members", ("commission", "name", "role", "key", "decisive"), ("decisive",)
    )
    result = []
    for number, r in rows:
        decisive = (r["decisive"] or "yes").lower()
        if decisive not in ("yes", "no", "true", "false", "1", "0"):
            raise StructureError(f"members CSV line {number}: decisive must be yes or no")
        result.append(
            NewMember(r["commission"], r["name"], r["role"], r["key"].lower(), decisive in _YES)
        )
    return result


_YES = ("yes", "true", "1")


def _csv_rows(
    text: str, what: str, columns: tuple[str, ...], optional: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    """(line number, stripped cells) of each row; a missing column or cell is named."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or ()]
    required = [c for c in columns if c not in optional]
    if not set(required) <= set(header):
        lacking = ", ".join(c for c in required if c not in header)
        raise StructureError(
            f"{what} CSV needs the columns {', '.join(required)} (lacks {lacking})"
        )
    reader.fieldnames = header
    rows = []
    for r in reader:
        number = reader.line_num
        cells = {c: (r.get(c) or "").strip() for c in columns}
        empty = [c for c in required if not cells[c]]
        if empty:
            raise StructureError(f"{what} CSV line {number}: {', '.join(empty)} is empty")
        rows.append((number, cells))
    return rows


async def load_commissions(election: ElectionInfo) -> dict[str, Commission]:
    """Code -> commission, for the whole hierarchy."""
    rows = await models.Commission.filter(election_id=election.id).values_list(
        "code", "name", "kind", "parent_code"
    )
    return {code: Commission(code, name, kind, parent) for code, name, kind, parent in rows}
