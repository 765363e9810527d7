"""The device manager: start the udev monitor, then enumerate, then de-duplicate.

Devices plugged in before the monitor starts would be missed if we enumerated
first (FIELD.md section 5), so the monitor starts first and enumeration
follows; a device seen by both is opened once, keyed by its sys path. A
hidraw node carries no ``ID_VENDOR_ID``: :meth:`DeviceInfo.from_udev` copies
the USB identity properties from the parent ``usb_device``.

Each udev device is offered to every driver whose ``match`` properties it
has; ``driver.open(info, emit)`` answers a handle (anything with ``close()``)
and emits the driver's typed events through ``emit``. A driver that raises
is logged and skipped; the manager keeps running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from urna.contributions import DeviceDriver

log = logging.getLogger("urna.devices")
Emit = Callable[[object], None]
"""Where drivers send their typed events (card inserted at seat 17, key pressed...)."""
USB_IDENTITY = (
    "ID_VENDOR_ID",
    "ID_MODEL_ID",
    "ID_SERIAL",
    "ID_SERIAL_SHORT",
    "ID_VENDOR",
    "ID_MODEL",
    "ID_PATH",
    "ID_USB_INTERFACES",
)


@attrs.frozen(slots=True)
class DeviceInfo:
    """A udev device as drivers see it: where it lives and its (merged) properties."""

    sys_path: str
    device_node: str | None
    subsystem: str
    properties: Mapping[str, str]

    @classmethod
    def from_udev(cls, device: Any) -> DeviceInfo:
        """From a ``pyudev.Device``, with the parent USB device's identity filled in."""
        properties = {str(k): str(v) for k, v in device.properties.items()}
        parent = device.find_parent("usb", "usb_device")
        if parent is not None:
            for key in USB_IDENTITY:
                value = parent.properties.get(key)
                if value is not None and key not in properties:
                    properties[key] = str(value)
            for attribute, key in (("idVendor", "ID_VENDOR_ID"), ("idProduct", "ID_MODEL_ID")):
                if key not in properties:
                    raw = parent.attributes.get(attribute)
                    if raw is not None:
                        properties[key] = raw.decode("ascii", "replace").strip()
        return cls(
            sys_path=str(device.sys_path),
            device_node=device.device_node,
            subsystem=str(device.subsystem or ""),
            properties=properties,
        )

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> DeviceInfo:
        properties = value.get("properties", {})
        if not isinstance(properties, Mapping):
            raise ValueError("device properties must be an object")
        return cls(
            sys_path=str(value["sys_path"]),
            device_node=value.get("device_node"),
            subsystem=str(value.get("subsystem", properties.get("SUBSYSTEM", ""))),
            properties={str(k): str(v) for k, v in properties.items()},
        )

    def matches(self, match: Mapping[str, str]) -> bool:
        return all(self.properties.get(key) == value for key, value in match.items())


class DeviceManager:
    """Opens a handle per (device, matching driver); closes it when the device goes away."""

    def __init__(self, drivers: Iterable[DeviceDriver], emit: Emit) -> None:
        self.drivers = tuple(drivers)
        self.emit = emit
        self.handles: dict[str, list[tuple[str, Any]]] = {}
        self._monitor: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- the udev side ----------------------------------------------------------------

    def start(self, context: Any = None, *, subsystems: Iterable[str] = ()) -> None:
        """Start the monitor, then enumerate what is already plugged in (needs pyudev)."""
        import pyudev

        context = context or pyudev.Context()
        monitor = pyudev.Monitor.from_netlink(context)
        for subsystem in subsystems:
            monitor.filter_by(subsystem)
        monitor.start()
        self._monitor = monitor
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(monitor.fileno(), self._drain)
        wanted = set(subsystems)
        for device in context.list_devices():
            if wanted and device.subsystem not in wanted:
                continue
            self.device_added(DeviceInfo.from_udev(device))
        self._drain()

    def _drain(self) -> None:
        monitor = self._monitor
        if monitor is None:
            return
        while True:
            device = monitor.poll(timeout=0)
            if device is None:
                return
            self.handle_action(device.action or "", DeviceInfo.from_udev(device))

    def stop(self) -> None:
        if self._monitor is not None and self._loop is not None:
            self._loop.remove_reader(self._monitor.fileno())
            self._monitor = None
        for sys_path in list(self.handles):
            self.device_removed(sys_path)

    # -- matching and lifetimes (also driven by the replay source) ------------------------

    def handle_action(self, action: str, info: DeviceInfo) -> None:
        if action == "add":
            self.device_added(info)
        elif action == "remove":
            self.device_removed(info.sys_path)
        elif action == "change" and info.sys_path not in self.handles:
            self.device_added(info)

    def device_added(self, info: DeviceInfo) -> None:
        """Open every matching driver for ``info``, once per device (de-duplicated)."""
        if info.sys_path in self.handles:
            return
        opened: list[tuple[str, Any]] = []
        for driver in self.drivers:
            if not info.matches(driver.match):
                continue
            try:
                handle = driver.open(info, self.emit)
            except Exception:
                log.exception("driver %s failed to open %s", driver.name, info.sys_path)
                continue
            opened.append((driver.name, handle))
            log.info("driver %s opened %s", driver.name, info.sys_path)
        if opened:
            self.handles[info.sys_path] = opened

    def device_removed(self, sys_path: str) -> None:
        for name, handle in self.handles.pop(sys_path, []):
            close = getattr(handle, "close", None)
            if close is None:
                continue
            try:
                close()
            except Exception:
                log.exception("driver %s failed to close %s", name, sys_path)
