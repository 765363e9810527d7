"""The languages Urna's pages, reports and exports are written in.

A light module (no imports) so that settings can validate a language without
loading the translation machinery.
"""

LANGUAGES: tuple[str, ...] = ("az", "en", "ru")
"""Azerbaijani, English, Russian: every page and report exists in each."""

LANGUAGE_NAMES: dict[str, str] = {"az": "Azərbaycanca", "en": "English", "ru": "Русский"}
"""Each language's name in itself, as the language switch shows it."""
