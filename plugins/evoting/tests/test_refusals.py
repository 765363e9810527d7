"""What polling day refuses, with a clear answer and nothing stored: no ledger event, no
session or voter row changed."""

from __future__ import annotations

import pytest
from urna_evoting.models import Booth, BoothSession, TrackedBallot, Voter

pytestmark = pytest.mark.usefixtures("kit")


async def _snapshot(kit):
    sessions = [
        (s.id, s.booth, s.state, s.pending is not None)
        for s in await BoothSession.all().order_by("id")
    ]
    voters = [(v.voter_id, v.checked_in_at, v.activated) for v in await Voter.all().order_by("id")]
    return await kit.head(), sessions, voters, await TrackedBallot.all().count()


async def _open(kit, voters=4):
    await kit.setup(voters=voters)
    await kit.quick_ceremony()
    worker = await kit.poll_worker()
    assert (await kit.poll_form(worker, "open")).status_code == 303
    return worker


async def _start(kit, worker, voter, booth_name, booth):
    assert (await kit.poll_form(worker, "check-in", voter=voter)).status_code == 303
    response = await kit.poll_form(worker, "activate", voter=voter, booth=booth_name)
    assert response.status_code == 303, response.text
    return await kit.session_of(booth)


FORM = {"contest-council": ["aliyeva", "quliyev"], "contest-park": "yes"}


async def test_each_refusal_names_its_reason_and_stores_nothing(kit):
    worker = await _open(kit)
    b1, b2 = await kit.booth("b1"), await kit.booth("b2")

    # A cast without activation: no session at this booth.
    before = await _snapshot(kit)
    response = await b1.post("/p/evoting/booth/cast", data={"session": "1"})
    assert response.status_code == 409
    assert "No voting session is active at this booth" in response.text
    assert await _snapshot(kit) == before

    session = await _start(kit, worker, "v0001", "b1", b1)

    # An over-vote: three choices where two are allowed.
    before = await _snapshot(kit)
    over = {**FORM, "contest-council": ["aliyeva", "quliyev", "huseynov"], "session": str(session)}
    response = await b1.post("/p/evoting/booth/review", data=over)
    assert response.status_code == 422
    assert "more candidates than allowed" in response.text
    assert await _snapshot(kit) == before

    assert (
        await b1.post("/p/evoting/booth/review", data={**FORM, "session": str(session)})
    ).status_code == 303

    # Another booth's device token posting this booth's session.
    before = await _snapshot(kit)
    response = await b2.post("/p/evoting/booth/cast", data={"session": str(session)})
    assert response.status_code == 403
    assert "belongs to another booth" in response.text
    assert await _snapshot(kit) == before

    # A browser that is no enrolled booth at all.
    stranger = kit.server.client(headers={"Origin": kit.server.url, "Accept-Language": "en"})
    response = await stranger.post("/p/evoting/booth/cast", data={"session": str(session)})
    assert response.status_code == 403
    assert await _snapshot(kit) == before

    assert (
        await b1.post("/p/evoting/booth/cast", data={"session": str(session)})
    ).status_code == 303

    # The same session again: it worked once.
    before = await _snapshot(kit)
    for action in ("cast", "review", "challenge"):
        response = await b1.post(
            f"/p/evoting/booth/{action}", data={**FORM, "session": str(session)}
        )
        assert response.status_code == 409, action
        assert "already been used" in response.text
    assert await _snapshot(kit) == before

    # A ballot sealed while the polls were open, cast after they closed.
    session = await _start(kit, worker, "v0002", "b2", b2)
    assert (
        await b2.post("/p/evoting/booth/review", data={**FORM, "session": str(session)})
    ).status_code == 303
    assert (await kit.poll_form(worker, "close")).status_code == 303
    before = await _snapshot(kit)
    response = await b2.post("/p/evoting/booth/cast", data={"session": str(session)})
    assert response.status_code == 409
    assert "The polls are closed" in response.text
    assert await _snapshot(kit) == before
    status = await kit.status()
    assert (status["cast"], status["challenged"]) == (1, 0)


async def test_poll_worker_refusals_store_nothing(kit):
    worker = await _open(kit, voters=2)
    await kit.booth("b1")
    before = await _snapshot(kit)
    response = await kit.poll_form(worker, "check-in", voter="nobody")
    assert response.status_code == 404
    assert "no such voter" in response.text
    response = await kit.poll_form(worker, "activate", voter="v0001", booth="b1")
    assert response.status_code == 409
    assert "has not checked in" in response.text
    assert await _snapshot(kit) == before
    assert (await kit.poll_form(worker, "check-in", voter="v0001")).status_code == 303
    before = await _snapshot(kit)
    response = await kit.poll_form(worker, "check-in", voter="v0001")
    assert response.status_code == 409
    response = await kit.poll_form(worker, "activate", voter="v0001", booth="b9")
    assert response.status_code == 404
    assert await _snapshot(kit) == before
    # A voter, or a booth, is not a poll worker.
    voter = await kit.server.login("someone", [])
    response = await voter.post(
        "/p/evoting/polls/close", data={"csrf_token": voter.headers["X-CSRF-Token"]}
    )
    assert response.status_code == 403
    assert (await kit.status())["status"] == "open"


async def test_an_enrolment_url_works_once_and_guesses_are_throttled(kit):
    await kit.setup(voters=1)
    from urna_evoting import booths

    secret = await booths.enrol(kit.server.services, "b1")
    first = kit.server.client()
    assert (await first.get(f"/p/evoting/booth/enrol/b1/{secret}")).status_code == 303
    token_hash = (await Booth.get(name="b1")).token_hash
    again = kit.server.client()
    response = await again.get(f"/p/evoting/booth/enrol/b1/{secret}")
    assert response.status_code == 403
    assert (await Booth.get(name="b1")).token_hash == token_hash
    statuses = [
        (await again.get(f"/p/evoting/booth/enrol/b1/guess{i}")).status_code for i in range(7)
    ]
    # The reused secret was the first wrong guess: four more, then the wait.
    assert statuses == [403] * 4 + [429] * 3
    cookie = first.cookies.get("urna_booth")
    assert cookie
    set_cookie = (await kit.server.client().get(f"/p/evoting/booth/enrol/b1/{secret}")).headers
    assert "urna_booth" not in set_cookie.get("set-cookie", "")
