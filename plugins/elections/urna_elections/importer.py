"""Importing protocols from an office's CSV file (or zipped CSV) with a column mapping.

Two shapes of file, as offices publish them:

* **wide**: one row per precinct, a column per protocol line and per
  candidate (the Russian and Azerbaijani files);
* **long**: one row per precinct, contest and candidate (US OpenElections
  files), with optional district, party and vote type columns; the precinct
  lines (ballots cast ...) come as rows whose contest or candidate is the
  line's label, and write-ins, over and under votes as rows too.

Commission codes and names are kept as the file gives them; a level whose
codes repeat under different parents is qualified with the code of a level
above it (``within``: ``Республика Адыгея (Адыгея):1``). A long file defines
the contests, their districts and selections it names.

Every row is checked before anything is stored. A rejection names the row,
the column, the cause and the problem (an empty cell, not a number, a control
ratio with both of its sides); a precinct with a rejected row is not imported,
the others are, in ``elections.protocols_imported`` events that carry the
file's BLAKE2b digest and the mapping.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from urna.api import Ledger
from urna.crypto.hashing import blake2b_256

from urna_elections import models
from urna_elections.contests import (
    Contest,
    District,
    Selection,
    ballot,
    check_contests,
    merge_districts,
    selections_of,
)
from urna_elections.hierarchy import UNIT_CODE, Commission, central_of
from urna_elections.law import MAX_LINE_VALUE
from urna_elections.protocol import PROTOCOL_LABEL, document_bytes
from urna_elections.record import KINDS, PROTOCOLS_IMPORTED
from urna_elections.structure import (
    ElectionInfo,
    StructureError,
    add_commissions,
    add_contests,
    add_districts,
    load_commissions,
)

BATCH = 1000
MAX_FILE = 512 * 1024 * 1024
QUALIFIER = ":"
"""Joins a level's code to the code of the level it is ``within``."""

Progress = Callable[[int, int], None]


class ImportError_(ValueError):
    """The file or mapping cannot be imported; the message names the column or row."""


@attrs.frozen(slots=True)
class Level:
    """A level of commissions: its kind, the column of its code and of its name, and the
    kind of a level above whose code qualifies this one's (``""``: the code alone)."""

    kind: str
    code: str
    name: str
    within: str = ""

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "code": self.code, "name": self.name, "within": self.within}


@attrs.frozen(slots=True)
class ContestSettings:
    votes_allowed: int = 1
    seats: int = 1
    district_type: str = "other"


LONG_COLUMNS = ("contest", "district", "candidate", "party", "votes", "vote_type")


@attrs.frozen(slots=True)
class ColumnMapping:
    """Which column holds what (see ``docs/elections.md``, "Importing protocols")."""

    format: str
    hierarchy: tuple[Level, ...]
    precinct: Level
    lines: Mapping[str, str]
    """wide: line -> column; long: line -> the label of the rows that give it."""
    votes: Mapping[str, str] = attrs.field(factory=dict)
    """wide: selection -> column."""
    columns: Mapping[str, str] = attrs.field(factory=dict)
    """long: ``contest``, ``candidate``, ``votes`` and optionally ``district``, ``party``,
    ``vote_type`` -> column."""
    write_ins: tuple[str, ...] = ()
    overvotes: tuple[str, ...] = ()
    undervotes: tuple[str, ...] = ()
    contests: Mapping[str, ContestSettings] = attrs.field(factory=dict)

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "format": self.format,
            "hierarchy": [level.to_json() for level in self.hierarchy],
            "precinct": self.precinct.to_json(),
            "lines": dict(self.lines),
        }
        if self.format == "wide":
            found["votes"] = dict(self.votes)
        else:
            found.update(
                columns=dict(self.columns),
                write_ins=list(self.write_ins),
                overvotes=list(self.overvotes),
                undervotes=list(self.undervotes),
                contests={name: attrs.asdict(s) for name, s in self.contests.items()},
            )
        return found

    @classmethod
    def from_json(cls, obj: Any) -> ColumnMapping:
        if not isinstance(obj, Mapping):
            raise ImportError_("a column mapping is a JSON object")
        shape = obj.get("format", "wide")
        if shape not in ("wide", "long"):
            raise ImportError_("mapping format must be wide or long")
        try:
            hierarchy = _levels(obj.get("hierarchy", []))
            precinct = _level(obj["precinct"], "precinct", hierarchy)
            lines = _strings(obj["lines"], "lines")
            if shape == "wide":
                return cls(
                    "wide", hierarchy, precinct, lines, votes=_strings(obj["votes"], "votes")
                )
            columns = _strings(obj["columns"], "columns")
            unknown = sorted(set(columns) - set(LONG_COLUMNS))
            lacking = [c for c in ("contest", "candidate", "votes") if c not in columns]
            if unknown or lacking:
                raise ImportError_(
                    f"mapping columns: lacking {lacking}, unknown {unknown}; "
                    f"known are {list(LONG_COLUMNS)}"
                )
            settings = {}
            for name, raw in dict(obj.get("contests", {})).items():
                if not isinstance(raw, Mapping) or not set(raw) <= {
                    "votes_allowed",
                    "seats",
                    "district_type",
                }:
                    raise ImportError_(
                        f"mapping contest {name!r}: votes_allowed, seats, district_type only"
                    )
                settings[str(name)] = ContestSettings(
                    int(raw.get("votes_allowed", 1)),
                    int(raw.get("seats", 1)),
                    str(raw.get("district_type", "other")),
                )
            return cls(
                "long",
                hierarchy,
                precinct,
                lines,
                columns=columns,
                write_ins=_labels(obj.get("write_ins", []), "write_ins"),
                overvotes=_labels(obj.get("overvotes", []), "overvotes"),
                undervotes=_labels(obj.get("undervotes", []), "undervotes"),
                contests=settings,
            )
        except KeyError as exc:
            raise ImportError_(f"a {shape} column mapping needs {exc.args[0]!r}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, ImportError_):
                raise
            raise ImportError_(f"the column mapping is malformed: {exc}") from None


def _strings(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ImportError_(f"mapping {what} must be an object of names to column names")
    return {str(k): v for k, v in value.items()}


def _labels(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ImportError_(f"mapping {what} must be a list of labels")
    return tuple(value)


def _level(raw: Any, kind: str, above: Sequence[Level]) -> Level:
    """A level from ``{"kind", "code", "name"?, "within"?}``, a column name (the precinct),
    or the first form ``[column, kind, prefix]`` (qualified by the level above)."""
    if isinstance(raw, str):
        return Level(kind, raw, raw, above[-1].kind if above else "")
    if isinstance(raw, list) and len(raw) == 3:
        return Level(str(raw[1]), str(raw[0]), str(raw[0]), above[-1].kind if above else "")
    if not isinstance(raw, Mapping) or "code" not in raw:
        raise ImportError_("a mapping level is {kind, code, name?, within?}")
    level = Level(
        str(raw.get("kind", kind)),
        str(raw["code"]),
        str(raw.get("name", raw["code"])),
        str(raw.get("within", "")),
    )
    if level.within and level.within not in {a.kind for a in above}:
        raise ImportError_(f"level {level.kind}: within {level.within!r} is not a level above")
    return level


def _levels(raw: Any) -> tuple[Level, ...]:
    if not isinstance(raw, list):
        raise ImportError_("mapping hierarchy must be a list of levels")
    levels: list[Level] = []
    for item in raw:
        level = _level(item, "region", levels)
        if level.kind not in KINDS or level.kind in ("central", "precinct"):
            raise ImportError_(f"hierarchy kind {level.kind!r} is not one of {KINDS[1:-1]}")
        levels.append(level)
    return tuple(levels)


@attrs.frozen(slots=True)
class Problem:
    column: str
    cause: str
    message: str


@attrs.frozen(slots=True)
class Rejected:
    """A precinct (or a row no precinct could be read from) that is not imported."""

    row: int
    precinct: str
    issues: tuple[Problem, ...]

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(issue.message for issue in self.issues)


@attrs.frozen(slots=True)
class ImportReport:
    imported: int
    rejected: tuple[Rejected, ...]
    commissions: int
    events: int
    rows: int = 0
    contests: int = 0

    def causes(self) -> Counter[str]:
        """How many problems of each cause (``empty cell``, ``control ratio RU12-2`` ...)."""
        return Counter(issue.cause for r in self.rejected for issue in r.issues)

    def rejections_csv(self) -> str:
        """Every problem, one a line: row, precinct, column, cause, problem."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["row", "precinct", "column", "cause", "problem"])
        for rejected in self.rejected:
            for issue in rejected.issues:
                writer.writerow(
                    [rejected.row, rejected.precinct, issue.column, issue.cause, issue.message]
                )
        return out.getvalue()


RU_2012_CANDIDATES = (
    ("zhirinovsky", "Жириновский Владимир Вольфович"),
    ("zyuganov", "Зюганов Геннадий Андреевич"),
    ("mironov", "Миронов Сергей Михайлович"),
    ("prokhorov", "Прохоров Михаил Дмитриевич"),
    ("putin", "Путин Владимир Владимирович"),
)


def ru_2012_mapping(header: Sequence[str]) -> ColumnMapping:
    """The mapping of the 2012 presidential file: lines 1-18 in columns 4-21, then candidates.
    Territorial commissions and precincts are numbered within their region."""
    if len(header) < 3 + 18 + 5 or list(header[:3]) != ["region", "tik", "uik"]:
        raise ImportError_(
            "this is not the 2012 file: expected region, tik, uik, 18 lines, 5 candidates"
        )
    return ColumnMapping(
        format="wide",
        hierarchy=(
            Level("region", "region", "region"),
            Level("territorial", "tik", "tik", "region"),
        ),
        precinct=Level("precinct", "uik", "uik", "region"),
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


def read_figure(cell: str, column: str) -> int | Problem:
    """A protocol figure from its cell, or the problem with it (``int`` reads the common
    case, surrounding spaces included, at once: an import reads millions of cells)."""
    try:
        value = int(cell)
    except ValueError:
        text = cell.strip()
        if not text:
            return Problem(column, "empty cell", f"{column}: the cell is empty")
        return Problem(column, "not a number", f"{column}: {text[:40]!r} is not a whole number")
    if value < 0:
        return Problem(column, "negative", f"{column}: {value} is negative")
    if value > MAX_LINE_VALUE:
        return Problem(column, "too large", f"{column}: {value} is more than {MAX_LINE_VALUE}")
    return value


@attrs.define
class _Tree:
    """The commissions the file names, found or added, codes kept as the file gives them."""

    known: dict[str, Commission]
    central: str
    levels: tuple[Level, ...]
    indexes: tuple[tuple[int, int], ...]
    new: list[dict[str, str]] = attrs.Factory(list)

    def precinct_of(self, row: Sequence[str], issues: list[Problem]) -> str:
        """The precinct's code, adding the commissions on its way; ``""`` with ``issues``
        when a cell gives no usable code or a code already stands elsewhere in the tree."""
        parent = self.central
        codes: dict[str, str] = {}
        for level, (code_at, name_at) in zip(self.levels, self.indexes, strict=True):
            cell = row[code_at].strip()
            if not cell:
                issues.append(Problem(level.code, "empty cell", f"{level.code}: the cell is empty"))
                return ""
            code = f"{codes[level.within]}{QUALIFIER}{cell}" if level.within else cell
            if not UNIT_CODE.fullmatch(code):
                issues.append(
                    Problem(
                        level.code,
                        "unusable code",
                        f"{level.code}: {code[:80]!r} cannot be a code (1..160 characters, "
                        "no slashes or control characters)",
                    )
                )
                return ""
            found = self.known.get(code)
            if found is None:
                name = (row[name_at].strip() or cell)[:200]
                self.known[code] = Commission(code, name, level.kind, parent)
                self.new.append({"code": code, "name": name, "kind": level.kind, "parent": parent})
            elif found.kind != level.kind or found.parent != parent:
                issues.append(
                    Problem(
                        level.code,
                        "code elsewhere",
                        f"{level.code}: {code!r} is a {found.kind} under {found.parent!r}, here "
                        f"a {level.kind} under {parent!r} (qualify it with 'within' in the "
                        "mapping)",
                    )
                )
                return ""
            codes[level.kind] = parent = code
        return parent


def _slug(text: str, limit: int) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")
    if not slug:
        slug = "c" + hashlib.blake2b(text.encode(), digest_size=4).hexdigest()
    return slug


@attrs.define
class _Figures:
    """One precinct's figures as read from its rows."""

    row: int
    lines: dict[str, int] = attrs.Factory(dict)
    votes: dict[tuple[str, str], dict[str, int]] = attrs.Factory(dict)
    """(contest name, district) -> selection name -> votes (long files)."""
    wide_votes: dict[str, int] = attrs.Factory(dict)
    parties: dict[tuple[str, str], str] = attrs.Factory(dict)
    """(contest, candidate) -> party, where the file gives one (long files)."""
    issues: list[Problem] = attrs.Factory(list)


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
    """Check every row, then store the missing commissions, contests and districts and the
    good protocols in one transaction."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise ImportError_(f"{name} is empty")
    columns = {column.strip(): index for index, column in enumerate(header)}
    profile = election.profile
    wanted = [
        c for level in (*mapping.hierarchy, mapping.precinct) for c in (level.code, level.name)
    ]
    if mapping.format == "wide":
        wanted += [*mapping.lines.values(), *mapping.votes.values()]
        if set(mapping.lines) != set(profile.line_ids):
            raise ImportError_(
                f"the mapping must give a column for every line of {profile.name}: missing "
                f"{sorted(set(profile.line_ids) - set(mapping.lines))}, unknown "
                f"{sorted(set(mapping.lines) - set(profile.line_ids))}"
            )
        unknown = sorted(set(mapping.votes) - set(election.candidates))
        if unknown or not mapping.votes:
            raise ImportError_(
                f"the mapping's votes name selections of {election.code}; unknown {unknown[:5]}"
            )
    else:
        wanted += list(mapping.columns.values())
        if set(mapping.lines) != set(profile.line_ids):
            raise ImportError_(
                f"the mapping must give the row label of every line of {profile.name}: missing "
                f"{sorted(set(profile.line_ids) - set(mapping.lines))}"
            )
    missing = [column for column in wanted if column not in columns]
    if missing:
        raise ImportError_(f"{name} lacks the mapped column(s) {missing[:5]}")
    existing = await load_commissions(election)
    central = central_of(existing)
    if central is None:
        raise StructureError(f"election {election.code} has no central commission yet")
    levels = (*mapping.hierarchy, mapping.precinct)
    tree = _Tree(
        existing,
        central,
        levels,
        tuple((columns[level.code], columns[level.name]) for level in levels),
    )
    figures: dict[str, _Figures] = {}
    stray: list[Rejected] = []
    width = len(header)
    rows = 0
    read = (_wide_reader if mapping.format == "wide" else _long_reader)(mapping, columns)
    for row_number, row in enumerate(reader, start=2):
        if not row:
            continue
        rows += 1
        if len(row) != width:
            issue = Problem("", "wrong number of fields", f"row has {len(row)} fields, not {width}")
            stray.append(Rejected(row_number, "", (issue,)))
            continue
        issues: list[Problem] = []
        precinct = tree.precinct_of(row, issues)
        if not precinct:
            stray.append(Rejected(row_number, "", tuple(issues)))
            continue
        found = figures.get(precinct)
        if found is None:
            found = figures[precinct] = _Figures(row_number)
        elif mapping.format == "wide":
            found.issues.append(
                Problem(
                    mapping.precinct.code,
                    "precinct repeated",
                    f"precinct {precinct} appears again in row {row_number}",
                )
            )
            continue
        read(row, row_number, found)
    additions = (
        _contests_of_file(election, mapping, tree, figures)
        if mapping.format == "long"
        else _Additions()
    )
    counted = {
        str(code)
        for code in await models.Protocol.filter(election_id=election.id, current=True).values_list(
            "precinct_code", flat=True
        )
    }
    good: list[dict[str, Any]] = []
    rejected: list[Rejected] = list(stray)
    for precinct, found in figures.items():
        on_ballot = additions.ballots.get(precinct)
        if on_ballot is None:
            on_ballot = election.ballot(_chain(tree.known, precinct))
        votes = _votes(mapping, found, on_ballot, election, additions.keys)
        issues = found.issues
        if not issues:
            issues += _ratio_problems(
                mapping, check_contests(profile, on_ballot, found.lines, votes)
            )
        if precinct in counted:
            issues.append(
                Problem(
                    mapping.precinct.code,
                    "already counted",
                    f"{precinct} already has a protocol; a correction is a repeat protocol",
                )
            )
        if issues:
            rejected.append(Rejected(found.row, precinct, tuple(issues)))
            continue
        good.append(
            {
                "election": election.code,
                "precinct": precinct,
                "profile": profile.name,
                "lines": found.lines,
                "votes": votes,
                "completed_at": "",
                "supersedes": "",
                "reason": "",
            }
        )
    rejected.sort(key=lambda r: r.row)
    events = await store_protocols(
        ledger,
        election,
        name=name,
        data=data,
        mapping=mapping.to_json(),
        commissions=tree.new,
        districts=additions.districts,
        contests=additions.contests,
        docs=good,
        progress=progress,
    )
    return ImportReport(
        len(good),
        tuple(rejected),
        len(tree.new),
        events,
        rows,
        len(additions.contests),
    )


def _chain(known: Mapping[str, Commission], precinct: str) -> list[str]:
    chain: list[str] = []
    code = precinct
    while code in known and code not in chain:
        chain.append(code)
        code = known[code].parent
    return chain


Reader = Callable[[Sequence[str], int, "_Figures"], None]


def _wide_reader(mapping: ColumnMapping, columns: Mapping[str, int]) -> Reader:
    """Reads a wide row's figures into its precinct's (the cells' places found once)."""
    cells = [
        *((True, key, column, columns[column]) for key, column in mapping.lines.items()),
        *((False, key, column, columns[column]) for key, column in mapping.votes.items()),
    ]

    def read(row: Sequence[str], _: int, into: _Figures) -> None:
        problems: list[Problem] = []
        empty = 0
        for is_line, key, column, index in cells:
            cell = row[index]
            if not is_line and not cell.strip():
                empty += 1
                continue  # a selection not on every ballot: checked with the ballot
            value = read_figure(cell, column)
            if isinstance(value, Problem):
                empty += value.cause == "empty cell"
                problems.append(value)
            elif is_line:
                into.lines[key] = value
            else:
                into.wide_votes[key] = value
        if empty == len(cells):
            problems = [Problem("", "empty row", "every figure cell of the row is empty")]
        into.issues += problems

    return read


def _long_reader(mapping: ColumnMapping, columns: Mapping[str, int]) -> Reader:
    """Reads a long row: a precinct line, or the votes of one selection of one contest."""

    def read(row: Sequence[str], row_number: int, into: _Figures) -> None:
        _read_long(mapping, columns, row, row_number, into)

    return read


def _read_long(
    mapping: ColumnMapping,
    columns: Mapping[str, int],
    row: Sequence[str],
    row_number: int,
    into: _Figures,
) -> None:
    named = mapping.columns

    def cell(what: str) -> str:
        return row[columns[named[what]]].strip() if what in named else ""

    value = read_figure(row[columns[named["votes"]]], named["votes"])
    if isinstance(value, Problem):
        into.issues.append(attrs.evolve(value, message=f"row {row_number}: {value.message}"))
        return
    contest, candidate = cell("contest"), cell("candidate")
    for line, label in mapping.lines.items():
        if label in (contest, candidate):
            into.lines[line] = into.lines.get(line, 0) + value
            return
    for what, text in (("contest", contest), ("candidate", candidate)):
        if not text:
            into.issues.append(
                Problem(named[what], "empty cell", f"row {row_number}: {named[what]}: empty")
            )
            return
    slot = into.votes.setdefault((contest, cell("district")), {})
    slot[candidate] = slot.get(candidate, 0) + value
    party = cell("party")
    if party:
        into.parties[(contest, candidate)] = party


def _kind(mapping: ColumnMapping, label: str) -> str:
    if label in mapping.write_ins:
        return "write-in"
    if label in mapping.overvotes:
        return "overvotes"
    if label in mapping.undervotes:
        return "undervotes"
    return "candidate"


def _votes(
    mapping: ColumnMapping,
    found: _Figures,
    on_ballot: Sequence[Contest],
    election: ElectionInfo,
    keys: Mapping[str, tuple[str, str]],
) -> dict[str, int]:
    """The protocol's votes: every selection on the ballot, from the precinct's rows."""
    if mapping.format == "wide":
        if any(issue.cause == "empty row" for issue in found.issues):
            return {}  # named once for the whole row
        wanted = set(selections_of(on_ballot))
        for key in found.wide_votes.keys() - wanted:
            found.issues.append(
                Problem(
                    mapping.votes[key],
                    "not on the ballot",
                    f"{mapping.votes[key]}: {election.candidate_names[key]} is not on this "
                    "precinct's ballot",
                )
            )
        for key in sorted(wanted - found.wide_votes.keys()):
            column = mapping.votes.get(key, "")
            found.issues.append(Problem(column, "empty cell", f"{column or key}: no votes given"))
        return {key: found.wide_votes.get(key, 0) for key in selections_of(on_ballot)}
    votes: dict[str, int] = {}
    for contest in on_ballot:
        rows = found.votes.get(keys.get(contest.id, ("", "")))
        if rows is None:
            found.issues.append(
                Problem(
                    mapping.columns["contest"],
                    "contest missing",
                    f"no rows for {contest.name}, which is on this precinct's ballot",
                )
            )
            continue
        for selection in contest.selections:
            votes[selection.id] = rows.get(selection.name, 0)
    return votes


def _ratio_problems(mapping: ColumnMapping, failures: Iterable[str]) -> list[Problem]:
    problems = []
    for message in failures:
        found = re.search(r"control ratio (\S+) fails", message)
        cause = f"control ratio {found.group(1)}" if found else "control ratio"
        problems.append(Problem("", cause, message))
    return problems


@attrs.frozen(slots=True)
class _Additions:
    """What a long file adds to the election, and how its contests are named in the file."""

    contests: tuple[Contest, ...] = ()
    districts: tuple[District, ...] = ()
    keys: Mapping[str, tuple[str, str]] = attrs.field(factory=dict)
    """Contest id -> (contest, district) as the file's cells name it."""
    ballots: Mapping[str, tuple[Contest, ...]] = attrs.field(factory=dict)
    """Precinct -> the contests on its ballot, these included."""


def _contests_of_file(
    election: ElectionInfo,
    mapping: ColumnMapping,
    tree: _Tree,
    figures: Mapping[str, _Figures],
) -> _Additions:
    """The contests and districts a long file names that the election lacks, and each
    precinct's ballot with them."""
    parties: dict[tuple[str, str], str] = {}
    for found in figures.values():
        parties.update(found.parties)
    reach: dict[tuple[str, str], set[str]] = {}
    order: dict[tuple[str, str], dict[str, str]] = {}
    for precinct, found in figures.items():
        for key, slot in found.votes.items():
            reach.setdefault(key, set()).add(precinct)
            names = order.setdefault(key, {})
            for label in slot:
                names.setdefault(label, _kind(mapping, label))
    by_name = {(c.name, c.district): c for c in election.contests}
    taken = {c.id for c in election.contests}
    every = {code for code, c in tree.known.items() if c.kind == "precinct"}
    new_contests: list[Contest] = []
    new_districts: list[District] = []
    keys: dict[str, tuple[str, str]] = {}
    for key in sorted(reach, key=lambda k: min(figures[p].row for p in reach[k])):
        contest_name, district_cell = key
        settings = mapping.contests.get(contest_name, ContestSettings())
        if district_cell:
            code = f"{contest_name} {district_cell}"[:160]
            district = District(code, code[:200], settings.district_type, frozenset(reach[key]))
        elif reach[key] == every:
            code, district = "", None
        else:
            code = contest_name[:160]
            district = District(code, code[:200], settings.district_type, frozenset(reach[key]))
        if district is not None:
            new_districts.append(district)
        known = by_name.get((contest_name, code))
        if known is not None:
            keys[known.id] = key
            lacking = sorted(set(order[key]) - {s.name for s in known.selections})
            for precinct in reach[key]:
                if lacking:
                    figures[precinct].issues.append(
                        Problem(
                            mapping.columns["candidate"],
                            "unknown candidate",
                            f"{contest_name} has no candidate {lacking[0]!r} in {election.code}",
                        )
                    )
            continue
        base = _slug(f"{contest_name} {district_cell}", 48)
        contest_id, n = base, 1
        while contest_id in taken:
            n += 1
            contest_id = f"{base}-{n}"
        taken.add(contest_id)
        selections = tuple(
            Selection(
                f"{contest_id}.{kind if kind in ('overvotes', 'undervotes') else i}",
                label[:200],
                parties.get((contest_name, label), "")[:200],
                kind,
            )
            for i, (label, kind) in enumerate(order[key].items(), start=1)
        )
        new_contests.append(
            Contest(
                contest_id,
                contest_name[:200],
                code,
                settings.seats,
                settings.votes_allowed,
                selections,
            )
        )
        keys[contest_id] = key
    contests = (*election.contests, *new_contests)
    districts = merge_districts(election.districts, new_districts)
    ballots = {p: ballot(contests, districts, _chain(tree.known, p)) for p in figures}
    return _Additions(tuple(new_contests), tuple(new_districts), keys, ballots)


async def store_protocols(
    ledger: Ledger,
    election: ElectionInfo,
    *,
    name: str,
    data: bytes,
    mapping: Mapping[str, Any],
    commissions: Sequence[Mapping[str, str]],
    districts: Sequence[District],
    contests: Sequence[Contest],
    docs: Sequence[dict[str, Any]],
    progress: Progress | None = None,
) -> int:
    """Store, in one transaction, what a file adds to the election and its checked protocol
    documents, in ``elections.protocols_imported`` batches naming the file and its
    ``mapping``; answers how many batches."""
    file_digest = hashlib.blake2b(data, digest_size=32).hexdigest()
    events = 0
    good = docs
    async with ledger.transaction():
        if commissions:
            await add_commissions(ledger, election, commissions)
        if districts:
            election = await add_districts(ledger, election, districts)
        if contests:
            election = await add_contests(ledger, election, contests)
        line_order = election.profile.line_ids
        for part, start in enumerate(range(0, len(good), BATCH), start=1):
            batch = good[start : start + BATCH]
            event = await ledger.append(
                election.scope,
                PROTOCOLS_IMPORTED,
                {
                    "election": election.code,
                    "profile": election.profile.name,
                    "source": {
                        "name": name[:200],
                        "blake2b": file_digest,
                        "mapping": dict(mapping),
                        "part": part,
                    },
                    "lines": list(line_order),
                    "candidates": list(election.candidates),
                    "rows": [
                        [
                            doc["precinct"],
                            *(doc["lines"][k] for k in line_order),
                            *(doc["votes"].get(c) for c in election.candidates),
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
    return events


def mapping_from_file(path: Path) -> ColumnMapping:
    try:
        return ColumnMapping.from_json(json.loads(path.read_text("utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise ImportError_(f"cannot read the mapping {path}: {exc}") from None
