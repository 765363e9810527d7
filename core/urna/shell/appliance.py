"""What Urna can know about the appliance it runs on.

On an appliance built by ``appliance-image/`` the root filesystem is a dm-verity device
whose root hash is sealed into the kernel command line (``urna.roothash=``); the
initramfs publishes the hash it actually opened the root with in
:data:`ROOTHASH_FILE`. USB drives are mounted read-only by a privileged unit outside
Urna's sandbox under :data:`MEDIA_DIR`, one directory per block device; Urna only reads
the mount table to see them.

Everything here reads small files and parses them; paths are arguments so tests can
point them at fixtures. Off the appliance (a developer's machine) the functions return
``None`` or empty lists instead of raising. Nothing here is secret and nothing is logged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final

import attrs

__all__ = [
    "CMDLINE_FILE",
    "HARDENED_MEDIA_OPTIONS",
    "IMAGE_INFO_FILE",
    "MEDIA_DIR",
    "MOUNTINFO_FILE",
    "ROOTHASH_FILE",
    "ApplianceInfo",
    "Medium",
    "MountEntry",
    "appliance_info",
    "format_appliance_info",
    "list_media",
    "parse_mountinfo",
    "read_image_info",
    "read_mountinfo",
    "read_roothash",
    "root_mount",
    "roothash_from_cmdline",
]

MEDIA_DIR: Final = Path("/run/urna-media")
ROOTHASH_FILE: Final = Path("/run/urna-verity/roothash")
IMAGE_INFO_FILE: Final = Path("/usr/lib/urna-appliance/image.json")
CMDLINE_FILE: Final = Path("/proc/cmdline")
MOUNTINFO_FILE: Final = Path("/proc/self/mountinfo")
ROOTHASH_PARAM: Final = "urna.roothash"

#: Options every USB drive must be mounted with (VotingWorks' set plus read-only).
HARDENED_MEDIA_OPTIONS: Final = frozenset({"ro", "nosuid", "nodev", "noexec", "nosymfollow"})

# dm-verity root hashes are hex digests: sha256 (64 digits) by default, up to sha512.
_ROOTHASH = re.compile(r"[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128}")
# The kernel escapes space, tab, newline and backslash in mountinfo paths as \ooo.
_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


@attrs.frozen
class MountEntry:
    """One line of ``/proc/<pid>/mountinfo`` (proc(5)), paths unescaped."""

    mount_id: int
    parent_id: int
    major_minor: str
    root: str
    mount_point: str
    mount_options: tuple[str, ...]
    optional_fields: tuple[str, ...]
    fs_type: str
    source: str
    super_options: tuple[str, ...]

    @property
    def read_only(self) -> bool:
        """Read-only as mounted here (per-mount flag) or for the whole superblock."""
        return "ro" in self.mount_options or "ro" in self.super_options


@attrs.frozen
class Medium:
    """A removable drive mounted under the media directory."""

    name: str
    mount_point: str
    source: str
    fs_type: str
    options: tuple[str, ...]

    @property
    def read_only(self) -> bool:
        return "ro" in self.options

    @property
    def missing_options(self) -> frozenset[str]:
        """Hardening options this mount lacks; empty for a correctly mounted drive."""
        return HARDENED_MEDIA_OPTIONS - set(self.options)

    @property
    def hardened(self) -> bool:
        return not self.missing_options

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "path": self.mount_point,
            "source": self.source,
            "fs_type": self.fs_type,
            "options": list(self.options),
            "read_only": self.read_only,
            "hardened": self.hardened,
            "missing_options": sorted(self.missing_options),
        }


@attrs.frozen
class ApplianceInfo:
    """What ``/-/appliance.json`` and ``urna appliance info`` show (without the key and
    plugins, which the caller knows better)."""

    is_appliance: bool
    roothash: str | None
    roothash_source: str | None
    root: MountEntry | None
    image: Mapping[str, object] | None
    media: tuple[Medium, ...]

    def to_json(self) -> dict[str, object]:
        root: dict[str, object] | None = None
        if self.root is not None:
            root = {
                "source": self.root.source,
                "fs_type": self.root.fs_type,
                "read_only": self.root.read_only,
                "options": list(self.root.mount_options),
            }
        return {
            "appliance": self.is_appliance,
            "roothash": self.roothash,
            "roothash_source": self.roothash_source,
            "root": root,
            "image": dict(self.image) if self.image is not None else None,
            "media": [m.to_json() for m in self.media],
        }


def _unescape(field: str) -> str:
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[MountEntry]:
    """Parse mountinfo text. Malformed lines are skipped: the kernel writes this file,
    and a line we do not understand must not hide the others."""
    entries: list[MountEntry] = []
    for line in text.splitlines():
        fields = line.split(" ")
        try:
            sep = fields.index("-", 6)
        except ValueError:
            continue
        if len(fields) < sep + 4 or len(fields) < 6:
            continue
        try:
            mount_id, parent_id = int(fields[0]), int(fields[1])
        except ValueError:
            continue
        entries.append(
            MountEntry(
                mount_id=mount_id,
                parent_id=parent_id,
                major_minor=fields[2],
                root=_unescape(fields[3]),
                mount_point=_unescape(fields[4]),
                mount_options=tuple(fields[5].split(",")),
                optional_fields=tuple(fields[6:sep]),
                fs_type=fields[sep + 1],
                source=_unescape(fields[sep + 2]),
                super_options=tuple(fields[sep + 3].split(",")),
            )
        )
    return entries


def read_mountinfo(path: Path = MOUNTINFO_FILE) -> list[MountEntry]:
    try:
        return parse_mountinfo(path.read_text(encoding="utf-8", errors="surrogateescape"))
    except OSError:
        return []


def _visible(entries: Iterable[MountEntry]) -> dict[str, MountEntry]:
    """The mount that is on top at each mount point (later lines stack over earlier)."""
    top: dict[str, MountEntry] = {}
    for entry in entries:
        top[entry.mount_point] = entry
    return top


def root_mount(entries: Sequence[MountEntry]) -> MountEntry | None:
    return _visible(entries).get("/")


def list_media(media_dir: Path = MEDIA_DIR, mountinfo: Path = MOUNTINFO_FILE) -> list[Medium]:
    """Drives mounted directly under ``media_dir``, sorted by name, with their options."""
    parent = str(media_dir).rstrip("/")
    media = []
    for point, entry in _visible(read_mountinfo(mountinfo)).items():
        head, _, name = point.rpartition("/")
        if head != parent or not name:
            continue
        media.append(
            Medium(
                name=name,
                mount_point=point,
                source=entry.source,
                fs_type=entry.fs_type,
                options=entry.mount_options,
            )
        )
    return sorted(media, key=lambda m: m.name)


def roothash_from_cmdline(cmdline: str) -> str | None:
    """The value of ``urna.roothash=`` if it is a well-formed hex digest (the last one
    wins, as for the kernel's own parameters)."""
    found: str | None = None
    for word in cmdline.split():
        key, sep, value = word.partition("=")
        if sep and key == ROOTHASH_PARAM:
            found = value.lower() if _ROOTHASH.fullmatch(value.lower()) else None
    return found


def read_roothash(
    roothash_file: Path = ROOTHASH_FILE, cmdline_file: Path = CMDLINE_FILE
) -> tuple[str | None, str | None]:
    """``(root hash, where it came from)``.

    The file written by the initramfs after it opened the verity device comes first
    (``"initramfs"``): it is the hash the root was actually opened with. The command
    line (``"cmdline"``) is the fallback. ``(None, None)`` off the appliance.
    """
    try:
        value = roothash_file.read_text(encoding="ascii").strip().lower()
    except (OSError, UnicodeDecodeError):
        value = ""
    if _ROOTHASH.fullmatch(value):
        return value, "initramfs"
    try:
        from_cmdline = roothash_from_cmdline(cmdline_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        from_cmdline = None
    if from_cmdline is not None:
        return from_cmdline, "cmdline"
    return None, None


def read_image_info(path: Path = IMAGE_INFO_FILE) -> dict[str, object] | None:
    """The build's own description of the image (profile, version, plugins), or None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def appliance_info(
    *,
    roothash_file: Path = ROOTHASH_FILE,
    cmdline_file: Path = CMDLINE_FILE,
    mountinfo: Path = MOUNTINFO_FILE,
    image_info_file: Path = IMAGE_INFO_FILE,
    media_dir: Path = MEDIA_DIR,
) -> ApplianceInfo:
    roothash, source = read_roothash(roothash_file, cmdline_file)
    image = read_image_info(image_info_file)
    return ApplianceInfo(
        is_appliance=roothash is not None and image is not None,
        roothash=roothash,
        roothash_source=source,
        root=root_mount(read_mountinfo(mountinfo)),
        image=image,
        media=tuple(list_media(media_dir, mountinfo)),
    )


def format_appliance_info(
    info: ApplianceInfo, *, fingerprint: str | None, plugins: Sequence[tuple[str, str]]
) -> str:
    """Text for ``urna appliance info``: one ``key: value`` per line, so the console
    banner and scripts read the same thing. ``plugins`` is ``(name, version)`` pairs."""
    image = info.image or {}
    lines = [
        f"profile: {image.get('profile', 'none (not an appliance image)')}",
        f"image version: {image.get('version', 'unknown')}",
        f"root hash: {info.roothash or 'none'}"
        + (f" (from {info.roothash_source})" if info.roothash_source else ""),
        f"root: {info.root.source} {info.root.fs_type} {'ro' if info.root.read_only else 'rw'}"
        if info.root is not None
        else "root: unknown",
        f"fingerprint: {fingerprint or 'no key yet'}",
        "plugins: " + (", ".join(f"{n} {v}" for n, v in plugins) if plugins else "none"),
    ]
    lines += [
        f"medium: {m.name} on {m.mount_point} ({m.fs_type}, {','.join(m.options)})"
        for m in info.media
    ]
    return "\n".join(lines)
