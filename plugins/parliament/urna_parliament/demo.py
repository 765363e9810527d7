"""``urna demo``: a whole sitting of the configured chamber, driven through the device layer.

The chamber is the configuration's (``[plugin.parliament]``: membership, vacant
seats, quorum, rules): by default the Milli Majlis's 125 seats. A simulated
console per member inserts its card and registers through the replay source
and the core's device manager (118 of every 125 members in office); a
quorum is reached; three items are
debated with speakers; votes by name and totals-only, a correction, a failed
vote repeated, and a secret vote counted by a commission of members as
guardians; the minutes are written to the reports directory as HTML (a standalone
copy of the served page) and PDF in Azerbaijani, English and Russian, and
as JSON.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
from urna.api import (
    Demo,
    DemoContext,
    DemoResult,
    DeviceManager,
    ReplaySource,
)

from urna_parliament.demo_archive import ARCHIVE_SCOPES, file_demo_archive
from urna_parliament.devices import DRIVERS, CardInserted, HallBridge, KeyPressed, encode_event
from urna_parliament.exports import akoma_ntoso, popolo_vote_events
from urna_parliament.hall import Hall, hall_of
from urna_parliament.majority import Counts
from urna_parliament.minutes import protocol
from urna_parliament.minutes_report import minutes_html, minutes_pdf
from urna_parliament.record import sitting_scope
from urna_parliament.rule_sets import MILLI_MAJLIS_RULES
from urna_parliament.simulator import SimulatedCommission, chamber, choices
from urna_parliament.web import PDF_LANGUAGES

MILLI_MAJLIS_SIZE = 125
"""The figures below are the Milli Majlis's; another chamber's are scaled to its size."""


@attrs.frozen(slots=True)
class Plan:
    """Who does what in the demo's sitting, fitted to the configured chamber."""

    roster: list[dict[str, Any]]
    registered: list[dict[str, Any]]
    rules: tuple[str, str, str]
    """The rules of the law, the resolution and the constitutional law."""

    @classmethod
    def for_hall(cls, hall: Hall) -> Plan:
        config = hall.config
        roster, _ = chamber(config.membership, vacant=config.vacant_seats)
        registered = roster[: scaled(118, len(roster))]
        return cls(roster, registered, _demo_rules(hall))

    def member(self, index: int) -> str:
        """The ``index``-th registered member, spread over the hall."""
        step = max(1, len(self.registered) // 25)
        return str(self.registered[(index * step) % len(self.registered)]["member"])

    def figures(self, yes: int, no: int, abstain: int) -> tuple[int, int, int]:
        """A Milli Majlis vote's figures (of 118 present) for this chamber's members present."""
        present = len(self.registered)
        return scaled(yes, present, 118), scaled(no, present, 118), scaled(abstain, present, 118)


def scaled(figure: int, size: int, of: int = MILLI_MAJLIS_SIZE) -> int:
    """``figure`` of ``of``, in a chamber of ``size``; exact for the Milli Majlis's own."""
    return figure if size == of else round(figure * size / of)


def _demo_rules(hall: Hall) -> tuple[str, str, str]:
    """The default rule for the law; for the resolution and the constitutional law the
    chamber's next two rules (its rule set, else the Milli Majlis's), the less demanding
    first."""
    config = hall.config
    names = config.rule_set or tuple(rule.name for rule in MILLI_MAJLIS_RULES)
    others = [hall.rules[name] for name in names if name != config.default_rule][:2]
    if len(others) < 2:
        raise ValueError("the demo needs a rule set of at least three rules")
    full = Counts(0, 0, 0, config.in_office, config.membership, config.in_office)
    lower, higher = sorted(others, key=lambda rule: rule.threshold(full))
    return config.default_rule, lower.name, higher.name


async def drive(hall: Hall, sitting: int, events: list[Any]) -> HallBridge:
    """Play seat events through a replay source, the device manager and the hall bridge."""
    bridge = HallBridge(hall, sitting)
    manager = DeviceManager(DRIVERS, bridge.emit)
    cards = {e.card: e.signer for e in events if isinstance(e, CardInserted)}
    lines = [json.dumps(encode_event(e, at=i / 1000)) for i, e in enumerate(events)]
    from urna_parliament.devices import decode_event

    await ReplaySource(lines, lambda record: decode_event(record, cards)).run(manager)
    await bridge.drain()
    return bridge


async def vote_by_consoles(
    hall: Hall,
    sitting: int,
    item: int,
    mode: str,
    question: str,
    figures: tuple[int, int, int],
    *,
    seed: int,
    plan: Plan,
    **options: Any,
) -> int:
    """Open a vote and have the registered members' consoles press ``figures`` of it."""
    vote = await hall.open_vote(sitting, item=item, mode=mode, question=question, **options)
    seats = [m["seat"] for m in plan.registered]
    presses = [
        KeyPressed(seat, choice)
        for seat, choice in zip(
            seats, choices(len(seats), *plan.figures(*figures), seed=seed), strict=True
        )
        if choice
    ]
    await drive(hall, sitting, presses)
    return vote


async def run_sitting(context: DemoContext) -> DemoResult:
    hall = hall_of(context.services)
    config = hall.config
    plan = Plan.for_hall(hall)
    roster, cards = chamber(config.membership, vacant=config.vacant_seats)
    # The Speaker presides and is a member: her card signs the minutes (demo_archive.py).
    roster[0]["name"] = "Sahibə Qafarova"
    await hall.import_roster("VII", roster)
    sitting = await hall.open_sitting(
        protocol="12",
        date="2026-03-10",
        presiding=roster[0]["name"],
        invited=["Nazirlər Kabinetinin nümayəndəsi", "Hesablama Palatasının sədri"],
    )
    await hall.registration(sitting, "open")
    seated: list[Any] = [CardInserted(m["seat"], m["card"], cards[m["member"]]) for m in roster]
    seated += [KeyPressed(m["seat"], "register") for m in plan.registered]
    await drive(hall, sitting, seated)
    await hall.registration(sitting, "close")

    law = await hall.add_item(
        sitting,
        kind="draft",
        title="Vergi Məcəlləsinə dəyişikliklər edilməsi haqqında",
        draft_number="1234-7GQ",
        reading="I",
        rule=plan.rules[0],
        documents=[{"title": "Qanun layihəsi", "href": "/p/parliament/drafts/1234-7GQ"}],
    )
    resolution = await hall.add_item(
        sitting,
        kind="resolution",
        title="Hesablama Palatasının hesabatı haqqında",
        rule=plan.rules[1],
    )
    constitutional = await hall.add_item(
        sitting,
        kind="draft",
        title="Konstitusiya qanununa əlavələr",
        draft_number="0077-7GK",
        reading="I",
        rule=plan.rules[2],
    )
    for item, speakers in (
        (law, (plan.member(3), plan.member(16), plan.member(51))),
        (resolution, (plan.member(32), plan.member(89))),
        (constitutional, (plan.member(7),)),
    ):
        await hall.take_up(sitting, item)
        await drive(hall, sitting, [KeyPressed(int(m[1:]), "speak") for m in speakers])
        await hall.order_speakers(sitting, item, list(reversed(speakers)))
        for member in reversed(speakers):
            speech = await hall.start_speech(sitting, item, member)
            await hall.end_speech(sitting, speech)
        if item == law:
            vote = await vote_by_consoles(
                hall,
                sitting,
                item,
                "named",
                "Birinci oxunuşda qəbul",
                (71, 30, 12),
                seed=1,
                plan=plan,
            )
            # The first member who voted pressed the wrong key and asks the chair to correct.
            state = await hall.state(sitting)
            cast = next(iter(sorted(state.votes[vote].casts.values(), key=lambda c: c.seat)))
            await hall.allow_correction(sitting, vote, cast.member, "səhv düymə / wrong button")
            fixed = "against" if cast.choice == "for" else "for"
            await drive(hall, sitting, [KeyPressed(cast.seat, fixed)])
            await hall.close_vote(sitting, vote)
        elif item == resolution:
            first = await vote_by_consoles(
                hall,
                sitting,
                item,
                "totals",
                "Qətnamə qəbul edilsin",
                (80, 20, 5),
                seed=2,
                plan=plan,
            )
            await hall.close_vote(sitting, first)
            again = await vote_by_consoles(
                hall,
                sitting,
                item,
                "totals",
                "Qətnamə qəbul edilsin",
                (90, 15, 5),
                seed=3,
                plan=plan,
                repeats=first,
                reason="səsvermə sistemində nasazlıq / console fault",
            )
            await hall.close_vote(sitting, again)
        else:
            ballots = await secret_vote(hall, sitting, item, plan)
    await hall.close_sitting(sitting)
    await file_demo_archive(context.services, sitting, cards)

    state = await hall.state(sitting)
    minutes = protocol(state)
    reports = []
    for lang in PDF_LANGUAGES:
        html_path = context.reports_dir / f"parliament-sitting-{sitting}-minutes-{lang}.html"
        html_path.write_text(minutes_html(context.services, minutes, lang), encoding="utf-8")
        pdf_path = html_path.with_suffix(".pdf")
        pdf_path.write_bytes(minutes_pdf(context.services, minutes, lang))
        reports += [html_path, pdf_path]
    json_path = context.reports_dir / f"parliament-sitting-{sitting}-minutes.json"
    json_path.write_text(json.dumps(minutes, ensure_ascii=False, indent=2), encoding="utf-8")
    popolo_path = context.reports_dir / f"parliament-sitting-{sitting}-popolo.json"
    popolo_path.write_text(
        json.dumps(popolo_vote_events(state), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    akn_path = context.reports_dir / f"parliament-sitting-{sitting}-akn.xml"
    akn_path.write_bytes(akoma_ntoso(state))
    reports += [json_path, popolo_path, akn_path]
    return DemoResult(
        scopes=("parliament-roster", sitting_scope(sitting), ballots, *ARCHIVE_SCOPES),
        reports=tuple(reports),
        urls=(
            "/p/parliament/hall",
            f"/p/parliament/sittings/{sitting}/minutes.html",
            f"/p/parliament/stenogram/{sitting}",
            "/p/parliament/drafts",
        ),
        # The member's page is the signed-in member's own: its demo user is a roster member.
        users={"parliament.member": roster[0]["member"]},
    )


async def secret_vote(hall: Hall, sitting: int, item: int, plan: Plan) -> str:
    """A secret vote through the core's ballot box, counted by a commission of five members
    as guardians: any three decrypt the sum; no single ballot is decrypted. The demo's
    seats are plain keypads, so the hall sees each key press, encrypts it and has the
    seat's card sign the ballot (a smart console would encrypt at the desk and post the
    ballot). Answers the ballot box's scope, whose record ``urna verify`` checks too."""
    counters = [plan.member(i) for i in (9, 19, 29, 39, 49)]
    scope = await hall.prepare_secret_vote(sitting, counters, 3)
    commission = await SimulatedCommission.key_ceremony(hall.box, scope)
    vote = await vote_by_consoles(
        hall,
        sitting,
        item,
        "secret",
        "Konstitusiya qanununa əlavələr qəbul edilsin",
        (97, 12, 4),
        seed=4,
        plan=plan,
    )
    await hall.end_secret_voting(sitting, vote)
    await commission.decrypt(hall.box, [1, 3, 5])
    await hall.close_vote(sitting, vote)
    return scope


DEMOS = (Demo("plenary-sitting", run_sitting),)
