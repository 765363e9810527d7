"""The parsed record that checks look at, built from a bundle's raw bytes."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import attrs

from urna.record.errors import RecordError
from urna.record.event import Event
from urna.record.manifest import EVENTS_NAME, MANIFEST_NAME, Manifest

T = TypeVar("T")


@attrs.frozen(slots=True)
class RecordView:
    """A bundle's manifest, events in file order, and the other files' bytes."""

    manifest: Manifest
    events: tuple[Event, ...]
    files: Mapping[str, bytes]

    @property
    def scope(self) -> str:
        return self.manifest.scope

    def of_type(self, *types: str) -> Iterator[Event]:
        """Events of the given types, in record order."""
        wanted = set(types)
        return (event for event in self.events if event.type in wanted)

    def registered_signers(self) -> dict[str, dict[str, Any]]:
        """Each key registered by ``core.signer_registered`` -> its payload (first wins)."""
        signers: dict[str, dict[str, Any]] = {}
        for event in self.of_type("core.signer_registered"):
            signers.setdefault(event.payload["key"], event.payload)
        return signers


def parse_record(files: Mapping[str, bytes]) -> RecordView:
    """Parse manifest and events strictly; raise ``RecordError`` on the first malformed one."""
    manifest = Manifest.from_bytes(files[MANIFEST_NAME])
    events_data = files.get(EVENTS_NAME)
    if events_data is None:
        raise RecordError(f"bundle has no {EVENTS_NAME}")
    if events_data and not events_data.endswith(b"\n"):
        raise RecordError(f"{EVENTS_NAME} must end with a newline", check="record.canonical")
    lines = events_data.split(b"\n")[:-1]
    events = tuple(
        Event.from_line(line, where=f"{EVENTS_NAME} line {number}")
        for number, line in enumerate(lines, start=1)
    )
    return RecordView(manifest=manifest, events=events, files=files)


def per_record(build: Callable[[RecordView], T]) -> Callable[[RecordView], T]:
    """``build`` computed once per record: what several checks of one record share
    (parsed election events, the per-ballot work). Records are held weakly."""
    cache: dict[int, tuple[weakref.ref[RecordView], T]] = {}

    @functools.wraps(build)
    def get(record: RecordView) -> T:
        entry = cache.get(id(record))
        if entry is not None and entry[0]() is record:
            return entry[1]
        for key, (ref, _) in list(cache.items()):
            if ref() is None:
                del cache[key]
        value = build(record)
        cache[id(record)] = (weakref.ref(record), value)
        return value

    return get
