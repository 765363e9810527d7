"""The public results portal in headless Chromium: national, constituency and precinct
pages, progress, turnout, downloads, and no asset from anywhere but the appliance."""

from __future__ import annotations

import asyncio
import random
from urllib.parse import urlparse

import httpx
import pytest
from urna_elections.generate import az_protocol_values, generate_election, signed_protocol

URL = "/p/elections/elections/az-2024"
pytestmark = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)


async def test_portal_pages_in_chromium(urna_server, urna_browser):
    generated = await generate_election(
        urna_server.services.ledger, constituencies=2, precincts=6, abroad=0, members=5
    )
    election = generated.election
    sender = await urna_server.token_client("precinct-1", ["elections.sender"])
    rng = random.Random(5)  # noqa: S311 - made-up figures
    sent = {}
    for precinct in generated.precincts[:3]:
        lines, votes = az_protocol_values(rng, election.candidates)
        entry = signed_protocol(
            election, precinct, lines, votes, generated.member_keys(precinct), signers=4
        )
        assert (await sender.post(f"{URL}/protocols", json=entry)).status_code == 201
        sent[precinct] = (lines, votes)
    reports = [{"precinct": p, "hour": "10:00", "voters": 100} for p in generated.precincts[:2]]
    answer = await sender.post(
        f"{URL}/turnout", json={"reports": reports}, headers={"Idempotency-Key": "t-10"}
    )
    assert answer.status_code == 201, answer.text

    browser = urna_browser
    origin = urna_server.url

    def visit(path: str) -> None:
        browser.get(origin + path)

    def same_origin_assets() -> list[str]:
        urls = browser.execute_script(
            "return [...document.querySelectorAll('[src],link[href]')].map(e => e.src || e.href)"
        )
        return [u for u in urls if urlparse(u).netloc != urlparse(origin).netloc]

    # Selenium is synchronous: drive it in a thread while the server runs in this loop.
    await asyncio.to_thread(visit, f"/p/elections/portal/{election.code}")
    text = await asyncio.to_thread(lambda: browser.find_element("tag name", "body").text)
    assert election.title in text
    progress = browser.find_element("id", "progress").text
    assert progress.startswith("3 of 6")
    turnout = browser.find_element("id", "turnout").text
    assert "10:00" in turnout
    assert "200" in turnout
    total = sum(v["c1"] for _, v in sent.values())
    assert str(total) in text
    assert await asyncio.to_thread(same_origin_assets) == []
    loaded = browser.execute_script(
        "const i = document.getElementById('turnout-chart'); return i.complete && i.naturalWidth"
    )
    assert loaded
    links = {
        a.text: a.get_attribute("href")
        for a in browser.find_element("id", "downloads").find_elements("tag name", "a")
    }
    assert set(links) >= {
        "Open data (CSV)",
        "Open data (JSON)",
        "NIST SP 1500-100 v2",
        "Signed record",
        "Results report (PDF)",
        "Turnout report (PDF)",
    }
    async with httpx.AsyncClient() as client:
        for name, href in links.items():
            answer = await client.get(href)
            assert answer.status_code == 200, (name, answer.text[:200])
        assert (await client.get(links["Open data (CSV)"])).text.count("\n") >= 4
        assert (await client.get(links["Results report (PDF)"])).content.startswith(b"%PDF")

    # A constituency page, reached by its link.
    first_unit = browser.find_element("css selector", "table a")
    unit_name = first_unit.text
    await asyncio.to_thread(first_unit.click)
    assert browser.find_element("tag name", "h1").text == unit_name
    assert " of " in browser.find_element("id", "progress").text

    # A precinct page with its protocol, and one still awaited.
    precinct = generated.precincts[0]
    await asyncio.to_thread(visit, f"/p/elections/portal/{election.code}/{precinct}")
    digest = browser.find_element("id", "digest").text
    assert len(digest) == 64
    protocol = browser.find_element("id", "protocol").text
    assert str(sent[precinct][0]["100.2.1"]) in protocol
    pdf = browser.find_element("id", "protocol-pdf").get_attribute("href")
    async with httpx.AsyncClient() as client:
        assert (await client.get(pdf)).content.startswith(b"%PDF")
    await asyncio.to_thread(visit, f"/p/elections/portal/{election.code}/{generated.precincts[5]}")
    assert browser.find_element("id", "protocol").text == "Protocol awaited."
