"""The demo's whole sitting, its record verified as an observer would, and tampering caught."""

from __future__ import annotations

import json

import pytest
from urna.api import ReportContext, translator
from urna.record.bundle import read_bundle
from urna.verify import core_checks, verify_files
from urna_parliament.demo import run_sitting
from urna_parliament.minutes_report import MINUTES_REPORT
from urna_parliament.verifier import VERIFIER

EVENT_TYPES, VERIFIER_CHECKS = VERIFIER.event_types, VERIFIER.checks
"""The plugin's event types and checks as urna verify loads them (the archive's too)."""


@pytest.fixture
def urna_database() -> str:
    return ""  # the demo runs on the embedded SQLite, as the README's main command does


@pytest.mark.chamber_450
async def test_the_demo_runs_a_450_seat_chamber_with_vacant_seats(urna_services, tmp_path):
    """The chamber comes from the configuration (conftest's CHAMBER_450): 447 members in
    office and three vacant seats, rules of 226, 300 and 150 of the 450 mandates."""
    from urna.api import DemoContext

    await run_sitting(DemoContext(reports_dir=tmp_path, services=urna_services))
    minutes = json.loads((tmp_path / "parliament-sitting-1-minutes.json").read_text())
    await verified(urna_services, tmp_path)
    assert (minutes["membership"], minutes["quorum"], minutes["present"]) == (450, 226, 422)
    votes = [v for item in minutes["agenda"] for v in item["votes"]]
    assert [v["result"]["threshold"] for v in votes] == [226, 150, 150, 300]
    for vote in votes:
        result = vote["result"]
        assert result["vacant"] == 3
        assert sum(result[k] for k in ("for", "against", "abstain", "not_voting", "absent")) == 447


async def verified(services, tmp_path) -> None:
    """The demo's sitting and its secret vote's ballot box, exported and verified as an
    observer would: the sitting's result is the one the ballot box's record proves."""
    for scope in ("parliament-sitting-1", "parliament-ballot-1-1"):
        await services.ledger.export(scope, tmp_path / scope)
        files = read_bundle(tmp_path / scope).files
        checks = [*core_checks(EVENT_TYPES), *VERIFIER_CHECKS]
        report = verify_files(files, bundle=scope, checks=checks)
        assert report.ok, report.summary_lines()
    sitting = await services.ledger.events("parliament-sitting-1")
    box = await services.ledger.events("parliament-ballot-1-1")
    closed = [e for e in sitting if e.type == "parliament.vote_closed"][-1]
    decrypted = next(e for e in box if e.type == "core.tally_decrypted")
    assert closed.payload["tally"]["result"] == decrypted.payload["result"]


@pytest.mark.milli_majlis
async def test_demo_sitting_runs_and_its_record_verifies(urna_services, tmp_path):
    from urna.api import DemoContext

    result = await run_sitting(DemoContext(reports_dir=tmp_path, services=urna_services))
    names = sorted(p.name for p in result.reports)
    assert result.users == {"parliament.member": "m001"}  # the member page's demo user
    assert "parliament-sitting-1-minutes-az.pdf" in names
    minutes = json.loads((tmp_path / "parliament-sitting-1-minutes.json").read_text())
    votes = [v for item in minutes["agenda"] for v in item["votes"]]
    assert [v["mode"] for v in votes] == ["named", "totals", "totals", "secret"]
    assert votes[0]["corrections"]
    assert votes[2]["repeats"] == 2
    assert votes[3]["result"]["for"] == 97
    assert votes[3]["result"]["outcome"] == "adopted"
    html = (tmp_path / "parliament-sitting-1-minutes-en.html").read_text()
    assert "Presiding officer" in html
    assert "Sahibə Qafarova" in html
    assert "<style>" in html  # a file keeps its look wherever it is opened
    assert 'href="/-/static' not in html
    assert [v["result"]["threshold"] for v in votes] == [63, 83, 83, 95]
    assert {v["result"]["vacant"] for v in votes} == {0}
    await verified(urna_services, tmp_path)

    # ``urna report parliament.minutes`` renders the same files, in the language asked for.
    russian = ReportContext(urna_services, translator(urna_services, "ru"))
    page = (await MINUTES_REPORT.render("parliament-sitting-1", "html", russian)).decode()
    assert '<html lang="ru">' in page
    assert "Sahibə Qafarova" in page  # the record's names as recorded
    pdf = await MINUTES_REPORT.render("parliament-sitting-1", "pdf", russian)
    assert pdf.startswith(b"%PDF")
    with pytest.raises(ValueError, match="parliament-sitting-<n>"):
        await MINUTES_REPORT.render("election.az-2024", "pdf", russian)


async def test_a_rewritten_count_and_a_vote_from_the_wrong_seat_are_caught(urna_services):
    """Re-sign a doctored record with a valid appliance key: the plugin's checks still fail."""
    from urna.record.event import Event
    from urna.testing import resigned_bundle
    from urna_parliament.hall import hall_of
    from urna_parliament.simulator import seated_chamber

    hall = hall_of(urna_services)
    sitting, _ = await seated_chamber(hall, size=9)
    item = await hall.add_item(sitting, kind="other", title="Q", rule="absolute")
    vote = await hall.open_vote(sitting, item=item, mode="named", question="?")
    for seat in range(1, 8):
        await hall.press(sitting, seat, "for")
    await hall.close_vote(sitting, vote)
    events = await urna_services.ledger.events(f"parliament-sitting-{sitting}")

    def doctor(event: Event, payload: dict) -> None:
        if event.type == "parliament.vote_closed":
            payload["for"], payload["outcome"] = 50, "rejected"
        if event.type == "parliament.vote_cast" and payload["seat"] == 7:
            payload["seat"] = 8

    files = resigned_bundle(events, doctor)
    report = verify_files(files, bundle="x", checks=[*core_checks(EVENT_TYPES), *VERIFIER_CHECKS])
    failed = {result.id: result for result in report.failed}
    assert set(failed) == {"parliament.totals", "parliament.seat-card"}
    assert "for is 50, the votes give 6" in failed["parliament.totals"].failures[0].message
