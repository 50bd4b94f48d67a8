"""The OpenCelliD reader: formats, validation with line numbers, filters."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from coverage_gaps.errors import BadRowsError, CoverageGapsWarning, InputError
from coverage_gaps.io.towers import as_of_timestamp, read_towers
from coverage_gaps.settings import TowerOptions
from tests.helpers import cell_row, write_cells

GOOD = [
    cell_row("GSM", 4, 11, 500_000, 2_400_000),
    cell_row("LTE", 2, 256 * 7 + 1, 501_000, 2_400_000, samples=2),
    cell_row("UMTS", 1, 65536 * 3 + 9, 502_000, 2_400_000, created=1_735_700_000),
    cell_row("NR", 4, (5 << 12) + 1, 503_000, 2_400_000),
    cell_row("CDMA", 1, 5, 504_000, 2_400_000, mcc=310),
]


def test_reads_header_and_types(tmp_path: Path) -> None:
    cells, report = read_towers(write_cells(GOOD, tmp_path / "c.csv"))
    assert len(cells) == 5 and report.rows == 5 and report.bad_rows == 0
    assert cells["radio"].tolist() == ["GSM", "LTE", "UMTS", "NR", "CDMA"]
    assert cells["cell"].dtype == "int64" and cells["lon"].dtype == "float64"
    assert cells["line"].tolist() == [2, 3, 4, 5, 6]


def test_headerless_and_gzip_give_the_same_cells(tmp_path: Path) -> None:
    plain, _ = read_towers(write_cells(GOOD, tmp_path / "c.csv"))
    bare = write_cells(GOOD, tmp_path / "bare.csv", header=False)
    gz = tmp_path / "c.csv.gz"
    gz.write_bytes(gzip.compress((tmp_path / "c.csv").read_bytes()))
    # gzip is detected from the content, not the name
    odd = tmp_path / "cells.dat"
    odd.write_bytes(gz.read_bytes())
    for path in (bare, gz, odd):
        cells, _ = read_towers(path)
        assert cells.drop(columns="line").equals(plain.drop(columns="line"))
    cells, _ = read_towers(bare)
    assert cells["line"].tolist() == [1, 2, 3, 4, 5]


def test_bad_rows_are_reported_with_line_numbers_and_skipped(tmp_path: Path) -> None:
    path = write_cells(GOOD, tmp_path / "c.csv")
    lines = path.read_text().splitlines()
    lines.insert(2, "LTE,452,4,1,99,1,105.1,91.5,100,1,1,1600000000,1600000000,0")  # line 3: lat
    lines.insert(4, "WIMAX,452,4,1,99,1,105.1,21.5,100,1,1,1600000000,1600000000,0")  # line 5
    lines.insert(6, "GSM,452,4,1")  # line 7: too few fields
    lines.insert(7, "GSM,452,4,1,abc,1,105.1,21.5,100,1,1,1600000000,1600000000,0")  # line 8
    lines.insert(8, "GSM,452,4,1,7,,0,0,100,1,1,1600000000,1600000000,0")  # line 9: (0,0)
    path.write_text("\n".join(lines) + "\n\n")  # and a trailing blank line, which is no row
    with pytest.warns(CoverageGapsWarning, match="skipped 5 of 10 rows") as rec:
        cells, report = read_towers(path)
    assert len(cells) == 5
    assert [line for line, _ in report.bad_examples] == [3, 5, 7, 8, 9]
    text = str(rec[0].message)
    assert "line 3: column 'lat': '91.5' is not a latitude" in text
    assert "line 5: column 'radio': 'WIMAX'" in text
    assert "line 7: 4 fields, expected 14" in text
    assert "line 8: column 'cell': 'abc' is not an integer" in text
    assert "line 9: lon/lat is (0, 0)" in text
    # the good rows keep their own line numbers
    assert cells["line"].tolist() == [2, 4, 6, 10, 11]


def test_bad_rows_fail_when_asked(tmp_path: Path) -> None:
    path = write_cells(GOOD, tmp_path / "c.csv")
    path.write_text(path.read_text() + "GSM,452,4,1,7,,105,xx,100,1,1,1600000000,1,0\n")
    with pytest.raises(BadRowsError, match=r"(?s)c\.csv: 1 of 6 rows.*line 7: column 'lat'"):
        read_towers(path, options=TowerOptions(bad_rows="fail"))


def test_only_the_first_twenty_bad_rows_are_listed(tmp_path: Path) -> None:
    path = write_cells(GOOD, tmp_path / "c.csv")
    path.write_text(path.read_text() + "FOO,1,1,1,1,1,1,1,1,1,1,1,1,1\n" * 30)
    with pytest.raises(BadRowsError) as err:
        read_towers(path, options=TowerOptions(bad_rows="fail"))
    assert "30 of 35 rows" in str(err.value)
    assert str(err.value).count("line ") == 20 and "... and 10 more" in str(err.value)


def test_filters(tmp_path: Path) -> None:
    path = write_cells(GOOD, tmp_path / "c.csv")
    cells, report = read_towers(path, options=TowerOptions(mcc=(452,)))
    assert len(cells) == 4 and report.dropped_mcc == 1
    cells, report = read_towers(path, options=TowerOptions(min_samples=5))
    assert 2 not in cells["samples"].tolist() and report.dropped_samples == 1
    # 1_735_700_000 is 2025-01-01 03:33 UTC: kept as of 2025-01-01, dropped as of 2024-12-31
    cells, _ = read_towers(path, options=TowerOptions(as_of="2025-01-01"))
    assert len(cells) == 5
    cells, report = read_towers(path, options=TowerOptions(as_of="2024-12-31"))
    assert len(cells) == 4 and report.dropped_as_of == 1
    assert as_of_timestamp("1970-01-01") == 86_399


def test_missing_and_wrong_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_towers(tmp_path / "nope.csv")
    wrong = tmp_path / "w.csv"
    wrong.write_text("radio,mcc,lon,lat\nGSM,452,105,21\n")
    with pytest.raises(InputError, match="expected the 14 OpenCelliD columns"):
        read_towers(wrong)
    broken = tmp_path / "b.csv.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(InputError, match=r"b\.csv\.gz"):
        read_towers(broken)
