"""Read elevation models (GeoTIFF, SRTM ``.hgt``, zipped ``.hgt``) onto the analysis grid."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.fill import fillnodata

from coverage_gaps.errors import CoverageGapsWarning, CRSError, InputError, NoOverlapError
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.io.raster import array_to_grid, overlaps

__all__ = ["SRTM_VOID", "dem_resolution_m", "read_dem"]

#: SRTM marks voids with this value; any cell at or below it is a void whatever the nodata tag.
SRTM_VOID = -32768.0
_RESAMPLING = {
    "nearest": Resampling.nearest,
    "bilinear": Resampling.bilinear,
    "cubic": Resampling.cubic,
    "average": Resampling.average,
}


def _gdal_path(path: Path) -> str:
    """The path GDAL opens: ``/vsizip/`` into a zipped ``.hgt``/``.tif``, else the file."""
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith((".hgt", ".tif", ".tiff"))]
    except zipfile.BadZipFile as exc:
        raise InputError(path, f"not a readable zip file ({exc})") from None
    if len(names) != 1:
        raise InputError(
            path, f"the zip should hold exactly one .hgt or .tif elevation file, found {names}"
        )
    return f"/vsizip/{path.resolve()}/{names[0]}"


def _open_dem(path: Path) -> Any:
    """An elevation file opened with rasterio (zipped tiles through ``/vsizip/``); a file that
    cannot be read, or has no CRS, is an error naming it."""
    try:
        src = rasterio.open(_gdal_path(path))
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(
            path, f"cannot be read as an elevation raster ({exc}); expected GeoTIFF or SRTM .hgt"
        ) from None
    if src.crs is None:
        src.close()
        raise CRSError(path, "the elevation raster has no CRS; assign one (gdal_edit.py -a_srs)")
    return src


def _read_tile(
    path: Path, grid: AnalysisGrid
) -> tuple[np.ndarray | None, Any, Any, tuple[float, float, float, float]]:
    """(float32 pixels under ``grid`` with NaN voids, or None; their transform; the crs; the
    tile's bounds) of one elevation file, read through a window of the grid."""
    from coverage_gaps.io.raster import read_window, reading

    with _open_dem(path) as src, reading(path, option="--dem"):
        bounds = tuple(src.bounds)
        window = read_window(src, grid, what=f"the --dem tile {path.name}")
        if window is None:
            return None, None, src.crs, bounds
        data, transform = window
        arr = data.astype("float32")
        arr[arr <= SRTM_VOID] = np.nan
        return arr, transform, src.crs, bounds


def read_dem(
    paths: Sequence[str | Path],
    grid: AnalysisGrid,
    *,
    resampling: str = "bilinear",
) -> np.ndarray:
    """Elevation in metres on ``grid``, mosaicked from one or more tiles.

    Parameters
    ----------
    paths
        GeoTIFF, SRTM ``.hgt`` or zipped ``.hgt`` files, in any CRS.  Where tiles overlap the first
        one given wins.
    grid
        The analysis (or terrain) grid.
    resampling
        ``"bilinear"`` (default), ``"nearest"``, ``"cubic"`` or ``"average"`` (use ``average``
        when the grid is much coarser than the DEM).

    Returns
    -------
    numpy.ndarray
        float32 array of ``grid.shape`` with no NaN.

    Raises
    ------
    InputError
        A file is missing or unreadable, or no path was given.
    NoOverlapError
        None of the tiles overlaps the grid.

    Warns
    -----
    CoverageGapsWarning
        When cells had no elevation (SRTM voids, nodata, or grid cells outside every tile): they
        are filled by inverse-distance interpolation from the nearest valid cells
        (``rasterio.fill.fillnodata``) and counted in the message.
    """
    if not paths:
        raise InputError(None, "--dem needs at least one elevation file")
    try:
        method = _RESAMPLING[resampling]
    except KeyError:
        allowed = ", ".join(_RESAMPLING)
        raise ValueError(f"resampling must be one of {allowed}; got {resampling!r}") from None
    files = [Path(p) for p in paths]
    for f in files:
        if not f.exists():
            raise InputError(f, "no such elevation file; check the --dem path")
    dest = np.full(grid.shape, np.nan, dtype="float32")
    used = 0
    described = []
    for f in files:
        arr, transform, crs, bounds = _read_tile(f, grid)
        described.append(f"{f.name} {tuple(round(v, 4) for v in bounds)} in {crs}")
        if arr is None or not overlaps(bounds, crs, grid):
            continue
        used += 1
        tile = array_to_grid(arr, transform=transform, crs=crs, grid=grid, resampling=method)
        fill = np.isnan(dest) & ~np.isnan(tile)
        dest[fill] = tile[fill]
    if not used:
        raise NoOverlapError(
            files[0] if len(files) == 1 else None,
            "no elevation tile overlaps the analysis area "
            f"{tuple(round(v) for v in grid.bounds)} in {grid.crs.to_string()}; tiles: "
            + "; ".join(described),
        )
    missing = np.isnan(dest)
    n_missing = int(missing.sum())
    if n_missing == dest.size:
        raise NoOverlapError(None, "the elevation tiles hold only voids over the analysis area")
    if n_missing:
        warnings.warn(
            f"{n_missing} of {dest.size} DEM grid cells ({100 * n_missing / dest.size:.2f} %) "
            "had no elevation (voids, nodata or outside the tiles) and were filled by "
            "interpolation from the nearest valid cells",
            CoverageGapsWarning,
            stacklevel=2,
        )
        valid = (~missing).astype("uint8")
        dest = fillnodata(
            np.where(missing, 0, dest).astype("float32"),
            mask=valid,
            max_search_distance=float(max(dest.shape)) * 1.5,
            smoothing_iterations=0,
        ).astype("float32")
    return np.ascontiguousarray(dest, dtype=np.float32)


def dem_resolution_m(path: str | Path) -> float:
    """Approximate cell size of an elevation file in metres (degrees × 111.32 km in a
    geographic CRS), to keep the terrain grid from being finer than the DEM itself."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such elevation file; check the --dem path")
    with _open_dem(path) as src:
        res = float(min(abs(src.res[0]), abs(src.res[1])))
        return res * 111_320.0 if src.crs.is_geographic else res
