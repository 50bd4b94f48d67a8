"""The bundled demo data set: a synthetic mountain area of two provinces, made in code.

``make_demo_data(folder)`` writes, seeded and reproducible:

``demo-villages.gpkg``         layers ``villages`` (hamlet points: ``ma_thon, ten_thon, xa, tinh``)
                               and ``communes`` (Voronoi commune polygons)
``demo-towers.csv.gz``         OpenCelliD rows (MCC 452, four operators) with two bad rows
``demo-electrified.tif``       grid-electrified targets (1/0), EPSG:4326, ~100 m
``demo-grid-lines.geojson``    the synthetic MV grid the raster was drawn from
``demo-population.tif``        people per 250 m pixel, in Mollweide (ESRI:54009), like GHS-POP
``demo-dem.tif``               fractal relief 150-2,500 m, EPSG:4326, ~100 m

Masts stand in valleys near the larger hamlets, so hamlets behind ridges and far up side valleys
are left dark, and some hamlets lie beyond the grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.features import rasterize
from rasterio.transform import from_origin

from coverage_gaps.synthetic.cells import synthetic_cells
from coverage_gaps.synthetic.places import points_in, vietnamese_names, voronoi_communes
from coverage_gaps.synthetic.terrain import fractal_dem

__all__ = ["DEMO_AS_OF", "DEMO_BOUNDS", "DemoFiles", "make_demo_data"]

DEMO_BOUNDS = (103.55, 22.15, 104.25, 22.65)  # lon/lat, the highlands around Lào Cai
#: The day the demo looks at the network: after Vietnam's 2G switch-off (September 2026), so
#: that villages served only by 2G show as gaps with reason 2g_sunset, and the same every run.
DEMO_AS_OF = date(2026, 11, 30)
DEMO_RES_DEG = 0.001
SEED = 2025


@dataclass(frozen=True)
class DemoFiles:
    """Paths of the demo inputs in a folder."""

    folder: Path

    @property
    def villages(self) -> Path:
        return self.folder / "demo-villages.gpkg"

    @property
    def towers(self) -> Path:
        return self.folder / "demo-towers.csv.gz"

    @property
    def electrified(self) -> Path:
        return self.folder / "demo-electrified.tif"

    @property
    def grid_lines(self) -> Path:
        return self.folder / "demo-grid-lines.geojson"

    @property
    def population(self) -> Path:
        return self.folder / "demo-population.tif"

    @property
    def dem(self) -> Path:
        return self.folder / "demo-dem.tif"

    def missing(self) -> list[Path]:
        return [
            p
            for p in (self.villages, self.towers, self.electrified, self.population, self.dem)
            if not p.exists()
        ]


def _write_tif(
    path: Path, array: np.ndarray, transform: object, crs: str, nodata: float | None
) -> None:
    profile = {
        "driver": "GTiff",
        "height": array.shape[0],
        "width": array.shape[1],
        "count": 1,
        "dtype": array.dtype.name,
        "crs": crs,
        "transform": transform,
        "compress": "deflate",
        "predictor": 2 if array.dtype.kind in "iu" else 3,
        "tiled": True,
        "nodata": nodata,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array, 1)


def make_demo_data(folder: str | Path, *, seed: int = SEED) -> DemoFiles:
    """Write the demo data set into ``folder`` (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = DemoFiles(folder)
    files.villages.unlink(missing_ok=True)  # its layers are appended to: start afresh
    rng = np.random.default_rng(seed)
    west, south, east, north = DEMO_BOUNDS
    width = round((east - west) / DEMO_RES_DEG)
    height = round((north - south) / DEMO_RES_DEG)
    transform = from_origin(west, north, DEMO_RES_DEG, DEMO_RES_DEG)

    # Terrain: ~100 m cells; valleys are where people live and masts stand.
    dem = fractal_dem((height, width), 100.0, seed=seed, relief=(150.0, 2500.0))
    _write_tif(files.dem, np.round(dem).astype("int16"), transform, "EPSG:4326", -32768)

    # Communes and provinces.
    communes = voronoi_communes(DEMO_BOUNDS, 26, rng)
    cx = shapely.get_x(shapely.centroid(communes))
    province = np.where(cx < 103.88, "Lai Châu", "Lào Cai")
    commune_names = [f"Xã {n}" for n in vietnamese_names(len(communes), rng)]
    codes = [f"{i:05d}" for i in range(2700, 2700 + len(communes))]
    gpd.GeoDataFrame(
        {"code": codes, "name": commune_names, "province": province},
        geometry=list(communes),
        crs=4326,
    ).to_file(files.villages, layer="communes", driver="GPKG")

    # Hamlets: sample candidate points, keep the lower ones (people live in valleys).
    counts = rng.integers(5, 11, size=len(communes))
    cand, owner = points_in(communes, counts * 4, rng)
    col = np.clip(((shapely.get_x(cand) - west) / DEMO_RES_DEG).astype(int), 0, width - 1)
    row = np.clip(((north - shapely.get_y(cand)) / DEMO_RES_DEG).astype(int), 0, height - 1)
    elev = dem[row, col]
    kept: list[int] = []
    for i, k in enumerate(counts):
        idx = np.flatnonzero(owner == i)
        kept.extend(idx[np.argsort(elev[idx])[: int(k)]].tolist())
    keep = np.array(sorted(kept))
    pts, own = cand[keep], owner[keep]
    names = [
        f"{'Bản' if rng.random() < 0.6 else 'Thôn'} {n}" for n in vietnamese_names(len(pts), rng)
    ]
    villages = gpd.GeoDataFrame(
        {
            "ma_thon": [f"{i:05d}" for i in range(1, len(pts) + 1)],
            "ten_thon": names,
            "xa": [commune_names[i] for i in own],
            "tinh": [province[i] for i in own],
        },
        geometry=list(pts),
        crs=4326,
    )
    villages.to_file(files.villages, layer="villages", driver="GPKG", mode="a")

    # Grid: a spine along the lowest hamlets plus spurs to most hamlets; 15% beyond the grid.
    on_grid = rng.random(len(pts)) > 0.15
    order = np.argsort(shapely.get_x(pts))
    spine = shapely.LineString([(shapely.get_x(p), shapely.get_y(p)) for p in pts[order][::6]])
    spurs = [shapely.shortest_line(p, spine) for p in pts[on_grid]]
    lines = gpd.GeoDataFrame(
        {"voltage": ["35000"] + ["22000"] * len(spurs)}, geometry=[spine, *spurs], crs=4326
    )
    lines.to_file(files.grid_lines, driver="GeoJSON")
    metric = lines.to_crs(32648)
    served = gpd.GeoSeries(metric.buffer(700), crs=32648).to_crs(4326)
    electrified = rasterize(
        ((g, 1) for g in served),
        out_shape=(height, width),
        transform=transform,
        fill=0,
        dtype="uint8",
    )
    _write_tif(files.electrified, electrified, transform, "EPSG:4326", None)

    # Population: a Gaussian blob of 80-900 people per hamlet, on a 250 m Mollweide grid.
    moll = "ESRI:54009"
    pm = villages.to_crs(moll)
    px, py = pm.geometry.x.to_numpy(), pm.geometry.y.to_numpy()
    res = 250.0
    x0, y1 = np.floor(px.min() / res) * res - 5000, np.ceil(py.max() / res) * res + 5000
    x1, y0 = np.ceil(px.max() / res) * res + 5000, np.floor(py.min() / res) * res - 5000
    pw, ph = int((x1 - x0) / res), int((y1 - y0) / res)
    xs = x0 + (np.arange(pw) + 0.5) * res
    ys = y1 - (np.arange(ph) + 0.5) * res
    pop = np.zeros((ph, pw), dtype="f8")
    people = rng.integers(80, 900, size=len(pts))
    for x, y, n in zip(px, py, people, strict=True):
        gx = np.exp(-0.5 * ((xs - x) / 350.0) ** 2)
        gy = np.exp(-0.5 * ((ys - y) / 350.0) ** 2)
        blob = np.outer(gy, gx)
        pop += n * blob / blob.sum()
    _write_tif(files.population, pop.astype("float32"), from_origin(x0, y1, res, res), moll, -200.0)

    # Masts: in the valleys, near a third of the hamlets, plus a few on the grid spine.
    hosts = rng.choice(len(pts), size=max(8, len(pts) // 4), replace=False)
    mast_lon = shapely.get_x(pts[hosts]) + rng.normal(0, 0.004, len(hosts))
    mast_lat = shapely.get_y(pts[hosts]) + rng.normal(0, 0.004, len(hosts))
    cells = synthetic_cells(mast_lon, mast_lat, rng, operators=((4, 0.45), (2, 0.3), (1, 0.25)))
    cells.loc[cells["range"] > 0, "range"] = rng.integers(1500, 6000, (cells["range"] > 0).sum())
    # Last seen recently (2026-03-01 .. 2026-11-15): the demo looks at the network on
    # DEMO_AS_OF, after the 2G switch-off, with fresh observations.
    cells["updated"] = rng.integers(1_772_323_200, 1_763_164_800 + 86_400 * 365, len(cells))
    bad = cells.iloc[:2].copy()
    bad.loc[bad.index[0], "lat"] = 91.5  # out of range: reported and skipped
    bad.loc[bad.index[1], "radio"] = "WIMAX"  # unknown radio: reported and skipped
    cells = cells.iloc[2:]
    # Written by hand rather than with write_opencellid_csv, to slip in the two bad rows.
    rows = cells.to_csv(index=False, lineterminator="\n", float_format="%.6f").splitlines()
    bad_rows = bad.to_csv(
        index=False, header=False, lineterminator="\n", float_format="%.6f"
    ).splitlines()
    text = "\n".join([rows[0], *rows[1:40], bad_rows[0], *rows[40:80], bad_rows[1], *rows[80:]])
    import gzip

    files.towers.write_bytes(gzip.compress((text + "\n").encode(), mtime=0))
    return files
