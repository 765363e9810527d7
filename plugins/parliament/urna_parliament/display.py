"""What the hall's screens show, from the replayed record: the public hall display, the
presiding officer's console and the member's own view of the hall.

Each is a plain function of a :class:`SittingState` (and, for the console and the
member, the words of the page's language): the routes serve them as JSON and the
pages' scripts render them. A member's choice appears only where the record
publishes it: on the hall display, for a vote by name once it is closed; on the
member's own view, their own choice in an open vote (never in a secret one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from urna.api import Translator

from urna_parliament.majority import Counts, MajorityRule
from urna_parliament.sitting import SittingState, VoteState
from urna_parliament.words import FIGURES, KINDS, MODES, OUTCOMES, item_line, rule_label, term


def speaker_name(state: SittingState, speaker: str) -> str:
    member = state.members.get(speaker)
    return member.name if member else speaker


def display(state: SittingState) -> dict[str, Any]:
    """What the hall screen shows: presence and quorum, the item, the speaker, the vote,
    and the seat plan with every seat: a member's (card in, registered, voted) or vacant."""
    present = set(state.present())
    item = state.items.get(state.current_item or 0)
    seats: dict[int, dict[str, Any]] = {seat: {"vacant": True} for seat in state.vacant_seats}
    for member in state.members.values():
        seats[member.seat] = {
            "member": member.member,
            "name": member.name,
            "card": state.seats.get(member.seat) == member.card,
            "present": member.member in present,
        }
    open_vote = state.votes.get(state.open_vote or 0)
    vote = None
    if open_vote is not None:
        voted = sorted(open_vote.voters())
        vote = {
            "vote": open_vote.vote,
            "question": open_vote.question,
            "mode": open_vote.mode,
            "rule": open_vote.rule.describe(),
            "rule_name": open_vote.rule.name,
            "voted_count": len(voted),
            "voted": [] if open_vote.mode == "secret" else voted,
            "present": len(open_vote.present),
        }
    last = last_closed(state)
    result = None
    if last is not None and last.closed is not None:
        result = {
            "vote": last.vote,
            "question": last.question,
            "mode": last.mode,
            "rule": last.rule.describe(),
            "rule_name": last.rule.name,
            **{k: last.closed[k] for k in (*FIGURES, "outcome")},
        }
        if last.mode == "named":
            result["named"] = {m: c.choice for m, c in last.casts.items()}
    return {
        "sitting": state.sitting,
        "protocol": state.header.get("protocol", ""),
        "date": state.header.get("date", ""),
        "presiding": state.header.get("presiding", ""),
        "open": state.is_open,
        "membership": state.membership,
        "in_office": state.in_office,
        "quorum": state.quorum,
        "present": len(present),
        "quorum_reached": len(present) >= state.quorum,
        "registration_open": registration_open(state),
        "item": None
        if item is None
        else {
            "item": item.item,
            "title": item.title,
            "draft_number": item.draft_number,
            "reading": item.reading,
            "kind": item.kind,
            "queue": [speaker_name(state, m) for m in item.order],
        },
        "speech": _speech(state),
        "vote": vote,
        "result": result,
        "seats": seats,
        "seats_in_plan": int(state.header.get("seats", state.membership)),
        "seq": state.seq,
    }


def _speech(state: SittingState) -> dict[str, Any] | None:
    """The speech under way, for the speaking timer: who, since when, for how long."""
    speech = state.speeches.get(state.speaking or 0)
    if speech is None:
        return None
    return {
        "speech": speech.speech,
        "speaker": speaker_name(state, speech.speaker),
        "started": speech.started,
        "limit_seconds": speech.limit_seconds,
    }


def registration_open(state: SittingState) -> bool:
    return bool(state.rounds and not state.rounds[-1].closed)


def last_closed(state: SittingState) -> VoteState | None:
    return next((v for v in reversed(state.votes.values()) if v.closed is not None), None)


def _person(state: SittingState, member: str) -> dict[str, Any]:
    entry = state.members[member]
    return {"member": member, "name": entry.name, "seat": entry.seat}


def _people(state: SittingState, members: Any) -> list[dict[str, Any]]:
    """Members with name and seat, in seat order: how the officer finds them in the hall."""
    return sorted((_person(state, m) for m in members), key=lambda p: p["seat"])


def _figures(vote: VoteState, t: Translator) -> list[dict[str, Any]]:
    closed = vote.closed or {}
    return [{"key": k, "label": t.gettext(FIGURES[k]), "value": closed[k]} for k in FIGURES]


def console(
    state: SittingState,
    rules: Mapping[str, MajorityRule],
    t: Translator,
    secret: Mapping[str, Any],
) -> dict[str, Any]:
    """The presiding officer's console: everything it shows and which acts apply now.

    Words come translated (rules by their names with the votes they need, modes,
    outcomes); who has voted is shown, never what in a totals-only or secret vote.
    ``secret`` is the hall's :meth:`~urna_parliament.hall.Hall.secret_overview`."""
    present = state.present()
    full = Counts(0, 0, 0, len(present), state.membership, state.in_office)
    open_vote = state.votes.get(state.open_vote or 0)
    agenda = []
    for item in state.items.values():
        rule = rules.get(item.rule)
        agenda.append(
            {
                "item": item.item,
                "line": item_line(
                    {
                        "title": item.title,
                        "draft_number": item.draft_number,
                        "reading": item.reading,
                    },
                    t,
                ),
                "kind": term(t, KINDS, item.kind),
                "rule": rule_label(rule, t, full) if rule else item.rule,
                "current": item.item == state.current_item,
                "votes": [
                    {
                        "vote": v.vote,
                        "question": v.question,
                        "mode": term(t, MODES, v.mode),
                        "outcome": term(t, OUTCOMES, v.closed["outcome"]) if v.closed else "",
                    }
                    for v in state.votes.values()
                    if v.item == item.item
                ],
            }
        )
    current = state.items.get(state.current_item or 0)
    debate = None
    if current is not None:
        debate = {
            "item": current.item,
            "requests": [m for m in current.requests if m in state.members],
            "queue": [_person(state, m) for m in current.order if m in state.members],
        }
    vote = None
    if open_vote is not None:
        voters = open_vote.voters()
        vote = {
            "vote": open_vote.vote,
            "item": open_vote.item,
            "question": open_vote.question,
            "mode": open_vote.mode,
            "mode_word": term(t, MODES, open_vote.mode),
            "rule": rule_label(open_vote.rule, t, full),
            "voted": len(voters),
            "present": len(open_vote.present),
            "not_voted": _people(state, open_vote.attending() - voters),
            "correctable": []
            if open_vote.mode == "secret"
            else _people(state, set(open_vote.casts) - set(open_vote.allowed_corrections)),
            "corrections_allowed": _people(state, open_vote.allowed_corrections),
        }
    last = last_closed(state)
    result = None
    if last is not None:
        result = {
            "vote": last.vote,
            "question": last.question,
            "mode": term(t, MODES, last.mode),
            "figures": _figures(last, t),
            "outcome": last.closed["outcome"] if last.closed else "",
            "outcome_word": term(t, OUTCOMES, last.closed["outcome"]) if last.closed else "",
        }
    return {
        "sitting": state.sitting,
        "open": state.is_open,
        "seq": state.seq,
        "membership": state.membership,
        "in_office": state.in_office,
        "vacant": len(state.vacant_seats),
        "quorum": state.quorum,
        "present": len(present),
        "quorum_reached": len(present) >= state.quorum,
        "registration_open": registration_open(state),
        "rounds": len(state.rounds),
        "agenda": agenda,
        "current_item": state.current_item,
        "debate": debate,
        "speech": _speech(state),
        "vote": vote,
        "result": result,
        "repeatable": [
            {"vote": v.vote, "item": v.item, "question": v.question, "mode": v.mode}
            for v in state.votes.values()
            if v.closed is not None and v.repeated_by is None
        ],
        "members": _people(state, present),
        "secret": {
            "ready": secret["ready"],
            "pending": [
                {**p, "commission": _people(state, p["commission"])} for p in secret["pending"]
            ],
            "counting": secret["counting"]
            and {k: v for k, v in secret["counting"].items() if k != "result"},
        },
    }


def member_view(state: SittingState, member: str, t: Translator) -> dict[str, Any]:
    """What the member's own page shows of the hall now: their card and registration, the
    open vote and whether they have voted; their own choice where the mode records it
    (by name and totals only), never in a secret vote."""
    entry = state.members.get(member)
    seat = entry.seat if entry else None
    open_vote = state.votes.get(state.open_vote or 0)
    vote = None
    if open_vote is not None:
        cast = open_vote.casts.get(member)
        vote = {
            "vote": open_vote.vote,
            "question": open_vote.question,
            "mode": term(t, MODES, open_vote.mode),
            "secret": open_vote.mode == "secret",
            "voted": member in open_vote.voters(),
            "choice": term(t, FIGURES, cast.choice) if cast and open_vote.mode != "secret" else "",
            "correction_allowed": member in open_vote.allowed_corrections,
        }
    return {
        "sitting": state.sitting,
        "open": state.is_open,
        "on_roster": entry is not None,
        "seat": seat,
        "card_in_seat": entry is not None and state.seats.get(entry.seat) == entry.card,
        "registered": member in state.present(),
        "registration_open": registration_open(state),
        "vote": vote,
        "seq": state.seq,
    }
