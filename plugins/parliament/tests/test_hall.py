"""The hall's rules on a real database: quorum, seats and cards, corrections, secret ballots."""

from __future__ import annotations

import pytest
from urna.crypto.ballot import SignedBallot
from urna_parliament.hall import HallError, hall_of
from urna_parliament.models import CastRecord
from urna_parliament.secret import ballot_statement, make_ballot
from urna_parliament.simulator import SimulatedCommission, choices, seated_chamber


@pytest.mark.milli_majlis
async def test_named_vote_counts_and_decides_by_the_rule(urna_services):
    hall = hall_of(urna_services)
    sitting, _ = await seated_chamber(hall, present=110)
    item = await hall.add_item(
        sitting,
        kind="draft",
        title="Vergi Məcəlləsinə dəyişikliklər",
        draft_number="1234-7GQ",
        reading="I",
    )
    vote = await hall.open_vote(sitting, item=item, mode="named", question="Birinci oxunuşda")
    for seat, choice in enumerate(choices(110, 70, 20, 10), start=1):
        if choice:
            await hall.press(sitting, seat, choice)
    closed = await hall.close_vote(sitting, vote)
    assert closed.payload | {"tally": None} == {
        "vote": 1,
        "for": 70,
        "against": 20,
        "abstain": 10,
        "not_voting": 10,
        "absent": 15,
        "vacant": 0,
        "threshold": 63,
        "outcome": "adopted",
        "tally": None,
    }


@pytest.mark.milli_majlis
async def test_vote_without_quorum_is_refused_and_nothing_appended(urna_services):
    hall = hall_of(urna_services)
    sitting, _ = await seated_chamber(hall, size=125, present=82)
    item = await hall.add_item(sitting, kind="other", title="Cari məsələlər")
    head = await urna_services.ledger.head(f"parliament-sitting-{sitting}")
    with pytest.raises(HallError, match="no quorum: 82 members present, 83 needed"):
        await hall.open_vote(sitting, item=item, mode="named", question="?")
    assert await urna_services.ledger.head(f"parliament-sitting-{sitting}") == head


async def test_a_correction_replaces_the_cast_row_and_a_card_without_signer_cannot_sign(
    urna_services,
):
    hall = hall_of(urna_services)
    sitting, _ = await seated_chamber(hall, size=9, present=8)
    item = await hall.add_item(sitting, kind="other", title="Q", rule="absolute")
    vote = await hall.open_vote(sitting, item=item, mode="named", question="?")
    first = await hall.press(sitting, 1, "for")
    with pytest.raises(HallError, match="already voted in vote 1; ask the presiding officer"):
        await hall.press(sitting, 1, "against")
    member = first.payload["member"]
    await hall.allow_correction(sitting, vote, member, "wrong button")
    corrected = await hall.press(sitting, 1, "against")
    assert corrected.type == "parliament.vote_corrected"
    assert corrected.payload["corrects"] == first.seq
    assert corrected.payload["reason"] == "wrong button"
    rows = await CastRecord.filter(sitting=sitting, vote=vote).values_list(
        "member", "seat", "choice", "seq"
    )
    assert rows == [(member, 1, "against", corrected.seq)]
    # Seat 9's card goes in without a reader that can sign: only a signed press counts there.
    await hall.card(sitting, 9, "AZ-0009", inserted=True)
    with pytest.raises(HallError, match="the card in seat 9 cannot sign") as refused:
        await hall.press(sitting, 9, "for")
    assert refused.value.status == 422


async def test_a_secret_vote_goes_through_the_ballot_box_and_records_no_choice(urna_services):
    """The console's own ballot and one the hall encrypts for a key press both go into the
    vote's ballot box; the sitting records who voted where, never what; the vote closes
    only with the commission's decrypted result, which the ballot box's record proves."""
    hall = hall_of(urna_services)
    sitting, cards = await seated_chamber(hall, size=9)
    item = await hall.add_item(sitting, kind="other", title="Q", rule="absolute")
    with pytest.raises(HallError, match="no secret vote is ready"):
        await hall.open_vote(sitting, item=item, mode="secret", question="?")
    scope = await hall.prepare_secret_vote(sitting, ["m001", "m002", "m003"], 2)
    assert scope == f"parliament-ballot-{sitting}-1"
    assert not (await hall.secret_overview(sitting))["ready"]  # the commission has no key yet
    commission = await SimulatedCommission.key_ceremony(hall.box, scope)
    assert (await hall.secret_overview(sitting))["ready"]
    vote = await hall.open_vote(sitting, item=item, mode="secret", question="?")
    state = await hall.state(sitting)
    member, card = state.card_member(2), state.seats[2]
    election = await hall.box.election(scope)
    ballot = make_ballot(election, state.members[member].key, 2, "for", cards[member].sign)
    decoded = SignedBallot.from_json(ballot).ballot
    payload = {
        "vote": vote,
        "member": member,
        "seat": 2,
        "card": card,
        "ballot_id": decoded.ballot_id.hex(),
        "confirmation_code": decoded.confirmation_code().hex(),
    }
    sig = cards[member].sign(ballot_statement(state.scope, payload))
    cast = await hall.press(sitting, 2, "for", sig=sig.hex(), ballot=ballot)
    assert cast.type == "parliament.ballot_cast"
    assert cast.payload == {**payload, "sig": sig.hex()}
    with pytest.raises(HallError, match="already voted"):
        await hall.press(sitting, 2, "against")
    made = await hall.press(sitting, 3, "against")  # the hall encrypts, the card signs
    assert made.type == "parliament.ballot_cast"
    rows = await CastRecord.filter(sitting=sitting, vote=vote).values_list("member", "choice")
    assert sorted(rows) == [(member, None), (made.payload["member"], None)]
    assert (await hall.box.status(scope))["cast"] == 2
    with pytest.raises(HallError, match="end the secret vote's voting first"):
        await hall.close_vote(sitting, vote)
    await hall.end_secret_voting(sitting, vote)
    with pytest.raises(HallError, match="ballot box refused"):
        await hall.press(sitting, 4, "for")
    with pytest.raises(HallError, match="published 0 of the 2 decryption shares"):
        await hall.close_vote(sitting, vote)
    await commission.decrypt(hall.box, [1, 3])
    closed = await hall.close_vote(sitting, vote)
    assert (closed.payload["for"], closed.payload["against"]) == (1, 1)
    assert closed.payload["tally"]["scope"] == scope
    assert (await hall.box.status(scope))["status"] == "decrypted"
