"""An appliance served over https sends HSTS and marks its session cookie Secure."""

from __future__ import annotations

import attrs
import pytest
from urna.testing import TEST_PASSWORD

ORIGIN = "https://hall.example"


@pytest.fixture
def urna_settings(urna_settings):
    return attrs.evolve(urna_settings, public_origin=ORIGIN)


async def test_https_origin_gets_hsts_and_secure_cookie(urna_server):
    await urna_server.add_user("clerk", [])
    client = urna_server.client(headers={"Origin": ORIGIN})
    response = await client.post("/-/login", json={"username": "clerk", "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert "secure" in response.headers["set-cookie"].lower().split("; ")
    refused = await urna_server.client(headers={"Origin": urna_server.url}).post(
        "/-/login", json={"username": "clerk", "password": TEST_PASSWORD}
    )
    assert refused.status_code == 403
    assert refused.headers["strict-transport-security"].startswith("max-age=")
