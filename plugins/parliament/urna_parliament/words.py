"""The hall's words in the page's language: vote modes, choices, figures, outcomes, rules.

Written in English, marked for the plugin's catalog with ``N_`` and translated
where they are shown, so the pages, the minutes and the PDF say the same
thing in Azerbaijani, English and Russian. The record keeps the ids
(``named``, ``for``, ``adopted``); a person never reads an id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from urna.api import N_, Translator

from urna_parliament.majority import Counts, MajorityRule

MODES = {
    "named": N_("vote by name"),
    "totals": N_("open vote, totals only"),
    "secret": N_("secret vote"),
}
FIGURES = {
    "for": N_("For"),
    "against": N_("Against"),
    "abstain": N_("Abstain"),
    "not_voting": N_("Present, did not vote"),
    "absent": N_("Absent"),
    "vacant": N_("Vacant seats"),
    "threshold": N_("Votes needed"),
}
"""A closed vote's figures in the order the minutes print them; the first five are also
what a member's line in a vote by name says. A vacant seat is counted apart, never absent."""
FIXED_BASES = ("members", "in_office")
"""Bases known before a vote: a rule over them needs a number of votes the console can show."""
OUTCOMES = {"adopted": N_("ADOPTED"), "rejected": N_("REJECTED")}
KINDS = {"draft": N_("draft law"), "resolution": N_("resolution"), "other": N_("other matter")}
AT_LEAST = {
    "members": N_("at least %(fraction)s of all members"),
    "in_office": N_("at least %(fraction)s of the members in office"),
    "present": N_("at least %(fraction)s of the members present"),
    "cast": N_("at least %(fraction)s of the votes cast"),
    "for_against": N_("at least %(fraction)s of the votes for and against"),
}
MORE_THAN = {
    "members": N_("more than %(fraction)s of all members"),
    "in_office": N_("more than %(fraction)s of the members in office"),
    "present": N_("more than %(fraction)s of the members present"),
    "cast": N_("more than %(fraction)s of the votes cast"),
    "for_against": N_("more than %(fraction)s of the votes for and against"),
}


def term(t: Translator, words: Mapping[str, str], key: str) -> str:
    """The word for ``key`` in ``t``'s language (an unknown id is shown as it is)."""
    return t.gettext(words[key]) if key in words else key


def rule_text(rule: MajorityRule | Mapping[str, Any], t: Translator) -> str:
    """What a majority rule asks for, as a phrase: 'at least 63 votes of all members'."""
    if not isinstance(rule, MajorityRule):
        rule = MajorityRule.from_json(rule)
    if rule.fraction == 0:
        text = _fixed(rule.base, rule.constant, t)
    else:
        phrases = MORE_THAN if rule.more_than else AT_LEAST
        text = t.gettext(phrases[rule.base], fraction=str(rule.fraction))
        if rule.constant:
            text = t.ngettext(
                "%(rule)s, plus %(num)s vote",
                "%(rule)s, plus %(num)s votes",
                rule.constant,
                rule=text,
            )
    if not rule.confirmed:
        text = t.gettext("%(rule)s (figure not confirmed from the law)", rule=text)
    return text


def rule_label(rule: MajorityRule, t: Translator, counts: Counts | None = None) -> str:
    """A rule as the console offers it: its name in the page's language, what it asks for,
    and, where the chamber's size fixes it (``counts``), the votes it needs:
    'Constitutional laws and additions: at least 95 votes of all members (95 votes)'."""
    text = t.gettext(
        "%(name)s: %(rule)s",
        name=t.gettext(rule.title) if rule.title else rule.name,
        rule=rule_text(rule, t),
    )
    if counts is None or rule.base not in FIXED_BASES or rule.fraction == 0:
        return text  # a fixed number of votes already says what it needs
    needed = rule.threshold(counts)
    return t.ngettext("%(rule)s (%(num)s vote)", "%(rule)s (%(num)s votes)", needed, rule=text)


def _fixed(base: str, count: int, t: Translator) -> str:
    if base == "members":
        return t.ngettext(
            "at least %(num)s vote of all members",
            "at least %(num)s votes of all members",
            count,
        )
    if base == "in_office":
        return t.ngettext(
            "at least %(num)s vote of the members in office",
            "at least %(num)s votes of the members in office",
            count,
        )
    if base == "present":
        return t.ngettext(
            "at least %(num)s vote of the members present",
            "at least %(num)s votes of the members present",
            count,
        )
    if base == "cast":
        return t.ngettext(
            "at least %(num)s vote of the votes cast",
            "at least %(num)s votes of the votes cast",
            count,
        )
    return t.ngettext(
        "at least %(num)s vote of the votes for and against",
        "at least %(num)s votes of the votes for and against",
        count,
    )


def item_line(item: Mapping[str, Any], t: Translator) -> str:
    """An agenda item as the minutes name it: its title, and a draft's number and reading."""
    if item.get("draft_number") and item.get("reading"):
        return t.gettext(
            "%(title)s (draft No. %(number)s, reading %(reading)s)",
            title=item["title"],
            number=item["draft_number"],
            reading=item["reading"],
        )
    if item.get("draft_number"):
        return t.gettext(
            "%(title)s (draft No. %(number)s)", title=item["title"], number=item["draft_number"]
        )
    return str(item["title"])
