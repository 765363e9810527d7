"""Fixtures for the appliance boot test (``pytest -m image``).

Image tests are skipped unless the marker expression selects them, so a plain ``pytest``
never builds or boots anything. The image is built once per profile if its outputs are
missing (or URNA_IMAGE_REBUILD=1), with the same command an operator uses.

Where the image is read from:

- ``URNA_IMAGE_PROFILE``  the profile (default ``commission``);
- ``URNA_IMAGE_OUT``      a build's output directory (``build.py --out``; default
  ``appliance-image/out/<profile>``);
- ``URNA_IMAGE_WORK``     that build's work directory (``build.py --work``; default
  ``appliance-image/work/<profile>``), whose ``root/`` tree the unit scores are read from.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGE_DIR = REPO / "appliance-image"
OUTPUTS = ("disk.img", "vmlinuz", "initrd.img", "cmdline", "roothash", "manifest.json")
# What the boot test runs, and the Debian package of each.
QEMU_TOOLS = {"qemu-system-x86_64": "qemu-system-x86", "qemu-img": "qemu-utils"}
OVMF_PACKAGE = "ovmf"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "image" in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason="boots the appliance under QEMU: run with pytest -m image")
    for item in items:
        if item.get_closest_marker("image") is not None:
            item.add_marker(skip)


def missing_qemu_packages(boot: str) -> list[str]:
    """The Debian packages the boot test needs and this machine lacks."""
    from .vm import OVMF_CODE

    missing = [package for tool, package in QEMU_TOOLS.items() if shutil.which(tool) is None]
    if boot == "uefi" and not OVMF_CODE.exists():
        missing.append(OVMF_PACKAGE)
    return missing


@pytest.fixture(scope="session")
def qemu() -> str:
    """The boot mode, once QEMU (and OVMF for UEFI) are known to be installed: asked for
    with ``-m image``, a missing tool fails the test naming the package to install."""
    boot = os.environ.get("URNA_IMAGE_BOOT", "direct")
    missing = missing_qemu_packages(boot)
    if missing:
        pytest.fail(f"the boot test needs QEMU: apt-get install {' '.join(missing)}")
    return boot


@pytest.fixture(scope="session")
def profile() -> str:
    return os.environ.get("URNA_IMAGE_PROFILE", "commission")


@pytest.fixture(scope="session")
def image_work(profile: str) -> Path:
    return Path(os.environ.get("URNA_IMAGE_WORK") or IMAGE_DIR / "work" / profile).resolve()


@pytest.fixture(scope="session")
def image_out(profile: str, image_work: Path) -> Path:
    out = Path(os.environ.get("URNA_IMAGE_OUT") or IMAGE_DIR / "out" / profile).resolve()
    missing = [name for name in OUTPUTS if not (out / name).exists()]
    if missing or os.environ.get("URNA_IMAGE_REBUILD") == "1":
        if os.geteuid() != 0:
            pytest.skip("building the image needs root (debootstrap, chroot)")
        subprocess.run(
            [sys.executable or "python3", str(IMAGE_DIR / "build.py"), "--profile", profile,
             "--out", str(out), "--work", str(image_work)],
            check=True,
        )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def image_root(image_out: Path, image_work: Path) -> Path:
    """The sealed root tree the squashfs was made from (kept by the build)."""
    root = image_work / "root"
    if not (root / "etc/systemd/system/urna.service").exists():
        pytest.skip(
            f"no build tree at {root}: set URNA_IMAGE_WORK to the build's --work directory, "
            "or rebuild with URNA_IMAGE_REBUILD=1"
        )
    return root


# Boot times under TCG vary a lot with the machine's load (a boot measured at 72 s took
# 142 s on a busy day): a boot fails only past the generous timeout; the budget is what
# the median of several boots (test_boot_time.py) is reported against.
BOOT_BUDGET_S = float(os.environ.get("URNA_IMAGE_BOOT_BUDGET", "120"))
BOOT_TIMEOUT_S = float(os.environ.get("URNA_IMAGE_BOOT_TIMEOUT", "600"))
BOOT_SAMPLES = int(os.environ.get("URNA_IMAGE_BOOT_SAMPLES", "3"))
# Memory for the guest: Chromium in a kiosk profile wants more than Urna alone.
KIOSK_MEMORY_MIB = 3072


def kiosk_settings(root: Path) -> dict[str, Any] | None:
    """The image's kiosk settings (``/etc/urna/kiosk.json``), or None without a kiosk."""
    path = root / "etc/urna/kiosk.json"
    return json.loads(path.read_text()) if path.exists() else None


@pytest.fixture(scope="session")
def kiosk(image_root: Path) -> dict[str, Any] | None:
    return kiosk_settings(image_root)


# What the booth page shows once the booth bound itself: its name, the appliance's hostname.
MARKER = os.environ.get("URNA_IMAGE_BOOTH_TEXT", "urna-booth")


@pytest.fixture(scope="session")
def booth(kiosk: dict[str, Any] | None, image_root: Path) -> dict[str, Any]:
    """The kiosk of a booth image; the booth's tests are skipped for any other profile."""
    if kiosk is None or not (image_root / "etc/systemd/system/urna-booth-enrol.service").exists():
        pytest.skip("the image has no booth kiosk: URNA_IMAGE_PROFILE=booth")
    return kiosk


@pytest.fixture(scope="session")
def screens(image_out: Path) -> Path:
    """Where the screendumps are kept for a person to look at: ``<out>/screens``."""
    directory = Path(os.environ.get("URNA_IMAGE_SCREENS") or image_out / "screens")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def new_vm(image_out: Path, workdir: Path, boot: str, kiosk: dict[str, Any] | None, **kw: Any):  # type: ignore[no-untyped-def]
    from .vm import ApplianceVM

    memory = KIOSK_MEMORY_MIB if kiosk else 2048
    return ApplianceVM(image_out, workdir, boot=boot, memory_mib=memory, **kw)


@pytest.fixture(scope="session")
def vm(
    image_out: Path,
    qemu: str,
    kiosk: dict[str, Any] | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    """One booted appliance shared by the tests that only look at it."""
    machine = new_vm(image_out, tmp_path_factory.mktemp("vm"), qemu, kiosk)
    machine.start()
    try:
        machine.boot_seconds = machine.wait_healthy(BOOT_TIMEOUT_S)
        yield machine
    finally:
        machine.stop()
        keep = os.environ.get("URNA_IMAGE_KEEP_LOGS")
        if keep:
            shutil.copy(machine.serial_log, Path(keep) / "serial.log")
