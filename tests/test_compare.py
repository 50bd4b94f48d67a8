"""``compare``: a hand-built pair of runs with every kind of change."""

from __future__ import annotations

import json
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


def write_run(
    folder: Path,
    rows: list[tuple[str, str, str]],
    *,
    lon0: float = 104.0,
    settings: dict | None = None,
    names: dict[str, str] | None = None,
) -> Path:
    folder.mkdir(parents=True)
    if settings is not None:
        record = {"settings": settings, "files": []}
        (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    table = pd.DataFrame(
        {
            "village_id": [r[0] for r in rows],
            "village_name": [(names or {}).get(r[0], f"Bản {r[0]}") for r in rows],
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
    assert c.matched_by == "location" and any("matched by location" in n for n in c.notes)
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

    book = load_workbook(new / "changes.xlsx")
    assert book.sheetnames == ["Villages", "Provinces", "Explanation"]
    ids = [c.value for c in book["Villages"]["A"][1:]]
    assert "001" in ids  # ids stay text


def _settings(
    model: str = "terrain", as_of: str = "2025-03-31", unit: str = "village", p: float = 0.9
) -> dict:
    return {
        "towers": {"mcc": [452], "as_of": as_of, "min_samples": 1},
        "villages": {"unit": unit},
        "coverage": {"model": model, "reliability": p},
        "analysis": {"thresholds": {"dead_zone": 0.1, "covered": 0.9}, "memory_budget_gb": None},
        "outputs": {"out_dir": "x", "lang": "vi"},
    }


def test_the_workbook_and_page_are_in_the_readers_words(tmp_path: Path) -> None:
    """Vietnamese headers, statuses and changes; names from the data stay text, never markup or
    a formula; the CSV keeps the machine values."""
    from openpyxl import load_workbook

    hostile = {"002": '=HYPERLINK("http://x")', "003": "<b>Nà Hin</b>"}
    old = write_run(tmp_path / "old", OLD, settings=_settings(), names=hostile)
    new = write_run(tmp_path / "new", NEW, settings=_settings(as_of="2025-06-30"), names=hostile)
    result = CliRunner().invoke(cli, ["compare", str(old), str(new)])
    assert result.exit_code == 0, result.output
    book = load_workbook(new / "changes.xlsx")
    assert book.sheetnames == ["Thôn", "Tỉnh", "Giải thích"]
    sheet = book["Thôn"]
    heads = [c.value for c in sheet[1]]
    assert heads[:3] == ["Mã thôn", "Mã thôn cũ", "Tên thôn"]
    assert "Tình trạng trước" in heads and "Thay đổi" in heads
    rows = {r[0]: dict(zip(heads, r, strict=True)) for r in sheet.iter_rows(2, values_only=True)}
    assert rows["002"]["Tình trạng trước"] == "Có sóng"
    assert rows["002"]["Tình trạng nay"] == "Vùng lõm sóng"
    assert rows["002"]["Thay đổi"] == "lõm sóng mới"
    assert rows["002"]["Tên thôn"] == '=HYPERLINK("http://x")'
    share = heads.index("Tỷ lệ có sóng trước") + 1
    assert sheet.cell(2, share).number_format == "0.0%"  # a share, as the run's workbooks show it
    cell = next(c for c in sheet["C"] if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s"
    totals = book["Tỉnh"]
    assert [c.value for c in totals[1]][:3] == ["Tỉnh/thành phố", "Đã có sóng", "Lõm sóng mới"]
    assert [r[0] for r in totals.iter_rows(2, values_only=True)][-1] == "tất cả các tỉnh"
    page = (new / "changes.html").read_text(encoding="utf-8")
    assert "Thôn có thay đổi" in page and "<th>Tình trạng trước</th>" in page
    assert "lõm sóng mới" in page and "&lt;b&gt;Nà Hin&lt;/b&gt;" in page
    assert "<b>Nà Hin" not in page
    csv = pd.read_csv(new / "changes.csv", dtype=str, encoding="utf-8-sig")
    assert dict(zip(csv["village_id"], csv["change"], strict=True)) == EXPECTED  # machine values
    # the as-of date differs, as between two runs of one programme: no note about settings
    assert "different settings" not in result.output


def test_communes_are_called_communes(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    old = write_run(tmp_path / "old", OLD, settings=_settings(unit="commune"))
    new = write_run(tmp_path / "new", NEW, settings=_settings(unit="commune"))
    c = compare_runs(old, new)
    assert c.unit == "commune"
    result = CliRunner().invoke(cli, ["compare", str(old), str(new)])
    assert result.exit_code == 0, result.output
    heads = [c.value for c in load_workbook(new / "changes.xlsx")["Xã"][1]]
    assert heads[:3] == ["Mã xã", "Mã xã cũ", "Tên xã"]
    page = (new / "changes.html").read_text(encoding="utf-8")
    assert "Xã có thay đổi" in page and "Thôn có thay đổi" not in page


def test_notes_say_when_the_runs_differ_in_settings_or_provinces(tmp_path: Path) -> None:
    old = write_run(tmp_path / "old", OLD, settings=_settings(model="disc"))
    new = write_run(tmp_path / "new", NEW, settings=_settings(p=0.1 + 0.2))
    c = compare_runs(old, new)
    (settings,) = [n for n in c.notes if "different settings" in n]
    assert "coverage.model 'disc' → 'terrain'" in settings and "as_of" not in settings
    assert "coverage.reliability 0.9 → 0.3" in settings  # a float as written, no binary tail
    assert any("only the old run looked at Hà Giang" in n for n in c.notes)
    assert any("only the new run looked at Tuyên Quang" in n for n in c.notes)
    result = CliRunner().invoke(cli, ["compare", str(old), str(new), "--lang", "en"])
    assert "Note: the two runs were made with different settings" in result.output
    page = (new / "changes.html").read_text(encoding="utf-8")
    assert "coverage.model" in page


def test_the_same_settings_and_provinces_give_no_notes(tmp_path: Path) -> None:
    rows = [r for r in OLD if r[2] == "Lào Cai"]
    old = write_run(tmp_path / "old", rows, settings=_settings())
    new = write_run(tmp_path / "new", rows, settings=_settings(as_of="2026-01-01"))
    assert compare_runs(old, new).notes == []


def test_not_an_output_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["compare", str(tmp_path / "empty"), str(tmp_path / "empty")])
    assert result.exit_code == 1 and "holds no <province>-villages.csv" in result.output
    with pytest.raises(Exception, match="not an output folder"):
        compare_runs(tmp_path / "nope.txt", tmp_path / "empty")


def test_settings_a_model_never_used_are_not_named(tmp_path: Path) -> None:
    """Two disc runs record different terrain resolutions and reliabilities, which the disc
    model does not use: no note.  Once one run is terrain, both are named."""
    rows = [r for r in OLD if r[2] == "Lào Cai"]

    def settings(model: str, resolution: float, p: float) -> dict:
        out = _settings(model=model, p=p)
        out["coverage"]["terrain_resolution_m"] = resolution
        return out

    old = write_run(tmp_path / "old", rows, settings=settings("disc", 30.0, 0.9))
    new = write_run(tmp_path / "new", rows, settings=settings("disc", 90.0, 0.5))
    assert compare_runs(old, new).notes == []
    terrain = write_run(tmp_path / "terrain", rows, settings=settings("terrain", 90.0, 0.5))
    (note,) = compare_runs(old, terrain).notes
    assert "coverage.terrain_resolution_m 30.0 → 90.0" in note
    assert "coverage.reliability 0.9 → 0.5" in note
