"""Putting a raster onto the analysis grid: the windowed read of an aligned raster gives what
GDAL's warp gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.warp import reproject

from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.io import raster as raster_io
from coverage_gaps.io.raster import warp_to_grid

UTM48 = CRS.from_epsg(32648)


def _write(path: Path, data: np.ndarray, transform: Affine, nodata: float | None) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=data.dtype,
        crs="EPSG:32648",
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data, 1)
    return path


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
    path = _write(tmp_path / "r.tif", data, Affine(100, 0, 0, 0, -100, 5000), nodata=nodata)
    grid = AnalysisGrid.covering(bounds, resolution=100, crs=UTM48)
    with rasterio.open(path) as src:
        assert raster_io._aligned_offset(src, grid) is not None  # the fast path is taken
    got = warp_to_grid(path, grid, option="--x", resampling=Resampling.nearest)
    np.testing.assert_array_equal(got, _warped(path, grid))
    if nodata is not None or bounds[0] < 0 or bounds[2] > 6000:
        assert np.isnan(got).any()  # nodata, or cells off the raster, came through as NaN


def test_misaligned_or_other_resolution_is_warped(tmp_path: Path) -> None:
    data = np.arange(50 * 60, dtype="float32").reshape(50, 60)
    shifted = _write(tmp_path / "s.tif", data, Affine(100, 0, 30, 0, -100, 5000), nodata=None)
    coarse = _write(tmp_path / "c.tif", data, Affine(200, 0, 0, 0, -200, 10000), nodata=None)
    grid = AnalysisGrid.covering((1000, 1000, 3000, 2500), resolution=100, crs=UTM48)
    for path in (shifted, coarse):
        with rasterio.open(path) as src:
            assert raster_io._aligned_offset(src, grid) is None
        got = warp_to_grid(path, grid, option="--x", resampling=Resampling.nearest)
        np.testing.assert_array_equal(got, _warped(path, grid))
