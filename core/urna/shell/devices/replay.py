"""The replay source: recorded device activity fed back in, for tests and the demo.

A recording is JSON lines. ``{"at": 0.25, "action": "add", "device": {...}}``
replays a udev add or remove through the manager's matching (so drivers open
and close as they would on hardware); ``{"at": 0.5, "event": {...}}`` replays
a typed event, decoded by the consumer's ``decode`` and emitted as the driver
would have. ``at`` is seconds from the start; ``speed`` 0 replays at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from urna.shell.devices.manager import DeviceInfo, DeviceManager


class ReplaySource:
    def __init__(
        self,
        lines: Iterable[str],
        decode: Callable[[Mapping[str, Any]], object] | None = None,
        *,
        speed: float = 0.0,
    ) -> None:
        self.records: list[dict[str, Any]] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"replay line {number}: not JSON: {exc.msg}") from None
            if not isinstance(record, dict) or not (("action" in record) ^ ("event" in record)):
                raise ValueError(f"replay line {number}: needs either 'action' or 'event'")
            self.records.append(record)
        self.decode = decode
        self.speed = speed

    async def run(self, manager: DeviceManager) -> int:
        """Feed every record to ``manager``; answers how many were replayed."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        for record in self.records:
            if self.speed > 0:
                delay = start + float(record.get("at", 0)) / self.speed - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            if "action" in record:
                manager.handle_action(record["action"], DeviceInfo.from_json(record["device"]))
            else:
                if self.decode is None:
                    raise ValueError("this replay holds typed events but no decoder was given")
                manager.emit(self.decode(record["event"]))
            await asyncio.sleep(0)
        return len(self.records)
