"""A multi-contest election's portal pages in headless Chromium, in az, en and ru: each
contest under its name and district, vote-for-N and seats said, write-ins, over and under
votes shown without a share; axe-core and the language checks on every page."""

from __future__ import annotations

import asyncio
import io
import json
from urllib.parse import quote

import httpx
import pytest
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from urna_elections.generate import us_general_file
from urna_elections.importer import ColumnMapping, import_protocols
from urna_elections.law import load_builtin
from urna_elections.models import Draft
from urna_elections.structure import add_commissions, create_election, load_election

LANGUAGES = ("az", "en", "ru")
SQLITE = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)
HEADINGS = {
    "az": "Hər seçici ən çoxu 2 namizədə",
    "en": "up to 2 candidates",
    "ru": "не более чем за 2",
}


@SQLITE
async def test_contest_pages_and_reports_in_three_languages(urna_server, urna_pages, tmp_path):
    ledger = urna_server.services.ledger
    generated = us_general_file("pages", counties=2, precincts_per_county=4, congressional=2)
    election = await create_election(
        ledger,
        code="us-2028",
        title="General election 2028",
        kind="general",
        date="2028-11-07",
        profile=load_builtin("us-general"),
    )
    await add_commissions(
        ledger, election, [{"code": "state", "name": "State", "kind": "central", "parent": ""}]
    )
    report = await import_protocols(
        ledger,
        election,
        "us.csv",
        generated.text.encode(),
        generated.text,
        ColumnMapping.from_json(generated.mapping),
    )
    assert report.imported == 8
    election = await load_election("us-2028")
    browser = urna_pages.driver

    def contests() -> list[str]:
        return [h.text for h in browser.find_elements(By.CSS_SELECTOR, "section.contest h3")]

    for language in LANGUAGES:
        await urna_pages.visit("/p/elections/portal/us-2028", language)
        national = contests()
        # Every contest nationally, each district's under its district's name.
        assert len(national) == len(election.contests)
        assert "U.S. House — U.S. House 2" in national
        page = browser.find_element(By.TAG_NAME, "body").text
        assert HEADINGS[language] in page
        assert "Over Votes" in page
        assert "Write-ins" in page
        assert not browser.find_elements(By.ID, "results-chart")
        # A county: the contests of its ballots, and its precincts.
        await urna_pages.visit("/p/elections/portal/us-2028/Adams", language)
        assert "State House — State House 1" in contests()
        link = browser.find_element(By.CSS_SELECTOR, "#units a")
        assert link.text == "Precinct 1"
        # A precinct: exactly the six contests of its ballot.
        await urna_pages.visit(f"/p/elections/portal/us-2028/{quote('Adams:Precinct 1')}", language)
        assert len(contests()) == 6
        assert browser.find_element(By.ID, "votes").is_displayed()

    # The reports: a votes table per contest, the precinct's exactly its ballot's.
    base = "/p/elections/elections/us-2028"
    async with httpx.AsyncClient(base_url=urna_server.url) as client:
        for language in LANGUAGES:
            for name, path in (
                ("results", f"{base}/reports/results.pdf"),
                ("protocol", f"{base}/protocols/{quote('Adams:Precinct 1', safe='')}/protocol.pdf"),
            ):
                answer = await client.get(path, params={"lang": language})
                assert answer.status_code == 200, answer.text[:300]
                (tmp_path / f"{name}-{language}.pdf").write_bytes(answer.content)
                text = "\n".join(
                    page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages
                )
                assert "State House — State House 1" in text
                assert "Over Votes" in text
                if name == "protocol":
                    assert "State House 2" not in text
                else:
                    assert "U.S. House — U.S. House 2" in text

    # Protocol entry: a fieldset per contest; the contests not on the precinct's ballot
    # stay empty and the entry is saved with exactly its ballot's.
    await urna_pages.sign_in("operator", ["elections.operator"])
    for language in LANGUAGES:
        await urna_pages.visit("/p/elections/elections/us-2028/enter", language)
        legends = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "fieldset legend")]
        assert "State House — State House 1" in legends
    on_ballot = election.ballot(["Adams:Precinct 2", "Adams", "state"])
    values = {"precinct": "Adams:Precinct 2", "line-1": "500"}
    values |= {f"candidate-{s}": "3" for c in on_ballot for s in c.selection_ids}
    await asyncio.to_thread(
        browser.execute_script,
        "for (const [id, value] of Object.entries(arguments[0]))"
        " document.getElementById(id).value = value;"
        "document.querySelector('#entry button[type=submit]').click();",
        values,
    )
    await asyncio.to_thread(
        browser.execute_async_script,
        "const done = arguments[arguments.length - 1];"
        "const summary = document.getElementById('error-summary');"
        "const wait = () => document.getElementById('draft-status') || !summary.hidden"
        " ? done() : setTimeout(wait, 50);"
        "wait();",
    )
    assert not browser.find_element(By.ID, "error-summary").is_displayed(), browser.find_element(
        By.ID, "error-summary"
    ).text
    assert browser.find_element(By.ID, "draft-status").text.startswith("Ввод сохранён.")
    (draft,) = await Draft.filter(precinct_code="Adams:Precinct 2")
    entered = json.loads(draft.entry_a)
    assert set(entered["votes"]) == {s for c in on_ballot for s in c.selection_ids}
