"""The device layer as the hall uses it: replay source, hidraw drivers, udev, umockdev."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from urna.api import DeviceInfo, DeviceManager, ReplaySource
from urna.testing import require_component
from urna_parliament.devices import (
    DRIVERS,
    CardInserted,
    CardRemoved,
    HallBridge,
    KeypadParser,
    KeyPressed,
    decode_event,
    encode_event,
    parse_reader_report,
    udev_rules,
)
from urna_parliament.hall import hall_of
from urna_parliament.simulator import chamber

HERE = Path(__file__).parent


def test_keypad_reports_become_presses_once_per_key_down():
    parser = KeypadParser()
    assert parser.feed(bytes([0, 0, 0x1E, 0, 0, 0, 0, 0])) == ["for"]
    assert parser.feed(bytes([0, 0, 0x1E, 0, 0, 0, 0, 0])) == []  # held, not pressed again
    assert parser.feed(bytes(8)) == []
    assert parser.feed(bytes([0, 0, 0x15, 0x20, 0, 0, 0, 0])) == ["register", "abstain"]
    assert parser.feed(b"\x00") == []


def test_reader_reports_and_malformed_ones():
    assert parse_reader_report(bytes([1, 7]) + b"AZ-0001") == ("inserted", "AZ-0001")
    assert parse_reader_report(bytes([2, 7]) + b"AZ-0001") == ("removed", "AZ-0001")
    assert parse_reader_report(bytes([1, 9]) + b"AZ-0001") is None  # short
    assert parse_reader_report(bytes([1, 3]) + b"A\x00B") is None
    assert parse_reader_report(bytes([7, 1]) + b"A") is None


def test_udev_rules_name_each_seat_by_its_port():
    rules = udev_rules({17: "1-1.3", 18: "1-1.4"})
    assert 'KERNELS=="1-1.3"' in rules
    assert 'ENV{URNA_SEAT}="17"' in rules
    assert 'SYMLINK+="urna/seat-18-reader"' in rules
    assert 'ENV{LIBINPUT_IGNORE_DEVICE}="1"' in rules
    with pytest.raises(ValueError, match="must look like"):
        udev_rules({1: 'x" RUN+="/bin/sh'})


async def test_hidraw_drivers_read_their_nodes_and_close(tmp_path):
    emitted: list[object] = []
    manager = DeviceManager(DRIVERS, emitted.append)
    read_fd, write_fd = os.pipe()
    node = f"/proc/self/fd/{read_fd}"
    info = DeviceInfo(
        "/sys/x/hidraw3",
        node,
        "hidraw",
        {"SUBSYSTEM": "hidraw", "URNA_ROLE": "parliament-keypad", "URNA_SEAT": "3"},
    )
    manager.device_added(info)
    manager.device_added(info)  # seen by the monitor and by enumeration: opened once
    assert len(manager.handles[info.sys_path]) == 1
    os.write(write_fd, bytes([0, 0, 0x1F, 0, 0, 0, 0, 0]))
    for _ in range(50):
        await asyncio.sleep(0.01)
        if emitted:
            break
    assert emitted == [KeyPressed(3, "against")]
    manager.device_removed(info.sys_path)
    assert info.sys_path not in manager.handles
    os.close(write_fd)
    os.close(read_fd)


async def test_a_device_without_a_seat_is_skipped_and_logged(caplog):
    manager = DeviceManager(DRIVERS, lambda e: None)
    manager.device_added(
        DeviceInfo(
            "/sys/y",
            "/dev/null",
            "hidraw",
            {"SUBSYSTEM": "hidraw", "URNA_ROLE": "parliament-keypad"},
        )
    )
    assert manager.handles == {}
    assert "failed to open" in caplog.text


async def test_replayed_seat_events_drive_the_hall(urna_services):
    hall = hall_of(urna_services)
    roster, cards = chamber(9)
    await hall.import_roster("VII", roster)
    sitting = await hall.open_sitting(protocol="1", date="2026-03-10", presiding="Sədr")
    await hall.registration(sitting, "open")
    events: list[object] = [CardInserted(m["seat"], m["card"]) for m in roster]
    events += [KeyPressed(m["seat"], "register") for m in roster]
    events += [CardRemoved(9, roster[8]["card"]), CardInserted(8, "AZ-9999")]
    lines = [json.dumps(encode_event(e)) for e in events]
    bridge = HallBridge(hall, sitting)
    wallet = {card.card: card for card in cards.values()}
    replayed = await ReplaySource(lines, lambda r: decode_event(r, wallet)).run(
        DeviceManager(DRIVERS, bridge.emit)
    )
    await bridge.drain()
    assert replayed == len(events)
    state = await hall.state(sitting)
    assert len(state.present()) == 8  # seat 9's card came out
    # A stranger's card is refused and logged; nothing is appended for it.
    assert [reason for _, reason in bridge.refused] == [
        "card AZ-9999 belongs to no member of the roster"
    ]
    with pytest.raises(ValueError, match="unknown seat event type"):
        decode_event({"type": "explode", "seat": 1, "card": "X"})


def test_bad_replay_lines_are_refused_with_their_number():
    with pytest.raises(ValueError, match="replay line 2"):
        ReplaySource(['{"event": {}}', "not json"])


def test_the_manager_sees_udev_devices_in_a_umockdev_testbed():
    wrapper = shutil.which("umockdev-wrapper")
    system_python = "/usr/bin/python3"
    has_gi = (
        os.path.exists(system_python)
        and subprocess.run(
            [system_python, "-c", "import gi; gi.require_version('UMockdev', '1.0')"],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if wrapper is None or not has_gi:
        require_component("umockdev", "install umockdev, gir1.2-umockdev-1.0 and python3-gi")
    core = Path(__import__("urna").__file__).parents[1]
    site = next(p for p in sys.path if p.endswith("site-packages"))
    result = subprocess.run(
        [wrapper, system_python, str(HERE / "umockdev" / "manager_in_testbed.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": f"{core}:{site}"},
    )
    assert result.returncode == 0, result.stderr
    log = json.loads(result.stdout.strip().splitlines()[-1])["log"]
    # Enumerated at start (seat 17, vendor read from the parent USB device), then hot-plugged
    # seat 18 through the monitor; the unrelated hidraw node matched no driver.
    assert log == [
        ["open", "17", "1209", "5a01"],
        ["open", "18", "1209", "5a01"],
        ["close", "18"],
        ["close", "17"],
    ]
