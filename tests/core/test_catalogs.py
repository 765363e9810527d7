"""The core's translation catalogs are whole: every message its code and templates use
is in az, en and ru, and the compiled .mo files are those of the .po files."""

from __future__ import annotations

from pathlib import Path

from urna.shell.i18n import negotiate
from urna.testing import catalog_problems

CORE = Path(__file__).resolve().parents[2] / "core"


def test_core_catalogs_are_complete_and_compiled():
    assert not catalog_problems(CORE, "urna")


def test_language_negotiation_prefers_the_choice_then_the_browser_then_the_default():
    assert negotiate("ru", "en-US,en;q=0.9", "az") == "ru"
    assert negotiate(None, "en-US,en;q=0.9,ru;q=0.8", "az") == "en"
    assert negotiate(None, "de-DE, ru;q=0.5, en;q=0.7", "az") == "en"
    assert negotiate("xx", "fr;q=1, az;q=0", "ru") == "ru"
    assert negotiate(None, "ru;q=bad, az", "en") == "az"
