"""Election night: results refreshed at most every ``results_refresh_ms`` per serving
process, readers answered from the version held while one catch-up runs in the background;
every version whole (never torn) and its ETag changing with its content."""

from __future__ import annotations

import asyncio
import itertools
import random
import time

import attrs
import pytest
from urna_elections.generate import az_protocol_values, generate_election, signed_protocol
from urna_elections.live import REFRESH_MS, live_results, refresh_seconds, remember
from urna_elections.protocols import accept_signed
from urna_elections.results import compute
from urna_elections.structure import StructureError, load_election

REFRESH_MS_HERE = 1500


@pytest.fixture
def urna_settings(urna_settings):
    """The server refreshes its results at most every 1.5 s, as on election night."""
    sections = {"elections": {"results_refresh_ms": REFRESH_MS_HERE}}
    return attrs.evolve(urna_settings, plugin_sections=sections)


async def send(ledger, generated, precinct, seed):
    election = generated.election
    lines, votes = az_protocol_values(random.Random(seed), election.candidates)  # noqa: S311
    entry = signed_protocol(election, precinct, lines, votes, generated.member_keys(precinct))
    await accept_signed(ledger, election, entry, "api")


def test_the_setting_is_checked_and_defaults_to_a_second():
    assert REFRESH_MS == 1000
    assert refresh_seconds({}) == 1.0
    assert refresh_seconds({"results_refresh_ms": 0}) == 0.0
    for wrong in (-1, 60_001, "500", True, 1.5):
        with pytest.raises(StructureError, match="results_refresh_ms must be an integer"):
            refresh_seconds({"results_refresh_ms": wrong})


async def test_a_bounded_refresh_serves_whole_versions_and_catches_up(urna_services):
    ledger = urna_services.ledger
    generated = await generate_election(
        ledger, code="night-1", constituencies=2, precincts=8, abroad=0, members=3
    )
    code = generated.election.code
    first = await live_results(ledger, code, refresh=0.5)
    made: list[int] = []

    def renderer(version):
        made.append(version.seq)
        received = version.results.totals[version.results.central]["received"]
        return f"page\0{version.etag()}", (str(received).encode(), "text/plain", {})

    remember(ledger, code, "page", renderer)
    await send(ledger, generated, generated.precincts[0], 1)
    held = await live_results(ledger, code, refresh=0.5)
    assert held is first, "within the refresh interval the version held is answered"
    await asyncio.sleep(0.6)
    stale = await live_results(ledger, code, refresh=0.5)
    assert stale is first, "the reader that starts the catch-up does not wait for it"
    deadline = time.monotonic() + 10
    fresh = stale
    while fresh is first and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        fresh = await live_results(ledger, code, refresh=0.5)
    assert fresh.seq > first.seq
    assert made == [fresh.seq], "the new version's page was made before it was published"
    assert fresh.rendered[f"page\0{fresh.etag()}"][0] == b"1"
    exact = await compute(await load_election(code))
    assert fresh.results.totals == exact.totals
    assert first.results.totals[first.results.central]["received"] == 0, "never changed"
    assert fresh.etag() != first.etag()
    assert fresh.etag("en") == fresh.etag("en")
    # Read-your-writes when asked for (refresh 0): the head at every read.
    await send(ledger, generated, generated.precincts[1], 2)
    now = await live_results(ledger, code)
    assert now.results.totals == (await compute(await load_election(code))).totals


async def test_over_http_readers_get_whole_versions_refreshed_within_the_interval(urna_server):
    ledger = urna_server.services.ledger
    generated = await generate_election(
        ledger, code="night-2", constituencies=3, precincts=12, abroad=0, members=3
    )
    code = generated.election.code
    url = f"/p/elections/elections/{code}/results.json"
    client = urna_server.client()
    before = await client.get(url)
    assert before.status_code == 200
    etag = before.headers["etag"]
    unchanged = await client.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304

    async def read() -> dict:
        answer = await client.get(url)
        assert answer.status_code == 200
        document = answer.json()
        document["etag"] = answer.headers["etag"]
        return document

    async def write() -> None:
        for number, precinct in enumerate(generated.precincts):
            await send(ledger, generated, precinct, 100 + number)
            await asyncio.sleep(0.4)  # 12 writes over 4.8 s: several refresh intervals

    writing = asyncio.create_task(write())
    batches: list[list[dict]] = []
    while not writing.done():
        batches.append(list(await asyncio.gather(*(read() for _ in range(10)))))
        await asyncio.sleep(0.05)
    await writing
    seen = [document for batch in batches for document in batch]
    by_etag: dict[str, dict] = {}
    for document in seen:
        totals = document["totals"]
        central = totals["cec"]
        children = [totals[f"con{n:03d}"] for n in (1, 2, 3)]
        assert central["received"] == sum(c["received"] for c in children), "a torn version"
        for candidate, votes in central["votes"].items():
            assert votes == sum(c["votes"][candidate] for c in children), "a torn version"
        kept = by_etag.setdefault(document["etag"], document)
        assert kept["totals"] == totals, "one ETag, one content"
    for earlier, later in itertools.pairwise(batches):
        newest = max(d["totals"]["cec"]["received"] for d in earlier)
        assert newest <= min(d["totals"]["cec"]["received"] for d in later), "only forward"
    assert len(by_etag) >= 2, "the results moved while they were read"
    # Within the interval plus one catch-up, the last write is shown.
    deadline = time.monotonic() + 3 * REFRESH_MS_HERE / 1000 + 5
    latest = await read()
    while latest["totals"]["cec"]["received"] < 12 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        latest = await read()
    assert latest["totals"] == (await compute(await load_election(code))).totals
    assert latest["etag"] != etag


def test_a_wrong_refresh_setting_refuses_to_serve_in_one_line(tmp_path, urna_command):
    data = tmp_path / "data"
    assert urna_command("--data-dir", data, "init").returncode == 0
    settings = data / "urna.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text + '\n[plugin.elections]\nresults_refresh_ms = "soon"\n')
    served = urna_command("--data-dir", data, "serve", "--port", "1")
    assert served.returncode == 1
    assert served.stderr == (
        "urna: error: [plugin.elections] results_refresh_ms must be an integer 0..60000, "
        "not 'soon'\n"
    )
