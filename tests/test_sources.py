"""CachedGrid: one read of its extent, answered by slicing for every aligned grid inside."""

from __future__ import annotations

import numpy as np
from affine import Affine
from pyproj import CRS

from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.io.sources import CachedGrid

UTM = CRS.from_epsg(32648)


class Counting:
    """A source whose value is each cell centre's x + y / 1e7, counting its reads."""

    def __init__(self) -> None:
        self.reads = 0

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        self.reads += 1
        cols, rows = np.meshgrid(np.arange(grid.width), np.arange(grid.height))
        x, y = grid.transform * (cols + 0.5, rows + 0.5)
        return np.asarray(x + y / 1e7)


def test_windows_inside_are_sliced_from_one_read() -> None:
    source = Counting()
    extent = AnalysisGrid.covering((0, 0, 10_000, 8_000), resolution=100, crs=UTM, margin=0)
    cached = CachedGrid(source, extent)
    inside = [
        AnalysisGrid.covering((1_000, 2_000, 4_000, 5_000), resolution=100, crs=UTM, margin=0),
        AnalysisGrid.covering((0, 0, 10_000, 8_000), resolution=100, crs=UTM, margin=0),
        AnalysisGrid.covering((9_900, 7_900, 10_000, 8_000), resolution=100, crs=UTM, margin=0),
    ]
    for grid in inside:
        np.testing.assert_array_equal(cached.on_grid(grid), Counting().on_grid(grid))
    assert source.reads == 1 and cached.reads == 1
    outside = [
        AnalysisGrid.covering((9_000, 0, 11_000, 1_000), resolution=100, crs=UTM, margin=0),
        AnalysisGrid.covering((1_000, 2_000, 4_000, 5_000), resolution=50, crs=UTM, margin=0),
        AnalysisGrid(transform=extent.transform, width=3, height=3, crs=CRS.from_epsg(32649)),
        # half a cell off the extent's cells
        AnalysisGrid(
            transform=extent.transform * Affine.translation(0.5, 0), width=4, height=4, crs=UTM
        ),
    ]
    for grid in outside:
        np.testing.assert_array_equal(cached.on_grid(grid), Counting().on_grid(grid))
    assert source.reads == 1 + len(outside) == cached.reads
