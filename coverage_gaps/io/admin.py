"""Administrative layers (provinces, communes) that place villages by location.

A village layer often has no province or commune column (OpenStreetMap place points), or has the
units from before the 1 July 2025 reorganisation.  ``--province-layer`` and ``--commune-layer``
name a polygon layer whose units the villages are then placed in
(:func:`coverage_gaps.admin.assign_by_location`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from coverage_gaps.errors import CRSError, InputError
from coverage_gaps.io._vector import (
    as_text,
    check_lonlat,
    pick_column,
    province_columns,
    read_frame,
)
from coverage_gaps.settings import AdminLayer

__all__ = ["COMMUNE_NAME_CANDIDATES", "PROVINCE_NAME_CANDIDATES", "read_admin_layer"]

#: Name columns tried, in order, when ``name_col`` is not given (case-insensitive): a unit's own
#: name first, then the kind of unit the layer holds (a commune layer often also carries its
#: province's name, so the province layer's candidates never include commune columns and the
#: commune layer's never include province columns).
_GENERIC = ("name", "ten", "name_vi", "name:vi")
PROVINCE_NAME_CANDIDATES = (
    *_GENERIC,
    "province",
    "province_name",
    "tinh",
    "ten_tinh",
    "name_1",
    "fullname",
    "name_en",
    "nameen",
)
COMMUNE_NAME_CANDIDATES = (
    *_GENERIC,
    "commune",
    "commune_name",
    "xa",
    "ten_xa",
    "ward",
    "ward_name",
    "phuong",
    "ten_phuong",
    "name_3",
    "fullname",
    "name_en",
    "nameen",
)


def read_admin_layer(admin: AdminLayer) -> gpd.GeoDataFrame:
    """Read ``admin`` into a GeoDataFrame with a text ``name`` column and polygon geometry.

    Raises
    ------
    InputError, ColumnError, CRSError
        Missing or unreadable file, no name column, no CRS, features that are not polygons.
    """
    path = Path(admin.path)
    raw = read_frame(
        path, admin.layer, option=admin.option, layer_option=f"{admin.option} FILE:LAYER"
    )
    if raw.crs is None:
        raise CRSError(path, f"{admin.option} layer has no coordinate reference system; set one")
    cols = list(raw.columns)
    candidates = COMMUNE_NAME_CANDIDATES if admin.kind == "commune" else PROVINCE_NAME_CANDIDATES
    name_col = pick_column(
        cols, admin.name_col, candidates, option=f"{admin.option}-col", path=path
    )
    if name_col is None:
        raise InputError(
            path,
            f"{admin.option} layer has no name column among "
            f"{', '.join(c for c in cols if c != 'geometry')}; name it with {admin.option}-col",
        )
    geoms = raw.geometry
    keep = ~(geoms.isna() | geoms.is_empty)
    check_lonlat(np.asarray(geoms[keep].values), raw.crs, path, what=admin.option)
    kinds = set(geoms[keep].geom_type.unique())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputError(
            path,
            f"{admin.option} layer has {', '.join(sorted(kinds))} features; it must be polygons",
        )
    if admin.kind == "province":
        names, _ = province_columns(raw.loc[keep, name_col], int(keep.sum()))
    else:
        names = as_text(raw.loc[keep, name_col]).to_numpy(dtype=object)
    return gpd.GeoDataFrame(
        {"name": np.asarray(names, dtype=object)},
        geometry=np.asarray(geoms[keep].values),
        crs=raw.crs,
    )
