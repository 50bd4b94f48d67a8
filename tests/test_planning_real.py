"""``coverage-gaps plan`` on the real 2025 communes of Lào Cai, OSM power lines and towers made in
code (skipped when ../shared/data is missing)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from coverage_gaps.cli.main import cli
from coverage_gaps.synthetic import synthetic_cells, write_opencellid_csv
from tests.helpers import SHARED_DATA, requires_shared

pytestmark = [requires_shared, pytest.mark.shared_data]
pytest.importorskip("highspy", reason="planning needs the extra 'plan'")

WARDS = SHARED_DATA / "vn-admin-2025" / "wards-north-full.gpkg"
LINES = SHARED_DATA / "vn-osm-power" / "line.gpkg"
GRID_DISTANCE = 5000.0
LTE_RADIUS = 4000.0


def plan_lao_cai(folder: Path) -> dict:
    wards = gpd.read_file(WARDS)
    province = shapely.union_all(wards.loc[wards["province_code"] == "15"].geometry.values)
    rng = np.random.default_rng(15)
    xmin, ymin, xmax, ymax = province.bounds
    pts = shapely.points(rng.uniform(xmin, xmax, 2000), rng.uniform(ymin, ymax, 2000))
    pts = pts[shapely.contains(province, pts)][:250]
    cells = synthetic_cells(shapely.get_x(pts), shapely.get_y(pts), rng)
    towers = write_opencellid_csv(cells, folder / "452.csv.gz")
    out = folder / "out"
    result = CliRunner().invoke(
        cli,
        [
            "-q",
            "plan",
            "--villages",
            str(WARDS),
            "--towers",
            str(towers),
            "--grid-lines",
            str(LINES),
            "--grid-distance",
            str(GRID_DISTANCE),
            "--province",
            "lao cai",
            "--mcc",
            "452",
            "--radio",
            "broadband",
            "--operator",
            "Viettel",
            "--sites",
            "12",
            "--time-limit",
            "20",
            "--curve-points",
            "2",
            "--outputs",
            "csv,gpkg,xlsx",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return {"out": out, "output": result.output}


def test_lao_cai_plan_end_to_end(tmp_path: Path) -> None:
    """One plan (a province takes seconds; the checks share it)."""
    lao_cai = plan_lao_cai(tmp_path)
    check_tables(lao_cai)
    check_candidates_on_grid_powered_land(lao_cai)
    check_new_coverage_is_the_discs_and_counted_once(lao_cai)


def check_tables(lao_cai: dict) -> None:
    out: Path = lao_cai["out"]
    summary = pd.read_csv(out / "plan-summary.csv")
    row = summary.iloc[0]
    assert row["province"] == "Lào Cai"
    assert row["status"] in ("optimal", "time_limit")
    assert row["sites"] == 12
    assert row["candidates"] > 1000 and row["demand_cells"] > 10_000
    assert 0 < row["covered_share"] <= 1
    sites = pd.read_csv(
        out / "lao-cai-new-sites.csv", encoding="utf-8-sig", dtype={"village_ids": str}
    )
    assert len(sites) == 12
    assert (np.diff(sites["cumulative_share"]) > 0).all()
    assert sites["cumulative_share"].iloc[-1] == pytest.approx(row["covered_share"], abs=1e-6)
    # area objective (no population): demand is land, and each hectare counts once
    assert sites["demand_covered"].sum() == pytest.approx(row["area_km2_covered"], rel=1e-6)
    villages = set(gpd.read_file(WARDS, columns=["id"])["id"].astype(str))
    named = {v for ids in sites["village_ids"].dropna() for v in ids.split(";")}
    assert named and named <= villages
    # the plan's workbook calls the 2025 communes communes ("xã"), as the run's do
    sheet = openpyxl.load_workbook(out / "lao-cai-new-sites.xlsx").active
    headers = {c.value for row in sheet.iter_rows(max_row=5) for c in row}
    assert "Các xã được phủ sóng" in headers and "Các thôn được phủ sóng" not in headers


def check_candidates_on_grid_powered_land(lao_cai: dict) -> None:
    """Every new candidate lies within --grid-distance of an OSM power line (exact distances,
    not the raster of the buffers); the other operators' masts are shared-mast candidates."""
    gpkg = lao_cai["out"] / "lao-cai-plan.gpkg"
    cand = gpd.read_file(gpkg, layer="candidates").to_crs(32648)
    new = cand[cand["kind"] == "new"]
    box = np.asarray(cand.total_bounds) + np.array([-6e3, -6e3, 6e3, 6e3])  # the file's CRS
    lines = gpd.read_file(LINES, bbox=tuple(box)).to_crs(32648)
    tree = shapely.STRtree(lines.geometry.values)
    _, dist = tree.query_nearest(new.geometry.values, return_distance=True, all_matches=False)
    assert dist.max() <= GRID_DISTANCE + 1e-6
    masts = cand[cand["kind"] != "new"]
    assert len(masts) and set(masts["kind"]) <= {"shared_mast", "upgrade"}
    assert (masts.loc[masts["kind"] == "upgrade", "existing_operator"] == "Viettel").all()
    assert (masts.loc[masts["kind"] == "shared_mast", "existing_operator"] != "Viettel").all()


def check_new_coverage_is_the_discs_and_counted_once(lao_cai: dict) -> None:
    gpkg = lao_cai["out"] / "lao-cai-plan.gpkg"
    sites = gpd.read_file(gpkg, layer="new_sites").set_index("site_id").to_crs(32648)
    cover = gpd.read_file(gpkg, layer="new_coverage").to_crs(32648)
    assert len(cover) == len(sites)
    for _, row in cover.iterrows():  # within the 4 km disc, plus half a 100 m cell's diagonal
        assert row.geometry.hausdorff_distance(sites.geometry[row["site_id"]]) <= LTE_RADIUS + 71
    assert cover.geometry.union_all().area == pytest.approx(cover.geometry.area.sum(), rel=1e-9)
