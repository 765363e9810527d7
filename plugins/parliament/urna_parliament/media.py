"""The archive's files: checked on upload, stored by digest, served with range requests.

An API upload is the file's bytes as the request body (``Content-Type`` its media type),
with the BLAKE2b-256 digest the sender computed (``?digest=``, lowercase hex, as
``b2sum -l 256`` prints it) and its name (``?name=``); the secretariat's page posts the
file in a form and the server computes the digest (``secretariat.py``). It is refused,
with nothing stored, when a declared digest differs from the bytes', when it exceeds
``[plugin.parliament] upload_max_bytes``, or when its first bytes are not of the type
it claims. A stored file lies at ``DATA_DIR/parliament/files/<d[:2]>/<digest>``,
written to a temporary file in the same directory, flushed and renamed into place, so a
reader never sees half a file and the same bytes are stored once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import attrs
from sanic import Request
from urna.api import N_, ApiError, Services, Settings, Translator

from urna_parliament.archive_record import DIGEST
from urna_parliament.models import DraftDocument, SpeechFile

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK_BYTES = 256 * 1024
TEXT_TYPES = ("text/plain",)
SIGNATURES: dict[str, tuple[tuple[int, bytes], ...]] = {
    "application/pdf": ((0, b"%PDF-"),),
    "audio/ogg": ((0, b"OggS"),),
    "video/ogg": ((0, b"OggS"),),
    "audio/webm": ((0, b"\x1a\x45\xdf\xa3"),),
    "video/webm": ((0, b"\x1a\x45\xdf\xa3"),),
    "audio/mp4": ((4, b"ftyp"),),
    "video/mp4": ((4, b"ftyp"),),
    "audio/mpeg": ((0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2")),
    "audio/wav": ((0, b"RIFF"),),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        (0, b"PK\x03\x04"),
    ),
    "application/vnd.oasis.opendocument.text": ((0, b"PK\x03\x04"),),
}
"""The magic bytes a file of each type starts with (one of them, at that offset)."""


def file_digest(data: bytes) -> str:
    """BLAKE2b-256, unkeyed: what ``b2sum -l 256`` prints."""
    return hashlib.blake2b(data, digest_size=32).hexdigest()


@attrs.frozen(slots=True)
class Upload:
    """A checked upload, not yet stored."""

    data: bytes = attrs.field(repr=False)
    digest: str
    media_type: str
    filename: str

    @property
    def size(self) -> int:
        return len(self.data)

    def text(self) -> str:
        """A text file's contents (checked to be UTF-8 on upload)."""
        return self.data.decode("utf-8")


class UploadRefused(Exception):
    """Why an upload is refused: an HTTP status and an English message (marked for the
    catalog, with ``%(name)s`` parameters) that the API sends as it is and a page shows in
    the reader's language."""

    def __init__(self, status: int, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.status = status
        self.message = message
        self.params = params

    def translated(self, t: Translator) -> str:
        message = t.gettext(self.message)
        return message % self.params if self.params else message


def read_upload(request: Request, media_types: tuple[str, ...], limit: int) -> Upload:
    """The API's upload: the request's body, checked against the digest its sender
    declared (``?digest=``), the limit and its type."""
    declared = request.args.get("digest", "")
    if not DIGEST.fullmatch(declared):
        raise ApiError(422, "digest must be the file's BLAKE2b-256 as 64 lowercase hex digits")
    try:
        upload = check_upload(
            request.body or b"",
            (request.content_type or "").split(";")[0],
            request.args.get("name", ""),
            media_types,
            limit,
        )
    except UploadRefused as refused:
        raise ApiError(refused.status, str(refused)) from None
    if upload.digest != declared:
        raise ApiError(
            422,
            f"digest mismatch: the bytes received have BLAKE2b-256 {upload.digest}, not {declared}",
        )
    return upload


def check_upload(
    data: bytes, media_type: str, filename: str, media_types: tuple[str, ...], limit: int
) -> Upload:
    """A file checked for its name, type, size and first bytes, with its digest computed
    here; :class:`UploadRefused` names the first problem. Shared by the API and the
    secretariat's form, so both refuse the same files."""
    filename = filename.strip()
    if not filename or len(filename) > 200 or "/" in filename or "\\" in filename:
        raise UploadRefused(422, N_("the file name must be 1 to 200 characters, without a path"))
    if any(ord(c) < 32 for c in filename):
        raise UploadRefused(422, N_("the file name must not contain control characters"))
    media_type = media_type.strip().lower()
    if media_type not in media_types:
        raise UploadRefused(
            415,
            N_("the file's type %(type)s is not taken here; it must be one of %(types)s"),
            type=media_type or "-",
            types=", ".join(media_types),
        )
    if not data:
        raise UploadRefused(422, N_("the file is empty"))
    if len(data) > limit:
        raise UploadRefused(
            413,
            N_("the file has %(size)s bytes; uploads take at most %(limit)s"),
            size=len(data),
            limit=limit,
        )
    if media_type in TEXT_TYPES:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise UploadRefused(422, N_("a text file must be UTF-8")) from None
    elif not any(data[at : at + len(magic)] == magic for at, magic in SIGNATURES[media_type]):
        raise UploadRefused(
            422, N_("the file does not start as a %(type)s file does"), type=media_type
        )
    return Upload(data, file_digest(data), media_type, filename)


class FileStore:
    """Content-addressed files under ``DATA_DIR/parliament/files``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        if not DIGEST.fullmatch(digest):
            raise ValueError("not a digest")
        return self.root / digest[:2] / digest

    def store(self, upload: Upload) -> bool:
        """Write the file unless it is there; answers whether it was written now (so that a
        refused append can take back exactly what it added)."""
        target = self.path(upload.digest)
        if target.is_file():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(upload.data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return True

    def remove(self, digest: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(digest).unlink()

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()


def file_store(services: Services) -> FileStore:
    return FileStore(services.settings.data_dir / "parliament" / "files")


def file_href(digest: str) -> str:
    """Where a stored file is served."""
    return f"/p/parliament/files/{digest}"


@contextlib.asynccontextmanager
async def stored(services: Services, upload: Upload) -> AsyncIterator[None]:
    """Store the upload's bytes for the block that records them; if the block fails, take
    back a file written for it (unless another row already refers to the same bytes)."""
    store = file_store(services)
    written = store.store(upload)
    try:
        yield
    except BaseException:
        referenced = await SpeechFile.exists(digest=upload.digest) or await DraftDocument.exists(
            digest=upload.digest
        )
        if written and not referenced:
            store.remove(upload.digest)
        raise


def upload_limit(settings: Settings) -> int:
    """``[plugin.parliament] upload_max_bytes``: the largest file the archive takes, by
    default and at most the server's request limit (``[server] max_body_bytes``), which a
    larger upload would never pass. ``ValueError`` names a bad value."""
    value = settings.plugin_config("parliament").get("upload_max_bytes", settings.max_body_bytes)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("[plugin.parliament] upload_max_bytes must be a positive integer")
    if value > settings.max_body_bytes:
        raise ValueError(
            f"[plugin.parliament] upload_max_bytes ({value}) is more than the server takes in "
            f"one request ([server] max_body_bytes = {settings.max_body_bytes}): raise that too"
        )
    return value


async def serve_file(
    request: Request, store: FileStore, digest: str, media_type: str, filename: str
) -> None:
    """Stream the file, whole or the one byte range asked for (206; 416 when it lies
    outside), in chunks: a video of hundreds of megabytes never sits in memory."""
    path = store.path(digest)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ApiError(404, f"file {digest} is not in this appliance's store") from None
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "public, max-age=31536000, immutable",
        "ETag": f'"{digest}"',
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(filename, safe='')}",
        "X-Content-Type-Options": "nosniff",
    }
    content_type = f"{media_type}; charset=utf-8" if media_type in TEXT_TYPES else media_type
    start, end, status = 0, size - 1, 200
    asked = request.headers.get("Range")
    if asked:
        found = RANGE.fullmatch(asked.strip())
        if found is None or found.groups() == ("", ""):
            raise ApiError(
                416, "Range must be one range: bytes=start-end", headers=_unsatisfied(size)
            )
        first, last = found.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        else:
            start, end = max(0, size - int(last)), size - 1
        if start > end or start >= size:
            raise ApiError(
                416,
                f"the range lies outside the file's {size} bytes",
                headers=_unsatisfied(size),
            )
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    response = await request.respond(status=status, headers=headers, content_type=content_type)
    assert response is not None
    with path.open("rb") as source:
        source.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = source.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            await response.send(chunk)
            remaining -= len(chunk)
    await response.eof()


def _unsatisfied(size: int) -> dict[str, str]:
    return {"Content-Range": f"bytes */{size}"}
