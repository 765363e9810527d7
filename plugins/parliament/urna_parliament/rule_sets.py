"""The majority rules this plugin brings: the Milli Majlis's and those other parliaments use.

A rule's title is its name for people: marked for the catalog here and shown
translated (``words.rule_label``); a chamber's own rules in the settings carry
their title in the chamber's language.
"""

from __future__ import annotations

from urna.api import N_

from urna_parliament.majority import MajorityRule

MILLI_MAJLIS_RULES: tuple[MajorityRule, ...] = (
    MajorityRule.create(
        "ordinary",
        N_("Ordinary laws and resolutions"),
        base="members",
        constant=63,
        confirmed=False,
    ),
    MajorityRule.create(
        "qualified",
        N_("Certain resolutions, veto override of laws"),
        base="members",
        constant=83,
        confirmed=False,
    ),
    MajorityRule.create(
        "constitutional",
        N_("Constitutional laws and additions, veto override of them"),
        base="members",
        constant=95,
        confirmed=True,
    ),
)
"""The Milli Majlis defaults (FIELD.md section 1); 63 and 83 are commonly cited, *unconfirmed*."""

GENERIC_RULES: tuple[MajorityRule, ...] = (
    MajorityRule.create(
        "simple",
        N_("Simple majority: more for than against"),
        base="for_against",
        fraction="1/2",
        more_than=True,
    ),
    MajorityRule.create(
        "absolute",
        N_("Majority of all members"),
        base="members",
        fraction="1/2",
        more_than=True,
    ),
    MajorityRule.create(
        "two-thirds-present",
        N_("Two thirds of the members present"),
        base="present",
        fraction="2/3",
    ),
    MajorityRule.create(
        "three-fifths-cast",
        N_("Three fifths of the votes cast"),
        base="cast",
        fraction="3/5",
    ),
)
"""Rules other parliaments use; the European Parliament's are ``simple`` and ``absolute``."""
