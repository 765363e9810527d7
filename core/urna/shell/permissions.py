"""The core's roles and permissions, and the one function that decides access."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from urna.contributions import Role

AUTHENTICATED = "core.authenticated"
"""Held by every signed-in user and API token, whatever their roles."""

MANAGE_USERS = "core.users.manage"

CORE_ROLES: tuple[Role, ...] = (
    Role(
        "admin",
        (MANAGE_USERS,),
        "Creates users and device tokens and assigns roles. Grants no plugin permission.",
    ),
)


def permissions_of(roles: Iterable[str], role_index: Mapping[str, Role]) -> frozenset[str]:
    """Every permission the given roles grant, plus ``core.authenticated``.

    Unknown role names (a plugin that is no longer enabled) grant nothing.
    """
    granted = {AUTHENTICATED}
    for name in roles:
        role = role_index.get(name)
        if role is not None:
            granted.update(role.permissions)
    return frozenset(granted)
