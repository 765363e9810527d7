"""Login throttling: five free failures, then a delay that doubles; no user enumeration.

Time is moved by back-dating the throttle rows in the database, never by sleeping.
"""

from __future__ import annotations

import asyncio
import datetime

from urna.shell.models import LoginThrottle
from urna.testing import TEST_PASSWORD

WRONG = "not the password at all"


async def attempt(client, username, password):
    return await client.post("/-/login", json={"username": username, "password": password})


async def back_date(seconds: float) -> None:
    """Pretend ``seconds`` have passed since the last failure of every key."""
    for row in await LoginThrottle.all():
        row.last_failure -= datetime.timedelta(seconds=seconds)
        await row.save(update_fields=["last_failure"])


async def test_sixth_attempt_is_refused_even_with_the_right_password(urna_server):
    await urna_server.add_user("clerk", [])
    client = urna_server.client()
    for _ in range(5):
        response = await attempt(client, "clerk", WRONG)
        assert response.status_code == 401
        assert response.json() == {"error": "wrong user name or password"}
    refused = await attempt(client, "clerk", TEST_PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert "try again in 1 s" in refused.json()["error"]
    assert "set-cookie" not in refused.headers


async def test_delay_doubles_with_each_failure_and_success_resets(urna_server):
    await urna_server.add_user("clerk", [])
    client = urna_server.client()
    for _ in range(5):
        await attempt(client, "clerk", WRONG)
    for expected in (2, 4, 8):
        await back_date(expected // 2)
        assert (await attempt(client, "clerk", WRONG)).status_code == 401
        refused = await attempt(client, "clerk", WRONG)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == str(expected)
    await back_date(8)
    assert (await attempt(client, "clerk", TEST_PASSWORD)).status_code == 200
    assert await LoginThrottle.all().count() == 0
    assert (await attempt(urna_server.client(), "clerk", WRONG)).status_code == 401


async def test_unknown_user_takes_the_same_path(urna_server):
    await urna_server.add_user("clerk", [])
    client = urna_server.client()
    known, unknown = [], []
    for _ in range(5):
        known.append(await attempt(client, "clerk", WRONG))
        await LoginThrottle.filter(key__startswith="ip:").delete()
        unknown.append(await attempt(client, "nobody", WRONG))
        await LoginThrottle.filter(key__startswith="ip:").delete()
    for a, b in zip(known, unknown, strict=True):
        assert (a.status_code, a.json()) == (b.status_code, b.json())
    sixth_known = await attempt(client, "clerk", WRONG)
    await LoginThrottle.filter(key__startswith="ip:").delete()
    sixth_unknown = await attempt(client, "nobody", WRONG)
    assert sixth_known.status_code == sixth_unknown.status_code == 429
    assert sixth_known.json() == sixth_unknown.json()
    assert sixth_known.headers["retry-after"] == sixth_unknown.headers["retry-after"]


async def test_failures_from_one_address_throttle_every_name_tried_from_it(urna_server):
    """Password spraying (one guess per name) is throttled by the client address."""
    client = urna_server.client()
    for number in range(5):
        assert (await attempt(client, f"user{number}", WRONG)).status_code == 401
    assert (await attempt(client, "user5", WRONG)).status_code == 429


async def test_concurrent_guesses_get_no_more_than_five_tries(urna_server):
    """Eight guesses at once must not slip past the limit, nor make the server fail."""
    await urna_server.add_user("clerk", [])
    client = urna_server.client()
    responses = await asyncio.gather(*(attempt(client, "clerk", WRONG) for _ in range(8)))
    statuses = sorted(response.status_code for response in responses)
    assert set(statuses) <= {401, 429}, [r.text for r in responses]
    assert statuses.count(401) <= 5
    assert await LoginThrottle.filter(key="user:clerk").values_list("failures", flat=True) == [
        statuses.count(401)
    ]


async def test_login_input_errors_are_named_and_not_counted(urna_server):
    client = urna_server.client()
    for body, named in [
        ({"password": WRONG}, "username"),
        ({"username": "clerk"}, "password"),
        ({"username": "clerk", "password": 7}, "password"),
        ({"username": "x" * 65, "password": WRONG}, "username"),
    ]:
        response = await client.post("/-/login", json=body)
        assert response.status_code == 422
        assert named in response.json()["error"]
    assert await LoginThrottle.all().count() == 0
