"""Verifier checks for ``urna verify``: the sitting replayed from the published record.

Pure code (urna.record, urna.verify, urna.crypto only). Every check replays
the bundle's sitting with :class:`~urna_parliament.sitting.SittingState`,
the same code the hall ran before each append, and reports each event the
rules refuse under the check the refusal names.
"""

from __future__ import annotations

from collections.abc import Iterator

from urna.record.event import Event
from urna.verify import CheckContext, Failure, RecordView, VerifierCheck

from urna_parliament.record import SITTING_SCOPE_PREFIX
from urna_parliament.sitting import (
    CHECK_CORRECTIONS,
    CHECK_QUORUM,
    CHECK_ROSTER,
    CHECK_SEAT_CARD,
    CHECK_SECRET,
    CHECK_SEQUENCE,
    CHECK_SIGNATURES,
    CHECK_TOTALS,
    Violation,
    replay,
)

_last: list[tuple[RecordView, list[tuple[Event, Violation]]]] = []


def _refusals(record: RecordView) -> list[tuple[Event, Violation]]:
    """One replay per record, shared by the checks (they run one after another)."""
    if _last and _last[0][0] is record:
        return _last[0][1]
    _, refused = replay(record.scope, record.events)
    _last[:] = [(record, refused)]
    return refused


def _failures(record: RecordView, check: str) -> Iterator[Failure]:
    if not record.scope.startswith(SITTING_SCOPE_PREFIX):
        return
    refused = _refusals(record)
    for event, violation in refused:
        if violation.check == check:
            yield Failure(check, event.where, violation.message)


def check_sequence(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Every event of a sitting comes where the rules allow: sitting open, one vote at a time,
    items, speeches and registration rounds in order."""
    yield from _failures(record, CHECK_SEQUENCE)


def check_roster(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Every member who acts is on the sitting's roster, with that key registered as a signer."""
    yield from _failures(record, CHECK_ROSTER)


def check_signatures(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Every registration, named vote, correction and ballot is signed by its member's key."""
    yield from _failures(record, CHECK_SIGNATURES)


def check_seat_card(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Every vote came from a seat where the member's card was in and the member registered."""
    yield from _failures(record, CHECK_SEAT_CARD)


def check_quorum(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """The quorum held when each vote opened: the present list matches registrations and cards."""
    yield from _failures(record, CHECK_QUORUM)


def check_totals(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Each vote's figures and outcome recompute from the individual votes and its rule."""
    yield from _failures(record, CHECK_TOTALS)


def check_corrections(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Each correction was allowed and chains to what it corrects; re-votes to a closed vote."""
    yield from _failures(record, CHECK_CORRECTIONS)


def check_secret(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Secret ballots carry valid proofs; the totals are the proven decryption of their sum."""
    yield from _failures(record, CHECK_SECRET)


VERIFIER_CHECKS: tuple[VerifierCheck, ...] = (
    VerifierCheck(CHECK_SEQUENCE, "Sitting events in order", check_sequence),
    VerifierCheck(CHECK_ROSTER, "Members and their registered keys", check_roster),
    VerifierCheck(CHECK_SIGNATURES, "Members' signatures", check_signatures),
    VerifierCheck(CHECK_SEAT_CARD, "Votes from the member's seat with their card", check_seat_card),
    VerifierCheck(CHECK_QUORUM, "Quorum when each vote opened", check_quorum),
    VerifierCheck(CHECK_TOTALS, "Totals and outcomes recomputed", check_totals),
    VerifierCheck(CHECK_CORRECTIONS, "Corrections and re-votes chained", check_corrections),
    VerifierCheck(CHECK_SECRET, "Secret-vote ballots and tally proofs", check_secret),
)
