"""What plugins contribute: frozen values returned from ``urna_register_*`` hooks.

The core validates each value, namespaces it by the contributing plugin and
wires it in. A plugin never mutates core state directly.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PERMISSION = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})

Handler = Callable[..., Awaitable[Any]]
"""A sanic handler: ``async def handler(request, **path_params) -> HTTPResponse``."""


@attrs.frozen(slots=True)
class Route:
    """An HTTP route, mounted under ``/p/<plugin>/``.

    ``permission`` is the permission a caller needs (checked in one place by the
    core before the handler runs); ``None`` makes the route public. Write
    routes with ``idempotent=True`` require an ``Idempotency-Key`` header and
    replay the first response for a repeated key; their handler runs inside the
    write's transaction. ``prepare`` (idempotent routes only) runs before that
    transaction opens, for slow work that needs no database (a password hash),
    so that other writes do not wait through it: ``await prepare(request,
    **path_params)``, its answer in ``request.ctx.prepared``. It must not refuse
    for reasons of state (a replayed key must still replay): leave those to the
    handler.
    """

    path: str
    handler: Handler
    methods: tuple[str, ...] = ("GET",)
    permission: str | None = None
    idempotent: bool = False
    summary: str = ""
    prepare: Handler | None = None

    def __attrs_post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise ValueError(f"route path {self.path!r} must start with '/'")
        unknown = set(self.methods) - HTTP_METHODS
        if unknown or not self.methods:
            raise ValueError(f"route {self.path}: bad methods {sorted(unknown)}")
        if self.permission is not None and not PERMISSION.fullmatch(self.permission):
            raise ValueError(f"route {self.path}: bad permission name {self.permission!r}")
        if self.idempotent and "GET" in self.methods:
            raise ValueError(f"route {self.path}: GET routes are idempotent by nature")
        if self.prepare is not None and not self.idempotent:
            raise ValueError(f"route {self.path}: prepare is for idempotent routes")


NAV_SECTIONS = ("public", "work")
"""Where a page may sit in the navigation: pages for everyone, pages for a role's work."""


@attrs.frozen(slots=True)
class Page:
    """A page for people: an HTML ``GET`` route under ``/p/<plugin>/`` with a navigation entry.

    The core mounts it like a :class:`Route` with the same ``permission`` (a
    browser without a session is sent to the sign-in page and back) and lists
    it in the navigation of every caller who may open it: under ``nav``
    (``"public"`` or ``"work"``; ``None`` keeps it out of the navigation, as
    for a page that needs path parameters), sorted by ``order``. ``title`` is
    written in English and translated through the plugin's catalog (mark it
    with ``urna.api.N_``). The handler answers ``await urna.api.render(request,
    "<plugin>/<template>.html", {...})``.
    """

    path: str
    handler: Handler
    title: str
    permission: str | None = None
    nav: str | None = "public"
    order: int = 50

    def __attrs_post_init__(self) -> None:
        if self.nav is not None and self.nav not in NAV_SECTIONS:
            raise ValueError(f"page {self.path}: nav must be one of {NAV_SECTIONS} or None")
        if self.nav is not None and "<" in self.path:
            raise ValueError(f"page {self.path}: a page with path parameters has no nav entry")
        if not self.title:
            raise ValueError(f"page {self.path}: a page needs a title")
        self.route()  # the route's own checks: path, permission name

    def route(self) -> Route:
        return Route(self.path, self.handler, ("GET",), self.permission, summary=self.title)


@attrs.frozen(slots=True)
class Role:
    """A role and the permissions it grants. Names are namespaced by the plugin."""

    name: str
    permissions: tuple[str, ...]
    description: str = ""


@attrs.frozen(slots=True)
class ModelApp:
    """A tortoise app: the plugin's models module and its committed migrations package."""

    models: str
    migrations: str


@attrs.frozen(slots=True)
class ReportContext:
    """What a report is rendered with: the appliance's services (the database is open) and
    the translator of the language asked for (``urna report --language``)."""

    services: Any
    translator: Any
    """A ``urna.api.Translator``: messages, numbers and times in the report's language."""


@attrs.frozen(slots=True)
class Report:
    """A report the plugin renders for a scope, in one or more formats (``pdf``, ``html``...)."""

    name: str
    title: str
    formats: tuple[str, ...]
    render: Callable[[str, str, ReportContext], Awaitable[bytes]]
    """``await render(scope, format, context)`` returns the report's bytes, or raises
    ``ValueError`` naming what is wrong (a scope the report is not about). Changed in 0.2:
    the context brings the services and the language."""


@attrs.frozen(slots=True)
class DeviceDriver:
    """Turns matching udev devices into typed events (see ``docs/devices.md``).

    The core's device manager offers each udev device to every driver whose
    ``match`` properties it has, and calls ``open(info, emit)`` with a
    ``urna.api.DeviceInfo`` (sys path, device node, properties, with the
    parent USB device's ``ID_VENDOR_ID``/``ID_MODEL_ID`` filled in for hidraw
    nodes) and ``emit``, the callable that takes the driver's typed events.
    ``open`` answers a handle whose ``close()`` runs when the device goes away.
    """

    name: str
    match: dict[str, str]
    """udev properties that must all equal these values, e.g. ``{"ID_VENDOR_ID": "16c0"}``."""
    open: Callable[..., Any]
    """``open(info: DeviceInfo, emit: Callable[[object], None]) -> handle with close()``."""
    description: str = ""


@attrs.frozen(slots=True)
class DemoResult:
    """What a demo scenario produced: scopes to export and report files it wrote."""

    scopes: tuple[str, ...] = ()
    reports: tuple[Path, ...] = ()
    urls: tuple[str, ...] = ()
    users: Mapping[str, str] = attrs.field(factory=dict)
    """User names the demo's data expects, by role: a member's page needs a user named
    after a roster member (``{"parliament.member": "m001"}``). Other roles get a user
    named after the role."""


@attrs.frozen(slots=True)
class Demo:
    """A non-interactive scenario that exercises the plugin end to end."""

    name: str
    run: Callable[[DemoContext], Awaitable[DemoResult]]


@attrs.frozen(slots=True)
class DemoContext:
    """What a demo gets: where to write reports, and the running appliance's services."""

    reports_dir: Path
    services: Any


def check_name(kind: str, name: str) -> None:
    if not NAME.fullmatch(name):
        raise ValueError(f"{kind} name {name!r} must match {NAME.pattern}")
