"""Run under ``umockdev-wrapper /usr/bin/python3``: the device manager against a udev testbed.

Prints one JSON object: what the drivers opened and closed, and the merged properties.
"""

import asyncio
import json

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402
from urna.api import DeviceDriver, DeviceManager  # noqa: E402

log: list[list[str]] = []


class Handle:
    def __init__(self, info, emit):
        self.info = info
        props = info.properties
        log.append(
            [
                "open",
                props.get("URNA_SEAT", ""),
                props.get("ID_VENDOR_ID", ""),
                props.get("ID_MODEL_ID", ""),
            ]
        )

    def close(self):
        log.append(["close", self.info.properties.get("URNA_SEAT", "")])


async def main() -> None:
    testbed = UMockdev.Testbed.new()

    def pad(name: str, port: str, seat: str) -> str:
        usb = testbed.add_device(
            "usb",
            port,
            None,
            ["idVendor", "1209", "idProduct", "5a01"],
            ["DEVTYPE", "usb_device", "ID_VENDOR_ID", "1209", "ID_MODEL_ID", "5a01"],
        )
        return testbed.add_device(
            "hidraw", name, usb, [], ["URNA_ROLE", "parliament-keypad", "URNA_SEAT", seat]
        )

    pad("hidraw0", "usb1", "17")  # plugged in before the manager starts
    testbed.add_device("hidraw", "hidraw9", None, [], ["URNA_ROLE", "something-else"])
    driver = DeviceDriver(
        "test.keypad", {"SUBSYSTEM": "hidraw", "URNA_ROLE": "parliament-keypad"}, Handle
    )
    manager = DeviceManager([driver], lambda event: None)
    manager.start(subsystems=["hidraw"])
    later = pad("hidraw1", "usb2", "18")  # plugged in while running
    testbed.uevent(later, "add")
    await asyncio.sleep(0.5)
    testbed.uevent(later, "remove")
    await asyncio.sleep(0.5)
    manager.stop()
    print(json.dumps({"log": log}))


asyncio.run(main())
