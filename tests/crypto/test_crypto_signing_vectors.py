"""Wycheproof and CCTV Ed25519 vectors through Urna's signature and key-registration wrappers.

The vectors are read from the shared data directory, never copied into the
repository. Urna's policy (``docs/spec.md``, "Signatures"):

- a public key is registered only if it is a canonical encoding of a point
  of the prime-order subgroup other than the identity
  (:func:`urna.crypto.signing.decode_verify_key`): every key with a
  small-order component (CCTV ``low_order_A``, ``low_order_component_A``) or a
  non-canonical encoding (``non_canonical_A``) is refused at registration;
- a signature is accepted only under libsodium's strict rules: canonical S
  (< L), R canonical and not of small order, and the cofactorless equation
  ``[S]B == R + [k]A`` checked by re-encoding. So ``low_order_R``,
  ``low_order_component_R``, ``non_canonical_R`` and ``low_order_residue``
  (valid only under the cofactored equation) are all rejected. CCTV marks
  these as implementation-defined; Urna rejects them all, so that every
  verifier agrees and no signature is malleable. ``reencoded_k`` vectors
  only exist with non-canonical encodings and are rejected with them.
- Wycheproof: every ``valid`` vector verifies and every ``invalid`` vector is
  rejected (this file version has no ``acceptable`` vectors).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from urna.crypto.errors import KeyRejectedError, SignatureError
from urna.crypto.signing import VerifyKey, decode_verify_key, verify_key_from_hex
from urna.testing import require_component

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "vectors"
WYCHEPROOF = VECTORS / "wycheproof" / "ed25519_test.json"
CCTV = VECTORS / "cctv" / "ed25519vectors.json"
KEY_FLAGS = {"low_order_A", "low_order_component_A", "non_canonical_A"}


def _load(path: Path) -> Any:
    if not path.exists():
        require_component("shared-data", f"{path} is not present")
    return json.loads(path.read_text())


def _verifies(key: VerifyKey, message: bytes, signature: bytes) -> bool:
    try:
        key.verify(message, signature)
    except SignatureError:
        return False
    return True


def test_wycheproof_ed25519() -> None:
    data = _load(WYCHEPROOF)
    count = 0
    for group in data["testGroups"]:
        key = decode_verify_key(bytes.fromhex(group["publicKey"]["pk"]))
        for test in group["tests"]:
            expected = test["result"]
            assert expected in ("valid", "invalid"), "no 'acceptable' vectors in this version"
            got = _verifies(key, bytes.fromhex(test["msg"]), bytes.fromhex(test["sig"]))
            assert got == (expected == "valid"), f"tcId {test['tcId']}: {test['comment']}"
            count += 1
    assert count == data["numberOfTests"] == 151


def test_cctv_ed25519() -> None:
    vectors = _load(CCTV)
    accepted = 0
    for v in vectors:
        flags = set(v["flags"] or ())
        raw_key = bytes.fromhex(v["key"])
        if flags & KEY_FLAGS:
            with pytest.raises(KeyRejectedError):
                decode_verify_key(raw_key)
            continue
        key = decode_verify_key(raw_key)
        ok = _verifies(key, v["msg"].encode(), bytes.fromhex(v["sig"]))
        # Urna accepts exactly the vectors with no flags: the strict, unambiguous signatures.
        assert ok == (not flags), f"vector {v['number']} flags {sorted(flags)}"
        accepted += ok
    assert len(vectors) == 914
    assert accepted == 1


def test_signature_of_wrong_length_is_rejected() -> None:
    data = _load(WYCHEPROOF)
    group = data["testGroups"][0]
    key = decode_verify_key(bytes.fromhex(group["publicKey"]["pk"]))
    sig = bytes.fromhex(group["tests"][0]["sig"])
    for bad in (sig[:63], sig + b"\x00", b""):
        with pytest.raises(SignatureError):
            key.verify(bytes.fromhex(group["tests"][0]["msg"]), bad)


def test_hex_signatures_go_through_the_same_check() -> None:
    """The record and the plugins write keys and signatures in lowercase hex: a
    malformed signature is a SignatureError and a malformed key a KeyRejectedError,
    each naming what is wrong."""
    data = _load(WYCHEPROOF)
    group = data["testGroups"][0]
    key = verify_key_from_hex(group["publicKey"]["pk"])
    valid = next(t for t in group["tests"] if t["result"] == "valid")
    message, sig_hex = bytes.fromhex(valid["msg"]), valid["sig"].lower()
    key.verify_hex(message, sig_hex)
    with pytest.raises(SignatureError, match="does not verify"):
        key.verify_hex(message + b"x", sig_hex)
    for bad in (sig_hex.upper(), sig_hex[:-2], sig_hex + "00", sig_hex[:-1] + "g", "", None):
        with pytest.raises(SignatureError, match="signature must be"):
            key.verify_hex(message, bad)  # type: ignore[arg-type]
    for bad_key in (group["publicKey"]["pk"].upper(), "00" * 31, "zz" * 32):
        with pytest.raises(KeyRejectedError, match="public key"):
            verify_key_from_hex(bad_key)
