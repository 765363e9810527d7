"""Secret votes through the crypto core (placeholder until built)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from urna_parliament.sitting import VoteState


def ballot_statement_fields(vote: int, payload: Mapping[str, Any]) -> dict[str, Any]:
    return {"vote": vote, "member": payload["member"], "seat": payload["seat"],
            "card": payload["card"]}


def check_ballot(vote: VoteState, member: str, ballot: Mapping[str, Any]) -> None:
    raise ValueError("secret ballots are not supported yet")


def check_tally(vote: VoteState, tally: Mapping[str, Any]) -> tuple[int, int, int]:
    raise ValueError("secret tallies are not supported yet")


def console_ballot(vote: VoteState, member: str, seat: int, choice: str) -> dict[str, Any]:
    raise ValueError("secret ballots are not supported yet")
