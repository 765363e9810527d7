"""Importing protocols from a CSV file with a column mapping (and the structure it implies).

A mapping names the hierarchy columns (each becomes a level of commissions
under the central one), the precinct column, and the column of every
protocol line and candidate. Every row is checked against the law before
anything is stored; rows that fail a control ratio are reported by row,
precinct and ratio and are not imported, the others are. The import is
recorded in batches of ``elections.protocols_imported`` events that carry the
file's BLAKE2b digest, the mapping and every imported protocol.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from urna.api import Ledger
from urna.crypto.hashing import blake2b_256

from urna_elections import models
from urna_elections.hierarchy import Commission, central_of
from urna_elections.protocol import PROTOCOL_LABEL, document_bytes
from urna_elections.record import PROTOCOLS_IMPORTED
from urna_elections.structure import (
    ElectionInfo,
    StructureError,
    add_commissions,
    load_commissions,
)

BATCH = 1000
MAX_FILE = 512 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9]")

Progress = Callable[[int, int], None]


class ImportError_(ValueError):
    """The file or mapping cannot be imported; the message names the column or row."""


@attrs.frozen(slots=True)
class ColumnMapping:
    """Which CSV column holds what. ``hierarchy`` is ``((column, kind, code prefix), ...)``."""

    hierarchy: tuple[tuple[str, str, str], ...]
    precinct: str
    lines: Mapping[str, str]
    votes: Mapping[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "hierarchy": [list(level) for level in self.hierarchy],
            "precinct": self.precinct,
            "lines": dict(self.lines),
            "votes": dict(self.votes),
        }

    @classmethod
    def from_json(cls, obj: Any) -> ColumnMapping:
        try:
            return cls(
                hierarchy=tuple((str(a), str(b), str(c)) for a, b, c in obj.get("hierarchy", [])),
                precinct=str(obj["precinct"]),
                lines={str(k): str(v) for k, v in obj["lines"].items()},
                votes={str(k): str(v) for k, v in obj["votes"].items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ImportError_(
                "a column mapping needs precinct, lines {line: column}, votes {candidate: column}"
                " and optionally hierarchy [[column, kind, prefix], ...]"
            ) from None


@attrs.frozen(slots=True)
class Rejected:
    row: int
    precinct: str
    problems: tuple[str, ...]


@attrs.frozen(slots=True)
class ImportReport:
    imported: int
    rejected: tuple[Rejected, ...]
    commissions: int
    events: int


RU_2012_CANDIDATES = (
    ("zhirinovsky", "Жириновский Владимир Вольфович"),
    ("zyuganov", "Зюганов Геннадий Андреевич"),
    ("mironov", "Миронов Сергей Михайлович"),
    ("prokhorov", "Прохоров Михаил Дмитриевич"),
    ("putin", "Путин Владимир Владимирович"),
)


def ru_2012_mapping(header: Sequence[str]) -> ColumnMapping:
    """The mapping of the 2012 presidential file: lines 1-18 in columns 4-21, then candidates."""
    if len(header) < 3 + 18 + 5 or header[:3] != ["region", "tik", "uik"]:
        raise ImportError_(
            "this is not the 2012 file: expected region, tik, uik, 18 lines, 5 candidates"
        )
    return ColumnMapping(
        hierarchy=(("region", "region", "r"), ("tik", "territorial", "t")),
        precinct="uik",
        lines={str(i): header[2 + i] for i in range(1, 19)},
        votes={cid: header[21 + n] for n, (cid, _) in enumerate(RU_2012_CANDIDATES)},
    )


def read_csv_file(path: Path) -> tuple[bytes, str]:
    """The bytes (for the digest) and text of a CSV file, or of the one CSV inside a zip."""
    data = path.read_bytes()
    if len(data) > MAX_FILE:
        raise ImportError_(f"{path.name} is larger than {MAX_FILE} bytes")
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [i for i in archive.infolist() if i.filename.endswith(".csv")]
            if len(names) != 1:
                raise ImportError_(f"{path.name} must hold exactly one .csv file")
            if names[0].file_size > MAX_FILE:
                raise ImportError_(f"{names[0].filename} expands beyond {MAX_FILE} bytes")
            with archive.open(names[0]) as member:
                text_bytes = member.read(MAX_FILE + 1)
            if len(text_bytes) > MAX_FILE:
                raise ImportError_(f"{names[0].filename} expands beyond {MAX_FILE} bytes")
    else:
        text_bytes = data
    try:
        return data, text_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(f"{path.name} is not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _code_part(value: str) -> str:
    cleaned = _UNSAFE.sub("", value)
    if cleaned and cleaned == value:
        return value
    return (cleaned[:24] + "x" + hashlib.blake2b(value.encode(), digest_size=4).hexdigest()).lstrip(
        "x"
    )


@attrs.define
class _Structure:
    known: dict[str, Commission]
    new: list[dict[str, str]] = attrs.Factory(list)
    by_path: dict[tuple[str, ...], str] = attrs.Factory(dict)
    counters: dict[str, int] = attrs.Factory(dict)

    def node(self, path: tuple[str, ...], kind: str, prefix: str, parent: str, name: str) -> str:
        code = self.by_path.get(path)
        if code is not None:
            return code
        number = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = number
        code = f"{prefix}{number:04d}"
        self._add(code, name, kind, parent)
        self.by_path[path] = code
        return code

    def precinct(self, parent: str, value: str) -> str:
        code = f"{parent}-{_code_part(value)}" if parent else _code_part(value)
        if code not in self.known:
            self._add(code, f"Precinct {value}", "precinct", parent)
        return code

    def _add(self, code: str, name: str, kind: str, parent: str) -> None:
        existing = self.known.get(code)
        if existing is not None:
            if existing.kind != kind or existing.parent != parent:
                raise ImportError_(f"commission {code} exists with another kind or parent")
            return
        self.known[code] = Commission(code, name[:200], kind, parent)
        self.new.append({"code": code, "name": name[:200], "kind": kind, "parent": parent})


async def import_protocols(
    ledger: Ledger,
    election: ElectionInfo,
    name: str,
    data: bytes,
    text: str,
    mapping: ColumnMapping,
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row, then store the missing commissions and the good protocols."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise ImportError_(f"{name} is empty")
    columns = {column: index for index, column in enumerate(header)}
    wanted = [level[0] for level in mapping.hierarchy] + [mapping.precinct]
    wanted += list(mapping.lines.values()) + list(mapping.votes.values())
    missing = [column for column in wanted if column not in columns]
    if missing:
        raise ImportError_(f"{name} lacks the mapped column(s) {missing[:5]}")
    profile = election.profile
    if set(mapping.lines) != set(profile.line_ids):
        raise ImportError_(
            f"the mapping must give a column for every line of {profile.name}: missing "
            f"{sorted(set(profile.line_ids) - set(mapping.lines))}, unknown "
            f"{sorted(set(mapping.lines) - set(profile.line_ids))}"
        )
    if set(mapping.votes) != set(election.candidates):
        raise ImportError_("the mapping must give a column for every candidate and no other")
    existing = await load_commissions(election)
    central = central_of(existing)
    if central is None:
        raise StructureError(f"election {election.code} has no central commission yet")
    structure = _Structure(existing)
    hierarchy = [(columns[c], kind, prefix) for c, kind, prefix in mapping.hierarchy]
    precinct_index = columns[mapping.precinct]
    line_items = [(line, columns[column]) for line, column in mapping.lines.items()]
    vote_items = [(cid, columns[column]) for cid, column in mapping.votes.items()]
    good: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    width = len(header)
    for row_number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != width:
            rejected.append(Rejected(row_number, "", (f"row has {len(row)} fields, not {width}",)))
            continue
        parent = central
        path: tuple[str, ...] = ()
        for index, kind, prefix in hierarchy:
            path = (*path, row[index])
            parent = structure.node(path, kind, prefix, parent, row[index])
        precinct = structure.precinct(parent, row[precinct_index].strip())
        try:
            lines = {line: int(row[index]) for line, index in line_items}
            votes = {cid: int(row[index]) for cid, index in vote_items}
        except ValueError:
            rejected.append(Rejected(row_number, precinct, ("a line is not an integer",)))
            continue
        if any(v < 0 for v in lines.values()) or any(v < 0 for v in votes.values()):
            rejected.append(Rejected(row_number, precinct, ("a line is negative",)))
            continue
        problems = profile.check(lines, votes)
        if precinct in seen:
            problems.append(f"precinct {precinct} appears twice in the file")
        if problems:
            rejected.append(Rejected(row_number, precinct, tuple(problems)))
            continue
        seen.add(precinct)
        good.append(
            {
                "election": election.code,
                "precinct": precinct,
                "profile": profile.name,
                "lines": lines,
                "votes": votes,
                "completed_at": "",
                "supersedes": "",
                "reason": "",
            }
        )
    already = set(
        await models.Protocol.filter(election_id=election.id, current=True).values_list(
            "precinct_code", flat=True
        )
    )
    duplicates = [doc for doc in good if doc["precinct"] in already]
    for doc in duplicates:
        rejected.append(
            Rejected(
                0,
                doc["precinct"],
                (f"{doc['precinct']} already has a protocol; a correction is a repeat protocol",),
            )
        )
    good = [doc for doc in good if doc["precinct"] not in already]
    file_digest = hashlib.blake2b(data, digest_size=32).hexdigest()
    line_order = profile.line_ids
    events = 0
    async with ledger.transaction():
        if structure.new:
            await add_commissions(ledger, election, structure.new)
        for part, start in enumerate(range(0, len(good), BATCH), start=1):
            batch = good[start : start + BATCH]
            event = await ledger.append(
                election.scope,
                PROTOCOLS_IMPORTED,
                {
                    "election": election.code,
                    "profile": profile.name,
                    "source": {
                        "name": name[:200],
                        "blake2b": file_digest,
                        "mapping": mapping.to_json(),
                        "part": part,
                    },
                    "lines": list(line_order),
                    "candidates": list(election.candidates),
                    "rows": [
                        [
                            doc["precinct"],
                            *(doc["lines"][k] for k in line_order),
                            *(doc["votes"][c] for c in election.candidates),
                        ]
                        for doc in batch
                    ],
                },
            )
            events += 1
            rows = []
            for doc in batch:
                encoded = document_bytes(doc)
                rows.append(
                    models.Protocol(
                        election_id=election.id,
                        precinct_code=doc["precinct"],
                        digest=blake2b_256(PROTOCOL_LABEL, encoded).hex(),
                        doc=encoded.decode("utf-8"),
                        signatures="{}",
                        source="import",
                        current=True,
                        version=1,
                        seq=event.seq,
                    )
                )
            await models.Protocol.bulk_create(rows)
            if progress is not None:
                progress(start + len(batch), len(good))
    return ImportReport(len(good), tuple(rejected), len(structure.new), events)


def mapping_from_file(path: Path) -> ColumnMapping:
    try:
        return ColumnMapping.from_json(json.loads(path.read_text("utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise ImportError_(f"cannot read the mapping {path}: {exc}") from None
