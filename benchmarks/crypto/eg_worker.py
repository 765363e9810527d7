"""ElectionGuard 1.4.0 side of the side-by-side benchmark (runs in its own Python 3.10 venv).

Same ballot shape as Urna's benchmark: one contest, 4 candidates, vote for 1.
Prints one JSON object: best and median seconds for encrypt (with proofs,
without EG's optional self-check) and for verifying the ballot's proofs
(``CiphertextBallot.is_valid_encryption``), plus the JSON size of one ballot.
"""

import json
import logging
import statistics
import sys
import time
from datetime import datetime

from electionguard.ballot import PlaintextBallot, PlaintextBallotContest
from electionguard.election import make_ciphertext_election_context
from electionguard.elgamal import elgamal_keypair_from_secret
from electionguard.encrypt import encrypt_ballot, selection_from
from electionguard.group import TWO_MOD_Q, int_to_q
from electionguard.manifest import (
    BallotStyle,
    Candidate,
    CandidateContestDescription,
    ElectionType,
    GeopoliticalUnit,
    InternalManifest,
    Manifest,
    ReportingUnitType,
    SelectionDescription,
    SpecVersion,
    VoteVariationType,
)
from electionguard.serialize import to_raw

logging.disable(logging.CRITICAL)  # EG logs every encryption at INFO; that is not its crypto
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10


def build():
    style = BallotStyle("style-1")
    style.geopolitical_unit_ids = ["gp-1"]
    names = ["alice", "bob", "carol", "dave"]
    selections = [SelectionDescription(f"sel-{n}", i, f"cand-{n}") for i, n in enumerate(names)]
    contest = CandidateContestDescription(
        "mayor", 0, "gp-1", VoteVariationType.one_of_m, 1, 1, "Mayor", selections
    )
    manifest = Manifest(
        spec_version=SpecVersion.EG0_95,
        election_scope_id="bench",
        type=ElectionType.unknown,
        start_date=datetime(2026, 1, 1),
        end_date=datetime(2026, 1, 2),
        geopolitical_units=[GeopoliticalUnit("gp-1", "gp", ReportingUnitType.unknown)],
        parties=[],
        candidates=[Candidate(f"cand-{n}") for n in names],
        contests=[contest],
        ballot_styles=[style],
    )
    keypair = elgamal_keypair_from_secret(int_to_q(123456789))
    internal_manifest = InternalManifest(manifest)
    context = make_ciphertext_election_context(
        5, 3, keypair.public_key, TWO_MOD_Q, manifest.crypto_hash()
    )
    ballot = PlaintextBallot(
        "ballot-1",
        "style-1",
        [PlaintextBallotContest("mayor", [selection_from(selections[1], False, True)])],
    )
    return internal_manifest, context, ballot


def main():
    internal_manifest, context, ballot = build()
    seed = TWO_MOD_Q
    enc_times, ver_times = [], []
    encrypted = None
    for _ in range(ROUNDS):
        t = time.perf_counter()
        encrypted = encrypt_ballot(
            ballot, internal_manifest, context, seed, should_verify_proofs=False
        )
        enc_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        ok = encrypted.is_valid_encryption(
            internal_manifest.manifest_hash,
            context.elgamal_public_key,
            context.crypto_extended_base_hash,
        )
        ver_times.append(time.perf_counter() - t)
        assert ok, "ElectionGuard rejected its own ballot"
    print(
        json.dumps(
            {
                "encrypt_best": min(enc_times),
                "encrypt_median": statistics.median(enc_times),
                "verify_best": min(ver_times),
                "verify_median": statistics.median(ver_times),
                "ballot_json_bytes": len(to_raw(encrypted)),
                "rounds": ROUNDS,
            }
        )
    )


if __name__ == "__main__":
    main()
