"""Keeping a package's translation catalogs whole: extract, update, compile, check.

A developer's tool and the catalog test's engine, so both read the same rules::

    python -m urna.shell.catalogs update core urna                  # after changing messages
    python -m urna.shell.catalogs update plugins/parliament parliament
    python -m urna.shell.catalogs check core urna                   # what the test checks

``update`` extracts every message of the package (``babel.cfg`` beside it
names the Python and template files), merges them into
``<package>/locale/<lang>/LC_MESSAGES/<domain>.po`` for az, en and ru
(keeping translations, dropping messages no longer used) and compiles the
``.mo`` files that the wheels ship. ``check`` lists every message that a
language lacks and every ``.mo`` that is older than its ``.po``.
"""

from __future__ import annotations

import datetime
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from urna.languages import LANGUAGES

FIXED_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def _locale_dir(root: Path) -> Path:
    packages = [p for p in root.iterdir() if p.is_dir() and (p / "__init__.py").is_file()]
    if len(packages) != 1:
        raise SystemExit(f"{root}: expected one Python package, found {len(packages)}")
    return packages[0] / "locale"


def extract(root: Path) -> Catalog:
    """Every message the package's code and templates use, as ``babel.cfg`` maps them."""
    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    catalog = Catalog(creation_date=FIXED_DATE)  # no churn in the .po files at each update
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _po_path(root: Path, language: str, domain: str) -> Path:
    return _locale_dir(root) / language / "LC_MESSAGES" / f"{domain}.po"


def _read(path: Path, language: str) -> Catalog:
    if not path.is_file():
        return Catalog(locale=language)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def update(root: Path, domain: str) -> None:
    """Merge the extracted messages into each language's ``.po`` and compile its ``.mo``."""
    template = extract(root)
    for language in LANGUAGES:
        path = _po_path(root, language, domain)
        catalog = _read(path, language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.project, catalog.version = domain, ""
        catalog.copyright_holder = "Urna contributors"
        catalog.fuzzy = False  # a fuzzy header is left out of the .mo, and its plural rule with it
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, omit_header=False, sort_output=True, no_location=True)
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)


def problems(root: Path, domain: str) -> list[str]:
    """What is missing: messages used but untranslated, and stale compiled catalogs.

    English may leave a message untranslated (the message is English); the
    other languages may not. A fuzzy translation counts as missing.
    """
    found: list[str] = []
    used = [m.id for m in extract(root) if m.id]
    for language in LANGUAGES:
        path = _po_path(root, language, domain)
        catalog = _read(path, language)
        for msgid in used:
            key = msgid[0] if isinstance(msgid, tuple) else msgid
            message = catalog.get(msgid)
            if message is None:
                found.append(f"{language}: {key!r} is not in {path}")
            elif language != "en" and (message.fuzzy or not _translated(message.string)):
                found.append(f"{language}: {key!r} is not translated in {path}")
        mo = path.with_suffix(".mo")
        if not mo.is_file() or _compiled(catalog) != mo.read_bytes():
            found.append(f"{language}: {mo} is not compiled from {path.name}")
    return found


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    if string is None:
        return False
    if isinstance(string, str):
        return bool(string)
    return all(string)


def _compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def messages(root: Path, domain: str, language: str) -> dict[str, str]:
    """The compiled catalog's translations (msgid to text), for tests of pages."""
    mo = _po_path(root, language, domain).with_suffix(".mo")
    with mo.open("rb") as handle:
        catalog = read_mo(handle)
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): (
            m.string if isinstance(m.string, str) else (m.string or ("",))[0]
        )
        for m in catalog
        if m.id
    }


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("update", "check"):
        print(__doc__)
        return 2
    command, root, domain = argv[0], Path(argv[1]), argv[2]
    if command == "update":
        update(root, domain)
        return 0
    found = problems(root, domain)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
