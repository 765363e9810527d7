"""The ballot box as plugins call it (``urna.api``), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from box_calls import refused
from election_kit import TWO_CONTESTS, credential_key, drbg, run_ceremony
from urna.api import BallotBox, BallotBoxError, ballot_box_for
from urna.crypto.ballot import encrypt_ballot, initial_code, sign_ballot
from urna.crypto.tally import decrypt_tally_share
from urna.verify import core_checks, verify_files

SCOPE = "election-service"


async def test_an_election_through_the_service_and_its_record(urna_services):
    ledger = urna_services.ledger
    box = ballot_box_for(ledger)
    assert ballot_box_for(ledger) is box
    ceremony = run_ceremony(3, 2, TWO_CONTESTS, "service", election_id="service")
    election = ceremony.election
    await refused(box.status(SCOPE), "election.unknown")
    await box.create_election(SCOPE, ceremony.parameters.to_json())
    await refused(box.create_election(SCOPE, ceremony.parameters.to_json()), "election.exists")
    await refused(box.open(SCOPE), "election.state")
    bad = ceremony.guardians[0].public_key.to_json()
    bad["proofs"][1]["response"] = bad["proofs"][0]["response"]
    await refused(box.add_guardian(SCOPE, bad), "guardian.proof")
    for g in ceremony.guardians:
        await box.add_guardian(SCOPE, g.public_key.to_json())
    assert (await box.election(SCOPE)).election_hash == election.election_hash
    await refused(box.add_guardian(SCOPE, bad), "election.state")
    for voter in range(5):
        await box.register_credential(SCOPE, credential_key("s", voter).verify_key.hex(), "v")
    await refused(
        box.register_credential(SCOPE, credential_key("s", 0).verify_key.hex(), "again"),
        "credential.duplicate",
    )
    await refused(box.register_credential(SCOPE, "00" * 32, "zero"), "credential.key")
    await refused(box.open(SCOPE), "guardian.confirmation")
    await refused(box.confirm(SCOPE, 1, ceremony.confirmation(1)), "ceremony.shares")
    for share in ceremony.relayed:
        await box.relay_share(SCOPE, share.to_json())
    await refused(box.relay_share(SCOPE, ceremony.relayed[0].to_json()), "share.duplicate")
    # A signature over H_E alone (before shares were relayed) does not confirm.
    await refused(
        box.confirm(SCOPE, 1, ceremony.guardians[0].signing_key.sign(election.election_hash)),
        "guardian.confirmation",
    )
    wrong = ceremony.confirmation(2)
    await refused(box.confirm(SCOPE, 1, wrong), "guardian.confirmation")
    for g in ceremony.guardians:
        await box.confirm(SCOPE, g.guardian_id, ceremony.confirmation(g.guardian_id))
    await box.open(SCOPE)
    await refused(
        box.register_credential(SCOPE, credential_key("s", 9).verify_key.hex(), "late"),
        "election.state",
    )
    rand = drbg("service-ballots")
    code = initial_code(election.election_hash, "desk-1")
    receipts = []
    for voter, choice in ((0, "alice"), (1, "bob"), (2, "alice")):
        key = credential_key("s", voter)
        ballot, _ = encrypt_ballot(
            election,
            {"mayor": [choice], "council": ["ann", "cat"]},
            "desk-1",
            key.verify_key,
            code,
            rand,
        )
        receipts.append(await box.cast(SCOPE, sign_ballot(ballot, key).to_json(), device="desk-1"))
        code = ballot.confirmation_code()
    assert receipts[-1].confirmation_code == code.hex()

    # A cast rolled back by the caller's transaction leaves no trace, in the ledger or
    # in the ballot box's cache: the same ballot is then accepted.
    key = credential_key("s", 3)
    ballot, _ = encrypt_ballot(election, {"mayor": ["dave"]}, "desk-1", key.verify_key, code, rand)
    body = sign_ballot(ballot, key).to_json()
    head = await ledger.head(SCOPE)

    async def cast_then_fail() -> None:
        async with ledger.transaction():
            await box.cast(SCOPE, body, device="desk-1")
            raise RuntimeError("the plugin's own write failed")

    with pytest.raises(RuntimeError):
        await cast_then_fail()
    assert await ledger.head(SCOPE) == head
    await refused(box.cast(SCOPE, body, device="desk-2"), "ballot.device")
    assert await ledger.head(SCOPE) == head
    await box.cast(SCOPE, body, device="desk-1")

    # A fresh ballot box (another worker process) rebuilds the same state from the ledger.
    fresh = BallotBox(ledger)
    assert await fresh.status(SCOPE) == await box.status(SCOPE)
    await refused(fresh.cast(SCOPE, body, device="desk-1"), "ballot.duplicate")

    tally = await box.tally(SCOPE)
    assert tally.ballot_count == 4
    await refused(box.tally(SCOPE), "election.state")
    shares = [
        decrypt_tally_share(ceremony.key_shares[i], election, tally, drbg("s")) for i in (2, 3)
    ]
    for share in shares:
        await box.submit_share(SCOPE, share.to_json())
    await refused(box.submit_share(SCOPE, shares[0].to_json()), "decryption.duplicate")
    result = await box.publish_result(SCOPE)
    counts = {(c, s): n for c, s, n in result.counts}
    assert counts[("mayor", "alice")] == 2
    assert counts[("mayor", "dave")] == 1
    assert counts[("council", "ann")] == 3
    report = verify_files(await ledger.bundle_files(SCOPE), bundle="service", checks=core_checks())
    assert report.ok, report.summary_lines()


async def test_concurrent_casts_count_one_ballot_per_credential_and_keep_chains(urna_services):
    """Several casts at once (PostgreSQL: separate connections): the scope's head lock
    serialises them, so a credential is counted once and a chain position taken once."""
    import asyncio

    box = ballot_box_for(urna_services.ledger)
    ceremony = run_ceremony(1, 1, TWO_CONTESTS, "race", election_id="race")
    election = ceremony.election
    await box.create_election(SCOPE, ceremony.parameters.to_json())
    await box.add_guardian(SCOPE, ceremony.guardians[0].public_key.to_json())
    for voter in range(4):
        await box.register_credential(SCOPE, credential_key("r", voter).verify_key.hex(), "v")
    await box.confirm(SCOPE, 1, ceremony.confirmation(1))
    await box.open(SCOPE)
    rand = drbg("race")

    def ballot(voter: int, device: str) -> dict:
        key = credential_key("r", voter)
        code = initial_code(election.election_hash, device)
        b, _ = encrypt_ballot(election, {"mayor": ["bob"]}, device, key.verify_key, code, rand)
        return sign_ballot(b, key).to_json()

    same_credential = [ballot(0, f"desk-{i}") for i in range(3)]
    same_chain_slot = [ballot(v, "desk-9") for v in (1, 2, 3)]
    outcomes = await asyncio.gather(
        *(
            box.cast(SCOPE, b, device=b["ballot"]["device_id"])
            for b in same_credential + same_chain_slot
        ),
        return_exceptions=True,
    )
    checks = [o.check if isinstance(o, BallotBoxError) else "cast" for o in outcomes]
    assert sorted(checks[:3]) == ["ballot.credential-used", "ballot.credential-used", "cast"]
    assert sorted(checks[3:]) == ["ballot.chain", "ballot.chain", "cast"]
    assert (await box.status(SCOPE))["cast"] == 2
