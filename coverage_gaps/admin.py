"""Place villages in administrative units (provinces, communes) by location.

Each village is placed by one point: the point itself, or a point on the surface of a polygon
village.  A point inside several units (real layers overlap a little, and a point on a shared
border is in both) takes the first in the layer's order; a point in none (a gap between
simplified borders, a coast) takes the nearest unit within ``snap_m`` metres.  Villages that are
still unplaced keep the value they had.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import shapely

from coverage_gaps.errors import CoverageGapsWarning
from coverage_gaps.grid import transformer
from coverage_gaps.names import listing

#: Metres per degree of latitude, for a snapping distance in a geographic CRS.
_M_PER_DEGREE = 111_320.0


def assign_by_location(
    villages: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    column: str,
    snap_m: float = 1000.0,
    what: str = "province",
) -> gpd.GeoDataFrame:
    """Set ``villages[column]`` to the ``name`` of the unit each village lies in.

    Parameters
    ----------
    villages
        Villages (points and/or polygons, any CRS).
    units
        Polygons with a ``name`` column (:func:`coverage_gaps.io.admin.read_admin_layer`), any
        CRS.
    column
        The villages' column to set (``"province"`` or ``"commune"``).
    snap_m
        A village outside every unit takes the nearest one within this distance.  In a
        geographic layer the distance is converted at 111.32 km per degree (exact north-south,
        generous east-west).
    what
        The kind of unit, for the warning about unplaced villages.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``villages`` with ``column`` set; unplaced villages keep their old value, and a
        :class:`CoverageGapsWarning` counts them and names a few.
    """
    geoms = np.asarray(villages.geometry.values)
    point = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    where = geoms.copy()
    if (~point).any():
        where[~point] = shapely.point_on_surface(geoms[~point])
    if villages.crs != units.crs:
        x, y = transformer(villages.crs, units.crs).transform(
            shapely.get_x(where), shapely.get_y(where)
        )
        where = np.asarray(shapely.points(np.asarray(x), np.asarray(y)))
    unit_geoms = np.asarray(units.geometry.values)
    tree = shapely.STRtree(unit_geoms)
    # covered_by, not within: a point on a shared border is in both units, and the first wins.
    vi, ui = tree.query(where, predicate="covered_by")
    chosen = np.full(len(geoms), -1, dtype=np.int64)
    # The first unit in the layer's order wins where units overlap.
    order = np.lexsort((ui, vi))
    vi, ui = vi[order], ui[order]
    first = np.ones(len(vi), dtype=bool)
    first[1:] = vi[1:] != vi[:-1]
    chosen[vi[first]] = ui[first]
    missing = np.flatnonzero(chosen < 0)
    if missing.size and snap_m > 0:
        tol = snap_m / _M_PER_DEGREE if units.crs.is_geographic else snap_m
        (mi, mu), _ = tree.query_nearest(
            where[missing], max_distance=tol, return_distance=True, all_matches=False
        )
        chosen[missing[mi]] = mu
    out = villages.copy()
    names = units["name"].to_numpy(dtype=object)
    placed = chosen >= 0
    values = out[column].to_numpy(dtype=object).copy()
    values[placed] = names[chosen[placed]]
    out[column] = values
    if not placed.all():
        ids = out.loc[~placed, "village_id"].tolist()
        shown = listing(ids)
        warnings.warn(
            f"{int((~placed).sum())} of {len(out)} villages lie in no {what} of the layer (nor "
            f"within {snap_m:g} m of one) and keep their own {column} value (ids {shown})",
            CoverageGapsWarning,
            stacklevel=2,
        )
    return out
