"""The secretariat's upload page over real HTTP, on SQLite and PostgreSQL: multipart forms
with the session's CSRF token, the digest computed by the server, the API's refusals
named on the page with nothing stored, the stored file's digest and size shown after."""

from __future__ import annotations

import asyncio
import hashlib
import html
import re

import attrs
import pytest
from urna_parliament.drafts import register_draft
from urna_parliament.hall import hall_of
from urna_parliament.media import file_store
from urna_parliament.models import DraftDocument, SpeechFile
from urna_parliament.simulator import seated_chamber

LIMIT = 64 * 1024
OGG = b"OggS" + bytes(range(256)) * 40
PDF = b"%PDF-1.7\n" + b"0" * 2000
PAGE = "/p/parliament/secretariat"
FIELD_NAMED = {"az": "Çıxış 1, Audio: ", "en": "Speech 1, Audio: ", "ru": "Выступление 1, Аудио: "}
"""How the error summary names speech 1's audio field in each language."""


@pytest.fixture
def urna_settings(urna_settings):
    """An upload limit below the server's request limit, so the archive's limit is met."""
    sections = dict(urna_settings.plugin_sections)
    sections["parliament"] = {**sections.get("parliament", {}), "upload_max_bytes": LIMIT}
    return attrs.evolve(urna_settings, plugin_sections=sections, max_body_bytes=1024 * 1024)


async def debated_draft(services) -> None:
    """Sitting 1 of the 9-seat chamber: two speeches on draft 1234-7GQ."""
    hall = hall_of(services)
    sitting, _ = await seated_chamber(hall, size=9)
    law = await hall.add_item(
        sitting,
        kind="draft",
        title="Vergi Məcəlləsinə dəyişikliklər",
        draft_number="1234-7GQ",
        reading="I",
    )
    await hall.take_up(sitting, law)
    for member in ("m002", "m003"):
        speech = await hall.start_speech(sitting, law, member)
        await hall.end_speech(sitting, speech)


async def clerk_form_client(urna_server):
    """A signed-in clerk whose writes carry the CSRF token only as a form field would."""
    client = await urna_server.login("clerk", ["parliament.clerk"])
    client.cookies.set("urna_lang", "en")
    return client, client.headers.pop("X-CSRF-Token")


async def nothing_stored(services, digest) -> None:
    assert not file_store(services).exists(digest)
    assert not await SpeechFile.exists(digest=digest)
    assert not await DraftDocument.exists(digest=digest)
    assert await services.ledger.head("parliament-stenogram") is None


def summary(page: str) -> list[tuple[str, str]]:
    """The error summary's (anchor, message) pairs."""
    block = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    found = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', block)
    return [(anchor, html.unescape(message)) for anchor, message in found]


async def test_a_speech_file_from_the_form_is_digested_checked_and_stored(urna_server):
    services = urna_server.services
    await debated_draft(services)
    client, csrf = await clerk_form_client(urna_server)
    page = await client.get(PAGE)
    assert page.status_code == 200
    for kind in ("audio", "video", "transcript"):
        assert f'action="/p/parliament/secretariat/sittings/1/speeches/2/{kind}"' in page.text
        assert f'<label for="speech-2-{kind}">' in page.text
    audio = "/p/parliament/secretariat/sittings/1/speeches/2/audio"

    async def post(data, media_type, *, name="speech.ogg", token=csrf, path=audio):
        return await client.post(
            path,
            data={"csrf_token": token},
            files={"file": (name, data, media_type)} if data is not None else None,
        )

    # Without the form's CSRF token the core's guard refuses the write.
    refused = await post(OGG, "audio/ogg", token="")
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["error"]
    await nothing_stored(services, hashlib.blake2b(OGG, digest_size=32).hexdigest())
    # Each of the API's refusals, named on the page against the file's field.
    cases = (
        (b"ID3" + bytes(100), "audio/ogg", 422, "the file does not start as a audio/ogg file does"),
        (OGG, "video/mp4", 415, "the file's type video/mp4 is not taken here"),
        (b"OggS" + bytes(LIMIT), "audio/ogg", 413, f"uploads take at most {LIMIT}"),
        (b"", "audio/ogg", 422, "Choose a file to upload"),
    )
    for data, media_type, status, message in cases:
        answer = await post(data, media_type, name="" if not data else "speech.ogg")
        assert answer.status_code == status, message
        assert answer.headers["content-type"].startswith("text/html")
        [(anchor, shown)] = summary(answer.text)
        assert anchor == "speech-2-audio"
        assert shown.startswith("Speech 2, Audio: ")  # the summary names the field
        assert message in shown
        assert 'id="speech-2-audio" name="file" type="file"' in answer.text
        assert 'aria-invalid="true" aria-describedby="speech-2-audio-error' in answer.text
        await nothing_stored(services, hashlib.blake2b(data, digest_size=32).hexdigest())
    # A speech the sitting does not have: the JSON refusal of the API's attach.
    missing = await post(
        OGG, "audio/ogg", path="/p/parliament/secretariat/sittings/1/speeches/9/audio"
    )
    assert missing.status_code == 404
    # Accepted: the server's own BLAKE2b-256, and back to the page showing it.
    digest = hashlib.blake2b(OGG, digest_size=32).hexdigest()
    stored = await post(OGG, "audio/ogg")
    assert stored.status_code == 303
    assert stored.headers["location"] == f"{PAGE}?sitting=1&stored={digest}#speech-2-audio"
    row = await SpeechFile.get(sitting=1, speech=2, kind="audio")
    assert (row.digest, row.size, row.filename) == (digest, len(OGG), "speech.ogg")
    assert file_store(services).path(digest).read_bytes() == OGG
    shown = await client.get(stored.headers["location"])
    assert f"<code>{digest}</code>" in shown.text
    assert f"<dd>{len(OGG):,} bytes</dd>" in shown.text
    # A transcript goes into the stenogram as the API's upload does.
    text = "Hörmətli sədr! Layihəni dəstəkləyirəm.".encode()
    answer = await post(
        text, "text/plain", name="speech.txt", path=audio.replace("audio", "transcript")
    )
    assert answer.status_code == 303
    speeches = (
        await client.get("/p/parliament/stenogram.json", params={"q": "dəstəkləyirəm"})
    ).json()
    assert [s["speech"] for s in speeches] == [2]


async def test_a_drafts_document_needs_a_title_and_a_document_file(urna_server):
    services = urna_server.services
    await debated_draft(services)
    client, csrf = await clerk_form_client(urna_server)
    await client.post(
        "/p/parliament/drafts",
        json={"draft": "1234-7GQ", "title": "Vergi Məcəlləsi", "registered": "2026-03-02"},
        headers={"Idempotency-Key": "d", "X-CSRF-Token": csrf},
    )
    page = await client.get(PAGE)
    action = "/p/parliament/secretariat/drafts/1234-7GQ/documents?sitting=1"
    assert f'action="{action}"' in page.text
    untitled = await client.post(
        action,
        data={"csrf_token": csrf, "title": " "},
        files={"file": ("law.pdf", PDF, "application/pdf")},
    )
    assert untitled.status_code == 422
    assert summary(untitled.text) == [
        (
            "draft-1234-7GQ-title",
            "Draft No. 1234-7GQ, Document's title: "
            "Enter the document's title (at most 500 characters)",
        )
    ]
    audio = await client.post(
        action,
        data={"csrf_token": csrf, "title": "Qanun layihəsi"},
        files={"file": ("law.ogg", OGG, "audio/ogg")},
    )
    assert audio.status_code == 415
    [(anchor, shown)] = summary(audio.text)
    assert anchor == "draft-1234-7GQ-file"
    assert shown.startswith("Draft No. 1234-7GQ, Document: the file's type audio/ogg is not taken")
    assert 'value="Qanun layihəsi"' in audio.text  # what was typed stays
    for data in (PDF, OGG):
        await nothing_stored(services, hashlib.blake2b(data, digest_size=32).hexdigest())
    stored = await client.post(
        action,
        data={"csrf_token": csrf, "title": "Qanun layihəsi"},
        files={"file": ("law.pdf", PDF, "application/pdf")},
    )
    assert stored.status_code == 303
    document = await DraftDocument.get(draft="1234-7GQ", document=1)
    assert document.digest == hashlib.blake2b(PDF, digest_size=32).hexdigest()
    assert document.title == "Qanun layihəsi"


async def test_only_the_secretariat_sees_the_page_and_posts_its_forms(urna_server):
    await debated_draft(urna_server.services)
    observer = await urna_server.login("observer", ["parliament.observer"])
    csrf = observer.headers.pop("X-CSRF-Token")
    assert (await observer.get(PAGE)).status_code == 403
    refused = await observer.post(
        "/p/parliament/secretariat/sittings/1/speeches/2/audio",
        data={"csrf_token": csrf},
        files={"file": ("a.ogg", OGG, "audio/ogg")},
    )
    assert refused.status_code == 403
    assert "parliament.manage" in refused.json()["error"]
    await nothing_stored(urna_server.services, hashlib.blake2b(OGG, digest_size=32).hexdigest())


@pytest.mark.chromium
@pytest.mark.parametrize("language", ["az", "en", "ru"])
async def test_the_page_in_each_language_uploads_and_refuses_in_the_browser(
    urna_server, urna_pages, language, tmp_path
):
    """Signed in as the clerk: the page passes axe-core in each language; a refused file
    comes back with the error summary linking its field and nothing stored; a transcript
    chosen and sent from the keyboard is stored and its digest shown."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    await debated_draft(urna_server.services)
    await register_draft(urna_server.services, "1234-7GQ", "Vergi Məcəlləsi", "", "2026-03-02")
    await urna_pages.sign_in("clerk", ["parliament.clerk"])
    await urna_pages.visit(PAGE, language)
    driver = urna_pages.driver

    async def send(field: str, path) -> None:
        chooser = await asyncio.to_thread(driver.find_element, By.ID, field)
        await asyncio.to_thread(chooser.send_keys, str(path))
        button = await asyncio.to_thread(
            chooser.find_element, By.XPATH, "./ancestor::form//button[@type='submit']"
        )
        await asyncio.to_thread(driver.execute_script, "window.sent = true;")
        await asyncio.to_thread(button.send_keys, Keys.ENTER)
        # The answer is a new document (the page again, or the redirect's): wait for it
        # to load, through the moments a navigating document answers no script.
        await asyncio.to_thread(
            WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until,
            lambda d: d.execute_script(
                "return !window.sent && document.readyState === 'complete';"
            ),
        )

    not_ogg = tmp_path / "speech.ogg"
    not_ogg.write_bytes(b"ID3" + bytes(200))
    await send("speech-1-audio", not_ogg)
    links = await asyncio.to_thread(
        lambda: [
            a.get_attribute("href")
            for a in driver.find_elements(By.CSS_SELECTOR, ".error-summary a")
        ]
    )
    assert [link.rsplit("#", 1)[1] for link in links] == ["speech-1-audio"]
    named = await asyncio.to_thread(
        lambda: driver.find_element(By.CSS_SELECTOR, ".error-summary a").text
    )
    assert named.startswith(FIELD_NAMED[language])
    await nothing_stored(
        urna_server.services, hashlib.blake2b(not_ogg.read_bytes(), digest_size=32).hexdigest()
    )
    transcript = tmp_path / "speech.txt"
    transcript.write_text("Hörmətli sədr! Layihəni dəstəkləyirəm.", encoding="utf-8")
    await send("speech-1-transcript", transcript)
    digest = hashlib.blake2b(transcript.read_bytes(), digest_size=32).hexdigest()
    notice = await asyncio.to_thread(lambda: driver.find_element(By.CSS_SELECTOR, ".notice").text)
    assert digest in notice
    links = await asyncio.to_thread(
        lambda: driver.find_elements(By.CSS_SELECTOR, f"a[href='/p/parliament/files/{digest}']")
    )
    assert len(links) == 2  # the notice's link and the field's "stored now" line
    # The page with its notice, checked and photographed as the others are.
    await urna_pages.visit(f"{PAGE}?sitting=1&stored={digest}", language)
    assert (await SpeechFile.get(sitting=1, speech=1, kind="transcript")).digest == digest
