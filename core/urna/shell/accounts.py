"""Creating user accounts: one set of rules for the HTTP route and the command line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from urna.contributions import Role
from urna.errors import UrnaError
from urna.shell.auth.passwords import PasswordPolicyError, check_policy, hash_password
from urna.shell.models import User, UserRole


class AccountError(UrnaError, ValueError):
    """A user cannot be created as asked; the message says why."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def checked_roles(roles: Iterable[str], known: Mapping[str, Role]) -> list[str]:
    wanted = sorted(set(roles))
    unknown = [role for role in wanted if role not in known]
    if unknown:
        raise AccountError(f"unknown roles: {', '.join(unknown)} (known: {', '.join(known)})")
    return wanted


def _shortened(display_name: str) -> str:
    """A display name is kept to its first 200 characters."""
    return display_name[:200]


@attrs.frozen(slots=True)
class NewUser:
    """A user checked and with its password hashed, not stored yet (see :func:`store_user`)."""

    username: str
    password_hash: str = attrs.field(repr=False)
    roles: tuple[str, ...]
    display_name: str = attrs.field(converter=_shortened)


def check_new_user(
    username: str, password: str, roles: Iterable[str], known_roles: Mapping[str, Role]
) -> list[str]:
    """Refuse a bad name, password or role (no database needed); answer the roles."""
    wanted = checked_roles(roles, known_roles)
    if not 1 <= len(username) <= 64 or not username.isprintable():
        raise AccountError("user name must be 1..64 printable characters")
    try:
        check_policy(password)
    except PasswordPolicyError as exc:
        raise AccountError(str(exc)) from None
    return wanted


async def hashed_user(
    username: str,
    password: str,
    roles: Iterable[str],
    known_roles: Mapping[str, Role],
    display_name: str = "",
) -> NewUser:
    """Check a new user and hash its password (Argon2id, slow): no database needed, so
    it runs before any transaction opens."""
    wanted = check_new_user(username, password, roles, known_roles)
    return NewUser(username, await hash_password(password), tuple(wanted), display_name)


async def store_user(new: NewUser) -> User:
    """Store a hashed user and its roles in one short transaction; 409 for a name taken."""
    if await User.exists(username=new.username):
        raise _taken(new.username)
    try:
        async with in_transaction():
            user = await User.create(
                username=new.username,
                password_hash=new.password_hash,
                display_name=new.display_name,
            )
            for role in new.roles:
                await UserRole.create(user=user, role=role)
    except IntegrityError:  # created by someone else while the password was hashed
        raise _taken(new.username) from None
    return user


async def create_user(
    username: str,
    password: str,
    roles: Iterable[str],
    known_roles: Mapping[str, Role],
    display_name: str = "",
) -> User:
    """Create a user; nothing is stored if any part is invalid. Needs an open database.

    The cheap refusals come first (the input, then a name already taken); the password
    is hashed only then, and outside the short transaction that stores the user.
    """
    wanted = check_new_user(username, password, roles, known_roles)
    if await User.exists(username=username):
        raise _taken(username)
    password_hash = await hash_password(password)
    return await store_user(NewUser(username, password_hash, tuple(wanted), display_name))


def _taken(username: str) -> AccountError:
    return AccountError(f"user {username!r} exists", status=409)


async def set_roles(user: User, roles: Iterable[str], known_roles: Mapping[str, Role]) -> list[str]:
    """Replace the user's roles, all or none of them; unknown roles change nothing."""
    wanted = checked_roles(roles, known_roles)
    async with in_transaction():
        await UserRole.filter(user=user).delete()
        for role in wanted:
            await UserRole.create(user=user, role=role)
    return wanted
