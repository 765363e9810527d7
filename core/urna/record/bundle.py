"""Writing and reading record bundles: a directory, or the canonical .tar of it.

A bundle is ``manifest.json`` plus the files it lists (always ``events.jsonl``).
A .tar bundle must be byte for byte the canonical tar of its members (sorted,
ustar, mode 0644, owner 0, time 0), so that no byte of it escapes the
manifest's signature: not even tar padding.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterable
from pathlib import Path

import attrs

from urna.crypto.signing import SigningKey
from urna.record.errors import RecordError
from urna.record.event import Event
from urna.record.manifest import EVENTS_NAME, FILE_NAME, MANIFEST_NAME, sign_manifest

MAX_BUNDLE_BYTES = 8 * 2**30
MAX_FILES = 1000


_BLOCK = tarfile.BLOCKSIZE  # a tar ends with two zero blocks, in whole 10 KiB records


class UnreadableBundleError(RecordError):
    """The path is not a bundle at all (missing, not a directory or tar, unreadable)."""

    check = "record.readable"


@attrs.frozen(slots=True)
class RawBundle:
    """The bytes of a bundle's files, before any of them is trusted."""

    files: dict[str, bytes]


def events_file(events: Iterable[Event]) -> bytes:
    return b"".join(event.to_line() for event in events)


def bundle_files(
    events: list[Event],
    *,
    key: SigningKey,
    time: str,
    extra_files: dict[str, bytes] | None = None,
) -> dict[str, bytes]:
    """Every file of the bundle of ``events``, the signed manifest included."""
    if not events:
        raise RecordError("a bundle holds at least the scope's first event")
    files = {EVENTS_NAME: events_file(events), **(extra_files or {})}
    for name in files:
        if not FILE_NAME.fullmatch(name) or name == MANIFEST_NAME:
            raise RecordError(f"bundle file name not allowed: {name!r}")
    head = events[-1]
    manifest = sign_manifest(
        scope=head.scope,
        head_seq=head.seq,
        head_hash=head.hash().hex(),
        files=files,
        time=time,
        key=key,
    )
    files[MANIFEST_NAME] = manifest.to_bytes()
    return files


def write_bundle(directory: Path, files: dict[str, bytes]) -> None:
    """Write a bundle directory (replacing what a previous export left there)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.iterdir():
        if stale.is_file() and stale.name not in files:
            stale.unlink()
    for name, data in files.items():
        temporary = directory / f".{name}.tmp"
        temporary.write_bytes(data)
        os.replace(temporary, directory / name)


def canonical_tar(files: dict[str, bytes]) -> bytes:
    """The one tar encoding of a bundle that verifiers accept."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mode = 0o644
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(files[name]))
    return buffer.getvalue()


def read_bundle(path: Path) -> RawBundle:
    """Read a bundle directory or .tar without trusting anything in it yet."""
    try:
        if path.is_dir():
            return _read_directory(path)
        if path.is_file():
            return _read_tar(path)
    except OSError as exc:
        raise UnreadableBundleError(f"cannot read bundle {path}: {exc.strerror}") from None
    raise UnreadableBundleError(f"no bundle at {path} (expected a directory or a .tar file)")


def _read_directory(path: Path) -> RawBundle:
    files: dict[str, bytes] = {}
    total = 0
    for entry in sorted(path.iterdir()):
        if entry.is_symlink() or not entry.is_file():
            raise RecordError(f"bundle holds {entry.name!r}, which is not a regular file")
        if len(files) >= MAX_FILES:
            raise RecordError(f"bundle holds more than {MAX_FILES} files")
        total += entry.stat().st_size
        if total > MAX_BUNDLE_BYTES:
            raise RecordError(f"bundle is larger than {MAX_BUNDLE_BYTES} bytes")
        files[entry.name] = entry.read_bytes()
    if MANIFEST_NAME not in files:
        raise UnreadableBundleError(f"{path} holds no {MANIFEST_NAME}: not a record bundle")
    return RawBundle(files)


def _read_tar(path: Path) -> RawBundle:
    data = path.read_bytes()
    if len(data) > MAX_BUNDLE_BYTES:
        raise RecordError(f"bundle is larger than {MAX_BUNDLE_BYTES} bytes")
    if not data or len(data) % tarfile.RECORDSIZE or data[-2 * _BLOCK :] != bytes(2 * _BLOCK):
        raise UnreadableBundleError(
            f"{path} is not a whole tar file (empty, cut short, or not a tar at all)"
        )
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for member in tar:
                if not member.isreg() or "/" in member.name or member.name in files:
                    raise RecordError(f"tar member {member.name!r:.80} is not a plain bundle file")
                if len(files) >= MAX_FILES:
                    raise RecordError(f"bundle holds more than {MAX_FILES} files")
                extracted = tar.extractfile(member)
                if extracted is None:  # pragma: no cover - isreg() members always extract
                    raise RecordError(f"tar member {member.name!r} cannot be read")
                files[member.name] = extracted.read()
    except tarfile.TarError as exc:
        raise UnreadableBundleError(f"{path} is a damaged tar file: {exc}") from None
    if MANIFEST_NAME not in files:
        raise UnreadableBundleError(f"{path} holds no {MANIFEST_NAME}: not a record bundle")
    if canonical_tar(files) != data:
        raise RecordError(
            f"{path} is not the canonical tar of its files (altered headers or padding)",
            check="record.canonical",
        )
    return RawBundle(files)
