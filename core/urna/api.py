"""The public API for plugin authors: everything a plugin may import from Urna.

Plugins import from here (and from ``urna.crypto``, ``urna.record``,
``urna.verify`` for pure code such as verifier checks); everything else in
``urna.shell`` is private and may change without notice.
"""

from sanic import Request

from urna.contributions import (
    Demo,
    DemoContext,
    DemoResult,
    DeviceDriver,
    ModelApp,
    Page,
    Report,
    ReportContext,
    Role,
    Route,
)
from urna.plugins import hookimpl
from urna.record.event import Event
from urna.record.event_types import EventType
from urna.record.fields import require_fields
from urna.shell.auth.guesses import guess_secret, run_memory_hard
from urna.shell.auth.principal import Principal
from urna.shell.ballot_box import (
    BallotBox,
    BallotBoxError,
    CastReceipt,
    PreparedBallot,
    ballot_box_for,
)
from urna.shell.cli import CommandContext
from urna.shell.devices import DeviceInfo, DeviceManager, ReplaySource
from urna.shell.http import ApiError, field, json_body
from urna.shell.i18n import N_, Translator
from urna.shell.ledger import Ledger, LedgerError
from urna.shell.permissions import AUTHENTICATED
from urna.shell.printing import Printer, PrintError, PrintJob
from urna.shell.replica import public_read
from urna.shell.services import Services, services_of
from urna.shell.settings import Settings
from urna.shell.static_files import static_route
from urna.shell.web import render, translator_of
from urna.verify import CheckContext, Failure, RecordView, VerifierCheck


def translator(services: Services, language: str) -> Translator:
    """Messages, numbers and times in ``language`` (``az``, ``en`` or ``ru``), outside a
    request: for reports, PDFs and exports written in a chosen language."""
    return services.web.translator(language)


def render_document(
    services: Services, template: str, context: dict[str, object], language: str
) -> str:
    """A page rendered outside a request, stylesheet inside: a saved report file that
    looks like the served page wherever it is opened."""
    return services.web.document(template, context, language)


def principal_of(request: Request) -> Principal:
    """Who is calling (already authenticated and authorised by the core)."""
    principal: Principal = request.ctx.principal
    return principal


__all__ = [
    "AUTHENTICATED",
    "N_",
    "ApiError",
    "BallotBox",
    "BallotBoxError",
    "CastReceipt",
    "CheckContext",
    "CommandContext",
    "Demo",
    "DemoContext",
    "DemoResult",
    "DeviceDriver",
    "DeviceInfo",
    "DeviceManager",
    "Event",
    "EventType",
    "Failure",
    "Ledger",
    "LedgerError",
    "ModelApp",
    "Page",
    "PreparedBallot",
    "Principal",
    "PrintError",
    "PrintJob",
    "Printer",
    "RecordView",
    "ReplaySource",
    "Report",
    "ReportContext",
    "Role",
    "Route",
    "Services",
    "Settings",
    "Translator",
    "VerifierCheck",
    "ballot_box_for",
    "field",
    "guess_secret",
    "hookimpl",
    "json_body",
    "principal_of",
    "public_read",
    "render",
    "render_document",
    "require_fields",
    "run_memory_hard",
    "services_of",
    "static_route",
    "translator",
    "translator_of",
]
