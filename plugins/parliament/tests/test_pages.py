"""Every parliament page over real HTTP in az, en and ru, signed in as each role that may
see it; the sign-in redirect for a browser; no page shows a totals-only or secret choice."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from babel.messages.mofile import read_mo
from urna_parliament.hall import hall_of
from urna_parliament.simulator import seated_chamber

LANGUAGES = ("az", "en", "ru")
READER_PAGES = (
    "/p/parliament/hall",
    "/p/parliament/sittings",
    "/p/parliament/stenogram",
    "/p/parliament/stenogram?member=m001&matter=Budget",
    "/p/parliament/members",
    "/p/parliament/members/m001",
    "/p/parliament/sittings/1/minutes.html",
)
# The published record is public: anonymous visitors read it (None is no role, no sign-in).
PAGES_BY_ROLE: dict[str | None, tuple[str, ...]] = {
    None: READER_PAGES,
    "parliament.presiding": ("/p/parliament/presiding",),
    "parliament.member": ("/p/parliament/me",),
}
TITLES = {
    "/p/parliament/hall": "Hall display",
    "/p/parliament/sittings": "Sittings",
    "/p/parliament/stenogram": "Stenogram",
    "/p/parliament/members": "Members",
    "/p/parliament/members/m001": "Speeches",
    "/p/parliament/sittings/1/minutes.html": "Minutes of the plenary sitting",
    "/p/parliament/presiding": "Presiding officer's console",
    "/p/parliament/me": "In the hall now",
}


def catalog(language: str) -> dict[str, str]:
    """The plugin's compiled messages in ``language`` (msgid to its first form); English
    leaves most out (the message is English), so every language is keyed by az's msgids."""
    folder = resources.files("urna_parliament") / "locale" / language / "LC_MESSAGES"
    with (folder / "parliament.mo").open("rb") as handle:
        messages = read_mo(handle)
    found = {}
    for m in messages:
        if m.id:
            key = m.id if isinstance(m.id, str) else m.id[0]
            text = m.string if isinstance(m.string, str) else m.string[0]
            found[key] = text or key
    return found


COMPILED = {language: catalog(language) for language in LANGUAGES}
CATALOGS = {
    language: {msgid: COMPILED[language].get(msgid, msgid) for msgid in COMPILED["az"]}
    for language in LANGUAGES
}


def text_nodes(html: str) -> set[str]:
    return {t.strip() for t in re.findall(r">([^<]+)<", html) if t.strip()}


def foreign(html: str, language: str) -> set[str]:
    """Texts of the page that are another language's translation of one of our messages."""
    own = set(CATALOGS[language].values())
    nodes = text_nodes(html)
    return {
        text
        for other in LANGUAGES
        if other != language
        for msgid, text in CATALOGS[other].items()
        if text != CATALOGS[language].get(msgid) and text not in own and text in nodes
    }


async def sitting_with_votes(server) -> None:
    """A sitting: a speech by m001, a vote by name and a totals-only vote, both closed;
    m001 votes against in the totals-only one."""
    hall = hall_of(server.services)
    sitting, _ = await seated_chamber(hall, size=9, present=8)
    item = await hall.add_item(
        sitting, kind="draft", title="Budget", draft_number="55-7", reading="II", rule="absolute"
    )
    await hall.take_up(sitting, item)
    speech = await hall.start_speech(sitting, item, "m001")
    await hall.end_speech(sitting, speech, audio="/a.opus")
    named = await hall.open_vote(sitting, item=item, mode="named", question="First reading")
    for seat in range(1, 8):
        await hall.press(sitting, seat, "for")
    await hall.close_vote(sitting, named)
    totals = await hall.open_vote(sitting, item=item, mode="totals", question="Second reading")
    await hall.press(sitting, 1, "against")
    for seat in range(2, 8):
        await hall.press(sitting, seat, "for")
    await hall.close_vote(sitting, totals)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_page_answers_in_the_language_asked_for(urna_server, language):
    await sitting_with_votes(urna_server)
    for role, paths in PAGES_BY_ROLE.items():
        client = (
            await urna_server.login(
                "m001" if role == "parliament.member" else role.replace(".", "-"), [role]
            )
            if role
            else urna_server.client()
        )
        client.cookies.set("urna_lang", language)
        for path in paths:
            page = await client.get(path, headers={"Accept": "text/html"})
            assert page.status_code == 200, (role, path, page.text[:300])
            assert page.headers["Content-Language"] == language
            assert f'<html lang="{language}">' in page.text
            title = CATALOGS[language].get(TITLES[path.split("?")[0]])
            assert title in page.text, (path, language, title)
            assert not foreign(page.text, language), (path, language)


@pytest.mark.parametrize(
    "path",
    [
        "/p/parliament/presiding",
        "/p/parliament/me",
    ],
)
async def test_a_browser_is_sent_to_sign_in_and_back(urna_server, path):
    page = await urna_server.client().get(path, headers={"Accept": "text/html"})
    assert page.status_code == 303
    assert page.headers["Location"] == "/-/signin?next=" + path


async def test_no_page_shows_another_members_choice_in_a_totals_only_vote(urna_server):
    await sitting_with_votes(urna_server)
    member = await urna_server.login("m001", ["parliament.member"])
    record = (await member.get("/p/parliament/me.json")).json()
    assert [(v["mode"], v["choice"]) for v in record["votes"]] == [
        ("named", "for"),
        ("totals", None),
    ]
    observer = await urna_server.login("observer", ["parliament.observer"])
    assert (await observer.get("/p/parliament/members/m001/record.json")).json() == record
    for language in LANGUAGES:
        words = CATALOGS[language]
        observer.cookies.set("urna_lang", language)
        page = (await observer.get("/p/parliament/members/m001")).text
        assert words["Against"] not in text_nodes(page), language
        assert words["For"] in text_nodes(page)  # the vote by name is shown
        assert words["not published"] in text_nodes(page)
        # The member alone sees their own choice in the totals-only vote, marked so.
        member.cookies.set("urna_lang", language)
        own = (await member.get("/p/parliament/me")).text
        assert words["Against"] in text_nodes(own), language
        assert f"({words['seen only by you']})" in text_nodes(own)
    minutes = await observer.get("/p/parliament/sittings/1/minutes.json")
    totals = minutes.json()["agenda"][0]["votes"][1]
    assert "named" not in totals  # the minutes withhold it too


async def test_the_minutes_pdf_is_printed_in_each_language(urna_server):
    await sitting_with_votes(urna_server)
    observer = await urna_server.login("observer", ["parliament.observer"])
    for language in LANGUAGES:
        pdf = await observer.get(f"/p/parliament/sittings/1/minutes.pdf?lang={language}")
        assert pdf.status_code == 200
        assert pdf.headers["Content-Language"] == language
        assert pdf.content.startswith(b"%PDF")
    refused = await observer.get("/p/parliament/sittings/1/minutes.pdf?lang=de")
    assert refused.status_code == 422


@pytest.mark.chromium
async def test_every_page_in_chromium_passes_axe_in_every_language(urna_server, urna_pages):
    """As each role that may see it, and anonymously for the public record: axe finds
    nothing serious, no text of another language, scripts settled (hall and console live)."""
    await sitting_with_votes(urna_server)
    for role, paths in PAGES_BY_ROLE.items():
        if role is None:
            for path in paths:
                for language in LANGUAGES:
                    await urna_pages.visit(path, language)
            continue
        await urna_pages.sign_in(
            "m001" if role == "parliament.member" else role.replace(".", "-"), [role]
        )
        for path in paths:
            for language in LANGUAGES:
                visit = await urna_pages.visit(path, language)
                assert visit.language == language
        await urna_pages.sign_out()
