"""The e-protocol (minutes) and the hall display, both generated from the replayed record.

:func:`protocol` turns a :class:`SittingState` into the minutes in the order
the Milli Majlis prints them: protocol number, place, date, presiding
officer, members present, registration, invited participants, the agenda,
then for each item its speakers and its votes with figures and outcome.
:func:`render_html` and :func:`render_pdf` print it with Azerbaijani or
English labels (the content stays as recorded). :func:`display` is what the
hall screen shows.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

from urna_parliament.record import MODE_LABELS
from urna_parliament.sitting import Correction, SittingState, VoteState

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Minutes of the plenary sitting",
        "protocol": "Protocol No.",
        "place": "Place",
        "date": "Date",
        "presiding": "Presiding officer",
        "members": "Members",
        "present": "Present",
        "quorum": "Quorum",
        "registration": "Registration",
        "round": "Round",
        "invited": "Invited participants",
        "agenda": "Agenda",
        "item": "Item",
        "reading": "reading",
        "draft": "Draft No.",
        "speakers": "Speakers",
        "votes": "Votes",
        "vote": "Vote",
        "mode": "Mode",
        "rule": "Majority required",
        "for": "For",
        "against": "Against",
        "abstain": "Abstain",
        "not_voting": "Present, did not vote",
        "absent": "Absent",
        "outcome": "Outcome",
        "adopted": "ADOPTED",
        "rejected": "REJECTED",
        "threshold": "Votes needed",
        "corrections": "Corrections",
        "repeats": "Repeat of vote",
        "reason": "Reason",
        "named": "Votes by name",
        "reached": "quorum reached",
        "not_reached": "no quorum",
        "none": "none",
        "documents": "Documents",
        "unconfirmed": "figure not confirmed from the law",
        "superseded": "superseded by vote",
        "closed": "Sitting closed",
        "time": "Time",
        "changed": "changed from",
        "to": "to",
    },
    "az": {
        "title": "Plenar iclasın protokolu",
        "protocol": "Protokol №",
        "place": "Yer",
        "date": "Tarix",
        "presiding": "İclasa sədrlik edir",
        "members": "Deputatlar",
        "present": "İştirak edir",
        "quorum": "Yetərsay",
        "registration": "Qeydiyyat",
        "round": "Mərhələ",
        "invited": "Dəvət olunanlar",
        "agenda": "Gündəlik",
        "item": "Məsələ",
        "reading": "oxunuş",
        "draft": "Layihə №",
        "speakers": "Çıxış edənlər",
        "votes": "Səsvermələr",
        "vote": "Səsvermə",
        "mode": "Qayda",
        "rule": "Tələb olunan səs çoxluğu",
        "for": "Lehinə",
        "against": "Əleyhinə",
        "abstain": "Bitərəf",
        "not_voting": "İştirak edib, səs verməyib",
        "absent": "İştirak etmir",
        "outcome": "Nəticə",
        "adopted": "QƏBUL EDİLDİ",
        "rejected": "QƏBUL EDİLMƏDİ",
        "threshold": "Lazım olan səs",
        "corrections": "Düzəlişlər",
        "repeats": "Təkrar səsvermə",
        "reason": "Səbəb",
        "named": "Adbaad səsvermə",
        "reached": "yetərsay var",
        "not_reached": "yetərsay yoxdur",
        "none": "yoxdur",
        "documents": "Sənədlər",
        "unconfirmed": "rəqəm qanundan təsdiqlənməyib",
        "superseded": "əvəz edən səsvermə",
        "closed": "İclas bağlandı",
        "time": "Vaxt",
        "changed": "dəyişdi:",
        "to": "→",
    },
}
LANGUAGES = tuple(LABELS)
FIGURES = ("for", "against", "abstain", "not_voting", "absent", "threshold")
"""A closed vote's figures, in the order the minutes print them."""


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
        "record_seq": state.seq,
    }


def _speaker_name(state: SittingState, speaker: str) -> str:
    member = state.members.get(speaker)
    return member.name if member else speaker


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def render_html(minutes: dict[str, Any], lang: str = "az") -> str:
    """The minutes as a self-contained HTML page (no scripts, no external assets)."""
    t = LABELS[lang]
    out = [
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{_e(t['title'])} {_e(minutes['protocol'])}</title>"
        '<link rel="stylesheet" href="/p/parliament/static/hall.css"></head>'
        '<body class="minutes">',
        f"<h1>{_e(t['title'])}</h1>",
        "<dl>",
        f"<dt>{_e(t['protocol'])}</dt><dd>{_e(minutes['protocol'])}</dd>",
        f"<dt>{_e(t['place'])}</dt><dd>{_e(minutes['place'])}</dd>",
        f"<dt>{_e(t['date'])}</dt><dd>{_e(minutes['date'])}</dd>",
        f"<dt>{_e(t['presiding'])}</dt><dd>{_e(minutes['presiding'])}</dd>",
        f"<dt>{_e(t['present'])} / {_e(t['quorum'])}</dt>"
        f'<dd id="presence">{minutes["present"]} / {minutes["quorum"]} '
        f"({_e(t['members'])}: {minutes['membership']})</dd>",
        "</dl>",
        f"<h2>{_e(t['registration'])}</h2><ul>",
    ]
    for r in minutes["registration"]:
        reached = t["reached"] if r["quorum_reached"] else t["not_reached"]
        out.append(
            f"<li>{_e(t['round'])} {r['round']}: {r['present']} ({_e(reached)}), "
            f"{_e(r['closed'] or r['opened'])}</li>"
        )
    out.append("</ul>")
    out.append(
        f"<h2>{_e(t['invited'])}</h2><p>{_e(', '.join(minutes['invited']) or t['none'])}</p>"
    )
    out.append(f"<h2>{_e(t['agenda'])}</h2><ol>")
    for item in minutes["agenda"]:
        out.append(f"<li>{_e(_item_line(item, t))}</li>")
    out.append("</ol>")
    for item in minutes["agenda"]:
        out.append(
            f'<section class="item"><h3>{_e(t["item"])} {item["item"]}. '
            f"{_e(_item_line(item, t))}</h3>"
        )
        if item["documents"]:
            out.append(
                f"<p>{_e(t['documents'])}: "
                + ", ".join(
                    f'<a href="{_e(d["href"])}">{_e(d["title"])}</a>' for d in item["documents"]
                )
                + "</p>"
            )
        speakers = ", ".join(s["speaker"] for s in item["speakers"]) or t["none"]
        out.append(f"<p><b>{_e(t['speakers'])}:</b> {_e(speakers)}</p>")
        for vote in item["votes"]:
            out.append(_vote_html(vote, t))
        out.append("</section>")
    if minutes["closed"]:
        out.append(f"<p>{_e(t['closed'])}: {_e(minutes['closed'])}</p>")
    out.append("</body></html>")
    return "\n".join(out)


def _item_line(item: dict[str, Any], t: dict[str, str]) -> str:
    line = item["title"]
    if item["draft_number"]:
        line += f" ({t['draft']} {item['draft_number']}"
        line += f", {item['reading']} {t['reading']})" if item["reading"] else ")"
    return str(line)


def _vote_html(vote: dict[str, Any], t: dict[str, str]) -> str:
    parts = [
        f'<div class="vote" id="vote-{vote["vote"]}"><h4>{_e(t["vote"])} {vote["vote"]}: '
        f"{_e(vote['question'])}</h4>"
    ]
    mode = MODE_LABELS[vote["mode"]]
    rule = vote["rule_text"] + ("" if vote["rule"]["confirmed"] else f" ({t['unconfirmed']})")
    parts.append(f"<p>{_e(t['mode'])}: {_e(mode)}. {_e(t['rule'])}: {_e(rule)}.</p>")
    if vote["repeats"] is not None:
        parts.append(
            f"<p>{_e(t['repeats'])} {vote['repeats']}. {_e(t['reason'])}: {_e(vote['reason'])}</p>"
        )
    result = vote.get("result")
    if result:
        parts.append(
            '<table class="figures"><tr>'
            + "".join(f"<th>{_e(t[k])}</th>" for k in FIGURES)
            + "</tr><tr>"
            + "".join(f"<td>{result[k]}</td>" for k in FIGURES)
            + "</tr></table>"
        )
        parts.append(
            f'<p class="outcome {result["outcome"]}"><b>{_e(t["outcome"])}: '
            f"{_e(t[result['outcome']])}</b></p>"
        )
    if vote["repeated_by"] is not None:
        parts.append(f"<p>{_e(t['superseded'])} {vote['repeated_by']}</p>")
    if vote["corrections"]:
        parts.append(f"<p>{_e(t['corrections'])}:</p><ul>")
        for c in vote["corrections"]:
            change = (
                (
                    f" {t['changed']} {t.get(c['from'], c['from'])} {t['to']} "
                    f"{t.get(c['to'], c['to'])}"
                )
                if "from" in c
                else ""
            )
            parts.append(
                f"<li>{_e(c.get('name', c['member']))}{_e(change)}. {_e(t['reason'])}: "
                f"{_e(c['reason'])} (#{c['corrects']} → #{c['seq']})</li>"
            )
        parts.append("</ul>")
    if vote.get("named"):
        parts.append(f'<details><summary>{_e(t["named"])}</summary><table class="named">')
        for row in vote["named"]:
            parts.append(
                f"<tr><td>{_e(row['name'])}</td><td>{_e(row['faction'])}</td>"
                f"<td>{_e(t[row['choice']])}</td></tr>"
            )
        parts.append("</table></details>")
    parts.append("</div>")
    return "\n".join(parts)


FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


def render_pdf(minutes: dict[str, Any], lang: str = "az") -> bytes:
    """The minutes as PDF (reportlab), in DejaVu Sans where installed for ə, ğ, ı, ö, ş, ü."""
    # reportlab ships no type information; its use is confined to this function.
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
    from reportlab.lib.units import mm  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
    from reportlab.platypus import (  # type: ignore[import-untyped]
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
    )

    t = LABELS[lang]
    regular, bold = "Helvetica", "Helvetica-Bold"
    if all(Path(p).is_file() for p in FONT_PATHS):
        if "UrnaSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("UrnaSans", FONT_PATHS[0]))
            pdfmetrics.registerFont(TTFont("UrnaSans-Bold", FONT_PATHS[1]))
        regular, bold = "UrnaSans", "UrnaSans-Bold"
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = bold if "Heading" in style.name or style.name == "Title" else regular
    body, h2, h3 = styles["BodyText"], styles["Heading2"], styles["Heading3"]

    def p(text: str, style: Any = body) -> Paragraph:
        return Paragraph(_e(text), style)

    story: list[Any] = [
        p(t["title"], styles["Title"]),
        p(f"{t['protocol']} {minutes['protocol']}"),
        p(f"{t['place']}: {minutes['place']}"),
        p(f"{t['date']}: {minutes['date']}"),
        p(f"{t['presiding']}: {minutes['presiding']}"),
        p(f"{t['present']} {minutes['present']} / {t['quorum']} {minutes['quorum']}"),
        p(t["registration"], h2),
    ]
    for r in minutes["registration"]:
        reached = t["reached"] if r["quorum_reached"] else t["not_reached"]
        story.append(p(f"{t['round']} {r['round']}: {r['present']} ({reached})"))
    story += [
        p(t["invited"], h2),
        p(", ".join(minutes["invited"]) or t["none"]),
        p(t["agenda"], h2),
    ]
    for item in minutes["agenda"]:
        story.append(p(f"{item['item']}. {_item_line(item, t)}"))
    for item in minutes["agenda"]:
        story.append(p(f"{t['item']} {item['item']}. {_item_line(item, t)}", h3))
        speakers = ", ".join(s["speaker"] for s in item["speakers"]) or t["none"]
        story.append(p(f"{t['speakers']}: {speakers}"))
        for vote in item["votes"]:
            story.append(
                p(
                    f"{t['vote']} {vote['vote']}: {vote['question']} "
                    f"({MODE_LABELS[vote['mode']]}; {vote['rule_text']})"
                )
            )
            if vote["repeats"] is not None:
                story.append(
                    p(f"{t['repeats']} {vote['repeats']}. {t['reason']}: {vote['reason']}")
                )
            result = vote.get("result")
            if result:
                table = Table([[t[k] for k in FIGURES], [str(result[k]) for k in FIGURES]])
                table.setStyle([("FONT", (0, 0), (-1, -1), regular, 8)])
                story += [table, p(f"{t['outcome']}: {t[result['outcome']]}")]
            for c in vote["corrections"]:
                story.append(
                    p(
                        f"{t['corrections']}: {c.get('name', c['member'])} — "
                        f"{t['reason']}: {c['reason']}"
                    )
                )
        story.append(Spacer(1, 3 * mm))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=f"{t['title']} {minutes['protocol']}", invariant=True
    )
    document.build(story)
    return bytes(buffer.getvalue())


def display(state: SittingState) -> dict[str, Any]:
    """What the hall screen shows: presence and quorum, the item, the speaker, the vote."""
    present = state.present()
    item = state.items.get(state.current_item or 0)
    speech = state.speeches.get(state.speaking or 0)
    seats = {}
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
            "voted_count": len(voted),
            "voted": [] if open_vote.mode == "secret" else voted,
            "present": len(open_vote.present),
        }
    last = next((v for v in reversed(state.votes.values()) if v.closed is not None), None)
    result = None
    if last is not None and last.closed is not None:
        result = {
            "vote": last.vote,
            "question": last.question,
            "mode": last.mode,
            "rule": last.rule.describe(),
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
        "quorum": state.quorum,
        "present": len(present),
        "quorum_reached": len(present) >= state.quorum,
        "registration_open": bool(state.rounds and not state.rounds[-1].closed),
        "item": None
        if item is None
        else {
            "item": item.item,
            "title": item.title,
            "draft_number": item.draft_number,
            "reading": item.reading,
            "kind": item.kind,
            "queue": item.order,
        },
        "speech": None
        if speech is None
        else {
            "speech": speech.speech,
            "speaker": _speaker_name(state, speech.speaker),
            "started": speech.started,
            "limit_seconds": speech.limit_seconds,
        },
        "vote": vote,
        "result": result,
        "seats": seats,
        "seq": state.seq,
    }
