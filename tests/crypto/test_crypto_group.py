"""The decoders against the point corpus (``point_corpus.py``), and the group's arithmetic,
including 0 and the identity."""

from __future__ import annotations

import nacl.bindings
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from point_corpus import (
    B_PLUS_T2,
    IDENTITY_ENC,
    MIXED_ORDER,
    NON_CANONICAL,
    SMALL_ORDER,
    SMALL_ORDER_ALTERNATIVES,
    SMALL_ORDER_NON_IDENTITY,
    off_curve,
)
from urna.crypto.errors import (
    DecodeError,
    IdentityNotAllowedError,
    KeyRejectedError,
    NonCanonicalPointError,
    NotInSubgroupError,
    NotOnCurveError,
    PointDecodeError,
    ScalarDecodeError,
    SchemaError,
    SmallOrderPointError,
    WrongLengthError,
)
from urna.crypto.group import BASE, IDENTITY, L, Point, Scalar
from urna.crypto.signing import decode_verify_key

OFF_CURVE = off_curve(8)


def test_the_corpus_has_the_shapes_it_claims() -> None:
    assert len(SMALL_ORDER) == 8
    assert len(set(SMALL_ORDER)) == 8
    for raw in SMALL_ORDER:  # each is on the curve and of small order: 8·T is the identity
        assert not nacl.bindings.crypto_core_ed25519_is_valid_point(raw)
    assert len(NON_CANONICAL) == 38
    assert len(MIXED_ORDER) == 7


def test_identity_is_accepted_only_where_allowed() -> None:
    assert Point.decode(IDENTITY_ENC) == IDENTITY
    with pytest.raises(IdentityNotAllowedError):
        Point.decode(IDENTITY_ENC, allow_identity=False)
    with pytest.raises(KeyRejectedError):
        decode_verify_key(IDENTITY_ENC)


@pytest.mark.parametrize("raw", SMALL_ORDER_NON_IDENTITY, ids=lambda r: r.hex()[:8])
def test_small_order_points_are_rejected(raw: bytes) -> None:
    with pytest.raises(SmallOrderPointError):
        Point.decode(raw)
    with pytest.raises(KeyRejectedError):
        decode_verify_key(raw)


@pytest.mark.parametrize("raw", SMALL_ORDER_ALTERNATIVES + NON_CANONICAL, ids=lambda r: r.hex())
def test_non_canonical_encodings_are_rejected(raw: bytes) -> None:
    with pytest.raises(NonCanonicalPointError):
        Point.decode(raw)
    with pytest.raises(KeyRejectedError):
        decode_verify_key(raw)


@pytest.mark.parametrize("raw", MIXED_ORDER, ids=lambda r: r.hex()[:8])
def test_mixed_order_points_are_rejected(raw: bytes) -> None:
    with pytest.raises(NotInSubgroupError):
        Point.decode(raw)
    with pytest.raises(KeyRejectedError):
        decode_verify_key(raw)


def test_b_plus_t2_in_particular() -> None:
    with pytest.raises(NotInSubgroupError):
        Point.decode(B_PLUS_T2)


@pytest.mark.parametrize("raw", OFF_CURVE, ids=lambda r: r.hex()[:8])
def test_off_curve_points_are_rejected(raw: bytes) -> None:
    with pytest.raises(NotOnCurveError):
        Point.decode(raw)
    with pytest.raises(KeyRejectedError):
        decode_verify_key(raw)


@pytest.mark.parametrize("size", [0, 1, 31, 33, 64])
def test_wrong_lengths_are_rejected(size: int) -> None:
    with pytest.raises(WrongLengthError):
        Point.decode(bytes(size))
    with pytest.raises(WrongLengthError):
        Scalar.decode(bytes(size))
    with pytest.raises(KeyRejectedError):
        decode_verify_key(bytes(size))


@pytest.mark.parametrize("value", [L, L + 1, 2 * L, 2**255, 2**256 - 1])
def test_scalars_at_or_above_l_are_rejected(value: int) -> None:
    with pytest.raises(ScalarDecodeError):
        Scalar.decode(value.to_bytes(32, "little"))


@pytest.mark.parametrize("value", [0, 1, 2**252, L - 1])
def test_scalars_below_l_are_accepted_as_they_are(value: int) -> None:
    assert int(Scalar.decode(value.to_bytes(32, "little"))) == value


def test_every_rejection_is_a_typed_decode_error() -> None:
    for raw in SMALL_ORDER_NON_IDENTITY + NON_CANONICAL + MIXED_ORDER + OFF_CURVE:
        with pytest.raises(PointDecodeError) as info:
            Point.decode(raw)
        assert isinstance(info.value, DecodeError)
        assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "text", ["AB" * 32, "ab" * 31, "ab" * 33, "zz" * 32, " " + "ab" * 31 + "a", 5, None, b"ab" * 32]
)
def test_hex_forms_are_strict(text: object) -> None:
    with pytest.raises(SchemaError):
        Point.from_hex(text)
    with pytest.raises(SchemaError):
        Scalar.from_hex(text)


def test_hex_round_trip() -> None:
    assert Point.from_hex(BASE.hex()) == BASE
    s = Scalar.from_int(12345)
    assert Scalar.from_hex(s.hex()) == s
    assert BASE.hex() == "58" + "66" * 31


def test_zero_and_identity_are_handled_where_libsodium_raises() -> None:
    zero = Scalar.from_int(0)
    s = Scalar.from_int(7)
    assert Point.base_mul(zero) == IDENTITY
    assert BASE * zero == IDENTITY
    assert IDENTITY * s == IDENTITY
    assert IDENTITY + BASE == BASE
    assert BASE + IDENTITY == BASE
    assert BASE - BASE == IDENTITY
    assert -IDENTITY == IDENTITY
    assert BASE * Scalar.from_int(L - 1) == -BASE
    assert (BASE * s) * zero == IDENTITY
    with pytest.raises(ZeroDivisionError):
        zero.inverse()


@settings(max_examples=25, deadline=None)
@given(a=st.integers(0, L - 1), b=st.integers(0, L - 1))
def test_scalar_and_point_laws(a: int, b: int) -> None:
    sa, sb = Scalar.from_int(a), Scalar.from_int(b)
    assert int(sa + sb) == (a + b) % L
    assert int(sa - sb) == (a - b) % L
    assert int(sa * sb) == (a * b) % L
    assert int(-sa) == (-a) % L
    assert Point.base_mul(sa) + Point.base_mul(sb) == Point.base_mul(sa + sb)
    assert (BASE * sa) * sb == Point.base_mul(sa * sb)
    if a:
        assert int(sa * sa.inverse()) == 1
    assert Point.decode(Point.base_mul(sa).encode()) == Point.base_mul(sa)
    assert Scalar.decode(sa.encode()) == sa


def test_reprs_hide_scalars() -> None:
    secret = Scalar.from_int(0xDEADBEEF)
    assert "deadbeef" not in repr(secret).lower()
    assert secret.hex() not in repr(secret)
    assert str(0xDEADBEEF) not in repr(secret)


def test_points_and_scalars_come_only_from_decoders() -> None:
    with pytest.raises(TypeError):
        Point(bytes(32))  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Scalar(bytes(32))  # type: ignore[call-arg]


def test_hash_to_scalar_needs_64_bytes() -> None:
    with pytest.raises(ValueError, match="64"):
        Scalar.from_hash(bytes(32))
    assert int(Scalar.from_hash(b"\xff" * 64)) == int.from_bytes(b"\xff" * 64, "little") % L
