"""Offline packages for a USB drive: signed first, parsed only after the signature verifies.

A package file is ``b"URNA-PKG-1\\n" || sender key (32) || Ed25519 signature (64) ||
body``; the signature is over BLAKE2b-256 (label ``urna.el.package``) of the
body, and the body is a gzip'd tar holding exactly one regular file,
``package.json``. Reading refuses, before any parsing: an oversized file, an
unknown sender, a bad signature; then, while reading the archive as a stream:
any member that is not a plain regular file (links, devices, directories,
FIFOs), names with a path (traversal, absolute), more members than expected,
and more bytes out than the expansion limits allow (bytes are counted as they
are read, never trusted from headers). Nothing is written to disk.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Mapping
from typing import Any

import attrs
from urna.crypto.errors import KeyRejectedError, SignatureError
from urna.crypto.hashing import blake2b_256
from urna.crypto.signing import SigningKey, verify_key_from_hex
from urna.record.canonical import canonical_bytes, parse_json
from urna.record.errors import RecordError

MAGIC = b"URNA-PKG-1\n"
LABEL = b"urna.el.package"
MAX_PACKAGE = 64 * 1024 * 1024
MAX_EXPANDED = 256 * 1024 * 1024
MAX_RATIO = 200
NAME = "package.json"


class PackageError(ValueError):
    """The package is refused; the message says why. Nothing was stored."""


@attrs.frozen(slots=True)
class OpenedPackage:
    sender: str
    digest: str
    content: dict[str, Any]


def write_package(content: Mapping[str, Any], key: SigningKey) -> bytes:
    """Sign ``content`` (a JSON object) into a package file."""
    data = canonical_bytes(dict(content))
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo(NAME)
        info.size = len(data)
        info.mode = 0o644
        info.mtime = 0
        archive.addfile(info, io.BytesIO(data))
    body = gzip.compress(tar_buffer.getvalue(), mtime=0)
    signature = key.sign(blake2b_256(LABEL, body))
    return MAGIC + key.verify_key.raw + signature + body


def open_package(
    data: bytes,
    trusted: Mapping[str, str],
    *,
    max_size: int = MAX_PACKAGE,
    max_expanded: int = MAX_EXPANDED,
) -> OpenedPackage:
    """Verify, then unpack, a package; ``trusted`` maps sender key (hex) -> commission."""
    if len(data) > max_size:
        raise PackageError(f"package is {len(data)} bytes, more than the limit of {max_size}")
    header = len(MAGIC) + 32 + 64
    if len(data) <= header or not data.startswith(MAGIC):
        raise PackageError("not an Urna package (bad magic or truncated)")
    sender = data[len(MAGIC) : len(MAGIC) + 32].hex()
    signature = data[len(MAGIC) + 32 : header]
    body = data[header:]
    if sender not in trusted:
        raise PackageError(f"package signed by {sender[:16]}..., which is not a trusted sender")
    try:
        verify_key_from_hex(sender).verify(blake2b_256(LABEL, body), signature)
    except (KeyRejectedError, SignatureError):
        raise PackageError("the package signature does not verify: refused unread") from None
    content = _unpack(body, max_expanded=min(max_expanded, max(len(body), 1) * MAX_RATIO))
    try:
        value = parse_json(content, what=NAME)
    except RecordError as exc:
        raise PackageError(str(exc)) from None
    if not isinstance(value, dict):
        raise PackageError(f"{NAME} must hold a JSON object")
    return OpenedPackage(sender, blake2b_256(LABEL, body).hex(), value)


def _unpack(body: bytes, *, max_expanded: int) -> bytes:
    found: bytes | None = None
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            limited = _Limited(stream, max_expanded)
            with tarfile.open(fileobj=limited, mode="r|") as archive:
                for member in archive:
                    if member.name != NAME or "/" in member.name or "\\" in member.name:
                        raise PackageError(
                            f"package member {member.name!r} refused: only {NAME}, no paths"
                        )
                    if not member.isreg():
                        raise PackageError(
                            f"package member {member.name!r} refused: not a regular file "
                            "(links, devices and directories are never accepted)"
                        )
                    if found is not None:
                        raise PackageError(f"package holds {NAME} twice")
                    extracted = archive.extractfile(member)
                    if extracted is None:
                        raise PackageError(f"package member {member.name!r} cannot be read")
                    found = extracted.read(max_expanded + 1)
                    if len(found) > max_expanded:
                        raise PackageError("package expands beyond its limit")
    except PackageError:
        raise
    except (tarfile.TarError, OSError, EOFError, gzip.BadGzipFile) as exc:
        raise PackageError(f"package archive is damaged: {exc}") from None
    if found is None:
        raise PackageError(f"package holds no {NAME}")
    return found


class _Limited(io.RawIOBase):
    """A read-only stream that refuses to give out more than ``limit`` bytes in total."""

    def __init__(self, inner: Any, limit: int) -> None:
        self._inner = inner
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._inner.read(min(len(buffer), self._left + 1))
        if len(chunk) > self._left:
            raise PackageError("package expands beyond its limit (an archive bomb?)")
        self._left -= len(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)
