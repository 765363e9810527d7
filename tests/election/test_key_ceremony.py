"""The key ceremony's share exchange through the ballot box and the record: shares
relayed as ciphertexts, complaints judged from their evidence, reveals, confirmations
of the ceremony hash; a bad share stops the ceremony and the verifier sees it."""

from __future__ import annotations

import copy
from typing import Any

import attrs
import nacl.bindings
import pytest
from box_calls import create_election, posting_to, refused, refused_over_http
from election_kit import MAYOR, credential_key, drbg, generate_election, run_ceremony
from urna.api import ballot_box_for
from urna.crypto.ballot import challenge_ballot, encrypt_ballot, initial_code, sign_ballot
from urna.crypto.ceremony import (
    Complaint,
    EncryptedShare,
    GuardianSecret,
    Verdict,
    make_shares,
    receive_share,
)
from urna.crypto.errors import ShareError
from urna.crypto.group import Scalar
from urna.record import election_events as ev
from urna.shell.models import LedgerEvent
from urna.testing import Ceremony, KeyFactory, RecordBuilder, UrnaServer
from urna.verify import core_checks, verify_files

SCOPE = "ceremony"
CHECKS = core_checks()
post = posting_to(SCOPE)


def wrong_share(ceremony: Ceremony, sender: int, recipient: int) -> EncryptedShare:
    """A share of another polynomial, encrypted and signed by the real sender: evidence."""
    g = ceremony.guardians[sender - 1]
    liar: GuardianSecret = attrs.evolve(
        g, coefficients=(g.coefficients[0] + Scalar.from_int(1), *g.coefficients[1:])
    )
    ph = ceremony.parameters.parameters_hash()
    target = ceremony.guardians[recipient - 1].public_key
    return make_shares(liar, [target], ph, drbg("liar"))[0]


def garbage_share(ceremony: Ceremony, sender: int, recipient: int) -> EncryptedShare:
    """A signed share whose ciphertext decrypts under no key."""
    g = ceremony.guardians[sender - 1]
    good = next(e for e in ceremony.relayed if (e.sender, e.recipient) == (sender, recipient))
    unsigned = attrs.evolve(good, ciphertext=bytes(48), signature=b"")
    ph = ceremony.parameters.parameters_hash()
    return attrs.evolve(unsigned, signature=g.signing_key.sign(unsigned.signed_bytes(ph)))


def complaint_of(ceremony: Ceremony, share: EncryptedShare) -> Complaint:
    """What the recipient's own check of the share gives it to file."""
    recipient = ceremony.guardians[share.recipient - 1]
    sender = ceremony.guardians[share.sender - 1].public_key
    with pytest.raises(ShareError) as info:
        receive_share(recipient, sender, share, ceremony.parameters.parameters_hash())
    complaint = info.value.complaint
    assert isinstance(complaint, Complaint)
    return complaint


def revealed_key(ceremony: Ceremony, share: EncryptedShare) -> bytes:
    recipient = ceremony.guardians[share.recipient - 1]
    return bytes(nacl.bindings.crypto_box_beforenm(share.ephemeral_key, recipient.box_secret))


def test_a_decrypted_share_is_checked_against_l_without_a_python_integer(monkeypatch):
    """The range check of a decrypted share (a secret) runs in libsodium, in constant
    time: ``Scalar.decode`` never reads it as a Python integer, whose comparison with L
    takes time that depends on the value."""
    import urna.crypto.group as group

    ceremony = run_ceremony(2, 2, MAYOR, "constant-time", election_id="ct")
    share = next(e for e in ceremony.relayed if (e.sender, e.recipient) == (1, 2))

    class NoIntegers:
        @staticmethod
        def from_bytes(*_: Any, **__: Any) -> int:
            raise AssertionError("a scalar was read as a Python integer")

    monkeypatch.setattr(group, "int", NoIntegers, raising=False)
    recipient, sender = ceremony.guardians[1], ceremony.guardians[0]
    value = receive_share(
        recipient, sender.public_key, share, ceremony.parameters.parameters_hash()
    )
    assert value == sender.evaluate(2)


async def keyed(box: Any, ceremony: Ceremony) -> None:
    await box.create_election(SCOPE, ceremony.parameters.to_json())
    for g in ceremony.guardians:
        await box.add_guardian(SCOPE, g.public_key.to_json())


async def relay_all_but(box: Any, ceremony: Ceremony, bad: EncryptedShare) -> None:
    """Relay the ceremony's shares, ``bad`` in place of its sender's honest one."""
    for share in ceremony.relayed:
        same_pair = (share.sender, share.recipient) == (bad.sender, bad.recipient)
        await box.relay_share(SCOPE, (bad if same_pair else share).to_json())


async def test_relay_refuses_what_anyone_can_see_is_wrong_and_appends_nothing(urna_services):
    ledger = urna_services.ledger
    box = ballot_box_for(ledger)
    ceremony = run_ceremony(3, 2, MAYOR, "relay", election_id="relay")
    share = ceremony.relayed[0]
    await box.create_election(SCOPE, ceremony.parameters.to_json())
    await refused(box.relay_share(SCOPE, share.to_json()), "election.state")
    for g in ceremony.guardians:
        await box.add_guardian(SCOPE, g.public_key.to_json())
    head = await ledger.head(SCOPE)
    self_share = next(e for e in ceremony.sent[1] if e.recipient == 1)
    stranger = attrs.evolve(share, recipient=7)
    small_order = attrs.evolve(share, ephemeral_key=bytes(32))
    forged = attrs.evolve(share, ciphertext=bytes(48))
    too_short = {**share.to_json(), "ciphertext": "00" * 47}
    extra = {**share.to_json(), "plaintext": "00"}
    cases: list[tuple[object, str]] = [
        (self_share.to_json(), "share.address"),
        (stranger.to_json(), "share.address"),
        (small_order.to_json(), "share.ephemeral-key"),
        (forged.to_json(), "share.signature"),
        (too_short, "share.schema"),
        (extra, "share.schema"),
        ("not a share", "share.schema"),
    ]
    for body, check in cases:
        await refused(box.relay_share(SCOPE, body), check)
    assert await ledger.head(SCOPE) == head
    await box.relay_share(SCOPE, share.to_json())
    await refused(box.relay_share(SCOPE, share.to_json()), "share.duplicate")
    status = await box.status(SCOPE)
    assert status["ceremony"]["shares"] == 1
    assert status["ceremony"]["expected_shares"] == 6
    assert await box.key_shares(SCOPE, share.recipient) == [share.to_json()]


async def test_a_wrong_share_is_proven_by_its_recipient_and_aborts_the_ceremony(urna_services):
    ledger = urna_services.ledger
    box = ballot_box_for(ledger)
    ceremony = run_ceremony(3, 2, MAYOR, "abort", election_id="abort")
    await keyed(box, ceremony)
    bad = wrong_share(ceremony, 2, 3)
    await relay_all_but(box, ceremony, bad)
    await box.confirm(SCOPE, 1, confirm_from_record(ceremony, await box.key_shares(SCOPE), 1))
    complaint = complaint_of(ceremony, bad)
    assert complaint.reason == "mismatch"
    head = await ledger.head(SCOPE)
    # Unfounded or malformed complaints change nothing.
    good = next(e for e in ceremony.relayed if (e.sender, e.recipient) == (1, 3))
    honest = Complaint(1, 3, good, revealed_key(ceremony, good), "mismatch")
    await refused(box.complain(SCOPE, honest.to_json()), "complaint.unfounded")
    not_relayed = attrs.evolve(complaint, share=attrs.evolve(bad, nonce=bytes(24)))
    await refused(box.complain(SCOPE, not_relayed.to_json()), "complaint.evidence")
    late = next(e for e in ceremony.relayed if (e.sender, e.recipient) == (2, 1))
    await refused(
        box.complain(SCOPE, Complaint(2, 1, late, bytes(32), "mismatch").to_json()),
        "complaint.late",
    )
    await refused(box.complain(SCOPE, {"sender": 2}), "complaint.schema")
    assert await ledger.head(SCOPE) == head
    event = await box.complain(SCOPE, complaint.to_json())
    assert event.type == ev.ELECTION_COMPLAINT
    assert event.payload["verdict"] == Verdict.SENDER_AT_FAULT.value
    status = await box.status(SCOPE)
    assert status["status"] == "aborted"
    assert status["ceremony"]["at_fault"] == [2]
    head = await ledger.head(SCOPE)
    await refused(box.confirm(SCOPE, 2, b"\0" * 64), "ceremony.aborted")
    await refused(box.complain(SCOPE, complaint.to_json()), "ceremony.aborted")
    await refused(box.open(SCOPE), "ceremony.aborted")
    assert await ledger.head(SCOPE) == head
    # The record shows why the election never opened, and verifies as such.
    files = await ledger.bundle_files(SCOPE)
    report = verify_files(files, bundle="aborted", checks=CHECKS)
    assert report.ok, report.summary_lines()


def confirm_from_record(ceremony: Ceremony, relayed: list[dict[str, Any]], gid: int) -> bytes:
    """A guardian computes H_C from the shares as relayed (read back from the appliance)."""
    from urna.crypto.election import ceremony_hash, confirm_ceremony

    shares = [EncryptedShare.from_json(s) for s in relayed]
    h_c = ceremony_hash(ceremony.election, shares)
    return confirm_ceremony(ceremony.guardians[gid - 1], h_c)


async def test_an_undecryptable_share_is_revealed_by_its_sender_then_voting_opens(urna_services):
    ledger = urna_services.ledger
    box = ballot_box_for(ledger)
    ceremony = run_ceremony(3, 2, MAYOR, "reveal", election_id="reveal")
    await keyed(box, ceremony)
    bad = garbage_share(ceremony, 1, 2)
    await relay_all_but(box, ceremony, bad)
    complaint = complaint_of(ceremony, bad)
    assert complaint.reason == "undecryptable"
    event = await box.complain(SCOPE, complaint.to_json())
    assert event.payload["verdict"] == Verdict.SENDER_MUST_REVEAL.value
    relayed = await box.key_shares(SCOPE)
    await refused(
        box.confirm(SCOPE, 2, confirm_from_record(ceremony, relayed, 2)), "ceremony.complaints"
    )
    value = ceremony.guardians[0].evaluate(2)
    head = await ledger.head(SCOPE)
    await refused(box.reveal_share(SCOPE, 1, 2, (value + Scalar.from_int(1)).hex()), "share.reveal")
    await refused(box.reveal_share(SCOPE, 1, 3, value.hex()), "share.reveal")
    await refused(box.reveal_share(SCOPE, 1, 2, "ff" * 32), "value.scalar")
    assert await ledger.head(SCOPE) == head
    await box.reveal_share(SCOPE, 1, 2, value.hex())
    shown = (await box.status(SCOPE))["ceremony"]
    assert shown["unresolved"] == []
    assert shown["revealed"] == [{"sender": 1, "recipient": 2, "value": value.hex()}]
    for g in ceremony.guardians:
        await box.confirm(
            SCOPE, g.guardian_id, confirm_from_record(ceremony, relayed, g.guardian_id)
        )
    await box.register_credential(SCOPE, credential_key("reveal", 0).verify_key.hex(), "v0")
    await box.open(SCOPE)
    key = credential_key("reveal", 0)
    election = ceremony.election
    ballot, _ = encrypt_ballot(
        election,
        {"mayor": ["bob"]},
        "desk",
        key.verify_key,
        initial_code(election.election_hash, "desk"),
        drbg("reveal-ballot"),
    )
    await box.cast(SCOPE, sign_ballot(ballot, key).to_json(), device="desk")
    report = verify_files(await ledger.bundle_files(SCOPE), bundle="revealed", checks=CHECKS)
    assert report.ok, report.summary_lines()


# -- the verifier over tampered records ------------------------------------------------------


@pytest.fixture(scope="module")
def honest() -> Any:
    return generate_election(4, n=3, k=2, decrypting=(1, 2), seed="ceremony-record")


def rebuilt(events: list[tuple[str, dict[str, Any]]]) -> dict[str, bytes]:
    builder = RecordBuilder(KeyFactory()("appliance"), scope="ceremony-record")
    for kind, payload in events:
        builder.append(kind, payload)
    return builder.files()


def events_of(generated: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(e.type, copy.deepcopy(e.payload)) for e in generated.builder.events[1:]]


def failed(files: dict[str, bytes]) -> set[str]:
    return {r.id for r in verify_files(files, bundle="t", checks=CHECKS).failed}


def test_the_honest_record_carries_the_exchange_and_verifies(honest):
    events = events_of(honest)
    assert sum(1 for k, _ in events if k == ev.ELECTION_SHARE) == 6
    assert failed(rebuilt(events)) == set()


def test_the_election_is_rebuilt_and_its_proofs_checked_once_per_record(honest, monkeypatch):
    """The ceremony checks read the Election the election checks built for the record
    (make_election checks every guardian's proofs of possession: it is not cheap)."""
    import urna.crypto.election as crypto_election

    events = events_of(honest)
    events = events[: next(i for i, (k, _) in enumerate(events) if k == ev.BALLOT_CAST)]
    checked = []
    check_guardians = crypto_election.check_guardians

    def counting(*args: Any) -> None:
        checked.append(args)
        check_guardians(*args)

    monkeypatch.setattr(crypto_election, "check_guardians", counting)
    assert failed(rebuilt(events)) == set()
    assert len(checked) == 1


def test_the_ceremony_checks_use_the_election_the_election_checks_judge(honest):
    """Only the first core.election_created counts: when it does not decode there is no
    election to check the exchange against, even if a second one (itself a failure) does."""
    events = [(ev.ELECTION_CREATED, {"parameters": {}}), *events_of(honest)]
    files = rebuilt(events)
    report = verify_files(files, bundle="t", checks=CHECKS)
    failures = {r.id: r.failures for r in report.failed}
    assert {"election.parameters", "ceremony.shares", "election.confirmations"} <= set(failures)
    for check in ("ceremony.shares", "election.confirmations"):
        assert [f.message for f in failures[check]] == [
            "cannot check: the election's key material cannot be rebuilt"
        ]


def test_a_missing_or_extra_share_fails_the_ceremony_checks(honest):
    events = events_of(honest)
    index = next(i for i, (k, _) in enumerate(events) if k == ev.ELECTION_SHARE)
    del events[index]
    assert {"ceremony.shares", "election.confirmations"} <= failed(rebuilt(events))
    events = events_of(honest)
    share = next(p for k, p in events if k == ev.ELECTION_SHARE)
    events.insert(index, (ev.ELECTION_SHARE, copy.deepcopy(share)))
    assert "ceremony.shares" in failed(rebuilt(events))


def test_a_changed_share_fails_its_signature_and_every_confirmation(honest):
    events = events_of(honest)
    share = next(p for k, p in events if k == ev.ELECTION_SHARE)["share"]
    share["nonce"] = "00" * 24
    assert {"ceremony.shares", "election.confirmations"} <= failed(rebuilt(events))


def test_a_confirmation_of_the_base_hash_alone_is_not_a_confirmation(honest):
    events = events_of(honest)
    guardian = honest.ceremony.guardians[0]
    payload = next(p for k, p in events if k == ev.ELECTION_GUARDIAN_CONFIRMED)
    payload["signature"] = guardian.signing_key.sign(honest.ceremony.election.election_hash).hex()
    assert failed(rebuilt(events)) == {"election.confirmations"}


def test_a_recorded_unfounded_complaint_or_an_opened_aborted_ceremony_fails(honest):
    ceremony = honest.ceremony
    events = events_of(honest)
    first_confirmation = next(
        i for i, (k, _) in enumerate(events) if k == ev.ELECTION_GUARDIAN_CONFIRMED
    )
    good = ceremony.relayed[0]
    unfounded = Complaint(good.sender, good.recipient, good, revealed_key(ceremony, good), "x")
    events.insert(
        first_confirmation,
        (ev.ELECTION_COMPLAINT, ev.complaint_payload(unfounded, Verdict.SENDER_AT_FAULT)),
    )
    assert failed(rebuilt(events)) == {"ceremony.complaints"}


def test_an_election_opened_despite_a_founded_complaint_fails():
    """An appliance that opens anyway (wrong share 2->3, complaint recorded): caught."""
    generated = generate_election(2, n=3, k=2, seed="ceremony-forged")
    ceremony = generated.ceremony
    bad = wrong_share(ceremony, 2, 3)
    events = events_of(generated)
    for _, payload in events:
        if (
            "share" in payload
            and payload["share"].get("sender") == 2
            and payload["share"].get("recipient") == 3
        ):
            payload["share"] = bad.to_json()
    first_confirmation = next(
        i for i, (k, _) in enumerate(events) if k == ev.ELECTION_GUARDIAN_CONFIRMED
    )
    complaint = complaint_of(ceremony, bad)
    events.insert(
        first_confirmation,
        (ev.ELECTION_COMPLAINT, ev.complaint_payload(complaint, Verdict.SENDER_AT_FAULT)),
    )
    assert "ceremony.complaints" in failed(rebuilt(events))


# -- over real HTTP ------------------------------------------------------------------------------


async def test_the_share_exchange_and_a_complaint_over_http(urna_server: UrnaServer):
    ceremony = run_ceremony(3, 2, MAYOR, "http-ceremony", election_id="httpc")
    admin = await urna_server.token_client("eadmin", ["election-admin"])
    guardian = await urna_server.token_client("guardian", ["election-guardian"])
    device = await urna_server.token_client("booth-1", ["ballot-device"])
    anonymous = urna_server.client()
    await create_election(admin, SCOPE, ceremony.parameters.to_json())
    for g in ceremony.guardians:
        assert (
            await post(guardian, "/guardians", {"guardian": g.public_key.to_json()})
        ).status_code == 201
    share = ceremony.relayed[0]
    # Roles: only a guardian relays, complains or reveals.
    assert (await post(device, "/key-shares", share.to_json())).status_code == 403
    assert (await post(admin, "/complaints", {})).status_code == 403
    assert (await post(anonymous, "/reveals", {})).status_code == 401
    before = await LedgerEvent.filter(scope=SCOPE).count()
    for body, status, check in (
        ({**share.to_json(), "signature": "00" * 64}, 422, "share.signature"),
        ({**share.to_json(), "recipient": share.sender}, 422, "share.address"),
        ({**share.to_json(), "sender": 0}, 422, "share.schema"),
    ):
        refused_over_http(await post(guardian, "/key-shares", body), status, check)
    r = await post(guardian, "/reveals", {"sender": 1, "recipient": 2, "value": "00" * 32})
    refused_over_http(r, 409, "share.reveal")
    assert await LedgerEvent.filter(scope=SCOPE).count() == before
    bad = wrong_share(ceremony, 3, 1)
    for s in ceremony.relayed:
        body = (bad if (s.sender, s.recipient) == (3, 1) else s).to_json()
        assert (await post(guardian, "/key-shares", body)).status_code == 201
    inbox = (await anonymous.get(f"/-/elections/{SCOPE}/key-shares.json?recipient=1")).json()
    assert [s["sender"] for s in inbox["shares"]] == [2, 3]
    assert (
        await anonymous.get(f"/-/elections/{SCOPE}/key-shares.json?recipient=x")
    ).status_code == 422
    # Guardian 1 checks its inbox, finds 3's share wrong, and proves it.
    received = EncryptedShare.from_json(inbox["shares"][1])
    complaint = complaint_of(ceremony, received)
    good = EncryptedShare.from_json(inbox["shares"][0])
    unfounded = Complaint(2, 1, good, revealed_key(ceremony, good), "mismatch")
    refused_over_http(
        await post(guardian, "/complaints", unfounded.to_json()), 422, "complaint.unfounded"
    )
    r = await post(guardian, "/complaints", complaint.to_json())
    assert r.status_code == 201, r.text
    status = (await anonymous.get(f"/-/elections/{SCOPE}")).json()
    assert status["status"] == "aborted"
    assert status["ceremony"]["complaints"] == [
        {"sender": 3, "recipient": 1, "verdict": "sender-at-fault"}
    ]
    r = await post(guardian, "/confirmations", {"guardian_id": 2, "signature": "00" * 64})
    refused_over_http(r, 409, "ceremony.aborted")
    r = await urna_server.client().get(f"/-/scopes/{SCOPE}/bundle.tar")
    assert r.status_code == 200


async def test_a_device_posts_ballots_only_in_its_own_chain_over_http(urna_server: UrnaServer):
    ceremony = run_ceremony(1, 1, MAYOR, "http-devices", election_id="httpd")
    election = ceremony.election
    box = ballot_box_for(urna_server.services.ledger)
    await keyed(box, ceremony)
    await box.confirm(SCOPE, 1, ceremony.confirmation(1))
    for voter in range(3):
        await box.register_credential(SCOPE, credential_key("d", voter).verify_key.hex(), "v")
    await box.open(SCOPE)
    booth1 = await urna_server.token_client("booth-1", ["ballot-device"])
    booth2 = await urna_server.token_client("booth-2", ["ballot-device"])
    rand = drbg("devices")

    def ballot(voter: int, device: str) -> dict[str, Any]:
        return spoilable(voter, device)[0]

    def spoilable(voter: int, device: str) -> tuple[dict[str, Any], Any]:
        key = credential_key("d", voter)
        code = initial_code(election.election_hash, device)
        b, secrets = encrypt_ballot(
            election, {"mayor": ["carol"]}, device, key.verify_key, code, rand
        )
        return sign_ballot(b, key).to_json(), challenge_ballot(b, secrets).to_json()["reveal"]

    into_booth1, reveal = spoilable(0, "booth-1")
    before = await LedgerEvent.filter(scope=SCOPE).count()
    refused_over_http(await post(booth2, "/ballots", into_booth1), 403, "ballot.device")
    r = await post(booth2, "/challenges", {"ballot": into_booth1, "reveal": reveal})
    refused_over_http(r, 403, "ballot.device")
    assert await LedgerEvent.filter(scope=SCOPE).count() == before
    r = await post(booth1, "/ballots", into_booth1)
    assert r.status_code == 201, r.text
    r = await post(booth2, "/ballots", ballot(1, "booth-2"))
    assert r.status_code == 201, r.text
    assert await LedgerEvent.filter(scope=SCOPE).count() == before + 2
