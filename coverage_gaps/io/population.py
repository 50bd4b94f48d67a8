"""Population rasters (people per pixel, any CRS), moved onto the analysis grid by density so
that the count is kept when the pixel size changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import Resampling

from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.io.raster import array_to_grid, check_overlap, open_raster

_EARTH_RADIUS_M = 6_371_007.2  # authalic radius


def pixel_areas_m2(src: rasterio.io.DatasetReader) -> np.ndarray:
    """Area of each source pixel row in m² (a column vector, broadcastable to the band)."""
    t = src.transform
    if src.crs.is_geographic:
        rows = np.arange(src.height + 1)
        lat = np.radians(t.f + t.e * rows)
        dlon = np.radians(abs(t.a))
        band = _EARTH_RADIUS_M**2 * dlon * np.abs(np.sin(lat[:-1]) - np.sin(lat[1:]))
        return band[:, None]
    unit = src.crs.linear_units_factor[1] if src.crs.linear_units_factor else 1.0
    return np.full((src.height, 1), abs(t.a * t.e) * unit * unit)


def population_on_grid(path: str | Path, grid: AnalysisGrid) -> np.ndarray:
    """People per analysis cell (float32); nodata and outside the raster count as 0."""
    path = Path(path)
    with open_raster(path, option="--population") as src:
        check_overlap(src, grid, path=path, option="--population")
        people = src.read(1, masked=True).astype("f8").filled(np.nan)
        density = people / pixel_areas_m2(src)
        dest = array_to_grid(
            density,
            transform=src.transform,
            crs=src.crs,
            grid=grid,
            resampling=Resampling.average,
            dtype="f8",
        )
    out = np.nan_to_num(dest * grid.cell_area_m2, nan=0.0)
    out[out < 0] = 0.0
    return out.astype("float32")
