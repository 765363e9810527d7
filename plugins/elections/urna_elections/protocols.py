"""Accepting precinct protocols: law checks, member signatures, corrections, no double count.

``accept_signed`` is the one door every protocol goes through, whether it was
entered on the web page, posted to the API or read from an offline package:
the control ratios are checked, then the signatures against the members
registered for that precinct, then the precinct's current protocol, and only
then are the event and the row written, in one transaction. The same
protocol sent twice is recorded once (its digest is its natural key).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

import attrs
from tortoise.exceptions import IntegrityError
from urna.api import Ledger
from urna.crypto.signing import SigningKey

from urna_elections import models
from urna_elections.law import validate_lines
from urna_elections.protocol import (
    ProtocolError,
    Signer,
    check_document,
    check_signature_entries,
    make_document,
    protocol_digest,
    sign_dissent,
    sign_protocol,
    signature_problems,
)
from urna_elections.record import PROTOCOL_ACCEPTED
from urna_elections.structure import ElectionInfo


class ProtocolRejected(ValueError):
    """The protocol is not accepted; ``problems`` names each reason, ``status`` the HTTP code."""

    def __init__(self, status: int, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.status = status
        self.problems = problems


@attrs.frozen(slots=True)
class Accepted:
    digest: str
    precinct: str
    seq: int
    version: int
    created: bool


def check_law(election: ElectionInfo, doc: Mapping[str, Any]) -> None:
    """Shape, election, profile, lines and control ratios; raises ``ProtocolRejected`` (422)."""
    try:
        check_document(doc)
        validate_lines(election.profile, doc["lines"], doc["votes"], election.candidates)
    except (ProtocolError, ValueError) as exc:
        raise ProtocolRejected(422, [str(exc)]) from None
    if doc["election"] != election.code:
        raise ProtocolRejected(
            422, [f"protocol is for election {doc['election']}, not {election.code}"]
        )
    if doc["profile"] != election.profile.name:
        raise ProtocolRejected(
            422,
            [f"protocol uses profile {doc['profile']}, the election's is {election.profile.name}"],
        )
    failures = election.profile.check(doc["lines"], doc["votes"])
    if failures:
        raise ProtocolRejected(422, failures)


async def signers_of(election: ElectionInfo, precinct: str) -> tuple[dict[str, Signer], int]:
    rows = await models.Member.filter(
        election_id=election.id, commission_code=precinct
    ).values_list("key", "name", "role", "decisive")
    signers = {key: Signer(precinct, name, role, decisive) for key, name, role, decisive in rows}
    return signers, sum(1 for s in signers.values() if s.decisive)


async def accept_signed(
    ledger: Ledger, election: ElectionInfo, entry: Mapping[str, Any], via: str
) -> Accepted:
    """Check and record one signed protocol ``{protocol, digest, signatures, dissents}``."""
    if not isinstance(entry, Mapping):
        raise ProtocolRejected(422, ["a signed protocol must be a JSON object"])
    unknown = sorted(set(entry) - {"protocol", "digest", "signatures", "dissents"})
    if unknown or "protocol" not in entry:
        raise ProtocolRejected(
            422,
            [
                f"a signed protocol has protocol, signatures, dissents "
                f"(and digest); unexpected {unknown}"
            ],
        )
    doc = entry["protocol"]
    signatures = entry.get("signatures", [])
    dissents = entry.get("dissents", [])
    check_law(election, doc)
    try:
        check_signature_entries(signatures, dissents)
    except ProtocolError as exc:
        raise ProtocolRejected(422, [str(exc)]) from None
    digest = protocol_digest(doc).hex()
    given = entry.get("digest", digest)
    if not isinstance(given, str) or not hmac.compare_digest(given, digest):
        raise ProtocolRejected(422, ["the digest given is not the digest of the protocol"])
    precinct = doc["precinct"]
    commission = await models.Commission.get_or_none(election_id=election.id, code=precinct)
    if commission is None or commission.kind != "precinct":
        raise ProtocolRejected(422, [f"{precinct} is not a precinct of {election.code}"])
    signers, decisive = await signers_of(election, precinct)
    problems = signature_problems(
        doc, digest, signatures, dissents, signers, decisive, election.profile.quorum
    )
    if problems:
        raise ProtocolRejected(422, problems)
    payload = {
        "protocol": dict(doc),
        "digest": digest,
        "signatures": list(signatures),
        "dissents": list(dissents),
        "via": via,
    }
    return await _record(ledger, election, precinct, digest, doc, payload, "signed")


async def _record(
    ledger: Ledger,
    election: ElectionInfo,
    precinct: str,
    digest: str,
    doc: Mapping[str, Any],
    payload: dict[str, Any],
    source: str,
) -> Accepted:
    try:
        async with ledger.transaction():
            existing = await models.Protocol.get_or_none(election_id=election.id, digest=digest)
            if existing is not None:
                return Accepted(digest, precinct, existing.seq, existing.version, False)
            row = await models.Election.get(id=election.id)
            if row.status == "official":
                raise ProtocolRejected(
                    409, ["results are official and frozen: nothing more is counted"]
                )
            current = await models.Protocol.get_or_none(
                election_id=election.id, precinct_code=precinct, current=True
            )
            supersedes = doc["supersedes"]
            if current is None and supersedes:
                raise ProtocolRejected(
                    409, [f"{precinct} has no protocol for this one to supersede"]
                )
            if current is not None and supersedes != current.digest:
                raise ProtocolRejected(
                    409,
                    [
                        f"{precinct} already has protocol {current.digest[:16]}...; "
                        "a correction is a repeat protocol that supersedes it, with a reason"
                    ],
                )
            event = await ledger.append(election.scope, PROTOCOL_ACCEPTED, payload)
            version = 1 if current is None else current.version + 1
            if current is not None:
                await models.Protocol.filter(id=current.id).update(current=False)
            await models.Protocol.create(
                election_id=election.id,
                precinct_code=precinct,
                digest=digest,
                doc=json.dumps(doc, ensure_ascii=False, sort_keys=True),
                signatures=json.dumps(
                    {
                        "signatures": payload.get("signatures", []),
                        "dissents": payload.get("dissents", []),
                    }
                ),
                source=source,
                current=True,
                version=version,
                seq=event.seq,
            )
            return Accepted(digest, precinct, event.seq, version, True)
    except IntegrityError:
        existing = await models.Protocol.get_or_none(election_id=election.id, digest=digest)
        if existing is not None:
            return Accepted(digest, precinct, existing.seq, existing.version, False)
        raise ProtocolRejected(
            409, [f"another protocol for {precinct} was accepted meanwhile"]
        ) from None


# --- double entry by two operators, then signatures --------------------------------


def _lines_from_entry(election: ElectionInfo, entry: Mapping[str, Any]) -> dict[str, Any]:
    lines, votes = validate_lines(
        election.profile, entry.get("lines"), entry.get("votes"), election.candidates
    )
    return {"lines": lines, "votes": votes}


def entry_mismatches(
    election: ElectionInfo, a: Mapping[str, Any], b: Mapping[str, Any]
) -> list[str]:
    """Every line on which the two operators' entries differ, named with both values."""
    differences = []
    for line in election.profile.lines:
        if a["lines"][line.id] != b["lines"][line.id]:
            differences.append(
                f"line {line.id} ({line.label}): operator 1 entered {a['lines'][line.id]}, "
                f"operator 2 entered {b['lines'][line.id]}"
            )
    for candidate in election.candidates:
        if a["votes"][candidate] != b["votes"][candidate]:
            differences.append(
                f"votes for {election.candidate_names[candidate]}: operator 1 entered "
                f"{a['votes'][candidate]}, operator 2 entered {b['votes'][candidate]}"
            )
    return differences


async def enter(
    election: ElectionInfo,
    precinct: str,
    operator: str,
    entry: Mapping[str, Any],
    *,
    supersedes: str = "",
    reason: str = "",
    completed_at: str = "",
) -> dict[str, Any]:
    """Record one operator's entry. The second entry, by another operator, is compared line by
    line; when they agree the ratios are checked and the draft is ready for signatures."""
    try:
        values = _lines_from_entry(election, entry)
    except ValueError as exc:
        raise ProtocolRejected(422, [str(exc)]) from None
    commission = await models.Commission.get_or_none(election_id=election.id, code=precinct)
    if commission is None or commission.kind != "precinct":
        raise ProtocolRejected(422, [f"{precinct} is not a precinct of {election.code}"])
    draft = await models.Draft.filter(
        election_id=election.id, precinct_code=precinct, status__in=["entering", "mismatch"]
    ).first()
    if draft is None:
        draft = await models.Draft.create(
            election_id=election.id,
            precinct_code=precinct,
            supersedes=supersedes,
            reason=reason,
            entry_a=json.dumps(values),
            operator_a=operator,
        )
        return draft_view(election, draft)
    if operator == draft.operator_a:
        if draft.entry_b is None:
            raise ProtocolRejected(409, ["the second entry must be made by another operator"])
        draft.entry_a = json.dumps(values)
    else:
        draft.entry_b = json.dumps(values)
        draft.operator_b = operator
    first = json.loads(draft.entry_a or "{}")
    second = json.loads(draft.entry_b or "{}")
    if entry_mismatches(election, first, second):
        draft.status = "mismatch"
        await draft.save()
        return draft_view(election, draft)
    doc = make_document(
        election=election.code,
        precinct=precinct,
        profile=election.profile.name,
        lines=first["lines"],
        votes=first["votes"],
        completed_at=completed_at,
        supersedes=draft.supersedes,
        reason=draft.reason,
    )
    failures = election.profile.check(doc["lines"], doc["votes"])
    draft.doc = json.dumps(doc)
    draft.status = "failing" if failures else "ready"
    await draft.save()
    return draft_view(election, draft)


def draft_view(election: ElectionInfo, draft: models.Draft) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": draft.id,
        "precinct": draft.precinct_code,
        "status": draft.status,
        "operators": [o for o in (draft.operator_a, draft.operator_b) if o],
        "mismatches": [],
        "ratio_failures": [],
        "digest": "",
        "signatures": 0,
    }
    if draft.entry_a and draft.entry_b:
        view["mismatches"] = entry_mismatches(
            election, json.loads(draft.entry_a), json.loads(draft.entry_b)
        )
    if draft.doc:
        doc = json.loads(draft.doc)
        view["ratio_failures"] = election.profile.check(doc["lines"], doc["votes"])
        view["digest"] = protocol_digest(doc).hex()
        view["protocol"] = doc
        view["signatures"] = len(json.loads(draft.signatures))
    return view


async def sign_draft(
    ledger: Ledger,
    election: ElectionInfo,
    draft_id: int,
    key: SigningKey,
    *,
    dissent: str = "",
) -> dict[str, Any]:
    """A member signs a ready draft (and may attach a signed dissenting opinion). When the
    quorum has signed, the protocol is accepted."""
    draft = await models.Draft.get_or_none(id=draft_id, election_id=election.id)
    if draft is None:
        raise ProtocolRejected(404, [f"no draft {draft_id}"])
    if draft.status != "ready" or draft.doc is None:
        raise ProtocolRejected(409, [f"draft {draft_id} is {draft.status}: it cannot be signed"])
    doc = json.loads(draft.doc)
    signers, decisive = await signers_of(election, draft.precinct_code)
    public = key.verify_key.hex()
    if public not in signers:
        raise ProtocolRejected(403, ["this key is not a member of the precinct commission"])
    signatures = [s for s in json.loads(draft.signatures) if s["key"] != public]
    signatures.append(sign_protocol(doc, key))
    dissents = [d for d in json.loads(draft.dissents) if d["key"] != public]
    digest = protocol_digest(doc).hex()
    if dissent.strip():
        dissents.append(sign_dissent(digest, dissent.strip(), key))
    draft.signatures = json.dumps(signatures)
    draft.dissents = json.dumps(dissents)
    counted = sum(1 for s in signatures if signers[s["key"]].decisive)
    needed = election.profile.quorum_of(decisive)
    view = draft_view(election, draft)
    if counted >= needed:
        accepted = await accept_signed(
            ledger,
            election,
            {"protocol": doc, "digest": digest, "signatures": signatures, "dissents": dissents},
            "entry",
        )
        draft.status = "accepted"
        view.update(status="accepted", seq=accepted.seq)
    await draft.save()
    view["signatures"] = len(signatures)
    view["needed"] = needed
    return view
