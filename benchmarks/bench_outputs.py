#!/usr/bin/env python
"""How long each output takes to write for one province, and how big it is.

Usage::

    python benchmarks/bench_outputs.py [--workdir DIR] [--province NAME] [--repeat N]

Two provinces are analysed once (in process), then every per-area writer is timed on them
(best of ``--repeat``), with the file sizes:

* **points**: the province ``--province`` (default Lào Cai) of ``bench_country.py``'s synthetic
  country (village points of 500 m, cached in ``--workdir``; made there when missing);
* **communes**: Lào Cai's 99 communes at full resolution (``wards-north-full.gpkg`` of the
  shared data), towers made in code, land within 5 km of the OSM power lines electrified;
  skipped when the shared data is missing.

Three outputs are also timed against a simple baseline on the same data:

* dead-zone polygons per village (``AreaResult.dead_zones``) against polygonising each
  village's own dead cells over the whole grid (``mark_spans`` of that village and
  ``mask_polygons``), the straightforward way;
* the workbooks against ``pandas.DataFrame.to_excel`` (openpyxl, no formats, no second sheet);
* the KMZ against GDAL's LIBKML writer of the same villages (no styles, no balloons).

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

SHARED = HERE.parent.parent / "shared" / "data"
WARDS = SHARED / "vn-admin-2025" / "wards-north-full.gpkg"
LINES = SHARED / "vn-osm-power" / "line.gpkg"
KINDS = ("csv", "xlsx", "gpkg", "kmz", "pdf", "html")


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def points_province(workdir: Path, province: str) -> Any:
    import bench_country

    from coverage_gaps.runner import analyse, prepare
    from coverage_gaps.settings import (
        AnalysisOptions,
        Inputs,
        OutputOptions,
        RunConfig,
        TowerOptions,
    )

    manifest = bench_country.make_inputs(workdir, bench_country.FULL)
    config = RunConfig(
        inputs=Inputs(
            villages=workdir / manifest["villages"],
            towers=workdir / manifest["towers"],
            electrified_raster=workdir / manifest["raster"],
        ),
        provinces=(province,),
        towers=TowerOptions(mcc=(452,)),
        analysis=AnalysisOptions(village_radius_m=500.0),
        outputs=OutputOptions(),
    )
    inputs = prepare(config)
    return analyse(inputs.areas[0], inputs)


def communes_province(tmp: Path) -> Any:
    import geopandas as gpd
    import shapely

    from coverage_gaps.io.electrification import read_grid_lines
    from coverage_gaps.io.sources import LineElectrification
    from coverage_gaps.io.towers import read_towers
    from coverage_gaps.io.villages import read_villages
    from coverage_gaps.pipeline import analyse_area
    from coverage_gaps.sites import collapse_sites
    from coverage_gaps.synthetic import synthetic_cells, write_opencellid_csv

    wards = gpd.read_file(WARDS)
    lao_cai = wards.loc[wards["province_code"] == "15"]
    outline = shapely.union_all(lao_cai.geometry.values)
    rng = np.random.default_rng(15)
    xmin, ymin, xmax, ymax = outline.bounds
    pts = shapely.points(rng.uniform(xmin, xmax, 2000), rng.uniform(ymin, ymax, 2000))
    pts = pts[shapely.contains(outline, pts)][:250]
    towers = write_opencellid_csv(
        synthetic_cells(shapely.get_x(pts), shapely.get_y(pts), rng), tmp / "452.csv.gz"
    )
    path = tmp / "lao-cai-wards.gpkg"
    lao_cai.to_file(path)
    villages = read_villages(path)
    cells, _ = read_towers(towers)
    sites, emitters = collapse_sites(cells)
    lines = read_grid_lines(LINES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyse_area(
            "Lào Cai",
            villages,
            sites,
            emitters,
            electrification=LineElectrification(lines, 5000.0),
        )


def dead_zones_brute_force(result: Any) -> Any:
    from coverage_gaps.pipeline import mask_polygons
    from coverage_gaps.zonal import VillageSpans, mark_spans

    dead = result.electrified & (result.coverage.serving == 0)
    spans = result.spans
    frames = []
    for v in range(spans.n_villages):
        a, b = int(spans.offsets[v]), int(spans.offsets[v + 1])
        own = VillageSpans(
            spans.row[a:b], spans.col_start[a:b], spans.col_stop[a:b], np.array([0, b - a])
        )
        cells = dead & mark_spans(own, result.grid.shape)
        if cells.any():
            frames.append(mask_polygons(cells, result.grid))
    return frames


def bench_area(name: str, result: Any, folder: Path, repeat: int) -> list[tuple[str, str, str]]:
    import pandas as pd
    import pyogrio

    from coverage_gaps.outputs import AREA_WRITERS, AreaTarget
    from coverage_gaps.outputs.kmz import light_geometries
    from coverage_gaps.outputs.tables import village_table
    from coverage_gaps.outputs.workbooks import reader_table
    from coverage_gaps.settings import OutputOptions

    rows: list[tuple[str, str, str]] = []
    v = result.villages
    n_dead = int(v["status"].isin(["dead_zone", "partial"]).sum())
    print(f"\n{name}: {len(v)} villages ({n_dead} to fix), grid {result.grid.shape}")

    def fresh_dead_zones() -> Any:
        result.__dict__.pop("dead_zones", None)
        return result.dead_zones

    ours, zones = best(fresh_dead_zones, repeat)
    base, _ = best(functools.partial(dead_zones_brute_force, result), 1)
    rows.append((name, "dead_zones (per village)", f"{ours:.2f} s vs {base:.2f} s brute force "
                 f"= {base / ours:.0f}x; {len(zones)} villages"))  # fmt: skip

    target = AreaTarget(folder=folder, slug=name, options=OutputOptions(kinds=KINDS))
    for kind in KINDS:
        seconds, files = best(functools.partial(AREA_WRITERS[kind].write, result, target), repeat)
        size = sum(f.stat().st_size for f in files)
        rows.append((name, kind, f"{seconds:.2f} s, {size / 1024:,.0f} KiB ({len(files)} files)"))

    table = reader_table(village_table(v), "vi")
    plain, _ = best(
        lambda: table.to_excel(folder / "plain.xlsx", index=False, engine="openpyxl"), repeat
    )
    rows.append((name, "baseline: pandas to_excel", f"{plain:.2f} s (villages sheet only)"))

    def libkml() -> None:
        frame = v[["village_id", "village_name", "status", "geometry"]].copy()
        frame["geometry"] = light_geometries(frame.geometry, 50.0)
        pyogrio.write_dataframe(frame, folder / "plain.kmz", driver="LIBKML")

    gdal, _ = best(libkml, repeat)
    rows.append((name, "baseline: GDAL LIBKML", f"{gdal:.2f} s (villages only, no styles)"))
    del pd
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/coverage-gaps-bench/full"))
    ap.add_argument("--province", default="Lào Cai")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        points = points_province(args.workdir, args.province)
        print(f"points province analysed in {time.perf_counter() - t0:.1f} s")
        rows += bench_area("points", points, folder, args.repeat)
        if WARDS.exists() and LINES.exists():
            t0 = time.perf_counter()
            communes = communes_province(folder)
            print(f"communes province analysed in {time.perf_counter() - t0:.1f} s")
            rows += bench_area("communes", communes, folder, args.repeat)
        else:
            print(f"skipped the communes province: {WARDS} or {LINES} is missing")
    print()
    width = max(len(r[1]) for r in rows)
    for area, what, figure in rows:
        print(f"{area:9s} {what:{width}s}  {figure}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
