"""Headless Chromium: the presiding officer opens and closes a vote, 125 consoles press,
and the hall display shows each step pushed live and the result board at the end, in English
(the page's language from the switch's cookie).

Selenium blocks, and the appliance runs in this test's event loop, so every browser
call goes through a thread.
"""

from __future__ import annotations

import asyncio

import pytest
from urna_parliament.hall import HallError, hall_of
from urna_parliament.simulator import choices, seated_chamber

pytestmark = [pytest.mark.chromium, pytest.mark.milli_majlis]


@pytest.fixture
def urna_database() -> str:
    return ""


def wait_for(driver, element_id: str, expected: str, seconds: float = 30) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def seen(d):
        text = d.find_element(By.ID, element_id).text
        return text if expected in text else False

    return str(WebDriverWait(driver, seconds, poll_frequency=0.05).until(seen))


async def test_hall_display_and_presiding_console_run_a_vote(urna_server, urna_browser):
    from selenium.webdriver.common.by import By

    hall = hall_of(urna_server.services)
    sitting, _ = await seated_chamber(hall, present=120)
    item = await hall.add_item(
        sitting, kind="draft", title="Təhsil haqqında", draft_number="99-7", reading="III"
    )
    await hall.take_up(sitting, item)  # a vote is on the item under discussion
    chair = await urna_server.login("chair", ["parliament.presiding"])
    cookie = chair.cookies.get("urna_session")
    display = urna_browser
    await asyncio.to_thread(display.get, f"{urna_server.url}/-/health")
    await asyncio.to_thread(display.add_cookie, {"name": "urna_lang", "value": "en"})
    await asyncio.to_thread(display.get, f"{urna_server.url}/p/parliament/hall")
    await asyncio.to_thread(wait_for, display, "present", "120")
    assert display.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert display.find_element(By.ID, "quorum").text == "83"

    # The presiding officer's console is a second tab of the same browser, signed in.
    await asyncio.to_thread(display.add_cookie, {"name": "urna_session", "value": cookie})
    await asyncio.to_thread(display.switch_to.new_window, "tab")
    console, hall_tab = display.current_window_handle, display.window_handles[0]
    await asyncio.to_thread(display.get, f"{urna_server.url}/p/parliament/presiding")
    await asyncio.to_thread(wait_for, display, "present", "120")
    question = display.find_element(By.ID, "vote-question")
    await asyncio.to_thread(question.clear)
    await asyncio.to_thread(question.send_keys, "Üçüncü oxunuşda qəbul edilsin")
    await asyncio.to_thread(display.find_element(By.ID, "vote-open").click)
    await asyncio.to_thread(wait_for, display, "vote-progress", "Voted: 0 of 120 members present.")
    assert not display.find_element(By.ID, "vote-close").get_attribute("disabled")
    assert display.find_element(By.ID, "vote-open").get_attribute("disabled")

    # 125 consoles press: 115 of the 120 members present vote, five present members press
    # "register" again (refused: already registered), five seats have no card (refused).
    figures = choices(120, 70, 30, 15, seed=11)
    for seat in range(1, 126):
        choice = figures[seat - 1] if seat <= 120 else None
        try:
            await hall.press(sitting, seat, choice or "register")
        except HallError:
            assert choice is None
    await asyncio.to_thread(display.switch_to.window, hall_tab)
    await asyncio.to_thread(wait_for, display, "vote-progress", "Voted: 115 of 120")
    await asyncio.to_thread(display.switch_to.window, console)
    await asyncio.to_thread(display.find_element(By.ID, "vote-close").click)
    await asyncio.to_thread(wait_for, display, "result-outcome", "ADOPTED")
    await asyncio.to_thread(display.switch_to.window, hall_tab)
    await asyncio.to_thread(wait_for, display, "result-outcome", "ADOPTED")
    board = {
        key: display.find_element(By.ID, f"r-{key}").text
        for key in ("for", "against", "abstain", "not_voting", "absent", "threshold")
    }
    assert board == {
        "for": "70",
        "against": "30",
        "abstain": "15",
        "not_voting": "5",
        "absent": "5",
        "threshold": "63",
    }
    seat = display.find_element(By.ID, "seat-1").get_attribute("class")
    assert "choice-" in seat or figures[0] is None
