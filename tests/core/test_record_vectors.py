"""The record example regenerates exactly and checks out with only hashlib, json and nacl."""

import hashlib
import json
import runpy
from pathlib import Path

import nacl.signing

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
STORED = json.loads((VECTORS / "record_example.json").read_text(encoding="utf-8"))


def test_the_example_regenerates_byte_for_byte():
    example = runpy.run_path(str(VECTORS / "record_example.py"))["example"]
    assert example() == STORED


def jcs(value):
    # The example uses ASCII keys only, where sorted json.dumps is RFC 8785.
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def test_a_second_implementation_from_the_spec_agrees():
    """docs/record-format.md sections 1-3, implemented independently of urna."""
    lines = STORED["events_jsonl"].encode().split(b"\n")
    assert lines[-1] == b""
    events = [json.loads(line) for line in lines[:-1]]
    prev = "00" * 32
    for event, expected in zip(events, STORED["event_hashes"], strict=True):
        assert jcs(event) == lines[event["seq"]]
        unsigned = {k: v for k, v in event.items() if k != "sig"}
        digest = hashlib.blake2b(jcs(unsigned), digest_size=32, person=b"urna.event.v1").digest()
        assert digest.hex() == expected
        assert event["prev"] == prev
        nacl.signing.VerifyKey(bytes.fromhex(event["signer"])).verify(
            digest, bytes.fromhex(event["sig"])
        )
        prev = expected
    manifest = json.loads(STORED["manifest_json"])
    events_bytes = STORED["events_jsonl"].encode()
    file_digest = hashlib.blake2b(events_bytes, digest_size=32, person=b"urna.file.v1").hexdigest()
    assert manifest["files"]["events.jsonl"] == {"blake2b": file_digest, "size": len(events_bytes)}
    assert manifest["head"] == {"hash": prev, "seq": len(events) - 1}
    unsigned = {k: v for k, v in manifest.items() if k != "sig"}
    digest = hashlib.blake2b(jcs(unsigned), digest_size=32, person=b"urna.manifest.v1").digest()
    nacl.signing.VerifyKey(bytes.fromhex(manifest["signer"])).verify(
        digest, bytes.fromhex(manifest["sig"])
    )
