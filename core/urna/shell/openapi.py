"""OpenAPI 3.1 for every mounted route, generated from the ``Route`` values.

Served as JSON and as a plain HTML page: no Swagger bundle from a CDN, since an
appliance must work with no network beyond what its operator configured.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from urna import __version__
from urna.contributions import Route

_PARAM = re.compile(r"<([a-zA-Z_][a-zA-Z0-9_]*)(?::([^>]*))?>")


def openapi_path(path: str) -> str:
    return _PARAM.sub(r"{\1}", path)


_PATH_TYPES = {"int": {"type": "integer"}}
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ERROR = {
    "description": "Refused; the message names what is wrong",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"error": {"type": "string"}},
                "required": ["error"],
            }
        }
    },
}


def document(routes: Sequence[tuple[str, Route]]) -> dict[str, Any]:
    """The OpenAPI description. Handlers read their bodies by hand (``json_body`` and
    ``field``), so a write's body is described as a JSON object of any shape: enough for
    a client generator, and for the fuzz test that sends each route arbitrary bodies."""
    paths: dict[str, dict[str, Any]] = {}
    for full_path, route in routes:
        entry = paths.setdefault(openapi_path(full_path), {})
        for method in route.methods:
            operation: dict[str, Any] = {
                "summary": route.summary or route.handler.__name__,
                "description": (route.handler.__doc__ or "").strip(),
                "parameters": [
                    {
                        "name": name,
                        "in": "path",
                        "required": True,
                        "schema": _PATH_TYPES.get(kind, {"type": "string"}),
                    }
                    for name, kind in _PARAM.findall(full_path)
                ],
                "responses": {"200": {"description": "OK"}, "4XX": _ERROR},
                "x-permission": route.permission,
            }
            if method in _WRITES:
                operation["requestBody"] = {
                    "required": False,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            if route.idempotent:
                operation["parameters"].append(
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string", "maxLength": 200},
                    }
                )
            entry[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Urna appliance API", "version": __version__},
        "paths": paths,
    }
