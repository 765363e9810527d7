"""Generated election records: verified by ``urna verify``; every kind of tampering that
keeps the record's own signatures valid (an attacker holding the appliance key
re-signs the events and the manifest) is caught by the election check it concerns."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from election_kit import GeneratedElection, generate_election
from urna.crypto.group import Scalar
from urna.record import election_events as ev
from urna.record.bundle import write_bundle
from urna.testing import KeyFactory, RecordBuilder
from urna.verify import core_checks, verify_files

CHECKS = core_checks()


def rewritten(
    generated: GeneratedElection, change: Callable[[list[tuple[str, dict[str, Any]]]], None]
) -> dict[str, bytes]:
    """The bundle an attacker with the appliance key writes: events changed, chain re-signed."""
    events = [(e.type, copy.deepcopy(e.payload)) for e in generated.builder.events[1:]]
    change(events)
    builder = RecordBuilder(KeyFactory()("appliance"), scope=generated.builder.scope)
    for kind, payload in events:
        builder.append(kind, payload)
    return builder.files()


def failed(files: dict[str, bytes]) -> set[str]:
    report = verify_files(files, bundle="tampered", checks=CHECKS)
    return {r.id for r in report.failed}


def first(events: list[tuple[str, dict[str, Any]]], kind: str, nth: int = 0) -> dict[str, Any]:
    return [p for k, p in events if k == kind][nth]


def bump(hex_scalar: str) -> str:
    return (Scalar.from_hex(hex_scalar) + Scalar.from_int(1)).hex()


def resign_ballot(payload: dict[str, Any], voter: int, seed: str = "small") -> None:
    """Re-sign a changed ballot with its (test) credential and fix its recorded code."""
    from election_kit import credential_key
    from urna.crypto.ballot import EncryptedBallot

    ballot = EncryptedBallot.from_json(payload["ballot"]["ballot"])
    payload["ballot"]["signature"] = credential_key(seed, voter).sign(ballot.signing_bytes()).hex()
    payload["confirmation_code"] = ballot.confirmation_code().hex()


def _voter_of(payload: dict[str, Any]) -> int:
    from election_kit import credential_key

    credential = payload["ballot"]["ballot"]["credential"]
    return next(v for v in range(1000) if credential_key("small", v).verify_key.hex() == credential)


def proof_changed(events: list[tuple[str, dict[str, Any]]]) -> None:
    payload = first(events, ev.BALLOT_CAST, 5)
    proof = payload["ballot"]["ballot"]["contests"][0]["selections"][2]["proof"]
    proof["responses"][0] = bump(proof["responses"][0])
    resign_ballot(payload, _voter_of(payload))


def range_proof_changed(events: list[tuple[str, dict[str, Any]]]) -> None:
    payload = first(events, ev.BALLOT_CAST, 7)
    proof = payload["ballot"]["ballot"]["contests"][1]["proof"]
    proof["challenges"][1] = bump(proof["challenges"][1])
    resign_ballot(payload, _voter_of(payload))


def unsigned_change(events: list[tuple[str, dict[str, Any]]]) -> None:
    """Two ciphertexts swapped and the recorded code fixed, but the old signature kept."""
    from urna.crypto.ballot import EncryptedBallot

    payload = first(events, ev.BALLOT_CAST, 3)
    selections = payload["ballot"]["ballot"]["contests"][0]["selections"]
    selections[0]["ciphertext"], selections[1]["ciphertext"] = (
        selections[1]["ciphertext"],
        selections[0]["ciphertext"],
    )
    ballot = EncryptedBallot.from_json(payload["ballot"]["ballot"])
    payload["confirmation_code"] = ballot.confirmation_code().hex()


def ballot_dropped(events: list[tuple[str, dict[str, Any]]]) -> None:
    events.remove((ev.BALLOT_CAST, first(events, ev.BALLOT_CAST, 10)))


def ballot_duplicated(events: list[tuple[str, dict[str, Any]]]) -> None:
    index = events.index((ev.BALLOT_CAST, first(events, ev.BALLOT_CAST, 4)))
    events.insert(index + 1, copy.deepcopy(events[index]))


def ballot_stuffed(events: list[tuple[str, dict[str, Any]]]) -> None:
    """A ballot signed by a credential that was never registered."""
    from election_kit import credential_key
    from urna.crypto.ballot import EncryptedBallot, SignedBallot, sign_ballot

    payload = copy.deepcopy(first(events, ev.BALLOT_CAST, 0))
    stranger = credential_key("stranger", 1)
    ballot = EncryptedBallot.from_json(payload["ballot"]["ballot"])
    import attrs

    forged = sign_ballot(attrs.evolve(ballot, credential=stranger.verify_key), stranger)
    index = events.index((ev.TALLY_COMPUTED, first(events, ev.TALLY_COMPUTED)))
    events.insert(
        index, (ev.BALLOT_CAST, ev.ballot_cast_payload(SignedBallot.from_json(forged.to_json())))
    )


def credential_late(events: list[tuple[str, dict[str, Any]]]) -> None:
    item = next(e for e in events if e[0] == "core.signer_registered")
    events.remove(item)
    index = events.index((ev.ELECTION_OPENED, first(events, ev.ELECTION_OPENED)))
    events.insert(index + 1, item)


def tally_changed(events: list[tuple[str, dict[str, Any]]]) -> None:
    entries = first(events, ev.TALLY_COMPUTED)["tally"]["entries"]
    entries[0]["ciphertext"], entries[1]["ciphertext"] = (
        entries[1]["ciphertext"],
        entries[0]["ciphertext"],
    )


def share_changed(events: list[tuple[str, dict[str, Any]]]) -> None:
    proof = first(events, ev.TALLY_SHARE, 1)["share"]["partials"][3]["proof"]
    proof["response"] = bump(proof["response"])


def result_changed(events: list[tuple[str, dict[str, Any]]]) -> None:
    counts = first(events, ev.TALLY_DECRYPTED)["result"]["counts"]
    counts[0]["count"] += 1
    counts[1]["count"] -= 1


def result_without_quorum(events: list[tuple[str, dict[str, Any]]]) -> None:
    first(events, ev.TALLY_DECRYPTED)["guardians"] = [1]


def reveal_changed(events: list[tuple[str, dict[str, Any]]]) -> None:
    reveal = first(events, ev.BALLOT_CHALLENGED, 1)["reveal"][0]["selections"]
    reveal[0]["vote"], reveal[1]["vote"] = reveal[1]["vote"], reveal[0]["vote"]


def guardian_proof_changed(events: list[tuple[str, dict[str, Any]]]) -> None:
    proof = first(events, ev.ELECTION_GUARDIAN_KEY, 1)["guardian"]["proofs"][1]
    proof["response"] = bump(proof["response"])


def confirmation_changed(events: list[tuple[str, dict[str, Any]]]) -> None:
    payload = first(events, ev.ELECTION_GUARDIAN_CONFIRMED, 2)
    payload["signature"] = first(events, ev.ELECTION_GUARDIAN_CONFIRMED, 0)["signature"]


def base_hash_changed(events: list[tuple[str, dict[str, Any]]]) -> None:
    first(events, ev.ELECTION_KEY)["election_hash"] = "11" * 32


def chain_reordered(events: list[tuple[str, dict[str, Any]]]) -> None:
    """Two ballots of one device swapped: each still signed, the chain broken."""
    device = first(events, ev.BALLOT_CAST, 0)["ballot"]["ballot"]["device_id"]
    same = [
        i
        for i, (k, p) in enumerate(events)
        if k == ev.BALLOT_CAST and p["ballot"]["ballot"]["device_id"] == device
    ]
    a, b = same[2], same[3]
    events[a], events[b] = events[b], events[a]


def ballot_after_tally(events: list[tuple[str, dict[str, Any]]]) -> None:
    item = (ev.BALLOT_CAST, first(events, ev.BALLOT_CAST, 29))
    events.remove(item)
    events.append(item)


def code_changed(events: list[tuple[str, dict[str, Any]]]) -> None:
    first(events, ev.BALLOT_CAST, 2)["confirmation_code"] = "22" * 32


def point_off_curve(events: list[tuple[str, dict[str, Any]]]) -> None:
    selection = first(events, ev.BALLOT_CAST, 6)["ballot"]["ballot"]["contests"][0]["selections"][0]
    selection["ciphertext"]["beta"] = (2).to_bytes(32, "little").hex()


@pytest.mark.parametrize(
    ("change", "check"),
    [
        (proof_changed, "election.selection-proofs"),
        (range_proof_changed, "election.contest-limits"),
        (unsigned_change, "election.eligibility"),
        (ballot_dropped, "election.aggregation"),
        (ballot_duplicated, "election.ballot-ids"),
        (ballot_stuffed, "election.eligibility"),
        (credential_late, "election.eligibility"),
        (tally_changed, "election.aggregation"),
        (share_changed, "election.decryption-shares"),
        (result_changed, "election.result"),
        (result_without_quorum, "election.combination"),
        (reveal_changed, "election.challenged-ballots"),
        (guardian_proof_changed, "election.guardian-keys"),
        (confirmation_changed, "election.confirmations"),
        (base_hash_changed, "election.base-hash"),
        (chain_reordered, "election.confirmation-codes"),
        (ballot_after_tally, "election.sequence"),
        (code_changed, "record.payloads"),
        (point_off_curve, "record.payloads"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_tampering_is_caught_by_its_check(small_election, change, check):
    got = failed(rewritten(small_election, change))
    assert check in got, got
    assert not {c for c in got if c.startswith("record.") and c != "record.payloads"}, got


def test_the_generated_record_and_an_untouched_rewrite_verify(small_election):
    assert not failed(small_election.files())
    assert not failed(rewritten(small_election, lambda events: None))


def test_a_thousand_ballot_election_verifies_with_urna_verify(tmp_path):
    generated = generate_election(1000, challenged=20, devices=8, seed="thousand", jobs=2)
    directory = tmp_path / "bundle"
    write_bundle(directory, generated.files())
    report_path = tmp_path / "report.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "urna",
            "verify",
            str(directory),
            "--jobs",
            "2",
            "--json",
            str(report_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(report_path.read_text())
    assert report["ok"]
    assert report["events"] == len(generated.builder.events)
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    election_checks = {k: v for k, v in statuses.items() if k.startswith("election.")}
    assert len(election_checks) == 17
    assert set(election_checks.values()) == {"passed"}
    assert sum(
        generated.counts[("mayor", c)] for c in ("alice", "bob", "carol", "dave")
    ) == 1000 - len(range(3, 1000, 7))


def test_malformed_ballots_do_not_stop_the_ballot_id_check(small_election):
    """A ballot whose ciphertext or contests are not even the right JSON type is reported
    by the shape checks; the id check still runs to its end and catches a later replay."""

    def change(events: list[tuple[str, dict[str, Any]]]) -> None:
        first(events, ev.BALLOT_CAST, 2)["ballot"]["ballot"]["contests"][0]["selections"][0][
            "ciphertext"
        ] = "zz"
        first(events, ev.BALLOT_CAST, 4)["ballot"]["ballot"]["contests"] = 5
        replayed = copy.deepcopy(first(events, ev.BALLOT_CAST, 6))
        events.append((ev.BALLOT_CAST, replayed))

    report = verify_files(rewritten(small_election, change), bundle="b", checks=CHECKS)
    ids = next(r for r in report.results if r.id == "election.ballot-ids")
    messages = [f.message for f in ids.failures]
    assert not any("check raised" in m for m in messages), messages
    assert any("ballot id already used" in m for m in messages), messages
