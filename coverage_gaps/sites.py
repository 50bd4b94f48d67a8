"""Collapse cells into sites.

A mast carries several cells (sectors, technologies).  Cells are grouped in two steps:

1. by identity: LTE cells of one eNB (``cell // 256``) and NR cells of one gNB (the top
   ``nr_gnb_bits`` of the 36-bit NCI) are one node, per operator;
2. by place: nodes of one operator within ``co_location_m`` of a leader node are one site.  The
   leaders are taken in order of observations, so a site never chains along a road the way
   single-linkage clustering would.

A site keeps its operator, radios, cell count, the largest range of each radio, the samples and
the first ``created`` time.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numba import njit, prange
from pyproj import CRS
from rasterio.warp import transform_bounds

from coverage_gaps.coverage.base import Emitters
from coverage_gaps.coverage.discs import disc_radii
from coverage_gaps.errors import InputError
from coverage_gaps.grid import WGS84, AnalysisGrid, transformer
from coverage_gaps.network import MAX_OPERATORS, RADIOS, operator_name
from coverage_gaps.settings import CoverageOptions, ServiceOptions, TowerOptions

__all__ = [
    "AreaSites",
    "cell_operators",
    "collapse_sites",
    "nearest_site_m",
    "select_cells",
    "site_points",
    "sites_in_reach",
]


def cell_operators(cells: pd.DataFrame) -> pd.Series:
    """Operator name of every cell, from its MCC and MNC."""
    codes, pairs = _operator_codes(cells)
    names = np.array([operator_name(m, n) for m, n in pairs], dtype=object)
    return pd.Series(names[codes], index=cells.index, name="operator", dtype="str")


def _operator_codes(cells: pd.DataFrame) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Dense code of each cell's (MCC, MNC) pair, and the pairs in order of first appearance."""
    mcc_code, mcc_values = pd.factorize(cells["mcc"].to_numpy())
    net_code, net_values = pd.factorize(cells["net"].to_numpy())
    combined = mcc_code.astype(np.int64) * max(len(net_values), 1) + net_code
    codes, firsts = pd.factorize(combined)
    pairs = [
        (
            mcc_values[c // max(len(net_values), 1)].item(),
            net_values[c % max(len(net_values), 1)].item(),
        )
        for c in firsts.tolist()
    ]
    return codes, pairs


def collapse_sites(
    cells: pd.DataFrame, *, options: TowerOptions | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group cells into sites.

    Parameters
    ----------
    cells
        Valid cells as :func:`coverage_gaps.io.towers.read_towers` returns them; an
        ``operator`` column (:func:`cell_operators`), when present, is used as it is.
    options
        ``nr_gnb_bits`` and ``co_location_m``.

    Returns
    -------
    sites, emitters
        ``sites``: one row per site with ``site_id, operator, mcc, net, radios, cells, range_m,
        samples, first_created, last_updated (the newest ``updated`` of its cells, Unix seconds, NaN
        when none has one), lon, lat``.  ``emitters``: one row per (site, radio) with
        ``site_id, radio, range_m`` (the largest positive range of that radio's cells, NaN if
        none) and ``cells``.
    """
    options = options or TowerOptions()
    n = len(cells)
    if n == 0:
        return _empty_sites(), pd.DataFrame(
            {
                "site_id": pd.Series(dtype="int64"),
                "radio": pd.Series(dtype="str"),
                "range_m": pd.Series(dtype="f8"),
                "cells": pd.Series(dtype="int64"),
            }
        )
    op = cells["operator"] if "operator" in cells else cell_operators(cells)
    radio = cells["radio"].to_numpy()
    cell_id = cells["cell"].to_numpy(dtype=np.int64)
    # Step 1: identity nodes.  Non-LTE/NR cells are each their own node.
    ident = np.arange(n, dtype=np.int64)
    kind = np.zeros(n, dtype=np.int64)  # 0 own cell, 1 eNB, 2 gNB
    lte = radio == "LTE"
    nr = radio == "NR"
    ident[lte] = cell_id[lte] >> 8
    kind[lte] = 1
    ident[nr] = cell_id[nr] >> (36 - options.nr_gnb_bits)
    kind[nr] = 2
    node_key = pd.DataFrame(
        {
            "mcc": cells["mcc"].to_numpy(),
            "net": cells["net"].to_numpy(),
            "kind": kind,
            "ident": ident,
        }
    )
    node = node_key.groupby(["mcc", "net", "kind", "ident"], sort=False).ngroup().to_numpy()

    lon = cells["lon"].to_numpy(dtype="f8")
    lat = cells["lat"].to_numpy(dtype="f8")
    samples = cells["samples"].to_numpy(dtype=np.int64)
    n_nodes = int(node.max()) + 1
    cnt = np.bincount(node, minlength=n_nodes).astype("f8")
    node_lon = np.bincount(node, weights=lon, minlength=n_nodes) / cnt
    node_lat = np.bincount(node, weights=lat, minlength=n_nodes) / cnt
    node_samples = np.bincount(node, weights=samples, minlength=n_nodes)
    _, op_index = np.unique(op.to_numpy(dtype=str), return_inverse=True)
    node_op = np.zeros(n_nodes, dtype=np.int64)
    node_op[node] = op_index

    # Step 2: leader clustering by place, per UTM zone (exact metres, no global projection).
    site_of_node = _co_locate(node_lon, node_lat, node_op, node_samples, options.co_location_m)
    site = site_of_node[node]
    site = pd.factorize(site)[0]  # dense ids in order of first appearance

    frame = pd.DataFrame(
        {
            "site": site,
            "operator": op.to_numpy(),
            "mcc": cells["mcc"].to_numpy(),
            "net": cells["net"].to_numpy(),
            "radio": radio,
            "range": cells["range"].to_numpy(dtype="f8"),
            "samples": samples,
            "created": cells["created"].to_numpy(dtype=np.int64),
            "updated": (
                cells["updated"].to_numpy(dtype="f8", na_value=np.nan)
                if "updated" in cells
                else np.full(n, np.nan)
            ),
            "lon": lon,
            "lat": lat,
        }
    )
    frame.loc[~(frame["range"] > 0), "range"] = np.nan
    g = frame.groupby("site", sort=True)
    sites = pd.DataFrame(
        {
            "site_id": g.size().index.to_numpy(dtype=np.int64),
            "operator": g["operator"].first().to_numpy(),
            "mcc": g["mcc"].first().to_numpy(),
            "net": g["net"].first().to_numpy(),
            "radios": _radio_names(frame["site"].to_numpy(), radio),
            "cells": g.size().to_numpy(dtype=np.int64),
            "range_m": g["range"].max().to_numpy(),
            "samples": g["samples"].sum().to_numpy(dtype=np.int64),
            "first_created": g["created"].min().to_numpy(dtype=np.int64),
            "last_updated": g["updated"].max().to_numpy(dtype="f8"),
            "lon": g["lon"].mean().to_numpy(),
            "lat": g["lat"].mean().to_numpy(),
        }
    ).reset_index(drop=True)
    e = frame.groupby(["site", "radio"], sort=True)
    emitters = pd.DataFrame(
        {
            "site_id": e.size().index.get_level_values(0).to_numpy(dtype=np.int64),
            "radio": e.size().index.get_level_values(1).to_numpy(),
            "range_m": e["range"].max().to_numpy(),
            "cells": e.size().to_numpy(dtype=np.int64),
        }
    )
    return sites, emitters


def _radio_names(site: np.ndarray, radio: np.ndarray) -> np.ndarray:
    """Comma-joined radios of each site (``"GSM,LTE"``), in :data:`RADIOS` order."""
    bits = np.zeros(len(radio), dtype=np.int64)
    for i, name in enumerate(RADIOS):
        bits[radio == name] = 1 << i
    mask = np.zeros(int(site.max()) + 1, dtype=np.int64)
    np.bitwise_or.at(mask, site, bits)
    table = np.array(
        [",".join(r for i, r in enumerate(RADIOS) if m >> i & 1) for m in range(1 << len(RADIOS))],
        dtype=object,
    )
    return table[mask]


def _empty_sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": pd.Series(dtype="int64"),
            "operator": pd.Series(dtype="str"),
            "mcc": pd.Series(dtype="int64"),
            "net": pd.Series(dtype="int64"),
            "radios": pd.Series(dtype="str"),
            "cells": pd.Series(dtype="int64"),
            "range_m": pd.Series(dtype="f8"),
            "samples": pd.Series(dtype="int64"),
            "first_created": pd.Series(dtype="int64"),
            "last_updated": pd.Series(dtype="f8"),
            "lon": pd.Series(dtype="f8"),
            "lat": pd.Series(dtype="f8"),
        }
    )


def _co_locate(
    lon: np.ndarray, lat: np.ndarray, op: np.ndarray, weight: np.ndarray, radius: float
) -> np.ndarray:
    """Site label of every node: leader clustering within ``radius`` metres, per operator."""
    n = lon.shape[0]
    labels = np.empty(n, dtype=np.int64)
    if radius <= 0:
        labels[:] = np.arange(n)
        return labels
    zone = np.clip(((lon + 180.0) // 6).astype(np.int64) + 1, 1, 60)
    south = lat < 0
    offset = 0
    for z, s in sorted(set(zip(zone.tolist(), south.tolist(), strict=True))):
        idx = np.flatnonzero((zone == z) & (south == s))
        crs = CRS.from_epsg((32700 if s else 32600) + z)
        x, y = transformer(WGS84, crs).transform(lon[idx], lat[idx])
        local = _leader_cluster(
            np.asarray(x), np.asarray(y), op[idx], weight[idx].astype("f8"), float(radius)
        )
        labels[idx] = local + offset
        offset += int(local.max()) + 1 if local.size else 0
    return labels


@njit(cache=True)
def _leader_cluster(
    x: np.ndarray, y: np.ndarray, op: np.ndarray, weight: np.ndarray, radius: float
) -> np.ndarray:  # pragma: no cover - compiled
    n = x.shape[0]
    bx = np.floor(x / radius).astype(np.int64)
    by = np.floor(y / radius).astype(np.int64)
    # Bucket key: operator, then bucket x, then bucket y; sorted for binary search.
    bx0 = bx.min()
    by0 = by.min()
    span_y = by.max() - by0 + 3
    span_x = bx.max() - bx0 + 3
    key = (op * span_x + (bx - bx0 + 1)) * span_y + (by - by0 + 1)
    order = np.argsort(key)
    skey = key[order]
    labels = np.full(n, -1, dtype=np.int64)
    lead_order = np.argsort(-weight, kind="mergesort")
    next_label = 0
    r2 = radius * radius
    rank = np.empty(n, dtype=np.int64)  # position of each node in the sorted keys
    rank[order] = np.arange(n)
    for li in range(n):
        i = lead_order[li]
        if labels[i] >= 0:
            continue
        labels[i] = next_label
        for dx in range(-1, 2):
            # Buckets (dx, -1), (dx, 0), (dx, +1) are consecutive keys: one run of the sorted
            # array, found by galloping from this node's own place (neighbours are close).
            k = key[i] + dx * span_y
            lo = _lower_bound_from(skey, rank[i], k - 1)
            hi = _lower_bound_from(skey, rank[i], k + 2)
            for p in range(lo, hi):
                j = order[p]
                if labels[j] < 0:
                    ddx = x[j] - x[i]
                    ddy = y[j] - y[i]
                    if ddx * ddx + ddy * ddy <= r2:
                        labels[j] = next_label
        next_label += 1
    return labels


@njit(cache=True)
def _lower_bound_from(a: np.ndarray, start: int, k: int) -> int:  # pragma: no cover - compiled
    """First index of sorted ``a`` whose value is >= ``k`` (``np.searchsorted(a, k)``),
    searched by galloping out from ``start``."""
    n = a.shape[0]
    if n == 0:
        return 0
    start = min(max(start, 0), n - 1)
    if a[start] >= k:
        # Answer is at or left of start: gallop left.
        step = 1
        hi = start
        while hi - step >= 0 and a[hi - step] >= k:
            hi -= step
            step *= 2
        lo = max(hi - step, 0)
        return lo + int(np.searchsorted(a[lo:hi], k))
    step = 1
    lo = start + 1
    while lo + step - 1 < n and a[lo + step - 1] < k:
        lo += step
        step *= 2
    hi = min(lo + step, n)
    return lo + int(np.searchsorted(a[lo:hi], k))


def select_cells(cells: pd.DataFrame, service: ServiceOptions) -> pd.DataFrame:
    """Cells whose radio and operator count as service under ``service``.

    ``cells`` needs an ``operator`` column (:func:`cell_operators`) when ``service.operators``
    is not empty; those names must already be the file's own
    (:func:`coverage_gaps.network.resolve_operators`).
    """
    keep = cells["radio"].isin(service.radios).to_numpy()
    if service.operators:
        keep = keep & cells["operator"].isin(service.operators).to_numpy()
    return cells.loc[keep].reset_index(drop=True)


def site_points(sites: pd.DataFrame) -> gpd.GeoDataFrame:
    """Sites as a GeoDataFrame of points in EPSG:4326."""
    return gpd.GeoDataFrame(
        sites.copy(), geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=4326
    )


@dataclass(frozen=True)
class AreaSites:
    """The sites that may serve an area, on its grid.

    Attributes
    ----------
    table
        Rows of the sites table in reach, with their grid coordinates ``x``, ``y``.
    emitters
        One per (site, radio) of those sites, in the grid's CRS, with the range-model radius.
    operators
        The operators of those sites, sorted: an emitter's ``operator`` indexes this list.
    """

    table: pd.DataFrame
    emitters: Emitters
    operators: list[str]


def sites_in_reach(
    sites: pd.DataFrame,
    emitters: pd.DataFrame,
    grid: AnalysisGrid,
    *,
    reach_m: float,
    ranges: CoverageOptions,
) -> AreaSites:
    """The sites within ``reach_m`` of ``grid`` (a box test), projected onto it, and their
    emitters with disc radii from the range model of ``ranges``.

    Raises
    ------
    InputError
        More than :data:`~coverage_gaps.network.MAX_OPERATORS` operators have sites in reach,
        or an emitter has a radio the models do not know.
    """
    xmin, ymin, xmax, ymax = grid.bounds
    # A cheap lon/lat box first (a little wider than needed), then exact metres.
    lon0, lat0, lon1, lat1 = transform_bounds(
        grid.crs,
        "EPSG:4326",
        xmin - reach_m,
        ymin - reach_m,
        xmax + reach_m,
        ymax + reach_m,
        densify_pts=21,
    )
    lon = sites["lon"].to_numpy()
    lat = sites["lat"].to_numpy()
    pad = 0.01
    box = (lon >= lon0 - pad) & (lon <= lon1 + pad) & (lat >= lat0 - pad) & (lat <= lat1 + pad)
    candidates = np.flatnonzero(box)
    to_grid = transformer(WGS84, grid.crs)
    x, y = to_grid.transform(lon[candidates], lat[candidates])
    x = np.asarray(x)
    y = np.asarray(y)
    near = (
        (x >= xmin - reach_m)
        & (x <= xmax + reach_m)
        & (y >= ymin - reach_m)
        & (y <= ymax + reach_m)
    )
    area_sites = sites.iloc[candidates[near]].copy()
    area_sites["x"] = x[near]
    area_sites["y"] = y[near]
    operators = sorted(area_sites["operator"].unique().tolist())
    if len(operators) > MAX_OPERATORS:
        raise InputError(
            None,
            f"{len(operators)} operators have sites near this area; at most {MAX_OPERATORS} can "
            "be analysed at once: filter with --mcc or --operator",
        )
    em = emitters.loc[emitters["site_id"].isin(area_sites["site_id"])].reset_index(drop=True)
    # Each emitter's row in area_sites, by binary search over the sorted site ids.
    site_ids = area_sites["site_id"].to_numpy(dtype=np.int64)
    by_id = np.argsort(site_ids, kind="stable")
    emitter_site = em["site_id"].to_numpy(dtype=np.int64)
    row_of = by_id[np.searchsorted(site_ids, emitter_site, sorter=by_id)]
    site_op = pd.Index(operators).get_indexer(pd.Index(area_sites["operator"])).astype(np.int16)
    radio = pd.Index(RADIOS).get_indexer(pd.Index(em["radio"]))
    if (radio < 0).any():
        unknown = sorted(set(em.loc[radio < 0, "radio"].astype(str)))
        raise InputError(None, f"emitters with unknown radio {unknown}; expected one of {RADIOS}")
    emit = Emitters(
        x=x[near][row_of],
        y=y[near][row_of],
        radio=radio.astype(np.int8),
        operator=site_op[row_of],
        range_m=disc_radii(em, ranges),
        site=emitter_site,
    )
    return AreaSites(table=area_sites.reset_index(drop=True), emitters=emit, operators=operators)


def nearest_site_m(
    geoms: np.ndarray, crs: CRS, area_sites: pd.DataFrame, all_sites: pd.DataFrame
) -> np.ndarray:
    """Distance (m, rounded to 0.1) from each village to the nearest site.

    ``geoms`` are in the metric ``crs``: a point's distance is to its centre, a polygon's to its
    edge (0 with a site inside), a MultiPoint's to its nearest member.  The sites in reach
    (``area_sites``, with grid coordinates ``x``, ``y``) are searched, else every site.

    Points use a KD-tree.  Polygons are exact and fast: the distance from any of a polygon's
    vertices to its nearest site bounds the polygon's distance, so only the sites within that
    bound of the polygon's box are candidates, and those are measured exactly against every edge
    (:func:`_polygon_site_distances`; the tests hold it to GEOS's distances).
    """
    from scipy.spatial import cKDTree

    dist = np.full(len(geoms), np.nan)
    candidates = area_sites
    if len(candidates) == 0:
        candidates = all_sites
    if len(candidates) == 0:
        return dist
    if "x" in candidates:
        sx, sy = candidates["x"].to_numpy(), candidates["y"].to_numpy()
    else:
        sx, sy = transformer(WGS84, crs).transform(
            candidates["lon"].to_numpy(), candidates["lat"].to_numpy()
        )
    sx = np.asarray(sx, dtype="f8")
    sy = np.asarray(sy, dtype="f8")
    tree = cKDTree(np.column_stack([sx, sy]))
    kind = shapely.get_type_id(geoms)
    point = kind == shapely.GeometryType.POINT
    if point.any():
        d, _ = tree.query(
            np.column_stack([shapely.get_x(geoms[point]), shapely.get_y(geoms[point])])
        )
        dist[point] = d
    polygonal = (kind == shapely.GeometryType.POLYGON) | (kind == shapely.GeometryType.MULTIPOLYGON)
    if polygonal.any():
        dist[polygonal] = _polygon_distances(geoms[polygonal], sx, sy, tree)
    others = np.flatnonzero(~point & ~polygonal)
    if others.size:  # MultiPoints and anything else: GEOS
        strtree = shapely.STRtree(np.asarray(shapely.points(sx, sy)))
        (vi, _), d = strtree.query_nearest(geoms[others], return_distance=True, all_matches=False)
        dist[others[vi]] = d
    return np.round(dist, 1)


def _polygon_distances(
    polys: np.ndarray, sx: np.ndarray, sy: np.ndarray, tree: object
) -> np.ndarray:
    """Exact distance from each polygon to the nearest of the sites ``(sx, sy)``."""
    parts, part_of = shapely.get_parts(polys, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    poly_of_ring = part_of[ring_of].astype(np.int64)
    # Vertex ranges of each polygon (its rings are consecutive in ``coords``).
    poly_of_coord = poly_of_ring[coord_of]
    starts = np.searchsorted(poly_of_coord, np.arange(len(polys) + 1))
    first = coords[np.minimum(starts[:-1], len(coords) - 1)]
    bound, _ = tree.query(first)  # type: ignore[attr-defined]
    b = shapely.bounds(polys)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    half = np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / 2
    lists = tree.query_ball_point(  # type: ignore[attr-defined]
        np.column_stack([cx, cy]), half + bound + 1e-6, return_sorted=False
    )
    counts = np.fromiter((len(c) for c in lists), dtype=np.int64, count=len(lists))
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = np.fromiter((i for c in lists for i in c), dtype=np.int64, count=int(offsets[-1]))
    return _polygon_site_distances(
        coords[:, 0].copy(),
        coords[:, 1].copy(),
        coord_of.astype(np.int64),
        starts.astype(np.int64),
        offsets,
        flat,
        sx,
        sy,
    )


@njit(cache=True, parallel=True)
def _polygon_site_distances(
    x: np.ndarray,
    y: np.ndarray,
    ring: np.ndarray,
    starts: np.ndarray,
    offsets: np.ndarray,
    candidates: np.ndarray,
    sx: np.ndarray,
    sy: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Per polygon (vertices ``starts[p]:starts[p+1]``, closed rings labelled by ``ring``), the
    smallest distance to its candidate sites: 0 inside (even-odd over all rings), else the
    distance to the nearest edge (the projection clamped to the segment).

    Candidates are measured in order of their distance to the polygon's box, and the search
    stops when that lower bound reaches the best distance found, so most polygons measure one
    or two sites against their edges.
    """
    n = starts.shape[0] - 1
    out = np.full(n, np.inf)
    for p in prange(n):
        i0 = starts[p]
        i1 = starts[p + 1]
        if i1 <= i0:
            continue
        x0 = x[i0:i1].min()
        x1 = x[i0:i1].max()
        y0 = y[i0:i1].min()
        y1 = y[i0:i1].max()
        k0 = offsets[p]
        k1 = offsets[p + 1]
        lower = np.empty(k1 - k0)
        for k in range(k0, k1):
            s = candidates[k]
            dx = max(x0 - sx[s], 0.0, sx[s] - x1)
            dy = max(y0 - sy[s], 0.0, sy[s] - y1)
            lower[k - k0] = dx * dx + dy * dy
        order = np.argsort(lower)
        best2 = np.inf
        for j in order:
            if lower[j] >= best2:
                break
            s = candidates[k0 + j]
            px = sx[s]
            py = sy[s]
            inside = False
            near2 = np.inf
            for i in range(i0, i1 - 1):
                if ring[i] != ring[i + 1]:
                    continue
                ax = x[i]
                ay = y[i]
                bx = x[i + 1]
                by = y[i + 1]
                if ((ay > py) != (by > py)) and px < (bx - ax) * (py - ay) / (by - ay) + ax:
                    inside = not inside
                ex = bx - ax
                ey = by - ay
                len2 = ex * ex + ey * ey
                r = 0.0 if len2 == 0.0 else ((px - ax) * ex + (py - ay) * ey) / len2
                r = min(max(r, 0.0), 1.0)
                qx = px - (ax + r * ex)
                qy = py - (ay + r * ey)
                near2 = min(near2, qx * qx + qy * qy)
            if inside:
                best2 = 0.0
                break
            best2 = min(best2, near2)
        out[p] = np.sqrt(best2)
    return out
