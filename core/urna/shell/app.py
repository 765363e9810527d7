"""The HTTP application: ``create_app(settings, pm)``.

Every route, the core's and the plugins', is a ``Route`` value mounted through
:func:`_guard`, the one place where callers are authenticated, permissions
checked, cookie-authenticated writes checked for CSRF, and idempotent writes
replayed. Run with ``urna serve`` (or ``sanic urna.shell.app:create_app --factory``).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import attrs
import pluggy
from sanic import Blueprint, Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import BaseHTTPResponse, HTTPResponse, redirect

from urna.contributions import Route
from urna.plugins import make_plugin_manager
from urna.shell import db, selftest
from urna.shell.auth import principal as auth
from urna.shell.core_pages import CORE_PAGES, ROOT_PAGES
from urna.shell.core_routes import CORE_ROUTES
from urna.shell.error_pages import error_page
from urna.shell.http import ApiError, error_response
from urna.shell.idempotency import idempotency_key, run_idempotent
from urna.shell.ledger import LedgerError, utc_now
from urna.shell.limits import ConnectionLimits
from urna.shell.postgres_engine import DatabaseUnavailableError
from urna.shell.registry import Registry, build_registry
from urna.shell.replica import read_replica
from urna.shell.services import Services, build_services, services_of
from urna.shell.settings import Settings, SettingsError, load_settings
from urna.shell.sqlite_engine import DatabaseBusyError
from urna.shell.web import signin_url, wants_html

log = logging.getLogger("urna.http")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CORE_PREFIX = "/-"
PLUGIN_PREFIX = "/p"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" with a
    # form's POST, and the origin check could not tell the appliance's own forms from others.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), usb=()",
}


App = Sanic[Any, Any]


def create_app(
    settings: Settings | None = None, manager: pluggy.PluginManager | None = None
) -> App:
    """Build the appliance's sanic app; nothing touches the database until it starts."""
    settings = settings or load_settings()
    manager = manager or make_plugin_manager(settings.plugins_allow, settings.plugins_require)
    registry = build_registry(manager)
    try:
        manager.hook.urna_configure(settings=settings)
    except ValueError as exc:  # the hook's contract: a plugin names its bad setting so
        raise SettingsError(str(exc)) from None
    app = Sanic("urna")
    app.config.AUTO_EXTEND = False
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    # sanic's timeouts bound the silence between bytes; limits.py bounds whole requests.
    app.config.REQUEST_TIMEOUT = settings.header_timeout_seconds
    app.config.RESPONSE_TIMEOUT = settings.response_timeout_seconds
    app.config.KEEP_ALIVE_TIMEOUT = settings.keep_alive_seconds
    app.ctx.connection_limits = ConnectionLimits.from_settings(settings)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.settings = settings
    app.ctx.registry = registry
    app.ctx.routes = []
    _mount(app, Blueprint("root"), ROOT_PAGES, "")
    _mount(app, Blueprint("core", url_prefix=CORE_PREFIX), CORE_ROUTES + CORE_PAGES, CORE_PREFIX)
    for plugin in sorted(set(registry.routes) | set(registry.pages)):
        prefix = f"{PLUGIN_PREFIX}/{plugin}"
        routes = registry.routes.get(plugin, ()) + tuple(
            page.route() for page in registry.pages.get(plugin, ())
        )
        _mount(app, Blueprint(f"plugin_{plugin}", url_prefix=prefix), routes, prefix)

    @app.before_server_start
    async def start(app: App) -> None:
        selftest.check_libraries()
        await db.open_database(settings, registry.model_apps)
        app.ctx.services = services = attrs.evolve(
            build_services(settings, registry, manager), replica=read_replica(settings)
        )
        if services.replica is not None:
            services.replica.start()
        try:
            for warming in manager.hook.urna_on_serving(services=app.ctx.services):
                if inspect.isawaitable(warming):
                    await warming
        except BaseException:
            await _close(app.ctx.services)  # no stop listener runs after a failed start
            raise

    @app.after_server_stop
    async def stop(app: App) -> None:
        await _close(app.ctx.services)

    app.register_middleware(_authenticate, "request")
    app.register_middleware(_secure_headers, "response")
    app.error_handler.add(ApiError, _api_error)
    app.error_handler.add(LedgerError, _ledger_error)
    app.error_handler.add(DatabaseBusyError, _database_busy)
    app.error_handler.add(DatabaseUnavailableError, _database_busy)
    app.error_handler.add(SanicException, _sanic_error)
    app.error_handler.add(Exception, _internal_error)
    return app


async def _close(services: Services) -> None:
    if services.replica is not None:
        await services.replica.close()
    await db.close_database()


def _mount(app: App, blueprint: Blueprint, routes: Any, prefix: str) -> None:
    for route in routes:
        blueprint.add_route(
            _guard(route),
            route.path,
            methods=list(route.methods),
            name=_route_name(route),
        )
        app.ctx.routes.append((prefix + route.path, route))
    app.blueprint(blueprint)


def _route_name(route: Route) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in route.path).strip("_") or "root"
    return f"{cleaned}_{'_'.join(route.methods).lower()}"


def _guard(route: Route) -> Callable[..., Coroutine[Any, Any, HTTPResponse]]:
    async def guarded(request: Request, **params: Any) -> HTTPResponse:
        principal: auth.Principal = request.ctx.principal
        if route.permission is not None:
            if principal.via == "anonymous" and request.method == "GET" and wants_html(request):
                return redirect(signin_url(request), status=303)
            if principal.via == "anonymous":
                raise ApiError(401, "sign in or present an API token")
            if not principal.may(route.permission):
                raise ApiError(403, f"this needs the permission {route.permission}")
        if request.method not in SAFE_METHODS:
            _check_origin(request, principal)
        if route.idempotent:
            key = idempotency_key(request)
            if route.prepare is not None:
                request.ctx.prepared = await route.prepare(request, **params)
            ledger = services_of(request).ledger
            return await run_idempotent(
                request, principal, ledger, key, lambda: route.handler(request, **params)
            )
        response: HTTPResponse = await route.handler(request, **params)
        return response

    guarded.__name__ = f"guarded_{route.handler.__name__}"
    guarded.__doc__ = route.handler.__doc__
    return guarded


def _check_origin(request: Request, principal: auth.Principal) -> None:
    """Writes from a browser must come from the appliance's own pages."""
    origin = request.headers.get("Origin")
    expected = request.app.ctx.settings.origin
    if principal.via == "token":
        return
    if origin is not None and origin != expected:
        raise ApiError(403, f"cross-origin write refused (Origin {origin!r})")
    if principal.via == "session":
        referer = request.headers.get("Referer", "")
        if origin is None and not referer.startswith(expected + "/"):
            raise ApiError(403, "write refused: no Origin or Referer from this appliance")
        if not principal.csrf_matches(_csrf_presented(request)):
            raise ApiError(403, "write refused: missing or wrong X-CSRF-Token")


def _csrf_presented(request: Request) -> str:
    """The CSRF token of a write: the API's header, or a page form's hidden field (a
    plain form or a file upload's multipart form)."""
    header = request.headers.get("X-CSRF-Token")
    if header is not None:
        return str(header)
    content_type = request.content_type or ""
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form: Any = request.form or {}
        return str(form.get("csrf_token", ""))
    return ""


async def _authenticate(request: Request) -> HTTPResponse | None:
    request.ctx.principal = auth.ANONYMOUS
    services: Services | None = getattr(request.app.ctx, "services", None)
    if services is None:
        return None
    registry: Registry = services.registry
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        found = None
        if scheme.lower() == "bearer" and token:
            found = await auth.from_bearer(token.strip(), registry.roles)
        if found is None:
            return error_response(401, "invalid API token", {"WWW-Authenticate": "Bearer"})
        request.ctx.principal = found
        return None
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    if cookie:
        found = await auth.from_session(cookie, services.settings, registry.roles, utc_now())
        if found is not None:
            request.ctx.principal = found
    return None


async def _secure_headers(request: Request, response: BaseHTTPResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    if request.app.ctx.settings.origin.startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")


def _error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> HTTPResponse:
    """A browser gets a page in its language; an API client gets the JSON error."""
    if wants_html(request) and getattr(request.app.ctx, "services", None) is not None:
        try:
            return error_page(request, status, headers)
        except Exception:  # the error page itself failed: fall back to the JSON answer
            log.exception("the error page for %s failed", request.path)
    return error_response(status, message, headers)


def _api_error(request: Request, exc: ApiError) -> HTTPResponse:
    return _error(request, exc.status, exc.message, exc.headers)


def _ledger_error(request: Request, exc: LedgerError) -> HTTPResponse:
    return _error(request, 422, str(exc))


def _database_busy(
    request: Request, exc: DatabaseBusyError | DatabaseUnavailableError
) -> HTTPResponse:
    return _error(request, 503, str(exc), {"Retry-After": "1"})


def _sanic_error(request: Request, exc: SanicException) -> HTTPResponse:
    status = exc.status_code
    message = str(exc) if status < 500 else "internal error"
    return _error(request, status, message)


def _internal_error(request: Request, exc: Exception) -> HTTPResponse:
    """A bug: logged for the operator, answered in the same JSON shape, with no detail."""
    log.error("unhandled error answering %s %s", request.method, request.path, exc_info=exc)
    return _error(request, 500, "internal error")
