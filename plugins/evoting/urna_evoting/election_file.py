"""The election file an administrator writes: the core's manifest, the guardians, and the
names a ballot shows in Azerbaijani, English and Russian.

``manifest`` is exactly the core's manifest (``urna.crypto.manifest.Manifest``:
contests with ``contest_id``, ``limit`` = vote for N, ``options``); the rest says
who guards the key and how a ballot reads. See ``docs/evoting.md`` for an example.
"""

from __future__ import annotations

from typing import Any

import attrs
from urna.crypto.errors import CryptoError
from urna.crypto.manifest import ElectionParameters, Manifest

LANGUAGES = ("az", "en", "ru")
FIELDS = {"election_id", "title", "quorum", "guardians", "manifest", "names"}


class ElectionFileError(ValueError):
    """The election file is wrong; the message names where."""


@attrs.frozen
class GuardianEntry:
    guardian_id: int
    name: str
    user: str


@attrs.frozen
class ElectionFile:
    parameters: ElectionParameters
    guardians: tuple[GuardianEntry, ...]
    names: dict[str, Any]


def _texts(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise ElectionFileError(f"{where}: give the text in exactly {', '.join(LANGUAGES)}")
    for language, text in value.items():
        if not isinstance(text, str) or not 0 < len(text.strip()) <= 200:
            raise ElectionFileError(f"{where} ({language}): 1..200 characters")
    return {language: value[language].strip() for language in LANGUAGES}


def read_election_file(data: object) -> ElectionFile:
    """Check the whole file; raise :class:`ElectionFileError` naming the first mistake."""
    if not isinstance(data, dict) or set(data) != FIELDS:
        raise ElectionFileError(f"the election file must hold exactly {sorted(FIELDS)}")
    guardians = data["guardians"]
    if not isinstance(guardians, list) or not guardians:
        raise ElectionFileError("guardians: a list of at least one {name, user}")
    entries = []
    for number, entry in enumerate(guardians, start=1):
        if not isinstance(entry, dict) or set(entry) != {"name", "user"}:
            raise ElectionFileError(f"guardian {number}: give exactly name and user")
        name, user = entry["name"], entry["user"]
        if not isinstance(name, str) or not 0 < len(name) <= 200:
            raise ElectionFileError(f"guardian {number}: name must be 1..200 characters")
        if not isinstance(user, str) or not 0 < len(user) <= 100:
            raise ElectionFileError(f"guardian {number}: user must be 1..100 characters")
        entries.append(GuardianEntry(number, name, user))
    if len({e.user for e in entries}) != len(entries):
        raise ElectionFileError("guardians: each guardian needs a user of its own")
    quorum = data["quorum"]
    try:
        manifest = Manifest.from_json(data["manifest"])
        if isinstance(quorum, bool) or not isinstance(quorum, int):
            raise ElectionFileError("quorum must be a whole number")
        parameters = ElectionParameters.create(data["election_id"], len(entries), quorum, manifest)
    except CryptoError as exc:
        raise ElectionFileError(str(exc)) from None
    names = data["names"]
    if not isinstance(names, dict):
        raise ElectionFileError("names: an object with the election's and each contest's")
    checked: dict[str, Any] = {"title": _texts(data["title"], "title"), "contests": {}}
    if set(names) != {c.contest_id for c in manifest.contests}:
        raise ElectionFileError("names: give names for exactly the manifest's contests")
    for contest in manifest.contests:
        entry = names[contest.contest_id]
        where = f"names.{contest.contest_id}"
        if not isinstance(entry, dict) or set(entry) != {"title", "options"}:
            raise ElectionFileError(f"{where}: give exactly title and options")
        options = entry["options"]
        if not isinstance(options, dict) or set(options) != set(contest.options):
            raise ElectionFileError(f"{where}.options: name exactly the contest's options")
        checked["contests"][contest.contest_id] = {
            "title": _texts(entry["title"], f"{where}.title"),
            "options": {o: _texts(options[o], f"{where}.options.{o}") for o in contest.options},
        }
    return ElectionFile(parameters, tuple(entries), checked)
