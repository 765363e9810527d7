"""Pages for people: Jinja2 templates, one layout, navigation by permission, languages.

:class:`Web` is built once per server process (it is part of the services).
Templates are named by package: ``urna/base.html`` is the core's layout,
``parliament/hall.html`` a plugin's page, loaded from the plugin package's
``templates/`` folder. There is one Jinja2 environment per language, each with
that language's merged catalog installed for ``{% trans %}`` and ``_()`` and
Babel's formatting as filters, so a template never chooses its language.

Everything a page shows goes through autoescaping; no page is assembled from
strings. :func:`render` answers a page for a request; :meth:`Web.document`
renders a standalone file (a saved report) with its stylesheet inside.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any
from urllib.parse import quote, urlencode

import attrs
import jinja2
from sanic import Request
from sanic.response import HTTPResponse, html

from urna.languages import LANGUAGE_NAMES, LANGUAGES
from urna.shell.auth.principal import ANONYMOUS, Principal
from urna.shell.i18n import (
    CORE_DOMAIN,
    LANGUAGE_COOKIE,
    Catalog,
    Translator,
    load_translations,
    make_translator,
    negotiate,
)
from urna.shell.registry import Registry
from urna.shell.settings import Settings

CORE_PACKAGE = resources.files("urna")
STYLESHEET = "urna.css"


@attrs.frozen(slots=True)
class NavLink:
    title: str
    url: str
    current: bool


@attrs.frozen(slots=True)
class NavEntry:
    """A page in the navigation: where it is, its English title, and what it needs."""

    url: str
    title: str
    permission: str | None
    section: str
    order: int


class Web:
    """Templates and catalogs of the core and the loaded plugins, for one appliance."""

    def __init__(self, settings: Settings, registry: Registry) -> None:
        self.settings = settings
        loaders: dict[str, jinja2.BaseLoader] = {"urna": _loader(CORE_PACKAGE / "templates")}
        catalogs = [Catalog(CORE_DOMAIN, CORE_PACKAGE / "locale")]
        for plugin, package in sorted(registry.packages.items()):
            loaders[plugin] = _loader(package / "templates")
            catalogs.append(Catalog(plugin, package / "locale"))
        self.translations = load_translations(catalogs)
        self.translators = {
            lang: make_translator(self.translations, lang, settings.time_zone) for lang in LANGUAGES
        }
        loader = jinja2.PrefixLoader(loaders)
        self.environments = {lang: self._environment(loader, lang) for lang in LANGUAGES}
        self.stylesheet = (CORE_PACKAGE / "static" / STYLESHEET).read_text(encoding="utf-8")
        self.entries = tuple(
            sorted(
                (
                    NavEntry(
                        f"/p/{plugin}{page.path}", page.title, page.permission, page.nav, page.order
                    )
                    for plugin, pages in registry.pages.items()
                    for page in pages
                    if page.nav is not None
                ),
                key=lambda e: (e.order, e.url),
            )
        )

    def _environment(self, loader: jinja2.BaseLoader, language: str) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        translator = self.translator(language)
        env.install_gettext_translations(self.translations[language], newstyle=True)  # type: ignore[attr-defined]
        env.globals["t"] = translator
        env.globals["lang"] = language
        env.filters["number"] = translator.number
        env.filters["percent"] = translator.percent
        env.filters["datetime"] = translator.datetime
        env.filters["date"] = translator.date
        env.filters["time"] = translator.time
        return env

    def translator(self, language: str) -> Translator:
        return self.translators[language]

    def navigation(
        self, principal: Principal, language: str, path: str
    ) -> dict[str, list[NavLink]]:
        """The pages ``principal`` may open, by section, titles in ``language``."""
        translations: gettext.NullTranslations = self.translations[language]
        sections: dict[str, list[NavLink]] = {"public": [], "work": []}
        for entry in self.entries:
            if entry.permission is None or principal.may(entry.permission):
                title = translations.gettext(entry.title)
                sections[entry.section].append(NavLink(title, entry.url, entry.url == path))
        return sections

    def document(self, template: str, context: Mapping[str, Any], language: str) -> str:
        """A page outside a request (a saved report): standalone, its stylesheet inside."""
        base = {
            "standalone": True,
            "stylesheet": self.stylesheet,
            "principal": ANONYMOUS,
            "nav": {"public": [], "work": []},
            "languages": [],
            "path": "",
            "appliance_name": self.settings.name,
            "fingerprint": "",
            "csrf_token": "",
        }
        return self.environments[language].get_template(template).render({**base, **context})


def _loader(folder: Traversable) -> jinja2.BaseLoader:
    """Templates of a package folder (an empty loader where a plugin ships none)."""
    if not folder.is_dir():
        return jinja2.DictLoader({})
    return jinja2.FileSystemLoader(str(folder))


def language_of(request: Request, default: str) -> str:
    """The language a page is shown in (cached on the request)."""
    language: str | None = getattr(request.ctx, "language", None)
    if language is None:
        language = negotiate(
            request.cookies.get(LANGUAGE_COOKIE),
            request.headers.get("Accept-Language", ""),
            default,
        )
        request.ctx.language = language
    return language


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not an API client, which gets JSON)."""
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "application/json" not in accept.split(",")[0]


def here(request: Request) -> str:
    """This page's path with its query: where a switch or a sign-in comes back to."""
    return request.path + (f"?{request.query_string}" if request.query_string else "")


def signin_url(request: Request) -> str:
    """The sign-in page that comes back here (on the sign-in page, to where it would)."""
    if request.path == "/-/signin":
        return here(request)
    return "/-/signin?next=" + quote(here(request), safe="/")


def switch_links(request: Request, language: str) -> list[dict[str, str | bool]]:
    """The language switch: a link per language that sets the cookie and comes back here."""
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": "/-/language?" + urlencode({"to": code, "next": here(request)}),
            "current": code == language,
        }
        for code in LANGUAGES
    ]


def page_context(request: Request, web: Web, fingerprint: str) -> dict[str, Any]:
    """What the layout needs to know about this request: who, where, which language."""
    language = language_of(request, web.settings.language)
    principal: Principal = getattr(request.ctx, "principal", ANONYMOUS)
    return {
        "standalone": False,
        "stylesheet": "",
        "principal": principal,
        "nav": web.navigation(principal, language, request.path),
        "languages": switch_links(request, language),
        "path": request.path,
        "signin_url": signin_url(request),
        "appliance_name": web.settings.name,
        "fingerprint": fingerprint,
        "csrf_token": principal.csrf_token,
    }


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTTPResponse:
    """Answer the page ``template`` in the request's language, inside the appliance's layout."""
    services = request.app.ctx.services
    web: Web = services.web
    base = page_context(request, web, services.fingerprint)
    language = language_of(request, web.settings.language)
    body = web.environments[language].get_template(template).render({**base, **(context or {})})
    response = html(body, status=status, headers=dict(headers or {}))
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def translator_of(request: Request) -> Translator:
    """The translator of the request's language, for handlers that format outside templates."""
    web: Web = request.app.ctx.services.web
    return web.translator(language_of(request, web.settings.language))
