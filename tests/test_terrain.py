"""Line of sight against GDAL's own viewshed, and diffraction behind a hand-built ridge."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from coverage_gaps.coverage.propagation import wavelength_m
from coverage_gaps.coverage.terrain import (
    WGS84_SEMI_MAJOR_M,
    SiteArrays,
    curvature_factor,
    signal_grids,
    viewshed,
)
from coverage_gaps.synthetic.terrain import fractal_dem

RES = 30.0
X0, Y0 = 500_000.0, 2_500_000.0
TRANSFORM = Affine(RES, 0.0, X0, 0.0, -RES, Y0)


@pytest.fixture(scope="module")
def mountains() -> np.ndarray:
    return fractal_dem((400, 400), RES, seed=7, relief=(0.0, 2500.0), ridges=True)


def _gdal_viewshed(
    tmp: Path,
    dem: np.ndarray,
    col: int,
    row: int,
    *,
    height: float,
    target: float,
    max_distance: float,
    cc: float,
) -> tuple[np.ndarray, np.ndarray]:
    """GDAL's visibility and in-range masks, placed on the full DEM."""
    src, dst = tmp / "dem.tif", tmp / "vs.tif"
    if not src.exists():
        with rasterio.open(src, "w", driver="GTiff", width=dem.shape[1], height=dem.shape[0],
                           count=1, dtype="float32", crs="EPSG:32648",
                           transform=TRANSFORM) as ds:  # fmt: skip
            ds.write(dem, 1)
    x = X0 + (col + 0.5) * RES
    y = Y0 - (row + 0.5) * RES
    cmd = ["gdal_viewshed", "-q", "-ox", str(x), "-oy", str(y), "-oz", str(height),
           "-tz", str(target), "-vv", "1", "-iv", "0", "-ov", "2", "-cc", str(cc)]  # fmt: skip
    if max_distance:
        cmd += ["-md", str(max_distance)]
    subprocess.run([*cmd, str(src), str(dst)], check=True, capture_output=True)
    with rasterio.open(dst) as ds:
        out = ds.read(1)
        c0 = round((ds.transform.c - X0) / RES)
        r0 = round((Y0 - ds.transform.f) / RES)
    visible = np.zeros(dem.shape, dtype=bool)
    in_range = np.zeros(dem.shape, dtype=bool)
    win = (slice(r0, r0 + out.shape[0]), slice(c0, c0 + out.shape[1]))
    visible[win] = out == 1
    in_range[win] = out != 2
    return visible, in_range


@pytest.mark.gdal
@pytest.mark.skipif(shutil.which("gdal_viewshed") is None, reason="gdal_viewshed not installed")
@pytest.mark.parametrize(
    ("where", "height", "max_distance", "k_factor"),
    [
        ("peak", 30.0, 6000.0, 4 / 3),
        ("peak", 10.0, 0.0, 7 / 6),
        ("centre", 30.0, 4500.0, None),
        ("valley", 50.0, 3000.0, 4 / 3),
        ("corner", 2.0, 9000.0, 7 / 6),
    ],
)
def test_viewshed_matches_gdal(
    tmp_path: Path,
    mountains: np.ndarray,
    where: str,
    height: float,
    max_distance: float,
    k_factor: float | None,
) -> None:
    dem = mountains
    if where == "peak":
        row, col = np.unravel_index(int(np.argmax(dem)), dem.shape)
    elif where == "valley":
        inner = dem[100:300, 100:300]
        r, c = np.unravel_index(int(np.argmin(inner)), inner.shape)
        row, col = r + 100, c + 100
    elif where == "corner":
        row, col = 20, 370
    else:
        row, col = 200, 200
    cc = 0.0 if k_factor is None else 1.0 / k_factor  # GDAL's -cc is 1/k
    gdal_vis, in_range = _gdal_viewshed(
        tmp_path, dem, int(col), int(row), height=height, target=1.5,
        max_distance=max_distance, cc=cc,
    )  # fmt: skip
    xy = (X0 + (col + 0.5) * RES, Y0 - (row + 0.5) * RES)
    kw = {"observer_height": height, "target_height": 1.5, "max_distance": max_distance or None,
          "k_factor": k_factor, "earth_radius_m": WGS84_SEMI_MAJOR_M}  # fmt: skip
    assert int(gdal_vis.sum()) > 200, "too few visible cells for the IoU to mean anything"
    for gdal36 in (True, False):
        ours = viewshed(dem, TRANSFORM, observer_xy=xy, gdal36=gdal36, **kw)  # type: ignore[arg-type]
        assert not np.any(ours & ~in_range), "visible cells beyond the radius"
        agree = float(np.mean(ours[in_range] == gdal_vis[in_range]))
        iou = float(np.sum(ours & gdal_vis)) / int(np.sum(ours | gdal_vis))
        if gdal36:
            assert agree >= 0.995, agree
            assert iou >= 0.95, iou
        else:
            # GDAL 3.6 gives the observer's ground as the horizon of its row neighbours (see the
            # summit test): its horizons are never lower than ours, so we only ever differ from
            # it by seeing more, and only near observers standing above their neighbours.
            assert not np.any(gdal_vis & ~ours)
            assert agree >= 0.95, agree


def _cone(n: int = 201) -> np.ndarray:
    yy, xx = np.mgrid[:n, :n]
    r = np.hypot(xx - n // 2, yy - n // 2) * RES
    return (1000.0 - 0.5 * r).astype(np.float32)


def test_viewshed_summit_sees_its_slopes(tmp_path: Path) -> None:
    # A 50 % cone with a 2 m observer on its apex, target 1.5 m.  The line from the eye
    # (1002 m) to a target at distance r (1000 - 0.5 r + 1.5) has height at r' < r of
    # 1002 - 0.5 r' - 0.5 r'/r, above the cone (1000 - 0.5 r') because 2 > 0.5 r'/r:
    # every cell is visible.
    dem = _cone()
    ours = viewshed(dem, RES, observer_colrow=(100, 100), observer_height=2.0, target_height=1.5)
    assert ours.all()
    legacy = viewshed(dem, RES, observer_colrow=(100, 100), observer_height=2.0,
                      target_height=1.5, gdal36=True)  # fmt: skip
    assert legacy.mean() < 0.05  # GDAL <= 3.8 sees almost nothing from the summit
    if shutil.which("gdal_viewshed") is not None:
        gdal_vis, _ = _gdal_viewshed(tmp_path, dem, 100, 100, height=2.0, target=1.5,
                                            max_distance=0.0, cc=0.0)  # fmt: skip
        version = subprocess.run(["gdalinfo", "--version"], capture_output=True, text=True)
        if "GDAL 3.6" in version.stdout:
            assert np.array_equal(gdal_vis, legacy)


def test_viewshed_curvature_hides_far_flat_ground() -> None:
    # Radio horizon over smooth Earth: d = sqrt(2 k R h); with k = 4/3, R = 6371 km, h = 10 m
    # the horizon is 13.03 km (target height 0).  Cells well inside are visible, well beyond not.
    dem = np.zeros((3, 1000), dtype=np.float32)
    vis = viewshed(dem, RES, observer_colrow=(0, 1), observer_height=10.0, k_factor=4 / 3)
    horizon = math.sqrt(2 * (4 / 3) * 6_371_000.0 * 10.0)
    assert horizon == pytest.approx(13_033, abs=5)
    x = np.arange(1000) * RES
    assert vis[1, x < horizon - 300].all()
    assert not vis[1, x > horizon + 300].any()
    assert curvature_factor(None) == 0.0


def test_viewshed_rejects_bad_input() -> None:
    dem = np.zeros((10, 10), dtype=np.float32)
    with pytest.raises(ValueError, match="exactly one"):
        viewshed(dem, RES, observer_height=1.0)
    with pytest.raises(ValueError, match="outside"):
        viewshed(dem, RES, observer_colrow=(10, 0), observer_height=1.0)
    with pytest.raises(ValueError, match="north-up"):
        viewshed(dem, Affine(30, 0, 0, 0, 30, 0), observer_colrow=(1, 1), observer_height=1.0)
    bad = dem.copy()
    bad[2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        viewshed(bad, RES, observer_colrow=(1, 1), observer_height=1.0)


def _one_site(dem: np.ndarray, *, terrain: bool) -> np.ndarray:
    """Signal of one LTE-like emitter at (col 0, row 20): EIRP 30 dBm, 30 m mast, 1842.5 MHz,
    with a loss table that is free space (the terrain sweep adds ITM's attenuation to it)."""
    rc2 = (11_000.0 / RES) ** 2
    d = np.sqrt(np.arange(int(rc2) + 1)) * RES
    d[0] = RES / 2
    table = 20 * np.log10(d / 1000) + 20 * np.log10(1842.5) + 32.4478
    sites = SiteArrays(
        col=np.array([0]), row=np.array([20]), antenna_height_m=np.array([30.0]),
        receiver_height_m=np.array([1.5]), eirp_dbm=np.array([30.0]),
        threshold_dbm=np.array([-110.0]), reach_radius_m=np.array([5000.0]),
        table=np.array([0]), wavelength_m=np.array([wavelength_m(1842.5)]),
        bit=np.array([1], dtype=np.uint32), broadband=np.array([True]), layer=np.array([0]),
    )  # fmt: skip
    out = signal_grids(dem, dem.shape, RES, sites, loss_tables=table[None, :], n_layers=1,
                       max_range_m=11_000.0, k_factor=4 / 3, terrain=terrain)  # fmt: skip
    return out.signal[0]


def test_ridge_loss_against_itmlogic() -> None:
    # Site at column 0 (30 m mast on flat ground at 0 m), a 300 m Gaussian ridge (e-folding
    # half-width 600 m) 3 km away; receivers 1.5 m above ground behind it, on the site's row,
    # where the chain of parents is the profile itself.  Reference: itmlogic over the same
    # profile.  The sweep's own parameters differ from ITM's walk of the profile in the terrain
    # irregularity (2.563 standard deviations instead of the interdecile range) and in leaving
    # the receiver's last 10 % of horizon distance in its fit, so the tolerance is 3 dB.  (A
    # one-cell wall is no test: ITM's interdecile range of flat ground plus a wall is 0, which
    # makes ITM treat it as smooth Earth.)
    pytest.importorskip("itmlogic")
    from coverage_gaps.coverage.itm import itm_loss_db

    dem = np.zeros((41, 400), dtype=np.float32)
    flat = _one_site(dem, terrain=True)
    x = np.arange(400) * RES
    dem[:] = (300.0 * np.exp(-(((x - 3000.0) / 600.0) ** 2)))[None, :]
    ridge = _one_site(dem, terrain=True)
    for col in (110, 130, 150, 200, 250, 350):
        prof = dem[20, : col + 1].astype("f8")
        itm = itm_loss_db(prof, RES, 1842.5, 30.0, 1.5)
        assert 30.0 - ridge[20, col] == pytest.approx(itm, abs=3.0), col
        # the ridge costs tens of dB over flat ground
        assert flat[20, col] - ridge[20, col] > 20.0
    # in front of the ridge the flat-ground ITM loss is unchanged (ITM's line-of-sight curve
    # depends on the whole profile's roughness, so allow a little)
    assert ridge[20, 60] == pytest.approx(flat[20, 60], abs=3.0)
    # terrain=False ignores the DEM: free space exactly
    fs = 32.4478 + 20 * np.log10(1842.5) + 20 * np.log10(4.5)
    assert _one_site(dem, terrain=False)[20, 150] == pytest.approx(30.0 - fs, abs=1e-3)


def test_shortcuts_against_the_exact_sweep(mountains: np.ndarray) -> None:
    # The default sweep skips ITM where it cannot matter, reuses a value along a ray and runs
    # coarser levels beyond 2 km (SWEEP_LEVELS); exact=True does none of that.  On rugged
    # relief (2.5 km of fractal ridges) the served verdicts must agree at >= 95 % of cells and
    # the best signal at the median within 0.5 dB; within 2 km (full resolution) closer still.
    rng = np.random.default_rng(3)
    n, rmax = 10, 11_000.0
    rc2 = (rmax / RES) ** 2
    d = np.sqrt(np.arange(int(rc2) + 1)) * RES
    d[0] = RES / 2
    table = 20 * np.log10(d / 1000) + 20 * np.log10(945.0) + 32.4478
    cols, rows = rng.integers(40, 360, n), rng.integers(40, 360, n)
    sites = SiteArrays(
        col=cols, row=rows, antenna_height_m=np.full(n, 30.0),
        receiver_height_m=np.full(n, 1.5), eirp_dbm=np.full(n, 57.0),
        threshold_dbm=np.full(n, -100.0), reach_radius_m=np.full(n, rmax),
        table=np.zeros(n, dtype=int), wavelength_m=np.full(n, wavelength_m(945.0)),
        bit=(1 << (np.arange(n) % 3)).astype(np.uint32), broadband=np.zeros(n, dtype=bool),
        layer=np.zeros(n, dtype=int),
    )  # fmt: skip
    kw = dict(loss_tables=table[None, :], n_layers=1, max_range_m=rmax, k_factor=4 / 3,
              terrain=True)  # fmt: skip
    fast = signal_grids(mountains, mountains.shape, RES, sites, **kw)  # type: ignore[arg-type]
    exact = signal_grids(mountains, mountains.shape, RES, sites, exact=True, **kw)  # type: ignore[arg-type]
    diff = fast.signal - exact.signal
    ok = np.isfinite(diff)
    served = (fast.serving > 0) == (exact.serving > 0)
    yy, xx = np.mgrid[: mountains.shape[0], : mountains.shape[1]]
    near = (
        np.min([np.hypot(xx - c, yy - r) for c, r in zip(cols, rows, strict=True)], axis=0) * RES
        < 2000
    )
    assert 0.2 < (exact.serving > 0).mean() < 0.9  # a real mix of served and shadow
    assert served.mean() >= 0.95
    assert np.median(np.abs(diff[ok])) <= 0.5
    assert served[near].mean() >= 0.97
    assert np.median(np.abs(diff[ok & near])) <= 0.2


@pytest.mark.skipif(
    __import__("numba").config.NUMBA_NUM_THREADS < 2, reason="needs numba with 2 threads"
)
def test_the_terrain_sweep_gives_the_same_bytes_on_any_number_of_threads() -> None:
    """The sweep's early-out reads the best signal so far, so a split of the emitters that
    followed the thread count gave other values on 1 and 2 threads (and on dask workers);
    the split is fixed (PRIVATE_SLOTS), on small grids and large."""
    import numba
    from pyproj import CRS

    from coverage_gaps.coverage import Emitters
    from coverage_gaps.coverage.linkbudget import default_link_budget
    from coverage_gaps.coverage.signal import predict_coverage
    from coverage_gaps.grid import AnalysisGrid
    from coverage_gaps.network import RADIOS

    n, x0, y0 = 300, 400_000.0, 2_500_000.0
    grid = AnalysisGrid.covering(
        (x0, y0 - n * RES, x0 + n * RES, y0), resolution=RES, crs=CRS.from_epsg(32648), margin=0
    )
    dem = fractal_dem(grid.shape, RES, seed=5, relief=(0.0, 2000.0), ridges=True)
    rng = np.random.default_rng(3)
    k = 120
    em = Emitters(
        x=x0 + rng.uniform(0, n * RES, k),
        y=y0 - rng.uniform(0, n * RES, k),
        radio=np.full(k, RADIOS.index("LTE"), dtype=np.int8),
        operator=rng.integers(0, 4, k).astype(np.int16),
        range_m=np.ones(k),
        site=np.arange(k),
    )
    before = numba.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            for reach in (3_000.0, 800.0):  # few tiles (private copies), and many (tiles)
                res = predict_coverage(
                    em, grid, model="terrain", link_budget=default_link_budget(), dem=dem,
                    max_range_m=reach,
                )  # fmt: skip
                results.append((threads, reach, res.best_signal_dbm, res.serving))
    finally:
        numba.set_num_threads(before)
    one = {reach: (s, v) for t, reach, s, v in results if t == 1}
    for t, reach, signal, serving in results:
        np.testing.assert_array_equal(signal, one[reach][0], err_msg=f"{t} threads, {reach} m")
        np.testing.assert_array_equal(serving, one[reach][1])
