"""Known-answer vectors for urna.crypto, generated from fixed seeds.

Regenerate (after a deliberate change of the spec, never to make a test pass):

    /work/venv/bin/python tests/vectors/crypto_vectors.py > tests/vectors/crypto_vectors.json

Randomness comes from the test DRBG of ``docs/spec.md`` ("Known-answer
vectors"): the byte stream ``BLAKE2b-512(seed || counter, person="urna.test-drbg")``
for counter = 0, 1, 2, ... (8 bytes big-endian), read in order. A second
implementation that follows the spec and consumes randomness in the same
order reproduces every value here.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from urna.crypto.ballot import challenge_ballot, encrypt_ballot, initial_code, sign_ballot
from urna.crypto.chaum_pedersen import prove_decryption
from urna.crypto.disjunctive import prove_disjunctive_from_parts
from urna.crypto.elgamal import encrypt
from urna.crypto.group import BASE, Point, Scalar
from urna.crypto.manifest import ContestDescription, ElectionParameters, Manifest
from urna.crypto.schnorr import prove_possession
from urna.crypto.signing import SigningKey
from urna.crypto.tally import combine_tally_shares, decrypt_tally_share, tally_ballots
from urna.crypto.transcript import Transcript
from urna.testing import drbg, honest_ceremony


def s(n: int) -> Scalar:
    return Scalar.from_int(n)


def group_vectors() -> dict[str, Any]:
    return {
        "base_mul": [
            {"scalar": s(n).hex(), "point": Point.base_mul(s(n)).hex()}
            for n in (0, 1, 2, 8, 2**128 + 7)
        ],
        "hash_to_scalar": [
            {"input": b.hex(), "scalar": Scalar.from_hash(b).hex()}
            for b in (bytes(64), b"\xff" * 64, bytes(range(64)))
        ],
    }


def transcript_vectors() -> dict[str, Any]:
    t = Transcript("kat")
    t.add_bytes("bytes", b"\x00\x01").add_text("text", "añ").add_int("int", 7)
    t.add_point("point", BASE).add_scalar("scalar", s(5))
    return {
        "encoded": t.encoded().hex(),
        "challenge": t.challenge().hex(),
        "digest_urna.kat": t.digest(b"urna.kat").hex(),
    }


def proof_vectors() -> dict[str, Any]:
    secret = s(0xC0FFEE)
    key = Point.base_mul(secret)
    ctx = Transcript("kat-proof").add_text("context", "vectors")
    nonce = s(424242)
    out: dict[str, Any] = {"secret": secret.hex(), "key": key.hex(), "nonce": nonce.hex()}
    out["elgamal"] = [{"m": m, "ciphertext": encrypt(m, nonce, key).to_json()} for m in (0, 1, 5)]
    out["schnorr"] = prove_possession(secret, key, ctx, drbg("schnorr")).to_json()
    ct = encrypt(1, nonce, key)
    out["disjunctive_0_1"] = prove_disjunctive_from_parts(
        ct, 1, nonce, key, 1, ctx, {0: (s(11), s(12))}, s(13)
    ).to_json()
    ct3 = encrypt(2, nonce, key)
    out["disjunctive_0_3"] = prove_disjunctive_from_parts(
        ct3, 2, nonce, key, 3, ctx, {0: (s(21), s(22)), 1: (s(23), s(24)), 3: (s(25), s(26))}, s(27)
    ).to_json()
    partial = ct.alpha * secret
    out["chaum_pedersen"] = {
        "partial": partial.hex(),
        "proof": prove_decryption(secret, key, ct, partial, ctx, drbg("cp")).to_json(),
    }
    return out


def election_vectors() -> dict[str, Any]:
    rand = drbg("election")
    manifest = Manifest.create(
        (
            ContestDescription.create("mayor", 1, ("alice", "bob", "carol", "dave")),
            ContestDescription.create("question-1", 1, ("yes", "no", "abstain")),
        )
    )
    params = ElectionParameters.create("kat-election", 3, 2, manifest)
    ph = params.parameters_hash()
    ceremony = honest_ceremony(params, rand)
    election, guardians, sent = ceremony.election, ceremony.guardians, ceremony.sent
    key_shares = ceremony.key_shares
    voter = SigningKey.generate(rand)
    code = initial_code(election.election_hash, "booth-1")
    cast = []
    for choice in (["bob"], ["alice"], []):
        ballot, _ = encrypt_ballot(
            election,
            {"mayor": choice, "question-1": ["yes"]},
            "booth-1",
            voter.verify_key,
            code,
            rand,
        )
        code = ballot.confirmation_code()
        cast.append(ballot)
    spoiled, secrets = encrypt_ballot(
        election, {"mayor": ["carol"]}, "booth-1", voter.verify_key, code, rand
    )
    tally = tally_ballots(election, cast)
    shares = [decrypt_tally_share(key_shares[i], election, tally, rand) for i in (1, 3)]
    result = combine_tally_shares(election, tally, shares)
    return {
        "parameters_hash": ph.hex(),
        "election": election.to_json(),
        "shares_from_1": [e.to_json() for e in sent[1]],
        "relayed_shares": [e.to_json() for e in ceremony.relayed],
        "ceremony_hash": ceremony.ceremony_hash.hex(),
        "confirmations": {
            str(g.guardian_id): ceremony.confirmation(g.guardian_id).hex() for g in guardians
        },
        "chain_start": initial_code(election.election_hash, "booth-1").hex(),
        "ballots": [
            {
                "signed": sign_ballot(b, voter).to_json(),
                "digest": b.digest().hex(),
                "confirmation_code": b.confirmation_code().hex(),
            }
            for b in cast
        ],
        "challenged": challenge_ballot(spoiled, secrets).to_json(),
        "tally": tally.to_json(),
        "tally_shares": [sh.to_json() for sh in shares],
        "result": result.to_json(),
    }


def generate() -> dict[str, Any]:
    return {
        "version": "urna/v1",
        "drbg": "BLAKE2b-512(seed || counter_be64, person='urna.test-drbg'), read in order",
        "group": group_vectors(),
        "transcript": transcript_vectors(),
        "proofs": proof_vectors(),
        "election": election_vectors(),
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(dumps(generate()))
