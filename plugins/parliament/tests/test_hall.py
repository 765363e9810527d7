"""The hall's rules on a real database: quorum, seats and cards, corrections, re-votes."""

from __future__ import annotations

import pytest
from urna_parliament.hall import HallError, hall_of
from urna_parliament.simulator import choices, seated_chamber


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
