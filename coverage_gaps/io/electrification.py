"""Electrification layers: a raster with a threshold, or grid lines with a distance.

Both give a boolean mask on the analysis grid: ``True`` where the land counts as electrified.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from rasterio.enums import Resampling
from rasterio.features import rasterize

from coverage_gaps.errors import CoverageGapsWarning, CRSError, InputError, NoOverlapError
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.io._vector import check_lonlat, nonfinite_coordinates, read_frame
from coverage_gaps.io.raster import warp_to_grid


def electrified_from_raster(
    path: str | Path, grid: AnalysisGrid, *, threshold: float = 0.0
) -> np.ndarray:
    """Cells whose raster value is above ``threshold`` (nearest-neighbour onto the grid).

    A grid-electrified-targets raster (1 = electrified) works with the default threshold 0; night
    lights need a radiance threshold (Gridfinder uses 0.1 nW/cm²/sr on filtered VIIRS).
    Nodata and cells outside the raster are not electrified.
    """
    values = warp_to_grid(path, grid, option="--electrified-raster", resampling=Resampling.nearest)
    finite = np.isfinite(values)
    with np.errstate(invalid="ignore"):
        out = np.asarray(values > threshold)
    if not finite.any():
        warnings.warn(
            f"{path}: the --electrified-raster holds only nodata over this area; no village in "
            "it counts as electrified",
            CoverageGapsWarning,
            stacklevel=2,
        )
    elif not out.any():
        warnings.warn(
            f"{path}: no pixel over this area is above --electrified-threshold {threshold:g} "
            f"(the largest is {float(np.nanmax(values)):g}); no village in it counts as "
            "electrified",
            CoverageGapsWarning,
            stacklevel=2,
        )
    return out


def read_grid_lines(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector layer of grid lines or electrified polygons (any CRS)."""
    path = Path(path)
    frame = read_frame(path, layer, option="--grid-lines", layer_option="--grid-lines-layer")
    if frame.crs is None:
        raise CRSError(path, "has no coordinate reference system; set one before using it")
    frame = frame.loc[~(frame.geometry.is_empty | frame.geometry.isna())]
    if len(frame) == 0:
        raise InputError(path, "has no features with a geometry")
    frame = frame.loc[~nonfinite_coordinates(np.asarray(frame.geometry.values))]
    check_lonlat(np.asarray(frame.geometry.values), frame.crs, path, what="--grid-lines")
    frame.attrs["path"] = str(path)
    return frame


def electrified_from_lines(
    lines: gpd.GeoDataFrame, grid: AnalysisGrid, *, distance_m: float = 1000.0
) -> np.ndarray:
    """Cells whose centre lies within ``distance_m`` of a grid line (or inside a grid polygon)."""
    path = lines.attrs.get("path")
    metric = lines.geometry.to_crs(grid.crs)
    xmin, ymin, xmax, ymax = grid.bounds
    box = shapely.box(xmin - distance_m, ymin - distance_m, xmax + distance_m, ymax + distance_m)
    geoms = np.asarray(metric.values)
    near = shapely.intersects(geoms, box)
    if not near.any():
        raise NoOverlapError(
            path, "--grid-lines layer has no line within --grid-distance of the villages"
        )
    clipped = shapely.intersection(geoms[near], box)
    buffered = shapely.buffer(clipped, distance_m, quad_segs=8) if distance_m > 0 else clipped
    buffered = buffered[~shapely.is_empty(buffered)]
    return rasterize(
        ((g, 1) for g in buffered),
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="uint8",
    ).astype(bool)
