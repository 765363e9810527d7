"""The core's checks of the record itself: manifest, chain, signers, signatures, payloads."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence

import attrs

from urna.record.checkpoint import Checkpoint
from urna.record.errors import RecordError
from urna.record.event import GENESIS_PREV
from urna.record.event_types import APPLIANCE_ROLE, EventType
from urna.record.manifest import MANIFEST_NAME, file_digest
from urna.record.signature import verify_hex_signature
from urna.verify.check import CheckContext, Failure, VerifierCheck
from urna.verify.record_view import RecordView, per_record

SIGNATURE_CHUNK = 512


def check_manifest(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """The manifest is signed by a registered appliance key and lists exactly the files."""
    manifest = record.manifest
    fail = _failing("record.manifest")
    try:
        manifest.verify_signature()
    except RecordError as exc:
        yield fail(MANIFEST_NAME, str(exc))
    signer = record.registered_signers().get(manifest.signer)
    if signer is None or signer["role"] != APPLIANCE_ROLE:
        yield fail(
            MANIFEST_NAME, f"manifest signer {manifest.signer} is not a registered appliance"
        )
    present = set(record.files) - {MANIFEST_NAME}
    for name in sorted(present - set(manifest.files)):
        yield fail(name, "file is in the bundle but not in the manifest")
    for name in sorted(set(manifest.files) - present):
        yield fail(name, "file is in the manifest but missing from the bundle")
    for name, entry in sorted(manifest.files.items()):
        data = record.files.get(name)
        if data is None:
            continue
        if len(data) != entry.size or file_digest(data) != entry.blake2b:
            yield fail(name, "file size or BLAKE2b digest differs from the manifest")


def check_chain(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Events are numbered 0..n in order, all of the manifest's scope, each linked to the last."""
    fail = _failing("record.chain")
    previous_hash = GENESIS_PREV
    for index, event in enumerate(record.events):
        if event.scope != record.scope:
            yield fail(event.where, f"event of scope {event.scope} in a bundle of {record.scope}")
        if event.seq != index:
            yield fail(
                event.where, f"expected seq {index}: events deleted, duplicated or reordered"
            )
        if event.prev != previous_hash:
            yield fail(event.where, "prev is not the hash of the event before it")
        previous_hash = event.hash().hex()


def check_checkpoint(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """The signed head names the last event: nothing was cut off the end."""
    fail = _failing("record.checkpoint")
    manifest = record.manifest
    if not record.events:
        yield fail(MANIFEST_NAME, "bundle holds no events")
        return
    last = record.events[-1]
    if last.seq != manifest.head_seq or last.hash().hex() != manifest.head_hash:
        yield fail(
            MANIFEST_NAME,
            f"signed head is seq {manifest.head_seq} but the last event is seq {last.seq} "
            "or has another hash: the record was truncated or extended",
        )


def check_signers(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Every signer was registered as an appliance before signing; no key registered twice."""
    fail = _failing("record.signers")
    registered: dict[str, str] = {}
    for event in record.events:
        if event.type == "core.signer_registered":
            key = event.payload.get("key")
            if isinstance(key, str):
                if key in registered:
                    yield fail(event.where, f"key {key} is registered twice")
                registered.setdefault(key, str(event.payload.get("role")))
        if event.seq == 0 and not (
            event.type == "core.signer_registered"
            and event.payload.get("key") == event.signer
            and event.payload.get("role") == APPLIANCE_ROLE
        ):
            yield fail(event.where, "the first event must register its own signer as the appliance")
        if registered.get(event.signer) != APPLIANCE_ROLE:
            yield fail(event.where, f"signer {event.signer} is not a registered appliance key")


@attrs.define
class _SignatureWork:
    results: Iterator[list[Failure]] | None = None


@per_record
def _signature_work(_record: RecordView) -> _SignatureWork:
    """The signature work started for a record and not yet collected."""
    return _SignatureWork()


def _map_signatures(record: RecordView, context: CheckContext) -> Iterator[list[Failure]]:
    items = [(event.where, event.signer, event.hash(), event.sig) for event in record.events]
    chunks = [items[i : i + SIGNATURE_CHUNK] for i in range(0, len(items), SIGNATURE_CHUNK)]
    return context.map(_verify_signature_chunk, chunks)


def start_signatures(record: RecordView, context: CheckContext) -> None:
    """Submit the signatures before the ballots' long work, so that they come back
    early and the main process's serial checks run while the workers verify ballots,
    not after them."""
    work = _signature_work(record)
    if work.results is None:
        work.results = _map_signatures(record, context)


def check_signatures(record: RecordView, context: CheckContext) -> Iterator[Failure]:
    """Every event's Ed25519 signature verifies over its hash (in parallel with --jobs)."""
    work = _signature_work(record)
    results, work.results = work.results, None
    for failures in results if results is not None else _map_signatures(record, context):
        yield from failures


def _verify_signature_chunk(
    items: Sequence[tuple[str, str, bytes, str]],
) -> list[Failure]:
    failures = []
    for where, signer, digest, sig in items:
        try:
            verify_hex_signature(signer, digest, sig, check="record.signatures")
        except RecordError as exc:
            failures.append(Failure(exc.check, where, str(exc)))
    return failures


def payload_check(
    event_types: Mapping[str, EventType], delegated: Collection[str] = frozenset()
) -> VerifierCheck:
    """The check that every event's type is known and its payload valid.

    The payloads of the ``delegated`` event types are validated elsewhere (the
    caller reports their failures under the same id): here they are only
    required to be of a known type.
    """

    def check_payloads(record: RecordView, _: CheckContext) -> Iterator[Failure]:
        """Every event's type is defined by the core or an installed plugin, and its
        payload passes that type's validator."""
        fail = _failing("record.payloads")
        for event in record.events:
            event_type = event_types.get(event.type)
            if event_type is None:
                namespace = event.type.split(".", 1)[0]
                yield fail(
                    event.where,
                    f"unknown event type {event.type}: install the plugin {namespace!r} "
                    "to verify it",
                )
                continue
            if event.type in delegated:
                continue
            try:
                event_type.validate(event.payload)
            except (ValueError, RecordError) as exc:
                yield fail(event.where, f"invalid payload: {exc}")

    return VerifierCheck(
        "record.payloads",
        "Event types and payloads",
        check_payloads,
    )


def pinned_checks(checkpoint: Checkpoint | None, trusted_key: str | None) -> list[VerifierCheck]:
    """Checks against what the observer holds from outside the bundle."""
    checks = []
    if checkpoint is not None:

        def check_published_checkpoint(record: RecordView, _: CheckContext) -> Iterator[Failure]:
            """The bundle contains the event named by a checkpoint the observer saved
            earlier, with the same hash: the record was not cut back or rewritten."""
            fail = _failing("record.published-checkpoint")
            where = f"checkpoint {checkpoint.scope}#{checkpoint.seq}"
            try:
                checkpoint.verify_signature()
            except RecordError as exc:
                yield fail(where, str(exc))
            if checkpoint.signer not in record.registered_signers():
                yield fail(where, "checkpoint signer is not registered in this record")
            if checkpoint.scope != record.scope:
                yield fail(where, f"checkpoint is of scope {checkpoint.scope}, not {record.scope}")
            elif checkpoint.seq >= len(record.events):
                yield fail(where, f"the record ends at seq {len(record.events) - 1}: truncated")
            elif record.events[checkpoint.seq].hash().hex() != checkpoint.hash:
                yield fail(where, "the event at this seq has another hash: rewritten")

        checks.append(
            VerifierCheck(
                "record.published-checkpoint", "Saved checkpoint", check_published_checkpoint
            )
        )
    if trusted_key is not None:

        def check_trusted_key(record: RecordView, _: CheckContext) -> Iterator[Failure]:
            """The bundle is signed by the appliance key the observer was given."""
            fail = _failing("record.trusted-key")
            if record.manifest.signer != trusted_key:
                yield fail(MANIFEST_NAME, f"signed by {record.manifest.signer}, not {trusted_key}")
            for event in record.events:
                if event.signer != trusted_key:
                    yield fail(event.where, f"signed by {event.signer}, not the trusted key")

        checks.append(
            VerifierCheck("record.trusted-key", "Trusted appliance key", check_trusted_key)
        )
    return checks


RECORD_CHECKS: tuple[VerifierCheck, ...] = (
    VerifierCheck("record.manifest", "Signed manifest and file digests", check_manifest),
    VerifierCheck("record.chain", "Hash chain and numbering", check_chain),
    VerifierCheck("record.checkpoint", "Signed head matches the last event", check_checkpoint),
    VerifierCheck("record.signers", "Signers registered before use", check_signers),
    VerifierCheck(
        "record.signatures", "Event signatures", check_signatures, start=start_signatures
    ),
)


def _failing(check: str) -> Callable[[str, str], Failure]:
    return functools.partial(Failure, check)
