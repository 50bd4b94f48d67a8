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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
