"""The observer's checks of the key ceremony's share exchange (``ceremony.*``).

Between ``core.election_key`` and ``core.election_opened`` the record holds
every share the guardians sent each other, as the appliance relayed it
(ciphertext only), every founded complaint with its evidence, every share a
sender revealed in answer, and every guardian's confirmation of the ceremony
hash H_C, which covers H_E and every relayed share ciphertext
(``docs/spec.md`` section 14). These checks judge all of it again from the
record alone. A scope with no election passes them trivially.

``election.confirmations`` is defined here too: guardians sign H_C, which
only this module computes; :func:`with_ceremony_checks` puts these checks
after the base-hash check, where the ceremony comes in an election.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence

import attrs

from urna.crypto.ceremony import (
    Complaint,
    EncryptedShare,
    Verdict,
    check_relayed_share,
    check_revealed_share,
    judge_complaint,
)
from urna.crypto.election import Election, ceremony_hash
from urna.crypto.election import verify_ceremony_confirmation as _verify_confirmation
from urna.crypto.errors import VerificationError
from urna.crypto.group import Scalar
from urna.record import election_events as ev
from urna.record.event import Event
from urna.verify.check import CheckContext, Failure, VerifierCheck
from urna.verify.election_checks import election_analysis, parsed_or_none
from urna.verify.record_view import RecordView, per_record

__all__ = ["CEREMONY_CHECKS", "with_ceremony_checks"]

Pair = tuple[int, int]


@attrs.define
class _Ceremony:
    """The ceremony events of a record, parsed (None where a payload does not decode)."""

    key: Event | None = None
    opened: Event | None = None
    election: Election | None = None
    shares: list[tuple[Event, EncryptedShare | None]] = attrs.Factory(list)
    complaints: list[tuple[Event, tuple[Complaint, Verdict] | None]] = attrs.Factory(list)
    reveals: list[tuple[Event, tuple[int, int, Scalar] | None]] = attrs.Factory(list)
    confirmations: list[Event] = attrs.Factory(list)

    @property
    def present(self) -> bool:
        return bool(
            self.key or self.shares or self.complaints or self.reveals or self.confirmations
        )

    def relayed(self) -> dict[Pair, tuple[Event, EncryptedShare]]:
        """The first relayed share of each pair."""
        out: dict[Pair, tuple[Event, EncryptedShare]] = {}
        for event, share in self.shares:
            if share is not None:
                out.setdefault((share.sender, share.recipient), (event, share))
        return out

    def expected_pairs(self) -> list[Pair]:
        if self.election is None:
            return []
        ids = [g.guardian_id for g in self.election.guardians]
        return [(i, j) for i in ids for j in ids if i != j]


def _build(record: RecordView) -> _Ceremony:
    """The share exchange's events, parsed, around what the election checks' analysis
    already holds: the Election (rebuilt once per record, its proofs checked once),
    the joint key, the opening and the confirmations."""
    a = election_analysis(record)
    c = _Ceremony(
        key=a.keys[0] if a.keys else None,
        opened=a.opened[0] if a.opened else None,
        election=a.election,
        confirmations=list(a.confirmations),
    )
    for event in record.of_type(*ev.CEREMONY_TYPES):
        p = event.payload
        if event.type == ev.ELECTION_SHARE:
            c.shares.append((event, parsed_or_none(ev.share_from_payload, p)))
        elif event.type == ev.ELECTION_COMPLAINT:
            c.complaints.append((event, parsed_or_none(ev.complaint_from_payload, p)))
        else:
            c.reveals.append((event, parsed_or_none(ev.reveal_from_payload, p)))
    return c


_ceremony = per_record(_build)


def _cannot_check(check: str, c: _Ceremony, record: RecordView) -> Iterator[Failure]:
    where = c.key.where if c.key is not None else record.scope
    yield Failure(check, where, "cannot check: the election's key material cannot be rebuilt")


def _first_confirmation_seq(c: _Ceremony) -> int | None:
    return min((e.seq for e in c.confirmations), default=None)


def _in_window(c: _Ceremony, event: Event) -> str:
    """Why an exchange event is out of place ('' when it is not)."""
    if c.key is None or event.seq < c.key.seq:
        return "before the joint key (core.election_key)"
    if c.opened is not None and event.seq > c.opened.seq:
        return "after voting opened"
    return ""


def check_shares(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Every ordered pair of distinct guardians has exactly one relayed share, between
    the joint key and the first confirmation; each is addressed to guardians of this
    election, carries a valid one-time key and is signed by its sender."""
    fail = functools.partial(Failure, "ceremony.shares")
    c = _ceremony(record)
    if not c.present:
        return
    if c.election is None:
        if c.shares or c.opened is not None:
            yield from _cannot_check("ceremony.shares", c, record)
        return
    first_confirmation = _first_confirmation_seq(c)
    ph = c.election.parameters.parameters_hash()
    seen: dict[Pair, str] = {}
    expected = set(c.expected_pairs())
    for event, share in c.shares:
        if share is None:
            yield fail(event.where, "share does not decode")
            continue
        pair = (share.sender, share.recipient)
        misplaced = _in_window(c, event)
        if misplaced:
            yield fail(event.where, f"share relayed {misplaced}")
        elif first_confirmation is not None and event.seq > first_confirmation:
            yield fail(event.where, "share relayed after a guardian confirmed")
        if pair not in expected:
            yield fail(event.where, f"share {pair[0]}->{pair[1]} is not between two guardians")
            continue
        if pair in seen:
            yield fail(event.where, f"share {pair[0]}->{pair[1]} already relayed at {seen[pair]}")
            continue
        seen[pair] = event.where
        try:
            check_relayed_share(share, c.election.guardian(share.sender), ph)
        except VerificationError as exc:
            yield fail(event.where, str(exc))
    if c.opened is not None or c.confirmations:
        missing = sorted(expected - set(seen))
        if missing:
            where = c.opened.where if c.opened is not None else c.confirmations[0].where
            yield fail(where, f"confirmed or opened without the shares {missing[:8]}")


def check_complaints(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Every recorded complaint's evidence is the share relayed for its pair, filed
    after it and before its recipient confirmed, and supports the recorded verdict;
    every reveal answers a sender-must-reveal complaint once, with a share matching the
    sender's commitments; an election opens only when no complaint proved a guardian
    at fault and every complaint was answered."""
    fail = functools.partial(Failure, "ceremony.complaints")
    c = _ceremony(record)
    if not (c.complaints or c.reveals):
        return
    if c.election is None:
        yield from _cannot_check("ceremony.complaints", c, record)
        return
    ph = c.election.parameters.parameters_hash()
    relayed = c.relayed()
    confirmed_at = _confirmation_seqs(c)
    verdicts: dict[Pair, Verdict] = {}
    for event, parsed in c.complaints:
        if parsed is None:
            yield fail(event.where, "complaint does not decode")
            continue
        complaint, verdict = parsed
        pair = (complaint.sender, complaint.recipient)
        misplaced = _in_window(c, event)
        if misplaced:
            yield fail(event.where, f"complaint filed {misplaced}")
        share = relayed.get(pair)
        if share is None or share[1] != complaint.share or share[0].seq > event.seq:
            yield fail(event.where, "the evidence is not a share relayed before the complaint")
            continue
        if pair in verdicts:
            yield fail(event.where, f"a second complaint about share {pair[0]}->{pair[1]}")
            continue
        if complaint.recipient in confirmed_at and confirmed_at[complaint.recipient] < event.seq:
            yield fail(event.where, f"guardian {complaint.recipient} had already confirmed")
        try:
            judged = judge_complaint(complaint, c.election.guardian(complaint.sender), ph)
        except (VerificationError, KeyError) as exc:
            yield fail(event.where, f"unfounded complaint recorded: {exc}")
            continue
        if judged is not verdict:
            yield fail(event.where, f"evidence supports {judged.value}, not {verdict.value}")
        verdicts[pair] = judged
    revealed: dict[Pair, Event] = {}
    for event, reveal in c.reveals:
        if reveal is None:
            yield fail(event.where, "reveal does not decode")
            continue
        sender, recipient, value = reveal
        pair = (sender, recipient)
        if verdicts.get(pair) is not Verdict.SENDER_MUST_REVEAL:
            yield fail(event.where, f"no sender-must-reveal complaint about {sender}->{recipient}")
            continue
        if pair in revealed:
            yield fail(event.where, f"share {sender}->{recipient} revealed twice")
            continue
        revealed[pair] = event
        misplaced = _in_window(c, event)
        if misplaced:
            yield fail(event.where, f"share revealed {misplaced}")
        try:
            check_revealed_share(c.election.guardian(sender), recipient, value)
        except VerificationError as exc:
            yield fail(event.where, str(exc))
    if c.opened is not None:
        at_fault = sorted({s for (s, _), v in verdicts.items() if v is Verdict.SENDER_AT_FAULT})
        if at_fault:
            yield fail(c.opened.where, f"voting opened although guardians {at_fault} are at fault")
        open_pairs = sorted(
            p for p, v in verdicts.items() if v is Verdict.SENDER_MUST_REVEAL and p not in revealed
        )
        if open_pairs:
            yield fail(c.opened.where, f"voting opened with complaints {open_pairs} unanswered")


def _guardian_id(confirmation: Event) -> int | None:
    """The guardian a confirmation names, when that is an integer (``record.payloads``
    reports a malformed one)."""
    gid = confirmation.payload.get("guardian_id")
    return gid if isinstance(gid, int) and not isinstance(gid, bool) else None


def _confirmation_seqs(c: _Ceremony) -> dict[int, int]:
    out: dict[int, int] = {}
    for event in c.confirmations:
        gid = _guardian_id(event)
        if gid is not None:
            out.setdefault(gid, event.seq)
    return out


def _ceremony_hash(c: _Ceremony) -> bytes | None:
    if c.election is None:
        return None
    relayed = c.relayed()
    if set(relayed) != set(c.expected_pairs()):
        return None
    try:
        return ceremony_hash(c.election, [share for _, share in relayed.values()])
    except VerificationError:
        return None


def check_confirmations(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Every guardian signed the ceremony hash H_C (H_E and every relayed share
    ciphertext) with its Ed25519 key, once, after every share was relayed and every
    complaint of its own answered, before voting opened."""
    fail = functools.partial(Failure, "election.confirmations")
    c = _ceremony(record)
    if not c.confirmations and c.opened is None:
        return
    if c.election is None:
        yield from _cannot_check("election.confirmations", c, record)
        return
    h_c = _ceremony_hash(c)
    if h_c is None:
        first = c.confirmations[0] if c.confirmations else c.opened
        yield fail(first.where if first else "", "cannot check: the relayed shares are incomplete")
        return
    last_share = max((e.seq for e, _ in c.relayed().values()), default=-1)
    reveals = {
        (parsed[0], parsed[1]): event.seq for event, parsed in c.reveals if parsed is not None
    }
    must_reveal = [
        parsed[0]
        for _, parsed in c.complaints
        if parsed is not None and parsed[1] is Verdict.SENDER_MUST_REVEAL
    ]
    confirmed: set[int] = set()
    for event in c.confirmations:
        gid = _guardian_id(event) or 0
        try:
            signature = bytes.fromhex(str(event.payload.get("signature", "")))
            _verify_confirmation(c.election, gid, signature, h_c)
        except (ValueError, VerificationError) as exc:
            yield fail(event.where, str(exc))
            continue
        if gid in confirmed:
            yield fail(event.where, f"guardian {gid} confirmed twice")
        confirmed.add(gid)
        if event.seq < last_share:
            yield fail(event.where, "confirmed before every share was relayed")
        if c.opened is not None and event.seq > c.opened.seq:
            yield fail(event.where, "confirmed after voting opened")
        for complaint in must_reveal:
            if (
                complaint.recipient == gid
                and reveals.get((complaint.sender, complaint.recipient), event.seq + 1) > event.seq
            ):
                yield fail(
                    event.where,
                    f"confirmed before its complaint about {complaint.sender} was answered",
                )
    missing = sorted({g.guardian_id for g in c.election.guardians} - confirmed)
    if c.opened is not None and missing:
        yield fail(c.opened.where, f"voting opened without confirmations of {missing}")


CEREMONY_CHECKS: tuple[VerifierCheck, ...] = (
    VerifierCheck("ceremony.shares", "Relayed key shares", check_shares),
    VerifierCheck("ceremony.complaints", "Complaints and reveals", check_complaints),
    VerifierCheck("election.confirmations", "Guardian confirmations", check_confirmations),
)


def with_ceremony_checks(checks: Sequence[VerifierCheck]) -> tuple[VerifierCheck, ...]:
    """``checks`` with the ceremony's checks after ``election.base-hash`` (or appended,
    where there is none), so a report lists the election's steps in their order."""
    ids = [check.id for check in checks]
    at = ids.index("election.base-hash") + 1 if "election.base-hash" in ids else len(ids)
    return (*checks[:at], *CEREMONY_CHECKS, *checks[at:])
