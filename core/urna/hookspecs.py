"""Every hook of Urna's core, with its contract.

Hooks named ``urna_register_<things>`` return lists of frozen values (see
``urna.contributions``) that the core validates, namespaces by plugin and
wires in; ``urna_on_<event>`` hooks are notifications whose return values are
ignored. No security decision is ever taken by ``firstresult``.
``docs/hooks.md`` is generated from this module (``python -m urna.shell.hookdoc``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING

import click
import pluggy

if TYPE_CHECKING:
    from urna.contributions import Demo, DeviceDriver, ModelApp, Page, Report, Role, Route
    from urna.record.event import Event
    from urna.record.event_types import EventType
    from urna.shell.services import Services
    from urna.shell.settings import Settings
    from urna.verify.check import VerifierCheck

PROJECT = "urna"
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def urna_configure(settings: Settings) -> None:
    """Called once after plugins load, before anything else, with the appliance's settings.

    A plugin reads its own section, ``settings.plugin_config("<name>")``, and
    raises ``ValueError`` naming the bad key to refuse to start.

    Added in 0.1.
    """


@hookspec
def urna_register_models() -> Sequence[ModelApp]:
    """Return the plugin's tortoise app: its models module and migrations package.

    The core registers it as a tortoise app labelled with the plugin's name;
    ``urna db migrate`` applies its committed migrations. Return at most one.

    Added in 0.1.
    """


@hookspec
def urna_register_routes() -> Sequence[Route]:
    """Return HTTP routes; they are mounted under ``/p/<plugin>/``.

    Each route names the permission it needs (or ``None`` for public); the
    core checks it before the handler runs, so handlers never check roles
    themselves. Every route must appear in the authorization matrix test.

    Added in 0.1.
    """


@hookspec
def urna_register_pages() -> Sequence[Page]:
    """Return the plugin's pages: HTML routes with a title and a place in the navigation.

    Each is mounted under ``/p/<plugin>/`` with the permission it names (a
    browser that is not signed in is sent to the sign-in page and back) and
    appears in the navigation of every caller who may open it. Templates come
    from the plugin package's ``templates/`` folder, named ``<plugin>/...``,
    and extend ``urna/base.html``; messages are translated through the
    catalogs in the package's ``locale/<lang>/LC_MESSAGES/<plugin>.mo`` (see
    ``docs/pages.md``). Every page must appear in the authorization matrix test.

    Added in 0.2.
    """


@hookspec
def urna_register_commands() -> Sequence[click.Command]:
    """Return click commands; they appear under ``urna <plugin> ...``.

    Added in 0.1.
    """


@hookspec
def urna_register_event_types() -> Sequence[EventType]:
    """Return the ledger event types the plugin appends.

    Names must start with ``<plugin>.``. The payload validator runs before every
    append (a failing payload appends nothing) and again in ``urna verify``,
    so it must be a pure function.

    Added in 0.1.
    """


@hookspec
def urna_register_roles() -> Sequence[Role]:
    """Return roles and the permissions they grant.

    Role and permission names must start with ``<plugin>.``. The core adds
    them to the roles an administrator can assign.

    Added in 0.1.
    """


@hookspec
def urna_register_reports() -> Sequence[Report]:
    """Return the reports the plugin can render for a scope.

    Report names must start with ``<plugin>.``. They are listed at
    ``/-/reports.json`` and rendered by ``urna report NAME SCOPE --output FILE
    [--language az|en|ru]``: ``await render(scope, format, context)`` runs with the
    database open and gets a ``ReportContext`` (the services, and the translator of the
    language asked for, the appliance's by default); it raises ``ValueError`` naming
    what is wrong for a scope it has no report of. Changed in 0.2: the context.

    Added in 0.1.
    """


@hookspec
def urna_register_verifier_checks() -> Sequence[VerifierCheck]:
    """Return checks that the appliance runs over a bundle (``urna restore``).

    Check ids must start with ``<plugin>.``; checks must be pure (they run on
    an observer's machine with only the record) and yield a ``Failure`` for
    every problem they find. ``urna verify`` does not call this hook: it takes
    the same checks, with the plugin's event types, from the ``VerifierPlugin``
    that the plugin names under the entry-point group ``urna.verify``, in a
    module that imports no web or database code. Return the same values here.

    Added in 0.1.
    """


@hookspec
def urna_register_device_drivers() -> Sequence[DeviceDriver]:
    """Return device drivers that turn matching udev devices into typed events.

    The core's device manager offers each udev device to the drivers whose
    ``match`` properties it has; see ``docs/devices.md``.

    Added in 0.1.
    """


@hookspec
def urna_register_demos() -> Sequence[Demo]:
    """Return demo scenarios that ``urna demo`` runs non-interactively.

    Each scenario gets a ``DemoContext`` (reports directory, running services)
    and returns a ``DemoResult`` naming the scopes to export and verify, the
    reports it wrote and the URLs worth opening.

    Added in 0.1.
    """


@hookspec
def urna_on_event_committed(event: Event) -> None:
    """Called after the transaction that appended ``event`` has committed.

    Never called for an event that was rolled back. Exceptions raised here
    are logged and do not undo anything: the event is already in the record.

    Added in 0.1.
    """


@hookspec
def urna_on_serving(services: Services) -> Awaitable[None] | None:
    """Called in each process that serves HTTP (each sanic worker), once its database and
    ``services`` are up and before it answers its first request.

    For warming in-memory caches from the database, so that the first requests
    do not pay for it (the elections plugin decodes its members' keys here).
    Return ``None`` or an awaitable, which the core awaits before serving; an
    exception stops the server from starting. Nothing is written to the
    ledger here: the start event is written once, before the workers start.

    Added in 0.1.
    """
