"""The appliance image, built and booted under QEMU (TCG): ``pytest -m image``.

One boot of the image serves most checks (health, ports, root, fingerprint, USB); a
second boot of a copy with one flipped block checks that dm-verity refuses it. Every unit
the image adds is scored with ``systemd-analyze security --offline=yes``.
Figures (boot seconds, scores) are printed; run with ``-s`` to see them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import BOOT_TIMEOUT_S
from .vm import ApplianceVM

pytestmark = pytest.mark.image

URNA_SCORE_MAX = 2.0
# Units the image adds (or enables) and the most exposure each may have.
UNIT_SCORES_MAX = {
    "urna.service": URNA_SCORE_MAX,
    "urna-init.service": URNA_SCORE_MAX,
    # Asks PID 1 to mount (systemd-mount) and holds no capability itself.
    "urna-media@sda1.service": URNA_SCORE_MAX,
    # Debian's units with the image's sandbox drop-ins.
    "nftables.service": URNA_SCORE_MAX,
    "systemd-networkd.service": URNA_SCORE_MAX,
}
# Units a profile adds: gated the same way when its image has them (the kiosk profiles).
PROFILE_UNITS = ["urna-kiosk.service", "urna-booth-enrol.service", "seatd.service"]


def score(root: Path, unit: str) -> tuple[float, str]:
    """Exposure score of a unit in the image tree, from systemd-analyze's last line."""
    proc = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", f"--root={root}", "--no-pager", unit],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", proc.stdout)
    assert match, f"no score for {unit}: {proc.stdout[-500:]}{proc.stderr[-500:]}"
    return float(match.group(1)), match.group(2)


def test_unit_security_scores(image_root: Path) -> None:
    report = {}
    system = image_root / "etc/systemd/system"
    added = [
        u
        for u in PROFILE_UNITS
        if (system / u).exists() or (system / "multi-user.target.wants" / u).is_symlink()
    ]
    for unit, limit in {**UNIT_SCORES_MAX, **dict.fromkeys(added, URNA_SCORE_MAX)}.items():
        value, verdict = score(image_root, unit)
        report[unit] = f"{value} {verdict}"
        assert value <= limit, f"{unit} exposure {value} {verdict} > {limit}"
    print("\nsystemd-analyze security --offline=yes:", json.dumps(report, indent=1))


def test_no_login_no_remote_shell(image_out: Path, image_root: Path) -> None:
    manifest = json.loads((image_out / "manifest.json").read_text())
    installed = {p["package"] for p in manifest["packages"]}
    for forbidden in ("openssh-server", "dropbear", "sudo", "telnetd", "doas"):
        assert forbidden not in installed
    for unit in ("getty@.service", "serial-getty@.service", "getty-static.service",
                 "console-getty.service", "debug-shell.service", "rescue.service",
                 "emergency.service"):  # fmt: skip
        link = image_root / "etc/systemd/system" / unit
        assert link.is_symlink(), f"{unit} not masked"
        assert os.readlink(link) == "/dev/null", f"{unit} not masked"
    shadow = (image_root / "etc/shadow").read_text().splitlines()
    for line in shadow:
        password = line.split(":")[1]
        assert password.startswith(("!", "*")), f"account with a password: {line.split(':')[0]}"
    setuid = subprocess.run(
        ["find", str(image_root), "-xdev", "-type", "f", "-perm", "/6000"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert setuid == ""


def test_manifest_describes_the_image(image_out: Path) -> None:
    manifest = json.loads((image_out / "manifest.json").read_text())
    roothash = (image_out / "roothash").read_text().strip()
    assert manifest["roothash"] == roothash
    assert f"urna.roothash={roothash}" in (image_out / "cmdline").read_text()
    assert any(d["name"] == "urna" for d in manifest["python"])
    print(
        f"\nbuild {manifest['build_seconds']['total']} s, disk {manifest['sizes']['disk.img']} B,"
        f" root squashfs {manifest['sizes']['root.squashfs']} B"
    )


def test_boots_to_healthy_urna(vm: ApplianceVM) -> None:
    """Healthy within the generous timeout (the vm fixture's); the time is reported, and
    test_boot_time.py reports the median of several boots against the budget."""
    print(f"\nthis boot, to healthy Urna: {vm.boot_seconds:.1f} s")  # type: ignore[attr-defined]
    status, doc = vm.get_json("/-/health")
    assert status == 200
    assert doc["status"] == "ok"


def test_plugins_are_the_profiles(vm: ApplianceVM, image_out: Path) -> None:
    manifest = json.loads((image_out / "manifest.json").read_text())
    status, doc = vm.get_json("/-/plugins.json")
    assert status == 200
    text = json.dumps(doc)
    for dist in manifest["plugins"]:
        assert dist.removeprefix("urna-") in text


def test_only_urnas_port_answers(vm: ApplianceVM) -> None:
    assert vm.port_answers(vm.host_port)
    for guest, host in vm.closed_map.items():
        assert not vm.port_answers(host, wait=4), f"guest port {guest} answered"


def test_fingerprint_and_root_hash_on_the_console(vm: ApplianceVM, image_out: Path) -> None:
    vm.wait_console(r"fingerprint: [0-9a-f]{16,}", 30)
    roothash = (image_out / "roothash").read_text().strip()
    vm.wait_console(rf"root hash: {roothash}", 30)


def test_root_is_the_verified_read_only_squashfs(vm: ApplianceVM) -> None:
    status, doc = vm.get_json("/-/appliance.json")
    if status == 200:
        assert doc["root"]["source"] == "/dev/mapper/urna-root"
        assert doc["root"]["fs_type"] == "squashfs"
        assert doc["root"]["read_only"] is True
        assert doc["roothash_source"] == "initramfs"
    else:
        # Before /-/appliance.json is wired, the first-boot banner (run by Urna's own
        # user in its sandbox) reports the root mount instead.
        vm.wait_console(r"root: (/dev/mapper/urna-root squashfs ro\S*|\S+ squashfs ro)", 30)


def _usb_stick(path: Path) -> None:
    with path.open("wb") as f:
        f.truncate(32 * 1024 * 1024)
    subprocess.run(["mkfs.vfat", "-n", "PROTOCOLS", str(path)], check=True, capture_output=True)
    payload = path.parent / "protocol-001.json"
    payload.write_text('{"precinct": 1, "lines": [10, 7, 3]}\n')
    subprocess.run(["mcopy", "-i", str(path), str(payload), "::protocol-001.json"], check=True)


def test_usb_drive_is_mounted_read_only_and_hardened(vm: ApplianceVM) -> None:
    stick = vm.workdir / "stick.img"
    _usb_stick(stick)
    assert vm.qmp is not None
    vm.qmp.execute(
        "blockdev-add", driver="raw", **{"node-name": "stick"},
        file={"driver": "file", "filename": str(stick)},
    )  # fmt: skip
    vm.qmp.execute("device_add", driver="usb-storage", bus="xhci.0", drive="stick", id="stick")
    match = vm.wait_console(
        r"urna-media: mounted /dev/(sd[a-z]\d*) on (\S+) \(vfat: (\S+)\) host-namespace=(\w+)", 60
    )
    options = set(match.group(3).split(","))
    assert match.group(4) == "yes", "mounted in a private namespace: Urna would not see it"
    assert {"ro", "nosuid", "nodev", "noexec", "nosymfollow"} <= options
    assert match.group(2) == f"/run/urna-media/{match.group(1)}"
    status, doc = vm.get_json("/-/media.json")
    assert status == 200
    media = doc["media"] if isinstance(doc, dict) else doc
    (medium,) = [m for m in media if m["name"] == match.group(1)]
    assert medium["read_only"]
    assert medium["hardened"]


def test_usb_keyboard_is_refused(vm: ApplianceVM, image_root: Path) -> None:
    policy = (image_root / "etc/udev/rules.d/60-urna-usb-policy.rules").read_text()
    if re.search(r'bInterfaceClass}=="[0-9a-f|]*\b03\b', policy):
        pytest.skip("this profile accepts keyboards (the booth's voters type on them)")
    assert vm.qmp is not None
    vm.qmp.execute("device_add", driver="usb-kbd", bus="xhci.0", id="kbd")
    match = vm.wait_console(
        r"urna-usb: refused interface (\S+) class 03 .*authorized=(\d) driver=(\S+)", 60
    )
    assert match.group(2) == "0"
    assert match.group(3) == "none"


def _root_inode_offset(squashfs_head: bytes) -> int:
    """Offset in the squashfs of the metadata block holding the root directory's inode:
    the kernel reads it to mount the root, so every boot reads it."""
    assert squashfs_head[:4] == b"hsqs"
    root_inode = int.from_bytes(squashfs_head[32:40], "little")
    inode_table_start = int.from_bytes(squashfs_head[64:72], "little")
    return inode_table_start + (root_inode >> 16) + 8


def _root_partition_start(disk: Path) -> int:
    table = json.loads(
        subprocess.run(["sfdisk", "--json", str(disk)], capture_output=True, text=True,
                       check=True).stdout
    )  # fmt: skip
    (part,) = [p for p in table["partitiontable"]["partitions"] if p.get("name") == "urna-root"]
    return int(part["start"]) * 512


def test_flipped_block_in_root_refuses_boot(image_out: Path, qemu: str, tmp_path: Path) -> None:
    """One byte flipped in a block the boot reads: dm-verity (panic-on-corruption) stops
    the boot before anything on the root runs. A block the boot does not read would stop
    the appliance when it is read; urna.verity=full checks every block at boot."""
    disk = image_out / "disk.img"
    start = _root_partition_start(disk)
    with disk.open("rb") as f:
        f.seek(start)
        position = start + _root_inode_offset(f.read(96))
    tampered = tmp_path / "tampered.img"
    subprocess.run(["cp", "--sparse=always", str(disk), str(tampered)], check=True)
    with tampered.open("r+b") as f:
        f.seek(position)
        byte = f.read(1)
        f.seek(position)
        f.write(bytes([byte[0] ^ 0xFF]))
    machine = ApplianceVM(image_out, tmp_path / "vm", disk=tampered)
    machine.start()
    try:
        machine.wait_console(
            r"device-mapper: verity: .*data block|Kernel panic|urna-verity: .*refusing",
            BOOT_TIMEOUT_S,
        )
        # -no-reboot: the panic (panic=10) ends QEMU instead of looping.
        assert machine.wait_exit(60) is not None, "tampered appliance kept running"
        assert "urna-init" not in machine.console()
        assert "first-boot" not in machine.console()
    finally:
        machine.stop()
        tampered.unlink(missing_ok=True)
