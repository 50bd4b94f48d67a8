"""The OpenCelliD reader: formats, validation with line numbers, filters, reports."""

from __future__ import annotations

import contextlib
import gzip
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from coverage_gaps.cli.main import cli
from coverage_gaps.errors import (
    BadRowsError,
    CoverageGapsWarning,
    InputError,
    SelectionError,
    SettingsError,
)
from coverage_gaps.io import towers
from coverage_gaps.io.towers import (
    COLUMNS,
    as_of_timestamp,
    format_duration,
    parse_duration,
    read_towers,
)
from coverage_gaps.settings import TowerOptions
from tests.helpers import cell_row, run_args, write_cells

GOOD = [
    cell_row("GSM", 4, 11, 500_000, 2_400_000),
    cell_row("LTE", 2, 256 * 7 + 1, 501_000, 2_400_000, samples=2),
    cell_row("UMTS", 1, 65536 * 3 + 9, 502_000, 2_400_000, created=1_735_700_000),
    cell_row("NR", 4, (5 << 12) + 1, 503_000, 2_400_000),
    cell_row("CDMA", 1, 5, 504_000, 2_400_000, mcc=310),
]
HEADER = ",".join(COLUMNS)
#: A valid row; ``{}`` is its cell id.
ROW = "LTE,452,4,1,{},1,105.1,21.5,100,3,1,1700000000,1700000000,0"
AS_OF = TowerOptions(as_of="2025-06-01")  # GOOD is recent data as of this day


def read(path: Path, **options: object) -> tuple[pd.DataFrame, object]:
    """``read_towers`` as of 2024-01-01 (so that the rows above are not old data)."""
    kw = {"as_of": "2024-01-01", **options}
    return read_towers(path, options=TowerOptions(**kw))  # type: ignore[arg-type]


def write(path: Path, *lines: str | bytes, newline: bytes = b"\n") -> Path:
    data = [line if isinstance(line, bytes) else line.encode() for line in lines]
    path.write_bytes(newline.join(data) + newline)
    return path


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Ignore the reader's warnings (where a test is about something else)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoverageGapsWarning)
        yield


# -- formats ------------------------------------------------------------------------------------


def test_reads_header_and_types(tmp_path: Path) -> None:
    cells, report = read_towers(write_cells(GOOD, tmp_path / "c.csv"), options=AS_OF)
    assert len(cells) == 5 and report.rows == 5 and report.bad_rows == 0
    assert cells["radio"].tolist() == ["GSM", "LTE", "UMTS", "NR", "CDMA"]
    assert cells["line"].tolist() == [2, 3, 4, 5, 6]
    types = {c: str(t) for c, t in cells.dtypes.items()}
    assert types == {
        "radio": "str",
        "line": "int64",
        "mcc": "int64",
        "net": "int64",
        "area": "int64",
        "cell": "int64",
        "created": "int64",
        "unit": "Int64",
        "range": "float64",
        "samples": "int64",
        "changeable": "Int64",
        "updated": "Int64",
        "average_signal": "Int64",
        "lon": "float64",
        "lat": "float64",
    }
    # the values against the rows written (lon/lat through "%.7f", as write_cells writes them)
    assert cells["cell"].tolist() == [r["cell"] for r in GOOD]
    assert np.allclose(cells["lon"], [r["lon"] for r in GOOD], atol=5e-8, rtol=0)
    assert cells["created"].tolist() == [r["created"] for r in GOOD]


def test_headerless_and_gzip_give_the_same_cells(tmp_path: Path) -> None:
    plain, _ = read_towers(write_cells(GOOD, tmp_path / "c.csv"), options=AS_OF)
    bare = write_cells(GOOD, tmp_path / "bare.csv", header=False)
    gz = tmp_path / "c.csv.gz"
    gz.write_bytes(gzip.compress((tmp_path / "c.csv").read_bytes()))
    # gzip is detected from the content, not the name
    odd = tmp_path / "cells.dat"
    odd.write_bytes(gz.read_bytes())
    # two gzip members one after the other (cat a.gz b.gz) are one stream
    text = (tmp_path / "c.csv").read_bytes()
    half = text.index(b"\n", len(text) // 2) + 1
    multi = tmp_path / "multi.csv.gz"
    multi.write_bytes(gzip.compress(text[:half]) + gzip.compress(text[half:]))
    for path in (bare, gz, odd, multi):
        cells, _ = read_towers(path, options=AS_OF)
        assert cells.drop(columns="line").equals(plain.drop(columns="line"))
    cells, _ = read_towers(bare, options=AS_OF)
    assert cells["line"].tolist() == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("use_isal", [True, False])
def test_gzip_with_and_without_isal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_isal: bool
) -> None:
    if use_isal:
        pytest.importorskip("isal")
    monkeypatch.setattr(towers, "USE_ISAL", use_isal)
    text = ("\n".join([HEADER, *(ROW.format(i) for i in range(3000))]) + "\n").encode()
    path = tmp_path / "c.csv.gz"
    path.write_bytes(gzip.compress(text[:1000]) + gzip.compress(text[1000:]))  # two members
    cells, _ = read(path)
    assert cells["cell"].tolist() == list(range(3000))
    packed = gzip.compress(text)
    for damaged in (packed[:-50], packed[:300] + bytes(60) + packed[360:], packed + b"xx"):
        path.write_bytes(damaged)
        with pytest.raises(InputError, match="is a damaged or truncated gzip file"):
            read(path)


def test_bom_crlf_quotes_and_spaces(tmp_path: Path) -> None:
    quoted = '"LTE","452","4","1","2","","105.1","21.5","","","","1700000000","",""'
    path = write(
        tmp_path / "c.csv",
        b"\xef\xbb\xbf" + HEADER.encode(),
        ROW.format(1),
        quoted,
        " lte , 452 ,4,1,3,1, 105.1 ,21.5,100,3,1,1700000000,1700000000.0,0 ",
        newline=b"\r\n",
    )
    cells, report = read(path)
    assert report.bad_rows == 0 and cells["line"].tolist() == [2, 3, 4]
    assert cells["cell"].tolist() == [1, 2, 3] and cells["radio"].tolist() == ["LTE"] * 3
    second = cells.iloc[1]
    assert pd.isna(second["unit"]) and np.isnan(second["range"]) and second["samples"] == 0
    assert cells["updated"].tolist()[2] == 1_700_000_000  # "1700000000.0" is an integer
    # a quoted header is a header too; lone CR ends lines as well
    path = write(tmp_path / "q.csv", ",".join(f'"{c}"' for c in COLUMNS), ROW.format(4))
    assert read(path)[0]["cell"].tolist() == [4]
    path.write_bytes(f"{HEADER}\r{ROW.format(5)}\r{ROW.format(6)}".encode())
    cells, _ = read(path)
    assert cells["cell"].tolist() == [5, 6] and cells["line"].tolist() == [2, 3]


def test_line_numbers_stay_right_after_embedded_newlines(tmp_path: Path) -> None:
    # line 3 holds a quoted field over three lines (a bad unit): the next row is on line 6
    broken = 'LTE,452,4,1,2,"1\n2\r\n3",105.1,21.5,100,3,1,1700000000,1700000000,0'
    path = write(
        tmp_path / "c.csv", HEADER, ROW.format(1), broken, ROW.format(3), "", ROW.format(4)
    )
    with pytest.warns(CoverageGapsWarning, match="skipped 1 of 4 rows"):
        cells, report = read(path)
    assert report.bad_examples == [(3, "column 'unit': '1\\n2\\r\\n3' is not an integer")]
    assert cells["line"].tolist() == [2, 6, 8]
    # a quote that is never closed makes its own line bad, not the rest of the file
    unclosed = 'LTE,"452,4,1,2,1,105.1,21.5,100,3,1,1700000000,1700000000,0'
    path = write(tmp_path / "u.csv", HEADER, ROW.format(1), unclosed, ROW.format(3), ROW.format(4))
    with pytest.warns(CoverageGapsWarning, match="quoted field is not closed"):
        cells, report = read(path)
    assert [line for line, _ in report.bad_examples] == [3]
    assert cells["line"].tolist() == [2, 4, 5]


@pytest.mark.parametrize("block_size", [1, 7, 100, 513, 1 << 20])
def test_long_lines_and_unclosed_quotes_at_any_block_size(tmp_path: Path, block_size: int) -> None:
    long = ROW.format(2).replace(",1,105.1", "," + "9" * 2000 + ",105.1")
    over_lines = 'LTE,452,4,1,4,"1\n2\n3",105.1,21.5,100,3,1,1700000000,1700000000,0'
    unclosed = 'LTE,"452,4,1,5,1,105.1,21.5,100,3,1,1700000000,1700000000,0'
    rows = [ROW.format(1), long, ROW.format(3), over_lines, ROW.format(6), unclosed, ROW.format(7)]
    path = write(tmp_path / "c.csv", HEADER, *rows, ROW.format(8))
    with quiet():
        cells, report = read_towers(path, options=AS_OF, block_size=block_size, max_row_bytes=512)
    assert cells["cell"].tolist() == [1, 3, 6, 7, 8]
    assert cells["line"].tolist() == [2, 4, 8, 10, 11]
    assert [line for line, _ in report.bad_examples] == [3, 5, 9]
    long_why, lines_why, quote_why = (why for _, why in report.bad_examples)
    assert long_why.startswith("the line is longer than 512 bytes ('LTE,452,4,1,2,99999")
    assert long_why.endswith("…')")  # the row shown is shortened
    assert lines_why == "column 'unit': '1\\n2\\n3' is not an integer"
    assert quote_why.startswith("a quoted field is not closed within 512 bytes ('LTE,\"452")


def test_a_second_export_with_its_own_byte_order_mark(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    path = write(tmp_path / "c.csv", bom + HEADER.encode(), ROW.format(1), bom + HEADER.encode())
    path.write_bytes(path.read_bytes() + bom + ROW.format(2).encode())
    cells, report = read(path)
    assert cells["cell"].tolist() == [1, 2] and report.repeated_headers == 1


# -- bad rows -----------------------------------------------------------------------------------


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
        cells, report = read_towers(path, options=AS_OF)
    assert len(cells) == 5
    assert [line for line, _ in report.bad_examples] == [3, 5, 7, 8, 9]
    text = "\n".join(str(w.message) for w in rec)
    assert "line 3: column 'lat': '91.5' is not a latitude" in text
    assert "line 5: column 'radio': 'WIMAX'" in text
    assert "line 7: 4 fields, expected 14 ('GSM,452,4,1')" in text
    assert "line 8: column 'cell': 'abc' is not an integer" in text
    assert "line 9: lon/lat is (0, 0)" in text
    # the good rows keep their own line numbers
    assert cells["line"].tolist() == [2, 4, 6, 10, 11]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("105.1", "inf"), "column 'lon': 'inf' is not a longitude in [-180, 180]"),
        (("21.5", "nan"), "column 'lat': 'nan' is not a latitude in [-90, 90]"),
        (("105.1", "1e308"), "column 'lon': '1e308' is not a longitude"),
        (("105.1", "0x10"), "column 'lon': '0x10' is not a longitude"),
        ((",100,", ",-5,"), "column 'range': '-5' is not a range in metres"),
        ((",100,", ",1000001,"), "column 'range': '1000001' is not a range in metres"),
        ((",100,", ",1e308,"), "column 'range': '1e308' is not a range"),
        ((",3,1,17", ",3,2,17"), "column 'changeable': '2' is not 0 or 1"),
        ((",3,1,", ",-3,1,"), "column 'samples': '-3' is not a number of samples"),
        (("LTE,452,4,", "LTE,452,1000,"), "column 'net': '1000' is not a network code"),
        (("LTE,452,", "LTE,0,"), "column 'mcc': '0' is not a mobile country code"),
        (("LTE,452,", "LTE,,"), "column 'mcc' is empty; it is required"),
        ((",4,1,7,", ",4,-1,7,"), "column 'area': '-1' is not an area code"),
        ((",7,1,", f",{2**36},1,"), "column 'cell': '68719476736' is not a cell id"),
        ((",7,1,", ",7.5,1,"), "column 'cell': '7.5' is not an integer"),
        ((",7,1,", ",1e3,1,"), "column 'cell': '1e3' is not an integer"),
        ((",7,1,", ",99999999999999999999,1,"), "column 'cell': '99999999999999999999' is not"),
        ((",1700000000,0", ",1700000000000000,0"), "column 'updated': '1700000000000000' is not"),
        ((",7,1,", ',"7""",1,'), "column 'cell': '7\"' is not an integer"),
        ((",7,1,", ',"7"x,1,'), "column 'cell': text after the closing quote"),
        (("LTE,", "WiMAX,"), "column 'radio': 'WiMAX' is not one of GSM, UMTS, LTE, NR, CDMA"),
        ((",7,1,", ",７,1,"), "column 'cell': '７' is not an integer"),  # a full-width digit
        ((",7,1,", "," + "8" * 100 + ",1,"), "column 'cell': '" + "8" * 40 + "…' is not"),
    ],
)
def test_bad_values(tmp_path: Path, change: tuple[str, str], problem: str) -> None:
    row = ROW.format(7)
    assert change[0] in row
    path = write(tmp_path / "c.csv", HEADER, ROW.format(1), row.replace(change[0], change[1], 1))
    with pytest.raises(BadRowsError) as err:
        read(path, bad_rows="fail")
    assert f"line 3: {problem}" in str(err.value)


def test_cdma_network_ids_go_higher(tmp_path: Path) -> None:
    # CDMA's "net" is the system id (15 bits), not a 3-digit MNC
    path = write(tmp_path / "c.csv", HEADER, ROW.format(1).replace("LTE,452,4,", "CDMA,310,4139,"))
    assert read(path)[0]["net"].tolist() == [4139]


def test_one_undecodable_byte_makes_one_row_bad(tmp_path: Path) -> None:
    bad = ROW.format(2).encode().replace(b",2,", b",2\xff3,")
    path = write(tmp_path / "c.csv", HEADER, ROW.format(1), bad, ROW.format(3))
    with pytest.warns(CoverageGapsWarning, match="skipped 1 of 3"):
        cells, report = read(path)
    assert cells["cell"].tolist() == [1, 3]
    assert report.bad_examples == [(3, "column 'cell': '2�3' holds bytes that are not UTF-8 text")]
    # also in the radio column, and with --bad-rows fail
    bad = ROW.format(2).encode().replace(b"LTE", b"L\xe9TE")
    write(tmp_path / "c.csv", HEADER, ROW.format(1), bad)
    with pytest.raises(BadRowsError, match="line 3: column 'radio': 'L�TE' holds bytes"):
        read(path, bad_rows="fail")


def test_field_counts_name_the_line_and_other_separators(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", HEADER, ROW.format(1), ROW.format(2) + ",5", ROW.format(3))
    with pytest.raises(BadRowsError, match=r"line 3: 15 fields, expected 14 \('LTE,452"):
        read(path, bad_rows="fail")
    write(tmp_path / "c.csv", HEADER, ROW.format(1), ROW.format(2).replace(",", ";"))
    with pytest.raises(BadRowsError, match=r"line 3: 1 field, .*13 semicolons"):
        read(path, bad_rows="fail")


def test_bad_rows_fail_stops_at_the_first_bad_row(tmp_path: Path) -> None:
    rows = [ROW.format(i) for i in range(1, 2001)]
    rows[4] = rows[4].replace("21.5", "xx")  # line 6
    text = "\n".join([HEADER, *rows]).encode()
    path = tmp_path / "c.csv.gz"
    # the end of the file is damaged: reading it all would fail with another error
    path.write_bytes(gzip.compress(text)[:-40])
    seen: list[tuple[int, int]] = []
    options = TowerOptions(bad_rows="fail", as_of="2024-01-01")
    with pytest.raises(BadRowsError) as err:
        read_towers(
            path,
            options=options,
            progress=lambda r, b: seen.append((r, b)),
            block_size=4096,
            max_row_bytes=512,
        )
    assert str(err.value).startswith(f"{path}: line 6: column 'lat': 'xx' is not a latitude")
    assert "--bad-rows skip" in str(err.value)
    assert all(rows < 100 for rows, _ in seen)  # stopped within the first blocks
    # skipping, the damage is found and named
    with pytest.raises(InputError, match="damaged or truncated gzip"):
        read_towers(path, block_size=4096)


@pytest.mark.parametrize("name", ["block_size", "max_row_bytes", "rows_per_call"])
@pytest.mark.parametrize("value", [0, -4096, 1.5, True])
def test_read_sizes_must_be_positive_whole_numbers(
    tmp_path: Path, name: str, value: object
) -> None:
    path = write_cells(GOOD, tmp_path / "c.csv")
    want = f"{value!r} is not a whole number of at least 1 [read_towers.{name}]"
    with pytest.raises(ValueError, match=f"^{re.escape(want)}$"):
        read_towers(path, **{name: value})  # type: ignore[arg-type]


def test_only_the_first_twenty_bad_rows_are_listed(tmp_path: Path) -> None:
    path = write_cells(GOOD, tmp_path / "c.csv")
    path.write_text(path.read_text() + "FOO,1,1,1,1,1,1,1,1,1,1,1,1,1\n" * 30)
    with pytest.warns(CoverageGapsWarning) as rec:
        _, report = read_towers(path, options=AS_OF)
    text = str(rec[0].message)
    assert "skipped 30 of 35 rows" in text and report.bad_rows == 30
    assert text.count("line ") == 20 and "... and 10 more" in text
    assert [line for line, _ in report.bad_examples] == list(range(7, 27))


def test_missing_and_wrong_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_towers(tmp_path / "nope.csv")
    wrong = tmp_path / "w.csv"
    wrong.write_text("radio,mcc,lon,lat\nGSM,452,105,21\n")
    with pytest.raises(InputError, match="expected the 14 OpenCelliD columns"):
        read_towers(wrong)
    header = "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated"
    row = "GSM,452,4,1,1,0,105,21,1000,3,1,1600000000,1700000000"
    for text, says in (
        (f"{header}\n{row}\n", "header: column averageSignal missing;"),
        (f"{header.replace(',lat', '')},averageSignal\n", "header: column lat missing;"),
        (f"{header},averageSignal,tac\n", "header: unexpected column tac;"),
        (f"{header.replace('lon,lat', 'lat,lon')},averageSignal\n", "in another order (radio,"),
    ):
        wrong.write_text(text)
        with pytest.raises(InputError, match=re.escape(says)):
            read_towers(wrong)
    broken = tmp_path / "b.csv.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(InputError, match=r"b\.csv\.gz"):
        read_towers(broken)
    zipped = tmp_path / "z.csv"
    zipped.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(InputError, match="is a zip archive"):
        read_towers(zipped)
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["radio", "mcc"])
    book.save(tmp_path / "t.xlsx")
    with pytest.raises(InputError, match=r"t\.xlsx: is an Excel workbook, not a CSV: save"):
        read_towers(tmp_path / "t.xlsx")
    with zipfile.ZipFile(tmp_path / "t.ods", "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(InputError, match="is an OpenDocument spreadsheet, not a CSV"):
        read_towers(tmp_path / "t.ods")


# -- timestamps, duplicates ---------------------------------------------------------------------


def test_milliseconds_are_converted_with_a_warning(tmp_path: Path) -> None:
    ms = ROW.format(2).replace("1700000000,1700000000", "1700000000123,1700000999999")
    path = write(tmp_path / "c.csv", HEADER, ROW.format(1), ms)
    with pytest.warns(CoverageGapsWarning, match=r"1 row \(the first at line 3\).*milliseconds"):
        cells, report = read(path)
    assert cells["created"].tolist() == [1_700_000_000, 1_700_000_000]
    assert cells["updated"].tolist() == [1_700_000_000, 1_700_000_999]
    assert report.millisecond_rows == 1
    assert "1 row had created/updated in milliseconds" in report.summary_lines()[1]


def test_exact_duplicates_and_repeated_headers(tmp_path: Path) -> None:
    rows = [ROW.format(i) for i in (1, 2, 3)]
    # an export concatenated twice, and one row repeated with other spelling of the same values
    again = rows[2].replace(",452,", ", 452 ,").replace("105.1", "105.10")
    path = write(tmp_path / "c.csv", HEADER, *rows, HEADER, *rows, again, ROW.format(4))
    with pytest.warns(CoverageGapsWarning, match="dropped 4 exact duplicate rows"):
        cells, report = read(path)
    assert cells["cell"].tolist() == [1, 2, 3, 4] and cells["line"].tolist() == [2, 3, 4, 10]
    assert report.duplicates == 4 and report.repeated_headers == 1 and report.rows == 8
    # the same cell with another value is no duplicate
    other = ROW.format(1).replace(",100,3,", ",101,3,")
    write(path, HEADER, ROW.format(1), other)
    assert len(read(path)[0]) == 2


# -- filters, data age, empty results -----------------------------------------------------------


def test_filters(tmp_path: Path) -> None:
    path = write_cells(GOOD, tmp_path / "c.csv")
    cells, report = read_towers(path, options=TowerOptions(mcc=(452,), as_of="2025-06-01"))
    assert len(cells) == 4 and report.dropped_mcc == 1
    cells, report = read_towers(path, options=TowerOptions(min_samples=5, as_of="2025-06-01"))
    assert 2 not in cells["samples"].tolist() and report.dropped_samples == 1
    # 1_735_700_000 is 2025-01-01 03:33 UTC: kept as of 2025-01-01, dropped as of 2024-12-31
    with quiet():
        cells, _ = read_towers(path, options=TowerOptions(as_of="2025-01-01"))
        assert len(cells) == 5
        cells, report = read_towers(path, options=TowerOptions(as_of="2024-12-31"))
    assert len(cells) == 4 and report.dropped_as_of == 1
    assert as_of_timestamp("1970-01-01") == 86_399


def test_summary_lines_count_every_filter(tmp_path: Path) -> None:
    rows = [
        ROW.format(1),
        ROW.format(2).replace(",452,", ",214,"),
        ROW.format(3).replace(",452,", ",214,"),
        ROW.format(4).replace(",100,3,", ",100,1,"),
        ROW.format(5).replace("21.5", "95"),
        ROW.format(6).replace("1700000000,1700000000", "1500000000,1500000000"),  # 2017
        ROW.format(7).replace("1700000000,1700000000", "1500000000,"),  # updated empty
        ROW.format(8).replace("1700000000,1700000000", "1500000000,1690000000"),
        ROW.format(9),
    ]
    path = write(tmp_path / "towers.csv", HEADER, *rows)
    options = {"mcc": (452,), "min_samples": 2, "max_age_days": parse_duration("2y")}
    with pytest.warns(CoverageGapsWarning, match="skipped 1 of 9"):
        cells, report = read(path, **options)
    assert cells["cell"].tolist() == [1, 8, 9]
    assert report.summary_lines() == [
        "towers.csv: 9 rows read; 1 bad; 2 dropped by --mcc 452; 1 dropped by --min-samples 2; "
        "0 dropped by --as-of 2024-01-01; 2 dropped by --max-age 2y; kept 3 cells"
    ]
    assert report.mccs == {452: 6, 214: 2}


def test_durations() -> None:
    assert parse_duration("5y") == 5 * 365.25
    assert parse_duration("18m") == 18 * 365.25 / 12
    assert parse_duration(" 90d ") == 90.0 == parse_duration("90 days")
    assert parse_duration("2w") == 14.0 and parse_duration("1.5Y") == 1.5 * 365.25
    for text in ("5", "y", "-5y", "0d", "5x", "5 y 3 d", ""):
        with pytest.raises(SettingsError, match="is not a duration"):
            parse_duration(text)
    for text in ("5y", "18m", "2w", "90d", "1.5d"):
        assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)
    with pytest.raises(SettingsError, match=r"TowerOptions\.max_age_days"):
        TowerOptions(max_age_days=-1)
    with pytest.raises(SettingsError, match=r"TowerOptions\.max_age_days"):
        TowerOptions(max_age_days=float("nan"))


def test_max_age_counts_from_the_as_of_date(tmp_path: Path) -> None:
    day = 86_400
    as_of_end = as_of_timestamp("2024-01-01")
    ages = [10, 89, 91, 400]  # days before the end of 2024-01-01
    rows = [
        ROW.format(i).replace("1700000000,1700000000", f"1600000000,{as_of_end - a * day}")
        for i, a in enumerate(ages)
    ]
    # no "updated": last seen when created
    rows.append(ROW.format(9).replace("1700000000,1700000000", f"{as_of_end - 5 * day},"))
    path = write(tmp_path / "c.csv", HEADER, *rows)
    cells, report = read(path, max_age_days=90.0)
    assert cells["cell"].tolist() == [0, 1, 9] and report.dropped_age == 2


def test_old_data_is_warned_about(tmp_path: Path) -> None:
    # The newest observation is 2023-11-14: old as of 2025-06-01, not as of 2024-01-01.
    path = write(tmp_path / "c.csv", HEADER, ROW.format(1), ROW.format(2).replace(",452,", ",214,"))
    with pytest.warns(CoverageGapsWarning, match=r"(?s)newest observation of MCC 452.*March 2024"):
        read(path, as_of="2025-06-01", mcc=(452,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read(path)


def test_runs_that_find_nothing_fail_and_say_why(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        HEADER,
        *[ROW.format(i) for i in range(3)],
        ROW.format(9).replace(",452,", ",214,"),
    )
    with pytest.raises(SelectionError) as err:
        read(path, mcc=(425,))
    assert str(err.value) == (
        f"{path}: --mcc 425 matches no row; MCCs in the file: 452 (3 rows), 214 (1 row)"
    )
    with pytest.raises(SelectionError, match=r"--min-samples 50 drops all 3 .*most samples .* 3$"):
        read(path, mcc=(452,), min_samples=50)
    with pytest.raises(SelectionError, match=r"--as-of 2020-01-01 drops all 4 .* 2023-11-14"):
        read(path, as_of="2020-01-01")
    with pytest.raises(SelectionError, match=r"--max-age 1y drops .*2023-11-14.*March 2024"):
        read(path, as_of="2025-06-01", max_age_days=365.25)
    # A file with no usable row is a fault of the input (exit 1), not of a selection.
    write(path, HEADER)
    with pytest.raises(InputError, match=r"holds no rows \(only a header line"):
        read(path)
    path.write_bytes(b"")
    with pytest.raises(InputError, match="the file is empty"):
        read(path)
    path.write_bytes(b"\n\r\n")
    with pytest.raises(InputError, match="only blank lines"):
        read(path)
    write(path, HEADER.replace(",", ";"), *[ROW.format(i).replace(",", ";") for i in range(3)])
    with pytest.raises(InputError, match=r"none of its 4 rows .* separated by semicolons"):
        read(path)
    swapped = [ROW.format(i).replace("105.1,21.5", "21.5,105.1") for i in range(3)]
    write(path, HEADER, *swapped)
    with pytest.raises(InputError, match="lon and lat columns swapped"), quiet():
        read(path)
    write(path, HEADER, *[ROW.format(i).replace("LTE", "WIMAX") for i in range(3)])
    with pytest.raises(InputError, match=r"most often \(3 rows\) an unknown radio"), quiet():
        read(path)


def test_progress_is_called_back(tmp_path: Path) -> None:
    rows = [ROW.format(i) for i in range(5000)]
    path = tmp_path / "c.csv.gz"
    path.write_bytes(gzip.compress("\n".join([HEADER, *rows]).encode()))
    seen: list[tuple[int, int]] = []
    with pytest.warns(CoverageGapsWarning, match="the newest observation is from 2023-11-14"):
        read_towers(
            path, options=AS_OF, progress=lambda r, b: seen.append((r, b)), block_size=20_000
        )
    assert len(seen) > 5
    assert [r for r, _ in seen] == sorted(r for r, _ in seen) and seen[-1][0] == 5000
    assert [b for _, b in seen] == sorted(b for _, b in seen)
    assert seen[-1][1] == path.stat().st_size


def test_the_command_line_shows_the_reading_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from coverage_gaps.cli.common import CliProgress

    path = write(tmp_path / "c.csv", "x" * 2_000_000)
    show = CliProgress(quiet=False).reading(path, every_s=0.0)
    show(123_456, 500_000)
    assert capsys.readouterr().err.startswith("  0.1 M rows, 0.00 of 0.00 GB (25 %), ")
    CliProgress(quiet=True).reading(path, every_s=0.0)(1, 1)
    assert capsys.readouterr().err == ""


def test_command_line_max_age_and_empty_selection(tiny_world: dict, tmp_path: Path) -> None:
    args = run_args(tiny_world, tmp_path / "o")
    result = CliRunner().invoke(cli, [*args, "--max-age", "5 parsecs"])
    assert result.exit_code == 2 and "'5 parsecs' is not a duration" in result.output
    result = CliRunner().invoke(cli, ["-q", *args, "--mcc", "425"])
    assert result.exit_code == 2, result.output
    assert "--mcc 425 matches no row; MCCs in the file: 452 (3 rows)" in result.output
    result = CliRunner().invoke(cli, [*args, "--max-age", "1y", "--as-of", "2021-01-01"])
    assert result.exit_code == 0, result.output
    assert "towers.csv: 3 rows read; 0 bad; 0 dropped by --as-of 2021-01-01; " in result.output
    assert "0 dropped by --max-age 1y; kept 3 cells" in result.output
