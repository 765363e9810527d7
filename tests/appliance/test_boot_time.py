"""Boot time under TCG, as the median of several boots beside the budget: ``pytest -m image``.

Runs before the other image tests (file order; run with ``-p no:randomly``) so that no
other guest shares the machine while it measures. Each boot fails only past the generous
URNA_IMAGE_BOOT_TIMEOUT; the median is reported against URNA_IMAGE_BOOT_BUDGET, not
asserted, because TCG's speed follows the host's load (see docs/appliance.md).
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import BOOT_BUDGET_S, BOOT_SAMPLES, BOOT_TIMEOUT_S, MARKER, new_vm

pytestmark = pytest.mark.image


def test_boot_time_median_of_several_boots(
    image_out: Path,
    qemu: str,
    kiosk: dict[str, Any] | None,
    screens: Path,
    tmp_path: Path,
) -> None:
    healthy: list[float] = []
    page: list[float] = []
    for sample in range(BOOT_SAMPLES):
        machine = new_vm(image_out, tmp_path / f"boot-{sample}", qemu, kiosk)
        machine.start()
        try:
            healthy.append(machine.wait_healthy(BOOT_TIMEOUT_S))
            if kiosk is not None:
                seconds, _ = machine.wait_screen_text(
                    MARKER, BOOT_TIMEOUT_S, screens / f"boot-{sample}.png"
                )
                page.append(seconds)
        finally:
            machine.stop()
        time.sleep(2)
    load = os.getloadavg()[0]
    print(
        f"\nboot to healthy Urna under TCG ({qemu}): median {statistics.median(healthy):.1f} s"
        f" of {[round(s, 1) for s in healthy]}; budget {BOOT_BUDGET_S:.0f} s; load {load:.1f}"
    )
    if page:
        print(
            f"boot to the kiosk's page on screen: median {statistics.median(page):.1f} s"
            f" of {[round(s, 1) for s in page]}; budget {BOOT_BUDGET_S:.0f} s"
        )
    assert len(healthy) == BOOT_SAMPLES
