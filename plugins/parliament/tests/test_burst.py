"""Burst: every console of the chamber presses at once over HTTP; each vote recorded once."""

from __future__ import annotations

import asyncio

import attrs
import httpx
import pytest
from urna_parliament.hall import hall_of
from urna_parliament.models import CastRecord
from urna_parliament.record import statement
from urna_parliament.simulator import seated_chamber


@pytest.fixture(params=[125, 650])
def chamber_size(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def urna_settings(urna_settings, chamber_size):
    return attrs.evolve(
        urna_settings,
        plugin_sections={
            "parliament": {"membership": chamber_size, "quorum": chamber_size // 2 + 1}
        },
    )


async def test_every_console_pressing_at_once_is_recorded_exactly_once(urna_server, chamber_size):
    hall = hall_of(urna_server.services)
    sitting, cards = await seated_chamber(hall, size=chamber_size)
    item = await hall.add_item(sitting, kind="resolution", title="Burst")
    vote = await hall.open_vote(sitting, item=item, mode="named", question="?", rule="simple")
    scope = f"parliament-sitting-{sitting}"
    token = (await urna_server.token_client("gateway", ["parliament.console"])).headers
    # The consoles' gateway: all presses issued at once over as many connections as the
    # appliance lets one address hold (server.max_connections_per_address); queued presses
    # wait their turn and none is lost.
    console = httpx.AsyncClient(
        base_url=urna_server.url,
        headers={"Authorization": token["Authorization"]},
        timeout=httpx.Timeout(600),
        limits=httpx.Limits(
            max_connections=urna_server.services.settings.max_connections_per_address
        ),
    )
    state = await hall.state(sitting)

    def press(seat: int) -> dict:
        member = state.card_member(seat)
        choice = ("for", "against", "abstain")[seat % 3]
        sig = (
            cards[member]
            .sign(
                statement(
                    "vote",
                    scope,
                    vote=vote,
                    member=member,
                    seat=seat,
                    card=state.seats[seat],
                    choice=choice,
                )
            )
            .hex()
        )
        return {"seat": seat, "key": choice, "sig": sig}

    bodies = [press(seat) for seat in range(1, chamber_size + 1)]
    # At most 100 presses in flight, as the gateway's 100 connections carry them: httpx
    # rescans its whole queue whenever a request completes, so queueing all 1,300 presses
    # of a 650-seat chamber inside its pool costs the client quadratic time.
    gateway = asyncio.Semaphore(100)

    async def send(body: dict) -> httpx.Response:
        async with gateway:
            return await console.post(f"/p/parliament/sittings/{sitting}/press", json=body)

    # Every press sent twice, all at once: the duplicate of each is refused.
    responses = await asyncio.gather(*(send(body) for body in bodies + bodies))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * chamber_size + [409] * chamber_size
    events = await urna_server.services.ledger.events(scope)
    cast = [e.payload["member"] for e in events if e.type == "parliament.vote_cast"]
    assert sorted(cast) == sorted(state.card_member(s) for s in range(1, chamber_size + 1))
    assert len(set(cast)) == chamber_size
    assert await CastRecord.filter(sitting=sitting, vote=vote).count() == chamber_size
    await console.aclose()
    closed = await hall.close_vote(sitting, vote)
    assert (
        closed.payload["for"] + closed.payload["against"] + closed.payload["abstain"]
        == chamber_size
    )
