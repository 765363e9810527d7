import pytest
from urna.testing import KeyFactory, RecordBuilder


def build_record(size_bytes: int, key_name: str = "appliance") -> RecordBuilder:
    """A record of mixed core events whose bundle is about ``size_bytes`` long."""
    keys = KeyFactory()
    builder = RecordBuilder(keys(key_name), scope="tamper")
    index = 0
    while sum(len(data) for data in builder.files().values()) < size_bytes:
        if index % 5 == 0:
            builder.append(
                "core.signer_registered",
                {
                    "key": keys(f"member-{index}").verify_key.hex(),
                    "role": "member",
                    "name": f"Member {index} — Əliyev",
                },
            )
        else:
            builder.append(
                "core.appliance_started",
                {
                    "urna_version": "0.1.0",
                    "plugins": [
                        {"name": "example", "distribution": "urna-example", "version": str(index)}
                    ],
                },
            )
        index += 1
    return builder


@pytest.fixture(scope="session")
def small_record() -> RecordBuilder:
    return build_record(3 * 1024)


@pytest.fixture(scope="session")
def full_record() -> RecordBuilder:
    return build_record(62 * 1024)


@pytest.fixture(scope="session")
def record_of_size():
    """Build a record whose bundle is about the given number of bytes."""
    return build_record
