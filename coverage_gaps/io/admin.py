"""Administrative layers (provinces, communes) that place villages by location.

A village layer often has no province or commune column (OpenStreetMap place points), or has the
units from before the 1 July 2025 reorganisation.  ``--province-layer`` and ``--commune-layer``
name a polygon layer whose units the villages are then placed in
(:func:`coverage_gaps.admin.assign_by_location`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np

from coverage_gaps.errors import CRSError, InputError
from coverage_gaps.io.villages import _as_text, _pick, _province_columns, _read_frame

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


@dataclass(frozen=True)
class AdminLayer:
    """A polygon layer of administrative units and the column holding their names.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON, Shapefile or GeoParquet of polygons, any CRS.
    name_col
        The units' name column; detected among :data:`PROVINCE_NAME_CANDIDATES` or
        :data:`COMMUNE_NAME_CANDIDATES` when ``None``.  A column of two-digit Vietnamese
        province codes is turned into the provinces' names.
    option
        The command-line option the layer came from (``--province-layer`` or
        ``--commune-layer``): the kind of unit, and the option named in messages.
    layer
        The layer of a multi-layer file (``FILE:LAYER`` on the command line).
    """

    path: Path
    name_col: str | None = None
    option: str = "--province-layer"
    layer: str | None = None

    @property
    def kind(self) -> str:
        """``"commune"`` for ``--commune-layer``, else ``"province"``."""
        return "commune" if "commune" in self.option else "province"


def read_admin_layer(admin: AdminLayer) -> gpd.GeoDataFrame:
    """Read ``admin`` into a GeoDataFrame with a text ``name`` column and polygon geometry.

    Raises
    ------
    InputError, ColumnError, CRSError
        Missing or unreadable file, no name column, no CRS, features that are not polygons.
    """
    path = Path(admin.path)
    if not path.exists():
        raise InputError(path, f"no such file; check the {admin.option} path")
    try:
        raw = _read_frame(path, admin.layer)
    except InputError as exc:
        # The villages reader names its own --layer option; this layer is chosen as FILE:LAYER.
        text = str(exc)
        if "--layer" not in text:
            raise
        raise InputError(None, text.replace("--layer", f"{admin.option} FILE:LAYER")) from None
    if raw.crs is None:
        raise CRSError(path, f"{admin.option} layer has no coordinate reference system; set one")
    cols = list(raw.columns)
    candidates = COMMUNE_NAME_CANDIDATES if admin.kind == "commune" else PROVINCE_NAME_CANDIDATES
    name_col = _pick(cols, admin.name_col, candidates, option=f"{admin.option}-col", path=path)
    if name_col is None:
        raise InputError(
            path,
            f"{admin.option} layer has no name column among "
            f"{', '.join(c for c in cols if c != 'geometry')}; name it with {admin.option}-col",
        )
    geoms = raw.geometry
    keep = ~(geoms.isna() | geoms.is_empty)
    kinds = set(geoms[keep].geom_type.unique())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputError(
            path,
            f"{admin.option} layer has {', '.join(sorted(kinds))} features; it must be polygons",
        )
    if admin.kind == "province":
        names, _ = _province_columns(raw.loc[keep, name_col], int(keep.sum()))
    else:
        names = _as_text(raw.loc[keep, name_col]).to_numpy(dtype=object)
    return gpd.GeoDataFrame(
        {"name": np.asarray(names, dtype=object)},
        geometry=np.asarray(geoms[keep].values),
        crs=raw.crs,
    )
