"""The elections pages over HTTP in az, en and ru: each answers in its language, numbers
grouped as the language groups them, no text from another language's catalog, the law's
line labels in the page's language, and the entry pages behind the sign-in page."""

from __future__ import annotations

import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.numbers import format_decimal
from pypdf import PdfReader
from urna.testing import catalog_problems
from urna_elections.law import load_builtin
from urna_elections.structure import add_commissions, create_election

LANGUAGES = ("az", "en", "ru")
PLUGIN = Path(__file__).resolve().parents[1]
BASE = "/p/elections"
HTML = {"Accept": "text/html"}
SQLITE = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)


def catalog(language: str) -> dict[str, str]:
    """The plugin's compiled messages in ``language``: msgid to the text shown."""
    path = PLUGIN / "urna_elections" / "locale" / language / "LC_MESSAGES" / "elections.mo"
    with path.open("rb") as handle:
        messages = read_mo(handle)
    texts = {}
    for message in messages:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        text = message.string if isinstance(message.string, str) else message.string[0]
        texts[key] = text or key
    return texts


CATALOGS = {language: catalog(language) for language in LANGUAGES}


def say(language: str, message: str) -> str:
    """``message`` as shown in ``language`` (English leaves messages untranslated)."""
    return CATALOGS[language].get(message, message)


def foreign(language: str) -> set[str]:
    """Texts of the other languages' catalogs that differ from this language's."""
    found = set()
    for msgid in CATALOGS["ru"]:
        if "%(" in msgid:
            continue
        for other in LANGUAGES:
            if other != language and say(other, msgid) != say(language, msgid):
                found.add(say(other, msgid))
    return found


def squeeze(text: str) -> str:
    """Runs of white space as one space, keeping the no-break spaces of grouped numbers."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


class Texts(HTMLParser):
    """Every piece of text a person meets on a page: text nodes and alt/aria-label values."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: set[str] = set()
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        for name, value in attrs:
            if name in ("alt", "aria-label") and value:
                self.texts.add(squeeze(value))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.texts.add(squeeze(data))


def texts_of(page: str) -> set[str]:
    parser = Texts()
    parser.feed(page)
    return parser.texts


async def fetch(client, path: str, language: str) -> str:
    client.cookies.set("urna_lang", language)
    response = await client.get(BASE + path, headers=HTML)
    assert response.status_code == 200, (path, response.text[:500])
    assert response.headers["content-language"] == language
    assert f'<html lang="{language}">' in response.text
    shown = texts_of(response.text)
    assert not shown & foreign(language), (path, language, shown & foreign(language))
    return response.text


@SQLITE
async def test_public_pages_in_three_languages(urna_server, portal_election):
    generated, sent = portal_election
    election = generated.election
    first, awaited = generated.precincts[0], generated.precincts[5]
    anonymous = urna_server.client()
    votes = {c: sum(v[1][c] for v in sent.values()) for c in election.candidates}
    for language in LANGUAGES:
        index = await fetch(anonymous, "/portal", language)
        assert say(language, "Election results") in texts_of(index)
        assert f'href="{BASE}/portal/{election.code}"' in index

        national = html.unescape(await fetch(anonymous, f"/portal/{election.code}", language))
        shown = texts_of(national)
        assert say(language, "Turnout by hour") in shown
        assert say(language, "Unofficial results") in shown
        for candidate, count in votes.items():
            assert format_decimal(count, locale=language) in shown, candidate
        assert format_decimal(2468, locale=language) in shown  # turnout at 10:00, grouped
        assert format_decimal(2468, locale=language) != "2468"
        progress = re.search(r'id="progress">([^<]*)<', national)
        assert progress is not None
        assert "3" in progress.group(1)
        assert "6" in progress.group(1)
        for download in ("open-data.csv", "open-data.json", "nist.json", "record.tar"):
            assert f"/elections/{election.code}/{download}" in national
        assert 'id="results-chart"' in national
        assert 'id="turnout-chart"' in national

        constituency = await fetch(anonymous, f"/portal/{election.code}/con001", language)
        assert say(language, "Results by precinct") in texts_of(constituency)

        precinct = html.unescape(
            await fetch(anonymous, f"/portal/{election.code}/{first}", language)
        )
        shown = texts_of(precinct)
        label = election.profile.lines[0].label_in(language)
        assert label in shown
        assert format_decimal(sent[first][0]["100.2.1"], locale=language) in shown
        assert sent[first][2] in shown  # the digest of the current (repeat) protocol
        assert "Recount ordered by the constituency commission" in shown
        assert f"/protocols/{first}/protocol.pdf" in precinct

        waiting = await fetch(anonymous, f"/portal/{election.code}/{awaited}", language)
        assert say(language, "This precinct's protocol has not been received yet.") in texts_of(
            waiting
        )


def test_line_labels_follow_the_page_language():
    az = load_builtin("az").lines[0]
    assert {az.label_in(language) for language in LANGUAGES} == {
        "Seçici siyahısına daxil edilmiş seçicilərin sayı",
        "Voters on the voter list",
        "Число избирателей, включённых в список избирателей",
    }
    assert az.label_in("de") == az.label  # a language the profile lacks: its own label


@SQLITE
async def test_entry_pages_for_an_operator_in_three_languages(urna_server, portal_election):
    generated, _ = portal_election
    election = generated.election
    operator = await urna_server.login("operator", ["elections.operator"])
    for language in LANGUAGES:
        work = await fetch(operator, "/entry", language)
        assert f'href="{BASE}/elections/{election.code}/enter"' in work
        page = await fetch(operator, f"/elections/{election.code}/enter", language)
        shown = texts_of(page)
        for line in election.profile.lines:
            assert (
                say(language, "Line %(line)s: %(label)s")
                % {
                    "line": line.id,
                    "label": line.label_in(language),
                }
                in shown
            )
        assert f'data-csrf="{operator.headers["X-CSRF-Token"]}"' in page
        assert 'action="/p/elections/elections/az-2024/drafts"' in page
        messages = json.loads(
            html.unescape(re.search(r'id="messages">(.*?)</script>', page, re.S).group(1))
        )
        assert messages["entering"] == say(
            language, "Entry saved. A second operator must now enter the same protocol."
        )
        assert messages["required"] == say(language, "Enter the number for %(field)s")


@SQLITE
async def test_entry_pages_send_a_browser_to_sign_in_and_refuse_an_api_client(
    urna_server, portal_election
):
    anonymous = urna_server.client()
    for path in ("/entry", "/elections/az-2024/enter"):
        response = await anonymous.get(BASE + path, headers=HTML)
        assert response.status_code == 303
        assert response.headers["location"].endswith(f"/-/signin?next={BASE}{path}")
        assert (await anonymous.get(BASE + path)).status_code == 401
    member = await urna_server.login("member", ["elections.member"])
    assert (await member.get(BASE + "/elections/az-2024/enter", headers=HTML)).status_code == 403


@SQLITE
async def test_downloads_are_written_in_the_language_asked_for(urna_server, portal_election):
    """The CSV, charts and PDFs use the same catalogs as the pages: ``?lang=``, else the
    request's language; ids and figures stay the same in every language."""
    generated, _ = portal_election
    client = urna_server.client()
    base = f"{BASE}/elections/{generated.election.code}"
    label = generated.election.profile.lines[0]
    for language in LANGUAGES:
        answer = await client.get(f"{base}/open-data.csv?lang={language}")
        assert answer.headers["content-language"] == language
        header = answer.text.splitlines()[0]
        assert header.startswith(say(language, "precinct") + ",")
        assert f"{label.label_in(language)} (100.2.1)" in header
        client.cookies.set("urna_lang", language)
        chart = await client.get(f"{base}/charts/results.svg")
        assert chart.headers["content-language"] == language
        assert say(language, "Results by constituency, % of valid votes") in chart.text
        pdf = await client.get(f"{base}/reports/results.pdf")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert say(language, "Preliminary results, not yet official") in " ".join(text.split())


@SQLITE
async def test_the_index_escapes_what_an_administrator_typed(urna_server):
    ledger = urna_server.services.ledger
    election = await create_election(
        ledger,
        code="x1",
        title="<script>alert(1)</script>",
        kind="general",
        date="2024-02-07",
        profile=load_builtin("az"),
        candidates=[{"id": "c1", "name": "<b>One</b>"}],
    )
    await add_commissions(
        ledger, election, [{"code": "cec", "name": "<i>C</i>", "kind": "central"}]
    )
    client = urna_server.client()
    for path in ("/portal", "/portal/x1"):
        page = (await client.get(BASE + path, headers=HTML)).text
        assert "<script>alert" not in page
        assert "<b>One" not in page
        assert "<i>C" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_every_message_is_translated_in_az_en_and_ru():
    assert not catalog_problems(PLUGIN, "elections")
