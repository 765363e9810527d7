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

Every word is written in one language, the one of ``t``, a ``urna.api.Translator``
(the plugin's catalog, as the pages use it); numbers, shares and times are formatted
for that language, and the protocol lines carry the law's label in it.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from urna.api import N_, Translator
from urna.crypto.hashing import blake2b_256

from urna_elections.hierarchy import Commission
from urna_elections.law import Profile
from urna_elections.portal import SHARE_HEADINGS, ContestVotes, contest_votes, contests_at
from urna_elections.protocol import protocol_digest
from urna_elections.results import Results, contest_progress
from urna_elections.signatures import dissent_digest, signature_verifies

FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
COLOURS = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a5a5a5", "#843c0c")
CHART_ROWS = 25

# The words of the reports and of the charts, written in English and translated through the
# plugin's catalog (``t.gettext``), each in one place here.
OFFICIAL = N_("Official results")
INCOMPLETE_REASON = N_("Reason recorded by the commission:")
INCOMPLETE_LIST = N_("Missing precincts:")
PRELIMINARY = N_("Preliminary results, not yet official")
SUMMARY_HEADING = N_("%(status)s: summary of the central commission")
RECEIVED = N_("Protocols received: %(received)s of %(expected)s precincts (%(share)s)")
RESULTS_TITLE = N_("%(title)s: results")
RESULTS_CHART = N_("Results by constituency, % of valid votes")
RESULTS_CHART_PART = N_(
    "Results by constituency (%(first)s-%(last)s of %(count)s), %% of valid votes"
)
BY_CONSTITUENCY = N_("Summary by constituency")
TURNOUT_TITLE = N_("%(title)s: turnout")
TURNOUT_REPORT = N_("Turnout report")
ELECTORATE = N_("Voters on the list (line %(line)s of the protocols received): %(voters)s")
TURNOUT_NATIONAL = N_("Turnout by hour, nationally")
TURNOUT_UNIT = N_("Turnout by hour: %(unit)s")
TURNOUT_AXIS = N_("turnout, % of voters on the list")
TURNOUT_BY_CONSTITUENCY = N_("Turnout by constituency (% of voters on the list)")
PAGE_FOOTER = N_("%(title)s, page %(page)s")
LINES_HEADER = (N_("Line"), N_("Item"), N_("Total"))
PROTOCOL_LINES_HEADER = (N_("Line"), N_("Item"), N_("Number"))
VOTES_HEADER = (N_("Candidate"), N_("Votes"))
UNIT_HEADER = (N_("Code"), N_("Constituency"))
RECEIVED_HEADER = N_("Received")
TURNOUT_HEADER = (N_("Time"), N_("Voters"), N_("Share"), N_("Precincts reporting"))
SIGNATURES_HEADER = (N_("Member"), N_("Role"), N_("Key fingerprint"), N_("Signature"))
DID_NOT_SIGN = N_("did not sign")
SIGNED = N_("signed, signature valid")
SIGNATURE_INVALID = N_("SIGNATURE INVALID")
DISSENT = N_("dissenting opinion (signed)")
DISSENT_INVALID = N_("dissent signature INVALID")
ADVISORY = N_("%(role)s (advisory vote)")
PROTOCOL_TITLE = N_("Protocol of %(commission)s")
PROTOCOL_HEADING = N_("Protocol of the precinct election commission %(commission)s (%(code)s)")
CONSTITUENCY = N_("Constituency: %(name)s (%(code)s)")
LAW = N_("Law: %(law)s")
DIGEST = N_("Protocol digest (BLAKE2b-256): %(digest)s")
COMPLETED = N_("Completed at: %(time)s")
REPEAT = N_("Repeat protocol, supersedes %(digest)s: %(reason)s")
RECORDED = N_("Recorded as event %(seq)s of %(scope)s")
RATIOS_HOLD = N_("Control ratios: all hold")
RATIOS_FAIL = N_("Control ratios that do not hold: %(failures)s")
SIGNATURES = N_("Signatures of the commission members")
DISSENT_OF = N_("Dissenting opinion of %(name)s: %(opinion)s")


def headers(t: Translator, words: Sequence[str]) -> list[str]:
    """A table's header row in ``t``'s language."""
    return [t.gettext(word) for word in words]


def fingerprint(key_hex: str) -> str:
    """A member key's fingerprint: BLAKE2b-256 (label ``urna.el.fpr``) of the key, 16 hex
    digits in groups of four, as printed beside the member's name."""
    digest = blake2b_256(b"urna.el.fpr", bytes.fromhex(key_hex)).hex()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def signature_rows(
    digest_hex: str,
    signed: Mapping[str, Any],
    members: Sequence[Mapping[str, Any]],
    t: Translator,
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
            status = t.gettext(DID_NOT_SIGN)
        elif signature_verifies(key, digest, by_key[key]):
            status = t.gettext(SIGNED)
        else:
            status = t.gettext(SIGNATURE_INVALID)
        if key in dissents:
            dissent = dissents[key]
            message = dissent_digest(digest_hex, dissent["opinion"])
            if signature_verifies(key, message, dissent["sig"]):
                status += "; " + t.gettext(DISSENT)
            else:
                status += "; " + t.gettext(DISSENT_INVALID)
        role = member["role"]
        rows.append(
            {
                "name": member["name"],
                "role": role if member["decisive"] else t.gettext(ADVISORY, role=role),
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


MARGIN = 42.5  # 15 mm
LANDSCAPE_WIDTH = 740  # the A4 landscape frame, less its padding
MIN_FIGURE_WIDTH = 40  # a column of figures headed by a candidate's name
CELL_PADDING = 12  # left and right, reportlab's default


class _Doc:
    """A story of paragraphs, tables and drawings laid out on A4, portrait unless a part asks
    for landscape pages."""

    def __init__(self, title: str, t: Translator) -> None:
        from reportlab.lib.styles import (  # type: ignore[import-untyped,unused-ignore]
            ParagraphStyle,
            getSampleStyleSheet,
        )

        self.title = title
        self.t = t
        self.regular, self.bold = _fonts()
        self.styles = getSampleStyleSheet()
        for style in self.styles.byName.values():
            is_heading = "Heading" in style.name or style.name == "Title"
            style.fontName = self.bold if is_heading else self.regular
            if is_heading:
                style.keepWithNext = 1  # a heading stays with its table: no orphan at a page end
        self.cell = ParagraphStyle("cell", fontName=self.regular, fontSize=8, leading=9.5)
        self.head = ParagraphStyle("head", parent=self.cell, fontName=self.bold, fontSize=7.5)
        self.story: list[Any] = []

    def p(self, text: str, style: str = "BodyText") -> None:
        from reportlab.platypus import Paragraph  # type: ignore[import-untyped,unused-ignore]

        self.story.append(Paragraph(escape(text), self.styles[style]))

    def table(self, rows: Sequence[Sequence[str]], widths: Sequence[float] | None = None) -> None:
        """A table with a header row; header cells and long cells wrap within their column."""
        from reportlab.lib import colors  # type: ignore[import-untyped,unused-ignore]
        from reportlab.platypus import (  # type: ignore[import-untyped,unused-ignore]
            Paragraph,
            Table,
            TableStyle,
        )

        heads = [
            "<br/>".join(
                escape(line)
                for line in _wrapped(c, self.bold, self.head.fontSize, width - CELL_PADDING)
            )
            for c, width in zip(rows[0], widths or [math.inf] * len(rows[0]), strict=True)
        ]
        cells = [[Paragraph(c, self.head) for c in heads]] + [
            [Paragraph(escape(c), self.cell) if len(c) > 24 else c for c in row] for row in rows[1:]
        ]
        table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.regular, 8),
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

    def page_break(self, orientation: str = "portrait") -> None:
        """A new page, in ``orientation`` (``portrait`` or ``landscape``) from there on."""
        from reportlab.platypus import (  # type: ignore[import-untyped,unused-ignore]
            NextPageTemplate,
            PageBreak,
        )

        self.story.append(NextPageTemplate(orientation))
        self.story.append(PageBreak())

    def render(self) -> bytes:
        from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped,unused-ignore]
        from reportlab.platypus import (  # type: ignore[import-untyped,unused-ignore]
            BaseDocTemplate,
            Frame,
            PageTemplate,
        )

        out = io.BytesIO()
        regular = self.regular

        def footer(canvas: Any, doc: Any) -> None:
            canvas.saveState()
            canvas.setFont(regular, 7)
            footer = self.t.gettext(PAGE_FOOTER, title=self.title, page=self.t.number(doc.page))
            canvas.drawString(MARGIN, MARGIN / 2, footer)
            canvas.restoreState()

        def template(name: str, size: tuple[float, float]) -> Any:
            frame = Frame(MARGIN, MARGIN, size[0] - 2 * MARGIN, size[1] - 2 * MARGIN)
            return PageTemplate(name, [frame], onPage=footer, pagesize=size)

        document = BaseDocTemplate(
            out,
            pagesize=A4,
            title=self.title,
            author="Urna elections",
            invariant=True,
            pageTemplates=[template("portrait", A4), template("landscape", landscape(A4))],
        )
        document.build(self.story)
        return out.getvalue()


CHART_WIDTH = 480  # points: fits the portrait frame; the SVG is this many pixels wide
CHART_LABEL_WIDTH = 150  # a unit's name wraps beyond this
SVG_NS = "http://www.w3.org/2000/svg"
# reportlab's registered fonts as a browser knows them (the SVG names families, not files).
SVG_FONTS = {
    "UrnaElSans": {"family": "'DejaVu Sans', Verdana, sans-serif"},
    "UrnaElSans-Bold": {"family": "'DejaVu Sans', Verdana, sans-serif", "weight": "bold"},
    "Helvetica": {"family": "Helvetica, Arial, sans-serif"},
    "Helvetica-Bold": {"family": "Helvetica, Arial, sans-serif", "weight": "bold"},
}
# The style properties reportlab writes, each also an SVG presentation attribute of the same
# name: a page's Content-Security-Policy without 'unsafe-inline' blocks style="", not these.
PRESENTATION = frozenset(
    (
        "clip-path",
        "fill",
        "fill-opacity",
        "fill-rule",
        "font-family",
        "font-size",
        "font-style",
        "font-variant",
        "font-weight",
        "stroke",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-opacity",
        "stroke-width",
        "text-anchor",
    )
)


def turnout_chart(
    hours: Sequence[str], percents: Sequence[float | None], title: str, t: Translator
) -> Any:
    """A bar chart of turnout (% of voters on the list) by hour: a reportlab Drawing. An hour
    not reported yet has no bar (``None``), never a bar of 0 %."""
    from reportlab.graphics.charts import barcharts  # type: ignore[import-untyped,unused-ignore]
    from reportlab.graphics.shapes import Drawing, String  # type: ignore[import-untyped,unused-ignore]
    from reportlab.lib import colors  # type: ignore[import-untyped,unused-ignore]

    regular, bold = _fonts()
    drawing = Drawing(CHART_WIDTH, 220)
    chart = barcharts.VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 50, 40, 410, 150
    chart.data = [list(percents) or [0]]
    chart.categoryAxis.categoryNames = list(hours) or ["-"]
    chart.categoryAxis.labels.fontName = regular
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labels.fontName = regular
    chart.valueAxis.labelTextFormat = _percent_format(t, 0)
    chart.bars[0].fillColor = colors.HexColor(COLOURS[0])
    chart.barLabelFormat = _percent_format(t, 1)
    chart.barLabels.nudge = 7
    chart.barLabels.fontName = regular
    chart.barLabels.fontSize = 8
    drawing.add(chart)
    drawing.add(String(50, 200, title, fontName=bold, fontSize=10))
    drawing.add(String(50, 12, t.gettext(TURNOUT_AXIS), fontName=regular, fontSize=8))
    return drawing


def _fraction(percent: float | None) -> float | None:
    return None if percent is None else percent / 100


def _percent_format(t: Translator, digits: int) -> Any:
    """A chart label of a percentage (``12.5`` -> ``12,5 %`` in ru) in ``t``'s language."""
    return lambda value: t.percent(value / 100, digits)


def _wrapped(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` at spaces and after hyphens (a part
    wider than that keeps a line of its own). reportlab's own wrapping breaks a name such as
    ``Məmmədova-Əliyeva`` inside a word: its hyphenation knows no ``ə``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped,unused-ignore]

    lines, line = [], ""
    for part, gap in re.findall(r"([^\s-]*-|[^\s-]+)(\s*)", text):
        if line and stringWidth((line + part).rstrip(), font, size) > width:
            lines.append(line.rstrip())
            line = ""
        line += part + (" " if gap else "")
    return [*lines, line.rstrip()]


def _widest(lines: Sequence[str], font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped,unused-ignore]

    return max((float(stringWidth(line, font, size)) for line in lines), default=0.0)


def _legend(names: Sequence[str], font: str, size: float, width: float) -> Any:
    """A legend of one swatch per name, in as many columns as the longest name allows within
    ``width``: every name whole (wrapped only when one is wider than the chart)."""
    from reportlab.graphics.charts.legends import Legend  # type: ignore[import-untyped,unused-ignore]
    from reportlab.lib import colors  # type: ignore[import-untyped,unused-ignore]

    legend = Legend()
    legend.fontName, legend.fontSize = font, size
    legend.alignment = "right"
    legend.dx = legend.dy = 7
    legend.deltay = 10
    legend.dxTextSpace = 5
    legend.autoXPadding = 12
    swatch = legend.dx + legend.dxTextSpace + legend.autoXPadding
    lines = [_wrapped(name, font, size, width - swatch) for name in names]
    column = swatch + _widest([line for name in lines for line in name], font, size)
    columns = max(1, int(width // column))
    legend.columnMaximum = math.ceil(len(names) / columns) or 1
    legend.deltax = column
    legend.colorNamePairs = [
        (colors.HexColor(COLOURS[i % len(COLOURS)]), "\n".join(name))
        for i, name in enumerate(lines)
    ]
    return legend


def results_chart(results: Results, units: Sequence[Commission], title: str, t: Translator) -> Any:
    """Stacked horizontal bars: each unit's votes by candidate, in % of valid votes, the units
    and candidates by name."""
    from reportlab.graphics.charts import barcharts  # type: ignore[import-untyped,unused-ignore]
    from reportlab.graphics.shapes import Drawing, String  # type: ignore[import-untyped,unused-ignore]
    from reportlab.lib import colors  # type: ignore[import-untyped,unused-ignore]

    candidates, names = results.election.candidates, results.election.candidate_names
    regular, bold = _fonts()
    labels = [_wrapped(unit.name, regular, 7, CHART_LABEL_WIDTH) for unit in units]
    label_width = _widest([line for label in labels for line in label], regular, 7)
    row = max(14, math.ceil(8.4 * max((len(label) for label in labels), default=1)) + 5)
    legend = _legend([names.get(c, c) for c in candidates], regular, 7, CHART_WIDTH - 16)
    legend.x, legend.y = 8, 0
    _, low, _, high = legend.getBounds()
    legend.y = 8 - low
    chart = barcharts.HorizontalBarChart()
    chart.x = 12 + math.ceil(label_width)
    chart.y = math.ceil(high - low) + 8 + 26
    chart.width = CHART_WIDTH - chart.x - 16
    chart.height = row * max(1, len(units))
    drawing = Drawing(CHART_WIDTH, chart.y + chart.height + 30)
    chart.data = [
        [
            100.0
            * results.totals[unit.code]["votes"].get(candidate, 0)
            / (sum(results.totals[unit.code]["votes"].values()) or 1)
            for unit in units
        ]
        or [0]
        for candidate in candidates
    ]
    chart.categoryAxis.categoryNames = ["\n".join(label) for label in labels] or ["-"]
    chart.categoryAxis.labels.fontName = regular
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.reverseDirection = True
    chart.categoryAxis.style = "stacked"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labelTextFormat = _percent_format(t, 0)
    chart.valueAxis.labels.fontName = regular
    for index in range(len(candidates)):
        chart.bars[index].fillColor = colors.HexColor(COLOURS[index % len(COLOURS)])
        chart.bars[index].strokeWidth = 0
    drawing.add(chart)
    drawing.add(legend)
    drawing.add(String(8, drawing.height - 18, title, fontName=bold, fontSize=10))
    return drawing


def drawing_svg(drawing: Any, title: str) -> bytes:
    """``drawing`` as SVG that renders the same as an image, opened directly and under a strict
    Content-Security-Policy: every style as a presentation attribute, fonts by family, and
    ``title`` as its accessible name."""
    from reportlab.graphics import renderSVG  # type: ignore[import-untyped,unused-ignore]

    text = renderSVG.drawToString(drawing, fontHacks=SVG_FONTS, fontSizer="")
    root = ET.fromstring(text)  # noqa: S314 - reportlab's output, not outside input
    for element in root.iter():
        element.tag = element.tag.removeprefix(f"{{{SVG_NS}}}")  # back to plain names, below
        declarations = element.attrib.pop("style", "")
        for declaration in filter(None, (d.strip() for d in declarations.split(";"))):
            name, _, value = (part.strip() for part in declaration.partition(":"))
            if name not in PRESENTATION:
                raise ValueError(f"reportlab wrote a style SVG has no attribute for: {declaration}")
            element.set(name, value)
    for child in list(root):  # reportlab's placeholder title and description ("...")
        if child.tag == "title":
            child.text = title
        elif child.tag == "desc":
            root.remove(child)
    root.set("xmlns", SVG_NS)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def results_svg(results: Results, t: Translator) -> bytes:
    """The chart of results by constituency, as SVG."""
    title = t.gettext(RESULTS_CHART)
    return drawing_svg(results_chart(results, _constituencies(results), title, t), title)


def turnout_svg(
    results: Results,
    turnout: Mapping[str, Mapping[str, Mapping[str, int]]],
    code: str,
    t: Translator,
) -> bytes:
    """The chart of turnout by hour in commission ``code``, as SVG, titled with the
    commission's name."""
    hours, percents, _ = turnout_series(results, turnout, code)
    title = t.gettext(TURNOUT_UNIT, unit=results.commissions[code].name)
    return drawing_svg(turnout_chart(hours, percents, title, t), title)


# --- the reports --------------------------------------------------------------------------


def protocol_pdf(
    results: Results,
    precinct: str,
    signed: Mapping[str, Any],
    members: Sequence[Mapping[str, Any]],
    t: Translator,
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
    out = _Doc(t.gettext(PROTOCOL_TITLE, commission=commission.name), t)
    out.p(f"{election.title}", "Title")
    out.p(t.gettext(PROTOCOL_HEADING, commission=commission.name, code=precinct), "Heading2")
    if parent is not None:
        out.p(t.gettext(CONSTITUENCY, name=parent.name, code=parent.code))
    out.p(t.gettext(LAW, law=election.profile.title))
    digest = protocol_digest(doc).hex()
    out.p(t.gettext(DIGEST, digest=digest))
    if doc["completed_at"]:
        out.p(t.gettext(COMPLETED, time=t.datetime(doc["completed_at"])))
    if doc["supersedes"]:
        out.p(t.gettext(REPEAT, digest=doc["supersedes"], reason=doc["reason"]))
    if seq is not None:
        out.p(t.gettext(RECORDED, seq=seq, scope=election.scope))
    out.space()
    rows = [headers(t, PROTOCOL_LINES_HEADER)]
    for line in election.profile.lines:
        rows.append([line.id, line.label_in(t.language), t.number(doc["lines"][line.id])])
    out.table(rows, [60, 360, 70])
    out.space()
    _contest_tables(
        out,
        [contest_votes(results, c, doc) for c in election.contests_of(doc["votes"])],
        election.profile,
        t,
    )
    failures = election.check(doc["lines"], doc["votes"])
    if failures:
        out.p(t.gettext(RATIOS_FAIL, failures="; ".join(failures)))
    else:
        out.p(t.gettext(RATIOS_HOLD))
    out.p(t.gettext(SIGNATURES), "Heading3")
    rows = [headers(t, SIGNATURES_HEADER)]
    for row in signature_rows(digest, signed, members, t):
        rows.append([row["name"], row["role"], row["fingerprint"], row["status"]])
    out.table(rows, [140, 80, 110, 160])
    for dissent in signed.get("dissents", []):
        name = next((m["name"] for m in members if m["key"] == dissent["key"]), dissent["key"][:16])
        out.p(t.gettext(DISSENT_OF, name=name, opinion=dissent["opinion"]))
    return out.render()


def _votes_header(profile: Profile, t: Translator) -> list[str]:
    """The votes table's header: the shares' column names the law's base."""
    return headers(t, (*VOTES_HEADER, SHARE_HEADINGS[profile.share_base.basis]))


def _contest_tables(
    out: _Doc, contests: Sequence[ContestVotes], profile: Profile, t: Translator
) -> None:
    """A votes table per contest: its candidates and write-ins with their shares of the law's
    base, then its over and under votes; under the contest's name when there are several."""
    for contest in contests:
        if len(contests) > 1:
            title = contest.name + (f" — {contest.district}" if contest.district else "")
            out.p(title, "Heading3")
        rows = [_votes_header(profile, t)]
        for candidate in contest.candidates:
            share = candidate.share
            shown = t.percent(share, profile.decimals) if share is not None else "-"
            rows.append([candidate.name, t.number(candidate.votes), shown])
        for other in contest.others:
            rows.append([other.name, t.number(other.votes), "-"])
        out.table(rows, [300, 100, 90])
        out.space()


def _constituencies(results: Results) -> Sequence[Commission]:
    """The commissions right under the central one (constituencies, regions, abroad)."""
    return results.children(results.central)


def results_pdf(results: Results, t: Translator) -> bytes:
    """The central summary table, results by constituency (chart), and per-constituency tables,
    headed with the status of ``results`` (official or not yet)."""
    election = results.election
    central = results.totals[results.central]
    out = _Doc(t.gettext(RESULTS_TITLE, title=election.title), t)
    out.p(election.title, "Title")
    status = t.gettext(OFFICIAL) if election.status == "official" else t.gettext(PRELIMINARY)
    out.p(t.gettext(SUMMARY_HEADING, status=status), "Heading2")
    out.p(
        t.gettext(
            RECEIVED,
            received=t.number(central["received"]),
            expected=t.number(central["expected"]),
            share=t.percent(central["received"] / max(1, central["expected"]), 1),
        )
    )
    if election.official_missing:  # official means complete, or says why not
        missing = election.official_missing
        declared = t.ngettext(
            "Declared official with %(num)s precinct's protocol missing.",
            "Declared official with %(num)s precincts' protocols missing.",
            len(missing),
            num=t.number(len(missing)),
        )
        out.p(declared, "Heading3")
        out.p(f"{t.gettext(INCOMPLETE_REASON)} {election.official_reason}")
        out.p(f"{t.gettext(INCOMPLETE_LIST)} {', '.join(missing)}")
    rows = [headers(t, LINES_HEADER)]
    for line in election.profile.lines:
        total = central["lines"].get(line.id, 0)
        rows.append([line.id, line.label_in(t.language), t.number(total)])
    out.table(rows, [60, 360, 70])
    out.space()
    _contest_tables(out, contests_at(results, results.central), election.profile, t)
    units = _constituencies(results)
    for start in range(0, len(units) if len(election.contests) == 1 else 0, CHART_ROWS):
        chunk = units[start : start + CHART_ROWS]
        out.page_break()
        title = t.gettext(
            RESULTS_CHART_PART, first=start + 1, last=start + len(chunk), count=len(units)
        )
        out.story.append(results_chart(results, chunk, title, t))
    out.page_break("landscape")
    out.p(t.gettext(BY_CONSTITUENCY), "Heading2")
    progress = contest_progress(results)
    for contest in election.contests:
        reach = progress[contest.id]
        reached = [unit for unit in units if unit.code in reach]
        if len(election.contests) > 1:
            district = election.districts.get(contest.district)
            out.p(contest.name + (f" — {district.name}" if district else ""), "Heading3")
        names = [s.name for s in contest.selections]
        for group in _figure_columns(names, out.bold, out.head.fontSize, LANDSCAPE_WIDTH - 210):
            rows = [[*headers(t, (*UNIT_HEADER, RECEIVED_HEADER)), *(names[i] for i, _ in group)]]
            for unit in reached:
                votes = results.totals[unit.code]["votes"]
                received, expected = reach[unit.code]
                rows.append(
                    [
                        unit.code,
                        unit.name,
                        f"{t.number(received)}/{t.number(expected)}",
                        *(t.number(votes.get(contest.selections[i].id, 0)) for i, _ in group),
                    ]
                )
            out.table(rows, [45, 110, 55, *(width for _, width in group)])
            out.space(12)
    return out.render()


def _figure_columns(
    labels: Sequence[str], font: str, size: float, width: float
) -> list[list[tuple[int, float]]]:
    """Columns of figures headed by ``labels`` (index and width), in as few tables as fit in
    ``width``: each column at least as wide as the longest word of its label, so that the label
    wraps between words, and ``MIN_FIGURE_WIDTH``; what is left shared out in each table."""
    needs = [
        max(MIN_FIGURE_WIDTH, CELL_PADDING + _widest(_wrapped(label, font, size, 0), font, size))
        for label in labels
    ]
    tables: list[list[int]] = [[]]
    for index, need in enumerate(needs):
        if tables[-1] and sum(needs[i] for i in tables[-1]) + need > width:
            tables.append([])
        tables[-1].append(index)
    return [
        [(i, needs[i] + (width - sum(needs[j] for j in table)) / len(table)) for i in table]
        for table in tables
        if table
    ]


def turnout_series(
    results: Results, turnout: Mapping[str, Mapping[str, Mapping[str, int]]], code: str
) -> tuple[list[str], list[float | None], int]:
    """Hours, % of voters on the list by hour (``None`` for an hour no precinct has
    reported yet), and the electorate, for one commission."""
    hours = list(results.election.profile.turnout_hours)
    electorate = 0
    first_line = results.election.profile.lines[0].id
    if code in results.totals:
        electorate = results.totals[code]["lines"].get(first_line, 0)
    by_hour = turnout.get(code, {})
    percents = [
        None
        if h not in by_hour
        else (100.0 * by_hour[h].get("voters", 0) / electorate if electorate else 0.0)
        for h in hours
    ]
    return hours, percents, electorate


def turnout_pdf(
    results: Results, turnout: Mapping[str, Mapping[str, Mapping[str, int]]], t: Translator
) -> bytes:
    """Turnout at the law's hours, nationally (with a chart) and per constituency."""
    election = results.election
    hours, percents, electorate = turnout_series(results, turnout, results.central)
    out = _Doc(t.gettext(TURNOUT_TITLE, title=election.title), t)
    out.p(election.title, "Title")
    out.p(t.gettext(TURNOUT_REPORT), "Heading2")
    line = election.profile.lines[0].id
    out.p(t.gettext(ELECTORATE, line=line, voters=t.number(electorate)))
    out.story.append(turnout_chart(hours, percents, t.gettext(TURNOUT_NATIONAL), t))
    rows = [headers(t, TURNOUT_HEADER)]
    national = turnout.get(results.central, {})
    for hour, percent in zip(hours, percents, strict=True):
        slot = national.get(hour, {"voters": 0, "reporting": 0})
        rows.append(
            [
                hour,
                t.number(slot["voters"]),
                t.percent(_fraction(percent)),
                t.number(slot["reporting"]),
            ]
        )
    out.table(rows, [60, 100, 60, 120])
    out.p(t.gettext(TURNOUT_BY_CONSTITUENCY), "Heading2")
    rows = [[*headers(t, UNIT_HEADER), *hours]]
    for unit in _constituencies(results):
        _, unit_percents, _ = turnout_series(results, turnout, unit.code)
        rows.append([unit.code, unit.name, *(t.percent(_fraction(p), 1) for p in unit_percents)])
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
