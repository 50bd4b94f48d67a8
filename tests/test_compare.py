"""``compare``: a hand-built pair of runs with every kind of change."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from coverage_gaps.cli.main import cli
from coverage_gaps.compare import change_of, compare_runs

OLD = [
    ("001", "dead_zone", "Lào Cai"),  # -> covered: fixed
    ("002", "covered", "Lào Cai"),  # -> dead_zone: new_gap
    ("003", "partial", "Lào Cai"),  # -> dead_zone: worse
    ("004", "dead_zone", "Lào Cai"),  # -> partial: better
    ("005", "covered", "Lào Cai"),  # unchanged
    ("006", "not_electrified", "Lào Cai"),  # -> partial: new_gap (electrified, no signal)
    ("007", "dead_zone", "Hà Giang"),  # removed
    ("010", "partial", "Lào Cai"),  # -> not_electrified: worse
]
NEW = [
    ("001", "covered", "Lào Cai"),
    ("002", "dead_zone", "Lào Cai"),
    ("003", "dead_zone", "Lào Cai"),
    ("004", "partial", "Lào Cai"),
    ("005", "covered", "Lào Cai"),
    ("006", "partial", "Lào Cai"),
    ("008", "dead_zone", "Tuyên Quang"),  # added
    ("010", "not_electrified", "Lào Cai"),
]
EXPECTED = {
    "001": "fixed",
    "002": "new_gap",
    "003": "worse",
    "004": "better",
    "005": "unchanged",
    "006": "new_gap",
    "007": "removed",
    "008": "added",
    "010": "worse",
}


def write_run(folder: Path, rows: list[tuple[str, str, str]], *, lon0: float = 104.0) -> Path:
    folder.mkdir(parents=True)
    table = pd.DataFrame(
        {
            "village_id": [r[0] for r in rows],
            "village_name": [f"Bản {r[0]}" for r in rows],
            "commune": "Xã A",
            "province": [r[2] for r in rows],
            "lon": [lon0 + int(r[0]) * 0.05 for r in rows],
            "lat": 22.0,
            "status": [r[1] for r in rows],
            "covered_share": 0.5,
        }
    )
    for province, part in table.groupby("province"):
        part.to_csv(folder / f"{province}-villages.csv", index=False, encoding="utf-8-sig")
    return folder


def test_every_change_by_hand(tmp_path: Path) -> None:
    old = write_run(tmp_path / "old", OLD)
    new = write_run(tmp_path / "new", NEW)
    c = compare_runs(old, new)
    assert c.matched_by == "id"
    assert dict(zip(c.villages["village_id"], c.villages["change"], strict=True)) == EXPECTED
    lao = c.provinces.set_index("province").loc["Lào Cai"]
    assert (lao["fixed"], lao["new_gap"], lao["worse"], lao["better"], lao["unchanged"]) == (
        1,
        2,
        2,
        1,
        1,
    )
    # before: 001, 003, 004, 010 (007 is in Hà Giang); now: 002, 003, 004, 006
    assert (lao["dark_before"], lao["dark_now"]) == (4, 4)
    total = c.provinces.set_index("province").loc["(all)"]
    assert (
        total[["fixed", "new_gap", "worse", "better", "unchanged", "added", "removed"]].sum() == 9
    )


def test_change_rules() -> None:
    assert change_of("partial", "covered") == "fixed"
    assert change_of("not_electrified", "covered") == "better"
    assert change_of("covered", "not_electrified") == "worse"
    assert change_of(None, "covered") == "added" and change_of("covered", None) == "removed"


def test_runs_on_different_units_are_matched_by_location(tmp_path: Path) -> None:
    """The old run used pre-2025 codes: no id in common, the same places (within 1 km)."""
    old_rows = [(f"9{r[0]}", r[1], r[2]) for r in OLD]
    old = write_run(tmp_path / "old", old_rows, lon0=104.0 - 9000 * 0.05 + 0.004)  # ~400 m off
    new = write_run(tmp_path / "new", NEW)
    c = compare_runs(old, new)
    assert c.matched_by == "location" and "matched by location" in c.notes[0]
    got = dict(zip(c.villages["village_id"], c.villages["change"], strict=True))
    assert got == {k: v for k, v in EXPECTED.items() if k not in {"007", "008"}} | {
        "9007": "removed",
        "008": "added",
    }


def test_cli_writes_the_files_in_the_new_folder(tmp_path: Path) -> None:
    old = write_run(tmp_path / "old", OLD)
    new = write_run(tmp_path / "new", NEW)
    result = CliRunner().invoke(cli, ["compare", str(old), str(new), "--lang", "en"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in new.glob("changes*"))
    assert names == ["changes-provinces.csv", "changes.csv", "changes.html", "changes.xlsx"]
    page = (new / "changes.html").read_text(encoding="utf-8")
    assert "new gap" in page and "Bản 002" in page
    from openpyxl import load_workbook

    sheet = load_workbook(new / "changes.xlsx")["villages"]
    ids = [c.value for c in sheet["A"][1:]]
    assert "001" in ids  # ids stay text


def test_not_an_output_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["compare", str(tmp_path / "empty"), str(tmp_path / "empty")])
    assert result.exit_code == 1 and "holds no <province>-villages.csv" in result.output
    with pytest.raises(Exception, match="not an output folder"):
        compare_runs(tmp_path / "nope.txt", tmp_path / "empty")
