"""Cloud-Optimised GeoTIFF output of per-cell rasters (best-server signal in dBm)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import rasterio

from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.names import slugify
from coverage_gaps.outputs.atomic import atomic_path

if TYPE_CHECKING:
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = ["write_area_signals", "write_signal_cog"]


def write_signal_cog(
    path: str | Path,
    array: np.ndarray,
    grid: AnalysisGrid,
    *,
    description: str = "best-server signal (dBm)",
) -> Path:
    """Write ``array`` (float32 on ``grid``, NaN = no signal) as a Cloud-Optimised GeoTIFF.

    The file is written beside ``path`` under a temporary name and renamed over it when complete,
    so that a reader never sees half a file.  DEFLATE with the floating-point predictor, 512-pixel
    tiles, overviews chosen by GDAL, nodata NaN.

    Parameters
    ----------
    path
        Destination ``.tif``.
    array
        ``grid.shape`` array of dBm values.
    grid
        The analysis grid (CRS and transform).
    description
        Band description stored in the file.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    data = np.asarray(array, dtype=np.float32)
    if data.shape != grid.shape:
        raise ValueError(f"array has shape {data.shape}, the grid is {grid.shape}")
    profile = {
        "driver": "COG",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": "float32",
        "crs": grid.crs,
        "transform": grid.transform,
        "nodata": float("nan"),
        "compress": "DEFLATE",
        "predictor": 3,
        "blocksize": 512,
        "overview_resampling": "average",
    }
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(data, 1)
        dst.set_band_description(1, description)
        dst.update_tags(1, units="dBm")
    return path


def write_area_signals(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>-signal-<radio>.tif`` per technology (propagation models only), and with
    ``signal_per_operator`` also ``<slug>-signal-<radio>-<operator>.tif``."""
    written = [
        write_signal_cog(
            target.path(f"-signal-{radio.lower()}.tif"),
            layer,
            result.grid,
            description=f"best-server {radio} signal (dBm)",
        )
        for radio, layer in (result.coverage.signal_by_radio or {}).items()
    ]
    if target.options.signal_per_operator:
        for (radio, op), layer in result.coverage.signal_by_operator().items():
            operator = result.operators[op]
            written.append(
                write_signal_cog(
                    target.path(f"-signal-{radio.lower()}-{slugify(operator)}.tif"),
                    layer,
                    result.grid,
                    description=f"{operator} {radio} signal (dBm)",
                )
            )
    return written
