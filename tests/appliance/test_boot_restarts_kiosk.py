"""The booth's kiosk comes back by itself after its browser dies: ``pytest -m image``.

Its own boot, before the shared one (file order: run with ``-p no:randomly``), so that
no other guest runs beside it. No way in is added to the image for it (see the test).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import BOOT_TIMEOUT_S, MARKER, new_vm

pytestmark = pytest.mark.image


def test_the_kiosk_comes_back_after_its_browser_dies(
    booth: dict[str, Any],
    image_out: Path,
    qemu: str,
    screens: Path,
    tmp_path: Path,
) -> None:
    """No way in is added to the image: the test's own kernel command line (direct boot
    only) runs a root shell line through systemd.run= that waits for the test's signal, a
    USB drive plugged through QMP, then kills the browser (cage's child) with SIGKILL.
    The kiosk's unit must bring the page back by itself."""
    if qemu != "direct":
        pytest.skip("the test's kernel command line is passed by a direct boot only")
    # "$$": systemd expands $ in ExecStart=, the generator copies the line as it is.
    killer = (
        "until [ -e /dev/sda ]; do sleep 1; done; c=$$(pidof cage); "
        "b=$$(cat /proc/$$c/task/$$c/children); kill -9 $$b; "
        "echo urna-test: killed the kiosk browser $$b > /dev/ttyS0"
    )
    machine = new_vm(
        image_out,
        tmp_path / "vm",
        qemu,
        booth,
        # systemd-run-generator links default.target to its own target, but the image's
        # /etc/systemd/system/default.target (multi-user) wins over a generator's link:
        # systemd.wants= (systemd-debug-generator) pulls the command's unit in instead.
        extra_cmdline=f"systemd.run=\"/bin/sh -c '{killer}'\" "
        "systemd.run_success_action=none systemd.run_failure_action=none "
        "systemd.wants=kernel-command-line.service",
    )
    machine.start()
    try:
        machine.wait_healthy(BOOT_TIMEOUT_S)
        machine.wait_screen_text(MARKER, BOOT_TIMEOUT_S, screens / "restart-before.png")
        stick = tmp_path / "signal.img"
        with stick.open("wb") as f:
            f.truncate(1024 * 1024)
        assert machine.qmp is not None
        machine.qmp.execute(
            "blockdev-add", driver="raw", **{"node-name": "signal"},
            file={"driver": "file", "filename": str(stick)},
        )  # fmt: skip
        machine.qmp.execute(
            "device_add", driver="usb-storage", bus="xhci.0", drive="signal", id="signal"
        )
        machine.wait_console(r"urna-test: killed the kiosk browser \d+", 120)
        killed_at = time.monotonic()
        gone = machine.screendump(screens / "restart-killed.png")
        _, back = machine.wait_screen_text(MARKER, 300, screens / "restart-after.png")
        print(
            f"\nthe kiosk's page was back {time.monotonic() - killed_at:.1f} s after its"
            f" browser was killed (screen then: {gone.png})"
        )
        assert back.colours() > 8
    finally:
        machine.stop()
