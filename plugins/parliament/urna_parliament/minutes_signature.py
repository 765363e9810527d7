"""The presiding officer's signature of a closed sitting's minutes: pure code.

The minutes are a function of the sitting's record up to ``parliament.sitting_closed``
(``minutes.protocol``), and the ledger chains every event to the one before. So the
presiding officer signs the hash of the last event of the closed record: that binds the
minutes in every form and language, and everything they were made from. The event
``parliament.minutes_signed`` follows the close, names the member who presides (by the
sitting's header: their roster name), the hash (``record``, which must be the event's own
``prev``) and the signature by that member's card key of
``b"urna.parliament.minutes.v1\\x00"`` + RFC 8785 ``{"kind": "minutes", "scope",
"member", "record"}``. ``urna verify`` re-checks it (:data:`MINUTES_CHECK`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from urna.record.canonical import canonical_bytes
from urna.record.event_types import EventType, require_fields
from urna.verify import CheckContext, Failure, RecordView, VerifierCheck

from urna_parliament.archive_record import DIGEST
from urna_parliament.record import (
    HEX128,
    SITTING_SCOPE_PREFIX,
    hex_field,
    member_id,
    verify_member_signature,
)
from urna_parliament.sitting import SittingState, replay

MINUTES_LABEL = b"urna.parliament.minutes.v1\x00"
CHECK_MINUTES = "parliament.minutes-signature"


def minutes_statement(scope: str, member: str, record: str) -> bytes:
    """The bytes the presiding officer signs for the minutes of ``scope``."""
    body: bytes = canonical_bytes(
        {"kind": "minutes", "scope": scope, "member": member, "record": record}
    )
    return MINUTES_LABEL + body


def signature_problem(state: SittingState, payload: Mapping[str, Any], prev: str) -> str | None:
    """Why ``payload`` is not the presiding officer's signature of ``state``'s closed record
    whose last event hash is ``prev``; ``None`` when it is."""
    if not state.closed:
        return "the minutes are signed after the sitting closes"
    member = state.members.get(payload["member"])
    presiding = state.header.get("presiding", "")
    if member is None:
        return f"{payload['member']} is not on the sitting's roster"
    if member.name != presiding:
        return f"{payload['member']} ({member.name}) is not the presiding officer ({presiding})"
    if state.signers.get(member.member) != member.key:
        return f"{member.member}'s key is not registered as a signer"
    if payload["record"] != prev:
        return "the signature names another record than the one it follows"
    try:
        verify_member_signature(
            member.key,
            minutes_statement(state.scope, member.member, payload["record"]),
            payload["sig"],
        )
    except ValueError as exc:
        return f"the minutes' signature does not verify: {exc}"
    return None


def _check_minutes(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """The closed sitting's minutes carry the presiding officer's signature by their card key
    over the record they are made from."""
    if not record.scope.startswith(SITTING_SCOPE_PREFIX):
        return
    for index, event in enumerate(record.events):
        if event.type != "parliament.minutes_signed":
            continue
        state, _refused = replay(record.scope, record.events[:index])
        problem = signature_problem(state, event.payload, event.prev)
        if problem is not None:
            yield Failure(CHECK_MINUTES, event.where, problem)


def _minutes_signed(p: Mapping[str, Any]) -> None:
    require_fields(p, {"member": str, "record": str, "sig": str})
    member_id(p["member"])
    hex_field(p["record"], DIGEST, "record")
    hex_field(p["sig"], HEX128, "sig")


MINUTES_SIGNED = EventType(
    "parliament.minutes_signed",
    "The presiding officer's signature of the closed sitting's minutes (its record's hash).",
    _minutes_signed,
)
MINUTES_CHECK = VerifierCheck(
    CHECK_MINUTES,
    "Minutes signed by the presiding officer",
    _check_minutes,
    applies_to=("parliament.minutes_signed",),
)
