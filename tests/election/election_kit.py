"""Generated elections for the election tests and benchmarks (imported as a plain module).

:func:`generate_election` writes, without a database, the events the ballot
box would append for a whole election (the same payload builders from
``urna.record.election_events``): parameters, guardian keys, joint key,
relayed shares, confirmations of H_C, credentials, opening, cast and challenged ballots from several
devices, the tally, shares of ``decrypting`` guardians and the result. Ballots
are encrypted in worker processes, one device's chain per task, with
deterministic randomness, so a seed gives the same bundle.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
from collections.abc import Sequence
from typing import Any

import attrs
from urna.crypto.ballot import (
    SignedBallot,
    challenge_ballot,
    encrypt_ballot,
    initial_code,
    sign_ballot,
)
from urna.crypto.election import Election
from urna.crypto.manifest import ContestDescription, ElectionParameters, Manifest
from urna.crypto.signing import SigningKey
from urna.crypto.tally import combine_tally_shares, decrypt_tally_share, tally_ballots
from urna.record import election_events as ev
from urna.testing import Ceremony, KeyFactory, RecordBuilder, drbg, honest_ceremony

CANDIDATES = ("alice", "bob", "carol", "dave")
MAYOR = Manifest.create((ContestDescription.create("mayor", 1, CANDIDATES),))
TWO_CONTESTS = Manifest.create(
    (
        ContestDescription.create("mayor", 1, CANDIDATES),
        ContestDescription.create("council", 2, ("ann", "ben", "cat")),
    )
)


def credential_key(seed: str, voter: int) -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(f"{seed}:voter:{voter}".encode()).digest())


def run_ceremony(
    n: int = 3, k: int = 2, manifest: Manifest = MAYOR, seed: str = "kit", election_id: str = "e1"
) -> Ceremony:
    params = ElectionParameters.create(election_id, n, k, manifest)
    return honest_ceremony(params, drbg(f"{seed}:ceremony"))


def choices_for(manifest: Manifest, voter: int) -> dict[str, list[str]]:
    """A deterministic, valid choice per voter (some blank contests)."""
    out: dict[str, list[str]] = {}
    for c in manifest.contests:
        if voter % 7 == 3:
            continue  # blank
        picks = [
            c.options[(voter + j) % len(c.options)]
            for j in range(min(c.limit, 1 + voter % c.limit))
        ]
        out[c.contest_id] = picks
    return out


def device_ballots(
    job: tuple[dict[str, Any], str, str, Sequence[tuple[int, bool]]],
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Encrypt one device's ballots in chain order: ``[(signed json, reveal json or None)]``."""
    election_json, seed, device, voters = job
    election = Election.from_json(election_json)
    rand = drbg(f"{seed}:device:{device}")
    code = initial_code(election.election_hash, device)
    out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for voter, cast in voters:
        key = credential_key(seed, voter)
        ballot, secrets = encrypt_ballot(
            election, choices_for(election.manifest, voter), device, key.verify_key, code, rand
        )
        signed = sign_ballot(ballot, key)
        reveal = None if cast else challenge_ballot(ballot, secrets).to_json()["reveal"]
        out.append((signed.to_json(), reveal))
        code = ballot.confirmation_code()
    return out


@attrs.define
class GeneratedElection:
    ceremony: Ceremony
    builder: RecordBuilder
    cast: list[SignedBallot]
    counts: dict[tuple[str, str], int]

    def files(self) -> dict[str, bytes]:
        return self.builder.files()


def generate_election(
    voters: int,
    *,
    challenged: int = 0,
    devices: int = 4,
    n: int = 3,
    k: int = 2,
    decrypting: Sequence[int] | None = None,
    manifest: Manifest = MAYOR,
    seed: str = "kit",
    jobs: int = 1,
    scope: str = "election-test",
) -> GeneratedElection:
    """A whole election's record: ``voters`` cast ballots and ``challenged`` challenged ones."""
    from urna.crypto.ballot import ChallengedBallot

    ceremony = run_ceremony(n, k, manifest, seed)
    election = ceremony.election
    builder = RecordBuilder(KeyFactory()("appliance"), scope=scope)
    builder.append(ev.ELECTION_CREATED, ev.election_created_payload(ceremony.parameters))
    for g in ceremony.guardians:
        builder.append(ev.ELECTION_GUARDIAN_KEY, ev.guardian_key_payload(g.public_key))
    builder.append(
        ev.ELECTION_KEY, ev.election_key_payload(election.joint_key, election.election_hash)
    )
    for share in ceremony.relayed:
        builder.append(ev.ELECTION_SHARE, ev.share_payload(share))
    for g in ceremony.guardians:
        builder.append(
            ev.ELECTION_GUARDIAN_CONFIRMED,
            ev.guardian_confirmed_payload(g.guardian_id, ceremony.confirmation(g.guardian_id)),
        )
    for voter in range(voters):
        builder.append(
            "core.signer_registered",
            {
                "key": credential_key(seed, voter).verify_key.hex(),
                "role": ev.CREDENTIAL_ROLE,
                "name": f"voter {voter}",
            },
        )
    builder.append(ev.ELECTION_OPENED, ev.election_opened_payload(election.election_hash, voters))
    # Challenged ballots come from voters who then cast: interleave them on the same devices.
    plan: dict[str, list[tuple[int, bool]]] = {f"booth-{d}": [] for d in range(devices)}
    for voter in range(voters):
        device = f"booth-{voter % devices}"
        if voter < challenged:
            plan[device].append((voter, False))
        plan[device].append((voter, True))
    election_json = election.to_json()
    tasks = [(election_json, seed, device, items) for device, items in plan.items()]
    if jobs > 1:
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(device_ballots, tasks))
    else:
        results = [device_ballots(task) for task in tasks]
    # Record order: round-robin over devices, each device's chain kept in order.
    cast: list[SignedBallot] = []
    iterators = [iter(r) for r in results]
    while iterators:
        for it in list(iterators):
            item = next(it, None)
            if item is None:
                iterators.remove(it)
                continue
            signed_json, reveal = item
            signed = SignedBallot.from_json(signed_json)
            if reveal is None:
                builder.append(ev.BALLOT_CAST, ev.ballot_cast_payload(signed))
                cast.append(signed)
            else:
                ch = ChallengedBallot.from_json({"ballot": signed_json["ballot"], "reveal": reveal})
                builder.append(ev.BALLOT_CHALLENGED, ev.ballot_challenged_payload(signed, ch))
    tally = tally_ballots(election, [s.ballot for s in cast])
    builder.append(ev.TALLY_COMPUTED, ev.tally_computed_payload(tally))
    rand = drbg(f"{seed}:tally")
    ids = list(decrypting) if decrypting is not None else list(range(1, k + 1))
    shares = [decrypt_tally_share(ceremony.key_shares[i], election, tally, rand) for i in ids]
    for share in shares:
        builder.append(ev.TALLY_SHARE, ev.tally_share_payload(share))
    result = combine_tally_shares(election, tally, shares)
    builder.append(ev.TALLY_DECRYPTED, ev.tally_decrypted_payload(result, ids))
    counts = {(c, s): n for c, s, n in result.counts}
    return GeneratedElection(ceremony, builder, cast, counts)
