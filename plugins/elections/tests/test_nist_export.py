"""The NIST SP 1500-100 v2 export validates against NIST's own schema (read from the shared
data, never copied) and Urna's checks of ids, references and sums catch what the schema cannot."""

from __future__ import annotations

import copy
import importlib.util

import pytest
from urna_elections.importer import import_protocols, ru_2012_mapping
from urna_elections.nist import check_nist, nist_report
from urna_elections.results import compute


@pytest.fixture
async def report(urna_services, ru_2012_election, ru_2012_text, csv_tools):
    ledger, election = urna_services.ledger, ru_2012_election
    header, rows = csv_tools.sample_rows(ru_2012_text, every=500)
    text = csv_tools.to_csv(header, rows)
    await import_protocols(
        ledger, election, "2012.csv", text.encode(), text, ru_2012_mapping(header)
    )
    results = await compute(election)
    return nist_report(results, generated="2012-03-05T12:00:00Z", election_date="2012-03-04")


def test_the_schema_validator_is_installed():
    assert importlib.util.find_spec("jsonschema_rs") is not None


async def test_the_export_passes_the_schema_and_urnas_checks(report, nist_schema):
    assert check_nist(report, nist_schema) == []


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
async def test_each_kind_of_damage_is_named(report, nist_schema, damage, complaint):
    broken = copy.deepcopy(report)
    damage(broken)
    problems = check_nist(broken, nist_schema)
    assert any(complaint in problem for problem in problems), problems
