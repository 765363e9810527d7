"""Official means complete, or says why not.

Declaring the results official freezes them: every commission's aggregate
goes into the record and nothing more is counted. With precincts whose
protocols never arrived, that is refused unless the operator gives a reason;
the reason and the missing precincts then go into the record
(``elections.results_status``), the election's row, the portal and the
PDFs, so that nobody reads "official" without reading what it lacks.
"""

from __future__ import annotations

import json
from typing import Any

from urna.api import Ledger

from urna_elections import models
from urna_elections.record import RESULTS_STATUS
from urna_elections.results import Results, compute
from urna_elections.structure import ElectionInfo, StructureError

MAX_REASON = 2000
SHOWN_MISSING = 20


class ReasonError(StructureError):
    """The reason given is not text, too long, or explains complete results."""


class IncompleteResults(StructureError):
    """Precincts are missing and no reason was given; ``missing`` names them."""

    def __init__(self, election: str, missing: list[str], expected: int) -> None:
        self.missing = missing
        shown = ", ".join(missing[:SHOWN_MISSING])
        more = f" and {len(missing) - SHOWN_MISSING} more" if len(missing) > SHOWN_MISSING else ""
        super().__init__(
            f"the results of {election} are not complete: {len(missing)} of {expected} "
            f"precincts have sent no protocol ({shown}{more}); declaring them official "
            "needs a reason, which is recorded and published with them"
        )


def missing_precincts(results: Results) -> list[str]:
    """The precincts with no current protocol, in code order."""
    return sorted(
        code
        for code, commission in results.commissions.items()
        if commission.kind == "precinct" and code not in results.protocols
    )


def clean_reason(reason: Any) -> str:
    """The operator's reason, stripped; ``StructureError`` when it is not text or too long."""
    if not isinstance(reason, str):
        raise ReasonError("the reason must be text")
    text = reason.strip()
    if len(text) > MAX_REASON:
        raise ReasonError(f"the reason is longer than {MAX_REASON} characters")
    return text


async def mark_official(ledger: Ledger, election: ElectionInfo, reason: str = "") -> dict[str, Any]:
    """Freeze the results. Complete: the aggregates go into the record. With precincts
    missing: refused (``IncompleteResults``) unless ``reason`` is given, then the reason and
    the missing precincts are recorded with the aggregates. A reason given for complete
    results is refused too: there is nothing for it to explain."""
    reason = clean_reason(reason)
    async with ledger.transaction():
        row = await models.Election.select_for_update().get(id=election.id)
        if row.status == "official":
            raise StructureError(f"the results of {election.code} are already official")
        results = await compute(election)
        missing = missing_precincts(results)
        central = results.totals[results.central]
        if missing and not reason:
            raise IncompleteResults(election.code, missing, central["expected"])
        if reason and not missing:
            raise ReasonError(f"the results of {election.code} are complete: no reason to give")
        payload: dict[str, Any] = {
            "election": election.code,
            "status": "official",
            "aggregates": dict(results.totals),
        }
        if missing:
            payload |= {"missing": missing, "reason": reason}
        event = await ledger.append(election.scope, RESULTS_STATUS, payload)
        row.status = "official"
        row.official_reason = reason
        row.official_missing = json.dumps(missing)
        await row.save(update_fields=["status", "official_reason", "official_missing"])
    return {
        "seq": event.seq,
        "received": central["received"],
        "expected": central["expected"],
        "missing": len(missing),
        "reason": reason,
    }
