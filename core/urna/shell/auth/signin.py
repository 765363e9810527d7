"""Signing in with a password, for the JSON API (``/-/login``) and the sign-in page alike.

One path for both, so that the page cannot be a way around the throttle: the
attempt is counted per user name and per client address before the password
is checked, and a new session token is issued at every sign-in.
"""

from __future__ import annotations

import datetime

from sanic import Request
from sanic.response import BaseHTTPResponse

from urna.shell.auth import passwords, throttle
from urna.shell.auth import principal as auth
from urna.shell.auth.tokens import token_hash
from urna.shell.ledger import utc_now
from urna.shell.models import Session, User
from urna.shell.settings import Settings


class SignInRefused(Exception):
    """Wrong credentials (``wait == 0``) or too many failures (wait ``wait`` seconds)."""

    def __init__(self, wait: int = 0) -> None:
        super().__init__("too many failed sign-ins" if wait else "wrong user name or password")
        self.wait = wait


async def check_password(
    username: str, password: str, address: str, now: datetime.datetime
) -> User:
    """The user whose password this is, or :class:`SignInRefused`."""
    keys = [f"user:{username.lower()}", f"ip:{address}"]
    wait = await throttle.begin_attempt(keys, now)
    if wait > 0:
        raise SignInRefused(wait)
    user = await User.get_or_none(username=username, disabled=False)
    if user is None or not await passwords.verify_password(user.password_hash, password):
        await throttle.failed(keys, utc_now())  # counted by begin_attempt; the delay starts now
        raise SignInRefused()
    await throttle.clear(keys)
    return user


async def open_session(request: Request, user: User, now: datetime.datetime) -> tuple[str, str]:
    """A new session for ``user`` (token, CSRF token), ending the one the browser presented."""
    presented = request.cookies.get(auth.SESSION_COOKIE)
    if presented:
        await Session.filter(token_hash=token_hash(presented)).delete()
    return await auth.start_session(user, now)


def set_session_cookie(response: BaseHTTPResponse, token: str, settings: Settings) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    response.add_cookie(
        auth.SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=settings.origin.startswith("https://"),
        path="/",
        max_age=settings.session_absolute_seconds,
    )


async def end_session(principal: auth.Principal, response: BaseHTTPResponse) -> None:
    """End the caller's session everywhere (its token stops working at once) and drop the
    browser's cookie: the API's logout and the page's sign-out alike."""
    if principal.session_hash:
        await Session.filter(token_hash=principal.session_hash).delete()
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
