"""Shared helpers for the HTTP security tests: browser callers and database counts.

A device caller (bearer API token) is ``await urna_server.token_client(username,
roles)``, from ``urna.testing``, as plugin tests get it.

Every test that takes ``urna_server`` runs twice, on SQLite and on a real
PostgreSQL server. Argon2id costs ~0.2 s per hash, so tests create few users
and open most sessions with the core's own ``start_session`` instead of a
password login; the login route itself is tested in ``test_sessions.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from urna.shell.auth.principal import SESSION_COOKIE, start_session
from urna.shell.ledger import utc_now
from urna.shell.models import User
from urna.testing import UrnaServer

Caller = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def urna_plugins() -> list[str]:
    """The core and the example plugin: a third party's routes go through the same guard."""
    return ["example"]


@pytest.fixture
def session_client(urna_server: UrnaServer) -> Caller:
    """``await session_client(username, roles)``: a browser-like client with a fresh session.

    The user is created unless it exists; the client sends the session cookie,
    this appliance's Origin and the session's CSRF token, as the appliance's
    own pages do.
    """

    async def make(
        username: str, roles: list[str] | None = None, **headers: str
    ) -> httpx.AsyncClient:
        user = await User.get_or_none(username=username)
        if user is None:
            await urna_server.add_user(username, roles or [])
            user = await User.get(username=username)
        token, csrf = await start_session(user, utc_now())
        client = urna_server.client(
            headers={"Origin": urna_server.url, "X-CSRF-Token": csrf, **headers},
            cookies={SESSION_COOKIE: token},
        )
        return client

    return make


async def table_counts() -> dict[str, int]:
    """Rows in every table that a write could touch: proof that a refusal changed nothing."""
    from urna.shell.models import (
        ApiToken,
        IdempotentResponse,
        LedgerEvent,
        Session,
        UserRole,
    )

    counts: dict[str, int] = {}
    for model in (User, UserRole, Session, ApiToken, IdempotentResponse, LedgerEvent):
        counts[model.__name__] = await model.all().count()
    try:
        from urna_example.models import Notice
    except ImportError:  # pragma: no cover - the example plugin is installed for the suite
        return counts
    counts["Notice"] = await Notice.all().count()
    return counts


@pytest.fixture
def counts() -> Callable[[], Awaitable[dict[str, Any]]]:
    """``await counts()``: row counts of the tables a write could change."""
    return table_counts
