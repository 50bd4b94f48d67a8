#!/usr/bin/env python
"""Whole-process benchmarks of polygon villages, against the floor of reading the inputs.

Usage::

    python benchmarks/bench_polygons.py [--workdir DIR] [--repeat N] [--skip-workers]

Runs, each as a fresh process (wall clock and the child's own peak RSS, ``measure.py``; one
untimed warm-up first, then the best of ``--repeat``):

1. **floor**: a fresh process that merely reads the inputs (imports, the villages file, the
   tower CSV with pyarrow, the electrification raster's band) — what no run can beat;
2. **synthetic polygon country**: 80,000 village polygons (Voronoi cells of the point villages
   of ``bench_country.py``, clipped to their provinces and densified to ~150 vertices each,
   ~12 M vertices) with the same towers and raster, ``--outputs csv``; target <= 4x the floor;
3. **point country**: the 80,000 village points of ``bench_country.py``, ``--outputs csv``;
   target < 5 s;
4. **real communes**: the 3,321 communes of 2025 (``wards-national-simplified.gpkg`` of
   ``/work/shared/data``, not copied) with every output (CSVs, GeoPackages, maps); target
   < 10 s;
5. **--workers 2** against serial on a terrain-model run of the five northern provinces
   (``wards-north-full.gpkg``, a fractal DEM at 90 m made in code): the speed-up.

The inputs are made once and cached in ``--workdir`` (default ``/tmp/coverage-gaps-bench``).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_country import FULL, make_inputs, run_process

SHARED = Path("/work/shared/data")
WARDS = SHARED / "vn-admin-2025" / "wards-national-simplified.gpkg"
NORTH = SHARED / "vn-admin-2025" / "wards-north-full.gpkg"
SEGMENT_M = 55.0

FLOOR = """
import sys, geopandas as gpd, pyarrow.csv as pc, rasterio
read = gpd.read_parquet if sys.argv[1].endswith('.parquet') else gpd.read_file
v = read(sys.argv[1])
t = pc.read_csv(sys.argv[2])
with rasterio.open(sys.argv[3]) as src:
    band = src.read(1)
print(len(v), t.num_rows, band.shape)
"""


def polygon_villages(workdir: Path, manifest: dict) -> Path:
    """Voronoi cells of the point villages, per province, densified (cached)."""
    path = workdir / "villages-polygons.parquet"
    if path.exists():
        return path
    import geopandas as gpd
    import shapely

    t0 = time.perf_counter()
    points = gpd.read_parquet(workdir / manifest["villages"]).to_crs(32648)
    parts = []
    for _, group in points.groupby("tinh", sort=False):
        hull = shapely.convex_hull(shapely.multipoints(np.asarray(group.geometry.values)))
        region = shapely.buffer(hull, 2000.0)
        cells = shapely.voronoi_polygons(
            shapely.multipoints(np.asarray(group.geometry.values)), extend_to=region
        )
        cells = np.asarray(shapely.get_parts(cells))
        # match each Voronoi cell to its point
        tree = shapely.STRtree(cells)
        pi, ci = tree.query(np.asarray(group.geometry.values), predicate="within")
        order = np.argsort(pi)
        poly = np.empty(len(group), dtype=object)
        poly[pi[order]] = cells[ci[order]]
        poly = shapely.intersection(poly, region)
        frame = group.copy()
        frame["geometry"] = shapely.segmentize(poly, SEGMENT_M)
        parts.append(frame)
    polys = gpd.GeoDataFrame(
        gpd.pd.concat(parts, ignore_index=True), geometry="geometry", crs=32648
    ).to_crs(4326)
    polys.to_parquet(path)
    n_vertices = int(shapely.get_num_coordinates(np.asarray(polys.geometry.values)).sum())
    print(
        f"Made {len(polys):,} polygon villages ({n_vertices:,} vertices) in "
        f"{time.perf_counter() - t0:.0f} s: {path}"
    )
    return path


def north_dem(workdir: Path) -> Path:
    """A fractal DEM at ~90 m (0.0008 deg) over the five northern provinces (cached)."""
    path = workdir / "north-dem.tif"
    if path.exists():
        return path
    import geopandas as gpd
    import rasterio
    from rasterio.transform import from_origin

    from coverage_gaps.synthetic.terrain import fractal_dem

    x0, y0, x1, y1 = gpd.read_file(NORTH, columns=[]).total_bounds
    res = 0.0008
    x0, y1 = x0 - 0.3, y1 + 0.3
    w, h = int((x1 + 0.3 - x0) / res), int((y1 - (y0 - 0.3)) / res)
    dem = fractal_dem((h, w), 90.0, seed=4, relief=(80.0, 3000.0))
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="int16",
                       crs="EPSG:4326", transform=from_origin(x0, y1, res, res), tiled=True,
                       compress="deflate") as dst:  # fmt: skip
        dst.write(np.round(dem).astype("int16"), 1)
    return path


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "coverage_gaps", "-q", "run", *args]


def best(args: list[str], repeat: int, *, warm: bool = True) -> dict:
    if warm:
        run_process(args)
    runs = [run_process(args) for _ in range(repeat)]
    out = min(runs, key=lambda r: r["wall_s"])
    out["all_s"] = [round(r["wall_s"], 2) for r in runs]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/coverage-gaps-bench"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-workers", action="store_true", help="no --workers comparison")
    args = ap.parse_args(argv)
    workdir = args.workdir / "full"
    manifest = make_inputs(workdir, FULL)
    polys = polygon_villages(workdir, manifest)
    towers = str(workdir / manifest["towers"])
    raster = str(workdir / manifest["raster"])
    out = workdir / "out-polygons"
    common = ["--towers", towers, "--electrified-raster", raster, "--mcc", "452"]
    figures: dict[str, dict] = {}

    figures["floor_polygons"] = best(
        [sys.executable, "-c", FLOOR, str(polys), towers, raster], args.repeat
    )
    figures["polygon_country"] = best(
        cli("--villages", str(polys), *common, "--outputs", "csv", "--out", str(out / "poly")),
        args.repeat,
    )
    points = str(workdir / manifest["villages"])
    figures["floor_points"] = best(
        [sys.executable, "-c", FLOOR, points, towers, raster], args.repeat
    )
    figures["point_country"] = best(
        cli("--villages", points, *common, "--outputs", "csv", "--out", str(out / "points")),
        args.repeat,
    )
    if WARDS.exists():
        figures["floor_communes"] = best(
            [sys.executable, "-c", FLOOR, str(WARDS), towers, raster], args.repeat
        )
        figures["communes_csv"] = best(
            cli(
                "--villages",
                str(WARDS),
                *common,
                "--outputs",
                "csv",
                "--out",
                str(out / "wards-csv"),
            ),
            args.repeat,
        )
        figures["communes_all"] = best(
            cli("--villages", str(WARDS), *common, "--out", str(out / "wards-all")), args.repeat
        )
    if NORTH.exists() and not args.skip_workers:
        dem = north_dem(workdir)
        terrain = [
            "--villages", str(NORTH), *common, "--model", "terrain", "--dem", str(dem),
            "--terrain-resolution", "90", "--radio", "broadband", "--outputs", "csv",
        ]  # fmt: skip
        figures["terrain_serial"] = best(cli(*terrain, "--out", str(out / "t1")), 1)
        figures["terrain_workers2"] = best(
            cli(*terrain, "--workers", "2", "--out", str(out / "t2")), 1
        )
        a = sorted((out / "t1").glob("*.csv"))
        b = sorted((out / "t2").glob("*.csv"))
        figures["terrain_workers2"]["same_csvs"] = [p.name for p in a] == [
            p.name for p in b
        ] and all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))

    def row(label: str, key: str, floor: str | None = None, target: str = "") -> None:
        f = figures.get(key)
        if f is None:
            return
        ratio = ""
        if floor and floor in figures:
            ratio = f"{f['wall_s'] / figures[floor]['wall_s']:.1f}x floor"
        print(f"{label:<52}{f['wall_s']:>8.2f} s {f['peak_gb']:>6.2f} GB  {ratio:<12} {target}")

    print(
        f"\n{'run (fresh process, best of ' + str(args.repeat) + ')':<52}{'wall':>10} {'peak':>9}"
    )
    row("floor: read 80,000 polygons + towers + raster", "floor_polygons")
    row(
        "synthetic polygon country, CSVs", "polygon_country", "floor_polygons", "target <= 4x floor"
    )
    row("floor: read 80,000 points + towers + raster", "floor_points")
    row("point country, CSVs", "point_country", "floor_points", "target < 5 s")
    row("floor: read 3,321 communes + towers + raster", "floor_communes")
    row("real communes, CSVs", "communes_csv", "floor_communes")
    row("real communes, every output", "communes_all", "floor_communes", "target < 10 s")
    row("terrain, 5 northern provinces, serial", "terrain_serial")
    row("terrain, 5 northern provinces, --workers 2", "terrain_workers2")
    if "terrain_workers2" in figures:
        s = figures["terrain_serial"]["wall_s"] / figures["terrain_workers2"]["wall_s"]
        same = figures["terrain_workers2"]["same_csvs"]
        print(f"  speed-up of --workers 2: {s:.2f}x; same CSVs: {same}")
    results = {
        k: {kk: vv for kk, vv in v.items() if kk not in ("stdout", "stderr")}
        for k, v in figures.items()
    }
    (workdir / "results-polygons.json").write_text(json.dumps(results, indent=1))
    print(f"\nFigures saved to {workdir / 'results-polygons.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
