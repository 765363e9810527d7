"""The commission tree (central -> constituency, region, ... -> precinct) and sums up it.

Pure code, shared by the appliance (results, publication, packages, the CSV
import) and the observer's verifier (``record``): both walk the tree and add
protocols up it with the same functions. Counts are ``{"lines": {line: n},
"votes": {candidate: n}}``, the shape of a protocol document's figures and of
every total.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

UNIT_CODE = re.compile(r"^(?=\S)[^\x00-\x1f\x7f/\\]{1,160}(?<=\S)$")
"""A commission or district code, as the office's files give it: any text of at most 160
characters without control characters, slashes or surrounding spaces (``1 Адыгейская``)."""


@attrs.frozen(slots=True)
class Commission:
    """One commission of the tree; a value shared by caches and held in frozen results."""

    code: str
    name: str
    kind: str
    parent: str


def central_of(commissions: Mapping[str, Commission]) -> str | None:
    """The central commission's code (``None`` before one is defined)."""
    return next((code for code, c in commissions.items() if c.kind == "central"), None)


def ancestry(commissions: Mapping[str, Commission], code: str) -> Iterator[str]:
    """``code`` and the commissions above it, nearest first. Stops at a code that is not
    defined (and at a loop, which only a damaged record could hold)."""
    seen: set[str] = set()
    while code and code in commissions and code not in seen:
        seen.add(code)
        yield code
        code = commissions[code].parent


def children_of(commissions: Mapping[str, Commission]) -> dict[str, tuple[Commission, ...]]:
    """Commission code -> the commissions right under it, by code (precincts have none)."""
    children: dict[str, list[Commission]] = {}
    for commission in sorted(commissions.values(), key=lambda c: c.code):
        if commission.parent:
            children.setdefault(commission.parent, []).append(commission)
    return {code: tuple(found) for code, found in children.items()}


def zero_counts(line_ids: Iterable[str], candidates: Iterable[str]) -> dict[str, dict[str, int]]:
    """Every line and every candidate at zero."""
    return {"lines": dict.fromkeys(line_ids, 0), "votes": dict.fromkeys(candidates, 0)}


def add_counts(total: Mapping[str, Any], counts: Mapping[str, Any]) -> None:
    """Add the lines and votes of ``counts`` (a protocol document or a total) to ``total``."""
    for part in ("lines", "votes"):
        into = total[part]
        for key, value in counts[part].items():
            into[key] = into.get(key, 0) + value


def sum_counts(
    docs: Iterable[Mapping[str, Any]], line_ids: Iterable[str], candidates: Iterable[str]
) -> dict[str, dict[str, int]]:
    """The lines and votes of protocol documents, summed (zero for each one none carries)."""
    total = zero_counts(line_ids, candidates)
    for doc in docs:
        add_counts(total, doc)
    return total


def aggregate(
    commissions: Mapping[str, Commission],
    docs: Iterable[Mapping[str, Any]],
    line_ids: Iterable[str],
    candidates: Iterable[str],
) -> dict[str, dict[str, Any]]:
    """Sum protocol documents up the tree: ``{code: {lines, votes, received, expected}}``
    for every commission that is not a precinct. Each protocol is added to its precinct's
    parent once; parents' totals are then rolled up level by level."""
    line_ids, candidates = tuple(line_ids), tuple(candidates)
    totals: dict[str, dict[str, Any]] = {}
    for code, commission in commissions.items():
        if commission.kind != "precinct":
            totals[code] = {**zero_counts(line_ids, candidates), "received": 0, "expected": 0}
    for commission in commissions.values():
        if commission.kind == "precinct" and commission.parent in totals:
            totals[commission.parent]["expected"] += 1
    for doc in docs:
        found = commissions.get(doc["precinct"])
        if found is None or found.parent not in totals:
            continue
        total = totals[found.parent]
        total["received"] += 1
        add_counts(total, doc)
    depth = {code: sum(1 for _ in ancestry(commissions, code)) for code in totals}
    for code in sorted(totals, key=lambda c: -depth[c]):
        parent = commissions[code].parent
        if not parent or parent not in totals:
            continue
        source, target = totals[code], totals[parent]
        add_counts(target, source)
        target["received"] += source["received"]
        target["expected"] += source["expected"]
    return totals
