"""Benchmark of the terrain model against GDAL's viewshed, and a province end to end.

Run ``python benchmarks/bench_terrain.py`` (full: about two minutes) or ``--quick``.

1. Per site, 10 km and 30 km radius at 30 m on one fractal DEM (0-2500 m with ridges):
   ``gdal_viewshed`` (the command, as a user runs it, and, when the system Python has GDAL's
   bindings, ``gdal.ViewshedGenerate`` into memory, which is the algorithm alone) against our
   ``viewshed`` and our coverage sweep (``predict_coverage(model="terrain")``, which also computes
   the diffraction loss and best-server signal), with agreement and IoU of the visible cells.
2. A province: 100 km x 100 km at 30 m (3334 x 3334 cells), 3,000 LTE sites, 10 km radius,
   ``predict_coverage(model="terrain")`` end to end, in a fresh process so that its peak memory
   is its own.
3. ``--country``: the synthetic country of ``bench_country.py`` (~125,000 sites over Vietnam's
   331,000 km^2, 0.38 sites per km^2; radios as ``synthetic_cells`` draws them: GSM 35 %, UMTS
   15 %, LTE 45 %, NR 5 %), each at the reach its link budget allows (Hata, open, over flat
   ground, with the 90 % reliability margin: GSM 32.3 km, UMTS 13.6 km, LTE 6.8 km, NR
   1.7 km), at 30 m.  Measured on a 50 km x 50 km tile at the country's density (its DEM
   extended by the largest reach, so that no disc is clipped), in a fresh process, and scaled
   by area to the country (the pipeline runs province by province, so the peak memory is a
   province's, not the country's).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coverage_gaps.coverage.base import Emitters
from coverage_gaps.coverage.linkbudget import default_link_budget
from coverage_gaps.coverage.signal import predict_coverage
from coverage_gaps.coverage.terrain import WGS84_SEMI_MAJOR_M, viewshed
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.network import RADIOS
from coverage_gaps.synthetic.terrain import fractal_dem

RES = 30.0
X0, Y0 = 400_000.0, 2_500_000.0
CRS_UTM = CRS.from_epsg(32648)
LTE = RADIOS.index("LTE")

_OSGEO_TIMER = r"""
import sys, time, json
from osgeo import gdal
gdal.UseExceptions()
src = gdal.Open(sys.argv[1]); band = src.GetRasterBand(1)
out = []
for spec in json.loads(sys.argv[2]):
    x, y, oh, md, cc = spec
    t = time.perf_counter()
    ds = gdal.ViewshedGenerate(band, "MEM", "vs", [], x, y, oh, 1.5, 1, 0, 2, -1, cc,
                               gdal.GVM_Edge, md)
    ds.GetRasterBand(1).ReadAsArray()
    out.append(time.perf_counter() - t)
    ds = None
print(json.dumps(out))
"""


def _grid(n: int) -> AnalysisGrid:
    return AnalysisGrid(
        crs=CRS_UTM, transform=Affine(RES, 0.0, X0, 0.0, -RES, Y0), width=n, height=n
    )


def _gdal_cli(tif: Path, out: Path, x: float, y: float, oh: float, md: float, cc: float) -> float:
    cmd = ["gdal_viewshed", "-q", "-ox", str(x), "-oy", str(y), "-oz", str(oh), "-tz", "1.5",
           "-vv", "1", "-iv", "0", "-ov", "2", "-cc", str(cc), "-md", str(md), str(tif),
           str(out)]  # fmt: skip
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def _read_gdal(out: Path, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    with rasterio.open(out) as ds:
        a = ds.read(1)
        c0 = round((ds.transform.c - X0) / RES)
        r0 = round((Y0 - ds.transform.f) / RES)
    vis = np.zeros(shape, dtype=bool)
    inr = np.zeros(shape, dtype=bool)
    win = (slice(r0, r0 + a.shape[0]), slice(c0, c0 + a.shape[1]))
    vis[win] = a == 1
    inr[win] = a != 2
    return vis, inr


def per_site(n_obs: int, workdir: Path) -> list[dict[str, float]]:
    n = 2101  # 63 km: room for a 30 km disc
    t = time.perf_counter()
    dem = fractal_dem((n, n), RES, seed=2024, relief=(0.0, 2500.0), ridges=True)
    print(f"fractal DEM {n} x {n} at {RES:g} m: {time.perf_counter() - t:.1f} s")
    tif = workdir / "dem.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32",
                       crs=CRS_UTM, transform=Affine(RES, 0, X0, 0, -RES, Y0),
                       tiled=True) as ds:  # fmt: skip
        ds.write(dem, 1)
    grid = _grid(n)
    lb = default_link_budget()
    rng = np.random.default_rng(1)
    # warm the numba caches
    viewshed(dem, RES, observer_colrow=(5, 5), observer_height=30.0, max_distance=300.0)
    one = Emitters(x=np.array([X0 + 1000.0]), y=np.array([Y0 - 1000.0]),
                   radio=np.array([LTE], dtype=np.int8), operator=np.array([0], dtype=np.int16),
                   range_m=np.array([1.0]), site=np.array([0]))  # fmt: skip
    predict_coverage(one, grid, model="terrain", link_budget=lb, dem=dem, max_range_m=500.0)
    have_osgeo = (
        shutil.which("/usr/bin/python3") is not None
        and subprocess.run(
            ["/usr/bin/python3", "-c", "import osgeo.gdal"], capture_output=True
        ).returncode
        == 0
    )
    rows = []
    for radius in (10_000.0, 30_000.0):
        rc = int(radius / RES)
        specs = []
        cli_t, ours_t, agree36, iou36, agree, iou = [], [], [], [], [], []
        for _ in range(n_obs):
            col = int(rng.integers(rc, n - rc)) if n - 2 * rc > 0 else n // 2
            row = int(rng.integers(rc, n - rc)) if n - 2 * rc > 0 else n // 2
            x, y = X0 + (col + 0.5) * RES, Y0 - (row + 0.5) * RES
            k = float(rng.choice([4 / 3, 7 / 6]))
            oh = float(rng.choice([10.0, 30.0, 50.0]))
            specs.append([x, y, oh, radius, 1.0 / k])
            out = workdir / "vs.tif"
            cli_t.append(_gdal_cli(tif, out, x, y, oh, radius, 1.0 / k))
            g, inr = _read_gdal(out, dem.shape)
            for gdal36, agr, io in ((True, agree36, iou36), (False, agree, iou)):
                t = time.perf_counter()
                v = viewshed(dem, grid.transform, observer_xy=(x, y), observer_height=oh,
                             target_height=1.5, max_distance=radius, k_factor=k,
                             earth_radius_m=WGS84_SEMI_MAJOR_M, gdal36=gdal36)  # fmt: skip
                if gdal36:
                    ours_t.append(time.perf_counter() - t)
                agr.append(float(np.mean(v[inr] == g[inr])))
                io.append(float(np.sum(v & g) / max(int(np.sum(v | g)), 1)))
        osgeo_t: list[float] = []
        if have_osgeo:
            res = subprocess.run(["/usr/bin/python3", "-c", _OSGEO_TIMER, str(tif),
                                  json.dumps(specs)], capture_output=True, text=True,
                                 check=True)  # fmt: skip
            osgeo_t = json.loads(res.stdout)
        # coverage sweep: n_obs sites at once, amortised per site (all workers)
        cols = rng.integers(rc, n - rc, size=n_obs * 4) if n - 2 * rc > 0 else np.full(4, n // 2)
        rows_ = rng.integers(rc, n - rc, size=cols.size) if n - 2 * rc > 0 else cols
        em = Emitters(x=X0 + (cols + 0.5) * RES, y=Y0 - (rows_ + 0.5) * RES,
                      radio=np.full(cols.size, LTE, dtype=np.int8),
                      operator=(np.arange(cols.size) % 3).astype(np.int16),
                      range_m=np.full(cols.size, 1.0), site=np.arange(cols.size))  # fmt: skip
        t = time.perf_counter()
        predict_coverage(em, grid, model="terrain", link_budget=lb, dem=dem, max_range_m=radius)
        cov_t = (time.perf_counter() - t) / cols.size
        row = {
            "radius_km": radius / 1000,
            "gdal_cli_s": float(np.median(cli_t)),
            "gdal_inproc_s": float(np.median(osgeo_t)) if osgeo_t else float("nan"),
            "ours_viewshed_s": float(np.median(ours_t)),
            "ours_coverage_per_site_s": cov_t,
            "agree_gdal36_min": min(agree36),
            "iou_gdal36_min": min(iou36),
            "agree_default_min": min(agree),
            "iou_default_min": min(iou),
        }
        rows.append(row)
        print(
            f"radius {radius / 1000:.0f} km, {n_obs} observers (median time per site):\n"
            f"  gdal_viewshed command      {row['gdal_cli_s'] * 1000:8.1f} ms\n"
            f"  gdal.ViewshedGenerate MEM  {row['gdal_inproc_s'] * 1000:8.1f} ms\n"
            f"  ours viewshed (1 thread)   {row['ours_viewshed_s'] * 1000:8.1f} ms   "
            f"x{row['gdal_cli_s'] / row['ours_viewshed_s']:.1f} vs command, "
            f"x{row['gdal_inproc_s'] / row['ours_viewshed_s']:.1f} vs in-process\n"
            f"  ours coverage sweep        {cov_t * 1000:8.1f} ms   "
            f"(signal + diffraction + bitmasks, {numba.get_num_threads()} threads, "
            f"{cols.size} sites)  x{row['gdal_inproc_s'] / cov_t:.1f} vs in-process\n"
            f"  agreement with GDAL 3.6: gdal36=True min {row['agree_gdal36_min']:.5f} "
            f"(IoU {row['iou_gdal36_min']:.4f}); default min {row['agree_default_min']:.5f} "
            f"(IoU {row['iou_default_min']:.4f})"
        )
    return rows


def _peak_mb() -> float:
    """This process's peak resident memory in MB (VmHWM: unlike ru_maxrss it is not inherited
    from the parent across fork/exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def province_worker(dem_path: str, n_sites: int, radius: float) -> None:
    """Runs in a fresh process: load the DEM, run the province, print JSON figures."""
    dem = np.load(dem_path)
    n = dem.shape[0]
    grid = _grid(n)
    lb = default_link_budget()
    rng = np.random.default_rng(7)
    em = Emitters(x=X0 + rng.uniform(0, n * RES, n_sites), y=Y0 - rng.uniform(0, n * RES, n_sites),
                  radio=np.full(n_sites, LTE, dtype=np.int8),
                  operator=rng.integers(0, 4, n_sites).astype(np.int16),
                  range_m=np.full(n_sites, 1.0), site=np.arange(n_sites))  # fmt: skip
    t = time.perf_counter()
    predict_coverage(em.subset(np.arange(n_sites) < 1), _grid(64), model="terrain",
                     link_budget=lb, dem=dem[:64, :64].copy(), max_range_m=300.0)  # fmt: skip
    warm = time.perf_counter() - t
    rss0 = _peak_mb()
    t = time.perf_counter()
    cpu = time.process_time()
    res = predict_coverage(em, grid, model="terrain", link_budget=lb, dem=dem, max_range_m=radius)
    elapsed = time.perf_counter() - t
    cpu = time.process_time() - cpu
    peak = _peak_mb()
    served = float(np.mean(res.serving > 0))
    assert res.reach is not None
    shadow = float(np.mean((res.reach > 0) & (res.serving == 0)))
    print(json.dumps({"elapsed_s": elapsed, "cpu_s": cpu, "warmup_s": warm, "rss_before_mb": rss0,
                      "rss_peak_mb": peak, "served": served, "shadow": shadow,
                      "grid_mb": dem.nbytes / 2**20}))  # fmt: skip


def province(n: int, n_sites: int, radius: float, workdir: Path) -> dict[str, float]:
    t = time.perf_counter()
    dem = fractal_dem((n, n), RES, seed=99, relief=(0.0, 2500.0), ridges=True)
    print(f"\nprovince DEM {n} x {n} at {RES:g} m ({n * RES / 1000:.0f} km square): "
          f"{time.perf_counter() - t:.1f} s to make")  # fmt: skip
    path = workdir / "province.npy"
    np.save(path, dem)
    del dem
    out = subprocess.run([sys.executable, __file__, "--province-worker", str(path), str(n_sites),
                          str(radius)], capture_output=True, text=True, check=True)  # fmt: skip
    fig: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"province: {n_sites} sites, {radius / 1000:.0f} km radius, terrain model: "
        f"{fig['elapsed_s']:.2f} s end to end on {numba.get_num_threads()} threads "
        f"({fig['elapsed_s'] / n_sites * 1000:.2f} ms per site), CPU {fig['cpu_s']:.1f} s "
        f"(on a busy machine CPU / threads is the better guess of an idle run's wall time); "
        f"numba cache load {fig['warmup_s']:.1f} s\n"
        f"  memory: peak RSS {fig['rss_peak_mb']:.0f} MB (before the run {fig['rss_before_mb']:.0f}"
        f" MB with the DEM loaded; one float32 grid = {fig['grid_mb']:.0f} MB)\n"
        f"  served {fig['served']:.1%} of cells; terrain shadow (reach but not served) "
        f"{fig['shadow']:.1%}"
    )
    return fig


COUNTRY_KM2 = 331_000.0
COUNTRY_SITES = 125_000
RADIO_MIX = (("GSM", 0.35), ("UMTS", 0.15), ("LTE", 0.45), ("NR", 0.05))


def country_worker(dem_path: str, tile_km: float) -> None:
    """Runs in a fresh process: the tile's sites at the country's density, each radio at its
    reach, one predict_coverage per radio (each has its own reach); prints JSON figures."""
    from coverage_gaps.coverage.propagation import reliability_margin_db
    from coverage_gaps.coverage.signal import flat_reach_m

    dem = np.load(dem_path)
    n = dem.shape[0]
    grid = _grid(n)
    lb = default_link_budget()
    rng = np.random.default_rng(11)
    side = n * RES
    n_sites = round(COUNTRY_SITES / COUNTRY_KM2 * tile_km**2)
    lo = (side - tile_km * 1000.0) / 2
    x = X0 + lo + rng.uniform(0, tile_km * 1000.0, n_sites)
    y = Y0 - lo - rng.uniform(0, tile_km * 1000.0, n_sites)
    radio = rng.choice([RADIOS.index(r) for r, _ in RADIO_MIX], n_sites,
                       p=[w for _, w in RADIO_MIX])  # fmt: skip
    op = rng.integers(0, 4, n_sites).astype(np.int16)
    em = Emitters(x=x, y=y, radio=radio.astype(np.int8), operator=op,
                  range_m=np.ones(n_sites), site=np.arange(n_sites))  # fmt: skip
    predict_coverage(em.subset(np.arange(n_sites) < 1), _grid(64), model="terrain",
                     link_budget=lb, dem=dem[:64, :64].copy(), max_range_m=300.0)  # fmt: skip
    out: dict[str, object] = {"sites": n_sites, "tile_km": tile_km, "per_radio": {}}
    t_all = time.perf_counter()
    cpu_all = time.process_time()
    for name, _w in RADIO_MIX:
        p = lb.radios[name]
        m = reliability_margin_db(0.9, p.frequency_mhz, "open")
        reach = flat_reach_m(p, max_range_m=60_000.0, resolution=RES, margin_db=m)
        sel = radio == RADIOS.index(name)
        t = time.perf_counter()
        predict_coverage(em.subset(sel), grid, model="terrain", link_budget=lb, dem=dem,
                         max_range_m=reach, reliability=0.9)  # fmt: skip
        el = time.perf_counter() - t
        cells = int(sel.sum()) * math.pi * (reach / RES) ** 2
        out["per_radio"][name] = {"sites": int(sel.sum()), "reach_m": reach, "s": el,  # type: ignore[index]
                                  "ns_per_cell_visit": el / max(cells, 1) * 1e9}  # fmt: skip
    out["elapsed_s"] = time.perf_counter() - t_all
    out["cpu_s"] = time.process_time() - cpu_all
    out["rss_peak_mb"] = _peak_mb()
    print(json.dumps(out))


def country(workdir: Path, tile_km: float) -> dict[str, object]:
    margin_km = 33.0
    n = round((tile_km + 2 * margin_km) * 1000 / RES)
    t = time.perf_counter()
    dem = fractal_dem((n, n), RES, seed=5, relief=(0.0, 2500.0), ridges=True)
    print(f"\ncountry tile: {tile_km:g} km square of sites, DEM {n} x {n} at {RES:g} m "
          f"({time.perf_counter() - t:.1f} s to make)")  # fmt: skip
    path = workdir / "country-tile.npy"
    np.save(path, dem)
    del dem
    out = subprocess.run([sys.executable, __file__, "--country-worker", str(path), str(tile_km)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    fig: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    scale = COUNTRY_KM2 / tile_km**2
    for name, r in fig["per_radio"].items():  # type: ignore[attr-defined]
        print(f"  {name:4s} {r['sites']:5d} sites at {r['reach_m'] / 1000:5.1f} km: "
              f"{r['s']:8.1f} s ({r['ns_per_cell_visit']:.0f} ns per cell visit)")  # fmt: skip
    total = float(fig["elapsed_s"])  # type: ignore[arg-type]
    print(f"  tile: {fig['sites']} sites, {total:.1f} s (CPU {fig['cpu_s']:.1f} s), peak RSS "
          f"{fig['rss_peak_mb']:.0f} MB; "
          f"scaled to the country ({scale:.0f} tiles): {total * scale / 60:.0f} min on "
          f"{numba.get_num_threads()} threads (target 10 min)")  # fmt: skip
    fig["country_s"] = total * scale
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer observers, smaller province")
    parser.add_argument("--province-only", action="store_true", help="skip the GDAL comparison")
    parser.add_argument("--province-worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--country", action="store_true", help="the whole-country estimate")
    parser.add_argument("--country-only", action="store_true", help="only the country estimate")
    parser.add_argument("--tile-km", type=float, default=50.0, help="country tile side (km)")
    parser.add_argument("--country-worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.country_worker:
        country_worker(args.country_worker[0], float(args.country_worker[1]))
        return
    if args.province_worker:
        province_worker(args.province_worker[0], int(args.province_worker[1]),
                        float(args.province_worker[2]))  # fmt: skip
        return
    print(f"{os.cpu_count()} CPUs, numba {numba.__version__} with {numba.get_num_threads()} "
          f"threads; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.country_only:
            country(work, args.tile_km)
            return
        if shutil.which("gdal_viewshed") is None:
            print("gdal_viewshed not found: skipping the per-site comparison")
        elif not args.province_only:
            per_site(3 if args.quick else 8, work)
        if args.quick:
            province(1667, 750, 10_000.0, work)
        else:
            province(3334, 3000, 10_000.0, work)
        if args.country:
            country(work, args.tile_km)


if __name__ == "__main__":
    main()
