"""``urna elections import-protocols`` on the 2012 file with four regions left empty: each
rejection names its row, column and cause, the summary counts them, ``--rejections`` writes
them all, and every other precinct is imported."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from urna_elections.importer import RU_2012_CANDIDATES


def test_empty_regions_are_named_row_by_row_with_their_cause_and_written_to_a_file(
    tmp_path, ru_2012_text, csv_tools, urna_command
):
    header, rows = csv_tools.sample_rows(ru_2012_text, every=100)
    regions = sorted({row[0] for row in rows})[:4]
    emptied = []
    for number, row in enumerate(rows, start=2):
        if row[0] in regions:
            row[3:-1] = [""] * (len(row) - 4)
            emptied.append(number)
    bad_cell = next(n for n, row in enumerate(rows, start=2) if row[0] not in regions)
    rows[bad_cell - 2][5] = "12a"
    archive = tmp_path / "2012.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("2012.csv", csv_tools.to_csv(header, rows))
    structure = tmp_path / "structure.json"
    structure.write_text(
        json.dumps(
            {
                "election": {
                    "code": "ru-2012",
                    "title": "Presidential election 2012",
                    "date": "2012-03-04",
                    "profile": "ru-2012-presidential",
                    "candidates": [{"id": c, "name": n} for c, n in RU_2012_CANDIDATES],
                },
                "commissions": [{"code": "cec", "name": "CEC", "kind": "central", "parent": ""}],
            }
        ),
        encoding="utf-8",
    )
    data = tmp_path / "data"
    assert urna_command("--data-dir", data, "init").returncode == 0
    made = urna_command("--data-dir", data, "elections", "import-structure", structure)
    assert made.returncode == 0, made.stderr
    written = tmp_path / "rejections.csv"
    result = urna_command(
        "--data-dir",
        data,
        "elections",
        "import-protocols",
        "ru-2012",
        archive,
        "--rejections",
        written,
    )
    assert result.returncode == 0, result.stderr
    good = len(rows) - len(emptied) - 1
    assert f"{len(rows)} rows read: imported {good} protocols, {len(emptied) + 1} rejected" in (
        result.stdout
    )
    assert f"{len(emptied)} × empty row" in result.stdout
    assert "1 × not a number" in result.stdout
    rejections = list(csv.DictReader(io.StringIO(written.read_text(encoding="utf-8"))))
    assert len(rejections) == len(emptied) + 1
    empty = [r for r in rejections if r["cause"] == "empty row"]
    assert [int(r["row"]) for r in empty] == emptied
    assert all(r["precinct"].split(":")[0] in regions for r in empty)
    (number,) = [r for r in rejections if r["cause"] == "not a number"]
    assert int(number["row"]) == bad_cell
    assert number["column"] == header[5]
    assert "'12a' is not a whole number" in number["problem"]
    # Without --rejections the first ones are printed, and nothing is imported twice.
    again = urna_command("--data-dir", data, "elections", "import-protocols", "ru-2012", archive)
    assert again.returncode == 0, again.stderr
    assert f"{good} × already counted" in again.stdout
    assert "  row 2 " in again.stdout
