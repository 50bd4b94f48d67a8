"""Officials' field checks: reading them, and their statuses overriding the model's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import coverage_gaps as cg
from coverage_gaps.cli.main import cli
from coverage_gaps.io.field_checks import read_field_checks
from tests.helpers import run_args

AS_OF = date(2025, 6, 30)

CHECKS = """\ufeffvillage_id,observed,date,checked_by,note
001,no_signal,2025-05-02,Nguyễn Văn A,"no bars at the school, even on the hill"
002,signal,2025-04-11,Trần Thị B,Viettel 4G at the market
002,no_signal,2025-01-03,Lê C,an older check: superseded
003,no_power,2023-01-01,Lê C,too old: expired

099,signal,2025-05-01,X,not a village of the layer
001,maybe,2025-05-01,X,a bad value
001,signal,31/05/2025,X,a bad date
001,signal,2025-12-01,X,a check after the as-of date
"""


def write_checks(path: Path) -> Path:
    path.write_text(CHECKS, encoding="utf-8")
    return path


def test_reading_field_checks(tmp_path: Path) -> None:
    path = write_checks(tmp_path / "checks.csv")
    with pytest.warns(cg.CoverageGapsWarning) as caught:
        checks, report = read_field_checks(
            path, as_of=AS_OF, known_ids={"001", "002", "003"}, validity_days=365
        )
    messages = "\n".join(str(w.message) for w in caught)
    assert checks.index.tolist() == ["001", "002"]
    assert checks.loc["001", "observed"] == "no_signal" and checks.loc["001", "line"] == 2
    assert checks.loc["002", "observed"] == "signal"  # the latest of the two wins
    assert checks.loc["001", "checked_by"] == "Nguyễn Văn A"
    assert (report.rows, report.used, report.expired, report.superseded) == (8, 2, 1, 1)
    assert report.disagreements == ["002"]
    assert [ln for ln, _ in report.bad] == [8, 9, 10]
    assert (
        "line 8: column 'observed': 'maybe' is not one of signal, no_signal, no_power" in messages
    )
    assert "line 9: column 'date': '31/05/2025' is not a date" in messages
    assert "line 10: column 'date': 2025-12-01 is after the run's as-of date" in messages
    assert "'099' (line 7)" in messages
    assert any("disagree ('002')" in n for n in report.notes())
    with pytest.raises(cg.BadRowsError, match="line 8"):
        read_field_checks(path, as_of=AS_OF, known_ids={"001", "002", "003"}, bad_rows="fail")


def test_missing_columns_are_named(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("id,result\n001,signal\n")
    with pytest.raises(cg.ColumnError, match="no column 'village_id', 'observed', 'date'"):
        read_field_checks(tmp_path / "c.csv", as_of=AS_OF)


def test_the_workbook_officials_fill_reads_back(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["village_id", "observed", "date", "checked_by", "note"])
    sheet.append(["001", "no_signal", datetime(2025, 5, 2), "A", ""])
    sheet.append([2, "Signal", "2025-04-11", "B", None])  # a number id, capitalised value
    book.save(tmp_path / "c.xlsx")
    checks, report = read_field_checks(tmp_path / "c.xlsx", as_of=AS_OF)
    assert checks["observed"].to_dict() == {"001": "no_signal", "2": "signal"}
    assert checks.loc["001", "date"] == "2025-05-02" and report.used == 2


def test_checks_override_the_model_in_the_tables(tiny_world: dict, tmp_path: Path) -> None:
    """Model: 001 covered, 002 dead zone, 003 not electrified.  Checks: 001 no signal, 002
    signal (both contradict the model), 003's check has expired."""
    checks = write_checks(tmp_path / "checks.csv")
    out = tmp_path / "o"
    args = [*run_args(tiny_world, out), "--field-checks", str(checks), "--as-of", "2025-06-30"]
    result = CliRunner().invoke(cli, ["-q", *args, "--outputs", "csv"])
    assert result.exit_code == 0, result.output
    assert "2 used, 1 older than the validity period, 1 superseded" in result.output
    read = {"dtype": {"village_id": str, "checked_on": str}, "keep_default_na": False}
    table = pd.read_csv(out / "lao-cai-villages.csv", encoding="utf-8-sig", **read).set_index(
        "village_id"
    )
    assert table["status"].to_dict() == {
        "001": "dead_zone",
        "002": "covered",
        "003": "not_electrified",
    }
    assert table["model_status"].to_dict() == {
        "001": "covered",
        "002": "dead_zone",
        "003": "not_electrified",
    }
    assert table["status_source"].tolist() == ["field", "field", "model"]
    assert table.loc["001", "reason"].split(";")[0] == "field_no_signal"
    assert table.loc["002", "reason"].split(";")[0] == "field_signal"
    assert (
        table.loc["001", "checked_by"] == "Nguyễn Văn A"
        and table.loc["001", "checked_on"] == "2025-05-02"
    )
    assert table.loc["001", "priority"] == "1" and table.loc["002", "priority"] == ""
    # 002, found with signal, leaves no uncovered land in its row or in the province's total
    assert table.loc["002", "uncovered_electrified_km2"] == 0
    assert table.loc["001", "uncovered_electrified_km2"] > 0
    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    assert summary["uncovered_electrified_km2"].iloc[0] == pytest.approx(
        table["uncovered_electrified_km2"].astype(float).sum(), abs=0.05
    )
    clash = pd.read_csv(out / "lao-cai-model-vs-field.csv", encoding="utf-8-sig", dtype=str)
    assert clash["village_id"].tolist() == ["001", "002"]
    fix = pd.read_csv(out / "lao-cai-to-fix.csv", encoding="utf-8-sig", dtype=str)
    assert fix["village_id"].tolist() == ["001"]
    # a longer validity brings the 2023 check of 003 back
    longer = [*args, "--field-check-validity", "1000", "--out", str(tmp_path / "p")]
    assert CliRunner().invoke(cli, ["-q", *longer, "--outputs", "csv"]).exit_code == 0
    again = pd.read_csv(tmp_path / "p" / "lao-cai-villages.csv", encoding="utf-8-sig", **read)
    assert again.set_index("village_id").loc["003", "reason"] == "field_no_power"


def test_villages_without_power_are_listed_with_their_distance(
    tiny_world: dict, tmp_path: Path
) -> None:
    """Village 003 (x from X0 + 8 km) lies beyond the electrified land (x < X0 + 6 km): its
    nearest cell centre (X0 + 8,050 m) is 2,100 m from the nearest electrified one
    (X0 + 5,950 m)."""
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["-q", *run_args(tiny_world, out), "--outputs", "csv"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(
        out / "lao-cai-no-power.csv", encoding="utf-8-sig", dtype={"village_id": str}
    )
    assert table["village_id"].tolist() == ["003"]
    assert table.loc[0, "distance_to_electricity_m"] == 2100


def test_distance_to_electricity_matches_a_distance_transform() -> None:
    """The edge-cell KD-tree against scipy's exact Euclidean distance transform of the whole
    grid, on random worlds where some villages are far from the lines."""
    import warnings

    import numpy as np
    from scipy.ndimage import distance_transform_edt

    from coverage_gaps.io.sources import LineElectrification
    from coverage_gaps.zonal import village_minimum
    from tests.helpers import UTM
    from tests.test_pipeline import random_world

    checked = 0
    for seed in (1, 2, 3):
        villages, cells, lines = random_world(seed)
        sites, emitters = cg.collapse_sites(cells)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = cg.analyse_area(
                "P",
                villages,
                sites,
                emitters,
                electrification=LineElectrification(lines, 300.0),
                analysis=cg.AnalysisOptions(resolution_m=100.0, crs=UTM),
            )
        edt = distance_transform_edt(~result.electrified)
        brute = village_minimum(result.spans, edt) * 100.0
        dark = result.villages["electrified_km2"].to_numpy() <= 0
        got = result.distance_to_electricity_m
        np.testing.assert_allclose(got[dark], np.round(brute[dark]), atol=0.5)
        assert (got[~dark] == 0).all()
        checked += int(dark.sum())
    assert checked >= 3


def test_the_operator_and_technology_a_check_names_are_shown(
    tiny_world: dict, tmp_path: Path
) -> None:
    """A check's optional operator and technology (read, then shown nowhere before) are in the
    village CSV, the workbook (with their headers) and the map's tooltips; a check without
    them, and an unchecked village, leave the cells empty."""
    import json
    import re

    from openpyxl import load_workbook

    checks = tmp_path / "checks.csv"
    checks.write_text(
        "village_id,observed,date,checked_by,note,operator,technology\n"
        "001,no_signal,2025-05-02,Nguyễn Văn A,no bars,Viettel,4G\n"
        "002,signal,2025-04-11,Trần Thị B,,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    args = [*run_args(tiny_world, out), "--field-checks", str(checks), "--as-of", "2025-06-30"]
    result = CliRunner().invoke(cli, ["-q", *args, "--outputs", "csv,xlsx,html"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(
        out / "lao-cai-villages.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    ).set_index("village_id")
    assert table["check_operator"].to_dict() == {"001": "Viettel", "002": "", "003": ""}
    assert table["check_technology"].to_dict() == {"001": "4G", "002": "", "003": ""}
    sheet = load_workbook(out / "lao-cai-villages.xlsx").worksheets[0]
    heads = [c.value for c in sheet[1]]
    rows = [dict(zip(heads, r, strict=True)) for r in sheet.iter_rows(2, values_only=True)]
    row = next(r for r in rows if r["Mã thôn"] == "001")
    assert (row["Nhà mạng đã thử"], row["Công nghệ đã thấy"]) == ("Viettel", "4G")
    page = (out / "lao-cai.html").read_text(encoding="utf-8")
    found = re.search(r'"fields":(\[[^\]]*\]),"rows":(\[\[.*?\]\])', page)
    assert found is not None
    fields, tooltips = json.loads(found[1]), json.loads(found[2])
    by_id = {r[fields.index("Mã thôn")]: dict(zip(fields, r, strict=True)) for r in tooltips}
    assert by_id["001"]["Nhà mạng đã thử"] == "Viettel"
    assert by_id["001"]["Công nghệ đã thấy"] == "4G"
    assert by_id["002"]["Nhà mạng đã thử"] == "—"
