"""Ballots: encrypt, verify, every single change rejected, chains, challenges, strict JSON."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import attrs
import pytest
from crypto_testkit import MANIFEST, drbg
from hypothesis import given, settings
from hypothesis import strategies as st
from urna.crypto.ballot import (
    ChallengedBallot,
    EncryptedBallot,
    SignedBallot,
    challenge_ballot,
    check_chain,
    encrypt_ballot,
    initial_code,
    sign_ballot,
    verify_ballot,
    verify_challenged_ballot,
    verify_signed_ballot,
)
from urna.crypto.disjunctive import DisjunctiveProof
from urna.crypto.elgamal import Ciphertext
from urna.crypto.errors import BallotError, DecodeError, KeyRejectedError, ProofError, SchemaError
from urna.crypto.group import BASE, Scalar
from urna.crypto.signing import SigningKey
from urna.crypto.tally import combine_tally_shares, decrypt_tally_share, tally_ballots

ONE = Scalar.from_int(1)
CHOICES = {"president": ["bob"], "referendum": [], "council": ["ann", "cat"]}


@pytest.fixture(scope="module")
def cast(election_2_of_3, voter, device_code):  # type: ignore[no-untyped-def]
    election = election_2_of_3[0]
    ballot, secrets = encrypt_ballot(
        election, CHOICES, "booth-1", voter.verify_key, device_code, drbg("cast")
    )
    return election, ballot, secrets


def test_encrypt_verify_sign(cast, voter) -> None:  # type: ignore[no-untyped-def]
    election, ballot, _ = cast
    verify_ballot(ballot, election)
    signed = sign_ballot(ballot, voter)
    verify_signed_ballot(signed, election)
    assert SignedBallot.from_json(json.loads(json.dumps(signed.to_json()))) == signed
    assert len(ballot.ballot_id) == 16
    other = SigningKey.from_seed(bytes(32))
    with pytest.raises(BallotError, match=r"ballot\.signature"):
        verify_signed_ballot(SignedBallot(ballot, other.sign(ballot.signing_bytes())), election)
    with pytest.raises(ValueError, match="credential"):
        sign_ballot(ballot, other)


def test_ids_are_unique_and_unpredictable(election_2_of_3, voter, device_code) -> None:  # type: ignore[no-untyped-def]
    election = election_2_of_3[0]
    rand = drbg("ids")
    ids = {
        encrypt_ballot(election, {}, "booth-1", voter.verify_key, device_code, rand)[0].ballot_id
        for _ in range(5)
    }
    assert len(ids) == 5


def _mutations(ballot: EncryptedBallot) -> list[tuple[str, EncryptedBallot]]:
    """Every single-field change of one ballot, with the name of what changed."""
    out = []
    c0 = ballot.contests[0]
    s0 = c0.selections[0]

    def with_selection(sel: Any) -> EncryptedBallot:
        contest = attrs.evolve(c0, selections=(sel, *c0.selections[1:]))
        return attrs.evolve(ballot, contests=(contest, *ballot.contests[1:]))

    def with_contest_proof(proof: DisjunctiveProof) -> EncryptedBallot:
        return attrs.evolve(ballot, contests=(attrs.evolve(c0, proof=proof), *ballot.contests[1:]))

    ct = s0.ciphertext
    out.append(
        ("alpha", with_selection(attrs.evolve(s0, ciphertext=Ciphertext(ct.alpha + BASE, ct.beta))))
    )
    out.append(
        ("beta", with_selection(attrs.evolve(s0, ciphertext=Ciphertext(ct.alpha, ct.beta + BASE))))
    )
    for i in range(2):
        cs = list(s0.proof.challenges)
        cs[i] += ONE
        out.append(
            (
                f"challenge {i}",
                with_selection(
                    attrs.evolve(s0, proof=DisjunctiveProof(tuple(cs), s0.proof.responses))
                ),
            )
        )
        vs = list(s0.proof.responses)
        vs[i] += ONE
        out.append(
            (
                f"response {i}",
                with_selection(
                    attrs.evolve(s0, proof=DisjunctiveProof(s0.proof.challenges, tuple(vs)))
                ),
            )
        )
        cs = list(c0.proof.challenges)
        cs[i] += ONE
        out.append(
            (
                f"contest challenge {i}",
                with_contest_proof(DisjunctiveProof(tuple(cs), c0.proof.responses)),
            )
        )
        vs = list(c0.proof.responses)
        vs[i] += ONE
        out.append(
            (
                f"contest response {i}",
                with_contest_proof(DisjunctiveProof(c0.proof.challenges, tuple(vs))),
            )
        )
    # transplant: selection 0's ciphertext and proof moved to selection 1's place
    s1 = c0.selections[1]
    swapped = attrs.evolve(s1, ciphertext=s0.ciphertext, proof=s0.proof)
    contest = attrs.evolve(c0, selections=(s0, swapped, *c0.selections[2:]))
    out.append(
        ("transplanted selection", attrs.evolve(ballot, contests=(contest, *ballot.contests[1:])))
    )
    out.append(("ballot id", attrs.evolve(ballot, ballot_id=bytes(16))))
    other = SigningKey.from_seed(b"\x07" * 32).verify_key
    out.append(("credential", attrs.evolve(ballot, credential=other)))
    return out


def test_every_single_change_is_rejected(cast) -> None:  # type: ignore[no-untyped-def]
    election, ballot, _ = cast
    mutations = _mutations(ballot)
    assert len(mutations) == 13
    for name, bad in mutations:
        with pytest.raises(ProofError, match=r"(selection|contest)\.proof"):
            verify_ballot(bad, election)
        assert name


def test_other_election_contest_selection_are_rejected(cast) -> None:  # type: ignore[no-untyped-def]
    election, ballot, _ = cast
    with pytest.raises(BallotError, match=r"ballot\.election"):
        verify_ballot(attrs.evolve(ballot, election_hash=bytes(32)), election)
    # an election that differs only in its base hash: every proof binds it
    other = attrs.evolve(election, election_hash=bytes(32))
    with pytest.raises(ProofError, match=r"selection\.proof"):
        verify_ballot(attrs.evolve(ballot, election_hash=bytes(32)), other)
    # another key (another election's guardians)
    other_key = attrs.evolve(election, joint_key=election.joint_key + BASE)
    with pytest.raises(ProofError):
        verify_ballot(ballot, other_key)
    c0 = ballot.contests[0]
    renamed = attrs.evolve(c0, contest_id="referendum")
    with pytest.raises(BallotError, match=r"ballot\.contests"):
        verify_ballot(attrs.evolve(ballot, contests=(renamed, *ballot.contests[1:])), election)
    # contest id bound in the proofs: a manifest where contests are renamed
    m = election.parameters.manifest
    renamed_manifest = attrs.evolve(
        m, contests=(attrs.evolve(m.contests[0], contest_id="pres"), *m.contests[1:])
    )
    renamed_election = attrs.evolve(
        election, parameters=attrs.evolve(election.parameters, manifest=renamed_manifest)
    )
    with pytest.raises(ProofError, match=r"selection\.proof"):
        verify_ballot(
            attrs.evolve(
                ballot, contests=(attrs.evolve(c0, contest_id="pres"), *ballot.contests[1:])
            ),
            renamed_election,
        )
    # selection id bound: swap the ids of two options in both manifest and ballot
    opts = m.contests[0].options
    swapped_opts = (opts[1], opts[0], *opts[2:])
    m2 = attrs.evolve(
        m, contests=(attrs.evolve(m.contests[0], options=swapped_opts), *m.contests[1:])
    )
    e2 = attrs.evolve(election, parameters=attrs.evolve(election.parameters, manifest=m2))
    sels = (
        attrs.evolve(c0.selections[0], selection_id=opts[1]),
        attrs.evolve(c0.selections[1], selection_id=opts[0]),
        *c0.selections[2:],
    )
    with pytest.raises(ProofError, match=r"selection\.proof"):
        verify_ballot(
            attrs.evolve(
                ballot, contests=(attrs.evolve(c0, selections=sels), *ballot.contests[1:])
            ),
            e2,
        )
    # missing and duplicate selections
    with pytest.raises(BallotError, match=r"ballot\.selections"):
        verify_ballot(
            attrs.evolve(
                ballot,
                contests=(attrs.evolve(c0, selections=c0.selections[:-1]), *ballot.contests[1:]),
            ),
            election,
        )
    with pytest.raises(BallotError, match=r"ballot\.selections"):
        verify_ballot(
            attrs.evolve(
                ballot,
                contests=(
                    attrs.evolve(c0, selections=(*c0.selections[:-1], c0.selections[0])),
                    *ballot.contests[1:],
                ),
            ),
            election,
        )
    with pytest.raises(BallotError, match=r"ballot\.contests"):
        verify_ballot(attrs.evolve(ballot, contests=ballot.contests[:-1]), election)


def test_overvote_cannot_be_proven(cast) -> None:  # type: ignore[no-untyped-def]
    election, ballot, _ = cast
    # An honest encryptor refuses; a dishonest one cannot prove a sum of 2 in 0..1
    # (test_an_encryption_of_2_cannot_be_proven_0_or_1), nor move proofs (ids are bound).
    with pytest.raises(ValueError, match="more than 1"):
        encrypt_ballot(
            election,
            {"president": ["alice", "bob"]},
            "booth-1",
            ballot.credential,
            bytes(32),
            drbg("o"),
        )
    with pytest.raises(ValueError, match="twice"):
        encrypt_ballot(
            election,
            {"council": ["ann", "ann"]},
            "booth-1",
            ballot.credential,
            bytes(32),
            drbg("o"),
        )
    with pytest.raises(ValueError, match="unknown"):
        encrypt_ballot(
            election, {"council": ["zed"]}, "booth-1", ballot.credential, bytes(32), drbg("o")
        )
    with pytest.raises(ValueError, match="unknown contests"):
        encrypt_ballot(election, {"nope": []}, "booth-1", ballot.credential, bytes(32), drbg("o"))


def test_chain_and_codes(election_2_of_3, voter) -> None:  # type: ignore[no-untyped-def]
    election = election_2_of_3[0]
    rand = drbg("chain")
    code = initial_code(election.election_hash, "booth-9")
    ballots = []
    for _ in range(3):
        b, _ = encrypt_ballot(election, {}, "booth-9", voter.verify_key, code, rand)
        code = b.confirmation_code()
        ballots.append(b)
    assert check_chain(ballots, election.election_hash, "booth-9") == code
    with pytest.raises(BallotError, match=r"ballot\.chain"):
        check_chain([ballots[0], ballots[2]], election.election_hash, "booth-9")
    with pytest.raises(BallotError, match=r"ballot\.chain"):
        check_chain(ballots, election.election_hash, "booth-8")
    assert len({b.confirmation_code() for b in ballots}) == 3


def test_benaloh_challenge(cast) -> None:  # type: ignore[no-untyped-def]
    election, ballot, secrets = cast
    assert "<hidden>" in repr(secrets)
    challenged = challenge_ballot(ballot, secrets)
    again = ChallengedBallot.from_json(json.loads(json.dumps(challenged.to_json())))
    assert verify_challenged_ballot(again, election) == {
        "president": ("bob",),
        "referendum": (),
        "council": ("ann", "cat"),
    }
    votes = [list(c) for c in challenged.reveal]
    vote, nonce = votes[0][0]
    votes[0][0] = (vote, nonce + ONE)
    lying = attrs.evolve(challenged, reveal=tuple(tuple(c) for c in votes))
    with pytest.raises(BallotError, match=r"challenge\.reveal"):
        verify_challenged_ballot(lying, election)
    votes[0][0] = (1 - vote, nonce)
    with pytest.raises(BallotError, match=r"challenge\.reveal"):
        verify_challenged_ballot(
            attrs.evolve(challenged, reveal=tuple(tuple(c) for c in votes)), election
        )


@settings(max_examples=6, deadline=None)
@given(
    picks=st.lists(
        st.tuples(
            st.sampled_from([[], ["alice"], ["dave"]]),
            st.sampled_from([[], ["ann"], ["ben", "cat"]]),
        ),
        min_size=0,
        max_size=4,
    )
)
def test_tally_of_verified_ballots_matches_the_votes(election_2_of_3, voter, picks) -> None:  # type: ignore[no-untyped-def]
    election, _, key_shares = election_2_of_3
    rand = drbg(repr(picks))
    code = initial_code(election.election_hash, "h")
    ballots = []
    for president, council in picks:
        b, _ = encrypt_ballot(
            election,
            {"president": president, "council": council},
            "h",
            voter.verify_key,
            code,
            rand,
        )
        verify_ballot(b, election)
        code = b.confirmation_code()
        ballots.append(b)
    tally = tally_ballots(election, ballots)
    shares = [decrypt_tally_share(key_shares[i], election, tally, rand) for i in (2, 3)]
    result = {(c, s): n for c, s, n in combine_tally_shares(election, tally, shares).counts}
    for c in MANIFEST.contests:
        for o in c.options:
            expected = sum(o in (p + q) for p, q in picks)
            assert result[(c.contest_id, o)] == expected


def test_replay_and_duplicate_ids_are_not_tallied_twice(cast) -> None:  # type: ignore[no-untyped-def]
    election, ballot, _ = cast
    with pytest.raises(BallotError, match=r"ballot\.duplicate"):
        tally_ballots(election, [ballot, ballot])


# ---- strict JSON -------------------------------------------------------------------


def _bad_forms(good: dict[str, Any]) -> list[tuple[str, Any]]:
    sel = lambda d: d["contests"][0]["selections"][0]  # noqa: E731
    out: list[tuple[str, Any]] = []

    def mutate(name: str, f: Any) -> None:
        d = copy.deepcopy(good)
        f(d)
        out.append((name, d))

    mutate("extra key", lambda d: d.update(extra=1))
    mutate("missing key", lambda d: d.pop("device_id"))
    mutate("extra nested key", lambda d: sel(d).update(x="1"))
    mutate("missing nested key", lambda d: sel(d)["ciphertext"].pop("beta"))
    mutate("uppercase hex", lambda d: d.update(ballot_id=d["ballot_id"].upper()))
    mutate("short id", lambda d: d.update(ballot_id=d["ballot_id"][:-2]))
    mutate("long id", lambda d: d.update(ballot_id=d["ballot_id"] + "00"))
    mutate("int as hex", lambda d: d.update(ballot_id=5))
    mutate("bool", lambda d: sel(d)["proof"].update(challenges=[True, False]))
    mutate("float", lambda d: sel(d)["ciphertext"].update(alpha=1.0))
    mutate("nan", lambda d: sel(d)["ciphertext"].update(alpha=math.nan))
    mutate("null", lambda d: d.update(previous_code=None))
    mutate(
        "three branches",
        lambda d: sel(d)["proof"]["challenges"].append(sel(d)["proof"]["challenges"][0]),
    )
    mutate("oversized selections", lambda d: d["contests"][0].update(selections=[sel(d)] * 100))
    mutate("oversized contests", lambda d: d.update(contests=d["contests"] * 100))
    mutate("empty contests", lambda d: d.update(contests=[]))
    mutate("bad device id", lambda d: d.update(device_id="Booth 1"))
    mutate("non-string id", lambda d: d["contests"][0].update(contest_id=7))
    mutate("version", lambda d: d.update(version="urna/v2"))
    mutate("scalar >= L", lambda d: sel(d)["proof"]["responses"].__setitem__(0, "ff" * 32))
    mutate("identity credential", lambda d: d.update(credential="01" + "00" * 31))
    mutate(
        "small-order alpha", lambda d: sel(d)["ciphertext"].update(alpha="ec" + "ff" * 30 + "7f")
    )
    mutate(
        "non-canonical beta", lambda d: sel(d)["ciphertext"].update(beta="ee" + "ff" * 30 + "7f")
    )
    mutate("list instead of object", lambda d: d["contests"].__setitem__(0, []))
    return out


def test_from_json_is_strict(cast) -> None:  # type: ignore[no-untyped-def]
    _, ballot, _ = cast
    good = ballot.to_json()
    assert EncryptedBallot.from_json(copy.deepcopy(good)) == ballot
    forms = _bad_forms(good)
    for name, bad in forms:
        try:
            EncryptedBallot.from_json(bad)
        except DecodeError:
            pass
        else:
            pytest.fail(f"{name} was accepted")
    assert len(forms) == 24
    with pytest.raises(KeyRejectedError):
        EncryptedBallot.from_json({**good, "credential": "01" + "00" * 31})
    with pytest.raises(SchemaError):
        EncryptedBallot.from_json([good])
