"""A bundle verifies; any change to it, however small, is detected and named."""

import concurrent.futures
import random

import pytest
from urna.record.bundle import UnreadableBundleError, canonical_tar, read_bundle
from urna.record.checkpoint import sign_checkpoint
from urna.record.event_types import (
    CORE_EVENT_TYPES,
    EventType,
    index_event_types,
    require_fields,
)
from urna.record.manifest import EVENTS_NAME, MANIFEST_NAME
from urna.testing import KeyFactory, RecordBuilder
from urna.verify import core_checks, verify_files, verify_path
from urna.verify.record_checks import payload_check, pinned_checks

CHECKS = core_checks()
MASKS = (0x01, 0x20, 0x80)  # low bit, ASCII case, high bit


def verify(files):
    return verify_files(files, bundle="test", checks=CHECKS)


def failed_ids(report):
    return {result.id for result in report.failed}


def flipped(files, name, position, mask):
    data = bytearray(files[name])
    data[position] ^= mask
    return {**files, name: bytes(data)}


def test_a_record_of_several_hundred_events_verifies(record_of_size):
    builder = record_of_size(150 * 1024)
    assert len(builder.events) > 300
    report = verify(builder.files())
    assert report.ok, report.summary_lines()
    assert report.events == len(builder.events)


def test_every_byte_of_a_small_bundle_matters(small_record):
    files = small_record.files()
    assert verify(files).ok
    for name, data in files.items():
        for position in range(len(data)):
            for mask in MASKS:
                report = verify(flipped(files, name, position, mask))
                assert not report.ok, f"flip {mask:#x} at {name}:{position} went unnoticed"


def test_every_byte_of_a_small_tar_bundle_matters(small_record, tmp_path):
    tar = canonical_tar(small_record.files())
    path = tmp_path / "bundle.tar"
    for position in range(len(tar)):
        data = bytearray(tar)
        data[position] ^= 0x01
        path.write_bytes(bytes(data))
        try:
            report = verify_path(path, checks=CHECKS)
        except UnreadableBundleError:
            continue  # a damaged tar header: refused as unreadable (exit 2)
        assert not report.ok, f"flip at tar byte {position} went unnoticed"


def test_sampled_bytes_of_a_64k_bundle_matter(full_record):
    files = full_record.files()
    assert 60 * 1024 < sum(map(len, files.values())) <= 64 * 1024
    rng = random.Random(20261122)
    for name, data in files.items():
        for position in rng.sample(range(len(data)), min(len(data), 150)):
            assert not verify(flipped(files, name, position, rng.choice(MASKS))).ok


def _all_flips_detected(job):
    files, name, positions = job
    checks = core_checks()
    return [
        position
        for position in positions
        if verify_files(flipped(files, name, position, 0x01), bundle="t", checks=checks).ok
    ]


@pytest.mark.slow
def test_every_byte_of_a_64k_bundle_matters(full_record):
    """Exhaustive: every position of a 62-64 KiB bundle (a few minutes on two cores)."""
    files = full_record.files()
    jobs = [
        (files, name, range(start, min(start + 512, len(data))))
        for name, data in files.items()
        for start in range(0, len(data), 512)
    ]
    with concurrent.futures.ProcessPoolExecutor() as pool:
        unnoticed = [p for result in pool.map(_all_flips_detected, jobs) for p in result]
    assert unnoticed == []


def resigned(builder: RecordBuilder, events) -> dict[str, bytes]:
    """The bundle an attacker holding the appliance key would write for these events."""
    from urna.record.bundle import bundle_files

    return bundle_files(list(events), key=builder.key, time=builder.TIME)


@pytest.mark.parametrize(
    ("change", "check"),
    [
        (lambda events: events[:2] + events[3:], "record.chain"),
        (lambda events: events[:3] + events[2:], "record.chain"),
        (lambda events: [*events[:2], events[3], events[2], *events[4:]], "record.chain"),
        (lambda events: events[1:], "record.signers"),
    ],
    ids=["deleted", "duplicated", "reordered", "genesis-removed"],
)
def test_rearranged_events_are_detected_even_with_a_fresh_manifest(small_record, change, check):
    assert len(small_record.events) > 4
    report = verify(resigned(small_record, change(list(small_record.events))))
    assert check in failed_ids(report)


def test_truncation_is_detected_by_the_signed_head(small_record):
    files = small_record.files()
    lines = files[EVENTS_NAME].splitlines(keepends=True)
    report = verify({**files, EVENTS_NAME: b"".join(lines[:-2])})
    assert {"record.checkpoint", "record.manifest"} <= failed_ids(report)


def test_truncation_with_a_fresh_manifest_is_detected_by_a_saved_checkpoint(small_record):
    head = small_record.events[-1]
    saved = sign_checkpoint(
        scope=head.scope,
        seq=head.seq,
        hash=head.hash().hex(),
        time=small_record.TIME,
        key=small_record.key,
    )
    cut = resigned(small_record, small_record.events[:-3])
    assert verify(cut).ok  # a key holder can cut the end and sign again...
    report = verify_files(cut, bundle="cut", checks=[*CHECKS, *pinned_checks(saved, None)])
    assert failed_ids(report) == {"record.published-checkpoint"}  # ...but not fool a witness


def test_a_bundle_signed_by_another_key_fails_against_the_trusted_key(small_record):
    other = RecordBuilder(KeyFactory()("impostor"), scope="tamper")
    trusted = small_record.key.verify_key.hex()
    report = verify_files(
        other.files(), bundle="x", checks=[*CHECKS, *pinned_checks(None, trusted)]
    )
    assert failed_ids(report) == {"record.trusted-key"}


def test_an_extra_file_is_refused(small_record, tmp_path):
    files = {**small_record.files(), "notes.txt": b"hello"}
    assert "record.manifest" in failed_ids(verify(files))


def test_an_event_signed_by_an_unregistered_key_is_named(small_record):
    keys = KeyFactory()
    builder = RecordBuilder(keys("appliance"), scope="tamper")
    builder.append("core.appliance_started", {"urna_version": "1", "plugins": []})
    rogue = RecordBuilder(keys("rogue"), scope="tamper")
    rogue.events = list(builder.events)
    rogue.append("core.appliance_started", {"urna_version": "1", "plugins": []})
    report = verify(rogue.files())
    failures = {r.id: r for r in report.failed}
    assert "record.signers" in failures
    assert any(
        f.where == "tamper#2 (core.appliance_started)" for f in failures["record.signers"].failures
    )


def test_unknown_event_types_name_the_missing_plugin(urna_keys):
    builder = RecordBuilder(urna_keys("appliance"))
    builder.append("parliament.vote_cast", {"x": 1})
    report = verify(builder.files())
    failures = next(r for r in report.failed if r.id == "record.payloads").failures
    assert "install the plugin 'parliament'" in failures[0].message


def test_delegated_payloads_are_only_required_to_be_of_a_known_type(urna_keys):
    """``payload_check`` leaves the validation of the delegated types to their caller
    (the runner delegates the ballots' to the per-ballot work) but still refuses an
    unknown type, delegated or not."""
    builder = RecordBuilder(urna_keys("appliance"))
    builder.append("core.appliance_started", {"urna_version": 1})
    builder.append("parliament.vote_cast", {"x": 1})
    types = index_event_types(CORE_EVENT_TYPES)

    def failures(delegated):
        check = payload_check(types, delegated)
        report = verify_files(builder.files(), bundle="t", checks=[check])
        return [(f.where, f.message.split(":")[0]) for r in report.failed for f in r.failures]

    unknown = ("test#2 (parliament.vote_cast)", "unknown event type parliament.vote_cast")
    invalid = ("test#1 (core.appliance_started)", "invalid payload")
    assert failures(frozenset()) == [invalid, unknown]
    assert failures({"core.appliance_started", "parliament.vote_cast"}) == [unknown]


def test_a_nested_value_that_is_not_an_object_is_an_invalid_payload(urna_keys):
    """``require_fields`` (the core's, the election's and the plugins' one rule) refuses
    a value that is not a JSON object as invalid: a list of objects used to make it
    raise TypeError, which crashed the plugin's validator and the check with it."""

    def validate(payload):
        require_fields(payload, {"items": list})
        for item in payload["items"]:
            require_fields(item, {"id": str})

    listed = EventType("example.listed", "Items.", validate)
    builder = RecordBuilder(urna_keys("appliance"))
    builder.append("example.listed", {"items": [{"id": "a"}, [{"id": "b"}]]})
    report = verify_files(builder.files(), bundle="t", checks=core_checks([listed]))
    assert [(r.id, [f.message for f in r.failures]) for r in report.failed] == [
        ("record.payloads", ["invalid payload: payload must be a JSON object"])
    ]


def test_unparseable_bundle_reports_format_failure(small_record):
    files = {**small_record.files(), MANIFEST_NAME: b"{not json"}
    report = verify(files)
    assert failed_ids(report) == {"record.format"} | {c.id for c in CHECKS}
    assert report.failed[0].failures[0].where == MANIFEST_NAME


def test_directory_and_tar_read_the_same(small_record, tmp_path):
    from urna.record.bundle import write_bundle

    files = small_record.files()
    write_bundle(tmp_path / "dir", files)
    (tmp_path / "b.tar").write_bytes(canonical_tar(files))
    assert read_bundle(tmp_path / "dir").files == read_bundle(tmp_path / "b.tar").files == files
