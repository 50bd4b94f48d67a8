"""The workbooks, read back with openpyxl (and LibreOffice when installed)."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from coverage_gaps.outputs import labels
from coverage_gaps.outputs.workbooks import RunStamp, write_area_workbooks, write_workbook
from tests.outputs_support import NAMES, THRESHOLDS, small_area, target
from tests.test_outputs_csv import soffice_convert

STAMP = RunStamp(datetime(2025, 9, 30, 14, 5, 0), "9.8.7")


def cells(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows()]


def no_formula(book) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("books")
    vi = write_area_workbooks(small_area(), target(folder / "vi"))
    en = write_area_workbooks(small_area(), target(folder / "en", lang="en"))
    return {"vi-fix": vi[0], "vi-all": vi[1], "en-fix": en[0], "en-all": en[1]}


def test_villages_workbook_types_formats_and_layout(books: dict[str, Path]) -> None:
    assert books["vi-all"].name == "lao-cai-villages.xlsx"
    book = openpyxl.load_workbook(books["vi-all"])
    assert book.sheetnames == ["Thôn", "Giải thích"]
    no_formula(book)
    sheet = book["Thôn"]
    rows = cells(sheet)
    header = [c.value for c in rows[0]]
    assert header[:4] == ["Thứ tự ưu tiên", "Mã thôn", "Tên thôn", "Xã/phường"]
    pos = {h: i for i, h in enumerate(header)}
    keys = ("village_id", "village_name", "status", "reason", "covered_share", "area_km2")
    keys += ("uncovered_population", "nearest_site_m", "priority", "lon")
    by = {k: [r[pos[labels.column_label(k, "vi")]] for r in rows[1:]] for k in keys}
    # ids are text with their zeros, names as given (the formula-like one as plain text)
    assert [c.value for c in by["village_id"]] == ["001", "002", "003", "004", "005", "006"]
    assert all(c.data_type == "s" and c.number_format == "@" for c in by["village_id"])
    assert [c.value for c in by["village_name"]] == list(NAMES)
    evil = by["village_name"][2]
    assert evil.data_type == "s" and evil.quotePrefix
    # statuses and reasons in words
    dead, partial = "Vùng lõm sóng", "Phủ sóng một phần"
    assert [c.value for c in by["status"]] == [
        "Có sóng", partial, dead, dead, "Chưa có điện", dead
    ]  # fmt: skip
    assert by["reason"][2].value == "khu vực ngoài tầm phủ của các trạm BTS"
    assert by["reason"][4].value is None  # no reason: an empty cell, not ""
    # figures are numbers with formats, equal to the CSV's rounded figures
    table = small_area().villages
    share = by["covered_share"]
    assert all(isinstance(c.value, float | int) for c in share[:4]) and share[4].value is None
    assert [c.value for c in share[:4]] == pytest.approx(table["covered_share"].round(3)[:4])
    assert {c.number_format for c in share if c.value is not None} == {"0.0%"}
    assert {c.number_format for c in by["area_km2"]} == {"#,##0.00"}
    people = by["uncovered_population"]
    assert all(isinstance(c.value, int) for c in people) and people[0].number_format == "#,##0"
    assert [c.value for c in people] == table["uncovered_population"].round().astype(int).tolist()
    assert all(isinstance(c.value, int) for c in by["nearest_site_m"])
    assert [c.value for c in by["priority"]] == [None, 4, 1, 2, None, 3]
    assert by["lon"][0].number_format == "0.000000"
    # frozen header (with id and name), autofilter over the table, widths from the content
    assert sheet.freeze_panes == "D2"
    assert sheet.auto_filter.ref == f"A1:{rows[0][-1].column_letter}7"
    name_width = sheet.column_dimensions["C"].width
    assert max(len(n) for n in NAMES) + 2 <= name_width <= 60
    assert sheet.column_dimensions["A"].width < name_width
    assert sheet.print_title_rows == "$1:$1"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("vi", ["thấp", "có", "không", "mô hình", "Có sóng", "Phủ sóng một phần", None]),
        ("en", ["low", "yes", "no", "model", "Covered", "Partial coverage", None]),
    ],
)
def test_machine_words_are_read_in_the_run_s_language(
    books: dict[str, Path], lang: str, words: list
) -> None:
    """Confidence, the models' agreement, the status source and the model's status are words
    of the workbook's language, not the CSV's machine words (``low``, ``True``, ``model``,
    ``dead_zone``)."""
    low, yes, no, model, covered, partial, empty = words
    sheet = openpyxl.load_workbook(books[f"{lang}-all"]).worksheets[0]
    rows = cells(sheet)
    pos = {c.value: i for i, c in enumerate(rows[0])}

    def column(key: str) -> list:
        return [r[pos[labels.column_label(key, lang)]].value for r in rows[1:]]

    assert column("confidence") == [low, low, low, low, empty, low]
    assert column("models_agree") == [yes, no, no, no, yes, no]
    assert set(column("status_source")) == {model}
    assert column("model_status")[:2] == [covered, partial]


def test_to_fix_workbook_is_the_gaps_most_urgent_first(books: dict[str, Path]) -> None:
    sheet = openpyxl.load_workbook(books["vi-fix"])["Cần xử lý"]
    rows = cells(sheet)[1:]
    assert [r[0].value for r in rows] == [1, 2, 3, 4]
    assert [r[1].value for r in rows] == ["003", "004", "006", "002"]
    assert sheet.auto_filter.ref.endswith("5")


def test_english_workbook(books: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(books["en-all"])
    assert book.sheetnames == ["Villages", "Explanation"]
    header = [c.value for c in next(book["Villages"].iter_rows())]
    assert header[:3] == ["Priority", "Village id", "Village"]
    assert "Best signal (dBm)" not in header  # empty without a propagation model
    statuses = [r[7].value for r in book["Villages"].iter_rows(min_row=2)]
    assert statuses[:3] == ["Covered", "Partial coverage", "Dead zone"]


def test_explanation_sheet_has_every_column_status_reason_and_the_thresholds(
    books: dict[str, Path],
) -> None:
    book = openpyxl.load_workbook(books["en-all"])
    header = [c.value for c in next(book["Villages"].iter_rows())]
    text = [[c.value for c in row] for row in book["Explanation"].iter_rows()]
    flat = [v for row in text for v in row if v is not None]
    for head in header:
        assert head in flat
    for machine in (*labels.STATUSES, *labels.REASONS):
        assert machine in flat
    # the run's own thresholds (15 % / 85 %), not the defaults
    assert THRESHOLDS.dead_zone == 0.15
    assert any("less than 15%" in str(v) and "from 85%" in str(v) for v in flat)
    partial = next(row for row in text if row[1] == "partial")
    assert "15% to 85%" in partial[2]
    date_row = next(r for r in book["Explanation"].iter_rows() if r[0].value == "Date of the run")
    assert date_row[1].is_date and date_row[1].value.date() == date.today()


def test_stamp_in_properties_and_dates_as_dates(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "site_id": [3, 4],
            "operator": ["Viettel", "=cmd|' /C calc'!A0"],
            "first_created": pd.to_datetime([1_600_000_000, 1_500_000_000], unit="s"),
            "range_m": [1500.0, np.nan],
        }
    )
    path = write_workbook(
        tmp_path / "s.xlsx", table, sheet="Trạm", title="Trạm BTS", stamp=STAMP, statuses=False
    )
    book = openpyxl.load_workbook(path)
    no_formula(book)
    assert book.properties.creator == "coverage-gaps 9.8.7"
    assert book.properties.created == STAMP.when
    assert "9.8.7" in book.properties.description
    custom = {p.name: p.value for p in book.custom_doc_props.props}
    assert custom["coverage_gaps_version"] == "9.8.7"
    rows = cells(book["Trạm"])
    assert rows[1][2].is_date and rows[1][2].value == datetime(2020, 9, 13, 12, 26, 40)
    assert rows[1][2].number_format == "yyyy-mm-dd"
    assert rows[2][1].value == "=cmd|' /C calc'!A0" and rows[2][1].data_type == "s"
    assert rows[2][3].value is None and rows[1][3].number_format == "#,##0"
    explanation = [[c.value for c in r] for r in book["Giải thích"].iter_rows()]
    assert explanation[3][:2] == ["Phiên bản coverage-gaps", "9.8.7"]
    assert not any("dead_zone" in row for row in explanation)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_reads_ids_as_text_and_names_as_text(books: dict[str, Path], tmp_path) -> None:
    # LibreOffice opens the workbook and saves it as CSV: what a reader's spreadsheet shows.
    src = tmp_path / "in.xlsx"
    shutil.copy(books["en-all"], src)
    soffice_convert(src, tmp_path, "csv:Text - txt - csv (StarCalc):44,34,76,1")
    rows = list(csv.reader(io.StringIO((tmp_path / "in.csv").read_text("utf-8"), newline="")))
    assert [r[1] for r in rows[1:]] == ["001", "002", "003", "004", "005", "006"]
    assert rows[3][2] == NAMES[2]  # shown as its text, not run ("click")
    assert rows[1][11] == "100.0%"  # covered share, formatted by LibreOffice


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_vietnamese_settings_misread_the_csv_not_the_workbook(
    books: dict[str, Path], tmp_path
) -> None:
    share = small_area().villages["covered_share"].round(3).iloc[1]
    assert 0 < share < 1
    # The CSV opened with Vietnamese settings (decimal comma, LibreOffice language 1066):
    # the share 0.445 becomes 445 and the id 002 becomes 2 (so this check can fail).
    table = pd.DataFrame({"village_id": ["002"], "covered_share": [share]})
    from coverage_gaps.outputs.tables import write_csv

    plain = write_csv(table, tmp_path / "plain.csv")
    (read,) = soffice_convert(plain, tmp_path, "xlsx", infilter="CSV:44,34,76,1,,1066")
    row = [c.value for c in next(openpyxl.load_workbook(read).active.iter_rows(min_row=2))]
    assert row == [2, round(share * 1000)]
    # The workbook stores the number itself and the id as text (read back by LibreOffice in
    # the test above; here as stored).
    cells = [c for c in openpyxl.load_workbook(books["vi-all"]).worksheets[0][3]]
    assert cells[1].value == "002" and cells[11].value == pytest.approx(share)
    assert cells[11].data_type == "n"
