"""The NIST SP 1500-100 v2 export validates against NIST's own schema (read from the shared
data, never copied) and Urna's checks of ids, references and sums catch what the schema cannot."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest
from urna.testing import require_component
from urna_elections.importer import RU_2012_CANDIDATES, import_protocols, ru_2012_mapping
from urna_elections.law import load_builtin
from urna_elections.publish import check_nist, nist_report
from urna_elections.results import compute
from urna_elections.structure import add_commissions, create_election

SCHEMA = (
    Path(__file__).resolve().parents[3].parent
    / "shared/data/nist/NIST_V2_election_results_reporting.json"
)


@pytest.fixture
def schema() -> Path:
    if not SCHEMA.exists():
        require_component("shared-data", f"{SCHEMA} is not available")
    return SCHEMA


@pytest.fixture
async def report(urna_services, ru_2012_text, csv_tools):
    ledger = urna_services.ledger
    election = await create_election(
        ledger,
        code="ru-2012",
        title="Presidential election 2012",
        kind="presidential",
        date="2012-03-04",
        profile=load_builtin("ru-2012-presidential"),
        candidates=[{"id": cid, "name": name} for cid, name in RU_2012_CANDIDATES],
    )
    await add_commissions(
        ledger,
        election,
        [{"code": "cec", "name": "Central Election Commission", "kind": "central"}],
    )
    header, rows = csv_tools.sample_rows(ru_2012_text, every=500)
    text = csv_tools.to_csv(header, rows)
    await import_protocols(
        ledger, election, "2012.csv", text.encode(), text, ru_2012_mapping(header)
    )
    results = await compute(election)
    return nist_report(results, generated="2012-03-05T12:00:00Z", election_date="2012-03-04")


def test_jsonschema_is_installed():
    assert importlib.util.find_spec("jsonschema") is not None


async def test_the_export_passes_the_schema_and_urnas_checks(report, schema):
    assert check_nist(report, schema) == []


def first_selection(report):
    return report["Election"][0]["Contest"][0]["ContestSelection"][0]


@pytest.mark.parametrize(
    ("damage", "complaint"),
    [
        (lambda r: r.update(Unknown=1), "schema"),
        (lambda r: r["GpUnit"][1].update({"@id": r["GpUnit"][0]["@id"]}), "is used 2 times"),
        (
            lambda r: r["GpUnit"][0].setdefault("ComposingGpUnitIds", []).append("gp-nowhere"),
            "unknown unit gp-nowhere",
        ),
        (
            lambda r: first_selection(r)["VoteCounts"][0].update(
                Count=first_selection(r)["VoteCounts"][0]["Count"] + 1
            ),
            "but its units sum to",
        ),
    ],
    ids=["unknown-field", "duplicate-id", "dangling-reference", "sum-off-by-one"],
)
async def test_each_kind_of_damage_is_named(report, schema, damage, complaint):
    broken = copy.deepcopy(report)
    damage(broken)
    problems = check_nist(broken, schema)
    assert any(complaint in problem for problem in problems), problems
