"""Downloads as a person gets them: named files, charts that render under the strict CSP with
names (not codes) and complete legends, a results PDF readable with eight long candidate names
and saying "official" when the results are.

Over real HTTP; PDFs read back with pypdf, SVGs parsed with xml.etree.
"""

from __future__ import annotations

import io
import itertools
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import attrs
import pytest
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from urna.api import translator
from urna_elections import reports
from urna_elections.generate import (
    CANDIDATES,
    az_protocol_values,
    generate_election,
    member_keys,
    signed_protocol,
)
from urna_elections.law import builtin_profiles
from urna_elections.official import mark_official
from urna_elections.plugin import results_pdf
from urna_elections.protocols import accept_signed
from urna_elections.results import compute, report_turnout
from urna_elections.structure import import_structure, load_election

pytestmark = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)
SVG = "{http://www.w3.org/2000/svg}"
LONG_NAMES = (
    "Aygün Məmmədova-Əliyeva",
    "Konstantin Aleksandrovich Vladimirov-Sokolovsky",
    "Rəşad Hüseynov",
    "Leyla Qasımova-Nəsirova",
    "Nizami Əbdürrəhmanov",
    "Farida Mammadova",
    "Elvin Bayramov",
    "Maria Fernanda de los Santos Ortega",
)


async def _vote(ledger, election, precincts, keys_of) -> None:
    rng = random.Random(5)  # noqa: S311 - made-up figures
    for precinct in precincts:
        lines, votes = az_protocol_values(rng, election.candidates)
        await accept_signed(
            ledger,
            election,
            signed_protocol(election, precinct, lines, votes, keys_of(precinct)),
            "api",
        )


async def _small(ledger):
    generated = await generate_election(ledger, constituencies=2, precincts=4, abroad=0, members=3)
    await _vote(ledger, generated.election, generated.precincts[:3], generated.member_keys)
    hours = generated.election.profile.turnout_hours
    reports_ = [{"precinct": p, "hour": hours[0], "voters": 100} for p in generated.precincts[:3]]
    await report_turnout(ledger, generated.election, reports_)
    return generated


async def _eight_long_names(ledger):
    """An election with eight candidates whose names are long, in two constituencies, from a
    structure document as an office would import it."""
    commissions = [{"code": "cec", "name": "Central Election Commission", "kind": "central"}]
    members = []
    for unit in ("con1", "con2"):
        name = f"Constituency {unit[-1]} (Binəqədi)"
        commissions.append({"code": unit, "name": name, "kind": "constituency", "parent": "cec"})
        for precinct in (f"{unit}-1", f"{unit}-2"):
            commissions.append(
                {"code": precinct, "name": precinct, "kind": "precinct", "parent": unit}
            )
            members += [
                {"commission": precinct, "name": f"Member {i}", "role": "member", "key": key}
                for i, key in enumerate(k.verify_key.hex() for k in _keys(precinct))
            ]
    election = {
        "code": "long-2025",
        "title": "Election with eight candidates",
        "date": "2025-01-29",
        "candidates": [{"id": f"c{i}", "name": n} for i, n in enumerate(LONG_NAMES, start=1)],
    }
    document = {"election": election, "commissions": commissions, "members": members}
    profiles = {p.name: p for p in builtin_profiles()}
    info = await import_structure(ledger, document, profiles)
    precincts = [c["code"] for c in commissions if c["kind"] == "precinct"]
    await _vote(ledger, info, precincts, _keys)
    return info


def _keys(precinct: str) -> list:
    return list(member_keys("long", precinct, 3))


def svg_tree(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own server's answer under test


def svg_text(root: ET.Element) -> str:
    """The text a reader sees, lines of one label joined by a space."""
    return " ".join(" ".join((t.text or "").split()) for t in root.iter(f"{SVG}text"))


def assert_no_inline_style(root: ET.Element) -> None:
    assert not list(root.iter(f"{SVG}style")), "a <style> element is blocked by style-src 'self'"
    styled = [e.tag for e in root.iter() if "style" in e.attrib]
    assert not styled, f"style attributes are blocked by style-src 'self': {styled[:3]}"


async def test_every_download_names_its_file(urna_server):
    generated = await _small(urna_server.services.ledger)
    code, precinct = generated.election.code, generated.precincts[0]
    url = f"/p/elections/elections/{code}"
    public = urna_server.client(headers={"Accept-Language": "en"})
    expected = {
        "open-data.csv": f'attachment; filename="{code}-open-data.csv"',
        "open-data.json": f'attachment; filename="{code}-open-data.json"',
        "nist.json": f'attachment; filename="{code}-nist-results.json"',
        "record.tar": f'attachment; filename="{code}-record.tar"',
        "reports/results.pdf": f'inline; filename="{code}-results.pdf"',
        "reports/turnout.pdf": f'inline; filename="{code}-turnout.pdf"',
        f"protocols/{precinct}/protocol.pdf": f'inline; filename="{code}-{precinct}-protocol.pdf"',
        "charts/results.svg": f'inline; filename="{code}-results-by-constituency.svg"',
        "charts/con001/turnout.svg": f'inline; filename="{code}-con001-turnout-by-hour.svg"',
    }
    for path, disposition in expected.items():
        answer = await public.get(f"{url}/{path}")
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["content-disposition"] == disposition, path


async def test_charts_carry_no_inline_style_and_show_names(urna_server):
    generated = await _small(urna_server.services.ledger)
    url = f"/p/elections/elections/{generated.election.code}/charts"
    public = urna_server.client(headers={"Accept-Language": "en"})

    root = svg_tree((await public.get(f"{url}/results.svg")).content)
    assert_no_inline_style(root)
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect")}
    assert len(fills - {None, "none", "rgb(0%,0%,0%)"}) >= len(CANDIDATES)  # one colour each
    text = svg_text(root)
    for _, name in CANDIDATES:
        assert name in text  # the legend is complete
    assert "Constituency 1" in text
    assert "Constituency 2" in text
    assert "con001" not in text
    for node in root.iter(f"{SVG}text"):  # a family a browser has, not reportlab's own name
        assert "sans-serif" in node.get("font-family", ""), node.attrib

    root = svg_tree((await public.get(f"{url}/cec/turnout.svg")).content)
    assert_no_inline_style(root)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") not in (None, "none")]
    assert bars
    assert "Central Election Commission" in svg_text(root)
    assert "cec" not in svg_text(root).split()
    # Only the first hour is reported: the hours still to come have no bar, not one of 0 %.
    assert len(bars) == 1
    assert "0.0 %" not in svg_text(root)


async def test_eight_long_names_in_the_chart_and_the_results_pdf(urna_server, tmp_path):
    election = await _eight_long_names(urna_server.services.ledger)
    url = f"/p/elections/elections/{election.code}"
    public = urna_server.client(headers={"Accept-Language": "en"})

    root = svg_tree((await public.get(f"{url}/charts/results.svg")).content)
    text = svg_text(root)
    for name in LONG_NAMES:
        assert name in text, f"legend cut: {name}"

    data = (await public.get(f"{url}/reports/results.pdf")).content
    (tmp_path / "results.pdf").write_bytes(data)
    reader = PdfReader(io.BytesIO(data))
    page = next(p for p in reader.pages if "Summary by constituency" in p.extract_text())
    fragments = text_fragments(page)
    page_width = float(page.mediabox.width)
    joined = " ".join(f.text for f in fragments)
    for name in LONG_NAMES:  # wrapped between words and after hyphens, never inside a word
        assert all(part in joined.split() for part in re.findall(r"[^\s-]*-|[^\s-]+", name)), name
    for fragment in fragments:
        assert fragment.x >= 0, fragment
        assert fragment.right <= page_width, fragment
    rows: dict[float, list[Fragment]] = {}
    for fragment in fragments:
        rows.setdefault(round(fragment.y, 1), []).append(fragment)
    for y, row in rows.items():
        row.sort(key=lambda f: f.x)
        for left, right in itertools.pairwise(row):
            assert left.right <= right.x + 0.5, f"{left.text!r} runs into {right.text!r} at y={y}"
    long_name = LONG_NAMES[1]
    header_lines = [y for y, row in rows.items() if any(f.text in long_name for f in row)]
    assert len(header_lines) >= 2, "a long candidate name wraps in its header cell"


async def test_the_saved_results_pdf_of_official_results_says_official(urna_services):
    ledger = urna_services.ledger
    english = translator(urna_services, "en")
    generated = await _small(ledger)
    before = generated.election  # as the demo holds it: loaded before the results were official

    preliminary = pdf_text(reports.results_pdf(await compute(before), english))
    assert "not yet official" in preliminary

    await mark_official(ledger, before, "the fourth precinct sent no protocol")
    results = await compute(await load_election(before.code))
    for data in (
        reports.results_pdf(results, english),
        await results_pdf(before, results, english),
    ):
        text = pdf_text(data)
        assert "Official results" in text
        assert "unofficial" not in text
        assert "not yet official" not in text


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@attrs.frozen
class Fragment:
    """A piece of text drawn on a page, where it starts, and where it ends in its font."""

    x: float
    y: float
    right: float
    text: str


def text_fragments(page) -> list[Fragment]:
    found: list[Fragment] = []

    def visit(text, cm, tm, font, size) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        size = size * tm[0] * cm[0]
        bold = "Bold" in str((font or {}).get("/BaseFont", ""))
        found.append(Fragment(x, y, x + width_of(text.strip(), size, bold=bold), text.strip()))

    page.extract_text(visitor_text=visit)
    return found


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def width_of(text: str, size: float, *, bold: bool) -> float:
    """The width of ``text`` in the font the reports use (DejaVu Sans where installed)."""
    name = "DejaVuSans-Bold" if bold else "DejaVuSans"
    if not (DEJAVU / f"{name}.ttf").is_file():
        return float(pdfmetrics.stringWidth(text, "Helvetica-Bold", size))
    if f"Test{name}" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(f"Test{name}", str(DEJAVU / f"{name}.ttf")))
    return float(pdfmetrics.stringWidth(text, f"Test{name}", size))
