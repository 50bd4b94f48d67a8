"""Putting a raster onto the analysis grid: the windowed read of an aligned raster gives what
GDAL's warp gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.warp import reproject

from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.io import raster as raster_io
from coverage_gaps.io.raster import warp_to_grid
from tests.helpers import write_raster

UTM48 = CRS.from_epsg(32648)


def _warped(path: Path, grid: AnalysisGrid) -> np.ndarray:
    dest = np.full(grid.shape, np.nan, dtype="float32")
    with rasterio.open(path) as src:
        reproject(
            source=rasterio.band(src, 1),
            destination=dest,
            src_nodata=src.nodata,
            dst_nodata=np.nan,
            dst_transform=grid.transform,
            dst_crs=grid.crs,
            resampling=Resampling.nearest,
        )
    return dest


@pytest.mark.parametrize(
    ("dtype", "nodata"),
    [("uint8", 255), ("int16", -1), ("float32", np.nan), ("float32", -3.4e38), ("float64", None)],
)
@pytest.mark.parametrize(
    "bounds",
    [
        (1000, 1000, 3000, 2500),  # inside the raster
        (-1500, -800, 2000, 1500),  # hangs off its lower-left corner
        (4000, 3000, 9000, 7000),  # hangs off its upper-right corner
    ],
)
def test_aligned_window_read_equals_warp(
    tmp_path: Path, bounds: tuple[float, ...], dtype: str, nodata: float | None
) -> None:
    rng = np.random.default_rng(3)
    data = rng.integers(0, 5, (50, 60)).astype(dtype)
    if nodata is not None:
        data[25:45, 5:15] = nodata
    path = write_raster(tmp_path / "r.tif", data, x0=0, y1=5000, res=100, nodata=nodata)
    grid = AnalysisGrid.covering(bounds, resolution=100, crs=UTM48)
    with rasterio.open(path) as src:
        assert raster_io.aligned_offset(src, grid) is not None  # the fast path is taken
    got = warp_to_grid(path, grid, option="--x", resampling=Resampling.nearest)
    np.testing.assert_array_equal(got, _warped(path, grid))
    if nodata is not None or bounds[0] < 0 or bounds[2] > 6000:
        assert np.isnan(got).any()  # nodata, or cells off the raster, came through as NaN


def test_misaligned_or_other_resolution_is_warped(tmp_path: Path) -> None:
    data = np.arange(50 * 60, dtype="float32").reshape(50, 60)
    shifted = write_raster(tmp_path / "s.tif", data, x0=30, y1=5000, res=100)
    coarse = write_raster(tmp_path / "c.tif", data, x0=0, y1=10000, res=200)
    grid = AnalysisGrid.covering((1000, 1000, 3000, 2500), resolution=100, crs=UTM48)
    for path in (shifted, coarse):
        with rasterio.open(path) as src:
            assert raster_io.aligned_offset(src, grid) is None
        got = warp_to_grid(path, grid, option="--x", resampling=Resampling.nearest)
        np.testing.assert_array_equal(got, _warped(path, grid))


def _truncated(tmp_path: Path, *, x0: float) -> Path:
    """A 200 x 300 GeoTIFF cut to two thirds of its bytes: its header and first rows read,
    its last strips do not."""
    data = np.ones((200, 300), dtype="float32")
    path = write_raster(tmp_path / "whole.tif", data, x0=x0, y1=20000, res=100)
    cut = tmp_path / "cut.tif"
    raw = path.read_bytes()
    cut.write_bytes(raw[: 2 * len(raw) // 3])
    return cut


@pytest.mark.parametrize("x0", [0.0, 30.0], ids=["aligned", "warped"])
def test_a_damaged_raster_is_an_input_error_not_nodata(tmp_path: Path, x0: float) -> None:
    """A truncated file fails where the area reads its damaged rows (GDAL's warper would only
    print the error and fill nodata: every village not electrified), and reads where the
    area lies in its intact rows."""
    from coverage_gaps.errors import InputError
    from coverage_gaps.io.population import population_on_grid

    path = _truncated(tmp_path, x0=x0)
    south = AnalysisGrid.covering((1000, 1000, 20000, 5000), resolution=100, crs=UTM48)
    with pytest.raises(InputError, match=r"cut\.tif: the --x raster is damaged: .*TIFFRead"):
        warp_to_grid(path, south, option="--x", resampling=Resampling.nearest)
    with pytest.raises(InputError, match=r"the --population raster is damaged"):
        population_on_grid(path, south)
    north = AnalysisGrid.covering((1000, 17000, 20000, 19000), resolution=100, crs=UTM48)
    got = warp_to_grid(path, north, option="--x", resampling=Resampling.nearest)
    assert np.nanmin(got) == 1.0


def test_a_raster_in_metres_labelled_degrees_is_named_with_the_fix(tmp_path: Path) -> None:
    from coverage_gaps.errors import CRSError

    data = np.ones((20, 30), dtype="uint8")
    path = write_raster(
        tmp_path / "m.tif", data, x0=400_000, y1=2_500_000, res=100, crs="EPSG:4326"
    )
    grid = AnalysisGrid.covering((1000, 1000, 3000, 2500), resolution=100, crs=UTM48)
    with pytest.raises(CRSError, match=r"bounds \(400,000, .*not degrees.*gdal_edit\.py -a_srs"):
        warp_to_grid(path, grid, option="--x", resampling=Resampling.nearest)
    # a global raster in 0-360 longitudes is degrees
    wide = write_raster(tmp_path / "w.tif", data, x0=300, y1=20, res=1, crs="EPSG:4326")
    with rasterio.open(wide) as src:
        assert src.bounds.right == 330
    raster_io.open_raster(wide, option="--x").close()
