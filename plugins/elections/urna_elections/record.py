"""The elections plugin's record: event types, their validators, and the verifier's checks.

Pure code (``urna.record``, ``urna.verify``, ``urna.crypto`` only): it runs on
the appliance before every append and on an observer's machine inside
``urna verify``. The record is self-describing: the election's profile (its
lines, ratios and quorum) is written into ``elections.election_defined``, so
the checks below apply the law that was in force without any plugin code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
from urna.crypto.errors import KeyRejectedError
from urna.crypto.signing import verify_key_from_hex
from urna.record.event_types import EventType, require_fields
from urna.verify import CheckContext, Failure, RecordView, VerifierCheck

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
from urna_elections.hierarchy import UNIT_CODE, Commission, aggregate, ancestry, sum_counts
from urna_elections.law import HOUR, Profile, ProfileError
from urna_elections.protocol import CODE, HEX64, ProtocolError, check_document, protocol_digest
from urna_elections.signatures import Signer, check_signature_entries, signature_problems

ELECTION_DEFINED = "elections.election_defined"
COMMISSIONS_DEFINED = "elections.commissions_defined"
MEMBERS_REGISTERED = "elections.members_registered"
PROTOCOL_ACCEPTED = "elections.protocol_accepted"
PROTOCOLS_IMPORTED = "elections.protocols_imported"
SUMMARY_IMPORTED = "elections.summary_imported"
TURNOUT_REPORTED = "elections.turnout_reported"
RESULTS_STATUS = "elections.results_status"
CONTESTS_DEFINED = "elections.contests_defined"
DISTRICTS_DEFINED = "elections.districts_defined"

KINDS = ("central", "region", "constituency", "territorial", "abroad", "precinct")
ROLES = ("chair", "deputy", "secretary", "member", "advisory")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_BATCH = 10_000


def scope_of(election: str) -> str:
    """The ledger scope that holds one election's record."""
    return f"election.{election.lower()}"


def _text(value: Any, name: str, limit: int = 200) -> None:
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise ValueError(f"{name} must be 1..{limit} characters")


def _code(value: Any, name: str) -> None:
    if not isinstance(value, str) or not CODE.fullmatch(value):
        raise ValueError(f"{name} must match {CODE.pattern}")


def _unit(value: Any, name: str) -> None:
    if not isinstance(value, str) or not UNIT_CODE.fullmatch(value):
        raise ValueError(f"{name} must be 1..160 characters, no control characters or slashes")


def validate_election(payload: Mapping[str, Any]) -> None:
    """An election with its ``contests`` (since contests), or with ``candidates`` (before:
    one contest of them, ``election_contests``)."""
    base = {"election": str, "title": str, "kind": str, "date": str, "profile": dict}
    if "contests" in payload:
        require_fields(payload, {**base, "contests": list})
    else:
        require_fields(payload, {**base, "candidates": list})
    _code(payload["election"], "election code")
    _text(payload["title"], "election title")
    _text(payload["kind"], "election kind", 40)
    if not DATE.fullmatch(payload["date"]):
        raise ValueError("election date must be YYYY-MM-DD")
    try:
        Profile.from_json(payload["profile"])
    except ProfileError as exc:
        raise ValueError(str(exc)) from None
    if "contests" in payload:
        try:
            contests_from_json(payload["contests"])
        except ContestError as exc:
            raise ValueError(str(exc)) from None
        return
    candidates = payload["candidates"]
    if not 0 < len(candidates) <= 200:
        raise ValueError("an election has 1..200 candidates")
    for candidate in candidates:
        if not isinstance(candidate, dict):
            raise ValueError("each candidate must be an object")
        require_fields(candidate, {"id": str, "name": str, "party": str})
        _code(candidate["id"], "candidate id")
        _text(candidate["name"], "candidate name")
        if len(candidate["party"]) > 200:
            raise ValueError("candidate party must be at most 200 characters")
    if len({c["id"] for c in candidates}) != len(candidates):
        raise ValueError("candidate ids must be unique")


def election_contests(payload: Mapping[str, Any]) -> tuple[Contest, ...]:
    """The contests an ``elections.election_defined`` payload defines."""
    if "contests" in payload:
        return contests_from_json(payload["contests"])
    return (implied_contest(payload["election"], payload["title"], payload["candidates"]),)


def validate_contests(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"election": str, "contests": list})
    _code(payload["election"], "election code")
    if not payload["contests"]:
        raise ValueError("a batch defines at least one contest")
    try:
        contests_from_json(payload["contests"])
    except ContestError as exc:
        raise ValueError(str(exc)) from None


def validate_districts(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"election": str, "districts": list})
    _code(payload["election"], "election code")
    if not 0 < len(payload["districts"]) <= MAX_BATCH:
        raise ValueError(f"a batch defines 1..{MAX_BATCH} districts")
    try:
        for item in payload["districts"]:
            district_from_json(item)
    except ContestError as exc:
        raise ValueError(str(exc)) from None


def commission_entries(payload: Mapping[str, Any]) -> list[dict[str, str]]:
    """The commissions of a batch, stored compactly as rows ``[code, name, kind, parent]``."""
    result = []
    for row in payload["commissions"]:
        if not isinstance(row, list) or len(row) != 4 or not all(isinstance(v, str) for v in row):
            raise ValueError("each commission is a row [code, name, kind, parent] of strings")
        result.append({"code": row[0], "name": row[1], "kind": row[2], "parent": row[3]})
    return result


def validate_commissions(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"election": str, "commissions": list})
    _code(payload["election"], "election code")
    if not 0 < len(payload["commissions"]) <= MAX_BATCH:
        raise ValueError(f"a batch defines 1..{MAX_BATCH} commissions")
    for item in commission_entries(payload):
        _unit(item["code"], "commission code")
        _text(item["name"], f"commission {item['code']} name")
        if item["kind"] not in KINDS:
            raise ValueError(f"commission {item['code']}: kind must be one of {KINDS}")
        if item["kind"] == "central" and item["parent"] != "":
            raise ValueError("the central commission has no parent")
        if item["kind"] != "central":
            _unit(item["parent"], f"commission {item['code']} parent")


def validate_members(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"election": str, "members": list})
    _code(payload["election"], "election code")
    if not 0 < len(payload["members"]) <= MAX_BATCH:
        raise ValueError(f"a batch registers 1..{MAX_BATCH} members")
    for item in payload["members"]:
        if not isinstance(item, dict):
            raise ValueError("each member must be an object")
        require_fields(
            item, {"commission": str, "name": str, "role": str, "decisive": bool, "key": str}
        )
        _unit(item["commission"], "member commission")
        _text(item["name"], "member name")
        if item["role"] not in ROLES:
            raise ValueError(f"member role must be one of {ROLES}")
        try:
            verify_key_from_hex(item["key"])
        except KeyRejectedError as exc:
            raise ValueError(f"member key of {item['name']} rejected: {exc}") from None


def _check_signed_protocol(entry: Any) -> None:
    if not isinstance(entry, dict):
        raise ValueError("a signed protocol must be an object")
    require_fields(entry, {"protocol": dict, "digest": str, "signatures": list, "dissents": list})
    try:
        check_document(entry["protocol"])
        check_signature_entries(entry["signatures"], entry["dissents"])
    except ProtocolError as exc:
        raise ValueError(str(exc)) from None
    if not HEX64.fullmatch(entry["digest"]):
        raise ValueError("protocol digest must be 64 lowercase hex digits")


def validate_protocol_accepted(payload: Mapping[str, Any]) -> None:
    require_fields(
        payload,
        {"protocol": dict, "digest": str, "signatures": list, "dissents": list, "via": str},
    )
    if payload["via"] not in ("entry", "api", "package"):
        raise ValueError("via must be entry, api or package")
    _check_signed_protocol({k: v for k, v in payload.items() if k != "via"})


def imported_documents(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The protocol documents of an import batch, rebuilt from its compact rows.

    A batch stores ``lines`` and ``candidates`` (the column order) once and a row
    ``[precinct, line values..., candidate votes...]`` per protocol: the same
    data as full documents at a third of the size and of the encoding time. A
    ``null`` vote is a selection not on that precinct's ballot (its contest is
    not in the protocol).
    """
    lines, candidates = payload["lines"], payload["candidates"]
    width = 1 + len(lines) + len(candidates)
    documents = []
    for row in payload["rows"]:
        if not isinstance(row, list) or len(row) != width:
            raise ValueError(f"each imported row has {width} fields: precinct, lines, votes")
        documents.append(
            {
                "election": payload["election"],
                "precinct": row[0],
                "profile": payload["profile"],
                "lines": dict(zip(lines, row[1 : 1 + len(lines)], strict=True)),
                "votes": {
                    c: v
                    for c, v in zip(candidates, row[1 + len(lines) :], strict=True)
                    if v is not None
                },
                "completed_at": "",
                "supersedes": "",
                "reason": "",
            }
        )
    return documents


def validate_protocols_imported(payload: Mapping[str, Any]) -> None:
    require_fields(
        payload,
        {
            "election": str,
            "profile": str,
            "source": dict,
            "lines": list,
            "candidates": list,
            "rows": list,
        },
    )
    _code(payload["election"], "election code")
    require_fields(payload["source"], {"name": str, "blake2b": str, "mapping": dict, "part": int})
    if not HEX64.fullmatch(payload["source"]["blake2b"]):
        raise ValueError("source blake2b must be 64 lowercase hex digits")
    if not 0 < len(payload["rows"]) <= MAX_BATCH:
        raise ValueError(f"a batch imports 1..{MAX_BATCH} protocols")
    for key in ("lines", "candidates"):
        names = payload[key]
        if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ValueError(f"{key} must be distinct names")
    width = 1 + len(payload["lines"]) + len(payload["candidates"])
    for row in payload["rows"]:
        if not isinstance(row, list) or len(row) != width:
            raise ValueError(f"each imported row has {width} fields: precinct, lines, votes")
        _unit(row[0], "imported precinct")
        lines = len(payload["lines"])
        for number, value in enumerate(row[1:]):
            if value is None and number >= lines:
                continue  # a selection not on this precinct's ballot
            if type(value) is not int or not 0 <= value <= 10**9:
                raise ValueError(f"imported protocol {row[0]}: values must be integers 0..10^9")


def validate_summary(payload: Mapping[str, Any]) -> None:
    require_fields(
        payload,
        {
            "election": str,
            "commission": str,
            "package": str,
            "sender": str,
            "protocols": list,
            "totals": dict,
        },
    )
    _unit(payload["commission"], "summary commission")
    if not HEX64.fullmatch(payload["package"]):
        raise ValueError("package digest must be 64 lowercase hex digits")
    try:
        verify_key_from_hex(payload["sender"])
    except KeyRejectedError as exc:
        raise ValueError(f"sender key rejected: {exc}") from None
    if len(payload["protocols"]) > MAX_BATCH:
        raise ValueError(f"a summary carries at most {MAX_BATCH} protocols")
    for entry in payload["protocols"]:
        _check_signed_protocol(entry)
    require_fields(payload["totals"], {"lines": dict, "votes": dict, "received": int})


def validate_turnout(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"election": str, "reports": list})
    if not 0 < len(payload["reports"]) <= MAX_BATCH:
        raise ValueError(f"a batch holds 1..{MAX_BATCH} turnout reports")
    for item in payload["reports"]:
        if not isinstance(item, dict):
            raise ValueError("each turnout report must be an object")
        require_fields(item, {"precinct": str, "hour": str, "voters": int})
        _unit(item["precinct"], "turnout precinct")
        if not HOUR.fullmatch(item["hour"]):
            raise ValueError("turnout hour must be HH:MM")
        if not 0 <= item["voters"] <= 10**9:
            raise ValueError("turnout voters must be 0..10^9")


def validate_status(payload: Mapping[str, Any]) -> None:
    """``missing`` and ``reason`` come together, when precincts were missing (a record
    written before they existed has neither)."""
    fields: dict[str, type] = {"election": str, "status": str, "aggregates": dict}
    if "missing" in payload or "reason" in payload:
        fields |= {"missing": list, "reason": str}
    require_fields(payload, fields)
    if payload["status"] != "official":
        raise ValueError("the only status change is to official")
    if "missing" in payload:
        if not payload["missing"] or not payload["reason"].strip():
            raise ValueError("missing precincts are named with a reason, both not empty")
        for code in payload["missing"]:
            if not isinstance(code, str):
                raise ValueError("each missing precinct is a code")
            _unit(code, "missing precinct")
    for code, total in payload["aggregates"].items():
        _unit(code, "aggregate commission")
        if not isinstance(total, dict):
            raise ValueError("each aggregate must be an object")
        require_fields(total, {"lines": dict, "votes": dict, "received": int, "expected": int})


EVENT_TYPES = (
    EventType(
        ELECTION_DEFINED, "An election with its law profile and candidates.", validate_election
    ),
    EventType(
        CONTESTS_DEFINED,
        "Contests added to the election, each with its district and selections.",
        validate_contests,
    ),
    EventType(
        DISTRICTS_DEFINED,
        "Districts across the commission tree, or precincts added to them.",
        validate_districts,
    ),
    EventType(
        COMMISSIONS_DEFINED,
        "Commissions of the hierarchy, each under its parent.",
        validate_commissions,
    ),
    EventType(
        MEMBERS_REGISTERED,
        "Commission members with their roles and Ed25519 keys.",
        validate_members,
    ),
    EventType(
        PROTOCOL_ACCEPTED,
        "A precinct protocol signed by a quorum of its commission.",
        validate_protocol_accepted,
    ),
    EventType(
        PROTOCOLS_IMPORTED,
        "Protocols imported from a file (no member signatures).",
        validate_protocols_imported,
    ),
    EventType(
        SUMMARY_IMPORTED,
        "A lower commission's signed package of protocols and totals.",
        validate_summary,
    ),
    EventType(
        TURNOUT_REPORTED,
        "Turnout reported by precincts at one of the law's hours.",
        validate_turnout,
    ),
    EventType(
        RESULTS_STATUS,
        "Results marked official (then frozen), with the aggregates.",
        validate_status,
    ),
)


# --- replay: the record's meaning, applied in order ---------------------------------


@attrs.define
class CurrentProtocol:
    digest: str
    doc: dict[str, Any]
    where: str


@attrs.define
class Replay:
    """What the record establishes, and every failure found on the way, by check id."""

    election: str = ""
    profile: Profile | None = None
    contests: tuple[Contest, ...] = ()
    districts: dict[str, District] = attrs.Factory(dict)
    commissions: dict[str, Commission] = attrs.Factory(dict)
    signers: dict[str, Signer] = attrs.Factory(dict)
    decisive: dict[str, int] = attrs.Factory(dict)
    current: dict[str, CurrentProtocol] = attrs.Factory(dict)
    seen_digests: set[str] = attrs.Factory(set)
    official: bool = False
    failures: dict[str, list[Failure]] = attrs.Factory(dict)
    protocol_count: int = 0

    def fail(self, check: str, where: str, message: str) -> None:
        self.failures.setdefault(check, []).append(Failure(check, where, message))

    @property
    def candidates(self) -> tuple[str, ...]:
        """Every selection of every contest: the keys of ``votes``."""
        return selections_of(self.contests)

    def ballot(self, precinct: str) -> tuple[Contest, ...]:
        return ballot(self.contests, self.districts, tuple(ancestry(self.commissions, precinct)))

    def reaches_counted(self, contests: tuple[Contest, ...], districts: dict[str, District]) -> str:
        """A counted precinct that ``contests`` would now reach ("" when none)."""
        for precinct in self.current:
            chain = tuple(ancestry(self.commissions, precinct))
            if ballot(contests, districts, chain):
                return precinct
        return ""


STRUCTURE = "elections.structure"
SIGNATURES = "elections.signatures"
RATIOS = "elections.ratios"
SINGLE_COUNT = "elections.single-count"
CORRECTIONS = "elections.corrections"
AGGREGATES = "elections.aggregates"
FROZEN = "elections.frozen"

_cache: dict[int, tuple[RecordView, Replay]] = {}


def replay(record: RecordView) -> Replay:
    """Apply the record's elections events in order (memoised for the record being checked,
    so the seven checks replay it once)."""
    cached = _cache.get(id(record))
    if cached is not None and cached[0] is record:
        return cached[1]
    state = _replay(record)
    _cache.clear()
    _cache[id(record)] = (record, state)
    return state


def _replay(record: RecordView) -> Replay:
    state = Replay()
    for event in record.events:
        if not event.type.startswith("elections."):
            continue
        where = event.where
        payload = event.payload
        try:
            _apply(state, event.type, payload, where)
        except (KeyError, TypeError, ValueError) as exc:
            state.fail(STRUCTURE, where, f"event could not be applied: {exc}")
    return state


def _apply(state: Replay, kind: str, payload: Mapping[str, Any], where: str) -> None:
    if kind == ELECTION_DEFINED:
        if state.profile is not None:
            state.fail(STRUCTURE, where, "a second election is defined in the same scope")
            return
        state.election = payload["election"]
        state.profile = Profile.from_json(payload["profile"])
        state.contests = election_contests(payload)
        return
    if state.profile is None:
        state.fail(STRUCTURE, where, "event before the election is defined")
        return
    if payload.get("election", state.election) != state.election:
        state.fail(STRUCTURE, where, "event names another election")
        return
    if kind == CONTESTS_DEFINED:
        added = contests_from_json(payload["contests"], known=state.contests)
        reached = state.reaches_counted(added, state.districts)
        if reached:
            state.fail(STRUCTURE, where, f"a contest added after precinct {reached} was counted")
        state.contests = (*state.contests, *added)
    elif kind == DISTRICTS_DEFINED:
        districts = [district_from_json(item) for item in payload["districts"]]
        for district in districts:
            for precinct in sorted(district.precincts):
                found = state.commissions.get(precinct)
                if found is None or found.kind != "precinct":
                    state.fail(
                        STRUCTURE, where, f"district {district.code}: no precinct {precinct}"
                    )
        merged = merge_districts(state.districts, districts)
        fresh = {
            d.code: attrs.evolve(d, precincts=d.precincts - state.districts[d.code].precincts)
            if d.code in state.districts
            else d
            for d in districts
        }
        users = tuple(c for c in state.contests if c.district in fresh)
        reached = state.reaches_counted(users, fresh)
        if reached:
            state.fail(
                STRUCTURE,
                where,
                f"precinct {reached} was moved into a district after it was counted",
            )
        state.districts = merged
    elif kind == COMMISSIONS_DEFINED:
        for item in commission_entries(payload):
            code = item["code"]
            if code in state.commissions:
                state.fail(STRUCTURE, where, f"commission {code} is defined twice")
                continue
            if item["kind"] != "central" and item["parent"] not in state.commissions:
                state.fail(STRUCTURE, where, f"commission {code}: parent {item['parent']} unknown")
                continue
            if item["parent"] and state.commissions[item["parent"]].kind == "precinct":
                state.fail(STRUCTURE, where, f"commission {code}: a precinct has no children")
                continue
            state.commissions[code] = Commission(code, item["name"], item["kind"], item["parent"])
    elif kind == MEMBERS_REGISTERED:
        for item in payload["members"]:
            if item["commission"] not in state.commissions:
                state.fail(STRUCTURE, where, f"member of unknown commission {item['commission']}")
                continue
            if item["key"] in state.signers:
                state.fail(STRUCTURE, where, f"key {item['key'][:16]}... registered twice")
                continue
            decisive = item["decisive"] and item["role"] != "advisory"
            state.signers[item["key"]] = Signer(
                item["commission"], item["name"], item["role"], decisive
            )
            if decisive:
                state.decisive[item["commission"]] = state.decisive.get(item["commission"], 0) + 1
    elif kind == PROTOCOL_ACCEPTED:
        _accept(state, dict(payload), where, signed=True)
    elif kind == PROTOCOLS_IMPORTED:
        for doc in imported_documents(payload):
            _accept(
                state, {"protocol": doc, "digest": protocol_digest(doc).hex()}, where, signed=False
            )
    elif kind == SUMMARY_IMPORTED:
        commission = payload["commission"]
        if commission not in state.commissions:
            state.fail(STRUCTURE, where, f"summary of unknown commission {commission}")
            return
        counted = []
        for entry in payload["protocols"]:
            doc = entry["protocol"]
            if commission not in ancestry(state.commissions, doc["precinct"]):
                state.fail(
                    STRUCTURE,
                    where,
                    f"summary of {commission} carries precinct {doc['precinct']} "
                    "that is not under it",
                )
                continue
            _accept(state, entry, where, signed=True)
            counted.append(doc)
        # Zero for every line and candidate, as the appliance writes a summary's totals
        # (one that carries no new protocol, too).
        summed = sum_counts(counted, state.profile.line_ids, state.candidates)
        totals = payload["totals"]
        if (
            totals["lines"] != summed["lines"]
            or totals["votes"] != summed["votes"]
            or totals["received"] != len(payload["protocols"])
        ):
            state.fail(
                AGGREGATES, where, f"the summary of {commission} does not add up to its protocols"
            )
    elif kind == TURNOUT_REPORTED:
        for item in payload["reports"]:
            commission = state.commissions.get(item["precinct"])
            if commission is None or commission.kind != "precinct":
                state.fail(STRUCTURE, where, f"turnout of unknown precinct {item['precinct']}")
            elif item["hour"] not in state.profile.turnout_hours:
                state.fail(
                    STRUCTURE, where, f"turnout at {item['hour']}, not one of the law's hours"
                )
    elif kind == RESULTS_STATUS:
        expected = aggregate(
            state.commissions,
            (protocol.doc for protocol in state.current.values()),
            state.profile.line_ids,
            state.candidates,
        )
        given = payload["aggregates"]
        if set(given) != set(expected):
            state.fail(AGGREGATES, where, "the official aggregates do not cover every commission")
        for code in sorted(set(given) & set(expected)):
            if given[code] != expected[code]:
                state.fail(
                    AGGREGATES,
                    where,
                    f"the aggregate of {code} is not the sum of the protocols under it",
                )
        missing = sorted(
            code
            for code, commission in state.commissions.items()
            if commission.kind == "precinct" and code not in state.current
        )
        if payload.get("missing", []) != missing:  # official means complete, or says why not
            state.fail(
                AGGREGATES,
                where,
                f"{len(missing)} precincts had no protocol; the official status names "
                f"{len(payload.get('missing', []))} as missing",
            )
        if state.official:
            state.fail(FROZEN, where, "results were already official")
        state.official = True


def _accept(state: Replay, entry: dict[str, Any], where: str, *, signed: bool) -> None:
    assert state.profile is not None
    doc = entry["protocol"]
    digest = entry["digest"]
    precinct = doc["precinct"]
    state.protocol_count += 1
    label = f"{where} precinct {precinct}"
    if state.official:
        state.fail(FROZEN, label, "a protocol was accepted after the results became official")
    commission = state.commissions.get(precinct)
    if commission is None or commission.kind != "precinct":
        state.fail(STRUCTURE, label, f"protocol of unknown precinct {precinct}")
        return
    if doc["election"] != state.election or doc["profile"] != state.profile.name:
        state.fail(STRUCTURE, label, "protocol of another election or profile")
    # (An imported protocol's digest was just computed from its document.)
    if signed and protocol_digest(doc).hex() != digest:
        state.fail(SIGNATURES, label, "the digest is not the digest of the protocol")
        return
    if digest in state.seen_digests:
        state.fail(SINGLE_COUNT, label, "the same protocol is counted twice")
        return
    state.seen_digests.add(digest)
    contests = state.ballot(precinct)
    if set(doc["lines"]) != set(state.profile.line_ids) or set(doc["votes"]) != set(
        selections_of(contests)
    ):
        state.fail(
            RATIOS, label, "the protocol's lines or votes are not the profile's and the ballot's"
        )
    else:
        for message in check_contests(state.profile, contests, doc["lines"], doc["votes"]):
            state.fail(RATIOS, label, message)
    if signed:
        for problem in signature_problems(
            precinct,
            digest,
            entry["signatures"],
            entry["dissents"],
            state.signers,
            state.decisive.get(precinct, 0),
            state.profile,
        ):
            state.fail(SIGNATURES, label, problem)
    previous = state.current.get(precinct)
    if doc["supersedes"]:
        if previous is None or previous.digest != doc["supersedes"]:
            state.fail(
                CORRECTIONS,
                label,
                "the repeat protocol does not supersede the precinct's current protocol",
            )
    elif previous is not None:
        state.fail(SINGLE_COUNT, label, f"a second protocol for {precinct} that supersedes nothing")
    state.current[precinct] = CurrentProtocol(digest, doc, where)


def _check(check_id: str) -> Any:
    def run(record: RecordView, _: CheckContext) -> Iterator[Failure]:
        yield from replay(record).failures.get(check_id, [])

    return run


def _make_check(check_id: str, title: str, doc: str) -> VerifierCheck:
    function = _check(check_id)
    function.__doc__ = doc
    return VerifierCheck(check_id, title, function, applies_to=("elections.",))


VERIFIER_CHECKS = (
    _make_check(
        STRUCTURE,
        "Election structure",
        "Commissions form one tree under the election; members, protocols and turnout "
        "name defined commissions; no key is registered twice.",
    ),
    _make_check(
        SIGNATURES,
        "Protocol signatures",
        "Every signed protocol is signed by a quorum of its own commission's "
        "registered members with a decisive vote, and every dissent verifies.",
    ),
    _make_check(
        RATIOS,
        "Control ratios",
        "Every protocol has exactly the profile's lines and the candidates, and every "
        "control ratio of the profile in force holds.",
    ),
    _make_check(
        SINGLE_COUNT,
        "No precinct counted twice",
        "No protocol is counted twice and a precinct has one current protocol.",
    ),
    _make_check(
        CORRECTIONS,
        "Corrections chained",
        "Every repeat protocol supersedes the precinct's current protocol, with a reason.",
    ),
    _make_check(
        AGGREGATES,
        "Aggregates add up",
        "Every official aggregate and every imported summary equals the sum of the "
        "protocols under it.",
    ),
    _make_check(
        FROZEN,
        "Official results frozen",
        "Nothing is counted after the results are marked official.",
    ),
)
