"""Moving protocols up the hierarchy: online (signed, idempotent, retried) or by package.

A precinct appliance sends each signed protocol to its parent's API; the
protocol's digest is its natural key, so a retry after a lost answer is
recorded once. A constituency exports a signed summary package (every signed
protocol under it plus its totals); the higher level verifies the package
signature, every member signature and every sum before counting anything,
and a package imported twice is counted once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import httpx
from urna.api import Ledger
from urna.crypto.signing import SigningKey

from urna_elections import models
from urna_elections.cache import structure_for
from urna_elections.hierarchy import ancestry, sum_counts
from urna_elections.package import OpenedPackage, PackageError, open_package, write_package
from urna_elections.protocol import ProtocolError
from urna_elections.protocols import ProtocolRejected, check_signed
from urna_elections.record import SUMMARY_IMPORTED
from urna_elections.structure import ElectionInfo, load_commissions


async def send_online(
    client: httpx.AsyncClient,
    election: str,
    entry: Mapping[str, Any],
    *,
    attempts: int = 8,
    delay: float = 0.5,
) -> dict[str, Any]:
    """POST a signed protocol until the parent acknowledges it (2xx) or refuses it (4xx).

    Network errors and 5xx answers are retried with exponential back-off; the
    digest makes a repeated send harmless.
    """
    last = ""
    for attempt in range(attempts):
        try:
            response = await client.post(f"/p/elections/elections/{election}/protocols", json=entry)
        except httpx.TransportError as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code < 500:
                answer: dict[str, Any] = response.json()
                if response.status_code >= 400:
                    raise ProtocolRejected(
                        response.status_code,
                        answer.get("problems") or [str(answer.get("error", response.text))],
                    )
                return answer
            last = f"HTTP {response.status_code}"
        await asyncio.sleep(delay * 2**attempt)
    raise ConnectionError(f"the parent did not acknowledge after {attempts} attempts ({last})")


async def export_summary(election: ElectionInfo, commission: str, key: SigningKey) -> bytes:
    """A signed package of every current signed protocol under ``commission``, with totals."""
    commissions = await load_commissions(election)
    if commission not in commissions or commissions[commission].kind == "precinct":
        raise PackageError(f"{commission} is not a commission with precincts under it")
    rows = await models.Protocol.filter(
        election_id=election.id, current=True, source__in=["signed", "package"]
    ).order_by("precinct_code")
    protocols = [
        {"protocol": json.loads(row.doc), "digest": row.digest, **json.loads(row.signatures)}
        for row in rows
        if commission in ancestry(commissions, row.precinct_code)
    ]
    content = {
        "kind": "summary",
        "election": election.code,
        "commission": commission,
        "protocols": protocols,
        "totals": {**_totals(election, protocols), "received": len(protocols)},
    }
    return write_package(content, key)


async def import_package(
    ledger: Ledger, election: ElectionInfo, data: bytes, trusted: Mapping[str, str]
) -> dict[str, Any]:
    """Verify and count a summary package; a second import of the same package is a no-op."""
    opened = open_package(data, trusted)
    content = opened.content
    if (
        set(content) != {"kind", "election", "commission", "protocols", "totals"}
        or content.get("kind") != "summary"
    ):
        raise PackageError(
            "package.json must be a summary: kind, election, commission, protocols, totals"
        )
    if content["election"] != election.code:
        raise PackageError(f"package is for election {content['election']}, not {election.code}")
    commission = content["commission"]
    if trusted[opened.sender] not in ("*", commission):
        raise PackageError(f"the sender is trusted for {trusted[opened.sender]}, not {commission}")
    existing = await models.Package.get_or_none(election_id=election.id, digest=opened.digest)
    if existing is not None:
        return {"package": opened.digest, "imported": 0, "already": True}
    return await _count_summary(ledger, election, opened, commission)


async def _count_summary(
    ledger: Ledger, election: ElectionInfo, opened: OpenedPackage, commission: str
) -> dict[str, Any]:
    content = opened.content
    protocols = content["protocols"]
    if not isinstance(protocols, list):
        raise PackageError("package protocols must be a list")
    commissions = await load_commissions(election)
    structure = await structure_for(ledger, election.code)
    problems: list[str] = []
    counted: list[dict[str, Any]] = []
    fresh: list[dict[str, Any]] = []
    current = {
        p: d
        for p, d in await models.Protocol.filter(election_id=election.id, current=True).values_list(
            "precinct_code", "digest"
        )
    }
    seen: set[str] = set()
    for entry in protocols:
        try:
            if not isinstance(entry, dict) or set(entry) != {
                "protocol",
                "digest",
                "signatures",
                "dissents",
            }:
                raise ProtocolRejected(
                    422, ["each protocol needs protocol, digest, signatures, dissents"]
                )
            # The same checks as a protocol sent online (law, shapes, digest, quorum of
            # valid member signatures), then where the package may speak for it.
            checked = await check_signed(structure, entry, "package")
            doc, precinct = checked.doc, checked.precinct
            found = commissions.get(precinct)
            if (
                found is None
                or found.kind != "precinct"
                or commission not in ancestry(commissions, precinct)
            ):
                raise ProtocolRejected(422, [f"{precinct} is not a precinct under {commission}"])
            if precinct in seen:
                raise ProtocolRejected(422, [f"{precinct} appears twice in the package"])
            seen.add(precinct)
        except ProtocolRejected as exc:
            problems.extend(f"{_where(entry)}: {p}" for p in exc.problems)
            continue
        except (ProtocolError, KeyError, TypeError) as exc:
            problems.append(f"{_where(entry)}: {exc}")
            continue
        counted.append(entry)
        if current.get(precinct) == entry["digest"]:
            continue
        if precinct in current and doc["supersedes"] != current[precinct]:
            problems.append(
                f"{precinct}: already counted with another protocol; the package "
                "must carry a repeat protocol superseding it"
            )
            continue
        fresh.append(entry)
    totals = content["totals"]
    if totals != {**_totals(election, counted), "received": len(protocols)}:
        problems.append(
            f"the totals of {commission} do not add up to its protocols (received {len(protocols)})"
        )
    if problems:
        raise PackageError("package refused, nothing counted: " + "; ".join(problems[:20]))
    payload = {
        "election": election.code,
        "commission": commission,
        "package": opened.digest,
        "sender": opened.sender,
        "protocols": fresh,
        "totals": {**_totals(election, fresh), "received": len(fresh)},
    }
    async with ledger.transaction():
        event = await ledger.append(election.scope, SUMMARY_IMPORTED, payload)
        # Three statements for the whole package: the precincts' current rows (read in the
        # transaction, as they are now), no longer current, then the new rows.
        previous = await models.Protocol.filter(
            election_id=election.id,
            precinct_code__in=[entry["protocol"]["precinct"] for entry in fresh],
            current=True,
        ).values_list("id", "precinct_code", "version")
        versions = {precinct: version for _, precinct, version in previous}
        if previous:
            await models.Protocol.filter(id__in=[id_ for id_, _, _ in previous]).update(
                current=False
            )
        await models.Protocol.bulk_create(
            [
                models.Protocol(
                    election_id=election.id,
                    precinct_code=entry["protocol"]["precinct"],
                    digest=entry["digest"],
                    doc=json.dumps(entry["protocol"], ensure_ascii=False, sort_keys=True),
                    signatures=json.dumps(
                        {"signatures": entry["signatures"], "dissents": entry["dissents"]}
                    ),
                    source="package",
                    current=True,
                    version=versions.get(entry["protocol"]["precinct"], 0) + 1,
                    seq=event.seq,
                )
                for entry in fresh
            ]
        )
        await models.Package.create(
            election_id=election.id,
            digest=opened.digest,
            commission_code=commission,
            protocols=len(fresh),
        )
    return {"package": opened.digest, "imported": len(fresh), "already": False}


def _totals(election: ElectionInfo, entries: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """The lines and votes of signed protocols ``{protocol, ...}``, summed."""
    return sum_counts(
        (entry["protocol"] for entry in entries), election.profile.line_ids, election.candidates
    )


def _where(entry: Any) -> str:
    try:
        return str(entry["protocol"]["precinct"])
    except (KeyError, TypeError):
        return "a protocol"


__all__ = ["export_summary", "import_package", "send_online"]
