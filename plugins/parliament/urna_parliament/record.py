"""The plugin's ledger event types and the statements members sign: pure code.

A plenary sitting is one ledger scope, ``parliament-sitting-<n>``; the roster
imports live in ``parliament-roster``. Payload validators check shape only
(fields, types, ranges); :mod:`urna_parliament.sitting` replays a scope and
checks that each event is allowed where it stands. Both run before an append
and again in the observer's ``urna verify``.

A member signs, with the Ed25519 key registered for them, the statement of
each registration, vote and correction they make at their seat:
``b"urna.parliament.statement.v1\\x00"`` followed by the RFC 8785 bytes of
``{"kind", "scope", ...}`` (see :func:`statement`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from urna.crypto.errors import KeyRejectedError, SignatureError
from urna.crypto.signing import verify_key_from_hex
from urna.record.canonical import canonical_bytes
from urna.record.event_types import EventType, require_fields

ROSTER_SCOPE = "parliament-roster"
SITTING_SCOPE_PREFIX = "parliament-sitting-"
MEMBER_ROLE = "parliament.member"
STATEMENT_LABEL = b"urna.parliament.statement.v1\x00"

CHOICES = ("for", "against", "abstain")
MODES = ("named", "totals", "secret")
KINDS = ("draft", "resolution", "other")
READINGS = ("", "I", "II", "III")
MEMBER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
CARD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
HEX128 = re.compile(r"^[0-9a-f]{128}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
MAX_SEATS = 1000
MAX_TEXT = 500
MAX_NUMBER = 1_000_000
ROSTER_TYPES: Mapping[str, type] = MappingProxyType(
    {
        "member": str,
        "name": str,
        "district": str,
        "faction": str,
        "seat": int,
        "card": str,
        "key": str,
    }
)
"""A roster entry's fields and their JSON types, in the order of the roster CSV's columns."""
ROSTER_FIELDS = tuple(ROSTER_TYPES)
"""A roster entry's fields, in the order of the roster CSV's columns."""


def sitting_scope(sitting: int) -> str:
    return f"{SITTING_SCOPE_PREFIX}{sitting}"


def statement(kind: str, scope: str, **fields: Any) -> bytes:
    """The bytes a member signs for one act at their seat."""
    body: bytes = canonical_bytes({"kind": kind, "scope": scope, **fields})
    return STATEMENT_LABEL + body


SIGNED_FIELDS: dict[str, tuple[str, ...]] = {
    "register": ("round", "member", "seat", "card"),
    "vote": ("vote", "member", "seat", "card", "choice"),
    "correction": ("vote", "member", "seat", "card", "choice", "corrects"),
}
"""The payload fields each kind of statement binds (a ballot's: ``secret.ballot_statement``)."""


def signed_statement(kind: str, scope: str, payload: Mapping[str, Any]) -> bytes:
    """The statement of a registration, vote or correction, from its event's payload.

    The hall signs it and the replay verifies it: one definition keeps the two
    byte for byte the same.
    """
    return statement(kind, scope, **{name: payload[name] for name in SIGNED_FIELDS[kind]})


def verify_member_signature(key_hex: str, message: bytes, sig_hex: str) -> None:
    """Raise ``ValueError`` unless ``sig_hex`` is the member's signature of ``message``."""
    try:
        verify_key_from_hex(key_hex).verify_hex(message, sig_hex)
    except (KeyRejectedError, SignatureError) as exc:
        raise ValueError(f"member signature does not verify: {exc}") from None


# -- shape checks -------------------------------------------------------------------------


def text(value: Any, name: str, *, empty: bool = False, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > limit or (not empty and not value.strip()):
        raise ValueError(f"{name} must be {'0' if empty else '1'}..{limit} characters")
    if any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise ValueError(f"{name} must not contain control characters")
    return value


def number(value: Any, name: str, low: int = 1, high: int = MAX_NUMBER) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer {low}..{high}")
    return value


def member_id(value: Any, name: str = "member") -> str:
    if not isinstance(value, str) or not MEMBER_ID.fullmatch(value):
        raise ValueError(f"{name} {value!r:.40} must match {MEMBER_ID.pattern}")
    return value


def card_id(value: Any) -> str:
    if not isinstance(value, str) or not CARD_ID.fullmatch(value):
        raise ValueError(f"card {value!r:.40} must match {CARD_ID.pattern}")
    return value


def seat_number(value: Any) -> int:
    return number(value, "seat", 1, MAX_SEATS)


def one_of(value: Any, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(repr(a) for a in allowed)}")
    return str(value)


def hex_field(value: Any, pattern: re.Pattern[str], name: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{name} must be lowercase hex of the right length")
    return value


def validate_member_entry(entry: Any) -> None:
    if not isinstance(entry, Mapping):
        raise ValueError("each member must be an object")
    require_fields(entry, ROSTER_TYPES)
    member_id(entry["member"])
    text(entry["name"], "member name", limit=200)
    text(entry["district"], "district", empty=True, limit=200)
    text(entry["faction"], "faction", empty=True, limit=200)
    seat_number(entry["seat"])
    card_id(entry["card"])
    try:
        verify_key_from_hex(entry["key"])
    except KeyRejectedError as exc:
        raise ValueError(f"member {entry['member']}: key rejected: {exc}") from None


def validate_roster(members: Any) -> None:
    if not isinstance(members, list) or not members:
        raise ValueError("members must be a non-empty list")
    for entry in members:
        validate_member_entry(entry)
    for field in ("member", "seat", "card", "key"):
        values = [entry[field] for entry in members]
        if len(set(values)) != len(values):
            duplicate = next(v for v in values if values.count(v) > 1)
            raise ValueError(f"two members share the {field} {duplicate!r}")


def validate_seating(
    members: list[dict[str, Any]], membership: int, seats: int, vacant: Any
) -> None:
    """Every mandate is a member in a seat of the plan or a vacant seat, never both."""
    if not isinstance(vacant, list) or len(set(vacant)) != len(vacant):
        raise ValueError("vacant must be a list of distinct seat numbers")
    for seat in vacant:
        number(seat, "vacant seat", 1, seats)
    for entry in members:
        if entry["seat"] > seats:
            raise ValueError(
                f"member {entry['member']}'s seat {entry['seat']} is not in the seat plan "
                f"1..{seats}"
            )
        if entry["seat"] in vacant:
            raise ValueError(
                f"member {entry['member']} sits in seat {entry['seat']}, which is marked vacant"
            )
    if len(members) + len(vacant) != membership:
        raise ValueError(
            f"{len(members)} members and {len(vacant)} vacant seats do not make the membership "
            f"of {membership}: list every member, or mark the seats of vacant mandates vacant"
        )


def _roster_imported(p: Mapping[str, Any]) -> None:
    require_fields(p, {"convocation": str, "members": list})
    text(p["convocation"], "convocation", limit=100)
    validate_roster(p["members"])


def _sitting_opened(p: Mapping[str, Any]) -> None:
    require_fields(
        p,
        {
            "sitting": int,
            "protocol": str,
            "place": str,
            "date": str,
            "presiding": str,
            "convocation": str,
            "membership": int,
            "quorum": int,
            "seats": int,
            "vacant": list,
            "invited": list,
            "members": list,
        },
    )
    number(p["sitting"], "sitting")
    text(p["protocol"], "protocol number", limit=50)
    text(p["place"], "place", limit=200)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", p["date"]):
        raise ValueError("date must be YYYY-MM-DD")
    text(p["presiding"], "presiding officer", limit=200)
    text(p["convocation"], "convocation", limit=100)
    number(p["membership"], "membership", 1, MAX_SEATS)
    number(p["quorum"], "quorum", 1, p["membership"])
    number(p["seats"], "seats", p["membership"], MAX_SEATS)
    for guest in p["invited"]:
        text(guest, "invited participant", limit=200)
    validate_roster(p["members"])
    validate_seating(p["members"], p["membership"], p["seats"], p["vacant"])


def _sitting_closed(p: Mapping[str, Any]) -> None:
    require_fields(p, {"sitting": int})
    number(p["sitting"], "sitting")


def _card(p: Mapping[str, Any]) -> None:
    require_fields(p, {"seat": int, "card": str})
    seat_number(p["seat"])
    card_id(p["card"])


def _registration_opened(p: Mapping[str, Any]) -> None:
    require_fields(p, {"round": int})
    number(p["round"], "round")


def _seated_member(p: Mapping[str, Any]) -> None:
    """Who acted, at which seat, with which card: every signed act at a seat names all three."""
    member_id(p["member"])
    seat_number(p["seat"])
    card_id(p["card"])


def _member_registered(p: Mapping[str, Any]) -> None:
    require_fields(p, {"round": int, "member": str, "seat": int, "card": str, "sig": str})
    number(p["round"], "round")
    _seated_member(p)
    hex_field(p["sig"], HEX128, "sig")


def _registration_closed(p: Mapping[str, Any]) -> None:
    require_fields(p, {"round": int, "present": list, "quorum_reached": bool})
    number(p["round"], "round")
    for member in p["present"]:
        member_id(member)


def _item_added(p: Mapping[str, Any]) -> None:
    require_fields(
        p,
        {
            "item": int,
            "kind": str,
            "title": str,
            "draft_number": str,
            "reading": str,
            "rule": str,
            "documents": list,
        },
    )
    number(p["item"], "item", 1, 1000)
    one_of(p["kind"], KINDS, "kind")
    text(p["title"], "title")
    text(p["draft_number"], "draft_number", empty=True, limit=50)
    one_of(p["reading"], READINGS, "reading")
    if p["kind"] == "draft" and not (p["draft_number"] and p["reading"]):
        raise ValueError("a draft needs its registration number and reading (I, II, III)")
    text(p["rule"], "rule", limit=64)
    for document in p["documents"]:
        if not isinstance(document, Mapping):
            raise ValueError("each document must be an object")
        require_fields(document, {"title": str, "href": str})
        text(document["title"], "document title", limit=200)
        text(document["href"], "document href", limit=500)


def _item_taken_up(p: Mapping[str, Any]) -> None:
    require_fields(p, {"item": int})
    number(p["item"], "item", 1, 1000)


def _floor_requested(p: Mapping[str, Any]) -> None:
    require_fields(p, {"item": int, "member": str, "seat": int})
    number(p["item"], "item", 1, 1000)
    member_id(p["member"])
    seat_number(p["seat"])


def _speakers_ordered(p: Mapping[str, Any]) -> None:
    require_fields(p, {"item": int, "order": list})
    number(p["item"], "item", 1, 1000)
    for member in p["order"]:
        member_id(member, "speaker")
    if len(set(p["order"])) != len(p["order"]):
        raise ValueError("a speaker appears twice in the order")


def _speech_started(p: Mapping[str, Any]) -> None:
    require_fields(p, {"item": int, "speech": int, "speaker": str, "limit_seconds": int})
    number(p["item"], "item", 1, 1000)
    number(p["speech"], "speech")
    text(p["speaker"], "speaker", limit=200)
    number(p["limit_seconds"], "limit_seconds", 0, 24 * 3600)


def _speech_ended(p: Mapping[str, Any]) -> None:
    require_fields(p, {"speech": int, "audio": str, "video": str, "transcript": str})
    number(p["speech"], "speech")
    for name in ("audio", "video", "transcript"):
        text(p[name], name, empty=True, limit=500)


def _vote_opened(p: Mapping[str, Any]) -> None:
    from urna_parliament.majority import MajorityRule, RuleError

    require_fields(
        p,
        {
            "vote": int,
            "item": int,
            "mode": str,
            "question": str,
            "rule": dict,
            "present": list,
            "quorum": int,
            "membership": int,
            "in_office": int,
            "repeats": (int, type(None)),
            "reason": str,
            "election": (dict, type(None)),
        },
    )
    number(p["vote"], "vote")
    number(p["item"], "item", 1, 1000)
    one_of(p["mode"], MODES, "mode")
    text(p["question"], "question")
    try:
        MajorityRule.from_json(p["rule"])
    except RuleError as exc:
        raise ValueError(str(exc)) from None
    for member in p["present"]:
        member_id(member)
    number(p["quorum"], "quorum", 1, MAX_SEATS)
    number(p["membership"], "membership", 1, MAX_SEATS)
    number(p["in_office"], "in_office", 1, p["membership"])
    if p["repeats"] is not None:
        number(p["repeats"], "repeats")
        text(p["reason"], "reason for the repeat vote")
    if (p["mode"] == "secret") != (p["election"] is not None):
        raise ValueError("a secret vote, and only a secret vote, carries its election")
    if p["election"] is not None:
        require_fields(p["election"], {"scope": str, "election_hash": str})
        hex_field(p["election"]["election_hash"], HEX64, "election_hash")


def _vote_cast(p: Mapping[str, Any]) -> None:
    require_fields(
        p, {"vote": int, "member": str, "seat": int, "card": str, "choice": str, "sig": str}
    )
    number(p["vote"], "vote")
    _seated_member(p)
    one_of(p["choice"], CHOICES, "choice")
    hex_field(p["sig"], HEX128, "sig")


def _correction_allowed(p: Mapping[str, Any]) -> None:
    require_fields(p, {"vote": int, "member": str, "reason": str})
    number(p["vote"], "vote")
    member_id(p["member"])
    text(p["reason"], "reason")


def _vote_corrected(p: Mapping[str, Any]) -> None:
    require_fields(
        p,
        {
            "vote": int,
            "member": str,
            "seat": int,
            "card": str,
            "choice": str,
            "corrects": int,
            "reason": str,
            "sig": str,
        },
    )
    number(p["vote"], "vote")
    _seated_member(p)
    one_of(p["choice"], CHOICES, "choice")
    number(p["corrects"], "corrects", 1, 2**53 - 1)
    text(p["reason"], "reason")
    hex_field(p["sig"], HEX128, "sig")


def _ballot_cast(p: Mapping[str, Any]) -> None:
    require_fields(
        p,
        {
            "vote": int,
            "member": str,
            "seat": int,
            "card": str,
            "ballot_id": str,
            "confirmation_code": str,
            "sig": str,
        },
    )
    number(p["vote"], "vote")
    _seated_member(p)
    hex_field(p["ballot_id"], HEX32, "ballot_id")
    hex_field(p["confirmation_code"], HEX64, "confirmation_code")
    hex_field(p["sig"], HEX128, "sig")


def _secret_vote_prepared(p: Mapping[str, Any]) -> None:
    require_fields(p, {"ballot_scope": str, "commission": list, "quorum": int})
    text(p["ballot_scope"], "ballot_scope", limit=100)
    if not p["commission"] or len(set(p["commission"])) != len(p["commission"]):
        raise ValueError("the commission must list distinct members")
    for member in p["commission"]:
        member_id(member, "commission member")
    number(p["quorum"], "quorum", 1, len(p["commission"]))


def _vote_closed(p: Mapping[str, Any]) -> None:
    require_fields(
        p,
        {
            "vote": int,
            "for": int,
            "against": int,
            "abstain": int,
            "not_voting": int,
            "absent": int,
            "vacant": int,
            "threshold": int,
            "outcome": str,
            "tally": (dict, type(None)),
        },
    )
    number(p["vote"], "vote")
    for name in ("for", "against", "abstain", "not_voting", "absent", "vacant"):
        number(p[name], name, 0, MAX_SEATS)
    number(p["threshold"], "threshold", 0, MAX_SEATS * 2)
    one_of(p["outcome"], ("adopted", "rejected"), "outcome")
    if p["tally"] is not None:
        require_fields(p["tally"], {"scope": str, "result": dict})


def _type(name: str, description: str, validate: Callable[[Mapping[str, Any]], None]) -> EventType:
    return EventType(f"parliament.{name}", description, validate)


EVENT_TYPES: tuple[EventType, ...] = (
    _type("roster_imported", "A convocation's members, seats, cards and keys.", _roster_imported),
    _type(
        "sitting_opened",
        "A plenary sitting opened: roster, seat plan, vacant seats, quorum.",
        _sitting_opened,
    ),
    _type("sitting_closed", "The sitting closed.", _sitting_closed),
    _type("card_inserted", "A member's ID card was inserted at a seat.", _card),
    _type("card_removed", "An ID card was taken out of a seat.", _card),
    _type("registration_opened", "A registration round started.", _registration_opened),
    _type(
        "member_registered",
        "A member registered at their seat, signed by them.",
        _member_registered,
    ),
    _type(
        "registration_closed",
        "A registration round ended with those present.",
        _registration_closed,
    ),
    _type(
        "item_added", "An agenda item: draft (number, reading), resolution or other.", _item_added
    ),
    _type("item_taken_up", "The sitting turned to an agenda item.", _item_taken_up),
    _type("floor_requested", "A member asked to speak from their seat.", _floor_requested),
    _type(
        "speakers_ordered", "The presiding officer set the order of speakers.", _speakers_ordered
    ),
    _type("speech_started", "A speech began, with its time limit.", _speech_started),
    _type(
        "speech_ended", "A speech ended; links to its audio, video and transcript.", _speech_ended
    ),
    _type(
        "vote_opened",
        "A vote opened: mode, question, majority rule, members present.",
        _vote_opened,
    ),
    _type("vote_cast", "A member's vote from their seat, signed by them.", _vote_cast),
    _type(
        "correction_allowed",
        "The presiding officer allowed a member to correct a vote.",
        _correction_allowed,
    ),
    _type(
        "vote_corrected",
        "A member corrected their vote, chained to what it corrects.",
        _vote_corrected,
    ),
    _type(
        "secret_vote_prepared",
        "A secret vote's election in the ballot box, with its counting commission.",
        _secret_vote_prepared,
    ),
    _type(
        "ballot_cast",
        "A member cast a secret ballot at their seat (its id and code), signed by them.",
        _ballot_cast,
    ),
    _type("vote_closed", "A vote closed with its figures and outcome.", _vote_closed),
)
