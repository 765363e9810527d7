"""Printable reports: the precinct protocol with its signatures, summary tables, turnout, charts.

PDF and charts are drawn with reportlab (its platypus layout for pages, its
``graphics`` package for charts: the same drawing goes into the PDF as
vectors and out as SVG through the pure-Python ``renderSVG``; no display, no
browser, no second library). Text is set in DejaVu Sans where installed so
that Azerbaijani letters print.

* ``protocol_pdf``: one precinct's current protocol, every line with its
  label, the votes, the control ratios, and for every member of the
  commission: name, role, key fingerprint, and whether they signed (and if
  the signature verifies), with dissenting opinions.
* ``results_pdf``: the central summary table (progress, lines, votes with
  shares), a chart of results by constituency, and a table per
  constituency-level commission.
* ``turnout_pdf``: turnout at the law's hours, nationally and per
  constituency, with a chart of turnout by hour.

The electorate used for turnout percentages is the profile's first line
(voters on the list in every shipped profile), from the protocols received.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from urna.crypto.hashing import blake2b_256

from urna_elections.hierarchy import Commission
from urna_elections.protocol import dissent_digest, protocol_digest, signature_verifies
from urna_elections.results import Results

FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
COLOURS = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a5a5a5", "#843c0c")
CHART_ROWS = 25


def fingerprint(key_hex: str) -> str:
    """A member key's fingerprint: BLAKE2b-256 (label ``urna.el.fpr``) of the key, 16 hex
    digits in groups of four, as printed beside the member's name."""
    digest = blake2b_256(b"urna.el.fpr", bytes.fromhex(key_hex)).hex()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def signature_rows(
    digest_hex: str,
    signed: Mapping[str, Any],
    members: Sequence[Mapping[str, Any]],
) -> list[dict[str, str]]:
    """One row per member of the commission: name, role, fingerprint, signature status
    (over ``digest_hex``, the digest of the protocol document as computed from it)."""
    digest = bytes.fromhex(digest_hex)
    by_key = {s["key"]: s["sig"] for s in signed.get("signatures", [])}
    dissents = {d["key"]: d for d in signed.get("dissents", [])}
    rows = []
    for member in members:
        key = member["key"]
        if key not in by_key:
            status = "did not sign"
        elif signature_verifies(key, digest, by_key[key]):
            status = "signed, signature valid"
        else:
            status = "SIGNATURE INVALID"
        if key in dissents:
            dissent = dissents[key]
            message = dissent_digest(digest_hex, dissent["opinion"])
            if signature_verifies(key, message, dissent["sig"]):
                status += "; dissenting opinion (signed)"
            else:
                status += "; dissent signature INVALID"
        rows.append(
            {
                "name": member["name"],
                "role": member["role"] + ("" if member["decisive"] else " (advisory)"),
                "fingerprint": fingerprint(key),
                "status": status,
            }
        )
    return rows


# --- drawing ------------------------------------------------------------------------------
# reportlab ships no type information; its use is confined to the functions below.


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped,unused-ignore]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped,unused-ignore]

    if not all(Path(p).is_file() for p in FONT_PATHS):
        return "Helvetica", "Helvetica-Bold"
    if "UrnaElSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("UrnaElSans", FONT_PATHS[0]))
        pdfmetrics.registerFont(TTFont("UrnaElSans-Bold", FONT_PATHS[1]))
    return "UrnaElSans", "UrnaElSans-Bold"


class _Doc:
    """A story of paragraphs, tables and drawings laid out on A4."""

    def __init__(self, title: str) -> None:
        from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped,unused-ignore]

        self.title = title
        self.regular, self.bold = _fonts()
        self.styles = getSampleStyleSheet()
        for style in self.styles.byName.values():
            is_heading = "Heading" in style.name or style.name == "Title"
            style.fontName = self.bold if is_heading else self.regular
        self.story: list[Any] = []

    def p(self, text: str, style: str = "BodyText") -> None:
        from reportlab.platypus import Paragraph  # type: ignore[import-untyped,unused-ignore]

        self.story.append(Paragraph(escape(text), self.styles[style]))

    def table(self, rows: list[list[str]], widths: Sequence[float] | None = None) -> None:
        from reportlab.lib import colors  # type: ignore[import-untyped,unused-ignore]
        from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped,unused-ignore]
        from reportlab.platypus import (  # type: ignore[import-untyped,unused-ignore]
            Paragraph,  # type: ignore[import-untyped,unused-ignore]
            Table,
            TableStyle,
        )

        cell = ParagraphStyle("cell", fontName=self.regular, fontSize=8, leading=9.5)
        rows = [
            [Paragraph(escape(c), cell) if len(c) > 24 and r else c for c in row]
            for r, row in enumerate(rows)
        ]
        table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.regular, 8),
                    ("FONT", (0, 0), (-1, 0), self.bold, 8),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde4ee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        self.story.append(table)

    def space(self, height: float = 6) -> None:
        from reportlab.platypus import Spacer  # type: ignore[import-untyped,unused-ignore]

        self.story.append(Spacer(1, height))

    def page_break(self) -> None:
        from reportlab.platypus import PageBreak  # type: ignore[import-untyped,unused-ignore]

        self.story.append(PageBreak())

    def render(self) -> bytes:
        from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped,unused-ignore]
        from reportlab.lib.units import mm  # type: ignore[import-untyped,unused-ignore]
        from reportlab.platypus import SimpleDocTemplate  # type: ignore[import-untyped,unused-ignore]

        out = io.BytesIO()
        regular = self.regular

        def footer(canvas: Any, doc: Any) -> None:
            canvas.saveState()
            canvas.setFont(regular, 7)
            canvas.drawString(15 * mm, 8 * mm, f"{self.title} - page {doc.page}")
            canvas.restoreState()

        template = SimpleDocTemplate(
            out,
            pagesize=A4,
            title=self.title,
            author="Urna elections",
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=15 * mm,
            bottomMargin=15 * mm,
            invariant=True,
        )
        template.build(self.story, onFirstPage=footer, onLaterPages=footer)
        return out.getvalue()


def turnout_chart(hours: Sequence[str], percents: Sequence[float], title: str) -> Any:
    """A bar chart of turnout (% of voters on the list) by hour: a reportlab Drawing."""
    from reportlab.graphics.charts import barcharts  # type: ignore[import-untyped,unused-ignore]
    from reportlab.graphics.shapes import Drawing, String  # type: ignore[import-untyped,unused-ignore]
    from reportlab.lib import colors  # type: ignore[import-untyped,unused-ignore]

    regular, bold = _fonts()
    drawing = Drawing(480, 220)
    chart = barcharts.VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 50, 40, 410, 150
    chart.data = [list(percents) or [0]]
    chart.categoryAxis.categoryNames = list(hours) or ["-"]
    chart.categoryAxis.labels.fontName = regular
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labels.fontName = regular
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.bars[0].fillColor = colors.HexColor(COLOURS[0])
    chart.barLabelFormat = "%.1f%%"
    chart.barLabels.nudge = 7
    chart.barLabels.fontName = regular
    chart.barLabels.fontSize = 8
    drawing.add(chart)
    drawing.add(String(50, 200, title, fontName=bold, fontSize=10))
    drawing.add(String(50, 12, "turnout, % of voters on the list", fontName=regular, fontSize=8))
    return drawing


def results_chart(results: Results, units: Sequence[Commission], title: str) -> Any:
    """Stacked horizontal bars: each unit's votes by candidate, in % of valid votes."""
    from reportlab.graphics.charts import barcharts  # type: ignore[import-untyped,unused-ignore]
    from reportlab.graphics.charts.legends import Legend  # type: ignore[import-untyped,unused-ignore]
    from reportlab.graphics.shapes import Drawing, String  # type: ignore[import-untyped,unused-ignore]
    from reportlab.lib import colors  # type: ignore[import-untyped,unused-ignore]

    candidates, names = results.election.candidates, results.election.candidate_names
    rows = [(unit.code, results.totals[unit.code]["votes"]) for unit in units]
    regular, bold = _fonts()
    height = 80 + 14 * max(1, len(rows))
    drawing = Drawing(480, height + 40)
    chart = barcharts.HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 90, 40, 370, height - 40
    data = []
    for candidate in candidates:
        series = []
        for _, votes in rows:
            total = sum(votes.values()) or 1
            series.append(100.0 * votes.get(candidate, 0) / total)
        data.append(series or [0])
    chart.data = data
    chart.categoryAxis.categoryNames = [label for label, _ in rows] or ["-"]
    chart.categoryAxis.labels.fontName = regular
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.reverseDirection = True
    chart.categoryAxis.style = "stacked"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.valueAxis.labels.fontName = regular
    for index in range(len(candidates)):
        chart.bars[index].fillColor = colors.HexColor(COLOURS[index % len(COLOURS)])
        chart.bars[index].strokeWidth = 0
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 90, 24
    legend.fontName = regular
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 2
    legend.deltax = 90
    legend.dy = 6
    legend.colorNamePairs = [
        (colors.HexColor(COLOURS[i % len(COLOURS)]), names.get(c, c)[:14])
        for i, c in enumerate(candidates)
    ]
    drawing.add(legend)
    drawing.add(String(90, height + 20, title, fontName=bold, fontSize=10))
    return drawing


def drawing_svg(drawing: Any) -> bytes:
    from reportlab.graphics import renderSVG  # type: ignore[import-untyped,unused-ignore]

    return bytes(renderSVG.drawToString(drawing).encode("utf-8"))


def results_svg(results: Results) -> bytes:
    """The chart of results by constituency, as SVG."""
    chart = results_chart(
        results, _constituencies(results), "Results by constituency, % of valid votes"
    )
    return drawing_svg(chart)


def turnout_svg(
    results: Results,
    turnout: Mapping[str, Mapping[str, Mapping[str, int]]],
    code: str,
    title: str,
) -> bytes:
    """The chart of turnout by hour in commission ``code``, as SVG."""
    hours, percents, _ = turnout_series(results, turnout, code)
    return drawing_svg(turnout_chart(hours, percents, title))


# --- the reports --------------------------------------------------------------------------


def protocol_pdf(
    results: Results,
    precinct: str,
    signed: Mapping[str, Any],
    members: Sequence[Mapping[str, Any]],
    *,
    seq: int | None = None,
) -> bytes:
    """The precinct's current protocol, printable, with every member's signature status."""
    election = results.election
    current = results.protocols.get(precinct)
    if current is None:
        raise KeyError(f"{precinct} has no accepted protocol")
    doc = current.doc
    commission = results.commissions[precinct]
    parent = results.commissions.get(commission.parent)
    out = _Doc(f"Protocol of {commission.name}")
    out.p(f"{election.title}", "Title")
    out.p(
        f"Protocol of the precinct election commission {commission.name} ({precinct})", "Heading2"
    )
    if parent is not None:
        out.p(f"Constituency: {parent.name} ({parent.code})")
    out.p(f"Law: {election.profile.title}")
    digest = protocol_digest(doc).hex()
    out.p(f"Protocol digest (BLAKE2b-256): {digest}")
    if doc["completed_at"]:
        out.p(f"Completed at: {doc['completed_at']}")
    if doc["supersedes"]:
        out.p(f"Repeat protocol, supersedes {doc['supersedes']}: {doc['reason']}")
    if seq is not None:
        out.p(f"Recorded as event {seq} of {election.scope}")
    out.space()
    rows = [["line", "item", "number"]]
    for line in election.profile.lines:
        rows.append([line.id, line.label, str(doc["lines"][line.id])])
    out.table(rows, [60, 360, 70])
    out.space()
    valid = sum(doc["votes"].values()) or 1
    rows = [["candidate", "votes", "%"]]
    for candidate in election.candidates:
        votes = doc["votes"][candidate]
        rows.append([election.candidate_names[candidate], str(votes), f"{100 * votes / valid:.2f}"])
    out.table(rows, [300, 100, 90])
    out.space()
    failures = election.profile.check(doc["lines"], doc["votes"])
    out.p("Control ratios: " + ("all hold" if not failures else "; ".join(failures)))
    out.p("Signatures of the commission members", "Heading3")
    rows = [["member", "role", "key fingerprint", "signature"]]
    for row in signature_rows(digest, signed, members):
        rows.append([row["name"], row["role"], row["fingerprint"], row["status"]])
    out.table(rows, [140, 80, 110, 160])
    for dissent in signed.get("dissents", []):
        name = next((m["name"] for m in members if m["key"] == dissent["key"]), dissent["key"][:16])
        out.p(f"Dissenting opinion of {name}: {dissent['opinion']}")
    return out.render()


def _share(votes: Mapping[str, int], candidate: str) -> str:
    total = sum(votes.values())
    return f"{100 * votes.get(candidate, 0) / total:.2f}" if total else "-"


def _constituencies(results: Results) -> Sequence[Commission]:
    """The commissions right under the central one (constituencies, regions, abroad)."""
    return results.children(results.central)


def results_pdf(results: Results, status: str) -> bytes:
    """The central summary table, results by constituency (chart), and per-constituency tables."""
    election = results.election
    central = results.totals[results.central]
    out = _Doc(f"{election.title}: results")
    out.p(election.title, "Title")
    out.p(f"Results ({status}): summary of the central commission", "Heading2")
    out.p(
        f"Protocols received: {central['received']} of {central['expected']} precincts "
        f"({100 * central['received'] / max(1, central['expected']):.1f}%)"
    )
    rows = [["line", "item", "total"]]
    for line in election.profile.lines:
        rows.append([line.id, line.label, str(central["lines"].get(line.id, 0))])
    out.table(rows, [60, 360, 70])
    out.space()
    rows = [["candidate", "votes", "%"]]
    for candidate in election.candidates:
        rows.append(
            [
                election.candidate_names[candidate],
                str(central["votes"].get(candidate, 0)),
                _share(central["votes"], candidate),
            ]
        )
    out.table(rows, [300, 100, 90])
    units = _constituencies(results)
    for start in range(0, len(units), CHART_ROWS):
        chunk = units[start : start + CHART_ROWS]
        out.page_break()
        out.story.append(
            results_chart(
                results,
                chunk,
                f"Results by constituency ({start + 1}-{start + len(chunk)} of {len(units)}), "
                "% of valid votes",
            )
        )
    out.page_break()
    out.p("Summary by constituency", "Heading2")
    header = ["code", "constituency", "received", *election.candidates]
    rows = [header]
    for unit in units:
        total = results.totals[unit.code]
        rows.append(
            [
                unit.code,
                unit.name[:28],
                f"{total['received']}/{total['expected']}",
                *(str(total["votes"].get(c, 0)) for c in election.candidates),
            ]
        )
    width = (490 - 200) / max(1, len(election.candidates))
    out.table(rows, [45, 105, 50, *([width] * len(election.candidates))])
    return out.render()


def turnout_series(
    results: Results, turnout: Mapping[str, Mapping[str, Mapping[str, int]]], code: str
) -> tuple[list[str], list[float], int]:
    """Hours, % of voters on the list by hour, and the electorate, for one commission."""
    hours = list(results.election.profile.turnout_hours)
    electorate = 0
    first_line = results.election.profile.lines[0].id
    if code in results.totals:
        electorate = results.totals[code]["lines"].get(first_line, 0)
    by_hour = turnout.get(code, {})
    percents = [
        100.0 * by_hour.get(h, {}).get("voters", 0) / electorate if electorate else 0.0
        for h in hours
    ]
    return hours, percents, electorate


def turnout_pdf(results: Results, turnout: Mapping[str, Mapping[str, Mapping[str, int]]]) -> bytes:
    """Turnout at the law's hours, nationally (with a chart) and per constituency."""
    election = results.election
    hours, percents, electorate = turnout_series(results, turnout, results.central)
    out = _Doc(f"{election.title}: turnout")
    out.p(election.title, "Title")
    out.p("Turnout report", "Heading2")
    out.p(
        f"Voters on the list (line {election.profile.lines[0].id} of the protocols received): "
        f"{electorate}"
    )
    out.story.append(turnout_chart(hours, percents, "Turnout by hour, nationally"))
    rows = [["hour", "voters", "%", "precincts reporting"]]
    national = turnout.get(results.central, {})
    for hour, percent in zip(hours, percents, strict=True):
        slot = national.get(hour, {"voters": 0, "reporting": 0})
        rows.append([hour, str(slot["voters"]), f"{percent:.2f}", str(slot["reporting"])])
    out.table(rows, [60, 100, 60, 120])
    out.p("Turnout by constituency (% of voters on the list)", "Heading2")
    rows = [["code", "constituency", *hours]]
    for unit in _constituencies(results):
        _, unit_percents, _ = turnout_series(results, turnout, unit.code)
        rows.append([unit.code, unit.name[:30], *(f"{p:.1f}" for p in unit_percents)])
    width = (490 - 175) / max(1, len(hours))
    out.table(rows, [50, 125, *([width] * len(hours))])
    return out.render()


__all__ = [
    "drawing_svg",
    "fingerprint",
    "protocol_pdf",
    "results_chart",
    "results_pdf",
    "results_svg",
    "signature_rows",
    "turnout_chart",
    "turnout_pdf",
    "turnout_series",
    "turnout_svg",
]
