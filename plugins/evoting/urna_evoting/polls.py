"""Polling day on the ballot box: check-in, booth sessions, sealing, casting, challenging.

Every refusal raises :class:`PollError` (a ``check`` name, a status, a message
for people) before anything is written; a write that reaches the ballot box
runs in one ledger unit with the rows it implies (``Ledger.run``), so the
event and the session's new state commit together or not at all.

The booth is a ballot-marking device that encrypts on the appliance: the
voter's choices reach the appliance from the booth page, are encrypted there
under the joint key with the session's credential, and the sealed ballot's
confirmation code is shown *before* the voter decides to cast or challenge
(Benaloh). The nonces live only in the session row between sealing and that
decision; casting erases them, challenging publishes them.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from urna.api import ApiError, BallotBox, BallotBoxError, Services, ballot_box_for
from urna.crypto.ballot import SignedBallot, challenge_ballot, encrypt_ballot, sign_ballot
from urna.crypto.election import Election as CryptoElection

from urna_evoting.credentials import credential_key, credential_name
from urna_evoting.models import BoothSession, Election, TrackedBallot, Voter


class PollError(ApiError):
    """A polling-day step was refused; nothing was stored. Where a page does not answer
    it itself, the core answers it like any API error (a page or JSON, never a 500)."""

    def __init__(self, check: str, message: str, status: int = 409) -> None:
        super().__init__(status, message)
        self.check = check

    def to_json(self) -> dict[str, str]:
        return {"error": f"[{self.check}] {self.message}", "check": self.check}


def box_of(services: Services) -> BallotBox:
    return ballot_box_for(services.ledger)


async def current_election() -> Election:
    """The election this appliance runs: the newest one."""
    election = await Election.all().order_by("-id").first()
    if election is None:
        raise PollError("election.none", "no election is set up on this appliance", 404)
    return election


async def status(services: Services, election: Election) -> dict[str, Any]:
    try:
        return await box_of(services).status(election.scope)
    except BallotBoxError as exc:
        raise PollError(exc.check, str(exc), exc.status) from None


async def counts(services: Services, election: Election) -> dict[str, int]:
    """What a poll worker may see: how many checked in, cast, challenged; never a choice."""
    state = await status(services, election)
    return {
        "voters": await Voter.filter(election=election.id).count(),
        "checked_in": await Voter.filter(
            election=election.id, checked_in_at__not_isnull=True
        ).count(),
        "cast": state["cast"],
        "challenged": state["challenged"],
    }


def _boxed(exc: BallotBoxError) -> PollError:
    return PollError(exc.check, str(exc), exc.status)


async def open_polls(services: Services, election: Election) -> int:
    """Register one anonymous credential per voter on the list and open voting."""
    box = box_of(services)
    voters = await Voter.filter(election=election.id).count()
    if voters == 0:
        raise PollError("voters.none", "the voter list is empty: import it first")
    state = await status(services, election)
    if state["status"] != "keyed":
        raise PollError("polls.state", f"the polls cannot open: the election is {state['status']}")
    missing = sorted(set(state["guardians"]) - set(state["confirmed"]))
    if missing or state["ceremony"]["ceremony_hash"] is None:
        raise PollError(
            "ceremony.incomplete", f"the key ceremony is not complete (guardians {missing})"
        )

    async def unit() -> int:
        for index in range(state["credentials"] + 1, voters + 1):
            key = credential_key(election.credential_seed, index).verify_key.hex()
            await box.register_credential(election.scope, key, credential_name(index))
        await box.open(election.scope)
        return voters

    try:
        return await services.ledger.run(unit)
    except BallotBoxError as exc:
        raise _boxed(exc) from None


async def close_polls(services: Services, election: Election) -> None:
    """Close voting: the ballot box sums the cast ballots (``core.tally_computed``)."""
    state = await status(services, election)
    if state["status"] != "open":
        raise PollError("polls.state", "the polls are not open")
    try:
        await box_of(services).tally(election.scope)
    except BallotBoxError as exc:
        raise _boxed(exc) from None


async def _require_open(services: Services, election: Election) -> None:
    if (await status(services, election))["status"] != "open":
        raise PollError("polls.closed", "the polls are not open")


async def check_in(services: Services, election: Election, voter_id: str) -> Voter:
    """Mark a voter on the list as here (once)."""
    await _require_open(services, election)
    voter = await Voter.get_or_none(election=election.id, voter_id=voter_id)
    if voter is None:
        raise PollError("voter.unknown", f"no voter {voter_id!r} on the list", 404)
    if voter.checked_in_at is not None:
        raise PollError("voter.checked-in", f"voter {voter_id!r} has already checked in")
    updated = await services.ledger.run(
        lambda: Voter.filter(id=voter.id, checked_in_at__isnull=True).update(
            checked_in_at=datetime.datetime.now(datetime.UTC)
        )
    )
    if not updated:
        raise PollError("voter.checked-in", f"voter {voter_id!r} has already checked in")
    return voter


async def activate(
    services: Services, election: Election, voter_id: str, booth: str | None
) -> str | None:
    """Give a checked-in voter one session: at a free booth, or (``booth`` None) behind a
    one-time access code the voter types at any free booth; answer that code. The session
    takes the next unused credential and is not linked to the voter."""
    from urna_evoting.models import Booth

    await _require_open(services, election)
    if (
        booth is not None
        and await Booth.get_or_none(name=booth, token_hash__not_isnull=True) is None
    ):
        raise PollError("booth.unknown", f"no enrolled booth {booth!r}", 404)
    voter = await Voter.get_or_none(election=election.id, voter_id=voter_id)
    if voter is None or voter.checked_in_at is None:
        raise PollError("voter.not-checked-in", f"voter {voter_id!r} has not checked in")
    if voter.activated:
        raise PollError("voter.activated", f"voter {voter_id!r} already had a booth session")

    code = new_access_code() if booth is None else None

    async def unit() -> None:
        if (
            booth is not None
            and await BoothSession.filter(
                election=election.id, booth=booth, state="active"
            ).exists()
        ):
            raise PollError("booth.busy", f"booth {booth!r} is in use")
        if not await Voter.filter(id=voter.id, activated=False).update(activated=True):
            raise PollError("voter.activated", f"voter {voter_id!r} already had a booth session")
        index = await BoothSession.filter(election=election.id).count() + 1
        if code is None:
            await BoothSession.filter(election=election.id, booth=booth, state="cast").update(
                state="done"
            )
            await BoothSession.create(election=election.id, credential=index, booth=booth)
        else:
            await BoothSession.create(
                election=election.id,
                credential=index,
                booth="",
                state="code",
                access_hash=access_hash(code),
            )

    await services.ledger.run(unit)
    return code


ACCESS_DIGITS = 12
"""An access code: 12 digits (about 40 bits), typed on any keypad, guesses throttled."""


def new_access_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(ACCESS_DIGITS))


def access_hash(code: str) -> str:
    return hashlib.sha256(b"urna-evoting access\x00" + code.encode()).hexdigest()


class AccessCodeError(PollError):
    """A wrong or used access code (a guess, counted by the throttle)."""


async def take_access_code(
    services: Services, election: Election, booth: str, typed: str, client: str
) -> None:
    """Start the session behind ``typed`` at this booth (throttled per booth and client)."""
    from urna.api import guess_secret

    code = "".join(c for c in typed if c.isdigit())[:ACCESS_DIGITS]
    await _require_open(services, election)

    async def check() -> None:
        async def unit() -> None:
            if await BoothSession.filter(
                election=election.id, booth=booth, state="active"
            ).exists():
                raise PollError("booth.busy", f"booth {booth!r} is in use")
            taken = await BoothSession.filter(
                election=election.id, state="code", access_hash=access_hash(code)
            ).update(booth=booth, state="active", access_hash=None)
            if not taken:
                raise AccessCodeError("session.code", "this access code is wrong or used", 403)
            await BoothSession.filter(election=election.id, booth=booth, state="cast").update(
                state="done"
            )

        await services.ledger.run(unit)

    await guess_secret(
        [f"evoting.code:{booth}", f"evoting.code-from:{client}"], check, wrong=AccessCodeError
    )


async def session_of(election: Election, booth: str) -> BoothSession | None:
    """The booth's session in progress, or the last one whose receipt is on screen."""
    return (
        await BoothSession.filter(election=election.id, booth=booth, state__in=("active", "cast"))
        .order_by("-id")
        .first()
    )


def check_choices(election: CryptoElection, choices: Mapping[str, Sequence[str]]) -> None:
    """Refuse an over-vote, an unknown contest or option, or an option chosen twice."""
    contests = {c.contest_id: c for c in election.manifest.contests}
    for contest_id, chosen in choices.items():
        contest = contests.get(contest_id)
        if contest is None:
            raise PollError("ballot.contest", f"no contest {contest_id!r}", 422)
        if len(set(chosen)) != len(chosen) or set(chosen) - set(contest.options):
            raise PollError("ballot.option", f"contest {contest_id!r}: unknown option", 422)
        if len(chosen) > contest.limit:
            raise PollError(
                "ballot.overvote",
                f"contest {contest_id!r}: {len(chosen)} chosen, at most {contest.limit} allowed",
                422,
            )


async def _active(election: Election, booth: str, session_id: int) -> BoothSession:
    """The session the booth page posts for, if it is this booth's and still active."""
    session = await BoothSession.get_or_none(id=session_id, election=election.id)
    if session is None:
        raise PollError("session.none", "no booth session was activated for this ballot", 409)
    if session.booth != booth:
        raise PollError("session.booth", "this session belongs to another booth", 403)
    if session.state != "active":
        raise PollError("session.used", "this booth session has already cast its ballot", 409)
    return session


async def seal(
    services: Services,
    election: Election,
    booth: str,
    session_id: int,
    choices: Mapping[str, Sequence[str]],
) -> str:
    """Encrypt and sign the voter's choices for review; answer the confirmation code."""
    await _require_open(services, election)
    session = await _active(election, booth, session_id)
    box = box_of(services)
    crypto = await box.election(election.scope)
    check_choices(crypto, choices)
    key = credential_key(election.credential_seed, session.credential)
    previous = await box.device_code(election.scope, booth)
    ballot, secrets = encrypt_ballot(crypto, choices, booth, key.verify_key, previous, os.urandom)
    signed = sign_ballot(ballot, key)
    reveal = challenge_ballot(ballot, secrets).to_json()["reveal"]
    await services.ledger.run(
        lambda: BoothSession.filter(id=session.id, state="active").update(
            pending={"signed": signed.to_json(), "reveal": reveal}
        )
    )
    return ballot.confirmation_code().hex()


async def _sealed(
    election: Election, booth: str, session_id: int
) -> tuple[BoothSession, dict[str, Any]]:
    """The session's sealed ballot. Whether the polls are still open is the ballot box's
    to say, under its lock (``election.closed``)."""
    session = await _active(election, booth, session_id)
    if session.pending is None:
        raise PollError("session.unsealed", "no ballot is sealed for review at this booth", 409)
    return session, dict(session.pending)


async def cast(
    services: Services, election: Election, booth: str, session_id: int
) -> dict[str, Any]:
    """Cast the sealed ballot; the session is used up; answer the receipt.

    The ballot's signature and proofs are checked before the write (``prepare_cast``),
    so other booths' writes do not wait through them."""
    session, pending = await _sealed(election, booth, session_id)
    box = box_of(services)
    try:
        prepared = await box.prepare_cast(election.scope, pending["signed"], device=booth)
    except BallotBoxError as exc:
        raise _boxed(exc) from None

    async def unit() -> dict[str, Any]:
        # The session row is claimed first, so a second cast of it finds it used.
        claimed = await BoothSession.filter(id=session.id, state="active").update(
            state="cast", pending=None
        )
        if not claimed:
            raise PollError("session.used", "this booth session has already cast its ballot")
        receipt = await box.cast_prepared(prepared)
        position = await TrackedBallot.filter(
            election=election.id, position__not_isnull=True
        ).count()
        await TrackedBallot.create(
            election=election.id,
            code=receipt.confirmation_code,
            seq=receipt.seq,
            position=position + 1,
        )
        answer = {**receipt.to_json(), "position": position + 1, "booth": booth}
        await BoothSession.filter(id=session.id).update(receipt=answer)
        return answer

    try:
        return await services.ledger.run(unit)
    except BallotBoxError as exc:
        raise _boxed(exc) from None


async def challenge(
    services: Services, election: Election, booth: str, session_id: int
) -> dict[str, Any]:
    """Spoil the sealed ballot: publish its nonces; the voter starts again in the same
    session. Answer its code and decrypted choices."""
    session, pending = await _sealed(election, booth, session_id)
    box = box_of(services)
    code = SignedBallot.from_json(pending["signed"]).ballot.confirmation_code().hex()
    try:
        prepared = await box.prepare_challenge(
            election.scope, pending["signed"], pending["reveal"], device=booth
        )
    except BallotBoxError as exc:
        raise _boxed(exc) from None

    async def unit() -> dict[str, Any]:
        claimed = await BoothSession.filter(id=session.id, state="active").update(pending=None)
        if not claimed:
            raise PollError("session.used", "this booth session has already cast its ballot")
        choices = await box.challenge_prepared(prepared)
        head = await services.ledger.head(election.scope)
        await TrackedBallot.create(
            election=election.id,
            code=code,
            seq=head[0] if head else 0,
            choices={c: list(o) for c, o in choices.items()},
        )
        return {"confirmation_code": code, "choices": {c: list(o) for c, o in choices.items()}}

    try:
        return await services.ledger.run(unit)
    except BallotBoxError as exc:
        raise _boxed(exc) from None


async def finish(services: Services, election: Election, booth: str, session_id: int) -> None:
    """The voter has read the receipt: the booth waits for the next session."""
    await services.ledger.run(
        lambda: BoothSession.filter(
            id=session_id, election=election.id, booth=booth, state="cast"
        ).update(state="done")
    )


async def unseal(services: Services, election: Election, booth: str, session_id: int) -> None:
    """Throw the sealed ballot away unused: the voter goes back to change a choice."""
    session = await _active(election, booth, session_id)
    await services.ledger.run(
        lambda: BoothSession.filter(id=session.id, state="active").update(pending=None)
    )


async def note_printing(
    services: Services, session_id: int, job: str | None, configured: bool
) -> None:
    """Keep what became of the receipt's printing on the receipt the booth shows: CUPS's job
    id, or that it failed (the voter is told to ask a poll worker). Nothing to keep on an
    appliance without a printer."""
    if not configured:
        return
    session = await BoothSession.get(id=session_id)
    receipt = {**session.receipt, "print_job": job, "print_failed": configured and job is None}
    await services.ledger.run(lambda: BoothSession.filter(id=session_id).update(receipt=receipt))
