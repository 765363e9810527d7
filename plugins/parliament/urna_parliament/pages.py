"""Pages for people: the hall display, the presiding officer's console, the member's page,
the minutes, the stenogram index, the roster and member records, the sittings.

Each is a template in ``templates/parliament/`` extending the core's layout,
in the visitor's language (az, en, ru); the JSON forms of the same data stay
at ``.json`` paths (see ``web.py``). Scripts (hall, console, member's page)
read every word from the page's ``messages`` block.
"""

from __future__ import annotations

from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from urna.api import N_, Page, Translator, render, translator_of

from urna_parliament.drafts import registered_drafts
from urna_parliament.majority import Counts
from urna_parliament.minutes import (
    correction_line,
    protocol,
    registration_line,
    repeat_line,
    signature_line,
)
from urna_parliament.models import Member
from urna_parliament.models import Sitting as SittingRow
from urna_parliament.web import (
    _hall,
    current_row,
    member_record,
    member_row,
    refusals,
)
from urna_parliament.words import (
    FIGURES,
    KINDS,
    MODES,
    OUTCOMES,
    item_line,
    rule_label,
    rule_text,
    term,
)


def words() -> dict[str, Any]:
    """The word lists and phrase helpers every parliament template may use."""
    return {
        "figures": FIGURES,
        "modes": MODES,
        "outcomes": OUTCOMES,
        "kinds": KINDS,
        "term": term,
        "item_line": item_line,
        "rule_text": rule_text,
        "registration_line": registration_line,
        "repeat_line": repeat_line,
        "correction_line": correction_line,
        "signature_line": signature_line,
    }


def _translated(t: Translator, table: dict[str, str]) -> dict[str, str]:
    return {key: t.gettext(message) for key, message in table.items()}


def _rules(request: Request, t: Translator) -> dict[str, str]:
    """The chamber's rules as the hall display names them: title, what they ask, and the
    votes they need in this chamber."""
    hall = _hall(request)
    config = hall.config
    full = Counts(0, 0, 0, config.in_office, config.membership, config.in_office)
    return {name: rule_label(rule, t, full) for name, rule in hall.rules.items()}


async def hall_page(request: Request) -> HTTPResponse:
    """The hall display: presence and quorum, item, speaker and timer, vote, result, seats."""
    t = translator_of(request)
    return render(
        request,
        "parliament/hall.html",
        {
            "sitting": await current_row(),
            "figures": FIGURES,
            "outcomes": _translated(t, OUTCOMES),
            "modes": _translated(t, MODES),
            "rules": _rules(request, t),
        },
    )


async def member_record_page(request: Request, member: str) -> HTTPResponse:
    """A member's speeches and votes across sittings (choices of votes by name only)."""
    row = await member_row(member)
    return render(
        request,
        "parliament/member.html",
        {"record": await member_record(request, row), **words()},
    )


async def roster_page(request: Request) -> HTTPResponse:
    """The roster: seat, name, district, faction."""
    rows = await Member.all().order_by("seat")
    return render(request, "parliament/members.html", {"members": rows})


async def sittings_page(request: Request) -> HTTPResponse:
    """Every sitting, newest first, with its minutes and exports."""
    rows = await SittingRow.all().order_by("-number")
    return render(request, "parliament/sittings.html", {"sittings": rows})


@refusals
async def minutes_page(request: Request, sitting: int) -> HTTPResponse:
    """The e-protocol as a document page, with its PDF in each language."""
    minutes = protocol(await _hall(request).state(sitting))
    return render(request, "parliament/minutes.html", await minutes_context(minutes))


async def minutes_context(minutes: dict[str, Any]) -> dict[str, Any]:
    """What the minutes template reads: the minutes, the drafts they link to, the words."""
    drafts = await registered_drafts([item["draft_number"] for item in minutes["agenda"]])
    return {"minutes": minutes, "drafts": drafts, **words()}


PAGES: tuple[Page, ...] = (
    Page("/hall", hall_page, N_("Hall display"), nav="public", order=20),
    Page("/sittings", sittings_page, N_("Sittings"), nav="public", order=21),
    Page("/members", roster_page, N_("Members"), nav="public", order=23),
    Page("/members/<member>", member_record_page, N_("Member's record"), nav=None),
    Page("/sittings/<sitting:int>/minutes.html", minutes_page, N_("Minutes"), nav=None),
)
