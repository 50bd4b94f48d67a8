"""Signal rasters as Cloud-Optimised GeoTIFFs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil

from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.outputs.atomic import atomic_path


def write_cog(
    path: str | Path, array: np.ndarray, grid: AnalysisGrid, *, description: str = ""
) -> Path:
    """Write a float32 band on ``grid`` as a COG (deflate, overviews), NaN as nodata."""
    path = Path(path)
    if array.shape != grid.shape:
        raise ValueError(f"array has shape {array.shape}, the grid {grid.shape}")
    with atomic_path(path) as tmp:
        # GDAL's COG driver writes from a source dataset: build it in memory, then copy.
        profile = {
            "driver": "GTiff",
            "height": grid.height,
            "width": grid.width,
            "count": 1,
            "dtype": "float32",
            "crs": grid.crs.to_wkt(),
            "transform": grid.transform,
            "nodata": float("nan"),
        }
        with rasterio.MemoryFile() as mem:
            with mem.open(**profile) as ds:
                ds.write(array.astype("float32"), 1)
                if description:
                    ds.set_band_description(1, description)
            with mem.open() as src:
                rasterio.shutil.copy(
                    src,
                    tmp,
                    driver="COG",
                    compress="DEFLATE",
                    predictor="YES",
                    overview_resampling="average",
                )
    return path
