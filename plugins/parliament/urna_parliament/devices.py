"""Seat hardware: typed events, the reference keypad and card-reader drivers, udev rules.

The core's device manager (``urna.api.DeviceManager``) matches udev devices
to these drivers by properties that the plugin's udev rules set: each seat's
keypad and card reader get ``URNA_ROLE`` and ``URNA_SEAT`` from the USB port
they are plugged into (:func:`udev_rules`). Drivers read their hidraw node
and emit :class:`KeyPressed`, :class:`CardInserted`, :class:`CardRemoved`;
:class:`HallBridge` turns those into hall acts, one at a time, in order.

Reference hardware (``docs/devices.md``): a USB HID keypad console that sends
boot-keyboard reports (keys 1, 2, 3 = for, against, abstain; R = register;
S = ask to speak), and a seat card reader with a vendor-defined 16-byte
input report ``[0x01, n, card id (n ASCII bytes)]`` on insertion and
``[0x02, n, card id]`` on removal. Vendors write their own drivers the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from urna.api import DeviceDriver, DeviceInfo

from urna_parliament.record import card_id, seat_number

log = logging.getLogger("urna.parliament.devices")

KEYPAD_ROLE = "parliament-keypad"
READER_ROLE = "parliament-card-reader"
REFERENCE_VENDOR = "1209"  # pid.codes open-source vendor id; products below are placeholders
KEYPAD_PRODUCT = "5a01"
READER_PRODUCT = "5a02"
# HID usage ids of a boot keyboard (USB HID Usage Tables, keyboard page 0x07).
KEYCODES = {
    0x1E: "for",
    0x1F: "against",
    0x20: "abstain",
    0x15: "register",
    0x16: "speak",
    0x59: "for",
    0x5A: "against",
    0x5B: "abstain",
}
READER_INSERTED, READER_REMOVED = 0x01, 0x02
REPORT_SIZE = 64


@attrs.frozen(slots=True)
class KeyPressed:
    seat: int
    key: str


@attrs.frozen(slots=True)
class CardInserted:
    seat: int
    card: str
    signer: Any = attrs.field(default=None, eq=False, repr=False)
    """A :class:`urna_parliament.hall.CardSigner` when the reader can have the card sign."""


@attrs.frozen(slots=True)
class CardRemoved:
    seat: int
    card: str


SeatEvent = KeyPressed | CardInserted | CardRemoved


def seat_of(info: DeviceInfo) -> int:
    raw = info.properties.get("URNA_SEAT", "")
    if not raw.isdigit():
        raise ValueError(f"{info.sys_path}: URNA_SEAT {raw!r} is not a seat number")
    return seat_number(int(raw))


# -- report parsing (pure) ----------------------------------------------------------------


class KeypadParser:
    """Boot-keyboard reports to key presses: a key counts when it goes down."""

    def __init__(self) -> None:
        self.down: set[int] = set()

    def feed(self, report: bytes) -> list[str]:
        if len(report) < 3:
            return []
        # Boot report: modifiers, reserved, up to six key codes; some pads omit the reserved byte.
        codes = report[2:8] if len(report) >= 8 else report[1:]
        now = {code for code in codes if code not in (0x00, 0x01)}
        pressed = [KEYCODES[code] for code in sorted(now - self.down) if code in KEYCODES]
        self.down = now
        return pressed


def parse_reader_report(report: bytes) -> tuple[str, str] | None:
    """``("inserted"|"removed", card id)`` from a reader report, or None if it is not one."""
    if len(report) < 3 or report[0] not in (READER_INSERTED, READER_REMOVED):
        return None
    length = report[1]
    raw = report[2 : 2 + length]
    if length == 0 or len(raw) != length:
        return None
    try:
        card = card_id(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        log.warning("card reader sent a malformed card id")
        return None
    return ("inserted" if report[0] == READER_INSERTED else "removed"), card


# -- drivers ------------------------------------------------------------------------------


class HidrawReader:
    """Reads a hidraw node without blocking the event loop; ``close()`` stops it."""

    def __init__(self, path: str, on_report: Callable[[bytes], None]) -> None:
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.on_report = on_report
        self.loop = asyncio.get_running_loop()
        self.loop.add_reader(self.fd, self._read)

    def _read(self) -> None:
        while True:
            try:
                report = os.read(self.fd, REPORT_SIZE)
            except BlockingIOError:
                return
            except OSError:
                self.close()
                return
            if not report:
                self.close()
                return
            self.on_report(report)

    def close(self) -> None:
        if self.fd >= 0:
            self.loop.remove_reader(self.fd)
            os.close(self.fd)
            self.fd = -1


def open_keypad(info: DeviceInfo, emit: Callable[[object], None]) -> HidrawReader:
    seat = seat_of(info)
    if not info.device_node:
        raise ValueError(f"{info.sys_path} has no device node")
    parser = KeypadParser()

    def on_report(report: bytes) -> None:
        for key in parser.feed(report):
            emit(KeyPressed(seat, key))

    return HidrawReader(info.device_node, on_report)


def open_card_reader(info: DeviceInfo, emit: Callable[[object], None]) -> HidrawReader:
    seat = seat_of(info)
    if not info.device_node:
        raise ValueError(f"{info.sys_path} has no device node")

    def on_report(report: bytes) -> None:
        parsed = parse_reader_report(report)
        if parsed is not None:
            action, card = parsed
            emit(CardInserted(seat, card) if action == "inserted" else CardRemoved(seat, card))

    return HidrawReader(info.device_node, on_report)


DRIVERS: tuple[DeviceDriver, ...] = (
    DeviceDriver(
        "parliament.keypad",
        {"SUBSYSTEM": "hidraw", "URNA_ROLE": KEYPAD_ROLE},
        open_keypad,
        "USB HID keypad console at a seat (boot keyboard reports)",
    ),
    DeviceDriver(
        "parliament.card-reader",
        {"SUBSYSTEM": "hidraw", "URNA_ROLE": READER_ROLE},
        open_card_reader,
        "Seat ID-card reader (reference 16-byte HID reports)",
    ),
)


# -- udev rules ---------------------------------------------------------------------------


def udev_rules(
    ports: Mapping[int, str],
    *,
    vendor: str = REFERENCE_VENDOR,
    keypad: str = KEYPAD_PRODUCT,
    reader: str = READER_PRODUCT,
) -> str:
    """Rules naming each seat's keypad and reader by the USB port it is wired to.

    ``ports`` maps seat numbers to the kernel name of the seat's USB port
    (``1-1.3``; see ``udevadm info -a /dev/hidrawN``). The keypad is also kept
    away from the login console and desktop input stacks.
    """
    lines = [
        "# Urna parliament: seat consoles and card readers, by USB port.",
        "# Generated by `urna parliament udev-rules`; install as",
        "# /etc/udev/rules.d/70-urna-parliament.rules",
    ]
    for seat, port in sorted(ports.items()):
        seat_number(seat)
        if not port or not all(c.isalnum() or c in "-." for c in port):
            raise ValueError(f"seat {seat}: USB port {port!r} must look like 1-1.3")
        for product, role, name in (
            (keypad, KEYPAD_ROLE, "keypad"),
            (reader, READER_ROLE, "reader"),
        ):
            lines.append(
                f'SUBSYSTEM=="hidraw", KERNELS=="{port}", ATTRS{{idVendor}}=="{vendor}", '
                f'ATTRS{{idProduct}}=="{product}", ENV{{URNA_ROLE}}="{role}", '
                f'ENV{{URNA_SEAT}}="{seat}", SYMLINK+="urna/seat-{seat}-{name}", '
                'MODE="0660", GROUP="urna"'
            )
        lines.append(
            f'SUBSYSTEM=="input", KERNELS=="{port}", ATTRS{{idVendor}}=="{vendor}", '
            f'ATTRS{{idProduct}}=="{keypad}", ENV{{ID_INPUT_KEYBOARD}}="", ENV{{ID_INPUT_KEY}}="", '
            'ENV{LIBINPUT_IGNORE_DEVICE}="1"'
        )
    return "\n".join(lines) + "\n"


# -- from device events to hall acts ----------------------------------------------------


class HallBridge:
    """Feeds seat events to the hall in arrival order; refusals are logged, not raised."""

    def __init__(self, hall: Any, sitting: int) -> None:
        self.hall = hall
        self.sitting = sitting
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        self.refused: list[tuple[object, str]] = []
        self._task: asyncio.Task[None] | None = None

    def emit(self, event: object) -> None:
        self.queue.put_nowait(event)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        from urna_parliament.hall import HallError

        while not self.queue.empty():
            event = self.queue.get_nowait()
            try:
                await self.handle(event)
            except HallError as exc:
                self.refused.append((event, exc.message))
                log.warning("seat event refused: %s", exc.message)
            finally:
                self.queue.task_done()

    async def handle(self, event: object) -> None:
        if isinstance(event, KeyPressed):
            await self.hall.press(self.sitting, event.seat, event.key)
        elif isinstance(event, CardInserted):
            await self.hall.card(
                self.sitting, event.seat, event.card, inserted=True, signer=event.signer
            )
        elif isinstance(event, CardRemoved):
            await self.hall.card(self.sitting, event.seat, event.card, inserted=False)

    async def drain(self) -> None:
        """Wait until every event emitted so far has been handled."""
        await self.queue.join()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def decode_event(record: Mapping[str, Any], cards: Mapping[str, Any] | None = None) -> SeatEvent:
    """A recorded typed event (replay JSON) back to its value; ``cards`` supplies signers."""
    kind = record.get("type")
    seat = seat_number(record.get("seat"))
    if kind == "key_pressed":
        key = record.get("key")
        if key not in set(KEYCODES.values()):
            raise ValueError(f"unknown key {key!r}")
        return KeyPressed(seat, str(key))
    card = card_id(record.get("card"))
    if kind == "card_inserted":
        return CardInserted(seat, card, (cards or {}).get(card))
    if kind == "card_removed":
        return CardRemoved(seat, card)
    raise ValueError(f"unknown seat event type {kind!r}")


def encode_event(event: SeatEvent, at: float = 0.0) -> dict[str, Any]:
    if isinstance(event, KeyPressed):
        return {"at": at, "event": {"type": "key_pressed", "seat": event.seat, "key": event.key}}
    kind = "card_inserted" if isinstance(event, CardInserted) else "card_removed"
    return {"at": at, "event": {"type": kind, "seat": event.seat, "card": event.card}}
