"""The hall over real HTTP: roles, roster CSV, signed presses, the live push, the exports."""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET

import pytest
from urna_parliament.hall import hall_of
from urna_parliament.record import statement
from urna_parliament.simulator import chamber, roster_csv, seated_chamber

SCOPE = "parliament-sitting-1"


async def start(server):
    clerk = await server.login("clerk", ["parliament.clerk"])
    chair = await server.login("chair", ["parliament.presiding"])
    console = await server.token_client("gateway", ["parliament.console"])
    roster, cards = chamber(9)
    r = await clerk.post(
        "/p/parliament/roster",
        json={"convocation": "VII", "csv": roster_csv(roster)},
        headers={"Idempotency-Key": "roster"},
    )
    assert r.status_code == 201, r.text
    r = await clerk.post(
        "/p/parliament/sittings",
        json={"protocol": "7", "date": "2026-03-10", "presiding": "Sədr", "invited": ["Nazir"]},
        headers={"Idempotency-Key": "s1"},
    )
    assert r.status_code == 201, r.text
    return clerk, chair, console, roster, cards


def signed(cards, kind, member, **fields):
    return cards[member].sign(statement(kind, SCOPE, member=member, **fields)).hex()


async def seat_and_register(chair, console, roster, cards, count):
    await chair.post(
        "/p/parliament/sittings/1/registration",
        json={"action": "open"},
        headers={"Idempotency-Key": "reg-open"},
    )
    for m in roster[:count]:
        r = await console.post(
            "/p/parliament/sittings/1/cards",
            json={"seat": m["seat"], "card": m["card"], "inserted": True},
        )
        assert r.status_code == 200, r.text
        sig = signed(cards, "register", m["member"], round=1, seat=m["seat"], card=m["card"])
        r = await console.post(
            "/p/parliament/sittings/1/press",
            json={"seat": m["seat"], "key": "register", "sig": sig},
        )
        assert r.status_code == 201, r.text
    r = await chair.post(
        "/p/parliament/sittings/1/registration",
        json={"action": "close"},
        headers={"Idempotency-Key": "reg-close"},
    )
    assert r.json()["payload"]["quorum_reached"] is (count >= 6)


async def test_a_named_vote_end_to_end_with_push_and_exports(urna_server):
    clerk, chair, console, roster, cards = await start(urna_server)
    await seat_and_register(chair, console, roster, cards, 8)
    r = await clerk.post(
        "/p/parliament/sittings/1/items",
        json={
            "kind": "draft",
            "title": "Büdcə haqqında",
            "draft_number": "55-7",
            "reading": "II",
            "rule": "absolute",
        },
        headers={"Idempotency-Key": "i1"},
    )
    assert r.status_code == 201, r.text
    r = await chair.post(
        "/p/parliament/sittings/1/votes",
        json={"item": 1, "mode": "named", "question": "Qəbul edilsin"},
        headers={"Idempotency-Key": "v1"},
    )
    assert r.status_code == 201, r.text

    pushed: list[dict] = []
    anonymous = urna_server.client()

    async def listen():
        async with anonymous.stream("GET", "/p/parliament/sittings/1/events") as stream:
            async for line in stream.aiter_lines():
                if line.startswith("data: "):
                    pushed.append(json.loads(line[6:]))
                    if pushed[-1]["vote"] and pushed[-1]["vote"]["voted_count"] == 8:
                        return

    listener = asyncio.create_task(listen())
    for m, choice in zip(roster[:8], ["for"] * 5 + ["against"] * 2 + ["abstain"], strict=True):
        sig = signed(
            cards, "vote", m["member"], vote=1, seat=m["seat"], card=m["card"], choice=choice
        )
        r = await console.post(
            "/p/parliament/sittings/1/press", json={"seat": m["seat"], "key": choice, "sig": sig}
        )
        assert r.status_code == 201, r.text
    await asyncio.wait_for(listener, 30)
    assert pushed[-1]["vote"]["voted"] == [m["member"] for m in roster[:8]]
    assert "named" not in (pushed[-1]["result"] or {})  # how they voted: not before close

    # A repeated press is not counted twice.
    m = roster[0]
    sig = signed(cards, "vote", m["member"], vote=1, seat=m["seat"], card=m["card"], choice="for")
    again = await console.post(
        "/p/parliament/sittings/1/press", json={"seat": m["seat"], "key": "for", "sig": sig}
    )
    assert again.status_code == 409
    assert "already voted" in again.json()["error"]

    r = await chair.post(
        "/p/parliament/sittings/1/votes/1/close", json={}, headers={"Idempotency-Key": "c1"}
    )
    assert r.status_code == 200, r.text
    assert {
        k: r.json()[k]
        for k in ("for", "against", "abstain", "not_voting", "absent", "threshold", "outcome")
    } == {
        "for": 5,
        "against": 2,
        "abstain": 1,
        "not_voting": 0,
        "absent": 1,
        "threshold": 5,
        "outcome": "adopted",
    }

    observer = await urna_server.login("observer", ["parliament.observer"])
    popolo = (await observer.get("/p/parliament/sittings/1/popolo.json")).json()
    assert popolo[0]["result"] == "pass"
    assert {c["option"]: c["value"] for c in popolo[0]["counts"]}["yes"] == 5
    assert len(popolo[0]["votes"]) == 9
    akn = await observer.get("/p/parliament/sittings/1/akn.xml")
    root = ET.fromstring(akn.content)  # noqa: S314 - our own output
    ns = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
    assert root.find(".//a:voting/a:outcome", ns).text == "adopted"
    for lang, label in (("az", "Lehinə"), ("en", "For"), ("ru", "Против")):
        page = await observer.get(
            "/p/parliament/sittings/1/minutes.html", headers={"Accept-Language": lang}
        )
        assert label in page.text
        assert page.headers["Content-Language"] == lang
        pdf = await observer.get(f"/p/parliament/sittings/1/minutes.pdf?lang={lang}")
        assert pdf.content.startswith(b"%PDF")
        assert pdf.headers["Content-Language"] == lang
    minutes = (await observer.get("/p/parliament/sittings/1/minutes.json")).json()
    assert minutes["agenda"][0]["votes"][0]["result"]["outcome"] == "adopted"


async def test_bad_input_is_refused_naming_the_problem_and_nothing_is_appended(urna_server):
    clerk, chair, console, roster, cards = await start(urna_server)
    head = await urna_server.services.ledger.head(SCOPE)
    bad_csv = "member,name,district,faction,seat,card,key\nm1,A,,,x,C1," + "00" * 32 + "\n"
    r = await clerk.post(
        "/p/parliament/roster",
        json={"convocation": "VII", "csv": bad_csv},
        headers={"Idempotency-Key": "bad-roster"},
    )
    assert r.status_code == 422
    assert "line 2" in r.json()["error"]
    r = await console.post(
        "/p/parliament/sittings/1/press", json={"seat": 1, "key": "register", "sig": "00" * 64}
    )
    assert r.status_code == 409
    assert "no member's card is in seat 1" in r.json()["error"]
    await console.post(
        "/p/parliament/sittings/1/cards",
        json={"seat": 1, "card": roster[0]["card"], "inserted": True},
    )
    await chair.post(
        "/p/parliament/sittings/1/registration",
        json={"action": "open"},
        headers={"Idempotency-Key": "ro"},
    )
    head = await urna_server.services.ledger.head(SCOPE)
    forged = cards[roster[1]["member"]].sign(b"not the statement").hex()
    r = await console.post(
        "/p/parliament/sittings/1/press", json={"seat": 1, "key": "register", "sig": forged}
    )
    assert r.status_code == 409
    assert "signature does not verify" in r.json()["error"]
    assert await urna_server.services.ledger.head(SCOPE) == head
    r = await chair.post(
        "/p/parliament/sittings/1/votes",
        json={"item": 1, "mode": "named", "question": "?"},
        headers={"Idempotency-Key": "v"},
    )
    assert r.status_code == 422
    assert "no agenda item 1" in r.json()["error"]


async def test_an_unknown_majority_rule_is_refused_naming_it_and_nothing_is_appended(
    urna_server,
):
    clerk, chair, *_ = await start(urna_server)
    head = await urna_server.services.ledger.head(SCOPE)
    r = await clerk.post(
        "/p/parliament/sittings/1/items",
        json={"kind": "other", "title": "Q", "rule": "by acclamation"},
        headers={"Idempotency-Key": "i-unknown"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "unknown majority rule 'by acclamation'"
    assert await urna_server.services.ledger.head(SCOPE) == head
    r = await clerk.post(
        "/p/parliament/sittings/1/items",
        json={"kind": "other", "title": "Q", "rule": "absolute"},
        headers={"Idempotency-Key": "i1"},
    )
    assert r.status_code == 201, r.text
    head = await urna_server.services.ledger.head(SCOPE)
    r = await chair.post(
        "/p/parliament/sittings/1/votes",
        json={"item": 1, "mode": "named", "question": "?", "rule": "by acclamation"},
        headers={"Idempotency-Key": "v-unknown"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "unknown majority rule 'by acclamation'"
    assert await urna_server.services.ledger.head(SCOPE) == head


async def test_a_json_true_for_a_number_is_refused_naming_the_field_and_nothing_is_appended(
    urna_server,
):
    """JSON ``true`` arrives as Python ``True``, an ``int``: it must not pass for one."""
    clerk, chair, _console, roster, _cards = await start(urna_server)
    r = await clerk.post(
        "/p/parliament/sittings/1/items",
        json={"kind": "other", "title": "Q", "rule": "absolute"},
        headers={"Idempotency-Key": "i1"},
    )
    assert r.status_code == 201, r.text
    head = await urna_server.services.ledger.head(SCOPE)
    r = await chair.post(
        "/p/parliament/sittings/1/speeches",
        json={"item": 1, "speaker": roster[0]["member"], "limit_seconds": True},
        headers={"Idempotency-Key": "s-true"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "field 'limit_seconds' must be int"
    assert await urna_server.services.ledger.head(SCOPE) == head


async def test_the_roster_and_a_members_record_are_served_as_members(urna_server):
    hall = hall_of(urna_server.services)
    sitting, _ = await seated_chamber(hall, size=9, present=8)
    item = await hall.add_item(sitting, kind="other", title="Cari məsələlər", rule="absolute")
    await hall.take_up(sitting, item)
    speech = await hall.start_speech(sitting, item, "m001")
    await hall.end_speech(sitting, speech, audio="/a.opus")
    vote = await hall.open_vote(sitting, item=item, mode="named", question="?")
    await hall.press(sitting, 1, "against")
    observer = await urna_server.login("observer", ["parliament.observer"])
    roster, _ = chamber(9)
    members = (await observer.get("/p/parliament/members.json")).json()
    assert members == roster
    assert [list(m) for m in members] == [list(m) for m in roster]
    profile = (await observer.get("/p/parliament/members/m001/record.json")).json()
    assert list(profile) == ["member", "name", "district", "faction", "seat", "speeches", "votes"]
    assert {k: profile[k] for k in ("member", "name", "district", "faction", "seat")} == {
        k: roster[0][k] for k in ("member", "name", "district", "faction", "seat")
    }
    # The speech_ended event's link names no stored file: no link (see test_archive.py).
    assert [(s["speech"], s["matter"], s["audio"]) for s in profile["speeches"]] == [
        (speech, "Cari məsələlər", None)
    ]
    assert profile["votes"] == [
        {"sitting": sitting, "vote": vote, "question": "?", "mode": "named", "choice": "against"}
    ]


@pytest.mark.parametrize(
    ("role", "method", "path", "status"),
    [
        (None, "GET", "/p/parliament/presiding", 401),
        ("parliament.member", "GET", "/p/parliament/presiding", 403),
        ("parliament.observer", "POST", "/p/parliament/sittings/1/votes", 403),
        ("parliament.presiding", "POST", "/p/parliament/sittings/1/press", 403),
        # The published record is public: sittings, stenogram, members' records, minutes.
        (None, "GET", "/p/parliament/hall", 200),
        (None, "GET", "/p/parliament/sittings", 200),
        (None, "GET", "/p/parliament/sittings.json", 200),
        (None, "GET", "/p/parliament/stenogram", 200),
        (None, "GET", "/p/parliament/stenogram.json", 200),
        (None, "GET", "/p/parliament/members", 200),
        (None, "GET", "/p/parliament/members/m001/record.json", 404),  # public; no roster
        (None, "GET", "/p/parliament/sittings/1/minutes.json", 404),  # public; no sitting
        # The roster's JSON carries the seat cards: for the secretariat and observers.
        (None, "GET", "/p/parliament/members.json", 401),
        ("parliament.console", "GET", "/p/parliament/members.json", 403),
        (None, "GET", "/p/parliament/me", 401),
        (None, "GET", "/p/parliament/me.json", 401),
        ("parliament.observer", "GET", "/p/parliament/me", 403),
        ("parliament.observer", "GET", "/p/parliament/presiding", 403),
        ("parliament.observer", "GET", "/p/parliament/sittings", 200),
        ("parliament.observer", "GET", "/p/parliament/stenogram", 200),
        ("parliament.observer", "GET", "/p/parliament/stenogram.json", 200),
        ("parliament.observer", "GET", "/p/parliament/members", 200),
        ("parliament.observer", "GET", "/p/parliament/members.json", 200),
        ("parliament.presiding", "GET", "/p/parliament/presiding", 200),
    ],
)
async def test_pages_and_writes_are_protected_by_roles(urna_server, role, method, path, status):
    client = await urna_server.login("someone", [role]) if role else urna_server.client()
    response = await client.request(
        method,
        path,
        json={} if method == "POST" else None,
        headers={"Idempotency-Key": "k"} if method == "POST" else {},
    )
    assert response.status_code == status, response.text
