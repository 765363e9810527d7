"""What the polling place prints: the voter's receipt and the polls' opening and closing
reports, as PDF through the appliance's printer (CUPS ``lp``).

The receipt holds what the tracker needs (the confirmation code) and nothing
about the choices. Text is set in DejaVu Sans where installed, so that
Azerbaijani and Russian print with their letters.
"""

from __future__ import annotations

import datetime
import io
import logging
from pathlib import Path
from typing import Any

from urna.api import PrintError, Services, translator

from urna_evoting.models import Election
from urna_evoting.polls import counts, status

log = logging.getLogger(__name__)
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped,unused-ignore]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped,unused-ignore]

    if not all(Path(p).is_file() for p in FONT_PATHS):
        return "Helvetica", "Helvetica-Bold"
    if "UrnaEvSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("UrnaEvSans", FONT_PATHS[0]))
        pdfmetrics.registerFont(TTFont("UrnaEvSans-Bold", FONT_PATHS[1]))
    return "UrnaEvSans", "UrnaEvSans-Bold"


def _pdf(title: str, lines: list[tuple[str, str]], width_mm: float = 80) -> bytes:
    """A narrow page (a receipt printer's roll, or A4 when wide) of labelled lines."""
    from reportlab.lib.units import mm  # type: ignore[import-untyped,unused-ignore]
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped,unused-ignore]

    regular, bold = _fonts()
    width = width_mm * mm
    height = (40 + 14 * len(lines)) * mm / 2 + 30 * mm
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(width, height), invariant=1)
    page.setTitle(title)
    y = height - 12 * mm
    page.setFont(bold, 11)
    page.drawString(6 * mm, y, title)
    y -= 9 * mm
    for label, value in lines:
        page.setFont(bold, 8)
        page.drawString(6 * mm, y, label)
        y -= 4.5 * mm
        page.setFont(regular, 9)
        for chunk in _wrap(value, int((width_mm - 12) / 1.9)):
            page.drawString(6 * mm, y, chunk)
            y -= 4.5 * mm
        y -= 2 * mm
    page.showPage()
    page.save()
    return out.getvalue()


def _wrap(text: str, size: int) -> list[str]:
    """Lines of at most ``size`` characters, broken between words (a word longer than a
    line, such as an address, is broken where it must)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        pieces = [word[i : i + size] for i in range(0, len(word), size)]
        for piece in pieces:
            if line and len(line) + 1 + len(piece) <= size:
                line = f"{line} {piece}"
            else:
                if line:
                    lines.append(line)
                line = piece
    return [*lines, line]


def _code_groups(code: str) -> str:
    return " ".join(code[i : i + 8] for i in range(0, len(code), 8))


def receipt_pdf(
    services: Services, election: Election, receipt: dict[str, Any], language: str
) -> bytes:
    t = translator(services, language)
    title = election.names["title"].get(language) or election.names["title"]["en"]
    return _pdf(
        t.gettext("Ballot receipt"),
        [
            (t.gettext("Election"), title),
            (t.gettext("Confirmation code"), _code_groups(receipt["confirmation_code"])),
            (t.gettext("Position in the ballot box"), t.number(receipt["position"])),
            (t.gettext("Booth"), receipt["booth"]),
            (
                t.gettext("Check it at"),
                f"{services.settings.origin}/p/evoting/tracker?code={receipt['confirmation_code']}",
            ),
        ],
    )


async def poll_report_pdf(
    services: Services, election: Election, kind: str, language: str
) -> bytes:
    """The opening report (zero ballots in the box) or the closing report (the counts)."""
    t = translator(services, language)
    state = await status(services, election)
    figures = await counts(services, election)
    title = election.names["title"].get(language) or election.names["title"]["en"]
    lines = [
        (t.gettext("Election"), title),
        (t.gettext("State of the ballot box"), state["status"]),
        (t.gettext("Voters on the list"), t.number(figures["voters"])),
        (t.gettext("Checked in"), t.number(figures["checked_in"])),
        (t.gettext("Ballots cast"), t.number(figures["cast"])),
        (t.gettext("Ballots challenged"), t.number(figures["challenged"])),
        (t.gettext("Election hash"), _code_groups(state["election"]["election_hash"])),
        (
            t.gettext("Printed at"),
            t.datetime(datetime.datetime.now(datetime.UTC).isoformat()),
        ),
    ]
    heading = (
        t.gettext("Polls opening report") if kind == "open" else t.gettext("Polls closing report")
    )
    return _pdf(heading, lines, width_mm=100)


async def _print(services: Services, document: bytes, title: str) -> str | None:
    """Send a PDF to the appliance's printer (``[printing] printer``); answer CUPS's job id,
    or ``None`` when there is no printer or it failed. A printer fault never undoes a cast
    ballot or a closed poll: it is logged, and the page says so, for a poll worker to fix
    and reprint (the receipt is on the screen, the reports are a link away)."""
    if not services.printer.configured:
        return None
    try:
        job = await services.printer.print_pdf(document, title=title)
    except PrintError as exc:
        log.warning("printing %s failed: %s", title, exc)
        return None
    return job.id


async def print_receipt(
    services: Services, election: Election, receipt: dict[str, Any], language: str
) -> str | None:
    if not services.printer.configured:  # no PDF to make for nobody
        return None
    return await _print(services, receipt_pdf(services, election, receipt, language), "receipt")


async def print_access_code(
    services: Services, election: Election, code: str, language: str
) -> str | None:
    """The voter's slip: the access code to type at any free booth."""
    if not services.printer.configured:
        return None
    t = translator(services, language)
    title = election.names["title"].get(language) or election.names["title"]["en"]
    pdf = _pdf(
        t.gettext("Access code"),
        [
            (t.gettext("Election"), title),
            (t.gettext("Access code"), f"{code[:4]} {code[4:8]} {code[8:]}"),
        ],
    )
    return await _print(services, pdf, "access code")


async def print_poll_report(
    services: Services, election: Election, kind: str, language: str
) -> str | None:
    if not services.printer.configured:
        return None
    pdf = await poll_report_pdf(services, election, kind, language)
    return await _print(services, pdf, f"polls-{kind}")
