"""Signed protocols over HTTP: quorum, ratios named, idempotence, corrections, frozen results."""

from __future__ import annotations

import random

import pytest
from urna.record.bundle import read_bundle
from urna.record.event import Event
from urna.record.manifest import EVENTS_NAME
from urna.testing import resigned_bundle
from urna.verify import core_checks, verify_files
from urna_elections import models
from urna_elections.generate import az_protocol_values, generate_election, signed_protocol
from urna_elections.protocol import protocol_digest
from urna_elections.record import EVENT_TYPES, PROTOCOL_ACCEPTED, SIGNATURES, VERIFIER_CHECKS
from urna_elections.signatures import sign_dissent

URL = "/p/elections/elections/az-2024"


async def small_election(services):
    return await generate_election(
        services.ledger, constituencies=2, precincts=6, abroad=1, members=5
    )


def values(election, seed=1):
    return az_protocol_values(random.Random(seed), election.candidates)  # noqa: S311


async def test_signed_protocol_is_accepted_once_and_the_record_verifies(
    urna_server, record_verifies
):
    generated = await small_election(urna_server.services)
    election = generated.election
    sender = await urna_server.token_client("precinct-1", ["elections.sender"])
    precinct = generated.precincts[0]
    lines, votes = values(election)
    entry = signed_protocol(
        election, precinct, lines, votes, generated.member_keys(precinct), signers=4
    )
    digest = protocol_digest(entry["protocol"]).hex()
    entry["dissents"] = [
        sign_dissent(digest, "The count started late.", generated.member_keys(precinct)[4])
    ]
    first = await sender.post(f"{URL}/protocols", json=entry)
    assert first.status_code == 201, first.text
    again = await sender.post(f"{URL}/protocols", json=entry)
    assert again.status_code == 200
    assert again.json()["seq"] == first.json()["seq"]
    results = (await sender.get(f"{URL}/results.json")).json()
    assert results["totals"]["cec"]["received"] == 1
    assert results["totals"]["cec"]["expected"] == 6
    assert results["totals"]["cec"]["votes"] == votes
    await record_verifies(urna_server.services.ledger, election.scope)


async def test_protocol_failing_a_ratio_is_refused_naming_it_and_nothing_is_stored(urna_server):
    generated = await small_election(urna_server.services)
    election = generated.election
    sender = await urna_server.token_client("precinct-1", ["elections.sender"])
    precinct = generated.precincts[1]
    lines, votes = values(election)
    lines["100.2.3"] += 1
    head = await urna_server.services.ledger.head(election.scope)
    response = await sender.post(
        f"{URL}/protocols",
        json=signed_protocol(election, precinct, lines, votes, generated.member_keys(precinct)),
    )
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert len(problems) == 1
    assert problems[0].startswith("control ratio AZ-2 fails")
    assert f"left {lines['100.2.3']}" in problems[0]
    assert await urna_server.services.ledger.head(election.scope) == head


async def test_below_quorum_or_foreign_signatures_are_refused(urna_server):
    generated = await small_election(urna_server.services)
    election = generated.election
    sender = await urna_server.token_client("precinct-1", ["elections.sender"])
    precinct, other = generated.precincts[0], generated.precincts[1]
    lines, votes = values(election)
    three = signed_protocol(
        election, precinct, lines, votes, generated.member_keys(precinct), signers=3
    )
    response = await sender.post(f"{URL}/protocols", json=three)
    assert response.status_code == 422
    assert "the quorum is 4" in response.json()["problems"][-1]
    foreign = signed_protocol(election, precinct, lines, votes, generated.member_keys(other))
    response = await sender.post(f"{URL}/protocols", json=foreign)
    assert response.status_code == 422
    assert "not a member of" in response.json()["problems"][0]
    tampered = signed_protocol(election, precinct, lines, votes, generated.member_keys(precinct))
    tampered["signatures"][0]["sig"] = tampered["signatures"][1]["sig"]
    tampered["signatures"] = tampered["signatures"][:4]
    response = await sender.post(f"{URL}/protocols", json=tampered)
    assert response.status_code == 422
    assert "does not verify" in response.json()["problems"][0]


async def test_a_digest_of_another_document_signed_by_the_members_is_refused(urna_server):
    """The members' signatures are valid, but over another document's digest: the digest
    check (``check_signed``) is what refuses it, and nothing is stored."""
    generated = await small_election(urna_server.services)
    election = generated.election
    sender = await urna_server.token_client("precinct-1", ["elections.sender"])
    precinct = generated.precincts[0]
    keys = generated.member_keys(precinct)
    lines, votes = values(election)
    moved = dict(votes, c1=votes["c1"] + 1, c2=votes["c2"] - 1)
    other = signed_protocol(election, precinct, lines, moved, keys)
    entry = signed_protocol(election, precinct, lines, votes, keys)
    entry["digest"] = protocol_digest(other["protocol"]).hex()
    entry["signatures"] = other["signatures"]
    head = await urna_server.services.ledger.head(election.scope)
    response = await sender.post(f"{URL}/protocols", json=entry)
    assert response.status_code == 422, response.text
    assert response.json()["problems"] == ["the digest given is not the digest of the protocol"]
    assert await urna_server.services.ledger.head(election.scope) == head
    assert await models.Protocol.all().count() == 0


async def test_a_rewritten_protocol_under_its_old_digest_and_signatures_is_caught(
    urna_server, tmp_path
):
    """Re-sign an exported record whose accepted protocol was rewritten (its digest and
    members' signatures kept) with a valid appliance key: the members' signatures still
    verify over the kept digest, so only the digest-of-the-document check can catch it."""
    generated = await small_election(urna_server.services)
    election = generated.election
    sender = await urna_server.token_client("precinct-1", ["elections.sender"])
    precinct = generated.precincts[0]
    lines, votes = values(election)
    entry = signed_protocol(election, precinct, lines, votes, generated.member_keys(precinct))
    assert (await sender.post(f"{URL}/protocols", json=entry)).status_code == 201
    await urna_server.services.ledger.export(election.scope, tmp_path / "record")
    exported = read_bundle(tmp_path / "record").files[EVENTS_NAME]
    events = [Event.from_line(line) for line in exported.splitlines()]
    rewritten = []

    def rewrite(event: Event, payload: dict) -> None:
        if event.type == PROTOCOL_ACCEPTED:
            payload["protocol"]["completed_at"] = "2024-02-07T23:59Z"
            rewritten.append(event.seq)

    files = resigned_bundle(events, rewrite)
    assert len(rewritten) == 1
    report = verify_files(files, bundle="x", checks=[*core_checks(EVENT_TYPES), *VERIFIER_CHECKS])
    failed = {result.id: result for result in report.failed}
    assert set(failed) == {SIGNATURES}
    [failure] = failed[SIGNATURES].failures
    assert "the digest is not the digest of the protocol" in failure.message


async def test_correction_supersedes_with_a_reason_and_official_results_freeze(urna_server):
    generated = await small_election(urna_server.services)
    election = generated.election
    sender = await urna_server.token_client("precinct-1", ["elections.sender"])
    admin = await urna_server.token_client("cec", ["elections.administrator"])
    precinct = generated.precincts[2]
    keys = generated.member_keys(precinct)
    lines, votes = values(election)
    first = signed_protocol(election, precinct, lines, votes, keys)
    assert (await sender.post(f"{URL}/protocols", json=first)).status_code == 201
    second_plain = signed_protocol(election, precinct, lines, dict(votes), keys[1:])
    second_plain["protocol"]["completed_at"] = "2024-02-07T22:00Z"
    second_plain = signed_protocol(election, precinct, lines, votes, keys[1:])
    moved = dict(votes, c1=votes["c1"] + 1, c2=votes["c2"] - 1)
    unexplained = signed_protocol(election, precinct, lines, moved, keys)
    response = await sender.post(f"{URL}/protocols", json=unexplained)
    assert response.status_code == 409
    assert "supersedes" in response.json()["error"]
    repeat = signed_protocol(
        election,
        precinct,
        lines,
        moved,
        keys,
        supersedes=protocol_digest(first["protocol"]).hex(),
        reason="recount: one ballot misassigned",
    )
    assert (await sender.post(f"{URL}/protocols", json=repeat)).status_code == 201
    totals = (await sender.get(f"{URL}/results.json")).json()["totals"]["cec"]
    assert totals["received"] == 1
    assert totals["votes"] == moved
    official = await admin.post(
        f"{URL}/official",
        json={"reason": "the other precincts' commissions were dissolved"},
        headers={"Idempotency-Key": "o-1"},
    )
    assert official.status_code == 200, official.text
    late = generated.precincts[3]
    l2, v2 = values(election, 2)
    response = await sender.post(
        f"{URL}/protocols",
        json=signed_protocol(election, late, l2, v2, generated.member_keys(late)),
    )
    assert response.status_code == 409
    assert "frozen" in response.json()["error"]


async def test_double_entry_shows_mismatches_line_by_line_then_members_sign(urna_server):
    services = urna_server.services
    from urna_elections.law import load_builtin
    from urna_elections.structure import add_commissions, create_election

    election = await create_election(
        services.ledger,
        code="az-2024",
        title="t",
        kind="presidential",
        date="2024-02-07",
        profile=load_builtin("az"),
        candidates=[{"id": "c1", "name": "One"}, {"id": "c2", "name": "Two"}],
    )
    await add_commissions(
        services.ledger,
        election,
        [
            {"code": "cec", "name": "CEC", "kind": "central"},
            {"code": "con1", "name": "C1", "kind": "constituency", "parent": "cec"},
            {"code": "p1", "name": "P1", "kind": "precinct", "parent": "con1"},
            {"code": "p2", "name": "P2", "kind": "precinct", "parent": "con1"},
        ],
    )
    admin = await urna_server.login("admin", ["elections.administrator"])
    passphrases = [f"member passphrase {i}" for i in range(3)]
    response = await admin.post(
        f"{URL}/members",
        headers={"Idempotency-Key": "m"},
        json={
            "members": [
                {"commission": "p1", "name": f"M{i}", "role": "member", "passphrase": p}
                for i, p in enumerate(passphrases)
            ]
            + [{"commission": "p2", "name": "N", "role": "member", "passphrase": "p2 passphrase"}]
        },
    )
    assert response.status_code == 201, response.text
    *keys, outsider = response.json()["keys"]
    one = await urna_server.login("operator-1", ["elections.operator"])
    two = await urna_server.login("operator-2", ["elections.operator"])
    lines = {
        "100.2.1": 1000,
        "100.2.2": 5,
        "100.2.3": 1000,
        "100.2.5": 700,
        "100.2.6": 10,
        "100.2.7": 2,
        "100.2.8": 295,
        "100.2.9": 3,
        "100.2.12": 10,
        "100.2.13": 690,
        "100.2.14": 690,
        "100.2.15": 10,
        "100.2.16": 2,
    }
    votes = {"c1": 400, "c2": 290}
    body = {"precinct": "p1", "lines": lines, "votes": votes}
    assert (await one.post(f"{URL}/drafts", json=body)).json()["status"] == "entering"
    typo = {"precinct": "p1", "lines": dict(lines, **{"100.2.13": 960}), "votes": votes}
    view = (await two.post(f"{URL}/drafts", json=typo)).json()
    assert view["status"] == "mismatch"
    assert view["mismatches"] == [
        "line 100.2.13 (Ballots in stationary boxes): operator 1 entered 690, "
        "operator 2 entered 960"
    ]
    view = (await two.post(f"{URL}/drafts", json=body)).json()
    assert view["status"] == "ready", view
    member = await urna_server.login("member", ["elections.member"])
    wrong = await member.post(
        f"{URL}/drafts/{view['id']}/sign",
        json={"member_key": keys[0], "passphrase": "not the passphrase"},
    )
    assert wrong.status_code == 403
    foreign = await member.post(
        f"{URL}/drafts/{view['id']}/sign",
        json={"member_key": outsider, "passphrase": "p2 passphrase"},
    )
    assert foreign.status_code == 403
    assert "not a member of the precinct" in foreign.json()["error"]
    for key, passphrase in list(zip(keys, passphrases, strict=True))[:2]:
        signed = await member.post(
            f"{URL}/drafts/{view['id']}/sign", json={"member_key": key, "passphrase": passphrase}
        )
        assert signed.status_code == 200, signed.text
        # The view shows the digest the member signed: the document's, hashed once.
        assert signed.json()["digest"] == protocol_digest(view["protocol"]).hex()
    assert signed.json()["status"] == "accepted"
    totals = (await member.get(f"{URL}/results.json")).json()["totals"]["cec"]
    assert totals["votes"] == votes


@pytest.mark.parametrize(
    "precinct",
    ["Республика Адыгея (Адыгея):1", "Bakı şəhəri:12", "p1", "Ünye:\u2028x", "a\U0001f600b"],
)
@pytest.mark.parametrize("reason", ["", 'tab\there "quoted" \x01 and \u00e9 \U0001f5f3'])
def test_document_bytes_are_the_canonical_bytes_whatever_the_text(precinct, reason):
    from urna.record.canonical import canonical_bytes
    from urna_elections.protocol import document_bytes

    doc = {
        "election": "e1",
        "precinct": precinct,
        "profile": "az",
        "lines": {"1": 5, "10": 7, "2": 0},
        "votes": {"president.1": 3, "c2": 10**9},
        "completed_at": "",
        "supersedes": "a" * 64 if reason else "",
        "reason": reason,
    }
    assert document_bytes(doc) == canonical_bytes(doc)
