"""The core's pages: the landing page, sign-in and sign-out, the language switch, the
records page (how an observer verifies), the API reference, and the stylesheet.

Forms post ``application/x-www-form-urlencoded``. Sign-in is protected against
login CSRF by a double-submitted token (a cookie set with the form, the same
value in a hidden field); every other form of a signed-in user carries the
session's CSRF token, checked by the core's guard like the API's header.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import quote

from sanic import Request
from sanic.response import HTTPResponse, redirect

from urna import __version__
from urna.contributions import Route
from urna.languages import LANGUAGES
from urna.shell.appliance import appliance_info
from urna.shell.auth import passwords, signin
from urna.shell.auth.tokens import new_token
from urna.shell.http import ApiError
from urna.shell.i18n import LANGUAGE_COOKIE
from urna.shell.ledger import utc_now
from urna.shell.services import services_of
from urna.shell.static_files import static_route
from urna.shell.web import render, translator_of

SIGNIN_COOKIE = "urna_signin"
SIGNIN_COOKIE_SECONDS = 3600
STATIC = {"urna.css": "text/css"}
YEAR = 365 * 24 * 3600


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this appliance, never another site.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    ``/\t/evil.example`` would become ``//evil.example``: any such character refuses.
    """
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value)
    ):
        return "/"
    return quote(value[:2000], safe="/?=&%-._~")  # a Location header is ASCII


async def landing(request: Request) -> HTTPResponse:
    """What this appliance is, its public pages, and the caller's own pages."""
    services = services_of(request)
    info = appliance_info()
    image = info.image or {}
    return render(
        request,
        "urna/landing.html",
        {
            "profile": image.get("profile", ""),
            "version": __version__,
            "plugins": services.registry.plugins,
            "roothash": info.roothash,
        },
    )


async def signin_form(request: Request) -> HTTPResponse:
    """The sign-in form, with a fresh double-submit token for login CSRF."""
    return _signin_page(request, next_path=safe_next(request.args.get("next")))


def _signin_page(
    request: Request,
    *,
    next_path: str,
    username: str = "",
    errors: dict[str, str] | None = None,
    wait: int = 0,
    status: int = 200,
) -> HTTPResponse:
    form_token = new_token()
    response = render(
        request,
        "urna/signin.html",
        {
            "form_token": form_token,
            "next": next_path,
            "username": username,
            "errors": errors or {},
            "wait": wait,
        },
        status=status,
        headers={"Retry-After": str(wait)} if wait else None,
    )
    _set_cookie(request, response, SIGNIN_COOKIE, form_token, "/-/signin", SIGNIN_COOKIE_SECONDS)
    return response


async def signin_submit(request: Request) -> HTTPResponse:
    """Check the form's token, then the password (throttled as the API's login is)."""
    form = _form(request)
    next_path = safe_next(form.get("next"))
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    presented = form.get("csrf_token", "")
    if not cookie or not hmac.compare_digest(cookie.encode(), presented.encode()):
        raise ApiError(403, "the sign-in form expired or came from elsewhere; reload it")
    t = translator_of(request)
    username = form.get("username", "").strip()[:64]
    password = form.get("password", "")[: passwords.MAX_LENGTH]
    errors = {}
    if not username:
        errors["username"] = t.gettext("Enter your user name")
    if not password:
        errors["password"] = t.gettext("Enter your password")
    if errors:
        return _signin_page(
            request, next_path=next_path, username=username, errors=errors, status=422
        )
    now = utc_now()
    try:
        user = await signin.check_password(username, password, request.ip, now)
    except signin.SignInRefused as refused:
        message = t.gettext("The user name or password is wrong")
        return _signin_page(
            request,
            next_path=next_path,
            username=username,
            errors={} if refused.wait else {"password": message},
            wait=refused.wait,
            status=429 if refused.wait else 401,
        )
    token, _ = await signin.open_session(request, user, now)
    response = redirect(next_path, status=303)
    signin.set_session_cookie(response, token, services_of(request).settings)
    response.delete_cookie(SIGNIN_COOKIE, path="/-/signin")
    return response


async def signout(request: Request) -> HTTPResponse:
    """End this session (its token stops working at once) and go to the home page."""
    response = redirect("/", status=303)
    await signin.end_session(request.ctx.principal, response)
    return response


async def language(request: Request) -> HTTPResponse:
    """The language switch: remember the choice in a cookie and go back to the page."""
    choice = request.args.get("to", "")
    if choice not in LANGUAGES:
        raise ApiError(404, f"no language {choice!r}; choose one of {', '.join(LANGUAGES)}")
    response = redirect(safe_next(request.args.get("next")), status=303)
    # Lax and readable by scripts: a preference, sent when a link from elsewhere comes in.
    _set_cookie(request, response, LANGUAGE_COOKIE, choice, "/", YEAR, private=False)
    return response


async def records(request: Request) -> HTTPResponse:
    """Every record on this appliance with its downloads, and how to verify one."""
    heads = await services_of(request).ledger.scopes()
    return render(request, "urna/records.html", {"scopes": heads})


async def api_docs(request: Request) -> HTTPResponse:
    """A readable page of this API, with no external assets."""
    routes = sorted(request.app.ctx.routes, key=lambda pair: pair[0])
    return render(request, "urna/api.html", {"routes": routes})


def _set_cookie(
    request: Request,
    response: HTTPResponse,
    name: str,
    value: str,
    path: str,
    max_age: int,
    *,
    private: bool = True,
) -> None:
    """A cookie of a page: Secure over HTTPS (sanic's default would be Secure always, which
    a browser drops on plain HTTP); a private one is HttpOnly and SameSite=Strict."""
    response.add_cookie(
        name,
        value,
        httponly=private,
        samesite="Strict" if private else "Lax",
        secure=services_of(request).settings.origin.startswith("https://"),
        path=path,
        max_age=max_age,
    )


def _form(request: Request) -> dict[str, str]:
    content_type = (request.content_type or "").split(";")[0].strip()
    if content_type != "application/x-www-form-urlencoded":
        raise ApiError(415, "a form must be posted as application/x-www-form-urlencoded")
    form: Any = request.form or {}
    return {key: str(form.get(key, "")) for key in form}


ROOT_PAGES: tuple[Route, ...] = (Route("/", landing, summary="Landing page"),)
"""Mounted at the site's root, outside ``/-/``."""

CORE_PAGES: tuple[Route, ...] = (
    Route("/signin", signin_form, summary="Sign-in page"),
    Route("/signin", signin_submit, ("POST",), summary="Sign in from the page"),
    Route("/signout", signout, ("POST",), summary="Sign out from the page"),
    Route("/language", language, summary="Choose the pages' language"),
    Route("/records", records, summary="Records and how to verify them"),
    Route("/docs", api_docs, summary="API reference page"),
    static_route("urna", STATIC, "The stylesheet"),
)
