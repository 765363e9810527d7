"""The device layer: one manager on pyudev, drivers matched by udev properties, a replay source.

See ``docs/devices.md``. Plugins reach it through ``urna.api`` (``DeviceManager``,
``DeviceInfo``, ``ReplaySource``) and contribute drivers with
``urna_register_device_drivers``.
"""

from urna.shell.devices.manager import DeviceInfo, DeviceManager, Emit
from urna.shell.devices.replay import ReplaySource

__all__ = ["DeviceInfo", "DeviceManager", "Emit", "ReplaySource"]
