"""The core's own routes, under ``/-/``: health, plugins, API description, record, accounts."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from sanic import Request
from sanic.response import HTTPResponse, json, raw

from urna import __version__
from urna.contributions import Route
from urna.record.bundle import canonical_tar
from urna.record.checkpoint import sign_checkpoint
from urna.shell import accounts, openapi
from urna.shell.appliance import appliance_info, list_media
from urna.shell.auth import passwords, signin
from urna.shell.auth import principal as auth
from urna.shell.election_routes import ELECTION_ROUTES
from urna.shell.http import ApiError, field, json_body, scope_name
from urna.shell.ledger import Ledger, format_time, utc_now
from urna.shell.models import User
from urna.shell.permissions import AUTHENTICATED, MANAGE_USERS
from urna.shell.replica import public_read
from urna.shell.services import services_of

T = TypeVar("T")


async def health(request: Request) -> HTTPResponse:
    """Liveness: the appliance is up and its database answers."""
    services = services_of(request)
    await User.all().count()
    return json(
        {
            "status": "ok",
            "version": __version__,
            "database": "sqlite" if services.settings.uses_sqlite else "postgresql",
            "appliance_key": services.fingerprint,
        }
    )


async def plugins(request: Request) -> HTTPResponse:
    """The loaded plugins: name, distribution, version."""
    return json([info.to_json() for info in services_of(request).registry.plugins])


async def openapi_json(request: Request) -> HTTPResponse:
    """This API, described as OpenAPI 3.1."""
    return json(openapi.document(request.app.ctx.routes))


async def appliance(request: Request) -> HTTPResponse:
    """The image this appliance runs: profile, verity root hash, key fingerprint, plugins."""
    services = services_of(request)
    return json(
        {
            **appliance_info().to_json(),
            "fingerprint": services.fingerprint,
            "plugins": [info.to_json() for info in services.registry.plugins],
        }
    )


async def media(request: Request) -> HTTPResponse:
    """USB drives mounted (read-only, by the appliance's mount unit) with their options."""
    return json([medium.to_json() for medium in list_media()])


async def reports(request: Request) -> HTTPResponse:
    """The reports the enabled plugins render (``urna report NAME SCOPE``)."""
    return json(
        [
            {"name": r.name, "title": r.title, "formats": list(r.formats)}
            for r in services_of(request).registry.reports.values()
        ]
    )


async def scopes(request: Request) -> HTTPResponse:
    """Every scope (ledger) with its head: the last seq and hash."""
    services = services_of(request)
    heads = await public_read(services, services.ledger.scopes)
    return json([{"scope": h.scope, "seq": h.seq, "hash": h.hash} for h in heads])


async def checkpoint(request: Request, scope: str) -> HTTPResponse:
    """The scope's head, signed now by the appliance: keep it to detect truncation later."""
    services = services_of(request)
    head = await public_read(services, lambda: _head(services.ledger, scope))
    signed = sign_checkpoint(
        scope=scope, seq=head[0], hash=head[1], time=format_time(utc_now()), key=services.key
    )
    return json(signed.to_json())


async def bundle(request: Request, scope: str) -> HTTPResponse:
    """The scope's record bundle as a canonical tar, for ``urna verify``."""
    services = services_of(request)

    async def read() -> dict[str, bytes]:
        await _head(services.ledger, scope)
        return await services.ledger.bundle_files(scope)

    files = await public_read(services, read)
    return raw(
        canonical_tar(files),
        content_type="application/x-tar",
        headers={"Content-Disposition": f'attachment; filename="{scope}.tar"'},
    )


async def _head(ledger: Ledger, scope: str) -> tuple[int, str]:
    """The scope's head ``(seq, hash)``, or 404 when there is no such scope."""
    head = await ledger.head(scope_name(scope))
    if head is None:
        raise ApiError(404, f"no scope {scope!r}")
    return head


async def login(request: Request) -> HTTPResponse:
    """Sign in with a user name and password; answers the CSRF token for later writes."""
    body = json_body(request)
    username = field(body, "username", str, max_length=64)
    password = field(body, "password", str, max_length=passwords.MAX_LENGTH, strip=False)
    now = utc_now()
    try:
        user = await signin.check_password(username, password, request.ip, now)
    except signin.SignInRefused as refused:
        if refused.wait:
            raise ApiError(
                429,
                f"too many failed sign-ins; try again in {refused.wait} s",
                headers={"Retry-After": str(refused.wait)},
            ) from None
        raise ApiError(401, str(refused)) from None
    token, csrf = await signin.open_session(request, user, now)
    services = services_of(request)
    principal = await auth.principal_for_user(user, "session", services.registry.roles)
    response = json({"username": user.username, "roles": list(principal.roles), "csrf_token": csrf})
    signin.set_session_cookie(response, token, services.settings)
    return response


async def logout(request: Request) -> HTTPResponse:
    """End this session everywhere: its token stops working at once."""
    response = json({"signed_out": True})
    await signin.end_session(request.ctx.principal, response)
    return response


async def me(request: Request) -> HTTPResponse:
    """Who the caller is, with roles and permissions; a session also gets its CSRF token.

    A reloaded page has lost the token that login answered; it reads it here
    again. Other origins cannot read this response (no CORS), so this does not
    weaken the CSRF check.
    """
    principal: auth.Principal = request.ctx.principal
    answer: dict[str, object] = {
        "username": principal.username,
        "via": principal.via,
        "roles": list(principal.roles),
        "permissions": sorted(principal.permissions),
    }
    if principal.via == "session":
        answer["csrf_token"] = principal.csrf_token
    return json(answer)


async def new_user(request: Request) -> accounts.NewUser:
    """The user asked for, checked and with its password hashed, before the write's
    transaction opens (``Route.prepare``): the hash takes a fifth of a second."""
    body = json_body(request)
    display_name = body.get("display_name", "")
    if not isinstance(display_name, str):
        raise ApiError(422, "field 'display_name' must be str")
    return await _account(
        accounts.hashed_user(
            field(body, "username", str, max_length=64),
            field(body, "password", str, max_length=passwords.MAX_LENGTH, strip=False),
            _role_names(body.get("roles", [])),
            services_of(request).registry.roles,
            display_name,
        )
    )


async def create_user(request: Request) -> HTTPResponse:
    """Create a user with a password and roles."""
    new: accounts.NewUser = request.ctx.prepared
    user = await _account(accounts.store_user(new))
    return json({"username": user.username, "roles": list(new.roles)}, status=201)


async def set_roles(request: Request, username: str) -> HTTPResponse:
    """Replace the roles of a user."""
    roles = _role_names(json_body(request).get("roles"))
    user = await User.get_or_none(username=username)
    if user is None:
        raise ApiError(404, f"no user {username!r}")
    granted = await _account(accounts.set_roles(user, roles, services_of(request).registry.roles))
    return json({"username": username, "roles": granted})


def _role_names(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise ApiError(422, "field 'roles' must be a list of role names")
    return value


async def _account(call: Awaitable[T]) -> T:
    """What an ``accounts`` call answers; its refusal becomes the API error it names."""
    try:
        return await call
    except accounts.AccountError as exc:
        raise ApiError(exc.status, str(exc)) from None


async def create_token(request: Request) -> HTTPResponse:
    """Create an API token for a device's user; the token is shown once, here."""
    body = json_body(request)
    username = field(body, "username", str, max_length=64)
    name = field(body, "name", str, max_length=100)
    user = await User.get_or_none(username=username, disabled=False)
    if user is None:
        raise ApiError(404, f"no user {username!r}")
    token = await auth.create_api_token(user, name)
    return json({"name": name, "username": username, "token": token}, status=201)


async def roles(request: Request) -> HTTPResponse:
    """Every role and the permissions it grants."""
    registry = services_of(request).registry
    return json(
        [
            {"name": r.name, "permissions": list(r.permissions), "description": r.description}
            for r in registry.roles.values()
        ]
    )


CORE_ROUTES: tuple[Route, ...] = (
    Route("/health", health, summary="Liveness and database check"),
    Route("/plugins.json", plugins, summary="Loaded plugins"),
    Route("/openapi.json", openapi_json, summary="OpenAPI description"),
    Route("/appliance.json", appliance, summary="Image, root hash and key fingerprint"),
    # Public like /-/health: which drives are mounted and how, never what is on them, so that
    # an operator or observer can confirm removable media are read-only without an account.
    Route("/media.json", media, summary="Mounted USB drives and their mount options"),
    Route("/reports.json", reports, summary="Reports the plugins render"),
    Route("/scopes.json", scopes, summary="Ledger scopes and their heads"),
    Route("/scopes/<scope>/checkpoint.json", checkpoint, summary="Signed head of a scope"),
    Route("/scopes/<scope>/bundle.tar", bundle, summary="Record bundle of a scope"),
    Route("/login", login, ("POST",), summary="Sign in"),
    Route("/logout", logout, ("POST",), AUTHENTICATED, summary="Sign out"),
    Route("/me", me, permission=AUTHENTICATED, summary="The signed-in caller"),
    Route(
        "/users",
        create_user,
        ("POST",),
        MANAGE_USERS,
        idempotent=True,
        summary="Create a user",
        prepare=new_user,
    ),
    Route("/users/<username>/roles", set_roles, ("PUT",), MANAGE_USERS, summary="Set roles"),
    # Not idempotent on purpose: a replayed response would have to store the token.
    Route("/tokens", create_token, ("POST",), MANAGE_USERS, summary="Create an API token"),
    Route("/roles.json", roles, permission=MANAGE_USERS, summary="Roles and permissions"),
    *ELECTION_ROUTES,
)
