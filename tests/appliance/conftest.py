"""Fixtures for the appliance boot test (``pytest -m image``).

Image tests are skipped unless the marker expression selects them, so a plain ``pytest``
never builds or boots anything. The image is built once per profile if its outputs are
missing (or URNA_IMAGE_REBUILD=1), with the same command an operator uses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGE_DIR = REPO / "appliance-image"
OUTPUTS = ("disk.img", "vmlinuz", "initrd.img", "cmdline", "roothash", "manifest.json")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "image" in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason="boots the appliance under QEMU: run with pytest -m image")
    for item in items:
        if item.get_closest_marker("image") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def profile() -> str:
    return os.environ.get("URNA_IMAGE_PROFILE", "commission")


@pytest.fixture(scope="session")
def image_out(profile: str) -> Path:
    out = IMAGE_DIR / "out" / profile
    missing = [name for name in OUTPUTS if not (out / name).exists()]
    if missing or os.environ.get("URNA_IMAGE_REBUILD") == "1":
        if os.geteuid() != 0:
            pytest.skip("building the image needs root (debootstrap, chroot)")
        subprocess.run(
            [sys.executable if sys.executable else "python3", str(IMAGE_DIR / "build.py"),
             "--profile", profile],
            check=True,
        )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def image_root(image_out: Path, profile: str) -> Path:
    """The sealed root tree the squashfs was made from (kept by the build)."""
    root = IMAGE_DIR / "work" / profile / "root"
    if not (root / "etc/systemd/system/urna.service").exists():
        pytest.skip(f"no build tree at {root}; rebuild with URNA_IMAGE_REBUILD=1")
    return root
