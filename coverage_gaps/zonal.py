"""Villages on the analysis grid: scanline spans and per-village reductions.

A village covers the grid cells whose centre lies inside it (the rule GDAL's rasteriser uses
without ``all_touched``).  Unlike a label raster, spans let villages overlap: real commune layers
do, and each village's figures must cover its whole area.

The polygon edges are turned into row crossings (one per edge per cell-centre line it crosses),
sorted, and paired by the even-odd rule into spans ``(village, row, col_start, col_stop)``.  All
per-village figures are then sums, ORs or maxima over the cells of each village's spans.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from numba import njit, prange
from pyproj import CRS

from coverage_gaps.errors import CRSError
from coverage_gaps.grid import AnalysisGrid, disc_row_span, disc_rows, project

__all__ = [
    "VillageGeometry",
    "VillageSpans",
    "VillageTotals",
    "kernels_cached",
    "mark_spans",
    "span_cells",
    "village_distance_to",
    "village_geometry",
    "village_minimum",
    "village_spans",
    "village_totals",
]


@dataclass(frozen=True)
class VillageGeometry:
    """The villages of an area in its metric CRS, as the zonal step uses them.

    Attributes
    ----------
    metric
        The villages' own geometry in ``crs``.
    shapes
        One shapely geometry per village: points stay points (a disc of ``radius_m`` around each,
        worked out from the centre), MultiPoints become buffered discs, polygons as given.
    points
        A representative point of each village (the point itself, or a point on the surface).
    area_m2
        Area of each village: exact ``pi r^2`` for a point, the polygon's area otherwise.
    radius_m
        Radius of a point village.
    crs
        The metric CRS of ``shapes`` and ``points``.
    """

    metric: np.ndarray
    shapes: np.ndarray
    points: np.ndarray
    area_m2: np.ndarray
    radius_m: float
    crs: CRS

    def __len__(self) -> int:
        return int(self.shapes.shape[0])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Bounds of the villages, a point counting as its disc."""
        b = shapely.bounds(self.shapes)
        point = shapely.get_type_id(self.shapes) == shapely.GeometryType.POINT
        b[point, :2] -= self.radius_m
        b[point, 2:] += self.radius_m
        return (
            float(np.nanmin(b[:, 0])),
            float(np.nanmin(b[:, 1])),
            float(np.nanmax(b[:, 2])),
            float(np.nanmax(b[:, 3])),
        )

    def spans(self, grid: AnalysisGrid) -> VillageSpans:
        """The villages' cells on ``grid`` (:func:`village_spans`)."""
        return village_spans(
            self.shapes, grid, point_radius_m=self.radius_m, fallback_points=self.points
        )


def village_geometry(
    villages: gpd.GeoDataFrame | gpd.GeoSeries, crs: CRS, *, radius_m: float
) -> VillageGeometry:
    """The villages projected to the metric ``crs``, with points, representative points and
    areas (:class:`VillageGeometry`)."""
    series = villages.geometry
    if series.crs is None:
        raise CRSError(None, "the villages have no CRS; set one before projecting them")
    metric = project(np.asarray(series.values), series.crs, crs)
    kind = shapely.get_type_id(metric)
    point = kind == shapely.GeometryType.POINT
    shapes = metric.copy()
    rep = metric.copy()
    area = np.full(len(metric), np.pi * radius_m**2)
    if (~point).any():
        multipoint = kind == shapely.GeometryType.MULTIPOINT
        if multipoint.any():
            shapes[multipoint] = shapely.buffer(metric[multipoint], radius_m, quad_segs=16)
        rep[~point] = shapely.point_on_surface(shapes[~point])
        area[~point] = shapely.area(shapes[~point])
    return VillageGeometry(
        metric=metric, shapes=shapes, points=rep, area_m2=area, radius_m=radius_m, crs=crs
    )


@dataclass(frozen=True)
class VillageSpans:
    """Runs of cells, sorted by village: village ``v`` owns spans ``offsets[v]:offsets[v+1]``."""

    row: np.ndarray
    col_start: np.ndarray
    col_stop: np.ndarray
    offsets: np.ndarray

    @property
    def n_villages(self) -> int:
        return int(self.offsets.shape[0] - 1)

    def cell_counts(self) -> np.ndarray:
        """Number of cells of each village."""
        lengths = (self.col_stop - self.col_start).astype(np.int64)
        return np.add.reduceat(np.append(lengths, 0), self.offsets[:-1]) * (
            np.diff(self.offsets) > 0
        )


def village_spans(
    shapes: np.ndarray,
    grid: AnalysisGrid,
    *,
    point_radius_m: float | None = None,
    fallback_points: np.ndarray | None = None,
) -> VillageSpans:
    """Scanline spans of the villages ``shapes`` (in the grid's CRS) on ``grid``.

    Parameters
    ----------
    shapes
        Array of shapely geometries, one per village, in ``grid.crs``: Polygons/MultiPolygons,
        or Points when ``point_radius_m`` is given.
    grid
        The analysis grid.
    point_radius_m
        A Point is the disc of this radius around it: the cells whose centre lies within it,
        worked out from the centre directly (no polygon is built).  ``None``: points hold no
        cells of their own.
    fallback_points
        One point per village; a village too small to hold a cell centre gets the cell under its
        point, so that no village silently drops out of the figures.

    Returns
    -------
    VillageSpans
        Spans clipped to the grid; a village outside the grid or smaller than a cell has none.
    """
    n = len(shapes)
    v0, r0, c0, c1 = _polygon_spans(shapes, grid)
    if point_radius_m is not None:
        point = np.flatnonzero(shapely.get_type_id(shapes) == shapely.GeometryType.POINT)
        if point.size:
            col, row = grid.to_colrow(shapely.get_x(shapes[point]), shapely.get_y(shapes[point]))
            pv, pr, pc0, pc1 = _disc_spans(
                col, row, point_radius_m / grid.resolution, point, grid.height, grid.width
            )
            v0 = np.concatenate([v0, pv])
            r0 = np.concatenate([r0, pr])
            c0 = np.concatenate([c0, pc0])
            c1 = np.concatenate([c1, pc1])
            order = np.argsort(v0, kind="stable")
            v0, r0, c0, c1 = v0[order], r0[order], c0[order], c1[order]
    if fallback_points is not None:
        has = np.zeros(n, dtype=bool)
        has[v0] = True
        missing = np.flatnonzero(~has)
        if missing.size:
            px, py = grid.to_colrow(
                shapely.get_x(fallback_points[missing]), shapely.get_y(fallback_points[missing])
            )
            pc = np.floor(px).astype(np.int64)
            pr = np.floor(py).astype(np.int64)
            inside = (pc >= 0) & (pc < grid.width) & (pr >= 0) & (pr < grid.height)
            v0 = np.concatenate([v0, missing[inside]])
            r0 = np.concatenate([r0, pr[inside]])
            c0 = np.concatenate([c0, pc[inside]])
            c1 = np.concatenate([c1, pc[inside] + 1])
            order = np.argsort(v0, kind="stable")
            v0, r0, c0, c1 = v0[order], r0[order], c0[order], c1[order]
    offsets = np.searchsorted(v0, np.arange(n + 1)).astype(np.int64)
    return VillageSpans(row=r0.astype(np.int64), col_start=c0, col_stop=c1, offsets=offsets)


def _polygon_spans(
    shapes: np.ndarray, grid: AnalysisGrid
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Spans ``(village, row, col_start, col_stop)`` of the polygonal ``shapes``, by village."""
    parts, part_of = shapely.get_parts(shapes, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    village_of_ring = part_of[ring_of].astype(np.int64)
    col, row = grid.to_colrow(coords[:, 0], coords[:, 1])
    crossings_v, crossings_r, crossings_x = _edge_crossings(
        col, row, coord_of.astype(np.int64), village_of_ring, grid.height
    )
    if crossings_v.size and (np.diff(crossings_v) >= 0).all():
        # Crossings come out grouped by village: sort each village's by (row, x) on its own.
        order = _order_by_row_x(crossings_v, crossings_r, crossings_x)
    else:
        order = np.lexsort((crossings_x, crossings_r, crossings_v))
    v, r, x = crossings_v[order], crossings_r[order], crossings_x[order]
    # Pairs (0,1), (2,3), ... within each (village,row); every closed ring crosses a line an even
    # number of times, and whole rows are kept or dropped, so the pairing never straddles groups.
    v0, r0 = v[0::2], r[0::2]
    xa, xb = x[0::2], x[1::2]
    c0 = np.clip(np.ceil(xa - 0.5), 0, grid.width).astype(np.int64)
    c1 = np.clip(np.ceil(xb - 0.5), 0, grid.width).astype(np.int64)
    keep = c1 > c0
    return v0[keep].astype(np.int64), r0[keep].astype(np.int64), c0[keep], c1[keep]


@njit(cache=True)
def _disc_spans(
    cx: np.ndarray,
    cy: np.ndarray,
    radius: float,
    village: np.ndarray,
    height: int,
    width: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Row spans of discs of ``radius`` (in cells) around ``(cx, cy)`` (in col/row units): the
    cells whose centre is within the radius, clipped to the grid, in village then row order."""
    n = cx.shape[0]
    total = 0
    for i in range(n):
        a, b = disc_rows(cy[i], radius, height)
        if b >= a:
            total += b - a + 1
    out_v = np.empty(total, dtype=np.int64)
    out_r = np.empty(total, dtype=np.int64)
    out_c0 = np.empty(total, dtype=np.int64)
    out_c1 = np.empty(total, dtype=np.int64)
    k = 0
    for i in range(n):
        a, b = disc_rows(cy[i], radius, height)
        for rr in range(a, b + 1):
            lo, hi = disc_row_span(cx[i], cy[i], radius, rr, width)
            if hi > lo:
                out_v[k] = village[i]
                out_r[k] = rr
                out_c0[k] = lo
                out_c1[k] = hi
                k += 1
    return out_v[:k], out_r[:k], out_c0[:k], out_c1[:k]


@njit(cache=True)
def _edge_crossings(
    col: np.ndarray, row: np.ndarray, ring: np.ndarray, village_of_ring: np.ndarray, height: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    n = col.shape[0]
    # First pass: count crossings of each edge with the cell-centre lines r + 0.5.
    total = 0
    for i in range(n - 1):
        if ring[i] != ring[i + 1]:
            continue
        y0 = row[i]
        y1 = row[i + 1]
        lo = min(y0, y1)
        hi = max(y0, y1)
        r_lo = max(int(np.ceil(lo - 0.5)), 0)
        r_hi = min(int(np.ceil(hi - 0.5)), height)
        if r_hi > r_lo:
            total += r_hi - r_lo
    out_v = np.empty(total, dtype=np.int64)
    out_r = np.empty(total, dtype=np.int64)
    out_x = np.empty(total, dtype=np.float64)
    k = 0
    for i in range(n - 1):
        if ring[i] != ring[i + 1]:
            continue
        x0 = col[i]
        y0 = row[i]
        x1 = col[i + 1]
        y1 = row[i + 1]
        lo = min(y0, y1)
        hi = max(y0, y1)
        r_lo = max(int(np.ceil(lo - 0.5)), 0)
        r_hi = min(int(np.ceil(hi - 0.5)), height)
        if r_hi <= r_lo:
            continue
        slope = (x1 - x0) / (y1 - y0)
        vill = village_of_ring[ring[i]]
        for r in range(r_lo, r_hi):
            out_v[k] = vill
            out_r[k] = r
            out_x[k] = x0 + (r + 0.5 - y0) * slope
            k += 1
    return out_v, out_r, out_x


@njit(cache=True)
def _order_by_row_x(
    v: np.ndarray, r: np.ndarray, x: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """``np.lexsort((x, r, v))`` for ``v`` already non-decreasing: within each village, sort by
    ``x``, then stably by row (a counting sort over the village's rows)."""
    n = v.shape[0]
    order = np.empty(n, dtype=np.int64)
    s = 0
    while s < n:
        e = s + 1
        while e < n and v[e] == v[s]:
            e += 1
        by_x = np.argsort(x[s:e], kind="mergesort") + s
        r_min = r[s]
        r_max = r[s]
        for t in range(s, e):
            r_min = min(r_min, r[t])
            r_max = max(r_max, r[t])
        start = np.zeros(r_max - r_min + 2, dtype=np.int64)
        for t in range(s, e):
            start[r[t] - r_min + 1] += 1
        for k in range(1, start.shape[0]):
            start[k] += start[k - 1]
        for t in by_x:
            k = r[t] - r_min
            order[s + start[k]] = t
            start[k] += 1
        s = e
    return order


def span_cells(
    spans: VillageSpans, villages: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every cell of the villages (of ``villages``, indices into ``spans``, when given):
    ``(village, row, col)`` in village order, ``village`` the position in ``villages`` (the
    village's index without it); a cell of two overlapping villages is listed for each."""
    every = villages is None
    chosen = np.arange(spans.n_villages) if every else np.asarray(villages, dtype=np.int64)
    per_village = (spans.offsets[chosen + 1] - spans.offsets[chosen]).astype(np.int64)
    owner = np.repeat(np.arange(chosen.size), per_village)
    which = (
        spans.offsets[chosen][owner]
        + np.arange(owner.size)
        - (np.cumsum(per_village) - per_village)[owner]
    )
    lengths = (spans.col_stop[which] - spans.col_start[which]).astype(np.int64)
    span_of_cell = np.repeat(np.arange(which.size), lengths)
    first = np.cumsum(lengths) - lengths
    rows = spans.row[which][span_of_cell].astype(np.int64)
    cols = spans.col_start[which][span_of_cell].astype(np.int64) + (
        np.arange(span_of_cell.size) - first[span_of_cell]
    )
    return owner[span_of_cell].astype(np.int64), rows, cols


def mark_spans(spans: VillageSpans, shape: tuple[int, int]) -> np.ndarray:
    """Boolean raster of the cells inside any village."""
    out = np.zeros(shape, dtype=np.bool_)
    _mark(spans.row, spans.col_start, spans.col_stop, out)
    return out


@njit(cache=True)
def _mark(row: np.ndarray, c0: np.ndarray, c1: np.ndarray, out: np.ndarray) -> None:
    for i in range(row.shape[0]):
        out[row[i], c0[i] : c1[i]] = True


@dataclass(frozen=True)
class VillageTotals:
    """Per-village counts from :func:`village_totals` (cells, not yet km²)."""

    cells: np.ndarray
    electrified: np.ndarray
    electrified_covered: np.ndarray
    population: np.ndarray
    uncovered_population: np.ndarray
    electrified_population: np.ndarray
    operators: np.ndarray
    broadband_operators: np.ndarray
    covered_operators: np.ndarray
    covered_broadband: np.ndarray
    uncovered_reach: np.ndarray
    best_signal: np.ndarray
    uncovered_retired: np.ndarray
    uncovered_retired_cells: np.ndarray
    uncovered_reachable_cells: np.ndarray


def village_totals(
    spans: VillageSpans,
    *,
    electrified: np.ndarray,
    serving: np.ndarray,
    broadband: np.ndarray,
    population: np.ndarray | None = None,
    reach: np.ndarray | None = None,
    signal: np.ndarray | None = None,
    retired: np.ndarray | None = None,
) -> VillageTotals:
    """Sum, OR and max the grid layers over each village's cells.

    ``operators``/``broadband_operators`` OR the bitmasks over all the village's cells;
    ``covered_operators``/``covered_broadband`` only over its electrified, covered cells;
    ``uncovered_reach`` ORs ``reach`` over its electrified cells with no service;
    ``uncovered_retired`` ORs ``retired`` (a bit per retired generation that would serve the
    cell) over the same cells; ``uncovered_population`` counts people in electrified cells with
    no service (``electrified_population`` in all its electrified cells).  Of the electrified
    cells with no service, ``uncovered_retired_cells`` would be served by a retired generation,
    and ``uncovered_reachable_cells`` (of the rest) are within a site's reach over flat ground
    (``reach``) but not served.
    """
    shape = electrified.shape
    for name, arr in (("serving", serving), ("broadband", broadband)):
        if arr.shape != shape:
            raise ValueError(f"{name} has shape {arr.shape}, electrified has {shape}")
    pop = population if population is not None else np.zeros((1, 1), dtype=np.float32)
    rch = reach if reach is not None else np.zeros((1, 1), dtype=np.uint32)
    sig = signal if signal is not None else np.full((1, 1), np.nan, dtype=np.float32)
    ret = retired if retired is not None else np.zeros((1, 1), dtype=np.uint8)
    out = _reduce(
        spans.row,
        spans.col_start,
        spans.col_stop,
        spans.offsets,
        electrified.view(np.uint8),
        serving.astype(np.uint32, copy=False),
        broadband.astype(np.uint32, copy=False),
        pop.astype(np.float32, copy=False),
        population is not None,
        rch.astype(np.uint32, copy=False),
        reach is not None,
        sig.astype(np.float32, copy=False),
        signal is not None,
        ret.astype(np.uint8, copy=False),
        retired is not None,
    )
    return VillageTotals(*out)


def kernels_cached() -> bool | None:
    """Whether numba's cache holds the compiled analysis kernels (``None``: cannot tell).

    The kernels are compiled on first use and cached beside the package (or in
    ``NUMBA_CACHE_DIR``); a first run spends about a minute compiling them.  Checked on the
    kernel every run uses (:func:`village_totals`' reduction) through numba's cache index,
    which also tells a cache made for other source files."""
    try:
        cache = _reduce._cache  # type: ignore[attr-defined]
        return bool(cache._cache_file._load_index())
    except Exception:  # numba's internals moved: say nothing rather than something wrong
        return None


@njit(cache=True, parallel=True)
def _reduce(
    row: np.ndarray,
    c0: np.ndarray,
    c1: np.ndarray,
    offsets: np.ndarray,
    elec: np.ndarray,
    serving: np.ndarray,
    broadband: np.ndarray,
    pop: np.ndarray,
    has_pop: bool,
    reach: np.ndarray,
    has_reach: bool,
    signal: np.ndarray,
    has_signal: bool,
    retired: np.ndarray,
    has_retired: bool,
) -> tuple[np.ndarray, ...]:  # pragma: no cover - compiled
    n = offsets.shape[0] - 1
    cells = np.zeros(n, dtype=np.int64)
    n_elec = np.zeros(n, dtype=np.int64)
    n_cov = np.zeros(n, dtype=np.int64)
    people = np.zeros(n, dtype=np.float64)
    people_unc = np.zeros(n, dtype=np.float64)
    people_elec = np.zeros(n, dtype=np.float64)
    ops = np.zeros(n, dtype=np.uint32)
    bb = np.zeros(n, dtype=np.uint32)
    cov_ops = np.zeros(n, dtype=np.uint32)
    cov_bb = np.zeros(n, dtype=np.uint32)
    unc_reach = np.zeros(n, dtype=np.uint32)
    best = np.full(n, np.nan, dtype=np.float32)
    unc_retired = np.zeros(n, dtype=np.uint8)
    n_unc_retired = np.zeros(n, dtype=np.int64)
    n_unc_reach = np.zeros(n, dtype=np.int64)
    for v in prange(n):
        a_cells = 0
        a_elec = 0
        a_cov = 0
        a_pop = 0.0
        a_unc = 0.0
        a_epop = 0.0
        a_ops = np.uint32(0)
        a_bb = np.uint32(0)
        a_cops = np.uint32(0)
        a_cbb = np.uint32(0)
        a_reach = np.uint32(0)
        a_retired = np.uint8(0)
        a_nret = 0
        a_nreach = 0
        a_best = np.float32(np.nan)
        for s in range(offsets[v], offsets[v + 1]):
            r = row[s]
            for c in range(c0[s], c1[s]):
                a_cells += 1
                sv = serving[r, c]
                a_ops |= sv
                a_bb |= broadband[r, c]
                p = pop[r, c] if has_pop else 0.0
                a_pop += p
                if has_signal:
                    sg = signal[r, c]
                    if sg == sg and not (a_best >= sg):
                        a_best = sg
                if elec[r, c]:
                    a_elec += 1
                    a_epop += p
                    if sv != 0:
                        a_cov += 1
                        a_cops |= sv
                        a_cbb |= broadband[r, c]
                    else:
                        a_unc += p
                        if has_reach:
                            a_reach |= reach[r, c]
                        if has_retired and retired[r, c] != 0:
                            a_retired |= retired[r, c]
                            a_nret += 1
                        elif has_reach and reach[r, c] != 0:
                            a_nreach += 1
        cells[v] = a_cells
        n_elec[v] = a_elec
        n_cov[v] = a_cov
        people[v] = a_pop
        people_unc[v] = a_unc
        people_elec[v] = a_epop
        ops[v] = a_ops
        bb[v] = a_bb
        cov_ops[v] = a_cops
        cov_bb[v] = a_cbb
        unc_reach[v] = a_reach
        best[v] = a_best
        unc_retired[v] = a_retired
        n_unc_retired[v] = a_nret
        n_unc_reach[v] = a_nreach
    return (
        cells,
        n_elec,
        n_cov,
        people,
        people_unc,
        people_elec,
        ops,
        bb,
        cov_ops,
        cov_bb,
        unc_reach,
        best,
        unc_retired,
        n_unc_retired,
        n_unc_reach,
    )


def village_minimum(spans: VillageSpans, raster: np.ndarray) -> np.ndarray:
    """The smallest value of ``raster`` over each village's cells (NaN for a village with no
    cell, and NaN cells are skipped)."""
    return _minimum(
        spans.row, spans.col_start, spans.col_stop, spans.offsets, raster.astype(np.float64)
    )


@njit(cache=True, parallel=True)
def _minimum(
    row: np.ndarray, c0: np.ndarray, c1: np.ndarray, offsets: np.ndarray, raster: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    n = offsets.shape[0] - 1
    out = np.full(n, np.nan)
    for v in prange(n):
        best = np.inf
        for s in range(offsets[v], offsets[v + 1]):
            for c in range(c0[s], c1[s]):
                x = raster[row[s], c]
                if x < best:
                    best = x
        if best < np.inf:
            out[v] = best
    return out


def village_distance_to(
    spans: VillageSpans,
    mask: np.ndarray,
    villages: np.ndarray,
    *,
    max_ring: int = 64,
    sparse_box: float = 16.0,
) -> np.ndarray:
    """Distance, in cells, from each of ``villages`` (indices into ``spans``) to the nearest
    true cell of ``mask``: the smallest distance between a centre of the village's cells and a
    centre of a true cell.  NaN for a village with no cell or when ``mask`` has no true cell.

    Exact, and its cost follows the distances, not the grid: each village searches rings of
    cells around its bounding box, outwards, until the ring is farther than the nearest true
    cell found (a cell ``k`` rings out is at least ``k`` cells from every cell of the village).
    Villages with nothing within ``max_ring`` rings, and villages of scattered parts whose
    cells fill under ``1 / sparse_box`` of their bounding box (an archipelago commune, whose
    box is mostly sea), are measured instead with a KD-tree of the edge cells of ``mask`` (the
    nearest true cell to a cell outside ``mask`` is on its edge).
    """
    mask = np.ascontiguousarray(mask, dtype=np.bool_)
    villages = np.asarray(villages, dtype=np.int64)
    if not mask.any():
        return np.full(villages.size, np.nan)
    out = _ring_distance(
        spans.row,
        spans.col_start,
        spans.col_stop,
        spans.offsets,
        mask,
        villages,
        max_ring,
        float(sparse_box),
    )
    far = np.flatnonzero(out == -1.0)
    if far.size:
        out[far] = _tree_distance(spans, mask, villages[far])
    return out


def _tree_distance(spans: VillageSpans, mask: np.ndarray, villages: np.ndarray) -> np.ndarray:
    """:func:`village_distance_to` by a KD-tree of the edge cells of ``mask``, for villages far
    from it."""
    from scipy.spatial import cKDTree

    out = np.full(villages.size, np.nan)
    inner = mask.copy()  # true cells whose four neighbours are true (beyond the grid counts)
    inner[1:, :] &= mask[:-1, :]
    inner[:-1, :] &= mask[1:, :]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    edge = np.argwhere(mask & ~inner)
    if not edge.size:
        return out
    tree = cKDTree(edge.astype("f8"))
    # the edge cells of these villages in one query, each village's one run of it: no
    # true cell is inside a far village, and a cell whose four neighbours are in the village is
    # never the nearest (the neighbour towards a true cell is nearer)
    owner, rows, cols = _edge_cells(
        spans.row, spans.col_start, spans.col_stop, spans.offsets, villages
    )
    cells = np.bincount(owner, minlength=villages.size)
    if rows.size:
        d, _ = tree.query(np.column_stack([rows, cols]).astype("f8"))
        starts = (np.cumsum(cells) - cells)[cells > 0]
        out[cells > 0] = np.minimum.reduceat(d, starts)
    return out


@njit(cache=True)
def _edge_cells(
    row: np.ndarray, c0: np.ndarray, c1: np.ndarray, offsets: np.ndarray, villages: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The cells of ``villages`` with a neighbour (of four) outside the village: ``(village,
    row, col)``, ``village`` the position in ``villages``, in village order."""
    owner = []
    rows = []
    cols = []
    for i in range(villages.shape[0]):
        v = villages[i]
        lo, hi = offsets[v], offsets[v + 1]
        if hi == lo:
            continue
        r_lo, r_hi = row[lo:hi].min(), row[lo:hi].max()
        q_lo, q_hi = c0[lo:hi].min(), c1[lo:hi].max()
        box = np.zeros((r_hi - r_lo + 3, q_hi - q_lo + 2), dtype=np.bool_)
        for s in range(lo, hi):
            box[row[s] - r_lo + 1, c0[s] - q_lo + 1 : c1[s] - q_lo + 1] = True
        for r in range(1, box.shape[0] - 1):
            for c in range(1, box.shape[1] - 1):
                if box[r, c] and not (
                    box[r - 1, c] and box[r + 1, c] and box[r, c - 1] and box[r, c + 1]
                ):
                    owner.append(i)
                    rows.append(r + r_lo - 1)
                    cols.append(c + q_lo - 1)
    return (
        np.array(owner, dtype=np.int64),
        np.array(rows, dtype=np.int64),
        np.array(cols, dtype=np.int64),
    )


@njit(cache=True, parallel=True)
def _ring_distance(
    row: np.ndarray,
    c0: np.ndarray,
    c1: np.ndarray,
    offsets: np.ndarray,
    mask: np.ndarray,
    villages: np.ndarray,
    max_ring: int,
    sparse_box: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`village_distance_to` by rings around each village's bounding box; -1 for the
    villages whose nearest true cell is not settled within ``max_ring`` rings, and for those
    whose cells fill under ``1 / sparse_box`` of their box."""
    height, width = mask.shape
    out = np.full(villages.shape[0], np.nan)
    for i in prange(villages.shape[0]):
        v = villages[i]
        lo, hi = offsets[v], offsets[v + 1]
        keep = np.flatnonzero(c1[lo:hi] > c0[lo:hi]) + lo
        if keep.size == 0:
            continue  # no cell
        by_row = keep[np.argsort(row[keep], kind="mergesort")]
        sr, s0, s1 = row[by_row], c0[by_row], c1[by_row]
        n_spans = sr.shape[0]
        r_lo, r_hi = sr[0], sr[n_spans - 1]
        col_lo, col_hi = s0.min(), s1.max() - 1
        box = (r_hi - r_lo + 1) * (col_hi - col_lo + 1)
        if box > sparse_box * (s1 - s0).sum():
            # scattered parts (islands): scanning the box costs more than the tree, which
            # needs no true cell inside the village
            inside = False
            for s in range(n_spans):
                for c in range(s0[s], s1[s]):
                    if mask[sr[s], c]:
                        inside = True
                        break
                if inside:
                    break
            out[i] = 0.0 if inside else -1.0
            continue
        best = np.inf  # squared distance in cells
        settled = False
        for ring in range(max_ring + 1):
            if ring * ring >= best:
                settled = True
                break
            a, b = r_lo - ring, r_hi + ring
            left, right = col_lo - ring, col_hi + ring
            if a < 0 and b >= height and left < 0 and right >= width and ring > 0:
                settled = True  # the ring is beyond the grid on every side
                break
            for r in range(max(a, 0), min(b, height - 1) + 1):
                # the ring's top and bottom rows whole, its middle rows at both ends
                step = 1 if ring == 0 or (r - a) * (r - b) == 0 else right - left
                cc = left
                while cc <= right:
                    if 0 <= cc < width and mask[r, cc]:
                        # the village's nearest cell to (r, cc) in each of its row spans is
                        # the span's column nearest cc, and only the spans of the rows within
                        # sqrt(best) of r can be nearer: the work is per span of those rows
                        s_a, s_b = 0, n_spans
                        if best < np.inf:
                            w = int(math.sqrt(best)) + 1
                            s_a = int(np.searchsorted(sr, r - w))
                            s_b = int(np.searchsorted(sr, r + w, side="right"))
                        for s in range(s_a, s_b):
                            dr = sr[s] - r
                            d = dr * dr
                            if cc < s0[s]:
                                d += (s0[s] - cc) ** 2
                            elif cc >= s1[s]:
                                d += (cc - s1[s] + 1) ** 2
                            if d < best:
                                best = d
                    cc += step
        if not settled:
            out[i] = -1.0
        elif best < np.inf:
            out[i] = np.sqrt(best)
    return out
