"""Who is calling: resolved once per request from a session cookie or a bearer token."""

from __future__ import annotations

import datetime
import hmac
from collections.abc import Mapping
from typing import Literal, cast

import attrs

from urna.contributions import Role
from urna.shell.auth.tokens import new_token, token_hash
from urna.shell.db import current_connection, in_dialect
from urna.shell.models import ApiToken, Session, User, UserRole
from urna.shell.permissions import permissions_of
from urna.shell.settings import Settings

SESSION_COOKIE = "urna_session"
TOKEN_PREFIX = "urna_"  # noqa: S105 - a visible prefix for secret scanners, not a secret
LAST_SEEN_RESOLUTION = datetime.timedelta(seconds=30)


@attrs.frozen(slots=True)
class Principal:
    via: Literal["anonymous", "session", "token"]
    user_id: int | None = None
    username: str = ""
    roles: tuple[str, ...] = ()
    permissions: frozenset[str] = frozenset()
    csrf_token: str = attrs.field(default="", repr=False)
    session_hash: str = attrs.field(default="", repr=False)

    @property
    def key(self) -> str:
        """A stable name for idempotency records: the user, however they came in."""
        return f"user:{self.user_id}" if self.user_id is not None else "anonymous"

    def may(self, permission: str) -> bool:
        return permission in self.permissions

    def csrf_matches(self, presented: str) -> bool:
        return bool(self.csrf_token) and hmac.compare_digest(
            self.csrf_token.encode(), presented.encode()
        )


ANONYMOUS = Principal("anonymous")


async def principal_for_user(
    user: User, via: Literal["session", "token"], role_index: Mapping[str, Role], **extra: str
) -> Principal:
    # values_list(flat=True) answers the column's values, not the tuples its stub promises.
    names = cast(list[str], await UserRole.filter(user=user).values_list("role", flat=True))
    roles = tuple(sorted(names))
    return Principal(
        via,
        user.id,
        user.username,
        roles,
        permissions_of(roles, role_index),
        **extra,
    )


async def from_session(
    token: str, settings: Settings, role_index: Mapping[str, Role], now: datetime.datetime
) -> Principal | None:
    """The session's principal, or None when unknown, idle too long or too old."""
    session = await Session.get_or_none(token_hash=token_hash(token)).select_related("user")
    if session is None:
        return None
    idle = now - session.last_seen > datetime.timedelta(seconds=settings.session_idle_seconds)
    old = now - session.created > datetime.timedelta(seconds=settings.session_absolute_seconds)
    if idle or old or session.user.disabled:
        await session.delete()
        return None
    if now - session.last_seen > LAST_SEEN_RESOLUTION:
        session.last_seen = now
        await session.save(update_fields=["last_seen"])
    return await principal_for_user(
        session.user,
        "session",
        role_index,
        csrf_token=session.csrf_token,
        session_hash=session.token_hash,
    )


# One indexed query per request: the token's user and roles, unless revoked or disabled.
# Not cached between requests, so that revoking a token or disabling a user (by any
# process, even by SQL) takes effect at the next request.
_BEARER_QUERY = (
    "SELECT u.id, u.username, r.role FROM urna_api_token t "
    "JOIN urna_user u ON u.id = t.user_id "
    "LEFT JOIN urna_user_role r ON r.user_id = u.id "
    "WHERE t.token_hash = ? AND NOT t.revoked AND NOT u.disabled"
)


async def from_bearer(token: str, role_index: Mapping[str, Role]) -> Principal | None:
    connection = current_connection()
    rows = await connection.execute_query_dict(
        in_dialect(connection, _BEARER_QUERY), [token_hash(token)]
    )
    if not rows:
        return None
    roles = tuple(sorted(str(row["role"]) for row in rows if row["role"] is not None))
    user_id, username = int(rows[0]["id"]), str(rows[0]["username"])
    return Principal("token", user_id, username, roles, permissions_of(roles, role_index))


async def start_session(user: User, now: datetime.datetime) -> tuple[str, str]:
    """A fresh session (token, csrf token): a new token at every login, never reused."""
    token, csrf = new_token(), new_token()
    await Session.create(
        token_hash=token_hash(token), user=user, csrf_token=csrf, created=now, last_seen=now
    )
    return token, csrf


async def create_api_token(user: User, name: str) -> str:
    token = new_token(TOKEN_PREFIX)
    await ApiToken.create(token_hash=token_hash(token), name=name, user=user)
    return token
