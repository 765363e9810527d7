"""A generated Azerbaijan-sized election for demos and benchmarks (deterministic from a seed).

125 constituencies and a pseudo-unit for polling stations abroad, 6,537
precincts as in February 2024, each commission with its members. Member
keys derive from the seed so that a demo or benchmark can sign as every
member; a real appliance never derives members' keys.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Mapping

import attrs
from urna.api import Ledger
from urna.crypto.signing import SigningKey

from urna_elections.law import DEFAULT_PROFILE, Profile, load_builtin
from urna_elections.protocol import make_document, protocol_digest, sign_protocol
from urna_elections.structure import (
    ElectionInfo,
    NewMember,
    add_commissions,
    add_members,
    create_election,
)

CANDIDATES = (
    ("c1", "Candidate One"),
    ("c2", "Candidate Two"),
    ("c3", "Candidate Three"),
    ("c4", "Candidate Four"),
    ("c5", "Candidate Five"),
    ("c6", "Candidate Six"),
    ("c7", "Candidate Seven"),
)
ROLES = ("chair", "deputy", "secretary", "member", "member", "member", "member")


@attrs.frozen(slots=True)
class Generated:
    election: ElectionInfo
    precincts: tuple[str, ...]
    seed: str
    members: int

    def member_keys(self, precinct: str) -> list[SigningKey]:
        return list(member_keys(self.seed, precinct, self.members))

    def signed_protocols(
        self, rng: random.Random, *, signers: int = 4
    ) -> dict[str, dict[str, object]]:
        """For every precinct, a protocol of consistent figures signed by its first
        ``signers`` members: what a stream of real submissions sends (tests, benchmarks)."""
        election = self.election
        return {
            precinct: signed_protocol(
                election,
                precinct,
                *az_protocol_values(rng, election.candidates),
                self.member_keys(precinct),
                signers=signers,
            )
            for precinct in self.precincts
        }


def member_keys(seed: str, commission: str, count: int) -> Iterator[SigningKey]:
    for index in range(count):
        yield SigningKey.from_seed(
            hashlib.sha256(f"urna-demo-member:{seed}:{commission}:{index}".encode()).digest()
        )


def layout(constituencies: int, precincts: int, abroad: int) -> list[dict[str, str]]:
    """Commissions, parents first: the CEC, constituencies (and abroad), precincts."""
    commissions = [
        {"code": "cec", "name": "Central Election Commission", "kind": "central", "parent": ""}
    ]
    for number in range(1, constituencies + 1):
        commissions.append(
            {
                "code": f"con{number:03d}",
                "name": f"Constituency {number}",
                "kind": "constituency",
                "parent": "cec",
            }
        )
    if abroad:
        commissions.append(
            {"code": "abroad", "name": "Polling stations abroad", "kind": "abroad", "parent": "cec"}
        )
    home = precincts - abroad
    for index in range(home):
        constituency = index * constituencies // home + 1
        commissions.append(
            {
                "code": f"p{index + 1:05d}",
                "name": f"Precinct {index + 1}",
                "kind": "precinct",
                "parent": f"con{constituency:03d}",
            }
        )
    for index in range(abroad):
        commissions.append(
            {
                "code": f"a{index + 1:03d}",
                "name": f"Embassy precinct {index + 1}",
                "kind": "precinct",
                "parent": "abroad",
            }
        )
    return commissions


async def generate_election(
    ledger: Ledger,
    *,
    code: str = "az-2024",
    seed: str = "demo",
    constituencies: int = 125,
    precincts: int = 6537,
    abroad: int = 40,
    members: int = 6,
    profile: Profile | None = None,
) -> Generated:
    profile = profile or load_builtin(DEFAULT_PROFILE)
    election = await create_election(
        ledger,
        code=code,
        title="Presidential election (generated)",
        kind="presidential",
        date="2024-02-07",
        profile=profile,
        candidates=[{"id": cid, "name": name} for cid, name in CANDIDATES],
    )
    commissions = layout(constituencies, precincts, abroad)
    await add_commissions(ledger, election, commissions)
    codes = tuple(c["code"] for c in commissions if c["kind"] == "precinct")
    new_members = [
        NewMember(
            code_,
            f"{ROLES[i % len(ROLES)].title()} {i + 1} of {code_}",
            ROLES[i % len(ROLES)],
            key.verify_key.hex(),
        )
        for code_ in codes
        for i, key in enumerate(member_keys(seed, code_, members))
    ]
    await add_members(ledger, election, new_members)
    return Generated(election, codes, seed, members)


def az_protocol_values(
    rng: random.Random, candidates: tuple[str, ...]
) -> tuple[dict[str, int], dict[str, int]]:
    """Consistent Azerbaijani protocol values (every derived ratio holds)."""
    voters = rng.randint(600, 2000)
    dereg = rng.randint(0, 10)
    received = voters + rng.randint(0, 30)
    with_dereg = rng.randint(0, dereg)
    got = int(voters * rng.uniform(0.55, 0.8))
    cancelled = rng.randint(0, 5)
    spoilt = rng.randint(0, 3)
    unused = received - got - cancelled - spoilt
    outside = rng.randint(0, 20)
    mobile = outside
    stationary = got - mobile
    invalid = rng.randint(0, 15)
    valid = mobile + stationary - invalid
    weights = [rng.random() for _ in candidates]
    votes = dict.fromkeys(candidates, 0)
    total_weight = sum(weights)
    left = valid
    for cid, weight in zip(candidates[:-1], weights[:-1], strict=True):
        share = min(left, int(valid * weight / total_weight))
        votes[cid] = share
        left -= share
    votes[candidates[-1]] = left
    lines = {
        "100.2.1": voters,
        "100.2.2": dereg,
        "100.2.3": received,
        "100.2.5": got,
        "100.2.6": outside,
        "100.2.7": with_dereg,
        "100.2.8": unused,
        "100.2.9": cancelled,
        "100.2.12": mobile,
        "100.2.13": stationary,
        "100.2.14": valid,
        "100.2.15": invalid,
        "100.2.16": spoilt,
    }
    return lines, votes


def signed_protocol(
    election: ElectionInfo,
    precinct: str,
    lines: Mapping[str, int],
    votes: Mapping[str, int],
    keys: list[SigningKey],
    *,
    signers: int | None = None,
    supersedes: str = "",
    reason: str = "",
) -> dict[str, object]:
    """A protocol document signed by the first ``signers`` of ``keys`` (default: all)."""
    doc = make_document(
        election=election.code,
        precinct=precinct,
        profile=election.profile.name,
        lines=lines,
        votes=votes,
        completed_at="2024-02-07T21:30Z",
        supersedes=supersedes,
        reason=reason,
    )
    chosen = keys if signers is None else keys[:signers]
    digest = protocol_digest(doc).hex()
    return {
        "protocol": doc,
        "signatures": [sign_protocol(digest, k) for k in chosen],
        "dissents": [],
    }
