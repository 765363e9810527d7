"""Slow and greedy clients, over real loopback sockets against a running server.

A client that trickles its header or its body (a byte at a time, never silent
long enough for sanic's own between-bytes timeouts) is dropped once the whole
header or body is overdue; an idle keep-alive connection is closed; one address
cannot hold more than ``max_connections_per_address`` connections. Timeouts are
set to 1 s so that each test takes a few seconds, and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import attrs
import pytest
from urna.shell.settings import Settings
from urna.testing import UrnaServer

HEALTH = b"GET /-/health HTTP/1.1\r\nHost: appliance\r\n\r\n"
TRICKLE_GAP = 0.2
"""Between trickled bytes: well under sanic's own (between-bytes) timeouts of 1 s."""


@pytest.fixture
def urna_database() -> str:
    """SQLite only: the connection layer is the same whichever database is behind it."""
    return ""


@pytest.fixture
def urna_settings(urna_settings: Settings) -> Settings:
    return attrs.evolve(
        urna_settings,
        header_timeout_seconds=1,
        body_timeout_seconds=1,
        keep_alive_seconds=1,
        max_connections_per_address=2,
    )


class Connection:
    """A raw HTTP/1.1 connection to the server under test."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, request: bytes) -> int:
        """Send a whole request, read the whole response; its status."""
        self.writer.write(request)
        await self.writer.drain()
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 5)
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        await asyncio.wait_for(self.reader.readexactly(length), 5)
        return int(head.split(b" ", 2)[1])

    async def trickle(self, data: bytes) -> None:
        """Send ``data`` a byte at a time until it is sent or the server hangs up."""
        try:
            for byte in data:
                self.writer.write(bytes([byte]))
                await self.writer.drain()
                await asyncio.sleep(TRICKLE_GAP)
        except ConnectionError:
            return

    async def until_closed(self, within: float) -> bytes:
        """Everything the server sends until it closes the connection (bounded)."""
        received = b""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                chunk = await asyncio.wait_for(self.reader.read(4096), deadline - time.monotonic())
            except ConnectionError:
                return received
            except TimeoutError:
                break
            if not chunk:
                return received
            received += chunk
        raise AssertionError(f"the connection was still open after {within} s: {received!r}")

    def close(self) -> None:
        self.writer.close()


@pytest.fixture
async def connect(urna_server: UrnaServer) -> AsyncIterator[object]:
    """``await connect()``: a new raw connection, closed after the test."""
    opened: list[Connection] = []
    port = int(urna_server.url.rsplit(":", 1)[1])

    async def make() -> Connection:
        connection = Connection(*await asyncio.open_connection("127.0.0.1", port))
        opened.append(connection)
        return connection

    yield make
    for connection in opened:
        connection.close()


async def test_a_normal_request_still_works(connect):
    connection = await connect()
    assert await connection.exchange(HEALTH) == 200
    assert await connection.exchange(HEALTH) == 200  # and the connection is kept


async def test_a_trickled_header_is_dropped_after_the_header_timeout(connect):
    connection = await connect()
    started = time.monotonic()
    sending = asyncio.create_task(connection.trickle(HEALTH[:-2] + b"X-Slow: " + b"a" * 100))
    answer = await connection.until_closed(within=4)
    elapsed = time.monotonic() - started
    sending.cancel()
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert 0.9 <= elapsed < 2.5, elapsed


async def test_a_trickled_body_is_dropped_after_the_body_timeout(connect):
    connection = await connect()
    body = b'{"username": "someone", "password": "' + b"p" * 60 + b'"}'
    head = (
        b"POST /-/login HTTP/1.1\r\nHost: appliance\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    connection.writer.write(head)
    started = time.monotonic()
    sending = asyncio.create_task(connection.trickle(body))
    answer = await connection.until_closed(within=4)
    elapsed = time.monotonic() - started
    sending.cancel()
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert 0.9 <= elapsed < 2.5, elapsed


async def test_an_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout(connect):
    connection = await connect()
    assert await connection.exchange(HEALTH) == 200
    idle_since = time.monotonic()
    assert await connection.until_closed(within=4) == b""
    assert 0.9 <= time.monotonic() - idle_since < 2.5


async def test_one_address_holds_at_most_the_cap_and_gets_a_slot_back_when_one_closes(
    connect, urna_server
):
    first, second = await connect(), await connect()
    assert await first.exchange(HEALTH) == 200
    assert await second.exchange(HEALTH) == 200
    third = await connect()
    third.writer.write(HEALTH)
    started = time.monotonic()
    assert await third.until_closed(within=2) == b""
    assert time.monotonic() - started < 0.5  # refused at once, not left to time out

    first.close()
    for _ in range(50):  # the server learns of the close on its next loop turn
        if not urna_server.app.ctx.connection_limits.open.get("127.0.0.1", 0) >= 2:
            break
        await asyncio.sleep(0.02)
    fourth = await connect()
    assert await fourth.exchange(HEALTH) == 200
    assert await second.exchange(HEALTH) == 200  # the other connections were not disturbed
