"""Argon2id password hashes (libsodium through PyNaCl), computed off the event loop."""

from __future__ import annotations

import asyncio
import functools

import nacl.exceptions
import nacl.pwhash

MIN_LENGTH = 10
MAX_LENGTH = 1024
# A hash of a random password, verified against when the user does not exist, so that
# an unknown name takes as long to refuse as a wrong password.
_DUMMY_PASSWORD = b"urna-no-such-user-0f3c9a"


class PasswordPolicyError(ValueError):
    """A new password is too short or too long."""


def check_policy(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise PasswordPolicyError(f"password must be {MIN_LENGTH}..{MAX_LENGTH} characters")


async def hash_password(password: str) -> str:
    check_policy(password)
    loop = asyncio.get_running_loop()
    digest = await loop.run_in_executor(None, nacl.pwhash.argon2id.str, password.encode("utf-8"))
    return digest.decode("ascii")


async def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; ``None`` (no such user) takes as long."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, _verify, stored, password)


def _verify(stored: str | None, password: str) -> bool:
    target = stored.encode("ascii") if stored else _dummy_hash()
    try:
        matched = bool(nacl.pwhash.verify(target, password.encode("utf-8")[: 4 * MAX_LENGTH]))
    except nacl.exceptions.InvalidkeyError:
        matched = False
    return matched and stored is not None


@functools.cache
def _dummy_hash() -> bytes:
    return bytes(nacl.pwhash.argon2id.str(_DUMMY_PASSWORD))
