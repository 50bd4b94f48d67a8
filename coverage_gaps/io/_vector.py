"""Helpers shared by the vector-layer readers (villages, administrative units)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from coverage_gaps.errors import ColumnError, InputError
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
        if wanted in columns:
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
    InputError
        The file is missing or unreadable, has several layers and none is chosen, or the chosen
        layer is not in it.
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
            raise InputError(
                path, f"has {len(layers)} layers ({names}); choose one with {layer_option}"
            )
        if layer is not None and layer not in {str(name) for name, _ in layers}:
            names = ", ".join(str(name) for name, _ in layers)
            raise InputError(
                path, f"{layer_option} {layer!r} is not a layer; the layers are {names}"
            )
        return gpd.read_file(path, layer=layer)
    except InputError:
        raise
    except Exception as exc:  # pyogrio/pyarrow raise many types for unreadable files
        raise InputError(
            path,
            f"cannot be read as a vector layer ({type(exc).__name__}: {exc}); expected "
            "GeoPackage, GeoJSON, Shapefile or GeoParquet",
        ) from None


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
