"""``coverage-gaps provinces``: a header, Vietnamese order, table / csv / json."""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from click.testing import CliRunner

from coverage_gaps.cli.main import cli
from tests.helpers import UTM, X0, Y0

#: In the order Vietnamese readers expect (Đ after D and before E, Â after A; Python's own
#: sort puts Đ after Z and "Cao" before "Cà").
ORDER = [
    "An Giang",
    "Cà Mau",
    "Cao Bằng",
    "Cần Thơ",
    "Dương Kinh",
    "Đà Nẵng",
    "Đồng Tháp",
    "Gia Lai",
]


def test_lists_provinces_with_counts(tiny_world: dict) -> None:
    result = CliRunner().invoke(cli, ["provinces", "--villages", str(tiny_world["villages"])])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Province", "Villages"]
    assert set(lines[1]) == {"-", " "}
    assert lines[2].split() == ["Lào", "Cai", "3"]
    assert lines[-1] == "1 province, 3 villages"


def _villages(tmp_path: Path) -> Path:
    counts = {name: i + 1 for i, name in enumerate(ORDER)}
    names = [n for n in reversed(ORDER) for _ in range(counts[n])]  # reversed on purpose
    geoms = [shapely.Point(X0 + 1000 * i, Y0) for i in range(len(names))]
    frame = gpd.GeoDataFrame(
        {"code": [f"{i:04d}" for i in range(len(names))], "name": "Bản", "province": names},
        geometry=geoms,
        crs=UTM,
    )
    path = tmp_path / "villages.gpkg"
    frame.to_file(path)
    return path


def test_sorted_as_vietnamese_read(tmp_path: Path) -> None:
    path = _villages(tmp_path)
    result = CliRunner().invoke(cli, ["provinces", "--villages", str(path)])
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()[2:-1]
    assert [r.rsplit(None, 1)[0].strip() for r in rows] == ORDER
    assert [int(r.rsplit(None, 1)[1]) for r in rows] == list(range(1, len(ORDER) + 1))
    assert sorted(ORDER) != ORDER  # the plain sort would get it wrong


def test_csv_and_json_formats(tmp_path: Path) -> None:
    path = _villages(tmp_path)
    runner = CliRunner()
    as_csv = runner.invoke(cli, ["provinces", "--villages", str(path), "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    table = pd.read_csv(io.StringIO(as_csv.stdout), dtype=str, keep_default_na=False)
    assert list(table.columns) == ["province", "province_code", "villages"]
    assert table["province"].tolist() == ORDER
    as_json = runner.invoke(cli, ["provinces", "--villages", str(path), "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    records = json.loads(as_json.stdout)
    assert [r["province"] for r in records] == ORDER
    assert [r["villages"] for r in records] == list(range(1, len(ORDER) + 1))


def test_missing_file_is_a_usage_error(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["provinces", "--villages", str(tmp_path / "x.gpkg")])
    assert result.exit_code == 2 and "does not exist" in result.output
