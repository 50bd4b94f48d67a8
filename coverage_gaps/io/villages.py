"""Read village and commune layers (GeoPackage, GeoJSON, Shapefile, GeoParquet).

Villages come as polygons (the unit as given) or points (a village of ``village_radius_m`` around
the point, made later in the metric CRS).  The reader finds the id, name, commune and province
columns when they are not named, keeps ids as text (leading zeros survive), repairs invalid
geometries with a warning that counts them, and reports and drops empty ones.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps.errors import CoverageGapsWarning, CRSError, InputError
from coverage_gaps.io._vector import (
    as_text,
    check_lonlat,
    nonfinite_coordinates,
    pick_column,
    province_columns,
    read_frame,
)
from coverage_gaps.names import listing
from coverage_gaps.settings import Unit, VillageOptions, VillageUnit

__all__ = [
    "ID_CANDIDATES",
    "NAME_CANDIDATES",
    "PROVINCE_CANDIDATES",
    "read_villages",
    "unique_ids",
    "villages_unit",
]

log = logging.getLogger(__name__)

#: Column names tried, in order, when the user does not name the column (case-insensitive).
ID_CANDIDATES = ("village_id", "id", "code", "ma", "ma_thon", "ma_xa", "gid_3", "osm_id", "@id")
NAME_CANDIDATES = (
    "village_name",
    "name",
    "ten",
    "ten_thon",
    "name_vi",
    "name:vi",
    "name_3",
    "fullname",
    "name_en",
    "nameen",
)
COMMUNE_CANDIDATES = ("commune", "commune_name", "xa", "ten_xa", "ward", "ward_name", "name_3")
PROVINCE_CANDIDATES = (
    "province",
    "province_name",
    "tinh",
    "ten_tinh",
    "name_1",
    "province_code",
    "provincecode",
    "ma_tinh",
    "admin1",
)

#: Standard columns of the villages GeoDataFrame the reader returns.
STANDARD = ("village_id", "village_name", "commune", "province", "province_code")


def read_villages(path: str | Path, *, options: VillageOptions | None = None) -> gpd.GeoDataFrame:
    """Read a villages layer into a GeoDataFrame with standard columns.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON, Shapefile or GeoParquet file of polygons and/or points.
    options
        Layer and column names (detected when ``None``) and the point-village radius.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``village_id`` (text), ``village_name``, ``commune``, ``province``,
        ``province_code``, ``geometry`` in the file's CRS, one row per non-empty feature, plus
        ``source_row``, the feature's 0-based position in the file.

    Raises
    ------
    InputError, ColumnError, CRSError
        Missing or unreadable file, a named column that does not exist, no CRS.
    """
    options = options or VillageOptions()
    path = Path(path)
    raw = read_frame(path, options.layer)
    if raw.crs is None:
        raise CRSError(
            path, "has no coordinate reference system; set one (e.g. with ogr2ogr -a_srs EPSG:4326)"
        )
    if len(raw) == 0:
        raise InputError(path, "has no features")
    cols = list(raw.columns)
    id_col = pick_column(cols, options.id_col, ID_CANDIDATES, option="--id-col", path=path)
    name_col = pick_column(cols, options.name_col, NAME_CANDIDATES, option="--name-col", path=path)
    commune_col = pick_column(
        cols,
        options.commune_col,
        COMMUNE_CANDIDATES,
        option="--commune-col",
        path=path,
        exclude=[c for c in (name_col,) if c],
    )
    province_col = pick_column(
        cols, options.province_col, PROVINCE_CANDIDATES, option="--province-col", path=path
    )
    log.info(
        "%s: id=%s name=%s commune=%s province=%s",
        path.name,
        id_col,
        name_col,
        commune_col,
        province_col,
    )

    out = gpd.GeoDataFrame(
        {"source_row": np.arange(len(raw), dtype=np.int64)},
        geometry=raw.geometry.values,
        crs=raw.crs,
    )
    if id_col is None:
        warnings.warn(
            f"{path.name}: no id column ({', '.join(ID_CANDIDATES)}): the villages are numbered "
            "by their row (1, 2, ...), and such ids change when the file does, so field checks "
            "and comparisons between runs may match the wrong village; name the column with "
            "--id-col",
            CoverageGapsWarning,
            stacklevel=2,
        )
    ids = as_text(raw[id_col]) if id_col else pd.Series(np.arange(1, len(raw) + 1)).astype(str)
    out["village_id"] = unique_ids(ids.to_numpy(dtype=object), path=path, column=id_col)
    out["village_name"] = (as_text(raw[name_col]) if name_col else out["village_id"]).to_numpy()
    if commune_col:
        out["commune"] = as_text(raw[commune_col]).to_numpy()
    else:
        # A layer of communes: each feature is its own commune.
        polygonal = raw.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        out["commune"] = np.where(polygonal, out["village_name"].to_numpy(), "")
    province, code = province_columns(raw[province_col] if province_col else None, len(raw))
    out["province"] = province
    out["province_code"] = code
    out = _clean_geometries(out, path)
    return out[
        [
            "village_id",
            "village_name",
            "commune",
            "province",
            "province_code",
            "source_row",
            "geometry",
        ]
    ]


def villages_unit(villages: gpd.GeoDataFrame, unit: VillageUnit = "auto") -> Unit:
    """What the features of ``villages`` (as :func:`read_villages` returns them) are:
    ``"village"`` or ``"commune"``, so that people read "thôn" or "xã" for them.

    ``unit`` other than ``"auto"`` is the answer (``--unit``).  ``"auto"`` follows the reader:
    a layer of polygons without a commune column is a layer of communes (each feature is its own
    commune, its ``commune`` its name); anything else, points or polygons with a commune column,
    is villages.
    """
    if unit == "village" or unit == "commune":
        return unit
    if not len(villages):
        return "village"
    polygonal = villages.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    own_commune = (villages["commune"] == villages["village_name"]).all()
    return "commune" if bool(polygonal and own_commune) else "village"


def unique_ids(ids: np.ndarray, *, path: Path, column: str | None) -> np.ndarray:
    """Village ids that identify every row: an empty id becomes ``row-N`` (N the feature's
    1-based position in the file) and a repeated id gets ``-2``, ``-3`` … after its first
    use, with a warning that names them (each row of the outputs must be identifiable)."""
    out = np.asarray(ids, dtype=object).copy()
    where = f"column {column!r}" if column else "the ids"
    empty = np.array([str(v).strip() == "" for v in out], dtype=bool)
    if empty.any():
        rows = np.flatnonzero(empty)
        out[rows] = [f"row-{r + 1}" for r in rows]
        shown = ", ".join(str(r + 1) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
        warnings.warn(
            f"{path}: {len(rows):,} feature(s) have no id in {where} (features {shown}); they "
            "are given the ids row-N after their place in the file",
            CoverageGapsWarning,
            stacklevel=3,
        )
    seen = pd.Series(out)
    dup = seen.duplicated(keep="first").to_numpy()
    if dup.any():
        taken = set(out.tolist())
        renamed: list[str] = []
        counter: dict[str, int] = {}
        for i in np.flatnonzero(dup):
            base = str(out[i])
            n = counter.get(base, 1)
            while True:
                n += 1
                candidate = f"{base}-{n}"
                if candidate not in taken:
                    break
            counter[base] = n
            taken.add(candidate)
            out[i] = candidate
            renamed.append(f"{base!r} → {candidate!r}")
        shown = ", ".join(renamed[:10]) + (" ..." if len(renamed) > 10 else "")
        warnings.warn(
            f"{path}: {len(renamed):,} feature(s) repeat an id of {where} ({shown}); each row "
            "of the outputs must be identifiable, so the repeats get a suffix",
            CoverageGapsWarning,
            stacklevel=3,
        )
    return out


def _clean_geometries(frame: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    geoms = frame.geometry.values
    empty = shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms))
    if empty.any():
        ids = frame.loc[empty, "village_id"].tolist()
        shown = listing(ids)
        warnings.warn(
            f"{path}: dropped {int(empty.sum())} feature(s) with empty geometry (ids {shown})",
            CoverageGapsWarning,
            stacklevel=3,
        )
        frame = frame.loc[~empty].copy()
    nonfinite = nonfinite_coordinates(np.asarray(frame.geometry.values))
    if nonfinite.any():
        ids = frame.loc[nonfinite, "village_id"].tolist()
        shown = listing(ids)
        warnings.warn(
            f"{path}: dropped {int(nonfinite.sum())} feature(s) with a NaN or infinite "
            f"coordinate (ids {shown}); fix their geometry in the file to keep them",
            CoverageGapsWarning,
            stacklevel=3,
        )
        frame = frame.loc[~nonfinite].copy()
    if len(frame):
        check_lonlat(
            np.asarray(frame.geometry.values),
            frame.crs,
            path,
            what="--villages",
            labels=frame["village_id"].tolist(),
        )
    arr = np.asarray(frame.geometry.values)
    invalid = ~shapely.is_valid(arr)
    if invalid.any():
        repaired = shapely.make_valid(arr[invalid])
        # make_valid may return collections with lines or points: keep the polygonal part.
        polys = [_polygonal(g) for g in repaired]
        arr = arr.copy()
        arr[invalid] = polys
        warnings.warn(
            f"{path}: repaired {int(invalid.sum())} invalid geometr"
            f"{'y' if invalid.sum() == 1 else 'ies'} (e.g. self-intersections)",
            CoverageGapsWarning,
            stacklevel=3,
        )
        frame = frame.set_geometry(gpd.GeoSeries(arr, index=frame.index, crs=frame.crs))
        still_empty = shapely.is_empty(arr)
        if still_empty.any():
            frame = frame.loc[~still_empty].copy()
    kinds = set(frame.geom_type.unique())
    allowed = {"Polygon", "MultiPolygon", "Point", "MultiPoint"}
    if not kinds <= allowed:
        raise InputError(
            path,
            f"has {', '.join(sorted(kinds - allowed))} features; villages must be polygons or "
            "points",
        )
    if len(frame) == 0:
        raise InputError(path, "has no features with a geometry")
    return frame


def _polygonal(geom: Any) -> Any:
    if geom.geom_type in {"Polygon", "MultiPolygon"}:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in {"Polygon", "MultiPolygon"}]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)
