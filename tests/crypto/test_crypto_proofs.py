"""ElGamal, dlog and the three proofs: completeness, soundness against tampering, edge cases."""

from __future__ import annotations

import pytest
from crypto_testkit import drbg
from hypothesis import given, settings
from hypothesis import strategies as st
from urna.crypto.chaum_pedersen import ChaumPedersenProof, prove_decryption, verify_decryption
from urna.crypto.disjunctive import (
    DisjunctiveProof,
    prove_disjunctive,
    prove_disjunctive_from_parts,
    verify_disjunctive,
)
from urna.crypto.dlog import DiscreteLog
from urna.crypto.elgamal import Ciphertext, encrypt
from urna.crypto.errors import DlogBoundError, ProofError
from urna.crypto.group import BASE, IDENTITY, L, Point, Scalar
from urna.crypto.schnorr import SchnorrProof, prove_possession, verify_possession
from urna.crypto.transcript import Transcript

ONE = Scalar.from_int(1)
ZERO = Scalar.from_int(0)
SECRET = Scalar.from_int(0x1234567890ABCDEF)
KEY = Point.base_mul(SECRET)
OTHER_KEY = Point.base_mul(Scalar.from_int(99))
DLOG = DiscreteLog(1000)


def tr(label: str = "ctx") -> Transcript:
    return Transcript("test").add_text("context", label)


# ---- ElGamal and dlog -----------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(votes=st.lists(st.integers(0, 50), min_size=1, max_size=6), seed=st.binary(max_size=8))
def test_encrypt_decrypt_round_trip_and_homomorphic_sums(votes: list[int], seed: bytes) -> None:
    rand = drbg(seed)
    total = Ciphertext.zero()
    for m in votes:
        ct = encrypt(m, Scalar.random(rand), KEY)
        assert DLOG.solve(ct.decrypt_point(SECRET)) == m
        total = total + ct
    assert DLOG.solve(total.decrypt_point(SECRET)) == sum(votes)


def test_zero_tally_and_zero_nonce() -> None:
    assert DLOG.solve(Ciphertext.zero().decrypt_point(SECRET)) == 0
    assert encrypt(0, ZERO, KEY) == Ciphertext.zero()
    assert DLOG.solve(encrypt(0, Scalar.from_int(5), KEY).decrypt_point(SECRET)) == 0


def test_dlog_is_bounded_and_reusable() -> None:
    solver = DiscreteLog(100)
    for m in (0, 1, 9, 10, 11, 99, 100):
        assert solver.solve(Point.base_mul(Scalar.from_int(m))) == m
    for m in (101, 102, 5000, L - 1):
        with pytest.raises(DlogBoundError):
            solver.solve(Point.base_mul(Scalar.from_int(m)))
    with pytest.raises(DlogBoundError):  # a random point, as from a corrupt ciphertext
        solver.solve(Point.base_mul(Scalar.from_int(2**200 + 3)))
    assert DiscreteLog(0).solve(IDENTITY) == 0


# ---- Schnorr proof of possession -----------------------------------------------


def test_schnorr_complete_and_bound() -> None:
    rand = drbg("schnorr")
    proof = prove_possession(SECRET, KEY, tr(), rand)
    verify_possession(proof, KEY, tr(), check="t")
    for bad_proof, key, t in [
        (SchnorrProof(proof.challenge + ONE, proof.response), KEY, tr()),
        (SchnorrProof(proof.challenge, proof.response + ONE), KEY, tr()),
        (proof, OTHER_KEY, tr()),
        (proof, KEY, tr("other")),
    ]:
        with pytest.raises(ProofError, match="t"):
            verify_possession(bad_proof, key, t, check="t")
    assert SchnorrProof.from_json(proof.to_json()) == proof


# ---- Chaum-Pedersen decryption proof -------------------------------------------


def test_chaum_pedersen_complete_and_bound() -> None:
    rand = drbg("cp")
    ct = encrypt(3, Scalar.random(rand), KEY)
    partial = ct.alpha * SECRET
    proof = prove_decryption(SECRET, KEY, ct, partial, tr(), rand)
    verify_decryption(proof, KEY, ct, partial, tr(), check="cp")
    other_ct = encrypt(3, Scalar.random(rand), KEY)
    for args in [
        (ChaumPedersenProof(proof.challenge + ONE, proof.response), KEY, ct, partial, tr()),
        (ChaumPedersenProof(proof.challenge, proof.response + ONE), KEY, ct, partial, tr()),
        (proof, OTHER_KEY, ct, partial, tr()),
        (proof, KEY, other_ct, partial, tr()),
        (proof, KEY, Ciphertext(ct.alpha, ct.beta + BASE), partial, tr()),
        (proof, KEY, ct, partial + BASE, tr()),
        (proof, KEY, ct, partial, tr("other")),
    ]:
        with pytest.raises(ProofError):
            verify_decryption(*args, check="cp")


def test_chaum_pedersen_on_the_zero_tally() -> None:
    ct = Ciphertext.zero()
    proof = prove_decryption(SECRET, KEY, ct, IDENTITY, tr(), drbg("zero"))
    verify_decryption(proof, KEY, ct, IDENTITY, tr(), check="cp")
    with pytest.raises(ProofError):
        verify_decryption(proof, KEY, ct, BASE, tr(), check="cp")


# ---- Disjunctive proof (0/1 and 0..limit) --------------------------------------


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_disjunctive_complete(data: st.DataObject) -> None:
    limit = data.draw(st.integers(1, 5))
    m = data.draw(st.integers(0, limit))
    rand = drbg(data.draw(st.binary(max_size=8)))
    r = Scalar.random(rand)
    ct = encrypt(m, r, KEY)
    proof = prove_disjunctive(ct, m, r, KEY, limit, tr(), rand)
    verify_disjunctive(proof, ct, KEY, limit, tr(), check="d")
    assert DisjunctiveProof.from_json(proof.to_json(), limit) == proof


def _tampered(proof: DisjunctiveProof) -> list[DisjunctiveProof]:
    out = []
    n = len(proof.challenges)
    for i in range(n):
        cs = list(proof.challenges)
        cs[i] = cs[i] + ONE
        out.append(DisjunctiveProof(tuple(cs), proof.responses))
        vs = list(proof.responses)
        vs[i] = vs[i] + ONE
        out.append(DisjunctiveProof(proof.challenges, tuple(vs)))
    # moving challenge mass between branches keeps the sum but breaks the branches
    cs = list(proof.challenges)
    cs[0], cs[1] = cs[0] + ONE, cs[1] - ONE
    out.append(DisjunctiveProof(tuple(cs), proof.responses))
    out.append(DisjunctiveProof(proof.challenges[::-1], proof.responses[::-1]))
    return out


@pytest.mark.parametrize("m", [0, 1])
def test_disjunctive_rejects_any_single_change(m: int) -> None:
    rand = drbg(f"tamper-{m}")
    r = Scalar.random(rand)
    ct = encrypt(m, r, KEY)
    proof = prove_disjunctive(ct, m, r, KEY, 1, tr(), rand)
    for bad in _tampered(proof):
        with pytest.raises(ProofError):
            verify_disjunctive(bad, ct, KEY, 1, tr(), check="d")
    for ct2, key, t, limit in [
        (Ciphertext(ct.alpha + BASE, ct.beta), KEY, tr(), 1),
        (Ciphertext(ct.alpha, ct.beta + BASE), KEY, tr(), 1),
        (encrypt(m, Scalar.random(rand), KEY), KEY, tr(), 1),
        (ct, OTHER_KEY, tr(), 1),
        (ct, KEY, tr("other"), 1),
    ]:
        with pytest.raises(ProofError):
            verify_disjunctive(proof, ct2, key, limit, t, check="d")
    with pytest.raises(ProofError, match="3 branches"):
        verify_disjunctive(proof, ct, KEY, 2, tr(), check="d")


def test_an_encryption_of_2_cannot_be_proven_0_or_1() -> None:
    rand = drbg("two")
    r = Scalar.random(rand)
    ct = encrypt(2, r, KEY)
    for claimed in (0, 1):  # an honest-looking proof for the wrong value does not verify
        proof = prove_disjunctive(ct, claimed, r, KEY, 1, tr(), rand)
        with pytest.raises(ProofError):
            verify_disjunctive(proof, ct, KEY, 1, tr(), check="d")


@pytest.mark.parametrize(
    ("m", "sim"),
    [
        (1, (ZERO, Scalar.from_int(5))),  # zero challenge on the simulated branch
        (1, (Scalar.from_int(5), ZERO)),  # zero response on the simulated branch
        (0, (ZERO, ZERO)),  # both
    ],
)
def test_simulated_branch_with_zero_challenge_or_response_is_valid(
    m: int, sim: tuple[Scalar, Scalar]
) -> None:
    r = Scalar.from_int(777)
    ct = encrypt(m, r, KEY)
    proof = prove_disjunctive_from_parts(ct, m, r, KEY, 1, tr(), {1 - m: sim}, Scalar.from_int(3))
    verify_disjunctive(proof, ct, KEY, 1, tr(), check="d")


def test_real_branch_with_zero_response_and_zero_nonce_are_valid() -> None:
    # u = 0 and a zero challenge for the real branch: a zero response; nonce 0: alpha = identity.
    ct = encrypt(0, ZERO, KEY)
    proof = prove_disjunctive_from_parts(ct, 0, ZERO, KEY, 1, tr(), {1: (ONE, ONE)}, ZERO)
    verify_disjunctive(proof, ct, KEY, 1, tr(), check="d")


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_disjunctive_complete_many(data: st.DataObject) -> None:
    test_disjunctive_complete.hypothesis.inner_test(data)  # type: ignore[attr-defined]
