"""Results materialised per process and caught up by seq stay exactly what a full recompute
gives, through random sequences of protocols, repeat protocols, resent protocols, turnout
reports and new precincts; the pages and JSON carry an ETag and answer 304 to it."""

from __future__ import annotations

import random

import pytest
from urna_elections.generate import az_protocol_values, generate_election, signed_protocol
from urna_elections.live import live_results
from urna_elections.protocol import protocol_digest
from urna_elections.protocols import ProtocolRejected, accept_many, accept_signed
from urna_elections.results import compute, report_turnout, turnout_by_hour
from urna_elections.structure import add_commissions, add_members, load_election

URL = "/p/elections/elections/az-2024"


async def assert_live_is_full_recompute(ledger, code: str) -> None:
    live = await live_results(ledger, code)
    election = await load_election(code)
    full = await compute(election)
    assert live.results.election == election
    assert live.results.totals == full.totals
    assert live.results.protocols == full.protocols
    assert live.results.commissions == full.commissions
    assert live.turnout == await turnout_by_hour(election, full.commissions)
    head = await ledger.head(election.scope)
    assert live.seq == head[0]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_incremental_results_equal_a_full_recompute(urna_services, seed):
    ledger = urna_services.ledger
    rng = random.Random(seed)  # noqa: S311 - made-up figures and choices
    generated = await generate_election(
        ledger, constituencies=3, precincts=10, abroad=1, members=3, seed=f"live-{seed}"
    )
    election = generated.election
    keys = {p: generated.member_keys(p) for p in generated.precincts}
    precincts = list(generated.precincts)
    current: dict[str, str] = {}
    kept = []  # every accepted entry, for resending
    hours = election.profile.turnout_hours

    def protocol(precinct: str, **extra):
        lines, votes = az_protocol_values(rng, election.candidates)
        return signed_protocol(election, precinct, lines, votes, keys[precinct], **extra)

    def next_entry():
        precinct = rng.choice(precincts)
        if precinct not in current:
            return protocol(precinct)
        return protocol(precinct, supersedes=current[precinct], reason="recount")

    for step in range(60):
        action = rng.random()
        if action < 0.45:
            entry = next_entry()
            await accept_signed(ledger, election, entry, "api")
            kept.append(entry)
            current[entry["protocol"]["precinct"]] = protocol_digest(entry["protocol"]).hex()
        elif action < 0.6:  # several in one commit, some superseding one another
            entries = [next_entry() for _ in range(rng.randint(2, 5))]
            for outcome, entry in zip(
                await accept_many(ledger, election, entries, "api"), entries, strict=True
            ):
                if not isinstance(outcome, ProtocolRejected):
                    kept.append(entry)
                    current[entry["protocol"]["precinct"]] = outcome.digest
        elif action < 0.7 and kept:  # the same protocol again: counted once
            await accept_signed(ledger, election, rng.choice(kept), "api")
        elif action < 0.9:
            reports = [
                {"precinct": rng.choice(precincts), "hour": rng.choice(hours), "voters": n}
                for n in rng.sample(range(1, 2000), rng.randint(1, 4))
            ]
            unique = list({(r["precinct"], r["hour"]): r for r in reports}.values())
            await report_turnout(ledger, election, unique)
        else:  # a precinct added on election night: the structure grows
            code = f"late-{step}"
            parent = f"con{rng.randint(1, 3):03d}"
            await add_commissions(
                ledger,
                election,
                [{"code": code, "name": code, "kind": "precinct", "parent": parent}],
            )
            keys[code] = await _members(ledger, election, code, rng)
            precincts.append(code)
        if rng.random() < 0.5:
            await assert_live_is_full_recompute(ledger, election.code)
    await assert_live_is_full_recompute(ledger, election.code)


async def _members(ledger, election, precinct, rng):
    from urna.crypto.signing import SigningKey
    from urna_elections.structure import NewMember

    secrets = [SigningKey.from_seed(rng.randbytes(32)) for _ in range(3)]
    await add_members(
        ledger,
        election,
        [
            NewMember(precinct, f"member {i}", "member", s.verify_key.hex(), True, None)
            for i, s in enumerate(secrets)
        ],
    )
    return secrets


@pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)
async def test_results_and_pages_carry_an_etag_and_answer_304_until_a_protocol_commits(
    urna_server, portal_election
):
    generated, _ = portal_election
    election = generated.election
    anonymous = urna_server.client()
    first = await anonymous.get(f"{URL}/results.json")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    again = await anonymous.get(f"{URL}/results.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    other = await anonymous.get(f"{URL}/results.json", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200
    assert other.json() == first.json()
    pages = {}
    for path in ("/p/elections/portal/az-2024", "/p/elections/portal/az-2024/con001"):
        for language in ("en", "ru"):
            headers = {"Accept": "text/html", "Accept-Language": language}
            page = await anonymous.get(path, headers=headers)
            assert page.status_code == 200
            pages[path, language] = page.headers["ETag"]
            cached = await anonymous.get(
                path, headers={**headers, "If-None-Match": page.headers["ETag"]}
            )
            assert cached.status_code == 304
    assert pages[path, "en"] != pages[path, "ru"]  # a page's version is per language
    precinct = generated.precincts[4]
    lines, votes = az_protocol_values(random.Random(9), election.candidates)  # noqa: S311
    entry = signed_protocol(election, precinct, lines, votes, generated.member_keys(precinct))
    await accept_signed(urna_server.services.ledger, election, entry, "api")
    moved = await anonymous.get(f"{URL}/results.json", headers={"If-None-Match": etag})
    assert moved.status_code == 200
    assert moved.headers["ETag"] != etag
    assert (
        moved.json()["totals"]["cec"]["received"] == first.json()["totals"]["cec"]["received"] + 1
    )
    headers = {"Accept": "text/html", "Accept-Language": "en"}
    path = "/p/elections/portal/az-2024"
    stale = await anonymous.get(path, headers={**headers, "If-None-Match": pages[path, "en"]})
    assert stale.status_code == 200
