"""Benchmark of the planning core on a province-sized synthetic instance.

Run ``python benchmarks/bench_plan.py`` (a few minutes) or ``--quick`` (a quarter of the
province).  Figures are printed as a Markdown table and saved to ``--out`` (JSON).

The instance (seeded, made in code):

* a 100 km x 100 km province with a dozen valleys (random meandering lines across it);
* about 1,500 dark villages, 90 % strung along the valleys and 10 % on the hills, each a disc
  of 200-700 m of 100 m demand cells (people per cell: the village's log-normal population,
  median 400, spread unevenly over its cells); a third of the villages are partly served by an
  existing site already, whose cells are left out and counted as ``covered_before``;
* candidate sites on a 1 km lattice, kept where there is grid power (within 4 km of a valley),
  each a coverage disc of 2-6 km radius (with ``--shadows``, cut into 12 sectors of 40-100 % of
  that radius, as terrain would, so that no two footprints are alike).

For several numbers of sites N (maximal covering, demand and villages objectives) and several
targets (partial set cover) it reports the sizes before and after the reduction, the times,
HiGHS's status and proven gap, and the greedy objective against the optimum.

``--real 15`` (a province code of ``../shared/data/vn-admin-2025/wards-north-full.gpkg``) runs
the whole of ``coverage-gaps plan`` on a real province instead: its 2025 communes as the
villages, the OSM power lines within ``--grid-distance`` (5 km) as grid power, 250 masts made in
code (:func:`coverage_gaps.synthetic.synthetic_cells`); for each ``--model`` it reports the
analysis, the demand cells, the candidates, the time to build the coverage matrix (against the
baseline of the model run once per candidate on the whole grid, timed on a sample and scaled)
and the solves (N = 10, 25, 50 and 90 % set cover) with their proven gaps.  The ``terrain``
model runs on a fractal DEM made in code over the province (90 m).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coverage_gaps.planning import PlanResult, Villages, max_covering, set_cover


def province(seed: int = 1, size_km: float = 100.0, shadows: bool = False) -> dict[str, Any]:
    """The synthetic province: demand cells, villages and candidates' coverage matrix."""
    rng = np.random.default_rng(seed)
    scale = size_km / 100.0
    n_valleys = max(3, round(12 * scale))
    n_villages = round(1500 * scale**2)
    # Valleys: meandering polylines from one side to the other.
    valleys = []
    for _ in range(n_valleys):
        t = np.linspace(0, 1, 200)
        x0, x1 = rng.uniform(0, size_km, 2)
        y = t * size_km
        x = x0 + (x1 - x0) * t + np.cumsum(rng.normal(0, 0.4, t.size))
        pts = np.column_stack([x, y])
        if rng.random() < 0.5:
            pts = pts[:, ::-1]
        valleys.append(pts)
    valley_pts = np.vstack(valleys)
    # Villages: along the valleys (90 %) or on the hills.
    on_valley = rng.random(n_villages) < 0.9
    centres = np.where(
        on_valley[:, None],
        valley_pts[rng.integers(0, valley_pts.shape[0], n_villages)]
        + rng.normal(0, 0.6, (n_villages, 2)),
        rng.uniform(0, size_km, (n_villages, 2)),
    )
    centres = np.clip(centres, 0, size_km)
    radius = rng.uniform(0.2, 0.7, n_villages)
    pop = rng.lognormal(np.log(400), 0.8, n_villages)
    cells_xy, cells_v, cells_w = [], [], []
    for v in range(n_villages):
        r = radius[v]
        g = np.arange(-r, r + 1e-9, 0.1)
        gx, gy = np.meshgrid(g, g)
        inside = gx**2 + gy**2 <= r * r
        xy = np.column_stack([gx[inside], gy[inside]]) + centres[v]
        share = rng.gamma(1.0, 1.0, xy.shape[0])
        cells_xy.append(xy)
        cells_v.append(np.full(xy.shape[0], v))
        cells_w.append(pop[v] * share / share.sum())
    xy = np.vstack(cells_xy)
    groups = np.concatenate(cells_v)
    w = np.concatenate(cells_w)
    # Existing coverage: a third of the villages are partly served by a site nearby.
    partly = rng.random(n_villages) < 1 / 3
    site = centres + rng.normal(0, 1.0, (n_villages, 2))
    site_r = rng.uniform(0.5, 2.0, n_villages)
    served = partly[groups] & (np.hypot(*(xy - site[groups]).T) <= site_r[groups])
    before = np.bincount(groups[served], weights=w[served], minlength=n_villages)
    xy, groups, w = xy[~served], groups[~served], w[~served]
    # Candidates: 1 km lattice, where there is grid power (within 4 km of a valley).
    lat = np.arange(0.5, size_km, 1.0)
    cx, cy = np.meshgrid(lat, lat)
    cand = np.column_stack([cx.ravel(), cy.ravel()])
    d_valley, _ = cKDTree(valley_pts).query(cand)
    cand = cand[d_valley <= 4.0]
    reach = rng.uniform(2.0, 6.0, cand.shape[0])
    cut = rng.uniform(0.4, 1.0, (cand.shape[0], 12)) if shadows else np.ones((cand.shape[0], 12))
    sectors = reach[:, None] * cut
    tree = cKDTree(xy)
    rows, cols = [], []
    for j, idx in enumerate(tree.query_ball_point(cand, reach)):
        idx = np.asarray(idx, dtype=np.int64)
        d = xy[idx] - cand[j]
        sector = ((np.arctan2(d[:, 1], d[:, 0]) + np.pi) / (2 * np.pi) * 12).astype(int) % 12
        keep = np.hypot(d[:, 0], d[:, 1]) <= sectors[j, sector]
        cols.append(idx[keep])
        rows.append(np.full(int(keep.sum()), j))
    A = sp.csr_array(
        (np.ones(sum(c.size for c in cols), bool), (np.concatenate(rows), np.concatenate(cols))),
        shape=(cand.shape[0], xy.shape[0]),
    )
    return {"A": A, "w": w, "groups": groups, "before": before, "n_villages": n_villages}


def row(label: str, r: PlanResult, extra: dict[str, Any]) -> dict[str, Any]:
    red = r.reduction
    return {
        "case": label,
        "status": r.status,
        "demand_cells": red["demand_cells"],
        "demand_rows": red["demand_rows"],
        "candidates": red["candidates"],
        "candidates_kept": red["candidates_kept"],
        "reduce_s": round(r.timings.get("reduce", 0.0), 2),
        "greedy_s": round(r.timings.get("greedy", 0.0), 2),
        "bounds_s": round(r.timings.get("local_search", 0.0) + r.timings.get("lagrangian", 0.0), 2),
        "mip_s": round(r.timings.get("mip", 0.0), 2),
        "total_s": round(r.timings["total"], 2),
        "gap": r.gap,
        "sites": int(r.chosen.size),
        "objective": r.objective,
        "greedy": r.greedy.objective,
        "ratio": r.greedy_ratio,
        "share": r.covered_share,
        "message": r.message,
        "reduction": red,
        **extra,
    }


SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def real_province(code: str, folder: Path) -> dict[str, Path]:
    """The inputs of a real province: its communes, 250 masts made in code, the OSM lines."""
    import geopandas as gpd
    import shapely

    from coverage_gaps.synthetic import synthetic_cells, write_opencellid_csv

    wards = SHARED / "vn-admin-2025" / "wards-north-full.gpkg"
    units = gpd.read_file(wards)
    area = shapely.union_all(units.loc[units["province_code"] == code].geometry.values)
    rng = np.random.default_rng(int(code))
    xmin, ymin, xmax, ymax = area.bounds
    pts = shapely.points(rng.uniform(xmin, xmax, 4000), rng.uniform(ymin, ymax, 4000))
    pts = pts[shapely.contains(area, pts)][:250]
    cells = synthetic_cells(shapely.get_x(pts), shapely.get_y(pts), rng)
    folder.mkdir(parents=True, exist_ok=True)
    towers = write_opencellid_csv(cells, folder / f"{code}.csv.gz")
    return {"villages": wards, "towers": towers, "lines": SHARED / "vn-osm-power" / "line.gpkg"}


def fractal_dem_file(bounds: tuple[float, float, float, float], path: Path) -> Path:
    """A fractal DEM (90 m, UTM 48N) over ``bounds`` (lon/lat), for the terrain model."""
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import from_origin

    from coverage_gaps.synthetic.terrain import fractal_dem

    to = Transformer.from_crs(4326, 32648, always_xy=True)
    xs, ys = to.transform([bounds[0], bounds[2]], [bounds[1], bounds[3]])
    x0, x1 = min(xs) - 40_000, max(xs) + 40_000
    y0, y1 = min(ys) - 40_000, max(ys) + 40_000
    res = 90.0
    h, w = int((y1 - y0) / res), int((x1 - x0) / res)
    z = fractal_dem((h, w), res, seed=7, relief=(80.0, 3000.0))
    with rasterio.open(
        path, "w", driver="GTiff", height=h, width=w, count=1, dtype="float32",
        crs="EPSG:32648", transform=from_origin(x0, y1, res, res),
    ) as dst:  # fmt: skip
        dst.write(z.astype("float32"), 1)
    return path


def bench_real(args: argparse.Namespace) -> list[dict[str, Any]]:
    """``coverage-gaps plan`` on a real province, step by step, for each model."""
    from datetime import date

    from coverage_gaps.coverage.models import coverage_on_grid
    from coverage_gaps.io.sources import DemTiles
    from coverage_gaps.planning.geo import candidate_emitters, plan_area
    from coverage_gaps.runner import analyse, read_inputs, resolve_at
    from coverage_gaps.settings import (
        AnalysisOptions,
        CoverageOptions,
        Inputs,
        PlanOptions,
        RunConfig,
        ServiceOptions,
        TowerOptions,
    )
    from coverage_gaps.sites import collapse_sites

    folder = args.out.parent / f"real-{args.real}"
    files = real_province(args.real, folder)
    out: list[dict[str, Any]] = []
    for model in args.models:
        dem_paths: tuple[Path, ...] = ()
        if model in ("terrain", "itm"):
            import geopandas as gpd

            units = gpd.read_file(files["villages"])
            b = units.loc[units["province_code"] == args.real].total_bounds
            dem_paths = (fractal_dem_file(tuple(b), folder / "dem.tif"),)
        config = RunConfig(
            inputs=Inputs(
                villages=files["villages"],
                towers=files["towers"],
                grid_lines=files["lines"],
                dem=dem_paths,
            ),
            provinces=(args.real_name,),
            towers=TowerOptions(mcc=(452,)),
            service=ServiceOptions(radios=("UMTS", "LTE", "NR")),
            coverage=CoverageOptions(model=model, max_range_m=args.max_range),
            analysis=AnalysisOptions(grid_distance_m=args.grid_distance),
        )
        t = time.perf_counter()
        read = read_inputs(config)
        inputs = resolve_at(read, date.today())
        masts, _ = collapse_sites(read.cells, options=config.towers)
        read_s = time.perf_counter() - t
        area = inputs.areas[0]
        t = time.perf_counter()
        result = analyse(area, inputs)
        analyse_s = time.perf_counter() - t
        dem = DemTiles(dem_paths) if dem_paths else None
        options = PlanOptions(n_sites=10, curve_points=0, time_limit_s=args.time_limit)
        plan = plan_area(
            result,
            options,
            coverage=inputs.coverage,
            link_budget=inputs.link_budget,
            dem=dem,
            masts=masts,
            budget_bytes=None,
        )
        A = plan.matrix
        w = plan.demand.weight
        cost = plan.candidates["kind"].map({"new": 1.0}).fillna(0.5).to_numpy()
        # Baseline: the model once per candidate on the whole grid (a sample, scaled).
        from coverage_gaps.planning.geo import candidate_model

        cmodel = candidate_model(
            inputs.coverage, link_budget=inputs.link_budget, radio="LTE", antenna_height_m=30.0
        )
        n = len(plan.candidates)
        sample = np.linspace(0, n - 1, min(args.baseline_sample, n)).astype(np.int64)
        cx = plan.candidates["x"].to_numpy()
        cy = plan.candidates["y"].to_numpy()
        t = time.perf_counter()
        for j in sample:
            coverage_on_grid(
                cmodel,
                candidate_emitters(cx, cy, np.array([j]), radio="LTE", range_m=4000.0),
                result.grid,
                dem=dem,
                terrain_resolution_m=inputs.coverage.terrain_resolution_m,
            )
        baseline_s = (time.perf_counter() - t) * n / max(sample.size, 1)
        base = {
            "model": model,
            "province": area.name,
            "villages": len(area.villages),
            "grid": f"{result.grid.width} x {result.grid.height}",
            "read_s": round(read_s, 2),
            "analyse_s": round(analyse_s, 2),
            "demand_cells": len(plan.demand),
            "candidates": n,
            "kinds": plan.candidates["kind"].value_counts().to_dict(),
            "nonzeros": int(A.nnz),
            "candidates_s": round(plan.timings["candidates"], 2),
            "matrix_s": round(plan.timings["matrix"], 2),
            "baseline_matrix_s": round(baseline_s, 1),
            "matrix_ratio": round(baseline_s / max(plan.timings["matrix"], 1e-9), 1),
            "served_s": round(plan.timings["served"], 2),
        }
        print(base)
        limits = {"time_limit_s": args.time_limit, "gap": args.gap, "cost": cost}
        cases: list[tuple[str, int | None, float | None]] = [
            ("N=10", 10, None),
            ("N=25", 25, None),
            ("N=50", 50, None),
            ("set cover 90%", None, 0.9),
        ]
        for label, n_sites, target in cases:
            if n_sites is not None:
                r = max_covering(A, w, n_sites, **limits)
            else:
                assert target is not None
                r = set_cover(A, w, target, **limits)
            rec = {
                **base,
                "case": label,
                "status": r.status,
                "solve_s": round(r.timings["total"], 2),
                "gap": r.gap,
                "sites": int(r.chosen.size),
                "share": r.covered_share,
                "coverable": r.coverable_demand / max(r.total_demand, 1e-12),
                "greedy_ratio": r.greedy_ratio,
            }
            out.append(rec)
            print({k: rec[k] for k in ("case", "status", "solve_s", "gap", "sites", "share")})
    print()
    print(
        "| model | grid | demand cells | candidates | nonzeros | analysis s | matrix s "
        "| baseline s (x) | case | status | solve s | gap | sites | share |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for q in out:
        print(
            f"| {q['model']} | {q['grid']} | {q['demand_cells']:,} | {q['candidates']:,} "
            f"| {q['nonzeros']:,} | {q['analyse_s']} | {q['matrix_s']} "
            f"| {q['baseline_matrix_s']} ({q['matrix_ratio']}x) | {q['case']} | {q['status']} "
            f"| {q['solve_s']} | {q['gap']:.2e} | {q['sites']} | {q['share']:.3f} |"
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", metavar="CODE", help="a real province (e.g. 15: Lào Cai)")
    ap.add_argument("--real-name", default="Lào Cai", help="its name (for --province)")
    ap.add_argument("--models", nargs="+", default=["disc", "hata"])
    ap.add_argument("--grid-distance", type=float, default=5000.0)
    ap.add_argument("--max-range", type=float, default=35_000.0)
    ap.add_argument("--baseline-sample", type=int, default=64)
    ap.add_argument("--quick", action="store_true", help="a 50 km x 50 km quarter")
    ap.add_argument(
        "--shadows",
        action="store_true",
        help="cut each disc into 12 sectors of 40-100 %% of its radius (terrain shadows)",
    )
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--gap", type=float, default=1e-3)
    ap.add_argument("--out", type=Path, default=Path("/tmp/coverage-gaps-bench/plan.json"))
    args = ap.parse_args()
    if args.real:
        rows_real = bench_real(args)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_name(f"plan-real-{args.real}.json").write_text(
            json.dumps(rows_real, indent=1, default=str)
        )
        return

    t = time.perf_counter()
    p = province(size_km=50.0 if args.quick else 100.0, shadows=args.shadows)
    A, w = p["A"], p["w"]
    print(
        f"instance: {A.shape[1]:,} demand cells in {p['n_villages']:,} villages, "
        f"{A.shape[0]:,} candidates, {A.nnz:,} nonzeros, {w.sum():,.0f} people "
        f"(made in {time.perf_counter() - t:.1f} s)"
    )
    villages = Villages(p["groups"], 0.8, None, p["before"], p["n_villages"])
    # Warm-up (numba compiles the greedy kernels once).
    small = sp.csr_array(A[:50])
    max_covering(small, w, 3, villages=villages)
    max_covering(small, w, 3, objective="villages", villages=villages)

    limits = {"time_limit_s": args.time_limit, "gap": args.gap}
    rows: list[dict[str, Any]] = []
    for n in (10, 25, 50, 100, 150):
        r = max_covering(A, w, n, villages=villages, **limits)
        rows.append(row(f"max_covering demand N={n}", r, {"N": n}))
        print(rows[-1])
    for n in (10, 25, 50, 100):
        r = max_covering(A, w, n, objective="villages", villages=villages, **limits)
        rows.append(row(f"max_covering villages N={n}", r, {"N": n}))
        print(rows[-1])
    for target in (0.8, 0.9, 0.95, 0.99):
        r = set_cover(A, w, target, villages=villages, **limits)
        rows.append(row(f"set_cover {target:.0%}", r, {"target": target}))
        print(rows[-1])

    print()
    print(
        "| case | status | demand cells -> rows | candidates -> kept | reduce s | greedy s "
        "| swaps + bounds s | MIP s | total s | gap | sites | objective | greedy | greedy/opt |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for q in rows:
        print(
            f"| {q['case']} | {q['status']} | {q['demand_cells']:,} -> {q['demand_rows']:,} "
            f"| {q['candidates']:,} -> {q['candidates_kept']:,} | {q['reduce_s']} "
            f"| {q['greedy_s']} | {q['bounds_s']} | {q['mip_s']} | {q['total_s']} "
            f"| {q['gap']:.2e} | {q['sites']} "
            f"| {q['objective']:,.1f} | {q['greedy']:,.1f} | {q['ratio']:.4f} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    print(f"\nsaved {args.out}")


if __name__ == "__main__":
    main()
