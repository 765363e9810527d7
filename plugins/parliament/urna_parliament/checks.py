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


def _check(check: str, title: str, doc: str) -> VerifierCheck:
    """A check reporting each event the replay refused under ``check``.

    The eight checks differ only in that id; ``doc`` becomes the check function's
    docstring, which ``VerifierCheck.description`` reads.
    """

    def run(record: RecordView, _: CheckContext) -> Iterator[Failure]:
        if not record.scope.startswith(SITTING_SCOPE_PREFIX):
            return
        for event, violation in _refusals(record):
            if violation.check == check:
                yield Failure(check, event.where, violation.message)

    run.__doc__ = doc
    return VerifierCheck(check, title, run, applies_to=("parliament.",))


VERIFIER_CHECKS: tuple[VerifierCheck, ...] = (
    _check(
        CHECK_SEQUENCE,
        "Sitting events in order",
        """Every event of a sitting comes where the rules allow: sitting open, one vote at a time,
    items, speeches and registration rounds in order.""",
    ),
    _check(
        CHECK_ROSTER,
        "Members and their registered keys",
        "Every member who acts is on the sitting's roster, with that key registered as a signer.",
    ),
    _check(
        CHECK_SIGNATURES,
        "Members' signatures",
        "Every registration, named vote, correction and ballot is signed by its member's key.",
    ),
    _check(
        CHECK_SEAT_CARD,
        "Votes from the member's seat with their card",
        "Every vote came from a seat where the member's card was in and the member registered.",
    ),
    _check(
        CHECK_QUORUM,
        "Quorum when each vote opened",
        "The quorum held when each vote opened: the present list matches registrations and cards.",
    ),
    _check(
        CHECK_TOTALS,
        "Totals and outcomes recomputed",
        "Each vote's figures and outcome recompute from the individual votes and its rule.",
    ),
    _check(
        CHECK_CORRECTIONS,
        "Corrections and re-votes chained",
        "Each correction was allowed and chains to what it corrects; re-votes to a closed vote.",
    ),
    _check(
        CHECK_SECRET,
        "Secret votes tied to their ballot box",
        """Each secret vote opens a prepared ballot box, its ballots are signed by their members
    at their seats, and its figures are that ballot box's decrypted result over exactly the
    sitting's ballots (the ballots' proofs and the decryption: ``election.*`` checks).""",
    ),
)
