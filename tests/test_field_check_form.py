"""``<province>-field-check.xlsx``: written by a run, filled in as an official would, given back.

The demo's Lào Cai (hamlet points, towers, electrification) is run once; its form is checked
cell by cell, filled in with openpyxl (a drop-down value, a date cell, a date typed as text, a
village added on an empty row), saved and passed back with ``--field-checks``: the statuses
change as filled and nothing else does.
"""

from __future__ import annotations

import shutil
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from coverage_gaps.cli.main import cli
from coverage_gaps.io.field_checks import FIELD_CHECK_COLUMNS, OBSERVED, read_field_checks
from coverage_gaps.outputs import labels
from coverage_gaps.outputs.field_check import CONTEXT_COLUMNS, EXTRA_ROWS

DATA = Path(__file__).resolve().parents[1] / "data"
FORM = "lao-cai-field-check.xlsx"


def _run(out: Path, *extra: str) -> str:
    result = CliRunner().invoke(
        cli,
        [
            "-q",
            "run",
            "--villages",
            str(DATA / "demo-villages.gpkg"),
            "--layer",
            "villages",
            "--towers",
            str(DATA / "demo-towers.csv.gz"),
            "--electrified-raster",
            str(DATA / "demo-electrified.tif"),
            "--population",
            str(DATA / "demo-population.tif"),
            "--mcc",
            "452",
            "--village-radius",
            "500",
            "--province",
            "Lào Cai",
            "--outputs",
            "csv,field-check",
            "--out",
            str(out),
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return result.output


def _villages(out: Path) -> pd.DataFrame:
    return pd.read_csv(
        out / "lao-cai-villages.csv", dtype={"village_id": str}, keep_default_na=False
    ).set_index("village_id")


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("form") / "first"
    _run(out)
    return out


def test_the_form_as_written(first: Path) -> None:
    book = load_workbook(first / FORM)
    sheet = book.worksheets[0]
    assert sheet.title == labels.text("sheet_field_check", "vi")
    assert book.sheetnames[1] == labels.text("sheet_how_to", "vi")
    header = [c.value for c in sheet[1]]
    context = [labels.column_label(c, "vi") for c in CONTEXT_COLUMNS]
    assert header == [*FIELD_CHECK_COLUMNS, *context]  # machine names, then the context
    to_fix = pd.read_csv(first / "lao-cai-to-fix.csv", dtype={"village_id": str})
    n = len(to_fix)
    assert n > 5
    ids = [sheet.cell(r, 1).value for r in range(2, n + 2)]
    assert ids == to_fix["village_id"].tolist()  # most urgent first, ids as text
    assert all(sheet.cell(r, 1).data_type == "s" for r in range(2, n + 2))
    assert sheet.cell(2, 1).number_format == "@" and sheet.cell(n + 50, 1).number_format == "@"
    assert sheet.cell(2, 3).number_format == "yyyy-mm-dd"
    status_col = header.index(labels.column_label("status", "vi")) + 1
    assert {sheet.cell(r, status_col).value for r in range(2, n + 2)} <= {
        labels.status_label("dead_zone", "vi"),
        labels.status_label("partial", "vi"),
    }
    # drop-down of the three values on every fill-in row; dates only in the date column
    rules = {dv.formula1: dv for dv in sheet.data_validations.dataValidation}
    observed = rules['"' + ",".join(OBSERVED) + '"']
    assert observed.type == "list" and str(observed.sqref) == f"B2:B{n + 1 + EXTRA_ROWS}"
    assert any(dv.type == "date" and "C2" in str(dv.sqref) for dv in rules.values())
    # fill-in cells open, context read only, the sheet protected without a password
    assert sheet.protection.sheet and not sheet.protection.password
    assert not sheet.cell(2, 2).protection.locked and not sheet.cell(n + 10, 1).protection.locked
    assert sheet.cell(2, len(FIELD_CHECK_COLUMNS) + 1).protection.locked
    assert sheet.cell(1, 2).comment is not None  # what to write, in the run's language
    # given back untouched, it holds no check and no bad row
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checks, report = read_field_checks(first / FORM, as_of=date.today())
    assert len(checks) == 0 and report.rows == 0 and not report.bad
    assert report.unfilled == n


def test_filled_in_and_given_back(first: Path, tmp_path: Path) -> None:
    before = _villages(first)
    to_fix = pd.read_csv(first / "lao-cai-to-fix.csv", dtype={"village_id": str})
    dead = to_fix.loc[to_fix["status"] == "dead_zone", "village_id"].tolist()
    partial = to_fix.loc[to_fix["status"] == "partial", "village_id"].tolist()
    covered = before.index[before["status"] == "covered"].tolist()
    assert len(dead) >= 2 and partial and covered

    book = load_workbook(first / FORM)
    sheet = book.worksheets[0]
    row_of = {sheet.cell(r, 1).value: r for r in range(2, len(to_fix) + 2)}
    day = datetime.combine(date.today() - timedelta(days=10), datetime.min.time())
    filled = {
        dead[0]: ("signal", day),  # the model said dead zone; the official found signal
        dead[1]: ("no_power", day),
        partial[0]: ("no_signal", (day - timedelta(days=3)).date().isoformat()),  # typed
    }
    for vid, (observed, when) in filled.items():
        r = row_of[vid]
        sheet.cell(r, 2).value = observed
        sheet.cell(r, 3).value = when
        sheet.cell(r, 4).value = "Nguyễn Văn A, UBND xã"
    extra = len(to_fix) + 2  # the first empty row: a village the list does not hold
    sheet.cell(extra, 1).value = covered[0]
    sheet.cell(extra, 2).value = "no_signal"
    sheet.cell(extra, 3).value = day
    sheet.cell(extra, 5).value = "Sóng yếu ở đầu bản"
    back = tmp_path / "filled.xlsx"
    book.save(back)

    out = tmp_path / "second"
    printed = _run(out, "--field-checks", str(back))
    assert "filled.xlsx: skipped" not in printed  # the rows left empty are no bad rows
    assert "filled.xlsx: 4 field checks read; 4 used" in printed
    after = _villages(out)
    expected = before["status"].copy()
    expected[dead[0]] = "covered"
    expected[dead[1]] = "not_electrified"
    expected[partial[0]] = "dead_zone"
    expected[covered[0]] = "dead_zone"
    pd.testing.assert_series_equal(after["status"], expected)
    changed = [dead[0], dead[1], partial[0], covered[0]]
    assert (after.loc[changed, "status_source"] == "field").all()
    assert (after.drop(index=changed)["status_source"] == "model").all()
    assert after.loc[dead[0], "model_status"] == "dead_zone"
    assert after.loc[dead[0], "checked_by"] == "Nguyễn Văn A, UBND xã"
    assert after.loc[covered[0], "check_note"] == "Sóng yếu ở đầu bản"
    # the next form lists the village found without signal, not the one found with signal
    ids = pd.read_excel(out / FORM, dtype={"village_id": str})["village_id"].dropna().tolist()
    assert covered[0] in ids and dead[0] not in ids

    if shutil.which("soffice") is None:
        return
    # Saved again by LibreOffice Calc (as an official who uses it would), it reads the same.
    from tests.test_outputs_csv import soffice_convert

    (tmp_path / "lo").mkdir()
    resaved = soffice_convert(back, tmp_path / "lo", "xlsx")[0]
    ours, _ = read_field_checks(back, as_of=date.today())
    theirs, report = read_field_checks(resaved, as_of=date.today())
    pd.testing.assert_frame_equal(ours, theirs)
    assert len(ours) == 4 and not report.bad


def test_the_form_in_english(tmp_path: Path) -> None:
    from coverage_gaps.outputs.field_check import write_field_check
    from tests import browser_support as bs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = bs.map_world(hostile=True)  # names that look like markup and formulas
    path = write_field_check(tmp_path / "f.xlsx", result.villages, province="X", lang="en")
    book = load_workbook(path)
    assert book.sheetnames == ["Field checks", "How to fill in"]
    header = [c.value for c in book.worksheets[0][1]]
    assert header[len(FIELD_CHECK_COLUMNS) :] == [
        labels.column_label(c, "en") for c in CONTEXT_COLUMNS
    ]
    assert "Dead zone" in [c.value for c in book.worksheets[0]["K"]]
    names = [c.value for c in book.worksheets[0]["I"][1:] if c.value]
    gaps = result.villages[result.villages["status"].isin(["dead_zone", "partial"])]
    assert len(gaps) and sorted(names) == sorted(gaps["village_name"])  # as text
    assert all(c.data_type == "s" for c in book.worksheets[0]["I"][1 : len(names) + 1])
    steps = [r[0] for r in book.worksheets[1].iter_rows(values_only=True) if r and r[0]]
    assert any(str(s).startswith("2. On its row, choose in 'observed'") for s in steps)


def test_the_form_says_the_runs_own_validity(first: Path, tmp_path: Path) -> None:
    # The how-to sheet tells the official how long a check counts: the run's
    # --field-check-validity, not the setting's default.
    def how_to(out: Path) -> str:
        book = load_workbook(out / FORM)
        rows = book.worksheets[1].iter_rows(values_only=True)
        return "\n".join(str(v) for r in rows for v in r if v)

    default = how_to(first)
    assert "365" in default
    out = tmp_path / "short"
    _run(out, "--field-check-validity", "90")
    short = how_to(out)
    assert "90" in short and "365" not in short
