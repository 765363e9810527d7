"""The core's roles and permissions, and the one function that decides access."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from urna.contributions import Role

AUTHENTICATED = "core.authenticated"
"""Held by every signed-in user and API token, whatever their roles."""

MANAGE_USERS = "core.users.manage"

MANAGE_ELECTIONS = "core.election.manage"
"""Create an election, register ballot credentials, open voting, tally, publish the result."""

GUARD_ELECTIONS = "core.election.guard"
"""Submit a guardian's key material, confirmation and partial decryption of the tally."""

CAST_BALLOTS = "core.ballot.cast"
"""Cast or challenge signed ballots (a voting device's API token)."""

CORE_ROLES: tuple[Role, ...] = (
    Role(
        "admin",
        (MANAGE_USERS,),
        "Creates users and device tokens and assigns roles. Grants no plugin permission.",
    ),
    Role(
        "election-admin",
        (MANAGE_ELECTIONS,),
        "Runs a secret-ballot election: creates it, registers voters' and devices' ballot "
        "credentials, opens voting, closes it with the tally and publishes the result. "
        "Cannot cast, and cannot decrypt (only guardians can).",
    ),
    Role(
        "election-guardian",
        (GUARD_ELECTIONS,),
        "A trustee: submits its public key material, confirms the election's key, and "
        "submits its partial decryption of the tally.",
    ),
    Role(
        "ballot-device",
        (CAST_BALLOTS,),
        "A voting device (API token): casts and challenges ballots signed by a registered "
        "credential.",
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
