"""Point.decode_times: decoding that validates through the first multiplication.

It must refuse exactly what Point.decode refuses, with the same typed error, and
give the same point and product as decoding then multiplying.
"""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from point_corpus import (
    IDENTITY_ENC,
    MIXED_ORDER,
    NON_CANONICAL,
    SMALL_ORDER_ALTERNATIVES,
    SMALL_ORDER_NON_IDENTITY,
    off_curve,
)
from urna.crypto.errors import PointDecodeError
from urna.crypto.group import BASE, IDENTITY, L, Point, Scalar

BAD = SMALL_ORDER_NON_IDENTITY + SMALL_ORDER_ALTERNATIVES + MIXED_ORDER + off_curve(8)
FACTORS = [Scalar.from_int(0), Scalar.from_int(1), Scalar.from_int(L - 1), Scalar.from_int(7)]


@pytest.mark.parametrize("raw", BAD + NON_CANONICAL[:64] + [b"", bytes(31), bytes(33)])
@pytest.mark.parametrize("factor", FACTORS, ids=["0", "1", "L-1", "7"])
def test_it_refuses_what_decode_refuses_with_the_same_error(raw, factor):
    with pytest.raises(PointDecodeError) as expected:
        Point.decode(raw)
    with pytest.raises(type(expected.value), match=re.escape(str(expected.value))):
        Point.decode_times(raw, factor)


@given(st.integers(1, L - 1), st.integers(0, L - 1), st.integers(0, L - 1))
def test_it_gives_the_point_and_keeps_only_the_product_it_computed(k, a, b):
    raw = (BASE * Scalar.from_int(k)).encode()
    first, other = Scalar.from_int(a), Scalar.from_int(b)
    point = Point.decode_times(raw, first)
    assert point == Point.decode(raw)
    assert point * first == Point.decode(raw) * first
    assert point * other == Point.decode(raw) * other


@pytest.mark.parametrize("factor", FACTORS, ids=["0", "1", "L-1", "7"])
def test_the_identity_decodes_and_multiplies_to_the_identity(factor):
    point = Point.decode_times(IDENTITY_ENC, factor)
    assert point == IDENTITY and point * factor == IDENTITY
