"""HTTP routes of the ballot box and its guardians, under ``/-/elections/``.

Thin: each handler reads a strict JSON body, calls :class:`BallotBox`, and
answers a refusal as ``{"error", "check", "where"}`` with the refusal's
status (nothing stored, nothing appended). Every write needs an
``Idempotency-Key``, so a device that lost an answer can ask again and get
the same receipt. Permissions (``docs/verifier.md``, ``docs/security.md``):
``core.election.manage`` (role ``election-admin``), ``core.election.guard``
(``election-guardian``), ``core.ballot.cast`` (``ballot-device``); reading an
election's public state (and the relayed share ciphertexts) needs none.

A device posts ballots only in its own confirmation-code chain: a ballot's
``device_id`` must be the posting account's user name (its API token's
user), else ``403 ballot.device`` and nothing is appended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json

from urna.contributions import Route
from urna.record.event import SCOPE_PATTERN
from urna.shell.auth.principal import Principal
from urna.shell.ballot_box import BallotBox, BallotBoxError, PreparedBallot, ballot_box_for
from urna.shell.http import ApiError, field, json_body, scope_name
from urna.shell.permissions import CAST_BALLOTS, GUARD_ELECTIONS, MANAGE_ELECTIONS
from urna.shell.services import services_of


def _box(request: Request) -> BallotBox:
    return ballot_box_for(services_of(request).ledger)


async def _answer(call: Awaitable[Any], status: int, shape: Callable[[Any], Any]) -> HTTPResponse:
    try:
        value = await call
    except BallotBoxError as exc:
        return json(exc.to_json(), status=exc.status)
    return json(shape(value), status=status)


def _device(request: Request) -> str:
    """The posting device: the authenticated account's user name (the guard let it in)."""
    principal: Principal = request.ctx.principal
    return principal.username


def _event(event: Any) -> dict[str, Any]:
    return {"scope": event.scope, "seq": event.seq, "type": event.type}


async def create_election(request: Request) -> HTTPResponse:
    """Create a secret-ballot election in an unused scope: parameters and manifest."""
    body = json_body(request)
    scope = field(body, "scope", str, max_length=100)
    if not SCOPE_PATTERN.fullmatch(scope):
        raise ApiError(422, f"field 'scope' must match {SCOPE_PATTERN.pattern}")
    return await _answer(_box(request).create_election(scope, body.get("parameters")), 201, _event)


async def election(request: Request, scope: str) -> HTTPResponse:
    """An election's public state: stage, key, counts, tally and result."""
    return await _answer(_box(request).status(scope_name(scope)), 200, lambda s: s)


async def add_guardian(request: Request, scope: str) -> HTTPResponse:
    """A guardian's public key material (commitments, proofs, Box and Ed25519 keys)."""
    body = json_body(request)
    return await _answer(
        _box(request).add_guardian(scope_name(scope), body.get("guardian")), 201, _event
    )


async def confirm(request: Request, scope: str) -> HTTPResponse:
    """A guardian's Ed25519 signature over the election base hash."""
    body = json_body(request)
    guardian_id = field(body, "guardian_id", int)
    signature = field(body, "signature", str, max_length=128)
    try:
        raw = bytes.fromhex(signature)
    except ValueError:
        raise ApiError(422, "field 'signature' must be hex") from None
    return await _answer(_box(request).confirm(scope_name(scope), guardian_id, raw), 201, _event)


async def key_shares(request: Request, scope: str) -> HTTPResponse:
    """The relayed share ciphertexts; ``?recipient=<id>`` for one guardian's inbox."""
    raw = request.args.get("recipient")
    recipient = None
    if raw is not None:
        if not raw.isdigit() or len(raw) > 10:
            raise ApiError(422, "query 'recipient' must be a guardian id")
        recipient = int(raw)
    return await _answer(
        _box(request).key_shares(scope_name(scope), recipient), 200, lambda s: {"shares": s}
    )


async def relay_share(request: Request, scope: str) -> HTTPResponse:
    """Relay a guardian's share for another guardian (the body is the ``EncryptedShare``:
    encrypted to the recipient, signed by the sender)."""
    body = json_body(request)
    return await _answer(_box(request).relay_share(scope_name(scope), body), 201, _event)


async def complain(request: Request, scope: str) -> HTTPResponse:
    """A recipient's complaint against a relayed share (the body is the ``Complaint``
    with its evidence); recorded only when the evidence holds."""
    body = json_body(request)
    return await _answer(_box(request).complain(scope_name(scope), body), 201, _event)


async def reveal_share(request: Request, scope: str) -> HTTPResponse:
    """A sender's public answer to a sender-must-reveal complaint: the disputed share."""
    body = json_body(request)
    sender = field(body, "sender", int)
    recipient = field(body, "recipient", int)
    value = field(body, "value", str, max_length=64)
    return await _answer(
        _box(request).reveal_share(scope_name(scope), sender, recipient, value), 201, _event
    )


async def register_credential(request: Request, scope: str) -> HTTPResponse:
    """Register a voter's or voting device's ballot credential (Ed25519 key)."""
    body = json_body(request)
    key = field(body, "key", str, max_length=64)
    name = field(body, "name", str, max_length=200)
    return await _answer(
        _box(request).register_credential(scope_name(scope), key, name), 201, _event
    )


async def open_election(request: Request, scope: str) -> HTTPResponse:
    """Open voting once every guardian has confirmed; credentials are then fixed."""
    return await _answer(_box(request).open(scope_name(scope)), 200, _event)


async def prepare_cast(request: Request, scope: str) -> PreparedBallot[None] | BallotBoxError:
    """Decode the ballot and check its signature and proofs before the write's transaction
    opens (``Route.prepare``); a refusal is answered by the handler."""
    try:
        return await _box(request).prepare_cast(
            scope_name(scope), json_body(request), device=_device(request)
        )
    except BallotBoxError as exc:
        return exc


async def cast(request: Request, scope: str) -> HTTPResponse:
    """Cast a signed ballot (the body is the ``SignedBallot``); answers the receipt."""
    return await _answer(
        _after_prepare(request, _box(request).cast_prepared), 201, lambda r: r.to_json()
    )


async def prepare_challenge(
    request: Request, scope: str
) -> PreparedBallot[dict[str, tuple[str, ...]]] | BallotBoxError:
    """:func:`prepare_cast` for a challenge."""
    body = json_body(request)
    try:
        return await _box(request).prepare_challenge(
            scope_name(scope), body.get("ballot"), body.get("reveal"), device=_device(request)
        )
    except BallotBoxError as exc:
        return exc


async def challenge(request: Request, scope: str) -> HTTPResponse:
    """Challenge (spoil) a signed ballot with its revealed votes and nonces."""
    return await _answer(
        _after_prepare(request, _box(request).challenge_prepared),
        201,
        lambda choices: {"choices": {c: list(o) for c, o in choices.items()}},
    )


async def _after_prepare(request: Request, act: Callable[[Any], Awaitable[Any]]) -> Any:
    """``act`` on the prepare step's ballot, or its refusal raised for :func:`_answer`."""
    prepared = request.ctx.prepared
    if isinstance(prepared, BallotBoxError):
        raise prepared
    return await act(prepared)


async def tally(request: Request, scope: str) -> HTTPResponse:
    """Close voting and record the encrypted tally of the cast ballots."""
    return await _answer(_box(request).tally(scope_name(scope)), 201, lambda t: t.to_json())


async def submit_share(request: Request, scope: str) -> HTTPResponse:
    """A guardian's partial decryption of the tally, every entry with its proof."""
    body = json_body(request)
    return await _answer(_box(request).submit_share(scope_name(scope), body), 201, _event)


async def publish_result(request: Request, scope: str) -> HTTPResponse:
    """Combine the recorded shares (at least the quorum) and publish the result."""
    return await _answer(
        _box(request).publish_result(scope_name(scope)), 201, lambda r: r.to_json()
    )


_E = "/elections/<scope>"

ELECTION_ROUTES: tuple[Route, ...] = (
    Route(
        "/elections",
        create_election,
        ("POST",),
        MANAGE_ELECTIONS,
        idempotent=True,
        summary="Create an election",
    ),
    Route(_E, election, summary="An election's public state"),
    Route(
        f"{_E}/guardians",
        add_guardian,
        ("POST",),
        GUARD_ELECTIONS,
        idempotent=True,
        summary="Submit a guardian's public key material",
    ),
    Route(
        f"{_E}/confirmations",
        confirm,
        ("POST",),
        GUARD_ELECTIONS,
        idempotent=True,
        summary="Confirm the election key as a guardian",
    ),
    Route(f"{_E}/key-shares.json", key_shares, summary="Relayed share ciphertexts"),
    Route(
        f"{_E}/key-shares",
        relay_share,
        ("POST",),
        GUARD_ELECTIONS,
        idempotent=True,
        summary="Relay a guardian's encrypted share",
    ),
    Route(
        f"{_E}/complaints",
        complain,
        ("POST",),
        GUARD_ELECTIONS,
        idempotent=True,
        summary="Complain against a relayed share, with evidence",
    ),
    Route(
        f"{_E}/reveals",
        reveal_share,
        ("POST",),
        GUARD_ELECTIONS,
        idempotent=True,
        summary="Reveal a disputed share",
    ),
    Route(
        f"{_E}/credentials",
        register_credential,
        ("POST",),
        MANAGE_ELECTIONS,
        idempotent=True,
        summary="Register a ballot credential",
    ),
    Route(
        f"{_E}/open",
        open_election,
        ("POST",),
        MANAGE_ELECTIONS,
        idempotent=True,
        summary="Open voting",
    ),
    Route(
        f"{_E}/ballots",
        cast,
        ("POST",),
        CAST_BALLOTS,
        idempotent=True,
        summary="Cast a signed ballot",
        prepare=prepare_cast,
    ),
    Route(
        f"{_E}/challenges",
        challenge,
        ("POST",),
        CAST_BALLOTS,
        idempotent=True,
        summary="Challenge a ballot (Benaloh)",
        prepare=prepare_challenge,
    ),
    Route(
        f"{_E}/tally",
        tally,
        ("POST",),
        MANAGE_ELECTIONS,
        idempotent=True,
        summary="Close voting and tally",
    ),
    Route(
        f"{_E}/shares",
        submit_share,
        ("POST",),
        GUARD_ELECTIONS,
        idempotent=True,
        summary="Submit a partial decryption",
    ),
    Route(
        f"{_E}/result",
        publish_result,
        ("POST",),
        MANAGE_ELECTIONS,
        idempotent=True,
        summary="Combine shares and publish the result",
    ),
)
