"""A write that cannot get SQLite's write lock in time answers 503, stores nothing, and
leaves the server answering the next request (several workers share one file)."""

from __future__ import annotations

import sqlite3

import pytest
from urna.shell.db import current_connection

pytestmark = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)


async def test_a_busy_database_answers_503_and_the_next_write_goes_through(
    urna_server, session_client, counts
):
    admin = await session_client("root", ["admin"])
    before = await counts()
    connection = current_connection()
    await connection.execute_query("PRAGMA busy_timeout = 200")
    other = sqlite3.connect(urna_server.services.settings.sqlite_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another worker's long write
        response = await admin.post(
            "/-/users",
            json={"username": "clerk", "password": "long enough password"},
            headers={"Idempotency-Key": "k1"},
        )
        other.execute("ROLLBACK")
        assert response.status_code == 503, response.text
        assert "busy" in response.json()["error"] and response.headers["Retry-After"] == "1"
        assert await counts() == before
        again = await admin.post(
            "/-/users",
            json={"username": "clerk", "password": "long enough password"},
            headers={"Idempotency-Key": "k1"},
        )
        assert again.status_code == 201, again.text
    finally:
        other.close()
        await connection.execute_query("PRAGMA busy_timeout = 10000")
