"""Slow and greedy clients: whole-request deadlines and a cap on connections per address.

sanic's ``REQUEST_TIMEOUT`` and ``RESPONSE_TIMEOUT`` bound the silence *between*
bytes (every byte received restarts the clock), so a client that trickles one
byte every few seconds holds its connection, and a worker's memory, for ever.
:class:`LimitedHttpProtocol` adds what sanic lacks: the whole request header
must arrive within ``header_timeout_seconds`` of its first byte, and the whole
body within ``body_timeout_seconds`` of the header's end; past either, the
client gets ``408`` and the connection is closed, as sanic closes one on its own
timeouts. It also refuses, at once, a connection from an address that already
holds ``max_connections_per_address`` open ones.

The counts live in each server process (``app.ctx.connection_limits``, made by
``create_app``): with ``workers = N`` one address may hold up to N times the cap.
``urna serve`` and ``urna.testing.serve_in_process`` run the app with this protocol.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import attrs
from sanic.exceptions import RequestTimeout
from sanic.http import Stage
from sanic.server.protocols.http_protocol import HttpProtocol

from urna.shell.settings import Settings

HEADER, BODY = "header", "body"


@attrs.define
class ConnectionLimits:
    """One server process's limits and its open connections per client address."""

    header_seconds: float
    body_seconds: float
    per_address: int
    """0: no cap."""
    open: Counter[str] = attrs.field(factory=Counter)

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            settings.header_timeout_seconds,
            settings.body_timeout_seconds,
            settings.max_connections_per_address,
        )

    def admit(self, address: str) -> bool:
        """Count a new connection from ``address``, or refuse it when the cap is reached."""
        if self.per_address and self.open[address] >= self.per_address:
            return False
        self.open[address] += 1
        return True

    def seconds_for(self, part: str) -> float:
        """The deadline of a request's ``header`` or ``body``."""
        return self.header_seconds if part == HEADER else self.body_seconds

    def release(self, address: str) -> None:
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]


def _address(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return ""  # a Unix socket: every client is the one local address


class LimitedHttpProtocol(HttpProtocol):
    """sanic's HTTP/1.1 protocol with the deadlines and the cap of the module docstring."""

    __slots__ = ("_address", "_deadline", "_limits", "_phase")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._limits: ConnectionLimits | None = None
        self._address: str | None = None
        self._phase: tuple[str, int] | None = None
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        limits: ConnectionLimits = self.app.ctx.connection_limits
        address = _address(transport)
        if not limits.admit(address):
            transport.abort()  # never reaches sanic: no task, no buffer, nothing logged
            return
        self._limits, self._address = limits, address
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._limits is None or self._address is None:
            return  # refused in connection_made
        self._limits.release(self._address)
        self._address = None
        self._stop_deadline()
        super().connection_lost(exc)

    async def receive_more(self) -> None:
        """Wait for more bytes; on the first wait of a header or a body, start its deadline."""
        http = self._http
        if http is not None and self._limits is not None:
            phase = self._current_phase(http)
            if phase != self._phase:
                self._stop_deadline()
                self._phase = phase
                if phase is not None:
                    seconds = self._limits.seconds_for(phase[0])
                    self._deadline = self.loop.call_later(seconds, self._expire, phase)
        await super().receive_more()

    def _current_phase(self, http: Any) -> tuple[str, int] | None:
        """The part of which request is arriving. ``requests_count`` (this connection's
        own, see ``HttpProtocol.__init__``) grows when a header has been read, so a header
        and the body after it, and the next request's header, are each a new phase."""
        count = int(self.state["requests_count"])
        if http.stage is Stage.REQUEST:
            return (HEADER, count)
        if http.stage is Stage.HANDLER and http.request_body:
            return (BODY, count)
        return None

    def _expire(self, phase: tuple[str, int]) -> None:
        """The deadline of ``phase`` passed: close as sanic does on its own timeouts."""
        http = self._http
        if self._task is None or http is None or self._current_phase(http) != phase:
            return
        http.exception = RequestTimeout(f"the request {phase[0]} took too long to arrive")
        http.request_body = None  # read no more of it: sanic would drain it before closing
        self._task.cancel()

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
