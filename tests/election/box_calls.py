"""Calling the ballot box in tests, directly or over HTTP, and checking that it refused.

Imported as a plain module (``tests/election`` is put on ``sys.path`` by this
directory's conftest, since the suite runs with ``--import-mode=importlib``).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from urna.api import BallotBoxError

_keys = itertools.count()


async def refused(call: Awaitable[Any], check: str) -> BallotBoxError:
    """Await a ballot box call that must be refused by ``check``; answers the refusal."""
    with pytest.raises(BallotBoxError) as info:
        await call
    assert info.value.check == check, str(info.value)
    return info.value


def refused_over_http(response: httpx.Response, status: int, check: str) -> dict[str, Any]:
    """The refusal ``{"error", "check", "where"}`` that ``response`` must be."""
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    assert answer["check"] == check
    return answer


def posting_to(scope: str) -> Callable[..., Awaitable[httpx.Response]]:
    """``await post(client, path, body=None, **kwargs)``: a POST to the election's ``path``
    (``"/ballots"``...) with a fresh Idempotency-Key unless ``headers`` name one."""

    async def post(
        client: httpx.AsyncClient, path: str, body: Any = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Idempotency-Key": f"k-{next(_keys)}", **kwargs.pop("headers", {})}
        if body is not None:
            kwargs["json"] = body
        return await client.post(f"/-/elections/{scope}{path}", headers=headers, **kwargs)

    return post


async def create_election(client: httpx.AsyncClient, scope: str, parameters: Any) -> None:
    """Create the election ``scope`` over HTTP (``parameters`` as JSON), or fail the test."""
    response = await client.post(
        "/-/elections",
        json={"scope": scope, "parameters": parameters},
        headers={"Idempotency-Key": f"create-{scope}"},
    )
    assert response.status_code == 201, response.text
