"""``urna demo``: a small booth election, end to end on the running appliance.

Three guardians (any two decrypt) run their ceremony in this process, as
their commands would on their own machines; twelve voters check in and vote
at two booths through the same polling-day code the pages use, one of them
challenging a ballot first; the polls close; guardians 1 and 2 decrypt,
guardian 3 stays away; the result is published. The public pages and the
polls console show the outcome, and a printed enrolment link makes any browser
a third booth (which then shows that the polls are closed).
"""

from __future__ import annotations

import os
import random
from typing import Any

from urna.api import Demo, DemoContext, DemoResult, Services
from urna.crypto.ceremony import KeyShare, generate_guardian, make_shares, receive_share
from urna.crypto.election import Election as CryptoElection
from urna.crypto.election import confirm_ceremony
from urna.crypto.group import Scalar
from urna.crypto.tally import EncryptedTally, decrypt_tally_share

from urna_evoting import booths, polls
from urna_evoting.setup import create_election, import_voters, publish_result

TEXT = {
    "az": "Şəhər şurası seçkisi",
    "en": "City council election",
    "ru": "Выборы городского совета",
}
CANDIDATES = {
    "aliyeva": {"az": "Leyla Əliyeva", "en": "Leyla Aliyeva", "ru": "Лейла Алиева"},
    "huseynov": {"az": "Rəşad Hüseynov", "en": "Rashad Huseynov", "ru": "Рашад Гусейнов"},
    "mammadova": {"az": "Günay Məmmədova", "en": "Gunay Mammadova", "ru": "Гюнай Мамедова"},
    "quliyev": {"az": "Orxan Quliyev", "en": "Orkhan Guliyev", "ru": "Орхан Гулиев"},
}
QUESTION = {
    "yes": {"az": "Bəli", "en": "Yes", "ru": "Да"},
    "no": {"az": "Xeyr", "en": "No", "ru": "Нет"},
}


def election_file(
    election_id: str = "city-2026", guardians: int = 3, quorum: int = 2
) -> dict[str, Any]:
    """The demo's election file: a council (vote for 2 of 4) and a yes/no question."""
    return {
        "election_id": election_id,
        "title": TEXT,
        "quorum": quorum,
        "guardians": [
            {"name": name, "user": f"guardian{i}"}
            for i, name in enumerate(
                ["Aysel Məmmədova", "Tural Həsənov", "Nigar Rzayeva"][:guardians], 1
            )
        ],
        "manifest": {
            "contests": [
                {"contest_id": "council", "limit": 2, "options": list(CANDIDATES)},
                {"contest_id": "park", "limit": 1, "options": list(QUESTION)},
            ]
        },
        "names": {
            "council": {
                "title": {"az": "Şəhər şurası", "en": "City council", "ru": "Городской совет"},
                "options": CANDIDATES,
            },
            "park": {
                "title": {
                    "az": "Mərkəzi parkın yenidən qurulması?",
                    "en": "Rebuild the central park?",
                    "ru": "Перестроить центральный парк?",
                },
                "options": QUESTION,
            },
        },
    }


async def run_ceremony(services: Services, scope: str, n: int, k: int) -> dict[int, KeyShare]:
    """Every guardian's part of the ceremony, through the ballot box; answer the key shares
    (what each guardian would keep sealed on its own machine)."""
    box = polls.box_of(services)
    status = await box.status(scope)
    from urna.crypto.manifest import ElectionParameters

    parameters = ElectionParameters.from_json(status["parameters"])
    ph = parameters.parameters_hash()
    secrets = [generate_guardian(i, k, ph, os.urandom) for i in range(1, n + 1)]
    for secret in secrets:
        await box.add_guardian(scope, secret.public_key.to_json())
    publics = [s.public_key for s in secrets]
    received: dict[int, Scalar] = {s.guardian_id: s.evaluate(s.guardian_id) for s in secrets}
    for sender in secrets:
        others = [p for p in publics if p.guardian_id != sender.guardian_id]
        for share in make_shares(sender, others, ph, os.urandom):
            await box.relay_share(scope, share.to_json())
            recipient = secrets[share.recipient - 1]
            value = receive_share(recipient, sender.public_key, share, ph)
            received[share.recipient] = received[share.recipient] + value
    hc = bytes.fromhex((await box.status(scope))["ceremony"]["ceremony_hash"])
    for secret in secrets:
        await box.confirm(scope, secret.guardian_id, confirm_ceremony(secret, hc))
    return {gid: KeyShare(gid, value) for gid, value in received.items()}


async def decrypt(
    services: Services, scope: str, key_shares: dict[int, KeyShare], who: list[int]
) -> None:
    box = polls.box_of(services)
    status = await box.status(scope)
    election = CryptoElection.from_json(status["election"])
    tally = EncryptedTally.from_json(status["tally"])
    for gid in who:
        share = decrypt_tally_share(key_shares[gid], election, tally, os.urandom)
        await box.submit_share(scope, share.to_json())


async def run(context: DemoContext) -> DemoResult:
    services: Services = context.services
    election = await create_election(services, election_file())
    key_shares = await run_ceremony(services, election.scope, 3, 2)
    voters = "voter_id,name\n" + "".join(f"v{i:03d},Voter {i}\n" for i in range(1, 13))
    await import_voters(services, voters)
    for name in ("booth-1", "booth-2"):
        secret = await booths.enrol(services, name)
        await booths.bind(services, name, secret, "demo")
    await polls.open_polls(services, election)
    rng = random.Random(17)  # noqa: S311 - the demo's voters, not a secret
    for i in range(1, 13):
        booth = f"booth-{1 + i % 2}"
        await polls.check_in(services, election, f"v{i:03d}")
        await polls.activate(services, election, f"v{i:03d}", booth)
        session = await polls.session_of(election, booth)
        assert session is not None
        choices = {
            "council": rng.sample(list(CANDIDATES), rng.choice([1, 2])),
            "park": [rng.choice(list(QUESTION))],
        }
        if i == 1:
            await polls.seal(services, election, booth, session.id, choices)
            await polls.challenge(services, election, booth, session.id)
        await polls.seal(services, election, booth, session.id, choices)
        await polls.cast(services, election, booth, session.id)
        await polls.finish(services, election, booth, session.id)
    await polls.close_polls(services, election)
    await decrypt(services, election.scope, key_shares, [1, 2])
    await publish_result(services, election)
    # A fresh enrolment link: open it once in a browser and that browser is booth-3.
    secret = await booths.enrol(services, "booth-3")
    return DemoResult(
        scopes=(election.scope,),
        urls=(
            "/p/evoting/results",
            "/p/evoting/tracker",
            "/p/evoting/guardians",
            "/p/evoting/polls",
            f"/p/evoting/booth/enrol/booth-3/{secret}",
        ),
        users={"evoting.guardian": "guardian1"},
    )


DEMOS = (Demo("evoting", run),)
