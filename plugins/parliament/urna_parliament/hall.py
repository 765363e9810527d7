"""The plenary hall: every act of a sitting, checked, signed into the record, projected.

:class:`Hall` is the one writer of the plugin's events. For each act it
replays the sitting (cached, brought up to date from the ledger), asks the
pure :class:`~urna_parliament.sitting.SittingState` whether the event may
follow, appends it together with its table rows in one transaction, then
wakes the hall display. A refused act raises :class:`HallError` naming the
problem, and nothing is stored or appended.

The hall runs in one process per chamber (an asyncio lock per sitting
serialises its acts); the unique keys of ``parliament_cast`` still make a
vote count once if a second process ever wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

import attrs
from tortoise.exceptions import IntegrityError
from urna.api import (
    BallotBox,
    BallotBoxError,
    Event,
    Ledger,
    LedgerError,
    Services,
    ballot_box_for,
)

from urna_parliament.config import ParliamentConfig
from urna_parliament.majority import MajorityRule, RuleError, index_rules
from urna_parliament.models import CastRecord, Member, SpeechRecord
from urna_parliament.models import Sitting as SittingRow
from urna_parliament.record import (
    CHOICES,
    EVENT_TYPES,
    MEMBER_ROLE,
    MODES,
    ROSTER_FIELDS,
    ROSTER_SCOPE,
    signed_statement,
    sitting_scope,
    validate_roster,
    validate_seating,
)
from urna_parliament.sitting import SittingState, Violation, VoteState, close_figures

KEYS = ("register", *CHOICES, "speak")
MAX_ROSTER_BYTES = 1_000_000


class HallError(ValueError):
    """An act the hall refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class _StaleError(Exception):
    """The cached replay is behind the ledger."""


class CardSigner(Protocol):
    """An ID card in a seat's reader that can sign for its member (see docs/devices.md)."""

    @property
    def card(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


class Hall:
    """The sittings of one appliance. Get it with :func:`hall_of`."""

    def __init__(
        self, ledger: Ledger, config: ParliamentConfig, rules: Mapping[str, MajorityRule]
    ) -> None:
        self.ledger = ledger
        self.config = config
        names = config.rule_set or tuple(rules)
        unknown = [name for name in names if name not in rules]
        if unknown:
            raise ValueError(
                f"[plugin.parliament] rule_set names unknown rules {', '.join(unknown)} "
                f"(known: {', '.join(sorted(rules))})"
            )
        self.rules = {name: rules[name] for name in names}
        """The rules this chamber's agenda items may name: its rule set, in that order."""
        if config.default_rule not in self.rules:
            raise ValueError(
                f"[plugin.parliament] default_rule {config.default_rule!r} is not in the "
                f"chamber's rules ({', '.join(self.rules)})"
            )
        self._states: dict[str, SittingState] = {}
        self._hashes: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._signers: dict[tuple[int, int], CardSigner] = {}
        self._version = 0
        self._changed = asyncio.Event()

    # -- state ----------------------------------------------------------------------------

    async def state(self, sitting: int) -> SittingState:
        """The sitting's replayed state (cached; rebuilt from the ledger when missing)."""
        scope = sitting_scope(sitting)
        state = self._states.get(scope)
        if state is None:
            state = await self._rebuild(scope)
        if state.seq < 0:
            raise HallError(f"there is no sitting {sitting}", 404)
        return state

    async def refresh(self, sitting: int) -> SittingState:
        """Forget the cache and replay the sitting from the ledger."""
        self._states.pop(sitting_scope(sitting), None)
        return await self.state(sitting)

    async def _rebuild(self, scope: str) -> SittingState:
        state = SittingState(scope)
        for event in await self.ledger.events(scope):
            self._apply(state, event)
        self._states[scope] = state
        return state

    def _apply(self, state: SittingState, event: Event) -> None:
        try:
            state.apply(event)
        except Violation as exc:  # pragma: no cover - the hall checks before it appends
            raise HallError(f"the record of {state.scope} does not replay: {exc}", 500) from None
        self._hashes[state.scope] = event.hash().hex()

    def _lock(self, scope: str) -> asyncio.Lock:
        return self._locks.setdefault(scope, asyncio.Lock())

    async def _act(
        self,
        sitting: int,
        type_: str,
        payload: dict[str, Any],
        inside: Callable[[], Awaitable[object]] | None = None,
    ) -> Event:
        """Check and append one event with its table rows; ``inside`` runs first in the same
        transaction (the ballot box's step of a secret vote), so both are kept or neither."""
        scope = sitting_scope(sitting)
        async with self._lock(scope):
            for _attempt in range(2):
                state = await self.state(sitting)
                try:
                    state.check(type_, payload)
                except Violation as exc:
                    raise HallError(exc.message) from None
                try:
                    async with self.ledger.transaction():
                        if inside is not None:
                            await inside()
                        event = await self.ledger.append(scope, type_, payload)
                        if event.prev != self._hashes.get(scope):
                            # Another writer appended since our replay: check again.
                            raise _StaleError
                        await self._project(sitting, event)
                except _StaleError:
                    await self.refresh(sitting)
                    continue
                except IntegrityError:
                    raise HallError("already recorded") from None
                except LedgerError as exc:
                    raise HallError(str(exc), 422) from None
                except BallotBoxError as exc:
                    self._states.pop(scope, None)
                    raise HallError(f"the ballot box refused: {exc}", exc.status) from None
                except BaseException:
                    self._states.pop(scope, None)
                    raise
                state.prechecked = True
                try:
                    self._apply(state, event)
                finally:
                    state.prechecked = False
                break
            else:  # pragma: no cover - needs two concurrent writers twice in a row
                raise HallError("the sitting changed while recording; try again", 503)
        self._wake()
        return event

    def _wake(self) -> None:
        self._version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    @property
    def version(self) -> int:
        return self._version

    async def wait_for_change(self, version: int, seconds: float) -> int:
        """Wait until something changed after ``version`` (or ``seconds`` passed)."""
        if self._version == version:
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), seconds)
        return self._version

    async def _project(self, sitting: int, event: Event) -> None:
        """Mirror the event into the tables, in the transaction of its append (see models.py)."""
        p = event.payload
        kind = event.type.removeprefix("parliament.")
        if kind in ("vote_cast", "ballot_cast"):
            # One row per member and vote, whatever the mode: its unique key makes a vote
            # count once. A secret ballot's choice is encrypted, so its row has none.
            await CastRecord.create(
                sitting=sitting,
                vote=p["vote"],
                member=p["member"],
                seat=p["seat"],
                choice=p["choice"] if kind == "vote_cast" else None,
                seq=event.seq,
            )
        elif kind == "vote_corrected":
            await CastRecord.filter(sitting=sitting, vote=p["vote"], member=p["member"]).update(
                choice=p["choice"], seq=event.seq
            )
        elif kind == "speech_started":
            state = self._states.get(event.scope)
            item = state.items[p["item"]] if state else None
            await SpeechRecord.create(
                sitting=sitting,
                speech=p["speech"],
                item=p["item"],
                matter=item.title if item else "",
                draft_number=item.draft_number if item else "",
                speaker=p["speaker"],
                member=p["speaker"] if state and p["speaker"] in state.members else "",
                started=event.time,
            )
        elif kind == "speech_ended":
            await SpeechRecord.filter(sitting=sitting, speech=p["speech"]).update(
                ended=event.time, audio=p["audio"], video=p["video"], transcript=p["transcript"]
            )
        elif kind == "sitting_closed":
            await SittingRow.filter(number=sitting).update(closed=True)

    # -- roster ---------------------------------------------------------------------------

    async def import_roster(self, convocation: str, members: list[dict[str, Any]]) -> Event:
        """Replace the roster with ``members`` (validated), recorded in ``parliament-roster``."""
        if await SittingRow.filter(closed=False).exists():
            raise HallError("close the open sitting before importing a roster")
        config = self.config
        try:
            validate_roster(members)
            validate_seating(members, config.membership, config.seats, list(config.vacant_seats))
        except ValueError as exc:
            raise HallError(f"roster rejected: {exc}", 422) from None
        async with self.ledger.transaction():
            event = await self.ledger.append(
                ROSTER_SCOPE,
                "parliament.roster_imported",
                {"convocation": convocation, "members": members},
            )
            await Member.all().delete()
            await Member.bulk_create(
                [Member(convocation=convocation, **entry) for entry in members]
            )
        return event

    # -- sittings -------------------------------------------------------------------------

    async def open_sitting(
        self,
        *,
        protocol: str,
        date: str,
        presiding: str,
        invited: Sequence[str] = (),
        place: str | None = None,
    ) -> int:
        """Open the next sitting with the current roster; answers its number."""
        members = await Member.all().order_by("seat")
        if not members:
            raise HallError("import the roster before opening a sitting")
        if await SittingRow.filter(closed=False).exists():
            raise HallError("another sitting is still open")
        last = await SittingRow.all().order_by("-number").first()
        number = 1 if last is None else last.number + 1
        payload = {
            "sitting": number,
            "protocol": protocol,
            "place": place or self.config.place,
            "date": date,
            "presiding": presiding,
            "convocation": members[0].convocation,
            "membership": self.config.membership,
            "quorum": self.config.quorum,
            "seats": self.config.seats,
            "vacant": list(self.config.vacant_seats),
            "invited": list(invited),
            "members": [m.roster_entry() for m in members],
        }
        scope = sitting_scope(number)
        async with self._lock(scope):
            state = SittingState(scope)
            try:
                state.check("parliament.sitting_opened", payload)
                next(t for t in EVENT_TYPES if t.name == "parliament.sitting_opened").validate(
                    payload
                )
            except (Violation, ValueError) as exc:
                raise HallError(f"cannot open the sitting: {exc}", 422) from None
            async with self.ledger.transaction():
                await self.ledger.append(scope, "parliament.sitting_opened", payload)
                for m in members:
                    # Keys are unique in the roster and the scope is new: no duplicates.
                    await self.ledger.append(
                        scope,
                        "core.signer_registered",
                        {"key": m.key, "role": MEMBER_ROLE, "name": m.member},
                    )
                await SittingRow.create(
                    number=number,
                    protocol=protocol,
                    place=payload["place"],
                    date=date,
                    presiding=presiding,
                )
            await self.refresh(number)
        self._wake()
        return number

    async def close_sitting(self, sitting: int) -> Event:
        return await self._act(sitting, "parliament.sitting_closed", {"sitting": sitting})

    async def sign_minutes(self, sitting: int, payload: dict[str, Any]) -> Event:
        """Append the presiding officer's signature of a closed sitting's minutes (checked
        by the replay like every act, under the sitting's lock)."""
        return await self._act(sitting, "parliament.minutes_signed", payload)

    async def card(
        self,
        sitting: int,
        seat: int,
        card: str,
        *,
        inserted: bool,
        signer: CardSigner | None = None,
    ) -> Event:
        """A card went into (or out of) a seat's reader; the signer stays with the hall."""
        kind = "parliament.card_inserted" if inserted else "parliament.card_removed"
        event = await self._act(sitting, kind, {"seat": seat, "card": card})
        if inserted and signer is not None:
            self._signers[(sitting, seat)] = signer
        elif not inserted:
            self._signers.pop((sitting, seat), None)
        return event

    async def registration(self, sitting: int, action: str) -> Event:
        state = await self.state(sitting)
        current = state.current_round()
        if action == "open":
            number = len(state.rounds) + 1
            return await self._act(sitting, "parliament.registration_opened", {"round": number})
        if action == "close":
            if current is None:
                raise HallError("no registration round is open")
            present = list(state.present())
            return await self._act(
                sitting,
                "parliament.registration_closed",
                {
                    "round": current.round,
                    "present": present,
                    "quorum_reached": len(present) >= state.quorum,
                },
            )
        raise HallError("action must be 'open' or 'close'", 422)

    # -- agenda and speakers ------------------------------------------------------------

    async def add_item(
        self,
        sitting: int,
        *,
        kind: str,
        title: str,
        draft_number: str = "",
        reading: str = "",
        rule: str | None = None,
        documents: Sequence[Mapping[str, str]] = (),
    ) -> int:
        state = await self.state(sitting)
        rule_name = self._rule(rule or self.config.default_rule).name
        number = len(state.items) + 1
        await self._act(
            sitting,
            "parliament.item_added",
            {
                "item": number,
                "kind": kind,
                "title": title,
                "draft_number": draft_number,
                "reading": reading,
                "rule": rule_name,
                "documents": [dict(d) for d in documents],
            },
        )
        return number

    async def take_up(self, sitting: int, item: int) -> Event:
        return await self._act(sitting, "parliament.item_taken_up", {"item": item})

    async def order_speakers(self, sitting: int, item: int, order: Sequence[str]) -> Event:
        return await self._act(
            sitting, "parliament.speakers_ordered", {"item": item, "order": list(order)}
        )

    async def start_speech(
        self, sitting: int, item: int, speaker: str, limit_seconds: int | None = None
    ) -> int:
        state = await self.state(sitting)
        number = state.next_speech_number()
        limit = self.config.speaking_seconds if limit_seconds is None else limit_seconds
        await self._act(
            sitting,
            "parliament.speech_started",
            {
                "item": item,
                "speech": number,
                "speaker": speaker,
                "limit_seconds": limit,
            },
        )
        return number

    async def end_speech(
        self, sitting: int, speech: int, *, audio: str = "", video: str = "", transcript: str = ""
    ) -> Event:
        return await self._act(
            sitting,
            "parliament.speech_ended",
            {
                "speech": speech,
                "audio": audio,
                "video": video,
                "transcript": transcript,
            },
        )

    # -- votes ----------------------------------------------------------------------------

    async def open_vote(
        self,
        sitting: int,
        *,
        item: int,
        mode: str,
        question: str,
        rule: str | None = None,
        repeats: int | None = None,
        reason: str = "",
    ) -> int:
        """Open a vote; refused without quorum, with the count present and needed. A secret
        vote opens the next prepared election whose commission has finished its key
        ceremony (:meth:`prepare_secret_vote`), in the same transaction."""
        state = await self.state(sitting)
        if mode not in MODES:
            raise HallError(f"mode must be one of {', '.join(MODES)}", 422)
        if item not in state.items:
            raise HallError(f"there is no agenda item {item}", 422)
        majority = self._rule(rule or state.items[item].rule)
        if (repeats is None) != (not reason):
            raise HallError("a repeat vote names the vote it repeats and the reason", 422)
        election, inside = None, None
        if mode == "secret":
            scope = await self._ready_election(state)
            if scope is None:
                raise HallError(
                    "no secret vote is ready: prepare one, and let its counting commission "
                    "finish the key ceremony",
                    409,
                )
            keyed = await self.box.election(scope)
            election = {"scope": scope, "election_hash": keyed.election_hash.hex()}

            async def inside() -> object:
                return await self.box.open(scope)

        number = state.next_vote_number()
        await self._act(
            sitting,
            "parliament.vote_opened",
            {
                "vote": number,
                "item": item,
                "mode": mode,
                "question": question,
                "rule": majority.to_json(),
                "present": list(state.present()),
                "quorum": state.quorum,
                "membership": state.membership,
                "in_office": state.in_office,
                "repeats": repeats,
                "reason": reason,
                "election": election,
            },
            inside,
        )
        return number

    def _rule(self, name: str) -> MajorityRule:
        """The rule of that name: an item or a vote may only name one this appliance knows."""
        majority = self.rules.get(name)
        if majority is None:
            raise HallError(f"unknown majority rule {name!r}", 422)
        return majority

    async def allow_correction(self, sitting: int, vote: int, member: str, reason: str) -> Event:
        return await self._act(
            sitting,
            "parliament.correction_allowed",
            {"vote": vote, "member": member, "reason": reason},
        )

    async def close_vote(self, sitting: int, vote: int) -> Event:
        """Close a vote with its figures and outcome by its rule. A secret vote closes with
        the ballot box's decrypted result: its voting ended (:meth:`end_secret_voting`) and
        at least ``k`` of its commission published their decryption shares."""
        state = await self.state(sitting)
        current = state.votes.get(vote)
        if current is None or not current.is_open:
            raise HallError(f"vote {vote} is not open")
        try:
            payload = close_figures(current)
        except RuleError as exc:
            raise HallError(str(exc), 422) from None
        if current.mode == "secret":
            payload.update(await self._secret_result(current))
        return await self._act(sitting, "parliament.vote_closed", payload)

    async def _secret_result(self, vote: VoteState) -> dict[str, Any]:
        """The decrypted result of a secret vote, published in the ballot box if its
        commission's shares allow: the close payload's figures, outcome and tally."""
        scope = str((vote.election or {})["scope"])
        counting = await self.secret_counting(vote)
        if counting["result"] is None:
            if not counting["voting_ended"]:
                raise HallError("end the secret vote's voting first, then count")
            if counting["shares"] < counting["needed"]:
                raise HallError(
                    f"the counting commission has published {counting['shares']} of the "
                    f"{counting['needed']} decryption shares needed"
                )
            try:
                await self.box.publish_result(scope)
            except BallotBoxError as exc:
                raise HallError(f"the ballot box refused: {exc}", exc.status) from None
            counting = await self.secret_counting(vote)
        result = counting["result"]
        from urna_parliament.secret import result_counts

        yes, no, abstain = result_counts(
            result, str((vote.election or {})["election_hash"]), len(vote.ballots)
        )
        threshold, outcome = vote.decide(yes, no, abstain)
        return {
            "for": yes,
            "against": no,
            "abstain": abstain,
            "threshold": threshold,
            "outcome": outcome,
            "tally": {"scope": scope, "result": result},
        }

    # -- secret votes through the ballot box ----------------------------------------------

    @property
    def box(self) -> BallotBox:
        return ballot_box_for(self.ledger)

    async def prepare_secret_vote(
        self, sitting: int, commission: Sequence[str], quorum: int
    ) -> str:
        """Create the next secret vote's election in the ballot box, every member's key its
        credential, the ``commission`` (members) its guardians of whom any ``quorum``
        count; answers its scope. The guardians then run the key ceremony on their devices
        through the core's election routes."""
        from urna_parliament.secret import ballot_scope, parameters

        state = await self.state(sitting)
        if not 1 <= quorum <= len(commission):
            raise HallError("the counting quorum must be 1..the commission's size", 422)
        scope = ballot_scope(sitting, len(state.prepared) + 1)
        payload = {"ballot_scope": scope, "commission": list(commission), "quorum": quorum}
        members = list(state.members.values())

        async def inside() -> object:
            await self.box.create_election(
                scope, parameters(scope, len(commission), quorum).to_json()
            )
            for member in members:
                await self.box.register_credential(scope, member.key, member.member)
            return None

        await self._act(sitting, "parliament.secret_vote_prepared", payload, inside)
        return scope

    async def _ready_election(self, state: SittingState) -> str | None:
        """The first prepared, unused election whose guardians have all confirmed the key."""
        for prepared in state.prepared.values():
            if prepared.used_by is None:
                status = await self.box.status(prepared.ballot_scope)
                if status["status"] == "keyed" and len(status["confirmed"]) == len(
                    prepared.commission
                ):
                    return prepared.ballot_scope
        return None

    async def secret_overview(self, sitting: int) -> dict[str, Any]:
        """For the console: whether a secret vote can open now, each prepared election's
        key ceremony (guardians keyed and confirmed of the commission), and the open
        secret vote's count (:meth:`secret_counting`)."""
        state = await self.state(sitting)
        pending = []
        for prepared in state.prepared.values():
            if prepared.used_by is None:
                status = await self.box.status(prepared.ballot_scope)
                pending.append(
                    {
                        "scope": prepared.ballot_scope,
                        "commission": list(prepared.commission),
                        "quorum": prepared.quorum,
                        "keyed": len(status["guardians"]),
                        "confirmed": len(status["confirmed"]),
                    }
                )
        vote = state.votes.get(state.open_vote or 0)
        return {
            "ready": await self._ready_election(state) is not None,
            "pending": pending,
            "counting": await self.secret_counting(vote)
            if vote is not None and vote.mode == "secret"
            else None,
        }

    async def secret_counting(self, vote: VoteState) -> dict[str, Any]:
        """Where a secret vote's ballot box stands: voting ended, shares published of the
        ``k`` needed, the decrypted result once published."""
        status = await self.box.status(str((vote.election or {})["scope"]))
        needed = int(status["parameters"]["quorum"])
        return {
            "voting_ended": status["tally"] is not None,
            "shares": len(status["shares"]),
            "needed": needed,
            "result": status["result"],
        }

    async def end_secret_voting(self, sitting: int, vote: int) -> None:
        """End a secret vote's voting: the ballot box sums the ballots, which the counting
        commission then decrypts; the vote closes with the result (:meth:`close_vote`)."""
        current = (await self.state(sitting)).votes.get(vote)
        if current is None or not current.is_open or current.mode != "secret":
            raise HallError(f"vote {vote} is not an open secret vote")
        try:
            await self.box.tally(str((current.election or {})["scope"]))
        except BallotBoxError as exc:
            raise HallError(f"the ballot box refused: {exc}", exc.status) from None
        self._wake()

    # -- presses from the seats -----------------------------------------------------------

    async def press(
        self,
        sitting: int,
        seat: int,
        key: str,
        *,
        sig: str | None = None,
        ballot: dict[str, Any] | None = None,
    ) -> Event:
        """A key pressed at a seat: register, for/against/abstain, or ask to speak.

        ``sig`` is the member's signature of the act's statement, made by the
        console with the card; without it the hall asks the card in that
        seat's reader (device path) to sign. ``ballot`` is a smart console's
        own encrypted ballot in a secret vote.
        """
        if key not in KEYS:
            raise HallError(f"key must be one of {', '.join(KEYS)}", 422)
        state = await self.state(sitting)
        pressed = _pressed_at(state, sitting, seat, sig)
        if key == "speak":
            return await self._request_floor(state, pressed)
        if key == "register":
            return await self._register(state, pressed)
        vote = _open_vote(state)
        if vote.mode == "secret":
            return await self._cast_ballot(state, vote, pressed, key, ballot)
        if pressed.member in vote.allowed_corrections:
            return await self._correct_vote(vote, pressed, key)
        return await self._cast_vote(vote, pressed, key)

    async def _request_floor(self, state: SittingState, pressed: _Press) -> Event:
        """Join the speakers' queue of the item under discussion (asking needs no signature)."""
        if state.current_item is None:
            raise HallError("no agenda item is under discussion")
        return await self._act(
            pressed.sitting,
            "parliament.floor_requested",
            {"item": state.current_item, "member": pressed.member, "seat": pressed.seat},
        )

    async def _register(self, state: SittingState, pressed: _Press) -> Event:
        """Register in the current round: the signed registration ties the member to this seat,
        the only one their votes then count from."""
        current = state.current_round()
        if current is None:
            raise HallError("registration has not been opened")
        payload = {"round": current.round, **pressed.identity()}
        message = signed_statement("register", pressed.scope, payload)
        return await self._signed_act(pressed, "parliament.member_registered", payload, message)

    async def _cast_ballot(
        self,
        state: SittingState,
        vote: VoteState,
        pressed: _Press,
        key: str,
        ballot: dict[str, Any] | None,
    ) -> Event:
        """A secret vote takes only encrypted ballots: the console's own, or else one the hall
        encrypts for the key pressed and has the card in the seat's reader sign. The ballot
        goes into the vote's ballot box and the sitting records who cast it, where, and its
        id and code, in one transaction."""
        from urna_parliament.secret import (
            ballot_statement,
            device_id,
            make_ballot,
            signed_ballot,
        )

        scope = str((vote.election or {})["scope"])
        if ballot is None:
            election = await self.box.election(scope)
            previous = [
                bytes.fromhex(b["confirmation_code"])
                for b in vote.ballots.values()
                if b["seat"] == pressed.seat
            ]
            try:
                ballot = make_ballot(
                    election,
                    state.members[pressed.member].key,
                    pressed.seat,
                    key,
                    self._signer(pressed).sign,
                    previous[-1] if previous else None,
                )
            except ValueError as exc:
                raise HallError(str(exc), 422) from None
        try:
            decoded = signed_ballot(ballot).ballot
            prepared = await self.box.prepare_cast(scope, ballot, device=device_id(pressed.seat))
        except (ValueError, BallotBoxError) as exc:
            raise HallError(f"ballot rejected: {exc}", 422) from None
        payload = {
            "vote": vote.vote,
            **pressed.identity(),
            "ballot_id": decoded.ballot_id.hex(),
            "confirmation_code": decoded.confirmation_code().hex(),
        }
        message = ballot_statement(pressed.scope, payload)
        sig = pressed.sig or self._signer(pressed).sign(message).hex()

        async def inside() -> object:
            return await self.box.cast_prepared(prepared)

        return await self._act(
            pressed.sitting, "parliament.ballot_cast", {**payload, "sig": sig}, inside
        )

    async def _correct_vote(self, vote: VoteState, pressed: _Press, key: str) -> Event:
        """The member's new choice once the presiding officer allowed it: nothing is
        overwritten, the correction names the event it corrects and the reason given."""
        payload = {
            "vote": vote.vote,
            **pressed.identity(),
            "choice": key,
            "corrects": vote.last_seq[pressed.member],
            "reason": vote.allowed_corrections[pressed.member],
        }
        message = signed_statement("correction", pressed.scope, payload)
        return await self._signed_act(pressed, "parliament.vote_corrected", payload, message)

    async def _cast_vote(self, vote: VoteState, pressed: _Press, key: str) -> Event:
        """The member's vote; a second press is refused, so that no vote counts twice."""
        if pressed.member in vote.casts:
            raise HallError(
                f"{pressed.member} has already voted in vote {vote.vote}; "
                "ask the presiding officer to allow a correction"
            )
        payload = {"vote": vote.vote, **pressed.identity(), "choice": key}
        message = signed_statement("vote", pressed.scope, payload)
        return await self._signed_act(pressed, "parliament.vote_cast", payload, message)

    async def _signed_act(
        self, pressed: _Press, type_: str, payload: dict[str, Any], message: bytes
    ) -> Event:
        """Record an act with the member's signature of ``message``: the one the console sent,
        or else the card's in the seat's reader."""
        sig = pressed.sig or self._signer(pressed).sign(message).hex()
        return await self._act(pressed.sitting, type_, {**payload, "sig": sig})

    def _signer(self, pressed: _Press) -> CardSigner:
        """The seat reader's card, which signs for the member only while it is this card."""
        signer = self._signers.get((pressed.sitting, pressed.seat))
        if signer is None or signer.card != pressed.card:
            raise HallError(
                f"the card in seat {pressed.seat} cannot sign: present a signed press", 422
            )
        return signer


@attrs.frozen(slots=True)
class _Press:
    """A key pressed at a seat that holds a member's card (and the console's signature, if any)."""

    sitting: int
    scope: str
    seat: int
    card: str
    member: str
    sig: str | None

    def identity(self) -> dict[str, Any]:
        """The member, seat and card: every signed act at a seat records all three."""
        return {"member": self.member, "seat": self.seat, "card": self.card}


def _pressed_at(state: SittingState, sitting: int, seat: int, sig: str | None) -> _Press:
    """Who is pressing: a seat acts only while a member's card is in its reader."""
    card = state.seats.get(seat)
    member = state.card_member(seat)
    if card is None or member is None:
        raise HallError(f"no member's card is in seat {seat}")
    return _Press(sitting, state.scope, seat, card, member, sig)


def _open_vote(state: SittingState) -> VoteState:
    """The vote a for/against/abstain key answers: the one open now."""
    vote = state.votes.get(state.open_vote or 0)
    if vote is None:
        raise HallError("no vote is open")
    return vote


# -- roster CSV ---------------------------------------------------------------------------


def parse_roster_csv(text: str) -> list[dict[str, Any]]:
    """Rows of ``member,name,district,faction,seat,card,key``; errors name line and column."""
    if len(text.encode("utf-8")) > MAX_ROSTER_BYTES:
        raise HallError(f"roster CSV is larger than {MAX_ROSTER_BYTES} bytes", 413)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = tuple(reader.fieldnames or ())
    if header != ROSTER_FIELDS:
        raise HallError(
            f"roster CSV header must be {','.join(ROSTER_FIELDS)}; got {','.join(header)}", 422
        )
    members = []
    for line, row in enumerate(reader, start=2):
        if None in row or any(value is None for value in row.values()):
            raise HallError(f"roster CSV line {line}: wrong number of columns", 422)
        seat = row["seat"].strip()
        if not seat.isdigit():
            raise HallError(f"roster CSV line {line}: seat {seat!r} is not a number", 422)
        entry: dict[str, Any] = {column: row[column].strip() for column in ROSTER_FIELDS}
        entry["seat"] = int(seat)
        entry["key"] = entry["key"].lower()
        try:
            validate_roster([entry])
        except ValueError as exc:
            raise HallError(f"roster CSV line {line}: {exc}", 422) from None
        members.append(entry)
    if not members:
        raise HallError("roster CSV has no members", 422)
    return members


# -- one hall per appliance ---------------------------------------------------------------

_halls: weakref.WeakKeyDictionary[Ledger, Hall] = weakref.WeakKeyDictionary()


def collect_rules(services: Services, config: ParliamentConfig) -> dict[str, MajorityRule]:
    """Every plugin's rules (this one's Milli Majlis defaults among them) and the configured."""
    contributed: list[MajorityRule] = []
    for rules in services.plugin_manager.hook.urna_parliament_majority_rules():
        contributed.extend(rules)
    return index_rules([*contributed, *config.rules])


def hall_of(services: Services) -> Hall:
    """The appliance's hall, made on first use from its settings and plugins."""
    hall = _halls.get(services.ledger)
    if hall is None:
        config = ParliamentConfig.from_mapping(services.settings.plugin_config("parliament"))
        hall = Hall(services.ledger, config, collect_rules(services, config))
        _halls[services.ledger] = hall
    return hall
