"""Setting an election up: the election file into the ballot box, the voter list, the result."""

from __future__ import annotations

import csv
import io
import secrets
from typing import Any

from urna.api import BallotBoxError, Services

from urna_evoting.election_file import ElectionFileError, read_election_file
from urna_evoting.models import Election, Guardian, Voter
from urna_evoting.polls import PollError, box_of, current_election

MAX_VOTERS = 100_000


async def create_election(services: Services, data: object) -> Election:
    """Check the election file and create the election, its guardians bound to users."""
    parsed = read_election_file(data)
    scope = parsed.parameters.election_id
    box = box_of(services)

    async def unit() -> Election:
        if await Election.filter(scope=scope).exists():
            raise ElectionFileError(f"election {scope!r} already exists on this appliance")
        await box.create_election(scope, parsed.parameters.to_json())
        election = await Election.create(
            scope=scope, names=parsed.names, credential_seed=secrets.token_hex(32)
        )
        for entry in parsed.guardians:
            await Guardian.create(
                election=election.id,
                guardian_id=entry.guardian_id,
                name=entry.name,
                username=entry.user,
            )
        return election

    try:
        return await services.ledger.run(unit)
    except BallotBoxError as exc:
        raise ElectionFileError(str(exc)) from None


def parse_voters(text: str) -> list[tuple[str, str]]:
    """A voter list CSV with a header ``voter_id,name``; ids unique, 1..64 characters."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != ["voter_id", "name"]:
        raise ValueError("the voter list needs the header voter_id,name")
    voters: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        voter_id, name = (row.get("voter_id") or "").strip(), (row.get("name") or "").strip()
        if not 0 < len(voter_id) <= 64 or not 0 < len(name) <= 200:
            raise ValueError(f"line {line}: voter_id 1..64 and name 1..200 characters")
        if voter_id in seen:
            raise ValueError(f"line {line}: voter {voter_id!r} is listed twice")
        seen.add(voter_id)
        voters.append((voter_id, name))
    if not voters or len(voters) > MAX_VOTERS:
        raise ValueError(f"the voter list must hold 1..{MAX_VOTERS} voters")
    return voters


async def import_voters(services: Services, text: str) -> int:
    """Add the voter list of the current election, before the polls open."""
    voters = parse_voters(text)
    election = await current_election()
    state = await box_of(services).status(election.scope)
    if state["status"] not in ("created", "keyed"):
        raise PollError("voters.late", "the voter list is fixed once the polls open")

    async def unit() -> int:
        listed = Voter.filter(election=election.id).values_list("voter_id", flat=True)
        existing = {str(voter_id) for voter_id in await listed}
        twice = sorted(existing & {v for v, _ in voters})
        if twice:
            raise ValueError(f"voters already on the list: {', '.join(twice[:5])}")
        await Voter.bulk_create(
            [Voter(election=election.id, voter_id=v, name=n) for v, n in voters]
        )
        return len(voters)

    return await services.ledger.run(unit)


async def publish_result(services: Services, election: Election) -> dict[str, Any]:
    """Combine the recorded partial decryptions (at least the quorum) into the result."""
    try:
        result = await box_of(services).publish_result(election.scope)
    except BallotBoxError as exc:
        raise PollError(exc.check, str(exc), exc.status) from None
    return result.to_json()
