"""Translations and formatting: gettext catalogs per package, Babel for numbers and times.

Each package (the core, each plugin) keeps its catalogs in its own ``locale/``
folder, ``locale/<lang>/LC_MESSAGES/<domain>.mo``, the domain being ``urna``
for the core and the plugin's name for a plugin. For one language, the core's
catalog and every plugin's are merged into one ``Translations``: a page that
a plugin's template extends from the core's layout needs both. Messages are
written in English in the code; English catalogs exist so that a missing
message is caught by the catalog test like any other.

A page's language comes from the visitor's choice (the language switch sets a
cookie), then the browser's ``Accept-Language``, then the appliance's setting.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import zoneinfo
from collections.abc import Iterable, Mapping
from decimal import Decimal
from importlib.resources.abc import Traversable
from typing import Any

import attrs
from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from urna.languages import LANGUAGES

LANGUAGE_COOKIE = "urna_lang"
CORE_DOMAIN = "urna"


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined, translated later where shown."""
    return message


@attrs.frozen(slots=True)
class Catalog:
    """Where one package's compiled catalogs live: ``<locale>/<lang>/LC_MESSAGES/<domain>.mo``."""

    domain: str
    locale_dir: Traversable


def load_translations(catalogs: Iterable[Catalog]) -> dict[str, gettext.NullTranslations]:
    """One merged ``Translations`` per language, the core's catalog first.

    A language whose catalog a package lacks simply lacks that package's
    messages (shown in English): the catalog test is what refuses that.
    """
    merged: dict[str, gettext.NullTranslations] = {}
    for language in LANGUAGES:
        combined: Translations | None = None
        for catalog in catalogs:
            mo = catalog.locale_dir / language / "LC_MESSAGES" / f"{catalog.domain}.mo"
            if not mo.is_file():
                continue
            with mo.open("rb") as handle:
                loaded = Translations(fp=handle, domain=catalog.domain)
            if combined is None:
                combined = loaded
            else:
                combined.merge(loaded)
        merged[language] = combined if combined is not None else gettext.NullTranslations()
    return merged


def negotiate(cookie: str | None, accept_language: str, default: str) -> str:
    """The visitor's chosen language, else the browser's best supported one, else ``default``."""
    if cookie in LANGUAGES:
        return str(cookie)
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else default


@attrs.frozen(slots=True)
class Translator:
    """Messages, numbers and times in one language and time zone.

    Pages get one through their template context; plugins' reports and
    exports through ``urna.api.translator``.
    """

    language: str
    translations: gettext.NullTranslations = attrs.field(repr=False)
    time_zone: zoneinfo.ZoneInfo

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    def gettext(self, message: str, **values: Any) -> str:
        """``message`` translated; ``%(name)s`` placeholders filled from ``values``."""
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: Any) -> str:
        """The form for ``count`` in this language (Russian has three); ``%(num)s`` is the
        count, as in Jinja2's ``ngettext``, so code and templates write messages alike."""
        text = self.translations.ngettext(singular, plural, count)
        return text % {"num": self.number(count), **values}

    def number(self, value: int | float | Decimal | None) -> str:
        """A number with this language's digit grouping (``1.234.567`` in az)."""
        if value is None:
            return "–"
        return _decimal(value, self.language)

    def percent(self, value: float | Decimal | None, digits: int = 2) -> str:
        """A fraction (0.5) as a percentage with ``digits`` decimals (``50,00 %`` in ru)."""
        if value is None:
            return "–"
        pattern = "#,##0." + "0" * digits + " %" if digits else "#,##0 %"
        return format_percent(value, pattern, locale=self.language)

    def datetime(self, value: dt.datetime | str | None, form: str = "medium") -> str:
        """A moment in the appliance's time zone, to the second (record times are ISO UTC)."""
        moment = self._moment(value)
        if moment is None:
            return "–"
        return format_datetime(moment, form, tzinfo=self.time_zone, locale=self.language)

    def date(self, value: dt.date | dt.datetime | str | None) -> str:
        """A date written out in this language (``7 dekabr 2026``)."""
        if isinstance(value, str) and len(value) == 10:
            value = dt.date.fromisoformat(value)  # a calendar date: no zone to convert
        elif isinstance(value, str):
            moment = self._moment(value)
            value = moment.astimezone(self.time_zone) if moment else None
        elif isinstance(value, dt.datetime):
            value = value.astimezone(self.time_zone)
        if value is None:
            return "–"
        return format_date(value, "long", locale=self.language)

    def time(self, value: dt.datetime | str | None) -> str:
        """A time of day in the appliance's time zone, to the second."""
        moment = self._moment(value)
        if moment is None:
            return "–"
        return format_time(moment, "HH:mm:ss", tzinfo=self.time_zone, locale=self.language)

    @staticmethod
    def _moment(value: dt.datetime | str | None) -> dt.datetime | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


@functools.lru_cache(maxsize=1 << 16)
def _decimal(value: int | float | Decimal, language: str) -> str:
    """Babel's formatting, remembered: a results page formats thousands of counts, mostly
    the same ones again, and Babel takes some 10 us for each."""
    return format_decimal(value, locale=language)


def make_translator(
    translations: Mapping[str, gettext.NullTranslations], language: str, time_zone: str
) -> Translator:
    return Translator(language, translations[language], zoneinfo.ZoneInfo(time_zone))
