"""Entering a paper protocol: two operators type it on their own, the appliance compares
the entries line by line, and the commission's members sign the agreed document with
keys sealed on the appliance (``keystore``). A signed draft goes through the same door
as any protocol (``protocols.accept_signed``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from urna.api import Ledger
from urna.crypto.signing import SigningKey

from urna_elections import models
from urna_elections.cache import structure_for
from urna_elections.contests import Contest, selections_of
from urna_elections.law import validate_lines
from urna_elections.protocol import make_document, protocol_digest
from urna_elections.protocols import ProtocolRejected, accept_signed
from urna_elections.signatures import sign_dissent, sign_protocol
from urna_elections.structure import ElectionInfo, precinct_ballot


def _lines_from_entry(
    election: ElectionInfo, ballot: Sequence[Contest], entry: Mapping[str, Any]
) -> dict[str, Any]:
    """The lines and the votes of the contests on the precinct's ``ballot``; a field left
    blank for a contest of the election that is not on this ballot is no vote."""
    votes = entry.get("votes")
    if isinstance(votes, Mapping):
        on_ballot = set(selections_of(ballot))
        votes = {
            k: v
            for k, v in votes.items()
            if k in on_ballot or k not in election.candidate_names or v not in (None, "", 0)
        }
    lines, votes = validate_lines(
        election.profile, entry.get("lines"), votes, selections_of(ballot)
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
    for candidate in (c for c in election.candidates if c in a["votes"]):
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
    commission = await models.Commission.get_or_none(election_id=election.id, code=precinct)
    if commission is None or commission.kind != "precinct":
        raise ProtocolRejected(422, [f"{precinct} is not a precinct of {election.code}"])
    try:
        values = _lines_from_entry(election, await precinct_ballot(election, precinct), entry)
    except ValueError as exc:
        raise ProtocolRejected(422, [str(exc)]) from None
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
    failures = election.check(doc["lines"], doc["votes"])
    draft.doc = json.dumps(doc)
    draft.status = "failing" if failures else "ready"
    await draft.save()
    return draft_view(election, draft)


def draft_view(
    election: ElectionInfo, draft: models.Draft, *, digest: str | None = None
) -> dict[str, Any]:
    """The draft as the entry and signing pages show it. ``digest``, when the caller has
    just computed it from this draft's document, is shown as given instead of hashed again
    (a view only: nothing is accepted on it)."""
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
        view["ratio_failures"] = election.check(doc["lines"], doc["votes"])
        view["digest"] = protocol_digest(doc).hex() if digest is None else digest
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
    precinct = draft.precinct_code
    structure = await structure_for(ledger, election.code)
    # Read the precinct's members again: another process may have registered some.
    await structure.reload_commission(precinct)
    signers = structure.signers
    public = key.verify_key.hex()
    signer = signers.get(public)
    if signer is None or signer.commission != precinct:
        raise ProtocolRejected(403, ["this key is not a member of the precinct commission"])
    digest = protocol_digest(doc).hex()
    signatures = [s for s in json.loads(draft.signatures) if s["key"] != public]
    signatures.append(sign_protocol(digest, key))
    dissents = [d for d in json.loads(draft.dissents) if d["key"] != public]
    if dissent.strip():
        dissents.append(sign_dissent(digest, dissent.strip(), key))
    draft.signatures = json.dumps(signatures)
    draft.dissents = json.dumps(dissents)
    counted = sum(1 for s in signatures if signers[s["key"]].decisive)
    needed = election.profile.quorum_of(structure.decisive.get(precinct, 0))
    view = draft_view(election, draft, digest=digest)
    if counted >= needed:
        # accept_signed hashes the document once more, on purpose: it is the one door every
        # protocol goes through and checks the digest given, whoever the caller.
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
