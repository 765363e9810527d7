"""Two appliances, two real sanic servers in one test: a constituency appliance sends
protocols online to the central one (``send_online``), then exports its signed summary,
which the central appliance imports once, checking the sender and every signature."""

from __future__ import annotations

import os
import random

import attrs
import httpx
import pytest
from urna.testing import free_port, serve_in_process
from urna_elections.generate import az_protocol_values, generate_election, signed_protocol
from urna_elections.protocols import ProtocolRejected
from urna_elections.transfer import export_summary, send_online

pytestmark = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)


def second_appliance(settings, tmp_path, **plugin_sections):
    """Settings of another appliance: its own data directory, key, port and database."""
    data_dir = tmp_path / "second"
    key = data_dir / "keys" / "appliance.key"
    key.parent.mkdir(parents=True, mode=0o700)
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    return attrs.evolve(
        settings, data_dir=data_dir, port=free_port(), plugin_sections=plugin_sections
    )


async def test_send_online_and_signed_summary_between_two_appliances(
    urna_settings, urna_pm, tmp_path
):
    """The two appliances run one after the other (tortoise keeps one database
    configuration per process), each with its own database, key and port; the summary
    package travels between them as bytes, as on a USB drive."""
    rng = random.Random(11)  # noqa: S311 - made-up figures
    lower_settings = second_appliance(urna_settings, tmp_path)
    async with serve_in_process(lower_settings, urna_pm) as lower:
        generated = await generate_election(
            lower.services.ledger, constituencies=2, precincts=6, abroad=0, members=5
        )
        election = generated.election
        entries = {
            p: signed_protocol(
                election,
                p,
                *az_protocol_values(rng, election.candidates),
                generated.member_keys(p),
                signers=4,
            )
            for p in generated.precincts
        }
        parents = await _parents()
        precincts = [p for p in generated.precincts if parents[p] == "con001"]
        lower_sender = await lower.token_client("precincts", ["elections.sender"])
        for precinct in precincts:
            answer = await send_online(lower_sender, election.code, entries[precinct])
            assert answer["created"] is True
        package = await export_summary(election, "con001", lower.services.key)
        lower_key = lower.services.fingerprint

    central_settings = attrs.evolve(
        urna_settings,
        plugin_sections={"elections": {"trusted_senders": {lower_key: "con001"}}},
    )
    async with serve_in_process(central_settings, urna_pm) as central:
        assert central.services.fingerprint != lower_key
        await generate_election(
            central.services.ledger, constituencies=2, precincts=6, abroad=0, members=5
        )
        # Online: one precinct's protocol goes straight to the central appliance, twice.
        sender = await central.token_client("con001-appliance", ["elections.sender"])
        first = await send_online(sender, election.code, entries[precincts[0]])
        assert first["created"] is True
        again = await send_online(sender, election.code, entries[precincts[0]])
        assert again["created"] is False
        assert again["seq"] == first["seq"]

        # A refused protocol is not retried: the parent's problems come back, named.
        bad = dict(entries[precincts[1]])
        bad["protocol"] = dict(bad["protocol"], lines=dict(bad["protocol"]["lines"]))
        bad["protocol"]["lines"]["100.2.14"] += 3
        with pytest.raises(ProtocolRejected) as refused:
            await send_online(sender, election.code, bad, delay=0.01)
        assert refused.value.status == 422
        assert any("AZ-3" in p for p in refused.value.problems)

        # Nobody listening: retried, then a clear error.
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}") as gone:
            with pytest.raises(ConnectionError, match="did not acknowledge after 3 attempts"):
                await send_online(
                    gone, election.code, entries[precincts[1]], attempts=3, delay=0.01
                )

        # The lower appliance's signed summary: sender and signatures checked, counted once.
        admin = await central.token_client("cec-admin", ["elections.administrator"])
        url = f"/p/elections/elections/{election.code}/packages"
        tampered = package[:-10] + bytes(b ^ 1 for b in package[-10:])
        refused_package = await admin.post(url, content=tampered)
        assert refused_package.status_code == 422
        imported = await admin.post(url, content=package)
        assert imported.status_code == 201, imported.text
        assert imported.json()["imported"] == len(precincts) - 1  # one came online already
        twice = await admin.post(url, content=package)
        assert twice.status_code == 200
        assert twice.json()["already"] is True
        totals = (await admin.get(f"/p/elections/elections/{election.code}/results.json")).json()[
            "totals"
        ]
        assert totals["con001"]["received"] == len(precincts)
        assert totals["cec"]["received"] == len(precincts)
        expected = {
            c: sum(entries[p]["protocol"]["votes"][c] for p in precincts)
            for c in election.candidates
        }
        assert totals["con001"]["votes"] == expected


async def _parents() -> dict[str, str]:
    from urna_elections import models

    rows = await models.Commission.filter(kind="precinct").values_list("code", "parent_code")
    return dict(rows)
