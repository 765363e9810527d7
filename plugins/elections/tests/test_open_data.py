"""Open data: one CSV row per precinct, received or not, with its digest and every figure."""

from __future__ import annotations

import csv
import io
import random

from urna.api import translator
from urna_elections.generate import az_protocol_values, generate_election, signed_protocol
from urna_elections.protocol import protocol_digest
from urna_elections.protocols import accept_signed
from urna_elections.publish import open_data_csv
from urna_elections.results import compute


async def test_open_data_csv_has_a_row_per_precinct_received_or_not(urna_services):
    ledger = urna_services.ledger
    generated = await generate_election(ledger, constituencies=2, precincts=4, abroad=0, members=3)
    election = generated.election
    received, awaited = generated.precincts[0], generated.precincts[1]
    lines, votes = az_protocol_values(random.Random(7), election.candidates)  # noqa: S311
    entry = signed_protocol(election, received, lines, votes, generated.member_keys(received))
    await accept_signed(ledger, election, entry, "api")
    english = translator(urna_services, "en")
    rows = list(csv.reader(io.StringIO(open_data_csv(await compute(election), english))))
    line_ids, candidates = election.profile.line_ids, election.candidates
    assert rows[0] == [
        "precinct",
        "precinct name",
        "parent",
        "parent name",
        "status",
        "digest",
        *(f"{line.label} ({line.id})" for line in election.profile.lines),
        *(f"{election.candidate_names[c]} ({c})" for c in candidates),
    ]
    assert rows[0][-1] == "Candidate Seven (c7)"
    by_code = {row[0]: row for row in rows[1:]}
    assert list(by_code) == sorted(generated.precincts)
    assert by_code[received] == [
        received,
        "Precinct 1",
        "con001",
        "Constituency 1",
        "received",
        protocol_digest(entry["protocol"]).hex(),
        *(str(lines[line]) for line in line_ids),
        *(str(votes[c]) for c in candidates),
    ]
    assert by_code[awaited] == [
        awaited,
        "Precinct 2",
        "con001",
        "Constituency 1",
        "not received",
        "",
        *([""] * (len(line_ids) + len(candidates))),
    ]
