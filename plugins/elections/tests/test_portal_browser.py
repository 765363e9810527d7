"""The elections pages in headless Chromium: the portal's national, constituency and
precinct pages with progress, turnout, charts and downloads; the protocol entry form used
with the keyboard alone; every page in az, en and ru checked by axe-core, signed in with
each role that may open it and anonymously for the public ones."""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from urna_elections.generate import az_protocol_values

LANGUAGES = ("az", "en", "ru")
SQLITE = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)


@SQLITE
async def test_portal_pages_in_chromium(urna_server, urna_pages, portal_election):
    generated, sent = portal_election
    election = generated.election
    browser = urna_pages.driver
    origin = urna_server.url

    def same_origin_assets() -> list[str]:
        urls = browser.execute_script(
            "return [...document.querySelectorAll('[src],link[href]')].map(e => e.src || e.href)"
        )
        return [u for u in urls if urlparse(u).netloc != urlparse(origin).netloc]

    def text(element_id: str) -> str:
        return str(browser.find_element(By.ID, element_id).text)

    await urna_pages.visit(f"/p/elections/portal/{election.code}", "en")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert election.title in body
    assert text("progress") == "3 of 6 protocols received"
    assert "10:00" in text("turnout")
    assert "2,468" in text("turnout")
    total = sum(votes["c1"] for _, votes, _ in sent.values())
    assert f"{total:,}" in text("votes")
    assert await asyncio.to_thread(same_origin_assets) == []
    for chart in ("results-chart", "turnout-chart"):
        loaded = browser.execute_script(
            "const i = document.getElementById(arguments[0]); return i.complete && i.naturalWidth",
            chart,
        )
        assert loaded, chart
    links = {
        a.text: a.get_attribute("href")
        for a in browser.find_element(By.ID, "downloads").find_elements(By.TAG_NAME, "a")
    }
    assert set(links) == {
        "Open data per precinct (CSV)",
        "Open data per precinct (JSON)",
        "Results in the NIST SP 1500-100 format (JSON)",
        "The election's signed record (TAR)",
        "Results report (PDF)",
        "Turnout report (PDF)",
    }
    async with httpx.AsyncClient() as client:
        for name, href in links.items():
            answer = await client.get(href)
            assert answer.status_code == 200, (name, answer.text[:200])
        assert (await client.get(links["Open data per precinct (CSV)"])).text.count("\n") >= 4
        assert (await client.get(links["Results report (PDF)"])).content.startswith(b"%PDF")

    # A constituency page, reached by its link in the table of constituencies.
    first_unit = browser.find_element(By.CSS_SELECTOR, "#units a")
    unit_name = first_unit.text
    await asyncio.to_thread(first_unit.click)
    assert browser.find_element(By.TAG_NAME, "h1").text == unit_name
    assert " of " in text("progress")

    # A precinct page with its (repeat) protocol, and one still awaited.
    precinct = generated.precincts[0]
    await urna_pages.visit(f"/p/elections/portal/{election.code}/{precinct}", "en")
    assert text("digest") == sent[precinct][2]
    assert "Recount ordered" in text("correction")
    assert f"{sent[precinct][0]['100.2.1']:,}" in text("protocol")
    assert "Voters on the voter list" in text("protocol")
    pdf = browser.find_element(By.ID, "protocol-pdf").get_attribute("href")
    async with httpx.AsyncClient() as client:
        assert (await client.get(pdf)).content.startswith(b"%PDF")
    await urna_pages.visit(f"/p/elections/portal/{election.code}/{generated.precincts[5]}", "en")
    assert text("protocol") == "This precinct's protocol has not been received yet."


@SQLITE
async def test_protocol_entry_with_the_keyboard_alone(urna_server, urna_pages, portal_election):
    """In Russian: an empty form lists every field in the error summary, which links to
    the field; a filled form is saved as the first operator's entry."""
    import random

    generated, _ = portal_election
    election = generated.election
    browser = urna_pages.driver
    await urna_pages.sign_in("operator", ["elections.operator"])
    await urna_pages.visit(f"/p/elections/elections/{election.code}/enter", "ru")

    def active() -> str:
        return str(browser.execute_script("return document.activeElement.id"))

    precinct = browser.find_element(By.ID, "precinct")
    await asyncio.to_thread(precinct.send_keys, Keys.ENTER)
    summary = browser.find_element(By.ID, "error-summary")
    assert summary.is_displayed()
    assert active() == "error-summary"
    problems = summary.find_elements(By.TAG_NAME, "a")
    fields = 1 + len(election.profile.lines) + len(election.candidates)
    assert len(problems) == fields
    assert problems[0].text == "Введите код участка"
    assert problems[1].text.startswith(
        "Введите число для строки «Строка 100.2.1: Число избирателей"
    )
    await asyncio.to_thread(problems[1].send_keys, Keys.ENTER)
    assert active() == "line-1"

    lines, votes = az_protocol_values(random.Random(9), election.candidates)  # noqa: S311
    values = [generated.precincts[3], *lines.values(), *votes.values()]

    async def enter(values: list[object]) -> str:
        """Type every value with the keyboard, Tab between fields, Enter to send."""
        field = browser.find_element(By.ID, "precinct")
        await asyncio.to_thread(field.clear)
        await asyncio.to_thread(field.click)
        keys: list[str] = []
        for value in values:
            keys += [str(value), Keys.TAB]
        await asyncio.to_thread(browser.switch_to.active_element.send_keys, *keys[:-1], Keys.ENTER)
        await asyncio.to_thread(
            browser.execute_async_script,
            "const done = arguments[arguments.length - 1];"
            "const wait = () => document.getElementById('draft-status')"
            " ? done() : setTimeout(wait, 50);"
            "wait();",
        )
        return str(browser.find_element(By.ID, "draft-status").text)

    status = await enter(values)
    assert status == "Ввод сохранён. Теперь второй оператор должен ввести тот же протокол."
    assert not summary.is_displayed()

    # A second operator mistypes line 100.2.13: the summary names that line, in Russian.
    await urna_pages.sign_out()
    await urna_pages.sign_in("operator-2", ["elections.operator"])
    await urna_pages.visit(f"/p/elections/elections/{election.code}/enter", "ru")
    typo = list(values)
    typo[10] = int(typo[10]) + 1  # precinct, then lines: 100.2.13 is the tenth line
    status = await enter(typo)
    assert status.startswith("Два ввода различаются.")
    summary = browser.find_element(By.ID, "error-summary")
    differing = [a.text for a in summary.find_elements(By.TAG_NAME, "a")]
    assert differing == [
        "Строка 100.2.13: Число избирательных бюллетеней в стационарных ящиках для голосования:"
        " два оператора ввели разные числа"
    ]


@SQLITE
async def test_every_elections_page_passes_axe_in_three_languages(urna_pages, portal_election):
    generated, _ = portal_election
    code = generated.election.code
    public = [
        "/p/elections/portal",
        f"/p/elections/portal/{code}",
        f"/p/elections/portal/{code}/con001",
        f"/p/elections/portal/{code}/{generated.precincts[0]}",
        f"/p/elections/portal/{code}/{generated.precincts[5]}",
    ]
    entry = ["/p/elections/entry", f"/p/elections/elections/{code}/enter"]
    for language in LANGUAGES:
        for path in public:
            await urna_pages.visit(path, language)
    for name, role in (("operator", "elections.operator"), ("admin", "elections.administrator")):
        await urna_pages.sign_in(name, [role])
        for language in LANGUAGES:
            for path in [*entry, public[1]]:
                await urna_pages.visit(path, language)
        await urna_pages.sign_out()
