"""The demo's whole sitting, its record verified as an observer would, and tampering caught."""

from __future__ import annotations

import json

import pytest
from urna.record.bundle import read_bundle
from urna.verify import core_checks, verify_files
from urna_parliament.checks import VERIFIER_CHECKS
from urna_parliament.demo import run_sitting
from urna_parliament.record import EVENT_TYPES


@pytest.fixture
def urna_database() -> str:
    return ""  # the demo runs on the embedded SQLite, as the README's main command does


@pytest.mark.milli_majlis
async def test_demo_sitting_runs_and_its_record_verifies(urna_services, tmp_path):
    from urna.api import DemoContext

    result = await run_sitting(DemoContext(reports_dir=tmp_path, services=urna_services))
    names = sorted(p.name for p in result.reports)
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
    await urna_services.ledger.export("parliament-sitting-1", tmp_path / "bundle")
    files = read_bundle(tmp_path / "bundle").files
    report = verify_files(files, bundle="s1", checks=[*core_checks(EVENT_TYPES),
                                                       *VERIFIER_CHECKS])
    assert report.ok, report.summary_lines()
