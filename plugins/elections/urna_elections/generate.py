"""Generated elections for demos, tests and benchmarks (deterministic from a seed).

An Azerbaijan-sized election with its members (below), and a US-style general
election as an office's long file (``us_general_file``).

125 constituencies and a pseudo-unit for polling stations abroad, 6,537
precincts as in February 2024, each commission with its members. Member
keys derive from the seed so that a demo or benchmark can sign as every
member; a real appliance never derives members' keys.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from collections.abc import Iterator, Mapping

import attrs
from urna.api import Ledger
from urna.crypto.signing import SigningKey

from urna_elections.law import DEFAULT_PROFILE, Profile, load_builtin
from urna_elections.protocol import make_document, protocol_digest
from urna_elections.signatures import sign_protocol
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


# --- a US-style general election, as an office's long file ---------------------------

US_COUNTIES = (
    "Adams", "Baker", "Clark", "Dade", "Elk", "Fulton", "Grant", "Hale", "Iron", "Jasper",
    "Knox", "Lake", "Marion", "Noble", "Owen", "Perry", "Quay", "Ross", "Scott", "Tate",
)  # fmt: skip
US_VOTE_TYPES = ("election day", "absentee")
US_LINES = {"ballots-cast": "Ballots Cast"}
"""The precinct lines of a US file: the ``us-general`` profile's, by their row label."""
US_WRITE_INS, US_OVER, US_UNDER = "Write-ins", "Over Votes", "Under Votes"
US_HEADER = ("county", "precinct", "office", "district", "party", "candidate", "votes", "vote_type")


@attrs.frozen(slots=True)
class UsContest:
    office: str
    district: str
    votes_allowed: int
    candidates: tuple[tuple[str, str], ...]
    """(name, party)."""
    write_ins: bool
    over_under: bool


@attrs.frozen(slots=True)
class UsFile:
    """A generated long file, its mapping and what it holds."""

    text: str
    mapping: dict[str, object]
    rows: int
    precincts: int
    contests: int
    """The contests on at least one ballot."""


def _us_contests(congressional: int, senate: int, house: int) -> tuple[list[UsContest], ...]:
    """Statewide contests, then per congressional, state senate and state house district."""
    statewide = [
        UsContest(
            "President",
            "",
            1,
            (("Ada Stone", "DEM"), ("Ben Ruiz", "REP"), ("Cy Park", "LIB")),
            True,
            True,
        ),
        UsContest("U.S. Senate", "", 1, (("Dee Hart", "DEM"), ("Eli Ford", "REP")), True, True),
        UsContest(
            "Governor",
            "",
            1,
            (("Fay Chen", "DEM"), ("Gus Moore", "REP"), ("Hal Ivy", "GRN")),
            False,
            True,
        ),
    ]
    congress = [
        UsContest(
            "U.S. House",
            str(d),
            1,
            ((f"House Dem {d}", "DEM"), (f"House Rep {d}", "REP")),
            True,
            True,
        )
        for d in range(1, congressional + 1)
    ]
    senate_ = [
        UsContest(
            "State Senate",
            str(d),
            1,
            ((f"Senate Dem {d}", "DEM"), (f"Senate Rep {d}", "REP")),
            False,
            False,
        )
        for d in range(1, senate + 1)
    ]
    house_ = [
        UsContest(
            "State House",
            str(d),
            2,
            tuple(
                (f"House {d} {x}", p)
                for x, p in (("A", "DEM"), ("B", "DEM"), ("C", "REP"), ("D", "REP"))
            ),
            True,
            True,
        )
        for d in range(1, house + 1)
    ]
    return statewide, congress, senate_, house_


def us_general_file(
    seed: str = "us",
    *,
    counties: int = 6,
    precincts_per_county: int = 20,
    congressional: int = 3,
    senate: int = 5,
    house: int = 9,
    vote_types: bool = True,
) -> UsFile:
    """A seeded US general election as a long CSV file (OpenElections' columns) and its
    mapping: statewide contests, congressional and legislative districts that cut across
    counties (precincts are dealt to districts in runs that ignore county lines), a
    vote-for-2 State House, write-ins, over and under votes, election-day and absentee
    rows. Every contest's valid, over and under votes add up to its votes allowed times
    the ballots cast."""
    rng = random.Random(seed)  # noqa: S311 - generated figures, not secrets
    statewide, congress, senate_, house_ = _us_contests(congressional, senate, house)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(US_HEADER)
    total = counties * precincts_per_county
    rows = 0
    types = US_VOTE_TYPES if vote_types else ("",)
    used: set[tuple[str, str]] = set()
    for index in range(total):
        county = US_COUNTIES[index // precincts_per_county % len(US_COUNTIES)]
        if index // precincts_per_county >= len(US_COUNTIES):
            county += f" {index // precincts_per_county // len(US_COUNTIES) + 1}"
        precinct = f"Precinct {index % precincts_per_county + 1}"
        ballot = [
            *statewide,
            congress[index * congressional // total],
            senate_[index * senate // total],
            house_[index * house // total],
        ]
        used.update((contest.office, contest.district) for contest in ballot)
        for vote_type in types:
            ballots = rng.randint(50, 900 // len(types))
            writer.writerow(
                (county, precinct, US_LINES["ballots-cast"], "", "", "", ballots, vote_type)
            )
            rows += 1
            for contest in ballot:
                marks = contest.votes_allowed * ballots
                over = rng.randint(0, min(3, marks)) if contest.over_under else 0
                under = rng.randint(0, min(marks - over, 40)) if contest.over_under else 0
                valid = marks - over - under
                names = [name for name, _ in contest.candidates]
                parties = [party for _, party in contest.candidates]
                if contest.write_ins:
                    names.append(US_WRITE_INS)
                    parties.append("")
                weights = [0.01 if n == US_WRITE_INS else 1 + rng.random() for n in names]
                left = valid
                for n, (name, party) in enumerate(zip(names, parties, strict=True)):
                    votes = (
                        left
                        if n == len(names) - 1
                        else min(left, int(valid * weights[n] / sum(weights)))
                    )
                    left -= votes
                    writer.writerow(
                        (
                            county,
                            precinct,
                            contest.office,
                            contest.district,
                            party,
                            name,
                            votes,
                            vote_type,
                        )
                    )
                    rows += 1
                if contest.over_under:
                    for label, value in ((US_OVER, over), (US_UNDER, under)):
                        writer.writerow(
                            (
                                county,
                                precinct,
                                contest.office,
                                contest.district,
                                "",
                                label,
                                value,
                                vote_type,
                            )
                        )
                        rows += 1
    mapping: dict[str, object] = {
        "format": "long",
        "hierarchy": [{"kind": "territorial", "code": "county"}],
        "precinct": {"code": "precinct", "within": "territorial"},
        "columns": {
            "contest": "office",
            "district": "district",
            "candidate": "candidate",
            "party": "party",
            "votes": "votes",
            "vote_type": "vote_type",
        },
        "lines": dict(US_LINES),
        "write_ins": [US_WRITE_INS],
        "overvotes": [US_OVER],
        "undervotes": [US_UNDER],
        "contests": {
            "U.S. House": {"district_type": "congressional"},
            "State Senate": {"district_type": "state-senate"},
            "State House": {"votes_allowed": 2, "seats": 2, "district_type": "state-house"},
        },
    }
    return UsFile(out.getvalue(), mapping, rows, total, len(used))
