"""read_dem: GeoTIFF and SRTM tiles, mosaics, voids, CRS changes, and the real SRTM sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.transform import from_origin

from coverage_gaps.errors import CoverageGapsWarning, InputError, NoOverlapError
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.io.dem import read_dem

SRTM_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "srtm-sample"
UTM48 = CRS.from_epsg(32648)


def _write_tif(
    path: Path, data: np.ndarray, transform: Affine, crs: str, nodata: float | None
) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype=data.dtype, crs=crs, transform=transform,
                       nodata=nodata) as ds:  # fmt: skip
        ds.write(data, 1)
    return path


def _plane(h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[:h, :w]
    return (100.0 + 2.0 * xx + 3.0 * yy).astype("float32")


def test_two_tiles_mosaic_to_the_original(tmp_path: Path) -> None:
    # A 40 x 60 plane at 30 m cut into a west and an east tile; on the same grid, nearest
    # resampling must give back the plane exactly.
    dem = _plane(40, 60)
    t = from_origin(500_000.0, 2_000_000.0, 30.0, 30.0)
    west = _write_tif(tmp_path / "w.tif", dem[:, :30], t, "EPSG:32648", None)
    east = _write_tif(tmp_path / "e.tif", dem[:, 30:], from_origin(500_900.0, 2_000_000.0, 30, 30),
                      "EPSG:32648", None)  # fmt: skip
    grid = AnalysisGrid(crs=UTM48, transform=t, width=60, height=40)
    got = read_dem([west, east], grid, resampling="nearest")
    np.testing.assert_array_equal(got, dem)
    # bilinear on the cell centres of a plane is exact as well
    np.testing.assert_allclose(read_dem([east, west], grid), dem, atol=1e-3)


def test_other_crs_is_reprojected(tmp_path: Path) -> None:
    # Elevation = 1000 + 10 * latitude-degrees-from-21N, written in EPSG:4326; read on a UTM grid
    # the value at each cell must be that of its own latitude (within a bilinear step).
    lon0, lat0, step = 104.0, 21.2, 0.001
    h, w = 300, 300
    lats = lat0 - (np.arange(h) + 0.5) * step
    data = np.repeat((1000.0 + 10_000.0 * (lats - 21.0))[:, None], w, axis=1).astype("float32")
    src = _write_tif(tmp_path / "geo.tif", data, from_origin(lon0, lat0, step, step), "EPSG:4326",
                     None)  # fmt: skip
    to_utm = Transformer.from_crs("EPSG:4326", UTM48, always_xy=True)
    x0, y0 = to_utm.transform(104.05, 21.15)
    grid = AnalysisGrid.covering((x0, y0 - 3000, x0 + 3000, y0), resolution=100.0, crs=UTM48)
    got = read_dem([src], grid)
    xs, ys = grid.cell_centres()
    back = Transformer.from_crs(UTM48, "EPSG:4326", always_xy=True)
    _, lat = back.transform(*np.meshgrid(xs, ys))
    np.testing.assert_allclose(got, 1000.0 + 10_000.0 * (lat - 21.0), atol=10.0 * 0.5 + 0.5)


def test_voids_are_filled_and_reported(tmp_path: Path) -> None:
    dem = _plane(50, 50)
    dem[20:23, 10:14] = -32768  # an SRTM void, 12 cells, in a file with no nodata tag
    t = from_origin(500_000.0, 2_000_000.0, 30.0, 30.0)
    src = _write_tif(tmp_path / "void.tif", dem, t, "EPSG:32648", None)
    grid = AnalysisGrid(crs=UTM48, transform=t, width=50, height=50)
    with pytest.warns(CoverageGapsWarning, match=r"^12 of 2500 DEM grid cells"):
        got = read_dem([src], grid, resampling="nearest")
    assert np.isfinite(got).all()
    # filled by interpolation from the plane around: within the plane's range there
    truth = _plane(50, 50)[20:23, 10:14]
    assert np.all(np.abs(got[20:23, 10:14] - truth) < 12.0)
    void = dem < -1000
    np.testing.assert_array_equal(got[~void], _plane(50, 50)[~void])


def test_srtm_hgt_file(tmp_path: Path) -> None:
    # An SRTM3 tile is 1201 x 1201 big-endian int16, named by its south-west corner.
    data = np.full((1201, 1201), 250, dtype=">i2")
    data[600, 600] = -32768
    hgt = tmp_path / "N21E104.hgt"
    hgt.write_bytes(data.tobytes())
    to_utm = Transformer.from_crs("EPSG:4326", UTM48, always_xy=True)
    x, y = to_utm.transform(104.5, 21.5)
    grid = AnalysisGrid.covering((x - 1000, y - 1000, x + 1000, y + 1000), resolution=90.0,
                                 crs=UTM48)  # fmt: skip
    with pytest.warns(CoverageGapsWarning, match="filled"):
        got = read_dem([hgt], grid, resampling="nearest")
    np.testing.assert_allclose(got, 250.0)


def test_errors(tmp_path: Path) -> None:
    t = from_origin(500_000.0, 2_000_000.0, 30.0, 30.0)
    grid = AnalysisGrid(crs=UTM48, transform=t, width=10, height=10)
    with pytest.raises(InputError, match="no such elevation file"):
        read_dem([tmp_path / "missing.tif"], grid)
    far = _write_tif(tmp_path / "far.tif", _plane(10, 10), from_origin(900_000, 100_000, 30, 30),
                     "EPSG:32648", None)  # fmt: skip
    with pytest.raises(NoOverlapError, match="no elevation tile overlaps"):
        read_dem([far], grid)
    junk = tmp_path / "junk.tif"
    junk.write_text("not a raster")
    with pytest.raises(InputError, match="cannot be read"):
        read_dem([junk], grid)
    with pytest.raises(InputError, match="at least one"):
        read_dem([], grid)


@pytest.mark.shared_data
@pytest.mark.skipif(not SRTM_SAMPLE.is_dir(), reason="../shared/data/srtm-sample is missing")
def test_real_zipped_srtm_tile() -> None:
    # N10W110 holds Clipperton Island (about 10.30 N, 109.22 W; up to 9 m in this tile) in the
    # Pacific.  Read it on a UTM 12N grid at 90 m with nearest resampling and compare each cell
    # with the tile's own value at the cell centre, looked up independently with rasterio.
    path = SRTM_SAMPLE / "N10W110.hgt.zip"
    utm12 = CRS.from_epsg(32612)
    to_utm = Transformer.from_crs("EPSG:4326", utm12, always_xy=True)
    x, y = to_utm.transform(-109.22, 10.30)
    grid = AnalysisGrid.covering((x - 4000, y - 4000, x + 4000, y + 4000), resolution=90.0,
                                 crs=utm12)  # fmt: skip
    got = read_dem([path], grid, resampling="nearest")
    assert got.shape == grid.shape and got.dtype == np.float32
    assert 0 < got.max() <= 9 and got.min() == 0
    xs, ys = grid.cell_centres()
    lon, lat = Transformer.from_crs(utm12, "EPSG:4326", always_xy=True).transform(
        *np.meshgrid(xs, ys)
    )
    with rasterio.open(f"/vsizip/{path}/N10W110.hgt") as src:
        expected = np.array([v[0] for v in src.sample(zip(lon.ravel(), lat.ravel(), strict=True))])
    agree = np.mean(got.ravel() == expected.reshape(-1))
    assert agree > 0.97  # nearest-cell choices may differ on the odd cell boundary
