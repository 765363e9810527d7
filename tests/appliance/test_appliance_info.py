"""urna.shell.appliance against fixture files: no QEMU, no appliance needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from urna.shell import appliance
from urna.shell.appliance import (
    appliance_info,
    format_appliance_info,
    list_media,
    parse_mountinfo,
    read_image_info,
    read_roothash,
    root_mount,
    roothash_from_cmdline,
)

FIXTURES = Path(__file__).parent / "fixtures"
MOUNTINFO = FIXTURES / "mountinfo-appliance.txt"
MEDIA_DIR = Path("/run/urna-media")
CMDLINE_HASH = "3f1d0c9a8b7e6d5c4b3a29181716151413121110f0e0d0c0b0a0908070605040"
FILE_HASH = "3f1d0c9a8b7e6d5c4b3a29181716151413121110f0e0d0c0b0a0908070605041"


def test_parse_mountinfo_reads_fields_and_skips_garbage() -> None:
    entries = parse_mountinfo(MOUNTINFO.read_text())
    assert len(entries) == 13
    root = entries[0]
    assert (root.mount_id, root.parent_id, root.major_minor) == (22, 1, "254:0")
    assert root.mount_point == "/"
    assert root.fs_type == "squashfs"
    assert root.source == "/dev/mapper/urna-root"
    assert root.optional_fields == ("shared:1",)
    assert root.read_only


def test_parse_mountinfo_unescapes_paths() -> None:
    entries = parse_mountinfo(r"1 0 8:1 / /a\040b\134c\011d rw - vfat /dev/x\040y rw")
    assert entries[0].mount_point == "/a b\\c\td"
    assert entries[0].source == "/dev/x y"


def test_parse_mountinfo_without_optional_fields() -> None:
    (entry,) = parse_mountinfo("5 1 0:3 / /x rw,nosuid - tmpfs tmpfs rw,size=4k")
    assert entry.optional_fields == ()
    assert entry.super_options == ("rw", "size=4k")
    assert not entry.read_only


def test_read_only_from_superblock_options() -> None:
    (entry,) = parse_mountinfo("5 1 8:1 / /x rw - ext4 /dev/sda1 ro")
    assert entry.read_only


@pytest.mark.parametrize(
    "line",
    [
        "",
        "1 0 8:1 / /x rw",  # no separator
        "a b 8:1 / /x rw - ext4 /dev/sda1 rw",  # ids not numbers
        "1 0 8:1 / /x rw - ext4",  # truncated after separator
    ],
)
def test_parse_mountinfo_rejects_malformed_lines(line: str) -> None:
    assert parse_mountinfo(line) == []


def test_root_mount_is_the_top_of_the_stack() -> None:
    text = MOUNTINFO.read_text() + "99 22 0:40 / / rw - overlay overlay rw\n"
    root = root_mount(parse_mountinfo(text))
    assert root is not None
    assert root.fs_type == "overlay"


def test_list_media_only_direct_children_of_the_media_dir() -> None:
    media = list_media(MEDIA_DIR, MOUNTINFO)
    assert [m.name for m in media] == ["my stick", "sda1", "sdb1"]
    sda1 = media[1]
    assert sda1.mount_point == "/run/urna-media/sda1"
    assert sda1.source == "/dev/sda1"
    assert sda1.fs_type == "vfat"
    assert sda1.read_only
    assert sda1.hardened
    assert sda1.missing_options == frozenset()


def test_list_media_reports_what_a_bad_mount_lacks() -> None:
    sdb1 = next(m for m in list_media(MEDIA_DIR, MOUNTINFO) if m.name == "sdb1")
    assert not sdb1.read_only
    assert not sdb1.hardened
    assert sdb1.missing_options == {"ro", "nodev", "noexec", "nosymfollow"}
    doc = sdb1.to_json()
    assert doc["missing_options"] == ["nodev", "noexec", "nosymfollow", "ro"]
    assert doc["hardened"] is False


def test_list_media_tolerates_a_trailing_slash_and_missing_files(tmp_path: Path) -> None:
    assert [m.name for m in list_media(Path("/run/urna-media/"), MOUNTINFO)][1] == "sda1"
    assert list_media(MEDIA_DIR, tmp_path / "nope") == []


def test_list_media_on_the_default_paths_does_not_fail() -> None:
    # On a developer machine /run/urna-media does not exist: an empty list, no error.
    assert isinstance(list_media(), list)


@pytest.mark.parametrize(
    ("cmdline", "expected"),
    [
        (f"ro urna.roothash={CMDLINE_HASH} quiet", CMDLINE_HASH),
        (f"urna.roothash={CMDLINE_HASH.upper()}", CMDLINE_HASH),
        ("ro quiet", None),
        ("urna.roothash=", None),
        ("urna.roothash=xyz", None),
        (f"urna.roothash={CMDLINE_HASH[:-1]}", None),  # 63 digits
        (f"urna.roothash={CMDLINE_HASH}00", None),  # 66 digits
        (f"urna.roothash={'ab' * 64}", "ab" * 64),  # sha512
        (f"roothash={CMDLINE_HASH}", None),  # systemd's parameter, not ours
        (f"urna.roothash={CMDLINE_HASH} urna.roothash=bad", None),  # last one wins
    ],
)
def test_roothash_from_cmdline(cmdline: str, expected: str | None) -> None:
    assert roothash_from_cmdline(cmdline) == expected


def test_read_roothash_prefers_the_initramfs_file() -> None:
    assert read_roothash(FIXTURES / "roothash", FIXTURES / "cmdline-appliance.txt") == (
        FILE_HASH,
        "initramfs",
    )


def test_read_roothash_falls_back_to_the_cmdline(tmp_path: Path) -> None:
    assert read_roothash(tmp_path / "missing", FIXTURES / "cmdline-appliance.txt") == (
        CMDLINE_HASH,
        "cmdline",
    )
    garbage = tmp_path / "roothash"
    garbage.write_bytes(b"\xff\xfe not a hash")
    assert read_roothash(garbage, FIXTURES / "cmdline-appliance.txt")[1] == "cmdline"


def test_read_roothash_off_the_appliance(tmp_path: Path) -> None:
    assert read_roothash(tmp_path / "missing", FIXTURES / "cmdline-developer.txt") == (None, None)
    assert read_roothash(tmp_path / "missing", tmp_path / "missing") == (None, None)


def test_read_image_info(tmp_path: Path) -> None:
    info = read_image_info(FIXTURES / "image.json")
    assert info is not None
    assert info["profile"] == "commission"
    assert read_image_info(tmp_path / "missing") is None
    (tmp_path / "bad.json").write_text("{not json")
    assert read_image_info(tmp_path / "bad.json") is None
    (tmp_path / "list.json").write_text("[1, 2]")
    assert read_image_info(tmp_path / "list.json") is None


def test_appliance_info_on_an_appliance() -> None:
    info = appliance_info(
        roothash_file=FIXTURES / "roothash",
        cmdline_file=FIXTURES / "cmdline-appliance.txt",
        mountinfo=MOUNTINFO,
        image_info_file=FIXTURES / "image.json",
        media_dir=MEDIA_DIR,
    )
    assert info.is_appliance
    doc = info.to_json()
    json.dumps(doc)  # serialisable as is
    assert doc["roothash"] == FILE_HASH
    assert doc["roothash_source"] == "initramfs"
    assert doc["root"] == {
        "source": "/dev/mapper/urna-root",
        "fs_type": "squashfs",
        "read_only": True,
        "options": ["ro", "relatime"],
    }
    assert [m["name"] for m in doc["media"]] == ["my stick", "sda1", "sdb1"]  # type: ignore[union-attr]
    assert doc["image"] == read_image_info(FIXTURES / "image.json")


def test_appliance_info_off_the_appliance(tmp_path: Path) -> None:
    info = appliance_info(
        roothash_file=tmp_path / "a",
        cmdline_file=FIXTURES / "cmdline-developer.txt",
        mountinfo=tmp_path / "b",
        image_info_file=tmp_path / "c",
        media_dir=MEDIA_DIR,
    )
    assert not info.is_appliance
    assert info.to_json() == {
        "appliance": False,
        "roothash": None,
        "roothash_source": None,
        "root": None,
        "image": None,
        "media": [],
    }


def test_format_appliance_info() -> None:
    info = appliance_info(
        roothash_file=FIXTURES / "roothash",
        cmdline_file=FIXTURES / "cmdline-appliance.txt",
        mountinfo=MOUNTINFO,
        image_info_file=FIXTURES / "image.json",
        media_dir=MEDIA_DIR,
    )
    text = format_appliance_info(
        info, fingerprint="ab12", plugins=[("elections", "0.1.0"), ("parliament", "0.2.0")]
    )
    lines = text.splitlines()
    assert "profile: commission" in lines
    assert f"root hash: {FILE_HASH} (from initramfs)" in lines
    assert "root: /dev/mapper/urna-root squashfs ro" in lines
    assert "fingerprint: ab12" in lines
    assert "plugins: elections 0.1.0, parliament 0.2.0" in lines
    assert any(line.startswith("medium: sda1 on /run/urna-media/sda1 (vfat, ro,") for line in lines)


def test_format_appliance_info_off_the_appliance(tmp_path: Path) -> None:
    info = appliance_info(
        roothash_file=tmp_path / "a",
        cmdline_file=tmp_path / "b",
        mountinfo=tmp_path / "c",
        image_info_file=tmp_path / "d",
    )
    text = format_appliance_info(info, fingerprint=None, plugins=[])
    assert "root hash: none" in text
    assert "fingerprint: no key yet" in text
    assert "plugins: none" in text


def test_public_names_are_exported() -> None:
    for name in appliance.__all__:
        assert hasattr(appliance, name)
