"""The minutes as files: ``urna report parliament.minutes parliament-sitting-<n>`` and the
demo's saved copies, rendered one way for both.

The HTML file is the served minutes page as a standalone document (its stylesheet
inside), so it looks the same opened from a USB stick; the PDF is :func:`render_pdf`'s.
"""

from __future__ import annotations

from typing import Any

from urna.api import Report, ReportContext, Services, render_document, translator

from urna_parliament.hall import hall_of
from urna_parliament.minutes import protocol, render_pdf
from urna_parliament.pages import words
from urna_parliament.record import SITTING_SCOPE_PREFIX


def minutes_html(services: Services, minutes: dict[str, Any], language: str) -> str:
    """The minutes page as a file: the same template, the stylesheet inside (no links to the
    appliance's draft pages, which a file opened elsewhere could not follow)."""
    return render_document(
        services, "parliament/minutes.html", {"minutes": minutes, "drafts": (), **words()}, language
    )


def minutes_pdf(services: Services, minutes: dict[str, Any], language: str) -> bytes:
    return render_pdf(minutes, translator(services, language))


async def render_minutes(scope: str, format: str, context: ReportContext) -> bytes:
    """``parliament-sitting-<n>``'s minutes as ``html`` or ``pdf`` in the context's language."""
    number = scope.removeprefix(SITTING_SCOPE_PREFIX)
    if not scope.startswith(SITTING_SCOPE_PREFIX) or not number.isdigit():
        raise ValueError(
            f"minutes are of a sitting's scope, {SITTING_SCOPE_PREFIX}<n>: not {scope}"
        )
    minutes = protocol(await hall_of(context.services).state(int(number)))
    language = context.translator.language
    if format == "html":
        return minutes_html(context.services, minutes, language).encode()
    return minutes_pdf(context.services, minutes, language)


MINUTES_REPORT = Report(
    "parliament.minutes",
    "Minutes of a plenary sitting (e-protocol)",
    ("pdf", "html"),
    render_minutes,
)
