"""Put a raster file onto the analysis grid (shared by electrification, population, elevation)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.warp import reproject, transform_bounds

from coverage_gaps.errors import CRSError, InputError, NoOverlapError
from coverage_gaps.grid import AnalysisGrid


def open_raster(path: str | Path, *, option: str) -> Any:
    """Open ``path`` with rasterio, turning failures into :class:`InputError`."""
    path = Path(path)
    if not path.exists() and not str(path).startswith("/vsi"):
        raise InputError(path, f"no such file; check the {option} path")
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(path, f"cannot be read as a raster ({exc}); expected a GeoTIFF") from None
    if src.crs is None:
        src.close()
        raise CRSError(path, f"{option} raster has no CRS; assign one (gdal_edit.py -a_srs ...)")
    return src


def check_overlap(src: Any, grid: AnalysisGrid, *, path: Path, option: str) -> None:
    """Raise :class:`NoOverlapError` unless the raster ``src`` overlaps ``grid``."""
    left, bottom, right, top = transform_bounds(src.crs, grid.crs, *src.bounds, densify_pts=21)
    gx0, gy0, gx1, gy1 = grid.bounds
    if left >= gx1 or right <= gx0 or bottom >= gy1 or top <= gy0:
        raise NoOverlapError(
            path,
            f"{option} raster (bounds {tuple(round(v, 3) for v in src.bounds)} in {src.crs}) does "
            "not overlap the villages; check that it covers the same area",
        )


def warp_to_grid(
    path: str | Path,
    grid: AnalysisGrid,
    *,
    option: str,
    resampling: Resampling,
    dtype: str = "float32",
    band: int = 1,
) -> np.ndarray:
    """The raster's band on ``grid``, nodata as NaN (float) and outside the raster as NaN."""
    path = Path(path)
    with open_raster(path, option=option) as src:
        check_overlap(src, grid, path=path, option=option)
        dest = np.full(grid.shape, np.nan, dtype=dtype)
        src_nodata = src.nodata
        reproject(
            source=rasterio.band(src, band),
            destination=dest,
            src_nodata=src_nodata,
            dst_nodata=np.nan,
            dst_transform=grid.transform,
            dst_crs=grid.crs,
            resampling=resampling,
        )
    return dest
