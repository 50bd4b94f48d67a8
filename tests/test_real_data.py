"""Runs on the real public data in ../shared/data (skipped when the folder is missing)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from coverage_gaps.cli.main import cli
from coverage_gaps.errors import NoOverlapError
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.io.electrification import electrified_from_raster
from coverage_gaps.io.population import population_on_grid
from coverage_gaps.io.villages import read_villages
from coverage_gaps.names import match_province
from coverage_gaps.settings import AdminLayer
from coverage_gaps.synthetic import synthetic_cells, write_opencellid_csv
from tests.helpers import SHARED_DATA, requires_shared

pytestmark = [requires_shared, pytest.mark.shared_data]

WARDS = SHARED_DATA / "vn-admin-2025" / "wards-north-full.gpkg"
LINES = SHARED_DATA / "vn-osm-power" / "line.gpkg"
LESOTHO = SHARED_DATA / "lesotho-electrification"


@pytest.fixture(scope="module")
def lao_cai_towers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """OpenCelliD rows for 250 masts inside Lào Cai, made in code (none are public)."""
    wards = gpd.read_file(WARDS)
    lao_cai = shapely.union_all(wards.loc[wards["province_code"] == "15"].geometry.values)
    rng = np.random.default_rng(15)
    xmin, ymin, xmax, ymax = lao_cai.bounds
    pts = shapely.points(rng.uniform(xmin, xmax, 2000), rng.uniform(ymin, ymax, 2000))
    pts = pts[shapely.contains(lao_cai, pts)][:250]
    cells = synthetic_cells(shapely.get_x(pts), shapely.get_y(pts), rng)
    return write_opencellid_csv(cells, tmp_path_factory.mktemp("towers") / "452.csv.gz")


def test_lao_cai_communes_end_to_end(lao_cai_towers: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"

    def result_args(folder: Path) -> list[str]:
        return [
            "-q",
            "run",
            "--villages",
            str(WARDS),
            "--towers",
            str(lao_cai_towers),
            "--grid-lines",
            str(LINES),
            "--grid-distance",
            "5000",
            "--province",
            "lao cai",
            "--mcc",
            "452",
            "--radio",
            "broadband",
            "--out",
            str(folder),
        ]

    result = CliRunner().invoke(cli, result_args(out))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(
        out / "lao-cai-villages.csv", encoding="utf-8-sig", dtype={"village_id": str}
    )
    assert len(table) == 99  # Lào Cai's communes and wards in the 2025 data
    assert table["village_id"].str.len().eq(5).all()  # codes keep their leading zeros
    assert set(table["status"]) <= {"dead_zone", "partial", "covered", "not_electrified"}
    assert table["status"].nunique() >= 3
    # 110-500 kV lines: a commune is electrified here only near one, so some are not
    assert (table["status"] == "not_electrified").any()
    assert table["area_km2"].sum() == pytest.approx(
        gpd.read_file(WARDS).query("province_code == '15'").to_crs(32648).area.sum() / 1e6, rel=1e-3
    )
    fix = pd.read_csv(out / "lao-cai-to-fix.csv", encoding="utf-8-sig")
    assert fix["priority"].tolist() == list(range(1, len(fix) + 1))
    assert (out / "lao-cai.html").stat().st_size < 5_000_000
    # communes are read as communes: people read "xã", not "thôn" (village)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["settings"]["villages"]["unit"] == "commune"
    sheet = openpyxl.load_workbook(out / "lao-cai-to-fix.xlsx").active
    headers = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]
    assert headers[:3] == ["Thứ tự ưu tiên", "Mã xã", "Tên xã"]
    page = (out / "lao-cai.html").read_text(encoding="utf-8")
    assert "Tìm xã (tên hoặc mã)" in page and "Tìm thôn" not in page
    assert "99 xã được phân tích" in (out / "index.html").read_text(encoding="utf-8")
    # --unit village: the user's word wins over the layer's shape
    again = tmp_path / "again"
    village_run = [*result_args(again), "--unit", "village", "--outputs", "xlsx"]
    assert CliRunner().invoke(cli, village_run).exit_code == 0
    sheet = openpyxl.load_workbook(again / "lao-cai-to-fix.xlsx").active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][1:3] == ["Mã thôn", "Tên thôn"]


def test_overlapping_real_communes_each_keep_their_whole_area() -> None:
    # Known quirk: wards overlap in places (~10.5 km² in Lào Cai).  Each keeps its whole area.
    v = read_villages(WARDS)
    v = v.loc[v["province"] == "Lào Cai"].to_crs(32648)
    union = shapely.union_all(v.geometry.values).area
    assert v.area.sum() - union > 5e6
    grid = AnalysisGrid.covering(tuple(v.total_bounds), resolution=200, crs=v.crs)
    from coverage_gaps.zonal import village_spans

    spans = village_spans(np.asarray(v.geometry.values), grid)
    cells_km2 = spans.cell_counts() * grid.cell_area_m2 / 1e6
    np.testing.assert_allclose(cells_km2, v.area.to_numpy() / 1e6, rtol=0.06, atol=1.0)


def test_2025_names_and_quirks() -> None:
    v = read_villages(SHARED_DATA / "vn-admin-2025" / "wards-national-simplified.gpkg")
    provinces = sorted(v["province"].unique())
    assert len(provinces) == 34 and len(v) == 3321
    assert match_province("thanh hoa", provinces).value in {"Thanh Hóa", "Thanh Hoá"}
    assert match_province("Hà Giang", provinces).value == "Tuyên Quang"
    assert match_province("Quảng Bình", provinces).value == "Quảng Trị"


def test_osm_village_points() -> None:
    v = read_villages(SHARED_DATA / "vn-osm-places" / "places-quang-tri-hue.geojson")
    assert len(v) == 171 and v.geom_type.eq("Point").all()
    assert v["village_id"].str.fullmatch(r"\d+").all()  # osm_id


def test_osm_points_placed_in_the_2025_provinces_and_wards() -> None:
    """OSM place points have no province column: --province-layer / --commune-layer place them
    in the real 2025 units; checked against shapely point-in-polygon on the same layers."""
    from coverage_gaps.runner import load_villages
    from coverage_gaps.settings import VillageOptions

    places = SHARED_DATA / "vn-osm-places" / "places-quang-tri-hue.geojson"
    provinces = SHARED_DATA / "vn-admin-2025" / "provinces.gpkg"
    wards = SHARED_DATA / "vn-admin-2025" / "wards-national-simplified.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few points lie outside Vietnam (Laos)
        v = load_villages(
            places,
            VillageOptions(),
            province_layer=AdminLayer(provinces),
            commune_layer=AdminLayer(wards, "commune"),
        )
    prov = gpd.read_file(provinces)
    ward = gpd.read_file(wards)
    pts = np.asarray(v.geometry.values)
    for i in range(len(v)):  # brute force: inside, snapped within ~1 km, or left unplaced
        inside = prov.loc[prov.covers(pts[i]), "name"].tolist()
        if inside:
            assert v["province"].iloc[i] == inside[0]
            continue
        dist_km = prov.distance(pts[i]) * 111.32  # degrees -> km, as the snapping converts
        near = prov.loc[dist_km <= 1.0, "name"].tolist()
        if near:
            assert v["province"].iloc[i] in near
        else:
            assert v["province"].iloc[i] == ""
        in_ward = ward.loc[ward.contains(pts[i]), "name"].tolist()
        if in_ward:
            assert v["commune"].iloc[i] == in_ward[0]
    counts = v["province"].value_counts()
    assert set(counts.index) <= {"Quảng Trị", "Huế", ""}
    assert counts["Quảng Trị"] > 100 and counts["Huế"] > 10
    assert (v["commune"] != "").mean() > 0.9


def test_lesotho_rasters_in_other_crs() -> None:
    # Night lights (EPSG:4326) and GHS population (Mollweide) onto a UTM grid around Maseru.
    from pyproj import CRS

    crs = CRS.from_epsg(32735)
    grid = AnalysisGrid.covering((480_000, 6_700_000, 560_000, 6_780_000), resolution=500, crs=crs)
    lit = electrified_from_raster(LESOTHO / "ntl.tif", grid, threshold=0.5)
    assert 0.001 < lit.mean() < 0.5
    people = population_on_grid(LESOTHO / "ghs.tif", grid)
    assert people.sum() > 50_000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        viet = AnalysisGrid.covering(
            (400_000, 2_300_000, 420_000, 2_320_000), resolution=100, crs=CRS.from_epsg(32648)
        )
    with pytest.raises(NoOverlapError, match=r"ntl\.tif.*does not overlap the villages"):
        electrified_from_raster(LESOTHO / "ntl.tif", viet)
