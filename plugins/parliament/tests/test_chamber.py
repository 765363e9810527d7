"""Any chamber is configuration: its settings refused with the bad key named, a roster that
does not account for every mandate refused with the figures, vacant seats counted as vacant;
the console's and the member's views over real HTTP, each to its own role only."""

from __future__ import annotations

import pytest
from urna_parliament.config import ParliamentConfig
from urna_parliament.hall import HallError, hall_of
from urna_parliament.simulator import chamber, seated_chamber


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"vacant_seats": [126]}, "seat 126 is not in the seat plan 1..125"),
        ({"vacant_seats": [4, 4]}, "lists a seat twice"),
        ({"vacant_seats": "7"}, "vacant_seats must be a list"),
        ({"vacant_seats": list(range(1, 50))}, "quorum 83 can never be reached"),
        ({"seats": 100}, "seats must be an integer 125..1000"),
        ({"rule_set": []}, "rule_set must be a list of distinct rule names"),
        ({"rule_set": ["ordinary", "ordinary"]}, "rule_set must be a list of distinct"),
    ],
)
def test_a_bad_chamber_setting_is_refused_naming_it(settings, named):
    with pytest.raises(ValueError, match=named):
        ParliamentConfig.from_mapping(settings)


def test_a_chamber_with_more_seats_than_mandates_and_vacancies():
    config = ParliamentConfig.from_mapping(
        {"membership": 450, "quorum": 226, "seats": 460, "vacant_seats": [17, 203, 388]}
    )
    assert (config.in_office, config.seats, config.vacant_seats) == (447, 460, (17, 203, 388))


@pytest.mark.chamber_450
async def test_a_roster_must_account_for_every_mandate(urna_services):
    hall = hall_of(urna_services)
    full, _ = chamber(450)
    with pytest.raises(HallError, match="member m017 sits in seat 17, which is marked vacant"):
        await hall.import_roster("VIII", full)
    short, _ = chamber(450, vacant=(17, 203, 388, 5))
    with pytest.raises(
        HallError, match="446 members and 3 vacant seats do not make the membership"
    ):
        await hall.import_roster("VIII", short)
    assert not await urna_services.ledger.events("parliament-roster")


@pytest.mark.chamber_450
async def test_vacant_seats_are_counted_as_vacant_never_absent(urna_services):
    hall = hall_of(urna_services)
    sitting, _ = await seated_chamber(hall, present=300)
    item = await hall.add_item(sitting, kind="other", title="Q", rule="two-thirds")
    vote = await hall.open_vote(sitting, item=item, mode="named", question="?")
    for seat in range(1, 251):
        if seat not in (17, 203):
            await hall.press(sitting, seat, "for")
    closed = (await hall.close_vote(sitting, vote)).payload
    assert {k: closed[k] for k in ("for", "not_voting", "absent", "vacant", "threshold")} == {
        "for": 248,
        "not_voting": 52,
        "absent": 147,
        "vacant": 3,
        "threshold": 300,
    }
    assert closed["outcome"] == "rejected"


async def test_the_console_and_the_members_view_answer_their_own_roles(urna_server):
    hall = hall_of(urna_server.services)
    sitting, _ = await seated_chamber(hall, size=9, present=8)
    await hall.add_item(sitting, kind="other", title="Q", rule="absolute")
    chair = await urna_server.login("chair", ["parliament.presiding"])
    member = await urna_server.login("m002", ["parliament.member"])
    view = (await chair.get(f"/p/parliament/sittings/{sitting}/console.json")).json()
    assert (view["present"], view["quorum"], view["vacant"]) == (8, 6, 0)
    # By its name in the appliance's language (az) with the votes it needs, never its id.
    assert view["agenda"][0]["rule"] == (
        "Bütün deputatların çoxluğu: bütün deputatların 1/2 hissəsindən çox (5 səs)"
    )
    assert (await member.get(f"/p/parliament/sittings/{sitting}/console.json")).status_code == 403
    mine = (await member.get("/p/parliament/me/hall.json")).json()
    assert (mine["seat"], mine["card_in_seat"], mine["registered"], mine["vote"]) == (
        2,
        True,
        True,
        None,
    )
    assert (await chair.get("/p/parliament/me/hall.json")).status_code == 403

    stranger = await chair.post(
        f"/p/parliament/sittings/{sitting}/secret-votes",
        json={"commission": ["m001", "x99"], "quorum": 1},
        headers={"Idempotency-Key": "commission-1"},
    )
    assert stranger.status_code == 409
    assert "not members: x99" in stranger.json()["error"]
    too_many = await chair.post(
        f"/p/parliament/sittings/{sitting}/secret-votes",
        json={"commission": ["m001", "m002"], "quorum": 3},
        headers={"Idempotency-Key": "commission-2"},
    )
    assert too_many.status_code == 422
    assert not (await hall.state(sitting)).prepared
    assert not await urna_server.services.ledger.events(f"parliament-ballot-{sitting}-1")


async def test_a_rule_set_naming_an_unknown_rule_refuses_to_serve(urna_services):
    """The rule set is checked against every plugin's rules when the server starts
    (``urna_on_serving``), not at the first request."""
    from urna_parliament.hall import Hall, collect_rules

    config = ParliamentConfig.from_mapping({"rule_set": ["ordinary", "by-acclamation"]})
    with pytest.raises(ValueError, match="rule_set names unknown rules by-acclamation"):
        Hall(urna_services.ledger, config, collect_rules(urna_services, config))
    config = ParliamentConfig.from_mapping({"rule_set": ["simple"]})
    with pytest.raises(ValueError, match="default_rule 'ordinary' is not in the chamber's rules"):
        Hall(urna_services.ledger, config, collect_rules(urna_services, config))
    hook = urna_services.plugin_manager.hook.urna_on_serving
    assert "urna_parliament.plugin" in {impl.plugin_name for impl in hook.get_hookimpls()} | {
        getattr(impl.plugin, "__name__", "") for impl in hook.get_hookimpls()
    }
    hook(services=urna_services)  # the configured chamber serves
