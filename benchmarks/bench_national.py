#!/usr/bin/env python
"""The run's national outputs on the real communes: index.html, the outlines, input hashing.

Usage::

    python benchmarks/bench_national.py [--workdir DIR] [--hash-gb N] [--skip-run]

1. Makes (once, under ``--workdir``, default ``/tmp/coverage-gaps-national``) towers in code for
   the 3,321 communes of ``/work/shared/data/vn-admin-2025/wards-national-simplified.gpkg``
   (~3,000 masts inside the communes, gzipped 14-column OpenCelliD CSV, MCC 452), and runs
   ``coverage-gaps -q run`` on all 34 provinces with the OSM grid lines (5 km) and the outputs
   ``csv,html,field-check``.  Prints the size of ``index.html`` (and of its map data), the time
   the outlines took per province, the run's wall clock, and the time the page takes to draw
   offline in Chromium (with Playwright).
2. Times SHA-256 of a ``--hash-gb`` GB file (random bytes, written once) by
   :func:`coverage_gaps.outputs.record.sha256_file` against ``sha256sum`` (coreutils, the floor),
   and prints MB/s and the ratio.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

WARDS = Path("/work/shared/data/vn-admin-2025/wards-national-simplified.gpkg")
LINES = Path("/work/shared/data/vn-osm-power/line.gpkg")


def make_towers(path: Path, masts: int = 3000) -> Path:
    import geopandas as gpd
    import numpy as np
    import shapely

    from coverage_gaps.synthetic import synthetic_cells, write_opencellid_csv

    if path.exists():
        return path
    wards = gpd.read_file(WARDS)
    rng = np.random.default_rng(452)
    geoms = np.asarray(wards.geometry.values)
    # masts in proportion to the communes' count, a few per commune, inside them
    pick = rng.integers(0, len(geoms), masts * 3)
    xs, ys = [], []
    for i in pick:
        x0, y0, x1, y1 = geoms[i].bounds
        p = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if geoms[i].contains(p):
            xs.append(p.x)
            ys.append(p.y)
        if len(xs) >= masts:
            break
    cells = synthetic_cells(np.asarray(xs), np.asarray(ys), rng)
    return write_opencellid_csv(cells, path)


def run_country(workdir: Path) -> None:
    towers = make_towers(workdir / "452.csv.gz")
    out = workdir / "out"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "coverage_gaps",
        "-q",
        "run",
        "--villages",
        str(WARDS),
        "--towers",
        str(towers),
        "--grid-lines",
        str(LINES),
        "--grid-distance",
        "5000",
        "--mcc",
        "452",
        "--outputs",
        "csv,html,field-check",
        "--out",
        str(out),
    ]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    index = out / "index.html"
    text = index.read_text(encoding="utf-8")
    data = re.search(r'<script type="application/json" id="cg-data">(.*?)</script>', text, re.S)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    maps = sorted(out.glob("*.html"))
    print(f"run of {len(record['provinces'])} provinces: {wall:.1f} s wall clock")
    print(
        f"index.html: {index.stat().st_size / 1e3:.0f} kB "
        f"(map data {len(data[1].encode()) / 1e3 if data else 0:.0f} kB, "
        f"Leaflet and the page's code the rest)"
    )
    forms = len(list(out.glob("*-field-check.xlsx")))
    print(f"province maps: {len(maps) - 1}, field-check workbooks: {forms}")
    painted = time_page(index)
    if painted is not None:
        print(f"index.html drawn offline in Chromium: {painted:.2f} s (best of 3, from navigation)")
    for entry in record["inputs"]:
        print(
            f"  input {entry['setting']}: {entry['bytes'] or 0:,} bytes, "
            f"hashed in {entry.get('hash_seconds', 0):.3f} s"
        )


def time_page(path: Path) -> float | None:
    """Seconds from navigation start to the page's map painted (best of 3), or ``None``
    without Playwright and Chromium."""
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    best = float("inf")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for _ in range(3):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route(
                "**/*",
                lambda r: (
                    r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort()
                ),
            )
            page.goto(path.resolve().as_uri())
            page.wait_for_function("window.cgPainted !== undefined", timeout=30_000)
            best = min(best, page.evaluate("window.cgPainted") / 1000)
            page.close()
        browser.close()
    return best


def time_outlines() -> None:
    import geopandas as gpd

    from coverage_gaps.grid import choose_metric_crs
    from coverage_gaps.outputs.index import area_outline

    wards = gpd.read_file(WARDS)
    total, sizes = 0.0, 0
    for _, group in wards.groupby("province_code"):
        crs = choose_metric_crs(tuple(group.total_bounds), group.crs)
        t0 = time.perf_counter()
        wkb = area_outline(group, crs)
        total += time.perf_counter() - t0
        sizes += len(wkb or b"")
    n = wards["province_code"].nunique()
    print(
        f"outlines of {n} provinces from {len(wards)} communes: {total:.2f} s "
        f"({total / n * 1e3:.0f} ms a province), {sizes / 1e3:.0f} kB of WKB"
    )


def time_hashing(workdir: Path, gb: float) -> None:
    from coverage_gaps.outputs.record import sha256_file

    path = workdir / f"big-{gb:g}GB.bin"
    size = int(gb * 1e9)
    if not path.exists() or path.stat().st_size != size:
        with path.open("wb") as fh:
            left = size
            while left:
                n = min(left, 64 * 2**20)
                fh.write(os.urandom(n))
                left -= n
    sha256_file(path)  # warm the page cache, as for a file just read by the run
    t0 = time.perf_counter()
    ours = sha256_file(path)
    t_ours = time.perf_counter() - t0
    # The floor: reading the file in the same chunks without hashing.
    buffer = bytearray(4 * 2**20)
    t0 = time.perf_counter()
    with open(path, "rb", buffering=0) as fh:
        while fh.readinto(buffer):
            pass
    t_read = time.perf_counter() - t0
    line = (
        f"SHA-256 of {gb:g} GB: {t_ours:.2f} s ({size / t_ours / 1e6:.0f} MB/s); reading alone "
        f"{t_read:.2f} s (ratio {t_ours / t_read:.1f})"
    )
    tool = shutil.which("sha256sum")
    if tool:
        t0 = time.perf_counter()
        theirs = subprocess.run([tool, str(path)], check=True, capture_output=True, text=True)
        t_tool = time.perf_counter() - t0
        assert theirs.stdout.split()[0] == ours
        line += f"; coreutils sha256sum {t_tool:.2f} s (ratio {t_ours / t_tool:.2f})"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/coverage-gaps-national"))
    parser.add_argument("--hash-gb", type=float, default=2.0)
    parser.add_argument("--skip-run", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if not WARDS.exists():
        sys.exit(f"{WARDS} is missing")
    time_outlines()
    if not args.skip_run:
        run_country(args.workdir)
    if args.hash_gb > 0:
        time_hashing(args.workdir, args.hash_gb)


if __name__ == "__main__":
    main()
