"""The booth profile's kiosk, booted under QEMU: ``URNA_IMAGE_PROFILE=booth pytest -m image``.

The screen is read through QMP ``screendump`` (each PNG is kept in ``<out>/screens`` for a
person to look at) and OCR; keys are sent through QMP ``send-key`` on the guest's PS/2
keyboard, as a voter would press them. The booth names itself after the appliance
(``urna-booth``): seeing that name on screen shows both the booth page and that the booth
bound itself at first boot.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import BOOT_TIMEOUT_S, MARKER
from .vm import ApplianceVM

pytestmark = pytest.mark.image

# Key combinations that would leave the page in an ordinary browser or desktop: the
# address bar, closing the window or tab, new windows and tabs, history, developer tools,
# printing and opening files, quitting, full screen, back and forward, console switching,
# the context menu key, reboot.
ESCAPES = [
    ("ctrl", "l"),
    ("alt", "f4"),
    ("ctrl", "alt", "f2"),
    ("ctrl", "alt", "f1"),
    ("ctrl", "w"),
    ("ctrl", "shift", "w"),
    ("ctrl", "t"),
    ("ctrl", "n"),
    ("ctrl", "shift", "n"),
    ("ctrl", "h"),
    ("ctrl", "j"),
    ("ctrl", "o"),
    ("ctrl", "p"),
    ("ctrl", "s"),
    ("ctrl", "u"),
    ("ctrl", "shift", "i"),
    ("ctrl", "shift", "q"),
    ("ctrl", "q"),
    ("f1",),
    ("f5",),
    ("f11",),
    ("f12",),
    ("alt", "left"),
    ("alt", "home"),
    ("alt", "tab"),
    ("alt", "f2"),
    ("meta_l",),
    ("menu",),
    ("shift", "f10"),
    ("ctrl", "alt", "backspace"),
    ("ctrl", "alt", "delete"),
    ("esc",),
]


def test_the_screen_shows_the_booth_page(booth: dict[str, Any], vm: ApplianceVM, screens: Path):
    seconds, screen = vm.wait_screen_text(MARKER, BOOT_TIMEOUT_S, screens / "booth-page.png")
    print(f"\nthis boot, to the booth page on screen: {seconds:.1f} s ({screen.png})")
    assert screen.colours() > 8


def test_escape_keys_leave_the_booth_on_screen(
    booth: dict[str, Any], vm: ApplianceVM, screens: Path
):
    _, before = vm.wait_screen_text(MARKER, BOOT_TIMEOUT_S, screens / "keys-before.png")
    for number, keys in enumerate(ESCAPES):
        vm.send_keys(*keys)
        time.sleep(1.5)
        after = vm.screendump(screens / f"keys-{number:02d}-{'+'.join(keys)}.png")
        changed = before.difference(after)
        assert changed < 0.02, f"{'+'.join(keys)} changed {changed:.1%} of the screen: {after.png}"
    time.sleep(5)  # anything slower than the key (a closing window, a console switch)
    _, last = vm.wait_screen_text(MARKER, 10, screens / "keys-after.png")
    assert before.difference(last) < 0.02, f"the screen changed: {last.png}"
    status, _ = vm.get_json("/-/health")
    assert status == 200
