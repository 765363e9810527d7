"""The plugin's event type and verifier check: pure code, runnable by any observer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from urna.record.event_types import EventType, require_fields
from urna.verify import CheckContext, Failure, RecordView, VerifierCheck

SCOPE = "notices"
MAX_TEXT = 500


def validate_notice(payload: Mapping[str, Any]) -> None:
    require_fields(payload, {"number": int, "text": str, "author": str})
    if payload["number"] < 1:
        raise ValueError("notice number must be at least 1")
    if not 1 <= len(payload["text"]) <= MAX_TEXT:
        raise ValueError(f"notice text must be 1..{MAX_TEXT} characters")


NOTICE_POSTED = EventType(
    "example.notice_posted", "A notice was posted to the board.", validate_notice
)


def check_numbering(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Notices are numbered 1, 2, 3... in the order they were posted, none skipped."""
    for expected, event in enumerate(record.of_type(NOTICE_POSTED.name), start=1):
        if event.payload.get("number") != expected:
            yield Failure(
                "example.notices-numbered",
                event.where,
                f"notice numbered {event.payload.get('number')}, expected {expected}",
            )


NUMBERING_CHECK = VerifierCheck(
    "example.notices-numbered", "Notice numbering", check_numbering, applies_to=("example.",)
)
