"""The known-answer vectors regenerate byte for byte, and every one of them verifies.

If this fails after an intended change of the cryptography or encodings,
update ``docs/spec.md`` and regenerate (command in ``crypto_vectors.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import crypto_vectors
from urna.crypto.ballot import (
    ChallengedBallot,
    SignedBallot,
    check_chain,
    verify_challenged_ballot,
    verify_signed_ballot,
)
from urna.crypto.ceremony import EncryptedShare
from urna.crypto.election import Election, ceremony_hash, verify_ceremony_confirmation
from urna.crypto.tally import EncryptedTally, TallyResult, TallyShare, verify_tally_result

FILE = Path(__file__).with_name("crypto_vectors.json")


def test_vectors_regenerate_exactly() -> None:
    assert crypto_vectors.dumps(crypto_vectors.generate()) == FILE.read_text()


def test_vectors_verify_from_their_json() -> None:
    data = json.loads(FILE.read_text())["election"]
    election = Election.from_json(data["election"])
    relayed = [EncryptedShare.from_json(e) for e in data["relayed_shares"]]
    h_c = ceremony_hash(election, relayed)
    assert h_c.hex() == data["ceremony_hash"]
    for gid, sig in data["confirmations"].items():
        verify_ceremony_confirmation(election, int(gid), bytes.fromhex(sig), h_c)
    ballots = []
    for item in data["ballots"]:
        signed = SignedBallot.from_json(item["signed"])
        verify_signed_ballot(signed, election)
        assert signed.ballot.digest().hex() == item["digest"]
        assert signed.ballot.confirmation_code().hex() == item["confirmation_code"]
        ballots.append(signed.ballot)
    check_chain(ballots, election.election_hash, "booth-1")
    assert verify_challenged_ballot(ChallengedBallot.from_json(data["challenged"]), election) == {
        "mayor": ("carol",),
        "question-1": (),
    }
    tally = EncryptedTally.from_json(data["tally"])
    shares = [TallyShare.from_json(s) for s in data["tally_shares"]]
    result = TallyResult.from_json(data["result"])
    verify_tally_result(result, election, tally, shares)
    counts = {(c, s): n for c, s, n in result.counts}
    assert counts[("mayor", "bob")] == 1
    assert counts[("question-1", "yes")] == 3
