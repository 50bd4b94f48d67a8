"""Put a raster file onto the analysis grid (shared by electrification, population, elevation)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.warp import reproject, transform_bounds

from coverage_gaps.errors import CRSError, InputError, NoOverlapError
from coverage_gaps.grid import AnalysisGrid, step_threads

__all__ = [
    "aligned_offset",
    "array_to_grid",
    "check_overlap",
    "check_readable",
    "grid_window",
    "open_raster",
    "overlaps",
    "read_window",
    "reading",
    "warp_to_grid",
]


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
    left, bottom, right, top = src.bounds
    if src.crs.is_geographic and (
        min(left, right) < -181
        or max(left, right) > 361
        or min(bottom, top) < -91
        or max(bottom, top) > 91
    ):
        src.close()
        raise CRSError(
            path,
            f"{option} raster has bounds ({left:,.0f}, {bottom:,.0f}, {right:,.0f}, {top:,.0f}), "
            f"which are not degrees, but it says its CRS is {src.crs}: it is probably in metres "
            "(a projected CRS such as a UTM zone); give it its real CRS, e.g. "
            f"gdal_edit.py -a_srs EPSG:32648 {path.name}",
        )
    return src


def overlaps(bounds: Sequence[float], crs: Any, grid: AnalysisGrid) -> bool:
    """Whether ``bounds`` (left, bottom, right, top in ``crs``) overlap ``grid``."""
    left, bottom, right, top = transform_bounds(crs, grid.crs, *bounds, densify_pts=21)
    gx0, gy0, gx1, gy1 = grid.bounds
    return not (left >= gx1 or right <= gx0 or bottom >= gy1 or top <= gy0)


def check_overlap(src: Any, grid: AnalysisGrid, *, path: Path, option: str) -> None:
    """Raise :class:`NoOverlapError` unless the raster ``src`` overlaps ``grid``."""
    if not overlaps(src.bounds, src.crs, grid):
        raise NoOverlapError(
            path,
            f"{option} raster (bounds {tuple(round(v, 3) for v in src.bounds)} in {src.crs}) does "
            "not overlap the villages; check that it covers the same area",
        )


@contextmanager
def reading(path: str | Path, *, option: str) -> Iterator[None]:
    """Turn a failed read of the raster's pixels (a truncated or corrupt file) into an
    :class:`InputError` naming the file and GDAL's reason."""
    try:
        yield
    except rasterio.errors.RasterioIOError as exc:
        reason = exc.__cause__ or exc
        raise InputError(
            path,
            f"the {option} raster is damaged: its pixels cannot be read ({reason}); "
            "download or export it again",
        ) from None


#: Pixels read at a time by :func:`check_readable`.
CHECK_CHUNK_PIXELS = 1 << 24


def check_readable(src: Any, band: int, window: Any) -> None:
    """Read the band's pixels in ``window`` (in strips of :data:`CHECK_CHUNK_PIXELS`), so that
    a damaged file raises here: GDAL's warper, which reads blocks in its own threads, only
    prints such errors and carries on with nodata."""
    from rasterio.windows import Window

    if window is None:
        return
    rows = max(1, CHECK_CHUNK_PIXELS // max(int(window.width), 1))
    r0, r1 = int(window.row_off), int(window.row_off + window.height)
    for r in range(r0, r1, rows):
        src.read(band, window=Window(window.col_off, r, window.width, min(rows, r1 - r)))


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
    with open_raster(path, option=option) as src, reading(path, option=option):
        check_overlap(src, grid, path=path, option=option)
        dest = np.full(grid.shape, np.nan, dtype=dtype)
        src_nodata = src.nodata
        offset = aligned_offset(src, grid)
        if offset is not None:
            _read_aligned(src, band, offset, dest)
            return dest
        check_readable(src, band, grid_window(src, grid))
        reproject(
            source=rasterio.band(src, band),
            destination=dest,
            src_nodata=src_nodata,
            dst_nodata=np.nan,
            dst_transform=grid.transform,
            dst_crs=grid.crs,
            resampling=resampling,
            num_threads=step_threads(),
        )
    return dest


def array_to_grid(
    array: np.ndarray,
    *,
    transform: Any,
    crs: Any,
    grid: AnalysisGrid,
    resampling: Resampling,
    dtype: str = "float32",
) -> np.ndarray:
    """An in-memory raster (NaN marks no data) resampled onto ``grid``; cells it does not
    cover are NaN."""
    dest = np.full(grid.shape, np.nan, dtype=dtype)
    reproject(
        source=array,
        destination=dest,
        src_transform=transform,
        src_crs=crs,
        src_nodata=np.nan,
        dst_transform=grid.transform,
        dst_crs=grid.crs,
        dst_nodata=np.nan,
        resampling=resampling,
        num_threads=step_threads(),
    )
    return dest


def aligned_offset(src: Any, grid: AnalysisGrid) -> tuple[int, int] | None:
    """``(col, row)`` of the grid's first cell in the raster when the grid is a window of the
    raster's own pixels (same CRS, same cell size, corners on its pixel lines), else ``None``."""
    t = src.transform
    g = grid.transform
    if t.b != 0 or t.d != 0 or t.a != g.a or t.e != g.e:
        return None
    col = (g.c - t.c) / t.a
    row = (g.f - t.f) / t.e
    if abs(col - round(col)) > 1e-6 or abs(row - round(row)) > 1e-6:
        return None
    if src.crs != grid.crs:
        return None
    return round(col), round(row)


def _read_aligned(src: Any, band: int, offset: tuple[int, int], dest: np.ndarray) -> None:
    """Copy the raster's pixels under the grid into ``dest`` (cells off the raster stay as they
    are), nodata as NaN: a plain windowed read, no resampling."""
    from rasterio.windows import Window

    col, row = offset
    height, width = dest.shape
    c0, r0 = max(col, 0), max(row, 0)
    c1, r1 = min(col + width, src.width), min(row + height, src.height)
    if c1 <= c0 or r1 <= r0:
        return
    data = src.read(band, window=Window(c0, r0, c1 - c0, r1 - r0), masked=True)
    block = data.astype(dest.dtype).filled(np.nan)
    dest[r0 - row : r1 - row, c0 - col : c1 - col] = block


def grid_window(src: Any, grid: AnalysisGrid, *, margin_px: int = 3) -> Any:
    """The window of ``src``'s pixels under ``grid`` (its bounds carried into the raster's CRS
    along densified edges), widened by ``margin_px`` pixels for resampling, clipped to the
    raster; ``None`` when they do not overlap."""
    from rasterio.windows import Window, from_bounds

    left, bottom, right, top = transform_bounds(grid.crs, src.crs, *grid.bounds, densify_pts=51)
    win = from_bounds(left, bottom, right, top, transform=src.transform)
    c0 = max(int(np.floor(win.col_off)) - margin_px, 0)
    r0 = max(int(np.floor(win.row_off)) - margin_px, 0)
    c1 = min(int(np.ceil(win.col_off + win.width)) + margin_px, src.width)
    r1 = min(int(np.ceil(win.row_off + win.height)) + margin_px, src.height)
    if c1 <= c0 or r1 <= r0:
        return None
    return Window(c0, r0, c1 - c0, r1 - r0)


def read_window(
    src: Any,
    grid: AnalysisGrid,
    *,
    band: int = 1,
    what: str,
    budget_bytes: int | None = None,
) -> tuple[np.ndarray, Any] | None:
    """The band's pixels under ``grid`` as float64 (nodata as NaN) and their transform, read
    through a window of the area (a global raster is never read whole); ``None`` when the
    raster does not reach the grid.

    Raises
    ------
    SizeError
        The window alone would exceed the memory budget.
    """
    from coverage_gaps.budget import check_bytes, memory_budget_bytes

    win = grid_window(src, grid)
    if win is None:
        return None
    check_bytes(
        f"{what} read over the area ({int(win.width):,} x {int(win.height):,} pixels)",
        16.0 * win.width * win.height,
        memory_budget_bytes() if budget_bytes is None else budget_bytes,
        fix="use a raster at a resolution closer to the analysis grid's",
    )
    data = src.read(band, window=win, masked=True).astype("f8").filled(np.nan)
    return data, src.window_transform(win)
