"""A plenary sitting as the replay of its ledger scope: pure, shared by hall and verifier.

:class:`SittingState` applies the events of one ``parliament-sitting-<n>``
scope in order. Each handler checks first and changes state only when the
event is allowed where it stands, so :meth:`SittingState.check` answers
whether an event *may* be appended (the hall asks before appending) and
:meth:`SittingState.apply` records it. A refused event raises
:class:`Violation`, which names the verifier check it breaks: the observer
replays the same code over the published record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from urna.record.event import Event

from urna_parliament.majority import Counts, MajorityRule, RuleError
from urna_parliament.record import MEMBER_ROLE, signed_statement, verify_member_signature

CHECK_SEQUENCE = "parliament.sequence"
CHECK_ROSTER = "parliament.roster"
CHECK_SIGNATURES = "parliament.member-signatures"
CHECK_SEAT_CARD = "parliament.seat-card"
CHECK_QUORUM = "parliament.quorum"
CHECK_TOTALS = "parliament.totals"
CHECK_CORRECTIONS = "parliament.corrections"
CHECK_SECRET = "parliament.secret-tally"  # noqa: S105 - a check id, not a password


class Violation(ValueError):
    """An event the sitting's rules do not allow where it stands."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(message)
        self.check = check
        self.message = message


def refuse(check: str, message: str) -> Violation:
    return Violation(check, message)


@attrs.define
class Member:
    member: str
    name: str
    district: str
    faction: str
    seat: int
    card: str
    key: str


@attrs.define
class Cast:
    member: str
    seat: int
    choice: str
    seq: int
    time: str


@attrs.define
class Correction:
    member: str
    previous: str
    choice: str
    reason: str
    corrects: int
    seq: int
    time: str


@attrs.define
class VoteState:
    vote: int
    item: int
    mode: str
    question: str
    rule: MajorityRule
    present: tuple[str, ...]
    quorum: int
    membership: int
    in_office: int
    repeats: int | None
    reason: str
    election: dict[str, Any] | None
    opened_time: str
    casts: dict[str, Cast] = attrs.field(factory=dict)
    """Each member's counted vote (their latest, after corrections)."""
    history: list[Cast | Correction] = attrs.field(factory=list)
    ballots: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    """A secret vote's ballots by member: seat, ballot id and confirmation code."""
    allowed_corrections: dict[str, str] = attrs.field(factory=dict)
    last_seq: dict[str, int] = attrs.field(factory=dict)
    closed: dict[str, Any] | None = None
    closed_time: str = ""
    repeated_by: int | None = None

    @property
    def is_open(self) -> bool:
        return self.closed is None

    def voters(self) -> set[str]:
        return set(self.casts) | set(self.ballots)

    def attending(self) -> set[str]:
        """Members present when the vote opened, and any who voted: the rest are absent."""
        return set(self.present) | self.voters()

    def figures(self) -> dict[str, int]:
        """For, against, abstain (open votes), not voting, absent and vacant, from the casts:
        a vacant seat has no member to be absent, so it is counted apart."""
        tally = {choice: 0 for choice in ("for", "against", "abstain")}
        for cast in self.casts.values():
            tally[cast.choice] += 1
        attending = self.attending()
        return {
            **tally,
            "not_voting": len(attending - self.voters()),
            "absent": self.in_office - len(attending),
            "vacant": self.membership - self.in_office,
        }

    def standings(self, members: Iterable[str]) -> dict[str, str]:
        """Each member's choice, else ``not_voting`` or ``absent``: a vote by name's list."""
        attending = self.attending()
        return {
            member: self.casts[member].choice
            if member in self.casts
            else ("not_voting" if member in attending else "absent")
            for member in members
        }

    def decide(self, yes: int, no: int, abstain: int) -> tuple[int, str]:
        attending = len(self.attending())
        counts = Counts(
            yes, no, abstain, present=attending, members=self.membership, in_office=self.in_office
        )
        outcome = self.rule.decide(counts)
        return outcome.threshold, outcome.word


@attrs.define
class PreparedSecretVote:
    """A secret vote's election in the ballot box, and the commission that counts it."""

    ballot_scope: str
    commission: tuple[str, ...]
    quorum: int
    used_by: int | None = None


@attrs.define
class Speech:
    speech: int
    item: int
    speaker: str
    limit_seconds: int
    started: str
    ended: str = ""
    audio: str = ""
    video: str = ""
    transcript: str = ""


@attrs.define
class Item:
    item: int
    kind: str
    title: str
    draft_number: str
    reading: str
    rule: str
    documents: list[dict[str, str]]
    requests: list[str] = attrs.field(factory=list)
    order: list[str] = attrs.field(factory=list)
    taken_up: str = ""


@attrs.define
class RegistrationRound:
    round: int
    opened: str
    closed: str = ""
    registered: dict[str, int] = attrs.field(factory=dict)
    present: tuple[str, ...] = ()
    quorum_reached: bool = False


@attrs.define
class SittingState:
    """Everything the record says about one sitting, built by replaying its events."""

    scope: str
    sitting: int = 0
    header: dict[str, Any] = attrs.field(factory=dict)
    members: dict[str, Member] = attrs.field(factory=dict)
    by_card: dict[str, str] = attrs.field(factory=dict)
    signers: dict[str, str] = attrs.field(factory=dict)
    """Registered member keys (``core.signer_registered`` with role parliament.member)."""
    seats: dict[int, str] = attrs.field(factory=dict)
    """Seat -> the card in it now."""
    rounds: list[RegistrationRound] = attrs.field(factory=list)
    registered_seat: dict[str, int] = attrs.field(factory=dict)
    """Member -> the seat they last registered at (in the current round)."""
    items: dict[int, Item] = attrs.field(factory=dict)
    current_item: int | None = None
    speeches: dict[int, Speech] = attrs.field(factory=dict)
    speaking: int | None = None
    votes: dict[int, VoteState] = attrs.field(factory=dict)
    open_vote: int | None = None
    prepared: dict[str, PreparedSecretVote] = attrs.field(factory=dict)
    """Secret-vote elections by ballot scope, in the order they were prepared."""
    card_log: list[tuple[str, str, int, str]] = attrs.field(factory=list)
    """(time, "inserted"/"removed", seat, card), for the protocol and the hall."""
    seq: int = -1
    closed: str = ""
    opened: str = ""
    minutes_signed: dict[str, Any] = attrs.field(factory=dict)
    """The presiding officer's ``parliament.minutes_signed`` payload, with its time and seq."""
    prechecked: bool = False
    """Set by the hall for the one event it has just checked: apply skips re-verifying it."""

    # -- queries --------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return bool(self.header) and not self.closed

    @property
    def membership(self) -> int:
        return int(self.header.get("membership", 0))

    @property
    def quorum(self) -> int:
        return int(self.header.get("quorum", 0))

    @property
    def in_office(self) -> int:
        """Members holding a mandate: those on the sitting's roster."""
        return len(self.members)

    @property
    def vacant_seats(self) -> tuple[int, ...]:
        return tuple(self.header.get("vacant", ()))

    def card_member(self, seat: int) -> str | None:
        card = self.seats.get(seat)
        return None if card is None else self.by_card.get(card)

    def present(self) -> tuple[str, ...]:
        """Members registered in the current round whose card is still in that seat."""
        return tuple(
            sorted(
                member
                for member, seat in self.registered_seat.items()
                if self.card_member(seat) == member
            )
        )

    def current_round(self) -> RegistrationRound | None:
        return self.rounds[-1] if self.rounds else None

    def next_vote_number(self) -> int:
        return max(self.votes, default=0) + 1

    def next_speech_number(self) -> int:
        return max(self.speeches, default=0) + 1

    # -- applying events ------------------------------------------------------------------

    def check(self, type_: str, payload: Mapping[str, Any], time: str = "") -> None:
        """Raise :class:`Violation` unless the event may follow; changes nothing."""
        self._dispatch(type_, payload, self.seq + 1, time, commit=False)

    def apply(self, event: Event) -> None:
        """Record ``event`` (raises :class:`Violation`, leaving state as it was, if refused)."""
        if event.seq != self.seq + 1:
            raise refuse(CHECK_SEQUENCE, f"expected event #{self.seq + 1}, got #{event.seq}")
        try:
            self._dispatch(event.type, event.payload, event.seq, event.time, commit=True)
        finally:
            self.seq = event.seq

    def _dispatch(
        self, type_: str, p: Mapping[str, Any], seq: int, time: str, *, commit: bool
    ) -> None:
        if type_ == "core.signer_registered":
            self._signer(p, commit)
            return
        if not type_.startswith("parliament."):
            return
        name = type_.removeprefix("parliament.")
        handler = getattr(self, f"_on_{name}", None)
        if handler is None:
            raise refuse(CHECK_SEQUENCE, f"{type_} does not belong in a sitting")
        if name != "sitting_opened":
            if not self.header:
                raise refuse(CHECK_SEQUENCE, f"{type_} before the sitting opened")
            if self.closed and name != "minutes_signed":
                raise refuse(CHECK_SEQUENCE, f"{type_} after the sitting closed")
        handler(p, seq, time, commit)

    def _signer(self, p: Mapping[str, Any], commit: bool) -> None:
        if p.get("role") != MEMBER_ROLE:
            return
        member = p.get("name")
        if not isinstance(member, str) or member in self.signers:
            raise refuse(CHECK_ROSTER, f"member key for {member!r} registered twice")
        if commit:
            self.signers[member] = str(p.get("key"))

    def _member_key(self, member: str) -> str:
        roster = self.members.get(member)
        if roster is None:
            raise refuse(CHECK_ROSTER, f"{member} is not a member of this sitting's roster")
        registered = self.signers.get(member)
        if registered != roster.key:
            raise refuse(CHECK_ROSTER, f"{member}'s key is not registered as a signer")
        return roster.key

    def _signed(self, member: str, message: bytes, sig: str) -> None:
        if self.prechecked:
            return
        try:
            verify_member_signature(self._member_key(member), message, sig)
        except ValueError as exc:
            raise refuse(CHECK_SIGNATURES, f"{member}: {exc}") from None

    def _at_seat(self, member: str, seat: int, card: str) -> None:
        """The member's card is in this seat and the member registered at this seat."""
        if self.seats.get(seat) != card:
            raise refuse(CHECK_SEAT_CARD, f"card {card} is not in seat {seat}")
        if self.by_card.get(card) != member:
            raise refuse(CHECK_SEAT_CARD, f"card {card} is not {member}'s card")
        if self.registered_seat.get(member) != seat:
            raise refuse(
                CHECK_SEAT_CARD,
                f"{member} has not registered at seat {seat}: register there first",
            )

    def _on_sitting_opened(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        if self.header:
            raise refuse(CHECK_SEQUENCE, "the sitting is already open")
        if not self.scope.endswith(f"-{p['sitting']}"):
            raise refuse(CHECK_SEQUENCE, f"sitting {p['sitting']} opened in scope {self.scope}")
        if commit:
            self.header = {k: v for k, v in p.items() if k != "members"}
            self.sitting = int(p["sitting"])
            self.opened = time
            for entry in p["members"]:
                member = Member(**entry)
                self.members[member.member] = member
                self.by_card[member.card] = member.member

    def _on_sitting_closed(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        if self.open_vote is not None:
            raise refuse(CHECK_SEQUENCE, f"vote {self.open_vote} is still open")
        if commit:
            self.closed = time

    def _on_minutes_signed(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        """The presiding officer signs the closed sitting's minutes, once; the signature and
        the record it names are checked by ``minutes_signature.py`` (parliament.minutes)."""
        if not self.closed:
            raise refuse(CHECK_SEQUENCE, "the minutes are signed after the sitting closes")
        if self.minutes_signed:
            raise refuse(CHECK_SEQUENCE, "the minutes are already signed")
        if commit:
            self.minutes_signed = {**p, "time": time, "seq": seq}

    def _on_card_inserted(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        seat, card = p["seat"], p["card"]
        if card not in self.by_card:
            raise refuse(CHECK_SEAT_CARD, f"card {card} belongs to no member of the roster")
        if seat in self.seats:
            raise refuse(CHECK_SEAT_CARD, f"seat {seat} already holds card {self.seats[seat]}")
        if card in self.seats.values():
            raise refuse(CHECK_SEAT_CARD, f"card {card} is already in another seat")
        if commit:
            self.seats[seat] = card
            self.card_log.append((time, "inserted", seat, card))

    def _on_card_removed(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        seat, card = p["seat"], p["card"]
        if self.seats.get(seat) != card:
            raise refuse(CHECK_SEAT_CARD, f"card {card} is not in seat {seat}")
        if commit:
            del self.seats[seat]
            self.card_log.append((time, "removed", seat, card))

    def _on_registration_opened(
        self, p: Mapping[str, Any], seq: int, time: str, commit: bool
    ) -> None:
        if p["round"] != len(self.rounds) + 1:
            raise refuse(CHECK_SEQUENCE, f"registration round {p['round']} out of order")
        if self.rounds and not self.rounds[-1].closed:
            raise refuse(CHECK_SEQUENCE, "the previous registration round is still open")
        if self.open_vote is not None:
            raise refuse(CHECK_SEQUENCE, "registration cannot start during a vote")
        if commit:
            self.rounds.append(RegistrationRound(p["round"], time))
            self.registered_seat = {}

    def _on_member_registered(
        self, p: Mapping[str, Any], seq: int, time: str, commit: bool
    ) -> None:
        current = self.current_round()
        if current is None or p["round"] != current.round:
            raise refuse(CHECK_SEQUENCE, f"no registration round {p['round']} to register in")
        member, seat, card = p["member"], p["seat"], p["card"]
        if self.seats.get(seat) != card or self.by_card.get(card) != member:
            raise refuse(CHECK_SEAT_CARD, f"{member}'s card {card} is not in seat {seat}")
        if self.registered_seat.get(member) == seat:
            raise refuse(CHECK_SEQUENCE, f"{member} is already registered at seat {seat}")
        self._signed(member, signed_statement("register", self.scope, p), p["sig"])
        if commit:
            current.registered[member] = seat
            self.registered_seat[member] = seat

    def _on_registration_closed(
        self, p: Mapping[str, Any], seq: int, time: str, commit: bool
    ) -> None:
        current = self.current_round()
        if current is None or current.closed or p["round"] != current.round:
            raise refuse(CHECK_SEQUENCE, f"registration round {p['round']} is not open")
        present = self.present()
        if list(present) != p["present"]:
            raise refuse(CHECK_QUORUM, "the present list does not match the registrations")
        if p["quorum_reached"] != (len(present) >= self.quorum):
            raise refuse(CHECK_QUORUM, "quorum_reached does not match the count present")
        if commit:
            current.closed = time
            current.present = present
            current.quorum_reached = p["quorum_reached"]

    def _on_item_added(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        if p["item"] != len(self.items) + 1:
            raise refuse(CHECK_SEQUENCE, f"agenda item {p['item']} out of order")
        if commit:
            self.items[p["item"]] = Item(
                p["item"],
                p["kind"],
                p["title"],
                p["draft_number"],
                p["reading"],
                p["rule"],
                [dict(d) for d in p["documents"]],
            )

    def _item(self, number: int) -> Item:
        item = self.items.get(number)
        if item is None:
            raise refuse(CHECK_SEQUENCE, f"there is no agenda item {number}")
        return item

    def _on_item_taken_up(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        item = self._item(p["item"])
        if self.open_vote is not None:
            raise refuse(CHECK_SEQUENCE, "finish the open vote first")
        if commit:
            self.current_item = item.item
            item.taken_up = item.taken_up or time

    def _on_floor_requested(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        item = self._item(p["item"])
        member = p["member"]
        if self.card_member(p["seat"]) != member:
            raise refuse(CHECK_SEAT_CARD, f"{member}'s card is not in seat {p['seat']}")
        if member in item.requests:
            raise refuse(CHECK_SEQUENCE, f"{member} already asked to speak on item {item.item}")
        if commit:
            item.requests.append(member)
            if member not in item.order:
                item.order.append(member)

    def _on_speakers_ordered(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        item = self._item(p["item"])
        unknown = [m for m in p["order"] if m not in self.members]
        if unknown:
            raise refuse(CHECK_ROSTER, f"not members: {', '.join(unknown)}")
        if commit:
            item.order = list(p["order"])

    def _on_speech_started(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        self._item(p["item"])
        if p["speech"] != self.next_speech_number():
            raise refuse(CHECK_SEQUENCE, f"speech {p['speech']} out of order")
        if self.speaking is not None:
            raise refuse(CHECK_SEQUENCE, f"speech {self.speaking} has not ended")
        if commit:
            self.speeches[p["speech"]] = Speech(
                p["speech"], p["item"], p["speaker"], p["limit_seconds"], time
            )
            self.speaking = p["speech"]
            item = self.items[p["item"]]
            if p["speaker"] in item.order:
                item.order.remove(p["speaker"])

    def _on_speech_ended(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        if self.speaking != p["speech"]:
            raise refuse(CHECK_SEQUENCE, f"speech {p['speech']} is not under way")
        if commit:
            speech = self.speeches[p["speech"]]
            speech.ended = time
            speech.audio, speech.video, speech.transcript = p["audio"], p["video"], p["transcript"]
            self.speaking = None

    def _on_vote_opened(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        self._item(p["item"])
        if self.open_vote is not None:
            raise refuse(CHECK_SEQUENCE, f"vote {self.open_vote} is still open")
        if p["vote"] != self.next_vote_number():
            raise refuse(CHECK_SEQUENCE, f"vote {p['vote']} out of order")
        if (p["quorum"], p["membership"], p["in_office"]) != (
            self.quorum,
            self.membership,
            self.in_office,
        ):
            raise refuse(
                CHECK_QUORUM,
                "the vote's quorum, membership or members in office differ from the sitting's",
            )
        present = self.present()
        if list(present) != p["present"]:
            raise refuse(CHECK_QUORUM, "the present list does not match registrations and cards")
        if len(present) < self.quorum:
            raise refuse(
                CHECK_QUORUM,
                f"no quorum: {len(present)} members present, {self.quorum} needed",
            )
        prepared = None
        if p["election"] is not None:
            prepared = self.prepared.get(p["election"]["scope"])
            if prepared is None or prepared.used_by is not None:
                raise refuse(
                    CHECK_SECRET, f"{p['election']['scope']} is not a prepared, unused election"
                )
        repeats = p["repeats"]
        if repeats is not None:
            earlier = self.votes.get(repeats)
            if earlier is None or earlier.is_open:
                raise refuse(CHECK_CORRECTIONS, f"vote {repeats} to repeat is not a closed vote")
            if earlier.repeated_by is not None:
                raise refuse(CHECK_CORRECTIONS, f"vote {repeats} was already repeated")
        if commit:
            rule = MajorityRule.from_json(p["rule"])
            self.votes[p["vote"]] = VoteState(
                p["vote"],
                p["item"],
                p["mode"],
                p["question"],
                rule,
                present,
                p["quorum"],
                p["membership"],
                p["in_office"],
                repeats,
                p["reason"],
                dict(p["election"]) if p["election"] is not None else None,
                time,
            )
            self.open_vote = p["vote"]
            if repeats is not None:
                self.votes[repeats].repeated_by = p["vote"]
            if prepared is not None:
                prepared.used_by = p["vote"]

    def _open(self, number: int) -> VoteState:
        vote = self.votes.get(number)
        if vote is None or not vote.is_open or self.open_vote != number:
            raise refuse(CHECK_SEQUENCE, f"vote {number} is not open")
        return vote

    def _on_vote_cast(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        vote = self._open(p["vote"])
        member = p["member"]
        if vote.mode == "secret":
            raise refuse(CHECK_SEQUENCE, "a secret vote takes encrypted ballots only")
        self._at_seat(member, p["seat"], p["card"])
        if member in vote.casts:
            raise refuse(CHECK_SEQUENCE, f"{member} has already voted in vote {vote.vote}")
        self._signed(member, signed_statement("vote", self.scope, p), p["sig"])
        if commit:
            cast = Cast(member, p["seat"], p["choice"], seq, time)
            vote.casts[member] = cast
            vote.history.append(cast)
            vote.last_seq[member] = seq

    def _on_correction_allowed(
        self, p: Mapping[str, Any], seq: int, time: str, commit: bool
    ) -> None:
        vote = self._open(p["vote"])
        if vote.mode == "secret":
            raise refuse(CHECK_CORRECTIONS, "a secret ballot cannot be corrected")
        if p["member"] not in vote.casts:
            raise refuse(CHECK_CORRECTIONS, f"{p['member']} has not voted in vote {vote.vote}")
        if commit:
            vote.allowed_corrections[p["member"]] = p["reason"]

    def _on_vote_corrected(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        vote = self._open(p["vote"])
        member = p["member"]
        reason = vote.allowed_corrections.get(member)
        if reason is None:
            raise refuse(CHECK_CORRECTIONS, f"no correction allowed for {member}")
        if p["reason"] != reason:
            raise refuse(CHECK_CORRECTIONS, "the correction's reason differs from the one allowed")
        if p["corrects"] != vote.last_seq.get(member):
            raise refuse(
                CHECK_CORRECTIONS,
                f"correction must chain to {member}'s last vote event "
                f"#{vote.last_seq.get(member)}, not #{p['corrects']}",
            )
        self._at_seat(member, p["seat"], p["card"])
        self._signed(member, signed_statement("correction", self.scope, p), p["sig"])
        if commit:
            previous = vote.casts[member].choice
            vote.history.append(
                Correction(member, previous, p["choice"], reason, p["corrects"], seq, time)
            )
            vote.casts[member] = Cast(member, p["seat"], p["choice"], seq, time)
            vote.last_seq[member] = seq
            del vote.allowed_corrections[member]

    def _on_secret_vote_prepared(
        self, p: Mapping[str, Any], seq: int, time: str, commit: bool
    ) -> None:
        from urna_parliament.secret import ballot_scope

        expected = ballot_scope(self.sitting, len(self.prepared) + 1)
        if p["ballot_scope"] != expected:
            raise refuse(CHECK_SECRET, f"the next secret vote's scope is {expected}")
        strangers = [m for m in p["commission"] if m not in self.members]
        if strangers:
            raise refuse(CHECK_ROSTER, f"not members: {', '.join(strangers)}")
        if commit:
            self.prepared[expected] = PreparedSecretVote(
                expected, tuple(p["commission"]), p["quorum"]
            )

    def _on_ballot_cast(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        vote = self._open(p["vote"])
        member = p["member"]
        if vote.mode != "secret":
            raise refuse(CHECK_SEQUENCE, "an open vote takes named votes, not ballots")
        self._at_seat(member, p["seat"], p["card"])
        if member in vote.ballots:
            raise refuse(CHECK_SEQUENCE, f"{member} has already voted in vote {vote.vote}")
        if any(b["ballot_id"] == p["ballot_id"] for b in vote.ballots.values()):
            raise refuse(CHECK_SECRET, f"ballot {p['ballot_id']} was already cast")
        from urna_parliament.secret import ballot_statement

        self._signed(member, ballot_statement(self.scope, p), p["sig"])
        if commit:
            vote.ballots[member] = {
                "seat": p["seat"],
                "ballot_id": p["ballot_id"],
                "confirmation_code": p["confirmation_code"],
            }
            vote.last_seq[member] = seq

    def _on_vote_closed(self, p: Mapping[str, Any], seq: int, time: str, commit: bool) -> None:
        vote = self._open(p["vote"])
        figures = vote.figures()
        if vote.mode == "secret":
            if p["tally"] is None:
                raise refuse(CHECK_SECRET, "a secret vote closes with its decrypted result")
            from urna_parliament.secret import result_counts

            election = vote.election or {}
            if p["tally"]["scope"] != election.get("scope"):
                raise refuse(CHECK_SECRET, f"vote {vote.vote}: the result is another scope's")
            try:
                yes, no, abstain = result_counts(
                    p["tally"]["result"], election.get("election_hash", ""), len(vote.ballots)
                )
            except ValueError as exc:
                raise refuse(CHECK_SECRET, f"vote {vote.vote}: {exc}") from None
            figures.update({"for": yes, "against": no, "abstain": abstain})
        elif p["tally"] is not None:
            raise refuse(CHECK_TOTALS, "an open vote carries no tally")
        for name in ("for", "against", "abstain", "not_voting", "absent", "vacant"):
            if p[name] != figures[name]:
                raise refuse(
                    CHECK_TOTALS,
                    f"vote {vote.vote}: {name} is {p[name]}, the votes give {figures[name]}",
                )
        try:
            threshold, outcome = vote.decide(figures["for"], figures["against"], figures["abstain"])
        except RuleError as exc:
            raise refuse(CHECK_TOTALS, str(exc)) from None
        if (p["threshold"], p["outcome"]) != (threshold, outcome):
            raise refuse(
                CHECK_TOTALS,
                f"vote {vote.vote}: outcome {p['outcome']} at {p['threshold']}, the rule gives "
                f"{outcome} at {threshold}",
            )
        if commit:
            vote.closed = dict(p)
            vote.closed_time = time
            self.open_vote = None


def close_figures(vote: VoteState, tally: dict[str, Any] | None = None) -> dict[str, Any]:
    """The payload of ``parliament.vote_closed`` for an open vote's casts."""
    figures = vote.figures()
    threshold, outcome = vote.decide(figures["for"], figures["against"], figures["abstain"])
    return {
        "vote": vote.vote,
        **figures,
        "threshold": threshold,
        "outcome": outcome,
        "tally": tally,
    }


def replay(
    scope: str, events: Iterable[Event]
) -> tuple[SittingState, list[tuple[Event, Violation]]]:
    """Apply every event; answers the state and each refused event with why."""
    state = SittingState(scope)
    refused: list[tuple[Event, Violation]] = []
    for event in events:
        try:
            state.apply(event)
        except Violation as violation:
            refused.append((event, violation))
    return state, refused
