"""The 2012 Russian presidential protocols: import, law checks, totals equal to the file's sums."""

from __future__ import annotations

import copy
import csv
import io

import pytest
from urna_elections.importer import import_protocols, ru_2012_mapping
from urna_elections.results import compute


def expected_sums(header, rows):
    mapping = ru_2012_mapping(header)
    columns = {
        **{f"line {k}": v for k, v in mapping.lines.items()},
        **{f"votes {k}": v for k, v in mapping.votes.items()},
    }
    index = {name: header.index(column) for name, column in columns.items()}
    national = dict.fromkeys(index, 0)
    regions: dict[str, dict[str, int]] = {}
    for row in rows:
        region = regions.setdefault(row[0], dict.fromkeys(index, 0))
        for name, i in index.items():
            national[name] += int(row[i])
            region[name] += int(row[i])
    return national, regions


def as_flat(total):
    return {
        **{f"line {k}": v for k, v in total["lines"].items()},
        **{f"votes {k}": v for k, v in total["votes"].items()},
    }


async def import_and_check(ledger, election, header, rows, csv_tools, record_verifies):
    text = csv_tools.to_csv(header, rows)
    report = await import_protocols(
        ledger, election, "2012.csv", text.encode(), text, ru_2012_mapping(header)
    )
    assert report.rejected == ()
    assert report.imported == len(rows)
    results = await compute(election)
    national, regions = expected_sums(header, rows)
    central = results.totals["cec"]
    assert as_flat(central) == national
    assert central["received"] == central["expected"] == len(rows)
    by_name = {c.name: code for code, c in results.commissions.items() if c.kind == "region"}
    assert set(by_name) == set(regions)
    for name, sums in regions.items():
        assert as_flat(results.totals[by_name[name]]) == sums, name
    await record_verifies(ledger, election.scope)


async def test_sample_of_the_2012_file_imports_with_totals_equal_to_column_sums(
    urna_services, ru_2012_election, ru_2012_text, csv_tools, record_verifies
):
    header, rows = csv_tools.sample_rows(ru_2012_text, every=60)
    await import_and_check(
        urna_services.ledger, ru_2012_election, header, rows, csv_tools, record_verifies
    )


@pytest.mark.slow
async def test_all_95415_protocols_import_with_totals_equal_to_column_sums(
    urna_services, ru_2012_election, ru_2012_text, csv_tools, record_verifies
):
    header, rows = csv_tools.sample_rows(ru_2012_text, every=1)
    assert len(rows) == 95_415
    await import_and_check(
        urna_services.ledger, ru_2012_election, header, rows, csv_tools, record_verifies
    )


# (line to change, delta, the one ratio that must be named)
CORRUPTIONS = [
    ("2", +1, "RU12-2"),
    ("9", +3, "RU12-3"),
    ("19", +1, "RU12-4"),
    ("1", -(10**6), "RU12-1"),
]


async def test_corrupting_one_line_rejects_exactly_those_protocols_naming_the_ratio(
    urna_services, ru_2012_election, ru_2012_text, csv_tools
):
    header, rows = csv_tools.sample_rows(ru_2012_text, every=200)
    rows = copy.deepcopy(rows)
    corrupted = {}
    for n, (line, delta, ratio) in enumerate(CORRUPTIONS):
        row = rows[10 + 37 * n]
        column = 2 + int(line) if int(line) <= 18 else 21 + (int(line) - 19)
        row[column] = str(max(0, int(row[column]) + delta))
        corrupted[(row[0], row[1], row[2])] = ratio
    text = csv_tools.to_csv(header, rows)
    report = await import_protocols(
        urna_services.ledger,
        ru_2012_election,
        "x.csv",
        text.encode(),
        text,
        ru_2012_mapping(header),
    )
    assert report.imported == len(rows) - len(CORRUPTIONS)
    assert len(report.rejected) == len(CORRUPTIONS)
    rows_by_number = {n: row for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)}
    for rejected in report.rejected:
        row = rows_by_number[rejected.row]
        ratio = corrupted[(row[0], row[1], row[2])]
        assert len(rejected.problems) == 1, rejected.problems
        assert rejected.problems[0].startswith(f"control ratio {ratio} fails"), rejected.problems
        assert "left" in rejected.problems[0]
        assert "right" in rejected.problems[0]
