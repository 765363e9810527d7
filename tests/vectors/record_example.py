"""The record known-answer example.

Regenerate: python tests/vectors/record_example.py > tests/vectors/record_example.json
"""

import json

from urna.crypto.signing import SigningKey
from urna.testing import RecordBuilder


def example() -> dict[str, object]:
    """A two-event scope signed by the key whose seed is 32 zero bytes."""
    builder = RecordBuilder(SigningKey.from_seed(bytes(32)), scope="example")
    builder.append("core.appliance_started", {"urna_version": "0.1.0", "plugins": []})
    files = builder.files()
    return {
        "signing_key_seed": "00" * 32,
        "events_jsonl": files["events.jsonl"].decode("utf-8"),
        "event_hashes": [event.hash().hex() for event in builder.events],
        "manifest_json": files["manifest.json"].decode("utf-8"),
    }


if __name__ == "__main__":
    print(json.dumps(example(), indent=2, ensure_ascii=False))
