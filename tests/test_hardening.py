"""Hostile and broken inputs: impossible sizes, wrong CRSs, NaN coordinates, the antimeridian,
ids that do not identify, option values, and the output folder — one clear line each."""

from __future__ import annotations

import errno
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from pyproj import CRS

import coverage_gaps as cg
from coverage_gaps.cli.main import cli
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.io.raster import read_window
from tests.helpers import UTM, X0, Y0, run_args, write_raster


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def one_clear_line(result: object, code: int, *needles: str) -> None:
    out = result.output  # type: ignore[attr-defined]
    assert result.exit_code == code, out  # type: ignore[attr-defined]
    assert "Traceback" not in out
    errors = [line for line in out.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, out
    for needle in needles:
        assert needle in errors[0], errors[0]


# -- impossible sizes --------------------------------------------------------------------------


def test_villages_on_two_continents_are_refused_before_the_grid(
    tiny_world: dict, tmp_path: Path
) -> None:
    v = gpd.read_file(tiny_world["villages"]).to_crs(4326)
    v.loc[2, "geometry"] = shapely.box(-72.0, -13.5, -71.98, -13.48)  # in Peru
    v.to_file(tmp_path / "two.gpkg")
    args = run_args({**tiny_world, "villages": tmp_path / "two.gpkg"}, tmp_path / "o")
    one_clear_line(
        invoke(*args), 2, "the analysis grid of", "its villages span", "another continent"
    )
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_a_fine_resolution_beyond_the_budget_says_which_option(
    tiny_world: dict, tmp_path: Path
) -> None:
    args = [*run_args(tiny_world, tmp_path / "o"), "--resolution", "1", "--memory-budget", "0.05"]
    one_clear_line(invoke(*args), 2, "memory budget of 51.2 MB", "--resolution")


def test_an_absurd_max_range_is_refused_before_its_loss_table(
    tiny_world: dict, tmp_path: Path
) -> None:
    args = [*run_args(tiny_world, tmp_path / "o"), "--model", "hata", "--max-range", "1e9"]
    one_clear_line(invoke(*args), 2, "the hata model", "PB", "--max-range")


def test_rasters_are_read_through_a_window_of_the_area(tmp_path: Path) -> None:
    """A large raster is read only under the grid (plus a few pixels for resampling)."""
    big = write_raster(
        tmp_path / "big.tif",
        np.ones((2000, 3000), dtype="float32"),
        x0=X0 - 100_000,
        y1=Y0 + 100_000,
        res=100.0,
    )
    grid = AnalysisGrid.covering(
        (X0, Y0, X0 + 5000, Y0 + 2000), resolution=100, crs=CRS.from_user_input(UTM)
    )
    with rasterio.open(big) as src:
        window = read_window(src, grid, what="test")
    assert window is not None
    data, transform = window
    assert data.shape[0] <= 20 + 7 and data.shape[1] <= 50 + 7  # the grid and its margin
    assert transform.c <= X0 and transform.f >= Y0 + 2000
    with rasterio.open(big) as src, pytest.raises(cg.SizeError, match="test read over the area"):
        read_window(src, grid, what="test", budget_bytes=100)


def test_population_is_read_by_window_and_negative_pixels_are_reported(
    tiny_world: dict, tmp_path: Path
) -> None:
    pop = np.ones((40, 130), dtype="float32")
    pop[15:20, 10:15] = -3.4e38  # a lost nodata tag, under the first village
    path = write_raster(tmp_path / "pop.tif", pop, x0=X0 - 500, y1=Y0 + 3500, res=100.0)
    result = invoke("-q", *run_args(tiny_world, tmp_path / "o"), "--population", str(path))
    assert result.exit_code == 0, result.output
    assert "25 pixels over the area are negative" in result.output
    table = pd.read_csv(tmp_path / "o" / "lao-cai-villages.csv", encoding="utf-8-sig")
    assert (table["population"] >= 0).all()


# -- wrong CRSs, NaN coordinates, the antimeridian ---------------------------------------------


def test_metres_declared_as_degrees(tiny_world: dict, tmp_path: Path) -> None:
    v = gpd.read_file(tiny_world["villages"])
    v = v.set_crs(4326, allow_override=True)  # UTM metres labelled EPSG:4326
    v.to_file(tmp_path / "wrong.gpkg")
    args = run_args({**tiny_world, "villages": tmp_path / "wrong.gpkg"}, tmp_path / "o")
    one_clear_line(invoke(*args), 1, "wrong.gpkg", "feature 1 ('001')", "not degrees", "-a_srs")


def test_a_village_with_a_nan_coordinate_is_dropped_and_named(
    tiny_world: dict, tmp_path: Path
) -> None:
    v = gpd.read_file(tiny_world["villages"])
    x, y = X0 + 4000, Y0
    v.loc[1, "geometry"] = shapely.Polygon([(x, y), (np.nan, y + 500), (x + 2000, y + 2000)])
    v.to_file(tmp_path / "nan.gpkg")
    result = invoke(
        "-q", *run_args({**tiny_world, "villages": tmp_path / "nan.gpkg"}, tmp_path / "o")
    )
    assert result.exit_code == 0, result.output
    assert "NaN or infinite coordinate (ids '002')" in result.output
    table = pd.read_csv(tmp_path / "o" / "lao-cai-villages.csv", encoding="utf-8-sig", dtype=str)
    assert table["village_id"].tolist() == ["001", "003"]


def test_a_village_across_the_antimeridian(tmp_path: Path) -> None:
    v = gpd.GeoDataFrame(
        {"name": ["Taveuni"]}, geometry=[shapely.box(-179.99, -16.9, 179.99, -16.7)], crs=4326
    )
    v.to_file(tmp_path / "fiji.gpkg")
    with pytest.raises(cg.CRSError, match="crosses the antimeridian"):
        cg.read_villages(tmp_path / "fiji.gpkg")


# -- ids ---------------------------------------------------------------------------------------


def test_duplicate_and_missing_ids_are_made_unique_and_named(tmp_path: Path) -> None:
    v = gpd.GeoDataFrame(
        {"code": ["007", "007", None, "007-2", "009"], "name": list("abcde")},
        geometry=[
            shapely.box(X0 + i * 3000, Y0, X0 + i * 3000 + 1000, Y0 + 1000) for i in range(5)
        ],
        crs=UTM,
    )
    v.to_file(tmp_path / "ids.gpkg")
    with pytest.warns(cg.CoverageGapsWarning) as caught:
        got = cg.read_villages(tmp_path / "ids.gpkg")
    messages = " ".join(str(w.message) for w in caught)
    assert "1 feature(s) have no id in column 'code' (features 3)" in messages
    assert "'007' → '007-3'" in messages  # '007-2' is taken by a real id
    assert got["village_id"].tolist() == ["007", "007-3", "row-3", "007-2", "009"]
    assert got["village_id"].is_unique


# -- option values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "flag", "message"),
    [
        (["--resolution", "inf"], "--resolution", "inf is not a finite number"),
        # Cells larger than the villages gave nonsense (more uncovered km² than the villages
        # have, "no site reaches" a village with a site in it).
        (["--resolution", "3000"], "--resolution", "cells of 3000 m are coarser than 1000 m"),
        (["--max-range", "nan"], "--max-range", "nan is not a finite number"),
        (["--min-range", "5000", "--max-range", "1000"], "--min-range / --max-range", "above"),
        (["--grid-distance", "-5"], "--grid-distance", "below 0"),
        (["--co-location", "nan"], "--co-location", "not a finite number"),
        (["--fixed-radius", "4G=inf"], "--fixed-radius", "not a finite number"),
        (["--village-radius", "0"], "--village-radius", "not a positive number"),
        (["--k-factor", "-1"], "--k-factor", "not a positive number"),
        (["--mcc", "4520"], "--mcc", "not a mobile country code"),
        (["--memory-budget", "0"], "--memory-budget", "not a positive number"),
        (["--crs", "EPSG:99999"], "--crs", "'EPSG:99999' is not a CRS pyproj knows"),
        (["--crs", "EPSG:4326"], "--crs", "'EPSG:4326' is not a projected CRS"),
        (["--crs", "EPSG:2249"], "--crs", "'EPSG:2249' has axis units"),  # US survey feet
    ],
)
def test_option_values_are_checked(
    tiny_world: dict, tmp_path: Path, extra: list[str], flag: str, message: str
) -> None:
    result = invoke(*run_args(tiny_world, tmp_path / "o"), *extra)
    one_clear_line(result, 2, f"Invalid value for {flag}", message)
    assert not (tmp_path / "o").exists()


# -- the output folder -------------------------------------------------------------------------


def test_out_under_a_file_exits_3(tiny_world: dict, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    one_clear_line(invoke(*run_args(tiny_world, tmp_path / "f" / "o")), 3, "cannot write", "--out")


def test_an_unwritable_folder_exits_3(tiny_world: dict, tmp_path: Path) -> None:
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions
            pytest.skip("running as root: permissions do not stop writes")
        one_clear_line(invoke(*run_args(tiny_world, locked / "o")), 3, "--out")
    finally:
        locked.chmod(0o700)


def test_a_full_disk_exits_3_and_leaves_nothing(
    tiny_world: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coverage_gaps.outputs.geopackage as gpkg

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "o" / "x.gpkg"))

    monkeypatch.setattr(gpkg, "write_geopackage", full)
    one_clear_line(
        invoke(*run_args(tiny_world, tmp_path / "o")), 3, "No space left on device", "free some"
    )
    assert not (tmp_path / "o").exists()  # the folder the run made for itself is gone too
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "mine.txt").write_text("an official's own file")
    nested = tmp_path / "kept" / "new" / "deeper"
    one_clear_line(invoke(*run_args(tiny_world, nested)), 3, "No space left on device")
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["mine.txt"]


def test_an_all_nodata_raster_is_said_and_the_run_fails(tiny_world: dict, tmp_path: Path) -> None:
    nodata = write_raster(
        tmp_path / "nd.tif",
        np.full((40, 130), 255, dtype="uint8"),
        x0=X0 - 500,
        y1=Y0 + 3500,
        res=100.0,
        nodata=255,
    )
    args = run_args(
        tiny_world, tmp_path / "o", electrification=["--electrified-raster", str(nodata)]
    )
    result = invoke(*args)
    assert "holds only nodata over this area" in result.output  # type: ignore[attr-defined]
    one_clear_line(result, 2, "no village of any province has electrified land")


# -- found by a hostile user (tables without geometry, ...) --------------------------------------


def _lonlat_csv(tiny_world: dict, path: Path) -> Path:
    v = gpd.read_file(tiny_world["villages"])
    centre = v.geometry.centroid.to_crs(4326)
    table = pd.DataFrame(v.drop(columns="geometry")).assign(lon=centre.x, lat=centre.y)
    table.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("role", ["villages", "grid-lines", "province-layer"])
def test_a_table_without_geometry_is_named_not_an_internal_error(
    tiny_world: dict, tmp_path: Path, role: str
) -> None:
    table = _lonlat_csv(tiny_world, tmp_path / "lonlat.csv")
    if role == "villages":
        args = run_args({**tiny_world, "villages": table}, tmp_path / "o")
    elif role == "grid-lines":
        args = run_args(tiny_world, tmp_path / "o", electrification=["--grid-lines", str(table)])
    else:
        args = [*run_args(tiny_world, tmp_path / "o"), "--province-layer", str(table)]
    one_clear_line(invoke(*args), 1, "lonlat.csv", f"--{role}", "has no geometry", "X_POSSIBLE")


def test_the_geometry_is_not_an_id_column(tiny_world: dict, tmp_path: Path) -> None:
    args = [*run_args(tiny_world, tmp_path / "o"), "--id-col", "geometry"]
    one_clear_line(invoke(*args), 1, "--id-col 'geometry' is not a column", "code, name")


def test_infinite_population_pixels_are_reported_and_count_as_nobody(
    tiny_world: dict, tmp_path: Path
) -> None:
    pop = np.ones((40, 130), dtype="float32")
    pop[15:20, 10:15] = np.inf  # under the first village
    pop[15:17, 50:52] = -np.inf  # under the second
    path = write_raster(tmp_path / "pop.tif", pop, x0=X0 - 500, y1=Y0 + 3500, res=100.0)
    result = invoke("-q", *run_args(tiny_world, tmp_path / "o"), "--population", str(path))
    assert result.exit_code == 0, result.output
    assert "25 pixels over the area are not finite (inf)" in result.output
    assert "4 pixels over the area are negative (smallest -inf)" in result.output
    table = pd.read_csv(tmp_path / "o" / "lao-cai-villages.csv", encoding="utf-8-sig")
    # The villages' 2 km squares hold 400 pixels of 1 person; the bad ones count as nobody.
    assert table["population"].tolist() == [400 - 25, 400 - 4, 400]


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        ("", 1, "holds no rows (the file is empty)"),
        (
            "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,"
            "averageSignal\n",
            1,
            "only a header line",
        ),
        ("WIMAX,452,4,1,1,1,105,21,1000,1,1,1600000000,1600000000,0\n", 1, "none of its 1 rows"),
        ("LTE,452,4,1,1,1,105,21,1000,1,1,1600000000,1600000000,0\n", 2, "--mcc 214 matches"),
    ],
)
def test_a_towers_file_without_a_usable_row_is_an_input_error(
    tiny_world: dict, tmp_path: Path, content: str, code: int, message: str
) -> None:
    """Exit 1 when the file itself holds no usable row; 2 when a filter drops every row."""
    towers = tmp_path / "t.csv"
    towers.write_text(content)
    args = [*run_args(tiny_world, tmp_path / "o", towers=towers), "--mcc", "214"]
    one_clear_line(invoke(*args), code, "t.csv", message)


def test_a_dem_the_model_does_not_use_is_said(tiny_world: dict, tmp_path: Path) -> None:
    """--dem with a model that ignores terrain would otherwise be dropped unseen (unread)."""
    dem = tmp_path / "dem.tif"
    dem.write_text("not even a raster")
    result = invoke(
        "-q", *run_args(tiny_world, tmp_path / "o"), "--model", "hata", "--dem", str(dem)
    )
    assert result.exit_code == 0, result.output
    assert "--dem is not used by --model hata" in result.output
    assert "terrain" in result.output and "itm" in result.output
