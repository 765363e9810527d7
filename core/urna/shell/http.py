"""HTTP helpers shared by core and plugin handlers: errors as JSON, strict JSON bodies, scopes."""

from __future__ import annotations

from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json

from urna.record.canonical import parse_json
from urna.record.errors import RecordError
from urna.record.event import SCOPE_PATTERN


class ApiError(Exception):
    """An error answered as ``{"error": message}`` with the given status."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> HTTPResponse:
    return json({"error": message}, status=status, headers=headers)


def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, parsed strictly (no duplicate keys, NaN, floats)."""
    content_type = (request.content_type or "").split(";")[0].strip()
    if content_type != "application/json":
        raise ApiError(415, "request body must be application/json")
    try:
        value = parse_json(request.body or b"", what="request body")
    except RecordError as exc:
        raise ApiError(400, str(exc)) from None
    if not isinstance(value, dict):
        raise ApiError(400, "request body must be a JSON object")
    return value


def field(
    body: dict[str, Any], name: str, kind: type, *, max_length: int = 200, strip: bool = True
) -> Any:
    """A required field of ``kind``; strings are length-limited and stripped (not
    passwords: ``strip=False``, so a password is used exactly as typed everywhere)."""
    value = body.get(name)
    if isinstance(value, bool) and kind is not bool:
        value = None
    if not isinstance(value, kind):
        raise ApiError(422, f"field {name!r} is required and must be {kind.__name__}")
    if isinstance(value, str):
        if strip:
            value = value.strip()
        if not value or len(value) > max_length:
            raise ApiError(422, f"field {name!r} must be 1..{max_length} characters")
    return value


def scope_name(scope: str) -> str:
    """A scope named by the caller, or 404: a name no scope can have names none."""
    if not SCOPE_PATTERN.fullmatch(scope):
        raise ApiError(404, "no such scope")
    return scope
