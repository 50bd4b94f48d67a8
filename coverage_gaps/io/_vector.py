"""Helpers shared by the vector-layer readers (villages, administrative units)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps.errors import ColumnError, InputError, LayerError
from coverage_gaps.names import VIETNAM_PROVINCES


def pick_column(
    columns: Sequence[str],
    wanted: str | None,
    candidates: Sequence[str],
    *,
    option: str,
    path: Path,
    exclude: Sequence[str] = (),
) -> str | None:
    """The column to use: ``wanted`` (any case) when given, else the first of ``candidates``
    present (case-insensitive, not in ``exclude``), else ``None``.

    Raises
    ------
    ColumnError
        ``wanted`` is not a column; the message names ``option`` and lists the columns.
    """
    lower = {c.lower(): c for c in columns if c != "geometry"}
    if wanted is not None:
        if wanted in columns and wanted != "geometry":
            return wanted
        if wanted.lower() in lower:
            return lower[wanted.lower()]
        raise ColumnError(
            path,
            f"{option} {wanted!r} is not a column; the columns are "
            f"{', '.join(c for c in columns if c != 'geometry')}",
        )
    for cand in candidates:
        if cand in lower and lower[cand] not in exclude:
            return lower[cand]
    return None


def read_frame(
    path: Path, layer: str | None, *, option: str = "--villages", layer_option: str = "--layer"
) -> gpd.GeoDataFrame:
    """Read one layer of a vector file (GeoParquet by its suffix, else anything GDAL reads).

    ``option`` and ``layer_option`` name, in messages, the options that give the file and its
    layer.

    Raises
    ------
    LayerError
        The file has several layers and none is chosen, or the chosen layer is not in it.
    InputError
        The file is missing or unreadable.
    """
    if not path.exists():
        raise InputError(path, f"no such file; check the {option} path")
    suffix = path.suffix.lower()
    try:
        if suffix in {".parquet", ".geoparquet"}:
            return gpd.read_parquet(path)
        import pyogrio

        layers = pyogrio.list_layers(path)
        if layer is None and len(layers) > 1:
            names = ", ".join(str(name) for name, _ in layers)
            raise LayerError(
                path, f"has {len(layers)} layers ({names}); choose one with {layer_option}"
            )
        if layer is not None and layer not in {str(name) for name, _ in layers}:
            names = ", ".join(str(name) for name, _ in layers)
            raise LayerError(
                path, f"{layer_option} {layer!r} is not a layer; the layers are {names}"
            )
        frame = gpd.read_file(path, layer=layer)
    except InputError:
        raise
    except UnicodeDecodeError as exc:
        raise InputError(
            path,
            f"holds text that is not UTF-8 (byte 0x{exc.object[exc.start]:02x}, as Latin-1 or "
            "Windows-1258 write letters); GeoJSON and CSV must be UTF-8: convert it (iconv -f "
            f"WINDOWS-1258 -t UTF-8 {path.name} > utf8-{path.name}) or give a GeoPackage",
        ) from None
    except Exception as exc:  # pyogrio/pyarrow raise many types for unreadable files
        raise InputError(
            path,
            f"cannot be read as a vector layer ({type(exc).__name__}: {exc}); expected "
            "GeoPackage, GeoJSON, Shapefile or GeoParquet",
        ) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        # GDAL reads a CSV without a WKT column (or a table of a GeoPackage) as plain rows.
        cols = ", ".join(map(str, frame.columns[:10]))
        raise InputError(
            path,
            f"{option}: has no geometry (its columns are {cols}); give a layer with points or "
            "polygons, e.g. a CSV with a WKT column, or convert a lon/lat table with ogr2ogr "
            "-oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -a_srs EPSG:4326 out.gpkg in.csv",
        )
    return frame


def as_text(values: pd.Series) -> pd.Series:
    """Text form of an id or name column: integers without ``.0``, missing as ``""``."""
    if pd.api.types.is_float_dtype(values) and values.dropna().mod(1).eq(0).all():
        values = values.astype("Int64")
    return values.astype("string").fillna("").astype(str).str.strip()


def province_columns(values: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Province names and codes; Vietnamese two-digit province codes are turned into names."""
    if values is None:
        return np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    text = as_text(values)
    padded = text.str.zfill(2)
    if len(text) and text.str.fullmatch(r"\d{1,2}").all() and padded.isin(VIETNAM_PROVINCES).all():
        names = padded.map(lambda c: VIETNAM_PROVINCES[c].name)
        return names.to_numpy(dtype=object), padded.to_numpy(dtype=object)
    return text.to_numpy(dtype=object), np.full(n, "", dtype=object)


def nonfinite_coordinates(geoms: np.ndarray) -> np.ndarray:
    """Which geometries have a NaN or infinite coordinate (e.g. ``POINT (NaN NaN)``)."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = np.zeros(len(geoms), dtype=bool)
    if len(coords):
        bad[index[~np.isfinite(coords).all(axis=1)]] = True
    return bad


def check_lonlat(
    geoms: np.ndarray, crs: object, path: Path, *, what: str, labels: Sequence[str] | None = None
) -> None:
    """In a geographic CRS, every coordinate must be a longitude/latitude, and no feature may
    span more than 180° of longitude (one that crosses the antimeridian does, in lon/lat).

    Raises
    ------
    CRSError
        Naming the first feature at fault: metres declared as degrees (the file's CRS is
        wrong), or a feature across the antimeridian.
    """
    from coverage_gaps.errors import CRSError

    if crs is None or not getattr(crs, "is_geographic", False) or not len(geoms):
        return
    bounds = shapely.bounds(geoms)
    finite = np.isfinite(bounds).all(axis=1)

    def name(i: int) -> str:
        label = f" ({labels[i]!r})" if labels is not None else ""
        return f"feature {i + 1}{label}"

    out = finite & (
        (bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (bounds[:, 3] > 90)
    )
    if out.any():
        i = int(np.flatnonzero(out)[0])
        x, y = bounds[i, 0], bounds[i, 1]
        raise CRSError(
            path,
            f"{what}: {name(i)} has coordinates ({x:,.6g}, {y:,.6g}), which are not degrees, "
            f"but the file says its CRS is {getattr(crs, 'name', crs)}; {int(out.sum()):,} "
            "features are like it. The layer is probably in metres (a projected CRS such as a "
            "UTM zone): give it its real CRS, e.g. ogr2ogr -a_srs EPSG:32648 out.gpkg in.gpkg",
        )
    wide = finite & (bounds[:, 2] - bounds[:, 0] > 180)
    if wide.any():
        i = int(np.flatnonzero(wide)[0])
        raise CRSError(
            path,
            f"{what}: {name(i)} spans longitudes {bounds[i, 0]:.4f} to {bounds[i, 2]:.4f}: it "
            "crosses the antimeridian (180°), which lon/lat cannot hold in one piece; split it "
            "at 180° (ogr2ogr -wrapdateline) or give the layer in a projected CRS",
        )
