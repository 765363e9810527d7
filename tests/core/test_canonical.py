"""Canonical JSON: Urna's fast encoder agrees with the rfc8785 library, and input is strict."""

import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from urna.crypto.signing import SigningKey
from urna.record import canonical
from urna.record.canonical import MAX_SAFE_INTEGER, canonical_bytes, parse_canonical, parse_json
from urna.record.errors import CanonicalFormError, RecordError
from urna.record.event import SCOPE_PATTERN, event_hash, sign_event

# Any text without lone surrogates, including astral characters and control characters.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
scalars = st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | text
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=800, deadline=None)
@given(values)
def test_fast_encoder_matches_rfc8785(value):
    assert canonical_bytes(value) == rfc8785.dumps(value)


@settings(max_examples=500, deadline=None)
@given(values)
def test_canonical_bytes_parse_back_to_the_same_value(value):
    assert parse_canonical(canonical_bytes(value)) == value


_MUTATIONS = [b'"', b"\\", b"{", b"[", b"]", b"1", b"-", b".", b"e", b" ", b"u", b"\xf0", b"\xff"]


@settings(max_examples=800, deadline=None)
@given(values, st.data())
def test_the_fast_path_accepts_only_what_the_careful_path_accepts(value, data):
    """parse_canonical's fast path skips the walk over the value; whatever it accepts,
    the careful path must accept with the same value, mutated bytes included."""
    encoded = canonical_bytes(value)
    at = data.draw(st.integers(0, len(encoded)))
    cut = data.draw(st.integers(0, 2))
    mutated = encoded[:at] + data.draw(st.sampled_from([b"", *_MUTATIONS])) + encoded[at + cut :]
    for candidate in (encoded, mutated):
        fast = canonical._plainly_canonical(candidate)
        if fast is not canonical._NOT_PLAIN:
            assert canonical._carefully_canonical(candidate, "JSON") == fast
    plain = encoded.count(b"{") + encoded.count(b"[") <= canonical.MAX_DEPTH
    if plain and not canonical._FOUR_BYTE_UTF8.search(encoded):
        assert canonical._plainly_canonical(encoded) == value  # the fast path is taken


def test_keys_sort_by_utf16_code_units():
    # U+1F600 is D83D DE00 in UTF-16, which sorts before U+E000 although its code point is higher.
    assert canonical_bytes({"\ue000": 1, "\U0001f600": 2}).startswith('{"\U0001f600"'.encode())


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (b'{"a":1,"a":2}', "duplicate key"),
        (b'{"a":NaN}', "NaN is not JSON"),
        (b'{"a":Infinity}', "Infinity is not JSON"),
        (b'{"a":1.5}', "not an integer"),
        (b'{"a":1e3}', "not an integer"),
        (b'{"a":9007199254740992}', "outside"),
        (b'{"a":"\xff"}', "not valid UTF-8"),
        (b'{"a":"\\ud800"}', "lone surrogate"),
        (b"[" * 100 + b"]" * 100, "deeper"),
        (b'{"a":', "not valid JSON"),
    ],
)
def test_parser_refuses_ambiguous_json(data, complaint):
    with pytest.raises(RecordError, match=complaint):
        parse_json(data)
    with pytest.raises(RecordError, match=complaint):
        parse_canonical(data)


@pytest.mark.parametrize(
    "data",
    [
        b'{"b":1,"a":2}',
        b'{"a": 1}',
        b'{"a":"\\u00e9"}',
        b'{"a":1}\n',
        b'{"a":"\\/"}',
        '{"\ue000":1,"\U0001f600":2}'.encode(),  # code point order, not UTF-16 order
    ],
)
def test_non_canonical_bytes_are_refused(data):
    assert parse_json(data) == json.loads(data)
    with pytest.raises(CanonicalFormError):
        parse_canonical(data)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(text | st.sampled_from(["sig", ',"sig":"', "signer"]), values, max_size=4))
def test_an_event_line_hashes_as_its_encoding_without_sig(payload):
    """Event.from_line hashes the line with its sig member cut out; that must be the hash of
    the event encoded without sig, whatever the payload holds (even a ',"sig":"' string)."""
    from urna.record.event import Event

    event = Event(
        scope="s",
        seq=3,
        prev="ab" * 32,
        time="2026-11-22T10:00:00.000000Z",
        type="test.event",
        payload={"x": payload, ',"sig":"': "a" * 128},
        signer="cd" * 32,
        sig="ef" * 64,
    )
    parsed = Event.from_line(event.to_line()[:-1])
    assert parsed == event
    assert parsed._hash is not None
    assert parsed.hash() == event_hash(event.unsigned())


_SIGNING_KEY = SigningKey.from_seed(bytes(range(32)))


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(text, values, max_size=4),
    st.from_regex(SCOPE_PATTERN, fullmatch=True),
    st.integers(min_value=0, max_value=2**53 - 1),
)
def test_a_signed_event_hashes_as_its_encoding_without_sig(payload, scope, seq):
    """sign_event builds the unsigned event's canonical bytes around the payload's
    canonical text instead of encoding the event; both must hash the same."""
    for payload_text in (None, canonical_bytes(payload).decode("utf-8")):
        event = sign_event(
            scope=scope,
            seq=seq,
            prev="ab" * 32,
            time="2026-11-22T10:00:00.000000Z",
            type="test.event",
            payload=payload,
            key=_SIGNING_KEY,
            payload_text=payload_text,
        )
        assert event.hash() == event_hash(event.unsigned())
        _SIGNING_KEY.verify_key.verify(event.hash(), bytes.fromhex(event.sig))


@pytest.mark.parametrize(
    ("field", "value"),
    [("seq", MAX_SAFE_INTEGER + 1), ("time", "２０２６-11-22T10:00:00.000000Z")],
    ids=["seq beyond 2**53-1", "time in non-ASCII digits"],
)
def test_sign_event_refuses_a_field_the_record_cannot_hold(field, value):
    fields = {
        "scope": "s",
        "seq": 3,
        "prev": "ab" * 32,
        "time": "2026-11-22T10:00:00.000000Z",
        "type": "test.event",
        "payload": {},
        "key": _SIGNING_KEY,
        field: value,
    }
    with pytest.raises(RecordError, match=field):
        sign_event(**fields)
