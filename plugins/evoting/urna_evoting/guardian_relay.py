"""The appliance's side of the guardians' work: their messages, checked and relayed.

A guardian's account (role ``evoting.guardian``) is bound to one guardian id
by the election file, so a guardian can only speak for itself: its key
material, the shares it sends, complaints about the shares it received, the
reveals answering complaints against it, its confirmation and its partial
decryption. The ballot box checks each message and records it in the ledger;
these routes add only the binding. A partial decryption the ballot box refuses
is kept (``DecryptionRefusal``) so that the results page names the guardian.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json
from urna.api import ApiError, BallotBoxError, Route, json_body, principal_of, services_of

from urna_evoting.models import DecryptionRefusal, Guardian
from urna_evoting.polls import PollError, box_of, current_election

GUARD = "evoting.guard"


async def _guardian(request: Request) -> tuple[Any, Guardian]:
    election = await current_election()
    username = principal_of(request).username
    guardian = await Guardian.get_or_none(election=election.id, username=username)
    if guardian is None:
        raise ApiError(403, f"user {username!r} is not a guardian of election {election.scope}")
    return election, guardian


def _field(body: dict[str, Any], name: str) -> Any:
    if name not in body:
        raise ApiError(422, f"field {name!r} is missing")
    return body[name]


def _mine(value: Any, field: str, guardian: Guardian) -> None:
    if not isinstance(value, dict) or value.get(field) != guardian.guardian_id:
        raise ApiError(403, f"{field} must be your own guardian id, {guardian.guardian_id}")


async def _answer(request: Request, work: Any) -> HTTPResponse:
    try:
        await services_of(request).ledger.run(work)
    except BallotBoxError as exc:
        return json(exc.to_json(), status=exc.status)
    except PollError as exc:
        return json(exc.to_json(), status=exc.status)
    return json({"ok": True}, status=201)


async def state(request: Request) -> HTTPResponse:
    """The election's public state and which guardian the caller is."""
    election, guardian = await _guardian(request)
    box = box_of(services_of(request))
    try:
        status = await box.status(election.scope)
        inbox = (
            await box.key_shares(election.scope, guardian.guardian_id)
            if status["election"] is not None
            else []
        )
    except BallotBoxError as exc:
        return json(exc.to_json(), status=exc.status)
    return json(
        {
            "scope": election.scope,
            "guardian_id": guardian.guardian_id,
            "status": status,
            "inbox": inbox,
        }
    )


async def post_key(request: Request) -> HTTPResponse:
    """The guardian's public key material (commitments, proofs, Box and signing keys)."""
    election, guardian = await _guardian(request)
    key = _field(json_body(request), "guardian")
    _mine(key, "guardian_id", guardian)
    box = box_of(services_of(request))
    return await _answer(request, lambda: box.add_guardian(election.scope, key))


async def post_shares(request: Request) -> HTTPResponse:
    """Every share the guardian sends, encrypted to its recipient and signed: all or none."""
    election, guardian = await _guardian(request)
    shares = _field(json_body(request), "shares")
    if not isinstance(shares, list) or not shares:
        raise ApiError(422, "field 'shares' must be a non-empty list")
    for share in shares:
        _mine(share, "sender", guardian)
    box = box_of(services_of(request))

    async def work() -> None:
        for share in shares:
            await box.relay_share(election.scope, share)

    return await _answer(request, work)


async def post_complaint(request: Request) -> HTTPResponse:
    """A complaint against a share this guardian received, with its evidence."""
    election, guardian = await _guardian(request)
    complaint = _field(json_body(request), "complaint")
    _mine(complaint, "recipient", guardian)
    box = box_of(services_of(request))
    return await _answer(request, lambda: box.complain(election.scope, complaint))


async def post_reveal(request: Request) -> HTTPResponse:
    """The share this guardian sent, published to answer a complaint against it."""
    election, guardian = await _guardian(request)
    body = json_body(request)
    recipient, value = _field(body, "recipient"), _field(body, "value")
    if not isinstance(recipient, int) or not isinstance(value, str) or len(value) > 64:
        raise ApiError(422, "recipient must be a guardian id and value a hex scalar")
    box = box_of(services_of(request))
    return await _answer(
        request,
        lambda: box.reveal_share(election.scope, guardian.guardian_id, recipient, value),
    )


async def post_confirmation(request: Request) -> HTTPResponse:
    """The guardian's signature over the ceremony hash H_C."""
    election, guardian = await _guardian(request)
    signature = _field(json_body(request), "signature")
    try:
        raw = bytes.fromhex(signature) if isinstance(signature, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != 64:
        raise ApiError(422, "field 'signature' must be 64 bytes in hex")
    box = box_of(services_of(request))
    return await _answer(request, lambda: box.confirm(election.scope, guardian.guardian_id, raw))


async def post_decryption(request: Request) -> HTTPResponse:
    """The guardian's partial decryption of the tally; a refused one is kept to name it."""
    election, guardian = await _guardian(request)
    share = _field(json_body(request), "share")
    _mine(share, "guardian_id", guardian)
    services = services_of(request)
    box = box_of(services)
    answer = await _answer(request, lambda: box.submit_share(election.scope, share))
    if answer.status == 422:
        refusal = jsonlib.loads(answer.body or b"{}")

        async def record() -> None:
            await DecryptionRefusal.create(
                election=election.id,
                guardian_id=guardian.guardian_id,
                check=str(refusal.get("check", ""))[:64],
                message=str(refusal.get("error", ""))[:500],
            )

        await services.ledger.run(record)
    return answer


_G = "/api/guardian"
ROUTES: tuple[Route, ...] = (
    Route(_G, state, permission=GUARD, summary="The election's state for a guardian"),
    Route(f"{_G}/key", post_key, ("POST",), GUARD, summary="A guardian's key material"),
    Route(f"{_G}/shares", post_shares, ("POST",), GUARD, summary="A guardian's shares"),
    Route(f"{_G}/complaints", post_complaint, ("POST",), GUARD, summary="A complaint"),
    Route(f"{_G}/reveals", post_reveal, ("POST",), GUARD, summary="A disputed share revealed"),
    Route(f"{_G}/confirmation", post_confirmation, ("POST",), GUARD, summary="Confirm H_C"),
    Route(f"{_G}/decryption", post_decryption, ("POST",), GUARD, summary="A partial decryption"),
)
