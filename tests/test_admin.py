"""Placing villages in provinces and communes by location, against shapely point-in-polygon."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from coverage_gaps.admin import assign_by_location
from coverage_gaps.cli.main import cli
from coverage_gaps.errors import ColumnError, CoverageGapsWarning, InputError
from coverage_gaps.io.admin import read_admin_layer
from coverage_gaps.settings import AdminLayer
from tests.helpers import UTM, X0, Y0, run_args


def units_layer() -> gpd.GeoDataFrame:
    """Two provinces side by side in UTM with a 400 m gap between them, and a third overlapping
    the east one's north-east corner."""
    return gpd.GeoDataFrame(
        {"name": ["Tây", "Đông", "Bắc"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 10_000, Y0 + 10_000),
            shapely.box(X0 + 10_400, Y0, X0 + 20_000, Y0 + 10_000),
            shapely.box(X0 + 15_000, Y0 + 5_000, X0 + 25_000, Y0 + 15_000),
        ],
        crs=UTM,
    )


def villages_layer() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(5)
    pts = [shapely.Point(x, y) for x, y in rng.uniform(X0 - 2000, X0 + 27_000, (60, 2))]
    pts += [
        shapely.Point(X0 + 10_150, Y0 + 5_000),  # in the gap, 150 m from Tây: snapped
        shapely.Point(X0 + 17_000, Y0 + 7_000),  # in Đông and Bắc: the first (Đông) wins
        shapely.box(X0 + 1000, Y0 + 1000, X0 + 3000, Y0 + 2000),  # a polygon village in Tây
        shapely.Point(X0 + 60_000, Y0 + 60_000),  # far from everything
    ]
    return gpd.GeoDataFrame(
        {
            "village_id": [f"{i:03d}" for i in range(len(pts))],
            "province": "Old name",
            "commune": "",
        },
        geometry=pts,
        crs=UTM,
    ).to_crs(4326)  # the villages in lon/lat, the units in UTM


def test_against_point_in_polygon() -> None:
    villages, units = villages_layer(), units_layer()
    with pytest.warns(CoverageGapsWarning, match="in no province"):
        got = assign_by_location(villages, units, column="province", snap_m=300.0)
    metric = villages.to_crs(UTM).geometry
    for i, geom in enumerate(metric):
        where = geom if geom.geom_type == "Point" else geom.point_on_surface()
        inside = [
            n for n, u in zip(units["name"], units.geometry, strict=True) if u.contains(where)
        ]
        near = [
            n
            for n, u in zip(units["name"], units.geometry, strict=True)
            if u.distance(where) <= 300
        ]
        want = inside[0] if inside else (near[0] if near else "Old name")
        assert got["province"].iloc[i] == want, i
    assert got["province"].iloc[-4:].tolist() == ["Tây", "Đông", "Tây", "Old name"]
    assert villages["province"].eq("Old name").all()  # the input is not changed


def test_no_snapping_leaves_the_gap_unplaced() -> None:
    villages, units = villages_layer(), units_layer()
    with pytest.warns(CoverageGapsWarning, match="in no province"):
        got = assign_by_location(villages, units, column="province", snap_m=0.0)
    assert got["province"].iloc[-4] == "Old name"


def test_reader_detects_the_name_column_and_checks_the_layer(tmp_path: Path) -> None:
    path = tmp_path / "units.gpkg"
    units_layer().rename(columns={"name": "ten_tinh"}).to_file(path)
    assert read_admin_layer(AdminLayer(path))["name"].tolist() == ["Tây", "Đông", "Bắc"]
    with pytest.raises(ColumnError, match="--province-layer-col 'nope' is not a column"):
        read_admin_layer(AdminLayer(path, name_col="nope"))
    lines = tmp_path / "lines.gpkg"
    gpd.GeoDataFrame(
        {"name": ["a"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=UTM
    ).to_file(lines)
    with pytest.raises(InputError, match="LineString features; it must be polygons"):
        read_admin_layer(AdminLayer(lines, "commune"))
    codes = tmp_path / "codes.gpkg"
    gpd.GeoDataFrame(
        {"ma_tinh": ["15", "08"]}, geometry=units_layer().geometry[:2], crs=UTM
    ).to_file(codes)
    # two-digit province codes become the provinces' names
    assert read_admin_layer(AdminLayer(codes, name_col="ma_tinh"))["name"].tolist() == [
        "Lào Cai",
        "Tuyên Quang",
    ]


def test_cli_run_and_provinces_with_a_province_layer(tiny_world: dict, tmp_path: Path) -> None:
    # tiny_world's villages all say "Lào Cai"; a layer puts the first two in "Yên Bái 2" and
    # the third in "Hà Giang 2".
    layer = tmp_path / "provinces.gpkg"
    gpd.GeoDataFrame(
        {"name": ["Yên Bái 2", "Hà Giang 2"]},
        geometry=[
            shapely.box(X0 - 1000, Y0 - 1000, X0 + 7000, Y0 + 3000),
            shapely.box(X0 + 7000, Y0 - 1000, X0 + 11_000, Y0 + 3000),
        ],
        crs=UTM,
    ).to_file(layer)
    runner = CliRunner()
    listed = runner.invoke(
        cli,
        ["provinces", "--villages", str(tiny_world["villages"]), "--province-layer", str(layer)],
    )
    assert listed.exit_code == 0, listed.output
    assert [line.split()[-1] for line in listed.output.splitlines()[2:-1]] == ["1", "2"]
    out = tmp_path / "out"
    result = runner.invoke(
        cli,
        [
            "-q",
            *run_args(tiny_world, out),
            "--province-layer",
            str(layer),
            "--province",
            "yen bai 2",
            "--outputs",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "yen-bai-2-villages.csv", encoding="utf-8-sig", dtype=str)
    assert table["village_id"].tolist() == ["001", "002"]
    assert table["province"].eq("Yên Bái 2").all()
    assert not (out / "ha-giang-2-villages.csv").exists()
    # the run's page draws the province as the layer outlines it, not from its villages
    page = (out / "index.html").read_text(encoding="utf-8")
    data = json.loads(page.split('id="cg-data">')[1].split("</script>")[0])
    assert data["outline_note"].endswith("provinces.gpkg.")
    (drawn,) = data["provinces"]
    x, y = (drawn["geom"][0][0][i] * data["quantum"] for i in (0, 1))  # the first vertex
    unit = gpd.GeoSeries([shapely.box(X0 - 1000, Y0 - 1000, X0 + 7000, Y0 + 3000)], crs=UTM)
    corners = shapely.points(shapely.get_coordinates(unit.to_crs(4326).iloc[0]))
    assert shapely.distance(corners, shapely.Point(x, y)).min() < 1e-4  # the unit's corner


@pytest.mark.parametrize("order", [["A", "B"], ["B", "A"]])
def test_a_point_on_a_shared_border_goes_to_the_first_unit(order: list[str]) -> None:
    boxes = {"A": shapely.box(0, 0, 1000, 1000), "B": shapely.box(1000, 0, 2000, 1000)}
    units = gpd.GeoDataFrame({"name": order}, geometry=[boxes[n] for n in order], crs=UTM)
    villages = gpd.GeoDataFrame(
        {"village_id": ["1"], "province": [""]}, geometry=[shapely.Point(1000, 500)], crs=UTM
    )
    got = assign_by_location(villages, units, column="province")
    assert got["province"].tolist() == [order[0]]


def test_commune_layer_takes_the_commune_column_not_the_province(tmp_path: Path) -> None:
    path = tmp_path / "wards.gpkg"
    gpd.GeoDataFrame(
        {"ten_tinh": ["Lào Cai", "Lào Cai"], "ten_xa": ["Sa Pa", "Bát Xát"]},
        geometry=units_layer().geometry[:2],
        crs=UTM,
    ).to_file(path)
    assert read_admin_layer(AdminLayer(path, "commune"))["name"].tolist() == [
        "Sa Pa",
        "Bát Xát",
    ]
    assert read_admin_layer(AdminLayer(path))["name"].tolist() == ["Lào Cai", "Lào Cai"]


def test_multi_layer_file_is_chosen_as_file_colon_layer(tiny_world: dict, tmp_path: Path) -> None:
    path = tmp_path / "admin.gpkg"
    units_layer().iloc[:1].to_file(path, layer="other")
    gpd.GeoDataFrame(
        {"name": ["Tỉnh Mới"]},
        geometry=[shapely.box(X0 - 5000, Y0 - 5000, X0 + 20_000, Y0 + 5000)],
        crs=UTM,
    ).to_file(path, layer="provinces")
    with pytest.raises(InputError, match=r"has 2 layers.*--province-layer FILE:LAYER"):
        read_admin_layer(AdminLayer(path))
    runner = CliRunner()
    ok = runner.invoke(
        cli,
        [
            "provinces",
            "--villages",
            str(tiny_world["villages"]),
            "--province-layer",
            f"{path}:provinces",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert ok.output.splitlines()[2].split() == ["Tỉnh", "Mới", "3"]
    bad = runner.invoke(
        cli,
        ["provinces", "--villages", str(tiny_world["villages"]), "--province-layer", "nope.gpkg"],
    )
    assert bad.exit_code == 2
    assert "'nope.gpkg' is not an existing file (or FILE:LAYER" in bad.output
    no_layer = runner.invoke(
        cli,
        ["provinces", "--villages", str(tiny_world["villages"]), "--province-layer", f"{path}:x"],
    )
    assert no_layer.exit_code == 2 and "'x' is not a layer" in no_layer.output
