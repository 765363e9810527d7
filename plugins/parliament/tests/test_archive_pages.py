"""The stenogram, drafts and signed minutes as people see them: headless Chromium in
Azerbaijani, English and Russian, axe-core and no text of another language, the links
to stored files working in the browser."""

from __future__ import annotations

import asyncio

import pytest
from urna_parliament.demo_archive import file_demo_archive
from urna_parliament.hall import hall_of
from urna_parliament.simulator import chamber, seated_chamber

pytestmark = [pytest.mark.chromium]

PAGES = (
    "/p/parliament/stenogram",
    "/p/parliament/stenogram?q=vergi&member=&matter=",
    "/p/parliament/stenogram/1",
    "/p/parliament/stenogram/1/items/1",
    "/p/parliament/drafts",
    "/p/parliament/drafts/1234-7GQ",
    "/p/parliament/sittings/1/minutes.html",
)


@pytest.fixture
def urna_database() -> str:
    return ""


async def filed_sitting(services) -> None:
    """The 9-seat chamber's sitting on the demo's draft, voted by name, closed, and filed
    as the demo files it: transcripts, audio, the draft's text and readings, the signature."""
    hall = hall_of(services)
    roster, _ = chamber(9)
    sitting, cards = await seated_chamber(hall, size=9, presiding=roster[0]["name"])
    law = await hall.add_item(
        sitting,
        kind="draft",
        title="Vergi Məcəlləsinə dəyişikliklər edilməsi haqqında",
        draft_number="1234-7GQ",
        reading="I",
        rule="absolute",
    )
    other = await hall.add_item(sitting, kind="other", title="Hesablama Palatasının hesabatı")
    for item, speakers in ((law, ("m002", "m003", "m004")), (other, ("m005",))):
        await hall.take_up(sitting, item)
        for member in speakers:
            speech = await hall.start_speech(sitting, item, member)
            await hall.end_speech(sitting, speech)
    vote = await hall.open_vote(sitting, item=law, mode="named", question="Birinci oxunuşda")
    for seat in range(1, 8):
        await hall.press(sitting, seat, "for" if seat != 4 else "against")
    await hall.close_vote(sitting, vote)
    await hall.close_sitting(sitting)
    await file_demo_archive(services, sitting, cards)


@pytest.mark.parametrize("language", ["az", "en", "ru"])
async def test_the_archive_pages_in_each_language(urna_server, urna_pages, language):
    from selenium.webdriver.common.by import By

    await filed_sitting(urna_server.services)
    for path in PAGES:
        visit = await urna_pages.visit(path, language)
        assert visit.title
    # The sitting's stenogram: the transcript in full, links only to stored files, which
    # the browser fetches.
    await urna_pages.visit("/p/parliament/stenogram/1", language)
    driver = urna_pages.driver
    body = await asyncio.to_thread(lambda: driver.find_element(By.TAG_NAME, "main").text)
    assert "Hörmətli sədr, hörmətli həmkarlar!" in body
    links = await asyncio.to_thread(
        lambda: [
            a.get_attribute("href")
            for a in driver.find_elements(By.CSS_SELECTOR, "a[href*='/p/parliament/files/']")
        ]
    )
    assert len(links) == 8  # a transcript and an audio for each of the four speeches
    client = urna_server.client()
    for link in set(links):
        assert (await client.get(link)).status_code == 200
    # The minutes: signed, and the draft linked.
    await urna_pages.visit("/p/parliament/sittings/1/minutes.html", language)
    signature = await asyncio.to_thread(lambda: driver.find_element(By.ID, "signature").text)
    assert chamber(9)[0][0]["name"] in signature
