"""Synthetic inputs made in code: cell exports in the exact OpenCelliD format, communes, villages,
electrification and population rasters.

No Vietnamese cell-tower rows are public, so the demo data, the tests and the benchmarks make
their own with these functions.  Everything is seeded and reproducible.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps.io.towers import COLUMNS

#: Vietnamese operators by MNC (MCC 452), with rough market shares for synthetic sites.
VN_OPERATORS: tuple[tuple[int, float], ...] = ((4, 0.5), (2, 0.25), (1, 0.2), (5, 0.05))

_SYLLABLES = (
    "Bản",
    "Nậm",
    "Pá",
    "Mường",
    "Phìn",
    "Sín",
    "Chải",
    "Hồ",
    "Thầu",
    "Tả",
    "Van",
    "Lùng",
    "Khoang",
    "Coóc",
    "Ý",
    "Tý",
    "Nà",
    "Hạ",
    "Thượng",
    "Trung",
    "Phú",
    "Sơn",
    "Đồng",
    "Tân",
    "Làng",
    "Cốc",
    "Lếch",
    "Dền",
    "Sáng",
    "Xèo",
    "Hum",
    "Chăn",
    "Mú",
    "Sung",
    "Đán",
    "Ngài",
)


def vietnamese_names(n: int, rng: np.random.Generator, *, prefix: str = "") -> list[str]:
    """``n`` distinct two-syllable place names in the style of the northern highlands."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        a, b = rng.choice(len(_SYLLABLES), size=2, replace=False)
        name = f"{prefix}{_SYLLABLES[a]} {_SYLLABLES[b]}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def write_opencellid_csv(cells: pd.DataFrame, path: str | Path, *, header: bool = True) -> Path:
    """Write ``cells`` (the 14 OpenCelliD columns) as CSV; gzip when ``path`` ends in ``.gz``."""
    path = Path(path)
    frame = cells.loc[:, list(COLUMNS)]
    text = frame.to_csv(index=False, header=header, lineterminator="\n", float_format="%.6f")
    data = text.encode("utf-8")
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data, mtime=0))
    else:
        path.write_bytes(data)
    return path


def synthetic_cells(
    lon: np.ndarray,
    lat: np.ndarray,
    rng: np.random.Generator,
    *,
    mcc: int = 452,
    operators: Sequence[tuple[int, float]] = VN_OPERATORS,
    radios: Sequence[tuple[str, float]] = (
        ("GSM", 0.35),
        ("UMTS", 0.15),
        ("LTE", 0.45),
        ("NR", 0.05),
    ),
    sectors: int = 3,
    jitter_m: float = 60.0,
    created_range: tuple[int, int] = (1_420_070_400, 1_735_603_200),  # 2015-01-01 .. 2024-12-31
) -> pd.DataFrame:
    """OpenCelliD rows for masts at ``lon``/``lat``: each mast gets an operator and a radio, and
    ``sectors`` cells (LTE cells share an eNB id, NR a 24-bit gNB id), scattered by
    ``jitter_m`` as crowd-sourced positions are."""
    n = lon.shape[0]
    nets = np.array([o for o, _ in operators])
    p = np.array([w for _, w in operators], dtype="f8")
    net = rng.choice(nets, size=n, p=p / p.sum())
    names = np.array([r for r, _ in radios])
    pr = np.array([w for _, w in radios], dtype="f8")
    radio = rng.choice(names, size=n, p=pr / pr.sum())
    rows = []
    base_id = rng.permutation(np.arange(1, 4 * n + 1))[:n]  # distinct node ids
    deg_lat = jitter_m / 111_000.0
    for i in range(n):
        created = int(rng.integers(*created_range))
        for s in range(sectors):
            unit: int | None
            if radio[i] == "LTE":
                cell = int(base_id[i]) * 256 + s + 1
                unit = int(rng.integers(0, 504))
            elif radio[i] == "NR":
                cell = (int(base_id[i]) << 12) + s + 1
                unit = int(rng.integers(0, 1008))
            else:
                cell = int(base_id[i]) * 10 + s + 1
                unit = int(rng.integers(0, 512)) if radio[i] == "UMTS" else None
            rows.append(
                {
                    "radio": radio[i],
                    "mcc": mcc,
                    "net": int(net[i]),
                    "area": int(10_000 + i // 50),
                    "cell": cell,
                    "unit": unit,
                    "lon": lon[i] + rng.normal(0, deg_lat / np.cos(np.radians(lat[i]))),
                    "lat": lat[i] + rng.normal(0, deg_lat),
                    "range": int(rng.choice([0, int(rng.uniform(800, 9000))], p=[0.1, 0.9])),
                    "samples": int(rng.integers(1, 400)),
                    "changeable": 1,
                    "created": created + s * 3600,
                    "updated": created + 86_400 * 365,
                    "averageSignal": 0,
                }
            )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["unit"] = frame["unit"].astype("Int64")
    return frame


def voronoi_communes(
    bounds: tuple[float, float, float, float], n: int, rng: np.random.Generator
) -> np.ndarray:
    """``n`` Voronoi polygons tiling ``bounds`` (any planar coordinates)."""
    xmin, ymin, xmax, ymax = bounds
    pts = shapely.multipoints(
        np.column_stack([rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)])
    )
    box = shapely.box(*bounds)
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box))
    return np.asarray(shapely.intersection(cells, box))


def points_in(
    polygons: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``counts[i]`` random points inside each polygon; returns (points, polygon index)."""
    out, owner = [], []
    for i, (poly, k) in enumerate(zip(polygons, counts, strict=True)):
        xmin, ymin, xmax, ymax = poly.bounds
        got = 0
        while got < k:
            cand = shapely.points(rng.uniform(xmin, xmax, 4 * k), rng.uniform(ymin, ymax, 4 * k))
            inside = cand[shapely.contains(poly, cand)][: k - got]
            out.extend(inside)
            owner.extend([i] * len(inside))
            got += len(inside)
    return np.asarray(out), np.asarray(owner)


def villages_frame(
    points: np.ndarray, names: list[str], communes: list[str], provinces: list[str], crs: object
) -> gpd.GeoDataFrame:
    """A village-points layer with the usual columns (``ma_thon``, ``ten_thon``, ``xa``,
    ``tinh``) as a provincial office would export it."""
    return gpd.GeoDataFrame(
        {
            "ma_thon": [f"{i:05d}" for i in range(1, len(points) + 1)],
            "ten_thon": names,
            "xa": communes,
            "tinh": provinces,
        },
        geometry=list(points),
        crs=crs,
    )
