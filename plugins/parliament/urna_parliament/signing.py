"""Signing a closed sitting's minutes: the statement to sign, and recording the signature.

The presiding officer's card signs (as a member's card signs a vote): the appliance
holds no member's private key. ``GET .../minutes/statement.json`` gives the bytes to
sign; ``POST .../minutes/signature`` records the signature once it verifies
(``minutes_signature.py`` says what it binds).
"""

from __future__ import annotations

from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json
from urna.api import ApiError, Event, field, json_body, services_of

from urna_parliament.hall import Hall, HallError, hall_of
from urna_parliament.minutes_signature import minutes_statement, signature_problem
from urna_parliament.record import sitting_scope
from urna_parliament.sitting import SittingState


async def statement_to_sign(hall: Hall, sitting: int) -> dict[str, Any]:
    """The presiding member, the record's last hash and the statement their card signs."""
    state = await hall.state(sitting)
    if not state.closed:
        raise HallError("close the sitting before signing its minutes")
    if state.minutes_signed:
        raise HallError("the minutes are already signed")
    member = presiding_member(state)
    head = await hall.ledger.head(state.scope)
    assert head is not None  # a closed sitting has events
    return {
        "scope": state.scope,
        "member": member,
        "record": head[1],
        "statement": minutes_statement(state.scope, member, head[1]).hex(),
    }


def presiding_member(state: SittingState) -> str:
    """The roster member whose name is the sitting's presiding officer."""
    presiding = state.header.get("presiding", "")
    for member in state.members.values():
        if member.name == presiding:
            return member.member
    raise HallError(
        f"the presiding officer {presiding!r} is not on the sitting's roster: the minutes are "
        "signed with a member's card key",
        422,
    )


async def sign_minutes(hall: Hall, sitting: int, member: str, record: str, sig: str) -> Event:
    """Record the presiding officer's signature of the closed sitting's minutes."""
    state = await hall.state(sitting)
    if state.minutes_signed:
        raise HallError("the minutes are already signed")
    head = await hall.ledger.head(sitting_scope(sitting))
    payload = {"member": member, "record": record, "sig": sig}
    problem = signature_problem(state, payload, head[1] if head else "")
    if problem is not None:
        raise HallError(problem, 422)
    return await hall.sign_minutes(sitting, payload)


async def minutes_statement_json(request: Request, sitting: int) -> HTTPResponse:
    """What the presiding officer's card signs for the closed sitting's minutes."""
    try:
        return json(await statement_to_sign(hall_of(services_of(request)), sitting))
    except HallError as exc:
        raise ApiError(exc.status, exc.message) from None


async def post_minutes_signature(request: Request, sitting: int) -> HTTPResponse:
    """Record the minutes' signature: ``{"member", "record", "sig"}`` (hex)."""
    body = json_body(request)
    try:
        event = await sign_minutes(
            hall_of(services_of(request)),
            sitting,
            field(body, "member", str, max_length=32),
            field(body, "record", str, max_length=64),
            field(body, "sig", str, max_length=128),
        )
    except HallError as exc:
        raise ApiError(exc.status, exc.message) from None
    return json({"seq": event.seq}, status=201)
