"""A simulated chamber: members with deterministic keys, their cards, and 125 consoles.

Used by the demo, the tests and the benchmarks. Keys derive from a seed and
the member id, so a simulated chamber is the same in every run; a real
chamber's keys are made on the cards and only their public halves are
imported (``urna parliament import-roster``).
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import attrs
from urna.crypto.ceremony import (
    KeyShare,
    combine_shares,
    generate_guardian,
    make_shares,
    receive_share,
)
from urna.crypto.election import ceremony_hash, confirm_ceremony
from urna.crypto.manifest import ElectionParameters
from urna.crypto.rng import RandBytes
from urna.crypto.signing import SigningKey
from urna.crypto.tally import EncryptedTally, decrypt_tally_share

from urna_parliament.record import ROSTER_FIELDS

if TYPE_CHECKING:
    from urna.api import BallotBox

    from urna_parliament.hall import Hall

FACTIONS = ("Yeni Azərbaycan", "Müstəqil", "Vətəndaş Həmrəyliyi", "Ana Vətən", "Ümid")
FIRST = ("Əli", "Leyla", "Rəşad", "Günay", "Elçin", "Aygün", "Tural", "Nərgiz", "Vüqar", "Səbinə")
LAST = (
    "Məmmədov",
    "Əliyeva",
    "Həsənov",
    "Quliyeva",
    "İsmayılov",
    "Hüseynova",
    "Abbasov",
    "Kərimova",
    "Rzayev",
    "Nəsibova",
)


@attrs.frozen(slots=True)
class SimulatedCard:
    """An ID card holding its member's key: signs what the member confirms at the seat."""

    card: str
    member: str
    key: SigningKey = attrs.field(repr=False)

    def sign(self, message: bytes) -> bytes:
        signature: bytes = self.key.sign(message)
        return signature


def member_key(seed: str, member: str) -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(f"{seed}:{member}".encode()).digest())


def chamber(
    size: int = 125, seed: str = "urna-demo", vacant: Collection[int] = ()
) -> tuple[list[dict[str, Any]], dict[str, SimulatedCard]]:
    """The roster of a chamber of ``size`` mandates (member n in seat n), the ``vacant``
    seats left empty, and each member's card."""
    roster, cards = [], {}
    for n in range(1, size + 1):
        if n in vacant:
            continue
        member = f"m{n:03d}"
        key = member_key(seed, member)
        card = f"AZ-{n:04d}"
        roster.append(
            {
                "member": member,
                "name": f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]}",
                "district": f"Dairə {n}",
                "faction": FACTIONS[n % len(FACTIONS)],
                "seat": n,
                "card": card,
                "key": key.verify_key.hex(),
            }
        )
        cards[member] = SimulatedCard(card, member, key)
    return roster, cards


def roster_csv(roster: list[dict[str, Any]]) -> str:
    lines = [",".join(ROSTER_FIELDS)]
    for m in roster:
        lines.append(",".join(str(m[c]) for c in ROSTER_FIELDS))
    return "\n".join(lines) + "\n"


def choices(size: int, yes: int, no: int, abstain: int, seed: int = 7) -> list[str | None]:
    """A shuffled list of ``size`` choices: ``None`` is a member present who does not vote."""
    if yes + no + abstain > size:
        raise ValueError("more votes than members")
    values: list[str | None] = [*(["for"] * yes), *(["against"] * no), *(["abstain"] * abstain)]
    values += [None] * (size - len(values))
    random.Random(seed).shuffle(values)  # noqa: S311 - a demo's seating, not a secret
    return values


async def seated_chamber(
    hall: Hall,
    size: int | None = None,
    present: int | None = None,
    *,
    seed: str = "urna-demo",
    date: str = "2026-03-10",
    presiding: str = "Sahibə Qafarova",
    invited: tuple[str, ...] = (),
) -> tuple[int, dict[str, SimulatedCard]]:
    """Import the roster of a chamber of ``size`` mandates (the configured membership and
    vacant seats by default), open a sitting, insert ``present`` cards, register them."""
    if size is None:
        roster, cards = chamber(hall.config.membership, seed, hall.config.vacant_seats)
    else:
        roster, cards = chamber(size, seed)
    await hall.import_roster("VII", roster)
    sitting = await hall.open_sitting(
        protocol="12", date=date, presiding=presiding, invited=invited
    )
    await hall.registration(sitting, "open")
    for entry in roster[:present]:
        member = entry["member"]
        await hall.card(sitting, entry["seat"], entry["card"], inserted=True, signer=cards[member])
        await hall.press(sitting, entry["seat"], "register")
    await hall.registration(sitting, "close")
    return sitting, cards


@attrs.define
class SimulatedCommission:
    """A secret vote's counting commission, its guardians' devices simulated in this process
    (demo, tests, benchmarks): each step goes through the ballot box as a real guardian's
    device would post it to the core's election routes, and only public material and
    proven shares reach the appliance."""

    scope: str
    key_shares: dict[int, KeyShare] = attrs.field(repr=False)

    @classmethod
    async def key_ceremony(
        cls, box: BallotBox, scope: str, randbytes: RandBytes = os.urandom
    ) -> SimulatedCommission:
        """Every guardian's keys, the share exchange, each guardian's confirmation."""
        parameters = ElectionParameters.from_json((await box.status(scope))["parameters"])
        digest = parameters.parameters_hash()
        guardians = [
            generate_guardian(i, parameters.quorum, digest, randbytes)
            for i in range(1, parameters.guardians + 1)
        ]
        for guardian in guardians:
            await box.add_guardian(scope, guardian.public_key.to_json())
        publics = [g.public_key for g in guardians]
        sent = {g.guardian_id: make_shares(g, publics, digest, randbytes) for g in guardians}
        relayed = sorted(
            (e for shares in sent.values() for e in shares if e.sender != e.recipient),
            key=lambda e: (e.sender, e.recipient),
        )
        for share in relayed:
            await box.relay_share(scope, share.to_json())
        h_c = ceremony_hash(await box.election(scope), relayed)
        for guardian in guardians:
            await box.confirm(scope, guardian.guardian_id, confirm_ceremony(guardian, h_c))
        key_shares = {}
        for recipient in guardians:
            received = {
                sender.guardian_id: receive_share(
                    recipient,
                    sender.public_key,
                    next(
                        e for e in sent[sender.guardian_id] if e.recipient == recipient.guardian_id
                    ),
                    digest,
                )
                for sender in guardians
            }
            key_shares[recipient.guardian_id] = combine_shares(recipient, received)
        return cls(scope, key_shares)

    async def decrypt(
        self, box: BallotBox, guardians: Sequence[int], randbytes: RandBytes = os.urandom
    ) -> None:
        """``guardians`` publish their proven partial decryptions of the tally."""
        election = await box.election(self.scope)
        tally = EncryptedTally.from_json((await box.status(self.scope))["tally"])
        for guardian in guardians:
            share = decrypt_tally_share(self.key_shares[guardian], election, tally, randbytes)
            await box.submit_share(self.scope, share.to_json())
