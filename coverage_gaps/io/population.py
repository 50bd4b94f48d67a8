"""Population rasters (people per pixel, any CRS), moved onto the analysis grid by density so
that the count is kept when the pixel size changes."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.enums import Resampling

from coverage_gaps.errors import CoverageGapsWarning
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.io.raster import (
    array_to_grid,
    check_overlap,
    open_raster,
    read_window,
    reading,
)

__all__ = ["pixel_areas_m2", "population_on_grid"]

_EARTH_RADIUS_M = 6_371_007.2  # authalic radius


def pixel_areas_m2(
    src: rasterio.io.DatasetReader, transform: Any = None, height: int = 0
) -> np.ndarray:
    """Area of each pixel row in m² (a column vector, broadcastable to the band) of the raster,
    or of a window of it (its ``transform`` and ``height``)."""
    t = src.transform if transform is None else transform
    height = src.height if transform is None else height
    if src.crs.is_geographic:
        rows = np.arange(height + 1)
        lat = np.radians(t.f + t.e * rows)
        dlon = np.radians(abs(t.a))
        band = _EARTH_RADIUS_M**2 * dlon * np.abs(np.sin(lat[:-1]) - np.sin(lat[1:]))
        return band[:, None]
    unit = src.crs.linear_units_factor[1] if src.crs.linear_units_factor else 1.0
    return np.full((height, 1), abs(t.a * t.e) * unit * unit)


def population_on_grid(path: str | Path, grid: AnalysisGrid) -> np.ndarray:
    """People per analysis cell (float32); nodata and outside the raster count as 0.

    Only the raster's pixels under the grid are read (a window: a global GHS-POP file is never
    read whole).  Negative pixels (a lost nodata tag, e.g. -3.4e38 or -200) count as no people,
    with a warning that counts them.
    """
    path = Path(path)
    with open_raster(path, option="--population") as src:
        check_overlap(src, grid, path=path, option="--population")
        with reading(path, option="--population"):
            window = read_window(src, grid, what=f"the --population raster {path.name}")
        if window is None:
            return np.zeros(grid.shape, dtype="float32")
        people, transform = window
        negative = people < 0
        if negative.any():
            warnings.warn(
                f"{path}: {int(negative.sum()):,} pixels over the area are negative (smallest "
                f"{np.nanmin(people):.4g}), which no count of people can be: the raster's "
                "nodata value may be missing; they are counted as no people",
                CoverageGapsWarning,
                stacklevel=2,
            )
        infinite = np.isposinf(people)
        if infinite.any():
            warnings.warn(
                f"{path}: {int(infinite.sum()):,} pixels over the area are not finite (inf), "
                "which no count of people can be: the raster may be damaged or its nodata "
                "value missing; they are counted as no people",
                CoverageGapsWarning,
                stacklevel=2,
            )
        if negative.any() or infinite.any():
            # Zeroed before resampling, so that a bad pixel does not swallow its neighbours.
            people = np.where(negative | infinite, 0, people)
        density = people / pixel_areas_m2(src, transform, people.shape[0])
        dest = array_to_grid(
            density,
            transform=transform,
            crs=src.crs,
            grid=grid,
            resampling=Resampling.average,
            dtype="f8",
        )
    out = np.nan_to_num(dest * grid.cell_area_m2, nan=0.0)
    out[out < 0] = 0.0
    return out.astype("float32")
