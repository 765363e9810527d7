"""A package's page assets (stylesheets, scripts) served from the package itself.

Pages load no CDN asset: the core and every plugin serve their own files under
``/static/<name>``. One route per package, the files named in advance (nothing
else is reachable), each read once from the installed package and then served
from memory with a short cache lifetime.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources

from sanic import Request
from sanic.response import HTTPResponse, raw

from urna.contributions import Route
from urna.shell.http import ApiError

CACHE_SECONDS = 300


def static_route(package: str, files: Mapping[str, str], summary: str = "Page assets") -> Route:
    """``GET /static/<name>`` for the ``files`` ({name: content type}) in ``package``'s
    ``static/`` folder."""
    types = dict(files)
    cache: dict[str, bytes] = {}

    async def static_file(request: Request, name: str) -> HTTPResponse:
        if name not in types:
            raise ApiError(404, f"no static file {name!r}")
        body = cache.get(name)
        if body is None:
            body = cache[name] = resources.files(package).joinpath("static", name).read_bytes()
        return raw(
            body,
            content_type=f"{types[name]}; charset=utf-8",
            headers={"Cache-Control": f"max-age={CACHE_SECONDS}"},
        )

    return Route("/static/<name>", static_file, summary=summary)
