"""The e-protocol (minutes), generated from the replayed record.

:func:`protocol` turns a :class:`SittingState` into the minutes in the order
the Milli Majlis prints them: protocol number, place, date, presiding
officer, members present, registration, invited participants, the agenda,
then for each item its speakers and its votes with figures and outcome.
:func:`render_pdf` prints it in the translator's language (az, en or ru; the
content stays as recorded); the served page and the saved HTML come from the
template ``parliament/minutes.html``. What the hall's screens show is
:mod:`urna_parliament.display`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from urna.api import Translator

from urna_parliament.sitting import Correction, SittingState, VoteState
from urna_parliament.words import FIGURES, MODES, OUTCOMES, item_line, rule_text, term


def _vote_json(state: SittingState, vote: VoteState) -> dict[str, Any]:
    closed = vote.closed or {}
    entry: dict[str, Any] = {
        "vote": vote.vote,
        "item": vote.item,
        "question": vote.question,
        "mode": vote.mode,
        "rule": vote.rule.to_json(),
        "rule_text": vote.rule.describe(),
        "opened": vote.opened_time,
        "closed": vote.closed_time,
        "present_at_opening": len(vote.present),
        "quorum": vote.quorum,
        "repeats": vote.repeats,
        "reason": vote.reason,
        "repeated_by": vote.repeated_by,
    }
    if vote.closed is not None:
        entry["result"] = {k: closed[k] for k in (*FIGURES, "outcome")}
    if vote.mode == "named" and vote.closed is not None:
        entry["named"] = [
            {
                "member": m,
                "name": state.members[m].name,
                "faction": state.members[m].faction,
                "choice": choice,
            }
            for m, choice in vote.standings(sorted(state.members)).items()
        ]
    entry["corrections"] = [
        _correction_json(state, h, named=vote.mode == "named")
        for h in vote.history
        if isinstance(h, Correction)
    ]
    return entry


def _correction_json(state: SittingState, h: Correction, *, named: bool) -> dict[str, Any]:
    """A correction for the minutes: by name, who and which choices; totals-only publishes no
    member's choice, so there only the member id, the reason and the chain."""
    entry: dict[str, Any] = {"member": h.member}
    if named:
        entry |= {"name": state.members[h.member].name, "from": h.previous, "to": h.choice}
    return entry | {"reason": h.reason, "corrects": h.corrects, "seq": h.seq, "time": h.time}


def protocol(state: SittingState) -> dict[str, Any]:
    """The minutes as data: what the HTML, PDF and JSON forms all print."""
    header = state.header
    rounds = [
        {
            "round": r.round,
            "opened": r.opened,
            "closed": r.closed,
            "present": len(r.present),
            "quorum_reached": r.quorum_reached,
        }
        for r in state.rounds
    ]
    present = (
        len(state.rounds[-1].present)
        if state.rounds and state.rounds[-1].closed
        else len(state.present())
    )
    items = []
    for item in state.items.values():
        items.append(
            {
                "item": item.item,
                "kind": item.kind,
                "title": item.title,
                "draft_number": item.draft_number,
                "reading": item.reading,
                "rule": item.rule,
                "documents": item.documents,
                "speakers": [
                    {
                        "speech": s.speech,
                        "speaker": _speaker_name(state, s.speaker),
                        "member": s.speaker if s.speaker in state.members else "",
                        "started": s.started,
                        "ended": s.ended,
                    }
                    for s in state.speeches.values()
                    if s.item == item.item
                ],
                "votes": [
                    _vote_json(state, v) for v in state.votes.values() if v.item == item.item
                ],
            }
        )
    return {
        "sitting": state.sitting,
        "scope": state.scope,
        "protocol": header.get("protocol", ""),
        "place": header.get("place", ""),
        "date": header.get("date", ""),
        "presiding": header.get("presiding", ""),
        "convocation": header.get("convocation", ""),
        "membership": state.membership,
        "quorum": state.quorum,
        "present": present,
        "registration": rounds,
        "invited": list(header.get("invited", [])),
        "agenda": items,
        "opened": state.opened,
        "closed": state.closed,
        "signature": _signature_json(state),
        "record_seq": state.seq,
    }


def _signature_json(state: SittingState) -> dict[str, Any] | None:
    """Who signed the minutes, when, and the record hash they signed (minutes_signature.py)."""
    signed = state.minutes_signed
    if not signed:
        return None
    member = state.members[signed["member"]]
    return {
        "member": member.member,
        "name": member.name,
        "key": member.key,
        "record": signed["record"],
        "time": signed["time"],
    }


def _speaker_name(state: SittingState, speaker: str) -> str:
    member = state.members.get(speaker)
    return member.name if member else speaker


FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


def pdf_fonts() -> tuple[str, str]:
    """The regular and bold font names for reportlab: DejaVu Sans (registered once) where
    it is installed, else Helvetica (see :func:`render_pdf`)."""
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

    if not all(Path(p).is_file() for p in FONT_PATHS):
        return "Helvetica", "Helvetica-Bold"
    if "UrnaSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("UrnaSans", FONT_PATHS[0]))
        pdfmetrics.registerFont(TTFont("UrnaSans-Bold", FONT_PATHS[1]))
    return "UrnaSans", "UrnaSans-Bold"


def render_pdf(minutes: dict[str, Any], t: Translator) -> bytes:
    """The minutes as PDF (reportlab) in ``t``'s language.

    The text is set in DejaVu Sans where it is installed (Debian's
    ``fonts-dejavu-core``, on every appliance image): it has the Azerbaijani
    letters (ə, ğ, ı, ş) and Cyrillic. reportlab ships no font with either, so
    without DejaVu the PDF falls back to Helvetica and those letters print as
    blanks: install the fonts to print minutes in az or ru.
    """
    # reportlab ships no type information; its use is confined to this function.
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
    from reportlab.lib.units import mm  # type: ignore[import-untyped]
    from reportlab.platypus import (  # type: ignore[import-untyped]
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
    )

    regular, bold = pdf_fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = bold if "Heading" in style.name or style.name == "Title" else regular
    body, h2, h3 = styles["BodyText"], styles["Heading2"], styles["Heading3"]
    none = t.gettext("none")

    def p(text: str, style: Any = body) -> Paragraph:
        return Paragraph(escape(text), style)

    def fact(label: str, value: Any) -> Paragraph:
        return p(f"{label}: {value}")

    title = t.gettext("Minutes of the plenary sitting")

    def flowables() -> list[Any]:
        """The minutes' paragraphs and tables: new ones for each layout pass (reportlab
        keeps layout state in them)."""
        story: list[Any] = [
            p(title, styles["Title"]),
            fact(t.gettext("Protocol No."), minutes["protocol"]),
            fact(t.gettext("Place"), minutes["place"]),
            fact(t.gettext("Date"), t.date(minutes["date"])),
            fact(t.gettext("Presiding officer"), minutes["presiding"]),
            fact(t.gettext("Present"), t.number(minutes["present"])),
            fact(t.gettext("Quorum"), t.number(minutes["quorum"])),
            fact(t.gettext("Members"), t.number(minutes["membership"])),
            p(t.gettext("Registration"), h2),
        ]
        for r in minutes["registration"]:
            story.append(p(registration_line(r, t)))
        story += [
            p(t.gettext("Invited participants"), h2),
            p(", ".join(minutes["invited"]) or none),
            p(t.gettext("Agenda"), h2),
        ]
        for item in minutes["agenda"]:
            story.append(p(f"{item['item']}. {item_line(item, t)}"))
        for item in minutes["agenda"]:
            story.append(p(f"{item['item']}. {item_line(item, t)}", h3))
            speakers = ", ".join(speaker_line(s, t) for s in item["speakers"]) or none
            story.append(fact(t.gettext("Speakers"), speakers))
            for vote in item["votes"]:
                story.append(
                    p(
                        t.gettext(
                            "Vote %(number)s: %(question)s",
                            number=vote["vote"],
                            question=vote["question"],
                        )
                        + f" ({term(t, MODES, vote['mode'])}; {rule_text(vote['rule'], t)})"
                    )
                )
                if vote["repeats"] is not None:
                    story.append(p(repeat_line(vote, t)))
                result = vote.get("result")
                if result:
                    table = Table(
                        [
                            [Paragraph(escape(t.gettext(FIGURES[k])), body) for k in FIGURES],
                            [t.number(result[k]) for k in FIGURES],
                        ]
                    )
                    table.setStyle([("FONT", (0, 0), (-1, -1), regular, 8)])
                    story += [
                        table,
                        fact(t.gettext("Outcome"), term(t, OUTCOMES, result["outcome"])),
                    ]
                for c in vote["corrections"]:
                    story.append(fact(t.gettext("Corrections"), correction_line(c, t)))
                if vote.get("named"):
                    story.append(p(t.gettext("Votes by name"), styles["Heading4"]))
                    rows = [[t.gettext("Member"), t.gettext("Faction"), t.gettext("Choice")]]
                    rows += [
                        [r["name"], r["faction"], term(t, FIGURES, r["choice"])]
                        for r in vote["named"]
                    ]
                    roll_call = Table(rows, repeatRows=1, hAlign="LEFT")
                    roll_call.setStyle(
                        [
                            ("FONT", (0, 0), (-1, -1), regular, 8),
                            ("FONT", (0, 0), (-1, 0), bold, 8),
                            ("LINEBELOW", (0, 0), (-1, 0), 0.5, "#000000"),
                        ]
                    )
                    story.append(roll_call)
            story.append(Spacer(1, 3 * mm))
        if minutes["closed"]:
            story.append(fact(t.gettext("Sitting closed"), t.datetime(minutes["closed"])))
        signature = minutes.get("signature")
        story.append(p(signature_line(signature, t) if signature else t.gettext("Not yet signed.")))
        return story

    def build(pages: int) -> tuple[bytes, int]:
        """One pass of the layout; the page numbers say "of ``pages``" once it is known."""
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer, pagesize=A4, title=f"{title} {minutes['protocol']}", invariant=True
        )

        def footer(canvas: Any, doc: Any) -> None:
            canvas.setFont(regular, 8)
            canvas.drawRightString(
                A4[0] - doc.rightMargin,
                10 * mm,
                t.gettext("Page %(page)s of %(pages)s", page=doc.page, pages=pages or "…"),
            )
            canvas.drawString(doc.leftMargin, 10 * mm, f"{title} {minutes['protocol']}")

        document.build(flowables(), onFirstPage=footer, onLaterPages=footer)
        return bytes(buffer.getvalue()), document.page

    _, pages = build(0)
    pdf, _ = build(pages)
    return pdf


def speaker_line(speech: dict[str, Any], t: Translator) -> str:
    """A speaker as the minutes list them, with the times of the speech in the local zone."""
    return f"{speech['speaker']} ({t.time(speech['started'])}–{t.time(speech['ended'])})"


def signature_line(signature: dict[str, Any], t: Translator) -> str:
    """Who signed the minutes, when, and over which record."""
    return t.gettext(
        "Signed by the presiding officer %(name)s (key %(key)s) on %(time)s over the record "
        "%(record)s.",
        name=signature["name"],
        key=signature["key"][:16],
        time=t.datetime(signature["time"]),
        record=signature["record"][:16],
    )


def registration_line(r: dict[str, Any], t: Translator) -> str:
    """A registration round as the minutes print it."""
    reached = t.gettext("quorum reached") if r["quorum_reached"] else t.gettext("no quorum")
    return t.gettext(
        "Round %(round)s: %(present)s present (%(reached)s), %(time)s",
        round=r["round"],
        present=t.number(r["present"]),
        reached=reached,
        time=t.time(r["closed"] or r["opened"]),
    )


def repeat_line(vote: dict[str, Any], t: Translator) -> str:
    return t.gettext(
        "Repeat of vote %(number)s. Reason: %(reason)s",
        number=vote["repeats"],
        reason=vote["reason"],
    )


def correction_line(c: dict[str, Any], t: Translator) -> str:
    """A correction: by name who and which choices; a totals-only vote names no choice."""
    if "from" in c:
        return t.gettext(
            "%(name)s changed %(before)s to %(after)s. Reason: %(reason)s",
            name=c["name"],
            before=term(t, FIGURES, c["from"]),
            after=term(t, FIGURES, c["to"]),
            reason=c["reason"],
        )
    return t.gettext(
        "member %(member)s corrected their vote. Reason: %(reason)s",
        member=c["member"],
        reason=c["reason"],
    )
