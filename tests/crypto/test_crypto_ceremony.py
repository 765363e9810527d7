"""Key ceremony aborts, share complaints, confirmations and threshold decryption."""

from __future__ import annotations

import itertools

import attrs
import pytest
from crypto_testkit import MANIFEST, build_election, drbg
from urna.crypto.ballot import encrypt_ballot, initial_code
from urna.crypto.ceremony import (
    Complaint,
    EncryptedShare,
    GuardianPublicKey,
    Verdict,
    generate_guardian,
    judge_complaint,
    make_shares,
    receive_share,
    resolve_complaint,
)
from urna.crypto.election import (
    Election,
    confirm_ceremony,
    make_election,
    verify_ceremony_confirmation,
)
from urna.crypto.errors import CeremonyError, DecryptionError, SchemaError, ShareError
from urna.crypto.group import BASE, IDENTITY, Scalar
from urna.crypto.manifest import ContestDescription, ElectionParameters, Manifest
from urna.crypto.schnorr import SchnorrProof
from urna.crypto.signing import SigningKey
from urna.crypto.tally import (
    EncryptedTally,
    PartialDecryption,
    TallyResult,
    TallyShare,
    combine_tally_shares,
    decrypt_tally_share,
    tally_ballots,
    verify_tally_result,
    verify_tally_share,
)

SMALL = Manifest.create((ContestDescription.create("q", 1, ("yes", "no", "abstain")),))
PARAMS = ElectionParameters.create("ceremony", 3, 2, SMALL)
PH = PARAMS.parameters_hash()


@pytest.fixture(scope="module")
def guardians() -> list:  # type: ignore[type-arg]
    rand = drbg("ceremony")
    return [generate_guardian(i, 2, PH, rand) for i in (1, 2, 3)]


def keys(gs: list) -> list[GuardianPublicKey]:  # type: ignore[type-arg]
    return [g.public_key for g in gs]


def test_honest_ceremony(guardians: list) -> None:  # type: ignore[type-arg]
    election = make_election(PARAMS, keys(guardians))
    assert election.joint_key == sum(
        (g.public_key.commitments[0] for g in guardians), start=IDENTITY
    )
    h_c = bytes(range(32))
    for g in guardians:
        verify_ceremony_confirmation(election, g.guardian_id, confirm_ceremony(g, h_c), h_c)
    with pytest.raises(CeremonyError, match=r"guardian\.confirmation"):
        verify_ceremony_confirmation(election, 1, confirm_ceremony(guardians[1], h_c), h_c)
    with pytest.raises(CeremonyError, match=r"guardian\.confirmation"):
        verify_ceremony_confirmation(election, 1, confirm_ceremony(guardians[0], h_c), bytes(32))
    assert Election.from_json(election.to_json()) == election
    assert "coefficients" not in repr(guardians[0])
    assert "<hidden>" in repr(guardians[0])


def test_abort_on_bad_proof_of_possession(guardians: list) -> None:  # type: ignore[type-arg]
    ks = keys(guardians)
    p = ks[1].proofs[1]
    bad = attrs.evolve(
        ks[1], proofs=(ks[1].proofs[0], SchnorrProof(p.challenge, p.response + Scalar.from_int(1)))
    )
    with pytest.raises(CeremonyError, match=r"guardian\.proof") as info:
        make_election(PARAMS, [ks[0], bad, ks[2]])
    assert "guardian 2" in str(info.value)
    # a proof made for another election's parameters does not verify here
    other = generate_guardian(2, 2, bytes(32), drbg("other"))
    with pytest.raises(CeremonyError, match=r"guardian\.proof"):
        make_election(PARAMS, [ks[0], other.public_key, ks[2]])
    # proofs swapped between coefficients are bound to their index
    swapped = attrs.evolve(ks[1], proofs=ks[1].proofs[::-1])
    with pytest.raises(CeremonyError, match=r"guardian\.proof"):
        make_election(PARAMS, [ks[0], swapped, ks[2]])


def test_abort_on_guardian_id_zero(guardians: list) -> None:  # type: ignore[type-arg]
    ks = keys(guardians)
    zero = attrs.evolve(ks[2], guardian_id=0)
    with pytest.raises(CeremonyError, match=r"guardian\.id"):
        make_election(PARAMS, [ks[0], ks[1], zero])
    with pytest.raises(ValueError, match="guardian id"):
        generate_guardian(0, 2, PH, drbg("x"))
    with pytest.raises(SchemaError):
        EncryptedShare.from_json({**_share_json(), "sender": 0})


def _share_json() -> dict:  # type: ignore[type-arg]
    return {
        "sender": 1,
        "recipient": 2,
        "ephemeral_key": "00" * 32,
        "nonce": "00" * 24,
        "ciphertext": "00" * 48,
        "signature": "00" * 64,
    }


def test_abort_on_duplicate_id(guardians: list) -> None:  # type: ignore[type-arg]
    ks = keys(guardians)
    with pytest.raises(CeremonyError, match=r"guardian\.id.*duplicate"):
        make_election(PARAMS, [ks[0], ks[1], ks[1]])
    twin = generate_guardian(2, 2, PH, drbg("twin"))  # a different guardian claiming id 2
    with pytest.raises(CeremonyError, match=r"guardian\.id"):
        make_election(PARAMS, [ks[0], ks[1], twin.public_key])


def test_abort_on_invalid_commitment(guardians: list) -> None:  # type: ignore[type-arg]
    ks = keys(guardians)
    for commitments in [
        (IDENTITY, ks[1].commitments[1]),  # identity
        (ks[1].commitments[0] + BASE, ks[1].commitments[1]),  # not the proven value
        (ks[1].commitments[0],),  # too few
        (*ks[1].commitments, BASE),  # too many
    ]:
        bad = attrs.evolve(ks[1], commitments=commitments)
        with pytest.raises(CeremonyError, match=r"guardian\.(commitment|proof)"):
            make_election(PARAMS, [ks[0], bad, ks[2]])
    # a non-canonical or mixed-order commitment never decodes
    data = ks[1].to_json()
    data["commitments"][0] = "ee" + "ff" * 30 + "7f"
    with pytest.raises(SchemaError.__mro__[1]):  # DecodeError
        GuardianPublicKey.from_json(data, 2)


def test_abort_on_wrong_count(guardians: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(CeremonyError, match=r"ceremony\.count"):
        make_election(PARAMS, keys(guardians)[:2])


def test_bad_share_gives_a_complaint_that_anyone_can_judge(guardians: list) -> None:  # type: ignore[type-arg]
    g1, g2, _ = guardians
    rand = drbg("bad-share")
    (good,) = [s for s in make_shares(g1, keys(guardians), PH, rand) if s.recipient == 2]
    assert receive_share(g2, g1.public_key, good, PH) == g1.evaluate(2)

    # the dealer encrypts a wrong value (and signs it): proven fault
    wrong_dealer = attrs.evolve(
        g1, coefficients=(g1.coefficients[0] + Scalar.from_int(1), g1.coefficients[1])
    )
    (bad,) = [s for s in make_shares(wrong_dealer, keys(guardians), PH, rand) if s.recipient == 2]
    with pytest.raises(ShareError, match=r"share\.mismatch") as info:
        receive_share(g2, g1.public_key, bad, PH)
    complaint = info.value.complaint
    assert isinstance(complaint, Complaint)
    complaint = Complaint.from_json(complaint.to_json())
    assert judge_complaint(complaint, g1.public_key, PH) is Verdict.SENDER_AT_FAULT
    with pytest.raises(CeremonyError, match=r"share\.reveal"):
        resolve_complaint(complaint, g1.public_key, wrong_dealer.evaluate(2))

    # a complaint against a correct share is unfounded
    unfounded = Complaint(1, 2, good, complaint.revealed_key, "mismatch")
    with pytest.raises(CeremonyError, match=r"complaint\.unfounded"):
        judge_complaint(_with_key(unfounded, g2, good), g1.public_key, PH)

    # garbage that does not decrypt: the sender must reveal; a correct reveal settles it
    garbage = attrs.evolve(good, ciphertext=bytes(48))
    garbage = attrs.evolve(garbage, signature=g1.signing_key.sign(garbage.signed_bytes(PH)))
    with pytest.raises(ShareError, match=r"share\.undecryptable") as info:
        receive_share(g2, g1.public_key, garbage, PH)
    c2 = info.value.complaint
    assert isinstance(c2, Complaint)
    assert judge_complaint(c2, g1.public_key, PH) is Verdict.SENDER_MUST_REVEAL
    assert resolve_complaint(c2, g1.public_key, g1.evaluate(2)) == g1.evaluate(2)

    # an unsigned (forged) share is not evidence against the sender
    forged = attrs.evolve(good, signature=bytes(64))
    with pytest.raises(ShareError, match=r"share\.signature") as info:
        receive_share(g2, g1.public_key, forged, PH)
    assert info.value.complaint is None
    with pytest.raises(CeremonyError, match=r"complaint\.unfounded"):
        judge_complaint(Complaint(1, 2, forged, bytes(32), "mismatch"), g1.public_key, PH)


def _with_key(c: Complaint, recipient, share: EncryptedShare) -> Complaint:  # type: ignore[no-untyped-def]
    import nacl.bindings

    key = nacl.bindings.crypto_box_beforenm(share.ephemeral_key, recipient.box_secret)
    return attrs.evolve(c, revealed_key=key)


# ---- threshold decryption --------------------------------------------------------


@pytest.mark.parametrize(("k", "n"), [(1, 1), (2, 3), (3, 5), (5, 9)])
def test_every_k_subset_decrypts_the_same_tally(k: int, n: int) -> None:
    manifest = Manifest.create((ContestDescription.create("q", 1, ("yes", "no")),))
    election, _, key_shares = build_election(n, k, manifest, seed=f"threshold-{k}-{n}")
    rand = drbg(f"ballots-{k}-{n}")
    voter = SigningKey.generate(rand)
    code = initial_code(election.election_hash, "d")
    ballots = []
    for choice in ["yes", "no", "yes", None, "yes"]:
        b, _ = encrypt_ballot(
            election, {"q": [choice] if choice else []}, "d", voter.verify_key, code, rand
        )
        code = b.confirmation_code()
        ballots.append(b)
    tally = tally_ballots(election, ballots)
    shares = [decrypt_tally_share(key_shares[i], election, tally, rand) for i in range(1, n + 1)]
    results = {
        combine_tally_shares(election, tally, list(subset))
        for subset in itertools.combinations(shares, k)
    }
    assert len(results) == 1
    (result,) = results
    assert [c for _, _, c in result.counts] == [3, 1]
    assert result.ballot_count == 5
    verify_tally_result(result, election, tally, shares[:k])
    assert TallyResult.from_json(result.to_json()) == result
    if k > 1:
        with pytest.raises(DecryptionError, match=r"decryption\.quorum"):
            combine_tally_shares(election, tally, shares[: k - 1])


def test_corrupted_partial_is_attributed(election_2_of_3) -> None:  # type: ignore[no-untyped-def]
    election, _, key_shares = election_2_of_3
    rand = drbg("corrupt")
    voter = SigningKey.generate(rand)
    b, _ = encrypt_ballot(
        election,
        {"president": ["bob"]},
        "x",
        voter.verify_key,
        initial_code(election.election_hash, "x"),
        rand,
    )
    tally = tally_ballots(election, [b])
    s1, s2, s3 = (decrypt_tally_share(key_shares[i], election, tally, rand) for i in (1, 2, 3))
    p = s2.partials[1]
    bad = attrs.evolve(
        s2, partials=(s2.partials[0], PartialDecryption(p.share + BASE, p.proof), *s2.partials[2:])
    )
    with pytest.raises(DecryptionError, match=r"decryption\.proof") as info:
        combine_tally_shares(election, tally, [s1, bad])
    assert info.value.where.startswith("guardian 2")
    assert "selection bob" in info.value.where
    assert info.value.check == "decryption.proof"
    # a share from one guardian claimed as another's
    with pytest.raises(DecryptionError, match=r"decryption\.proof"):
        verify_tally_share(attrs.evolve(s3, guardian_id=1), election, tally)
    # the other two still decrypt
    result = combine_tally_shares(election, tally, [s1, s3])
    assert ("president", "bob", 1) in result.counts
    assert TallyShare.from_json(s1.to_json()) == s1
    assert EncryptedTally.from_json(tally.to_json()) == tally
    # a published result that is not the decryption
    forged = attrs.evolve(
        result,
        counts=tuple((c, s, 1 - n if s in ("bob", "alice") else n) for c, s, n in result.counts),
    )
    with pytest.raises(DecryptionError, match=r"result\.mismatch"):
        verify_tally_result(forged, election, tally, [s1, s3])


def test_zero_tally_decrypts_to_zero(election_2_of_3) -> None:  # type: ignore[no-untyped-def]
    election, _, key_shares = election_2_of_3
    tally = tally_ballots(election, [])
    shares = [decrypt_tally_share(key_shares[i], election, tally, drbg("z")) for i in (1, 3)]
    result = combine_tally_shares(election, tally, shares)
    assert all(n == 0 for _, _, n in result.counts)
    assert result.ballot_count == 0


def test_manifest_of_test_fixture_is_used() -> None:
    assert MANIFEST.contests[0].contest_id == "president"
