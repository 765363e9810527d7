"""The whole election with voters at the booth pages in headless Chromium: guardians run
their command on their own data directories, booths are enrolled by opening their URL in
the browser, every voter votes through the pages (some challenge first), one guardian
stays away at the tally; the result equals the choices made, ``urna verify`` passes the
exported record and the tracker finds every receipt."""

from __future__ import annotations

import asyncio
import collections
import random
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from urna_evoting.demo import CANDIDATES, QUESTION

SQLITE = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)


def enrol_in_browser(driver: Any, url: str) -> str:
    """Open the enrolment URL as the kiosk does at first boot; answer the device cookie."""
    driver.delete_all_cookies()
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/p/evoting/booth"))
    cookie = driver.get_cookie("urna_booth")
    assert cookie is not None
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    return str(cookie["value"])


def be_booth(driver: Any, origin: str, token: str) -> None:
    """Make the browser this booth (its device cookie), as its own kiosk would be."""
    driver.delete_all_cookies()
    driver.get(f"{origin}/-/health")
    for name, value, path in (("urna_booth", token, "/p/evoting"), ("urna_lang", "en", "/")):
        driver.add_cookie({"name": name, "value": value, "path": path})


def choose(driver: Any, choices: dict[str, list[str]]) -> None:
    for contest, options in choices.items():
        for option in options:
            box = driver.find_element(
                By.CSS_SELECTOR, f"input[name='contest-{contest}'][value='{option}']"
            )
            driver.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']").click()
            assert box.is_selected()


def press(driver: Any, label: str) -> None:
    """Press a button (or follow a link) by its text and wait for the next page: the old
    page's marker is gone and the new one has loaded."""
    driver.execute_script("window.urnaOldPage = true;")
    driver.find_element(
        By.XPATH, f"//button[normalize-space()='{label}'] | //a[normalize-space()='{label}']"
    ).click()
    WebDriverWait(driver, 30, poll_frequency=0.05).until(
        lambda d: d.execute_script(
            "return window.urnaOldPage === undefined && document.readyState === 'complete';"
        )
    )


def vote(
    driver: Any, origin: str, token: str, choices: dict[str, list[str]], challenge: bool
) -> dict[str, Any]:
    """One voter at the booth: choose, review, (challenge, see it opened, vote again), cast,
    read the receipt, finish. Answers what the voter saw."""
    be_booth(driver, origin, token)
    driver.get(f"{origin}/p/evoting/booth")
    seen: dict[str, Any] = {}
    if challenge:
        choose(driver, choices)
        press(driver, "Review my choices")
        sealed = driver.find_element(By.CSS_SELECTOR, "code.code").text
        press(driver, "Challenge this ballot")
        body = driver.find_element(By.TAG_NAME, "main").text
        assert "Your ballot was challenged" in body
        for options in choices.values():
            for option in options:
                label = {**CANDIDATES, **QUESTION}[option]["en"]
                assert label in body
        assert sealed in body
        seen["challenged"] = sealed
        press(driver, "Vote again")
    choose(driver, choices)
    press(driver, "Review my choices")
    review = driver.find_element(By.TAG_NAME, "main").text
    sealed = driver.find_element(By.CSS_SELECTOR, "code.code").text
    for options in choices.values():
        for option in options:
            assert {**CANDIDATES, **QUESTION}[option]["en"] in review
    press(driver, "Cast my ballot")
    assert "Your ballot is cast" in driver.find_element(By.TAG_NAME, "h1").text
    code = driver.find_element(By.CSS_SELECTOR, "dl.receipt code").text
    assert code == sealed  # the receipt is the code shown before the voter cast
    seen["cast"] = code
    press(driver, "Finish")
    assert "Please wait" in driver.find_element(By.TAG_NAME, "main").text
    return seen


async def run_election(kit, urna_pages, voters: int, booth_count: int, challenges: int) -> None:
    driver = urna_pages.driver
    origin = kit.server.url
    await kit.setup(voters=voters)
    await kit.ceremony()
    worker = await kit.poll_worker()
    assert (await kit.poll_form(worker, "open")).status_code == 303
    from urna_evoting import booths

    tokens = {}
    for b in range(1, booth_count + 1):
        secret = await booths.enrol(kit.server.services, f"booth-{b}")
        url = f"{origin}/p/evoting/booth/enrol/booth-{b}/{secret}"
        tokens[f"booth-{b}"] = await asyncio.to_thread(enrol_in_browser, driver, url)
    rng = random.Random(voters)  # noqa: S311 - the voters' choices, not a secret
    expected: collections.Counter[tuple[str, str]] = collections.Counter()
    receipts, challenged = [], []
    challengers = set(rng.sample(range(1, voters + 1), challenges))
    for i in range(1, voters + 1):
        booth = f"booth-{1 + i % booth_count}"
        voter = f"v{i:04d}"
        assert (await kit.poll_form(worker, "check-in", voter=voter)).status_code == 303
        response = await kit.poll_form(worker, "activate", voter=voter, booth=booth)
        assert response.status_code == 303, response.text
        choices = {
            "council": rng.sample(list(CANDIDATES), rng.choice([0, 1, 2, 2])),
            "park": rng.sample(list(QUESTION), rng.choice([0, 1, 1])),
        }
        seen = await asyncio.to_thread(
            vote, driver, origin, tokens[booth], choices, i in challengers
        )
        receipts.append(seen["cast"])
        if "challenged" in seen:
            challenged.append(seen["challenged"])
        for contest, options in choices.items():
            expected.update((contest, o) for o in options)
    assert (await kit.poll_form(worker, "close")).status_code == 303
    for gid in (1, 2):  # guardian 3 stays away
        assert "partial decryption of the tally sent" in await kit.guardian_next(gid)
    admin = await kit.server.login("admin", ["evoting.admin"])
    response = await admin.post("/p/evoting/api/result")
    assert response.status_code == 201, response.text
    status = await kit.status()
    assert status["result"]["ballot_count"] == voters
    assert status["challenged"] == challenges
    counts = {(c["contest_id"], c["selection_id"]): c["count"] for c in status["result"]["counts"]}
    assert counts == {key: expected.get(key, 0) for key in counts}
    checks = await kit.verify_record()
    assert "failed" not in checks.values(), checks
    assert checks["record.chain"] == "passed"
    public = kit.public()
    for position, code in enumerate(receipts, start=1):
        page = (await public.get("/p/evoting/tracker", params={"code": code})).text
        assert "Your ballot is in the ballot box" in page, code
        assert f"ballot number {position:,}" in page
    for code in challenged:
        page = (await public.get("/p/evoting/tracker", params={"code": code})).text
        assert "This ballot was challenged" in page
    visit = await urna_pages.visit("/p/evoting/results", "en")
    assert visit.title.startswith("E-voting results")
    body = await asyncio.to_thread(lambda: driver.find_element(By.TAG_NAME, "main").text)
    assert "Nigar Rzayeva" in body  # named: did not decrypt


@SQLITE
async def test_twelve_voters_at_two_booths_in_chromium(kit, urna_pages):
    await run_election(kit, urna_pages, voters=12, booth_count=2, challenges=2)


@SQLITE
@pytest.mark.slow
async def test_two_hundred_voters_at_four_booths_in_chromium(kit, urna_pages):
    await run_election(kit, urna_pages, voters=200, booth_count=4, challenges=5)
