"""The ballot box over real HTTP, on SQLite and PostgreSQL: a whole election, and the
adversarial corpus, every case refused with its expected error, nothing stored."""

from __future__ import annotations

import collections

import httpx
from ballot_corpus import REGISTERED, SEED, Corpus
from box_calls import create_election, posting_to, refused_over_http
from election_kit import credential_key, drbg
from urna.crypto.ballot import challenge_ballot, encrypt_ballot, sign_ballot
from urna.crypto.tally import EncryptedTally, decrypt_tally_share
from urna.record import election_events as ev
from urna.shell.models import IdempotentResponse, LedgerEvent
from urna.testing import UrnaServer
from urna.verify import core_checks, verify_path

SCOPE = "election-corpus"
post = posting_to(SCOPE)


async def set_up(server: UrnaServer, corpus: Corpus) -> dict[str, httpx.AsyncClient]:
    """Bring the appliance to the state the corpus expects."""
    clients = {
        "admin": await server.token_client("eadmin", ["election-admin"]),
        "guardian": await server.token_client("guardian", ["election-guardian"]),
        # A device's account name is its chain's device id: it posts only in its own chain.
        "booth-0": await server.token_client("booth-0", ["ballot-device"]),
        "device": await server.token_client("booth-1", ["ballot-device"]),
    }
    admin, guardian = clients["admin"], clients["guardian"]
    ceremony = corpus.ceremony
    await create_election(admin, SCOPE, ceremony.parameters.to_json())
    for g in ceremony.guardians:
        r = await post(guardian, "/guardians", {"guardian": g.public_key.to_json()})
        assert r.status_code == 201, r.text
    for share in ceremony.relayed:
        r = await post(guardian, "/key-shares", share.to_json())
        assert r.status_code == 201, r.text
    for g in ceremony.guardians:
        signature = ceremony.confirmation(g.guardian_id).hex()
        r = await post(
            guardian, "/confirmations", {"guardian_id": g.guardian_id, "signature": signature}
        )
        assert r.status_code == 201, r.text
    for voter in range(REGISTERED):
        r = await post(
            admin,
            "/credentials",
            {"key": credential_key(SEED, voter).verify_key.hex(), "name": f"v{voter}"},
        )
        assert r.status_code == 201, r.text
    r = await post(admin, "/open")
    assert r.status_code == 200, r.text
    for signed in corpus.setup_ballots:
        r = await post(clients["booth-0"], "/ballots", signed.to_json())
        assert r.status_code == 201, r.text
    return clients


async def test_every_corpus_ballot_is_refused_and_nothing_is_stored(urna_server, corpus):
    clients = await set_up(urna_server, corpus)
    device = clients["device"]
    ledger = urna_server.services.ledger

    def poster(body: bytes) -> httpx.AsyncClient:
        """The device whose chain the case names (booth-0's replays, booth-1's mutations)."""
        return clients["booth-0"] if b"ooth-0" in body else device

    head = await ledger.head(SCOPE)
    events = await LedgerEvent.all().count()
    answers = await IdempotentResponse.all().count()
    assert len(corpus.cases) >= 1000
    assert len({case.category for case in corpus.cases}) >= 20
    wrong = []
    seen: collections.Counter[str] = collections.Counter()
    for n, case in enumerate(corpus.cases):
        r = await post(
            poster(case.body),
            "/ballots",
            content=case.body,
            headers={"Content-Type": "application/json", "Idempotency-Key": f"c{n}"},
        )
        seen[case.category] += 1
        got_check = None
        try:
            answer = r.json()
            got_check = answer.get("check")
            text = answer.get("error", "")
        except ValueError:
            text = r.text
        if (
            r.status_code != case.status
            or (case.check and got_check != case.check)
            or (case.error and case.error not in text)
        ):
            wrong.append(f"{case.category} #{n}: {r.status_code} {got_check} {text[:160]}")
    assert not wrong, f"{len(wrong)} cases answered wrongly:\n" + "\n".join(wrong[:40])
    assert await ledger.head(SCOPE) == head, "the ledger moved"
    assert await LedgerEvent.all().count() == events, "an event was stored"
    assert await IdempotentResponse.all().count() == answers, "an idempotency key was kept"
    # Each base ballot was valid: the mutation alone was refused. Cast one now.
    r = await post(device, "/ballots", corpus.bases[0].signed.to_json())
    assert r.status_code == 201, r.text


async def test_a_whole_election_over_http_exports_a_bundle_that_verifies(
    urna_server, corpus, tmp_path
):
    clients = await set_up(urna_server, corpus)
    admin, guardian, device = clients["admin"], clients["guardian"], clients["device"]
    election = corpus.ceremony.election
    # A device retrying with the same Idempotency-Key gets the same receipt, stored once.
    first = corpus.bases[0].signed.to_json()
    r1 = await post(device, "/ballots", first, headers={"Idempotency-Key": "retry"})
    r2 = await post(device, "/ballots", first, headers={"Idempotency-Key": "retry"})
    assert r1.status_code == r2.status_code == 201
    assert r1.json() == r2.json()
    assert r2.headers.get("Idempotent-Replayed") == "true"
    code = bytes.fromhex(r1.json()["confirmation_code"])
    # Voter 3 challenges a ballot, then casts; both continue booth-1's chain.
    rand = drbg("http-election")
    voter = credential_key(SEED, 3)
    spoiled, secrets = encrypt_ballot(
        election, {"mayor": ["carol"]}, "booth-1", voter.verify_key, code, rand
    )
    reveal = challenge_ballot(spoiled, secrets).to_json()["reveal"]
    r = await post(
        device, "/challenges", {"ballot": sign_ballot(spoiled, voter).to_json(), "reveal": reveal}
    )
    assert r.status_code == 201, r.text
    assert r.json() == {"choices": {"mayor": ["carol"]}}
    ballot, _ = encrypt_ballot(
        election,
        {"mayor": ["dave"]},
        "booth-1",
        voter.verify_key,
        spoiled.confirmation_code(),
        rand,
    )
    r = await post(device, "/ballots", sign_ballot(ballot, voter).to_json())
    assert r.status_code == 201, r.text
    # Roles: a device cannot tally, an administrator cannot cast or decrypt.
    assert (await post(device, "/tally")).status_code == 403
    assert (await post(admin, "/ballots", first)).status_code == 403
    refused_over_http(await post(admin, "/result"), 409, "election.state")
    r = await post(admin, "/tally")
    assert r.status_code == 201, r.text
    tally = EncryptedTally.from_json(r.json())
    assert tally.ballot_count == 4
    refused_over_http(
        await post(device, "/ballots", corpus.bases[1].signed.to_json()), 409, "election.closed"
    )
    # Guardian 2 sends a corrupted share: refused and attributed; 1 and 3 decrypt.
    rand = drbg("shares")
    shares = {
        i: decrypt_tally_share(corpus.ceremony.key_shares[i], election, tally, rand)
        for i in (1, 2, 3)
    }
    bad = shares[2].to_json()
    bad["partials"][0]["share"] = shares[1].to_json()["partials"][0]["share"]
    answer = refused_over_http(await post(guardian, "/shares", bad), 422, "decryption.proof")
    assert "guardian 2" in answer["where"]
    refused_over_http(await post(admin, "/result"), 422, "decryption.quorum")
    for i in (1, 3):
        r = await post(guardian, "/shares", shares[i].to_json())
        assert r.status_code == 201, r.text
    r = await post(admin, "/result")
    assert r.status_code == 201, r.text
    counts = {c["selection_id"]: c["count"] for c in r.json()["counts"]}
    assert counts == {"alice": 2, "bob": 0, "carol": 1, "dave": 1}  # the challenge is not counted
    status = (await urna_server.client().get(f"/-/elections/{SCOPE}")).json()
    assert (status["status"], status["challenged"]) == ("decrypted", 1)
    # The exported bundle carries the whole election and verifies.
    r = await urna_server.client().get(f"/-/scopes/{SCOPE}/bundle.tar")
    assert r.status_code == 200
    path = tmp_path / "election.tar"
    path.write_bytes(r.content)
    report = verify_path(path, checks=core_checks())
    assert report.ok, report.summary_lines()
    types = [e.type for e in await urna_server.services.ledger.events(SCOPE)]
    disputes = {ev.ELECTION_COMPLAINT, ev.ELECTION_SHARE_REVEALED}  # none in an honest ceremony
    for kind in sorted(ev.ELECTION_TYPES - disputes):
        assert kind in types


async def test_proofs_are_checked_before_the_write_transaction_and_not_for_a_forgery(
    urna_server, corpus, monkeypatch
):
    """POST /ballots checks a ballot's proofs in its prepare step, outside the write's
    transaction (on SQLite a group commit holding the write lock for every writer); a
    ballot whose signature is forged is refused without its proofs being checked."""
    from tortoise.backends.base.client import TransactionalDBClient
    from urna.shell import ballot_box
    from urna.shell.db import current_connection

    clients = await set_up(urna_server, corpus)
    in_transaction: list[bool] = []
    real = ballot_box.verify_ballot

    def spy(ballot, election):
        in_transaction.append(isinstance(current_connection(), TransactionalDBClient))
        return real(ballot, election)

    monkeypatch.setattr(ballot_box, "verify_ballot", spy)
    forged = corpus.bases[0].signed.to_json()
    forged["signature"] = ("00" if forged["signature"][:2] != "00" else "11") + forged["signature"][
        2:
    ]
    refused_over_http(await post(clients["device"], "/ballots", forged), 422, "ballot.signature")
    assert in_transaction == []
    r = await post(clients["device"], "/ballots", corpus.bases[0].signed.to_json())
    assert r.status_code == 201, r.text
    assert in_transaction == [False]
