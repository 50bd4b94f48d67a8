"""Places made in code: Vietnamese-looking names, Voronoi communes, points in polygons and a
villages layer as a provincial office would export it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["SYLLABLES", "points_in", "vietnamese_names", "villages_frame", "voronoi_communes"]

#: Syllables of the northern highlands' place names, for names made in code.
SYLLABLES: tuple[str, ...] = (
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
        a, b = rng.choice(len(SYLLABLES), size=2, replace=False)
        name = f"{prefix}{SYLLABLES[a]} {SYLLABLES[b]}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


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
