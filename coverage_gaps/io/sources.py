"""Grid sources: inputs that put themselves onto an analysis grid when an area asks for them.

Each source holds only what it needs to read (a path, a threshold, lines already read), so it can
be sent to another process; the reading happens in :meth:`GridSource.on_grid`, through a window
of the area.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import numpy as np

from coverage_gaps.grid import AnalysisGrid

__all__ = [
    "CachedGrid",
    "DemTiles",
    "GridSource",
    "LineElectrification",
    "PopulationRaster",
    "RasterElectrification",
]


class GridSource(Protocol):
    """Anything that can put itself onto an analysis grid."""

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        """The source's values on ``grid`` (an array of ``grid.shape``)."""
        ...


class CachedGrid:
    """A :class:`GridSource` read once over ``extent`` and answered by slicing it for every
    grid inside it (same CRS and resolution, aligned to it), such as the terrain grids of one
    area's current and retired networks.  A grid outside ``extent`` is read from ``source``
    as asked."""

    def __init__(self, source: GridSource, extent: AnalysisGrid) -> None:
        self.source = source
        self.extent = extent
        self._values: np.ndarray | None = None
        #: How many times ``source`` was read (for the tests).
        self.reads = 0

    def _window(self, grid: AnalysisGrid) -> tuple[int, int] | None:
        e = self.extent
        if grid.crs != e.crs or grid.resolution != e.resolution:
            return None
        c0 = (grid.transform.c - e.transform.c) / e.resolution
        r0 = (e.transform.f - grid.transform.f) / e.resolution
        c, r = round(c0), round(r0)
        if abs(c - c0) > 1e-6 or abs(r - r0) > 1e-6:
            return None
        if c < 0 or r < 0 or c + grid.width > e.width or r + grid.height > e.height:
            return None
        return r, c

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        window = self._window(grid)
        if window is None:
            self.reads += 1
            return self.source.on_grid(grid)
        if self._values is None:
            self.reads += 1
            self._values = self.source.on_grid(self.extent)
        r, c = window
        return self._values[r : r + grid.height, c : c + grid.width]


@dataclass(frozen=True)
class RasterElectrification:
    """Electrified where a raster's value exceeds ``threshold``."""

    path: Path
    threshold: float = 0.0

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        from coverage_gaps.io.electrification import electrified_from_raster

        return electrified_from_raster(self.path, grid, threshold=self.threshold)


@dataclass(frozen=True)
class LineElectrification:
    """Electrified within ``distance_m`` of a grid line (lines as
    :func:`~coverage_gaps.io.electrification.read_grid_lines` returns them)."""

    lines: gpd.GeoDataFrame
    distance_m: float = 1000.0

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        from coverage_gaps.io.electrification import electrified_from_lines

        return electrified_from_lines(self.lines, grid, distance_m=self.distance_m)


@dataclass(frozen=True)
class PopulationRaster:
    """People per pixel from a raster in any CRS."""

    path: Path

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        from coverage_gaps.io.population import population_on_grid

        return population_on_grid(self.path, grid)


@dataclass(frozen=True)
class DemTiles:
    """Elevation tiles (GeoTIFF, SRTM .hgt, zipped .hgt) mosaicked onto a grid."""

    paths: tuple[Path, ...]

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        from coverage_gaps.io.dem import read_dem

        return read_dem(list(self.paths), grid)

    def resolution_m(self) -> float:
        """Approximate cell size of the first tile in metres."""
        from coverage_gaps.io.dem import dem_resolution_m

        return dem_resolution_m(self.paths[0])
