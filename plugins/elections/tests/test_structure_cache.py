"""The structure cache: an appliance that starts serving has already decoded the member
keys of every election still counting, so that the first protocols do not pay for it."""

from __future__ import annotations

from urna.testing import serve_in_process
from urna_elections import cache
from urna_elections.generate import generate_election


async def test_serving_starts_with_every_counting_election_loaded_and_its_keys_decoded(
    urna_settings, urna_pm
):
    async with serve_in_process(urna_settings, urna_pm) as first:
        generated = await generate_election(
            first.services.ledger, constituencies=2, precincts=4, abroad=0, members=3
        )
    code = generated.election.code
    async with serve_in_process(urna_settings, urna_pm) as again:
        ledger = again.services.ledger
        # Loaded by the start itself (urna_on_serving), before any request or protocol.
        structure = cache._caches[ledger][code]
        wanted = {
            key.verify_key.hex()
            for precinct in generated.precincts
            for key in generated.member_keys(precinct)
        }
        assert wanted <= set(structure.keys)
        assert all(structure.keys[key].hex() == key for key in wanted)
        assert await cache.warm(ledger) == 1  # nothing loaded twice, one election counting
        assert cache._caches[ledger][code] is structure
