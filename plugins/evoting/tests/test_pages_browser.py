"""Every e-voting page in headless Chromium, in az, en and ru, checked by axe-core (no
serious or critical violation) and for text left in another language: the booth in each
of its stages and display modes, the poll worker's console, the public pages. The ballot
is used with the keyboard alone, and its over-vote prevention is seen working."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from urna.testing import catalog_problems
from urna_evoting import booths
from urna_evoting.models import BoothSession, TrackedBallot

LANGUAGES = ("az", "en", "ru")
SQLITE = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)
PLUGIN = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_catalogs_are_complete_and_compiled():
    assert not catalog_problems(PLUGIN, "evoting")


async def _as_booth(driver: Any, origin: str, token: str, display: str = "") -> None:
    def set_cookies() -> None:
        driver.get(f"{origin}/-/health")
        driver.delete_cookie("urna_booth")
        driver.delete_cookie("urna_booth_display")
        driver.add_cookie({"name": "urna_booth", "value": token, "path": "/p/evoting"})
        if display:
            driver.add_cookie(
                {"name": "urna_booth_display", "value": display, "path": "/p/evoting/booth"}
            )

    await asyncio.to_thread(set_cookies)


async def _booth_token(kit: Any, driver: Any, name: str) -> str:
    secret = await booths.enrol(kit.server.services, name)
    url = f"{kit.server.url}/p/evoting/booth/enrol/{name}/{secret}"
    await asyncio.to_thread(driver.get, url)
    cookie = await asyncio.to_thread(driver.get_cookie, "urna_booth")
    assert cookie is not None
    return str(cookie["value"])


async def _visit_all(urna_pages: Any, path: str) -> None:
    """``path`` in every language; a booth page's ``?at=`` (which the page ignores) names
    its stage in the screenshots."""
    for language in LANGUAGES:
        await urna_pages.visit(path, language)


@SQLITE
async def test_every_page_in_three_languages(kit, urna_pages):
    driver = urna_pages.driver
    origin = kit.server.url
    await kit.setup(voters=3)
    for path in ("/p/evoting/guardians", "/p/evoting/results", "/p/evoting/verify"):
        await _visit_all(urna_pages, path)  # before the ceremony
    await kit.quick_ceremony()
    await _visit_all(urna_pages, "/p/evoting/booth?at=unenrolled")
    token = await _booth_token(kit, driver, "b1")
    await _as_booth(driver, origin, token)
    await _visit_all(urna_pages, "/p/evoting/booth?at=closed")
    worker = await kit.poll_worker()
    assert (await kit.poll_form(worker, "open")).status_code == 303
    await _visit_all(urna_pages, "/p/evoting/booth?at=waiting")
    assert (await kit.poll_form(worker, "check-in", voter="v0001")).status_code == 303
    assert (await kit.poll_form(worker, "check-in", voter="v0002")).status_code == 303
    await urna_pages.sign_in("console", ["evoting.pollworker"])
    for query in ("", "?q=Voter", "?q=nobody"):
        await _visit_all(urna_pages, f"/p/evoting/polls{query}")
    await urna_pages.sign_out()
    assert (await kit.poll_form(worker, "activate", voter="v0001", booth="b1")).status_code == 303
    await _as_booth(driver, origin, token)
    await _visit_all(urna_pages, "/p/evoting/booth?at=ballot")
    for display in ("large", "contrast", "large.contrast"):
        await _as_booth(driver, origin, token, display)
        await _visit_all(urna_pages, f"/p/evoting/booth?at=ballot-{display}")
    await _as_booth(driver, origin, token)
    session = await kit.session_of(await kit.booth_client(token))
    form = {"session": str(session), "contest-council": ["aliyeva"], "contest-park": "yes"}
    client = await kit.booth_client(token)
    assert (await client.post("/p/evoting/booth/review", data=form)).status_code == 303
    await _visit_all(urna_pages, "/p/evoting/booth?at=review")
    response = await client.post("/p/evoting/booth/challenge", data={"session": str(session)})
    await _visit_all(urna_pages, response.headers["location"])  # the challenged ballot
    challenged = (await TrackedBallot.get(position__isnull=True)).code
    assert (await client.post("/p/evoting/booth/review", data=form)).status_code == 303
    assert (
        await client.post("/p/evoting/booth/cast", data={"session": str(session)})
    ).status_code == 303
    await _visit_all(urna_pages, "/p/evoting/booth?at=receipt")
    cast = (await BoothSession.get(id=session)).receipt["confirmation_code"]
    for code in (cast, challenged, "0" * 64, "not-a-code"):
        await _visit_all(urna_pages, f"/p/evoting/tracker?code={code}")
    await _visit_all(urna_pages, "/p/evoting/tracker")
    assert (await kit.poll_form(worker, "close")).status_code == 303
    await urna_pages.sign_in("console")
    await _visit_all(urna_pages, "/p/evoting/polls")
    await urna_pages.sign_out()
    for path in ("/p/evoting/guardians", "/p/evoting/results"):
        await _visit_all(urna_pages, path)  # tallied, awaiting the guardians


@SQLITE
async def test_the_ballot_with_the_keyboard_alone(kit, urna_pages):
    driver = urna_pages.driver
    origin = kit.server.url
    await kit.setup(voters=1)
    await kit.quick_ceremony()
    token = await _booth_token(kit, driver, "b1")
    worker = await kit.poll_worker()
    assert (await kit.poll_form(worker, "open")).status_code == 303
    assert (await kit.poll_form(worker, "check-in", voter="v0001")).status_code == 303
    assert (await kit.poll_form(worker, "activate", voter="v0001", booth="b1")).status_code == 303
    await _as_booth(driver, origin, token)
    await urna_pages.visit("/p/evoting/booth", "en")

    def use_keyboard() -> dict[str, Any]:
        def active() -> Any:
            return driver.switch_to.active_element

        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        seen: dict[str, Any] = {"boxes": []}
        for _ in range(40):  # Tab through the page to the council's options
            element = active()
            if element.get_attribute("name") == "contest-council":
                break
            element.send_keys(Keys.TAB)
        for _ in range(2):  # choose the first two candidates with the space bar
            element = active()
            seen["boxes"].append(element.get_attribute("value"))
            element.send_keys(Keys.SPACE)
            element.send_keys(Keys.TAB)
        boxes = driver.find_elements(By.CSS_SELECTOR, "input[name='contest-council']")
        seen["disabled"] = [b.get_attribute("value") for b in boxes if not b.is_enabled()]
        seen["count"] = driver.find_element(By.ID, "count-1").text
        # Tab on: the third and fourth candidates are skipped (disabled), the park options next
        element = active()
        seen["after"] = element.get_attribute("name"), element.get_attribute("value")
        element.send_keys(Keys.SPACE)
        for _ in range(10):
            element = active()
            if element.tag_name == "button":
                break
            element.send_keys(Keys.TAB)
        seen["button"] = element.text
        element.send_keys(Keys.ENTER)
        return seen

    seen = await asyncio.to_thread(use_keyboard)
    assert seen["boxes"] == ["aliyeva", "huseynov"]
    assert sorted(seen["disabled"]) == ["mammadova", "quliyev"]
    assert seen["count"].startswith("Chosen: 2 of 2.")
    assert seen["after"] == ("contest-park", "yes")
    assert seen["button"] == "Review my choices"
    await asyncio.sleep(0.5)
    session = await BoothSession.get(booth="b1")
    for _ in range(50):
        session = await BoothSession.get(booth="b1")
        if session.pending is not None:
            break
        await asyncio.sleep(0.1)
    assert session.pending is not None
    visit = await urna_pages.visit("/p/evoting/booth", "en")
    assert visit.title.startswith("Voting booth")
    text = await asyncio.to_thread(lambda: driver.find_element(By.TAG_NAME, "main").text)
    assert "Leyla Aliyeva" in text
    assert "Rashad Huseynov" in text
    assert "Yes" in text
