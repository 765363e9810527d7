"""What is being voted on: contests, options, and the election's parameters.

A contest lets a voter choose up to ``limit`` of its ``options`` (at least
0). A yes / no / abstain question is a contest with options
``("yes", "no", "abstain")`` and limit 1; choosing none is a blank vote.
"""

from __future__ import annotations

from typing import Any

import attrs

from urna.crypto import _json
from urna.crypto.ceremony import MAX_GUARDIANS
from urna.crypto.disjunctive import MAX_LIMIT
from urna.crypto.errors import SchemaError
from urna.crypto.transcript import PROTOCOL_VERSION, Transcript

__all__ = [
    "MAX_CONTESTS",
    "MAX_OPTIONS",
    "ContestDescription",
    "ElectionParameters",
    "Manifest",
]

MAX_OPTIONS = 64
MAX_CONTESTS = 64
PARAMETERS_LABEL = b"urna.parameters"


@attrs.frozen(slots=True)
class ContestDescription:
    """Choose up to ``limit`` of ``options``; ids as in :data:`urna.crypto._json.ID_PATTERN`."""

    contest_id: str
    limit: int
    options: tuple[str, ...]

    @classmethod
    def create(cls, contest_id: str, limit: int, options: tuple[str, ...]) -> ContestDescription:
        """Validated constructor (the same rules as :meth:`from_json`)."""
        return cls.from_json({"contest_id": contest_id, "limit": limit, "options": list(options)})

    def to_json(self) -> dict[str, Any]:
        return {"contest_id": self.contest_id, "limit": self.limit, "options": list(self.options)}

    @classmethod
    def from_json(cls, value: object) -> ContestDescription:
        d = _json.obj(value, ("contest_id", "limit", "options"), "contest")
        contest_id = _json.ident(d["contest_id"], "contest_id")
        options = tuple(
            _json.ident(o, "option id")
            for o in _json.array(d["options"], "options", 1, MAX_OPTIONS)
        )
        if len(set(options)) != len(options):
            raise SchemaError(f"contest {contest_id}: duplicate option ids")
        limit = _json.integer(d["limit"], "limit", 1, min(len(options), MAX_LIMIT))
        return cls(contest_id, limit, options)


@attrs.frozen(slots=True)
class Manifest:
    """The contests of an election, in ballot order."""

    contests: tuple[ContestDescription, ...]

    @classmethod
    def create(cls, contests: tuple[ContestDescription, ...]) -> Manifest:
        return cls.from_json({"contests": [c.to_json() for c in contests]})

    def to_json(self) -> dict[str, Any]:
        return {"contests": [c.to_json() for c in self.contests]}

    @classmethod
    def from_json(cls, value: object) -> Manifest:
        d = _json.obj(value, ("contests",), "manifest")
        contests = tuple(
            ContestDescription.from_json(c)
            for c in _json.array(d["contests"], "contests", 1, MAX_CONTESTS)
        )
        ids = [c.contest_id for c in contests]
        if len(set(ids)) != len(ids):
            raise SchemaError("manifest: duplicate contest ids")
        return cls(contests)


@attrs.frozen(slots=True)
class ElectionParameters:
    """Everything fixed before the key ceremony: id, guardians ``n``, quorum ``k``, manifest."""

    election_id: str
    guardians: int
    quorum: int
    manifest: Manifest

    @classmethod
    def create(
        cls, election_id: str, guardians: int, quorum: int, manifest: Manifest
    ) -> ElectionParameters:
        return cls.from_json(
            {
                "version": PROTOCOL_VERSION,
                "election_id": election_id,
                "guardians": guardians,
                "quorum": quorum,
                "manifest": manifest.to_json(),
            }
        )

    def parameters_hash(self) -> bytes:
        """BLAKE2b-256 (``urna.parameters``) of the parameters' transcript encoding."""
        t = Transcript("parameters")
        t.add_text("election_id", self.election_id)
        t.add_int("guardians", self.guardians)
        t.add_int("quorum", self.quorum)
        t.add_int("contests", len(self.manifest.contests))
        for c in self.manifest.contests:
            t.add_text("contest_id", c.contest_id)
            t.add_int("limit", c.limit)
            t.add_int("options", len(c.options))
            for o in c.options:
                t.add_text("option_id", o)
        return t.digest(PARAMETERS_LABEL)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": PROTOCOL_VERSION,
            "election_id": self.election_id,
            "guardians": self.guardians,
            "quorum": self.quorum,
            "manifest": self.manifest.to_json(),
        }

    @classmethod
    def from_json(cls, value: object) -> ElectionParameters:
        d = _json.obj(
            value, ("version", "election_id", "guardians", "quorum", "manifest"), "parameters"
        )
        if d["version"] != PROTOCOL_VERSION:
            raise SchemaError(f"parameters: version must be {PROTOCOL_VERSION!r}")
        guardians = _json.integer(d["guardians"], "guardians", 1, MAX_GUARDIANS)
        return cls(
            _json.ident(d["election_id"], "election_id"),
            guardians,
            _json.integer(d["quorum"], "quorum", 1, guardians),
            Manifest.from_json(d["manifest"]),
        )
