"""The glossary: every column of the folder's files, statuses and reasons, in both languages."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from coverage_gaps.outputs import RunRecord, labels
from coverage_gaps.outputs.glossary import GLOSSARY_COLUMNS, glossary_table, write_glossary
from coverage_gaps.outputs.summary import SUMMARY_COLUMNS
from coverage_gaps.outputs.tables import VILLAGE_COLUMNS


def test_every_column_of_every_file_is_explained_in_both_languages() -> None:
    table = glossary_table(("csv", "gpkg"))
    columns = table[table["kind"] == "column"]
    for name in (*VILLAGE_COLUMNS, *SUMMARY_COLUMNS, "site_id", "first_created"):
        row = columns[columns["name"] == name]
        assert len(row) >= 1, name
        assert (row["header_en"] != "").all() and (row["header_vi"] != "").all()
        assert (row["meaning_en"] != "").all() and (row["meaning_vi"] != "").all()
    # a column with another meaning in a layer gets its own row
    lon = columns[columns["name"] == "lon"]
    assert sorted(lon["files"]) == sorted([
        "<province>-villages.csv, <province>-to-fix.csv; <province>.gpkg: villages",
        "<province>.gpkg: sites",
    ])  # fmt: skip
    assert "xlsx" not in " ".join(table["files"])  # only the kinds written
    village_id = columns.set_index("name").loc["village_id"]
    assert (village_id["header_en"], village_id["header_vi"]) == ("Village id", "Mã thôn")


def test_statuses_with_the_runs_thresholds() -> None:
    from coverage_gaps.settings import StatusThresholds

    table = glossary_table(thresholds=StatusThresholds(0.2, 0.8))
    statuses = table[table["kind"] == "status"].set_index("name")
    assert list(statuses.index) == list(labels.STATUSES)
    assert "20% to 80%" in statuses.loc["partial", "meaning_en"]
    assert "từ 20% đến dưới 80%" in statuses.loc["partial", "meaning_vi"]
    assert statuses.loc["dead_zone", "header_vi"] == "Vùng lõm sóng"
    reasons = table[table["kind"] == "reason"]
    assert list(reasons["name"]) == list(labels.REASONS)


def test_written_as_csv_and_workbook(tmp_path: Path) -> None:
    settings = {
        "outputs": {"kinds": ["csv", "xlsx"]},
        "analysis": {"thresholds": {"dead_zone": 0.15, "covered": 0.85}},
    }
    run = RunRecord(folder=tmp_path, summary=pd.DataFrame(), settings=settings)
    files = write_glossary(run)
    assert [f.name for f in files] == ["glossary.csv", "glossary.xlsx"]
    csv = pd.read_csv(files[0], encoding="utf-8-sig", keep_default_na=False)
    assert list(csv.columns) == list(GLOSSARY_COLUMNS)
    assert "15% to 85%" in csv.set_index("name").loc["partial"].iloc[-1]["meaning_en"]
    sheet = openpyxl.load_workbook(files[1]).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][0] == "Tên trong tệp / Name in the files"
    assert rows[1][:2] == ["priority", "cột / column"]
    assert len(rows) == len(csv) + 1
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:G{len(csv) + 1}"
    only_csv = RunRecord(folder=tmp_path / "c", summary=pd.DataFrame(),
                         settings={"outputs": {"kinds": ["csv"]}})  # fmt: skip
    assert [f.name for f in write_glossary(only_csv)] == ["glossary.csv"]
