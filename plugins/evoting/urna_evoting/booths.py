"""Booth devices: enrolment by a one-time URL, then a device token in an HttpOnly cookie.

``urna evoting booth enrol NAME`` registers a booth and prints its enrolment
URL once. Opening that URL in the booth's browser exchanges the one-time
secret for a device token, set as the ``urna_booth`` cookie (HttpOnly,
SameSite=Strict, Secure over HTTPS); the secret is then erased, so the URL is
useless afterwards. Wrong secrets are throttled per booth and per client
address like passwords. Only hashes of the secret and the token are stored.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets

from sanic import Request
from urna.api import Services, guess_secret

from urna_evoting.models import Booth

COOKIE = "urna_booth"
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
"""A booth's name is its device id in the record: the core's id rule."""


class EnrolmentError(Exception):
    """The enrolment URL is wrong or used up."""


def _hash(secret: str) -> str:
    return hashlib.sha256(b"urna-evoting booth\x00" + secret.encode()).hexdigest()


async def enrol(services: Services, name: str) -> str:
    """Register booth ``name`` (or re-enrol it, revoking its device token); answer the
    one-time secret of its enrolment URL."""
    if not NAME.fullmatch(name):
        raise ValueError(f"booth name {name!r} must match {NAME.pattern}")
    secret = secrets.token_urlsafe(24)

    async def unit() -> None:
        booth, _ = await Booth.get_or_create(name=name)
        booth.enrol_hash = _hash(secret)
        booth.token_hash = None
        booth.enrolled_at = None
        await booth.save()

    await services.ledger.run(unit)
    return secret


async def bind(services: Services, name: str, secret: str, client: str) -> str:
    """Exchange the one-time secret for a device token (throttled); answer the token."""

    async def check() -> str:
        booth = await Booth.get_or_none(name=name)
        expected = booth.enrol_hash if booth is not None else None
        if booth is None or expected is None or not hmac.compare_digest(expected, _hash(secret)):
            raise EnrolmentError("this enrolment link is wrong or has been used")
        token = secrets.token_urlsafe(32)

        async def unit() -> int:
            return await Booth.filter(id=booth.id, enrol_hash=expected).update(
                enrol_hash=None,
                token_hash=_hash(token),
                enrolled_at=datetime.datetime.now(datetime.UTC),
            )

        if not await services.ledger.run(unit):
            raise EnrolmentError("this enrolment link is wrong or has been used")
        return token

    return await guess_secret(
        [f"evoting.enrol:{name}", f"evoting.enrol-from:{client}"], check, wrong=EnrolmentError
    )


async def booth_of(request: Request) -> str | None:
    """The enrolled booth whose device token this browser carries, if any."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        return None
    booth = await Booth.get_or_none(token_hash=_hash(token))
    return booth.name if booth is not None else None


async def booth_states(election_id: int) -> list[dict[str, object]]:
    """Every enrolled booth and whether a voter is at it (for the poll worker)."""
    from urna_evoting.models import BoothSession

    active = BoothSession.filter(election=election_id, state="active")
    busy = {str(name) for name in await active.values_list("booth", flat=True)}
    return [
        {"name": b.name, "busy": b.name in busy}
        for b in await Booth.filter(token_hash__not_isnull=True).order_by("name")
    ]
