"""Disc coverage against brute force distances, and the range models."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import CRS

from coverage_gaps.coverage.base import Emitters
from coverage_gaps.coverage.discs import disc_coverage, disc_radii
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.network import RADIOS
from coverage_gaps.settings import CoverageOptions


def test_discs_match_distance_to_cell_centres() -> None:
    grid = AnalysisGrid.covering((0, 0, 20_000, 15_000), resolution=100, crs=CRS.from_epsg(32648))
    rng = np.random.default_rng(11)
    n = 40
    em = Emitters(
        x=rng.uniform(-3000, 23_000, n),
        y=rng.uniform(-3000, 18_000, n),
        radio=rng.integers(0, len(RADIOS), n).astype(np.int8),
        operator=rng.integers(0, 3, n).astype(np.int16),
        range_m=rng.uniform(50, 6000, n),
        site=np.arange(n),
    )
    cov = disc_coverage(em, grid)
    xs, ys = grid.cell_centres()
    xx, yy = np.meshgrid(xs, ys)
    for op in range(3):
        for field, radios in (("serving", range(len(RADIOS))), ("broadband", (1, 2, 3))):
            sel = (em.operator == op) & np.isin(em.radio, list(radios))
            want = np.zeros(grid.shape, dtype=bool)
            for x, y, r in zip(em.x[sel], em.y[sel], em.range_m[sel], strict=True):
                want |= (xx - x) ** 2 + (yy - y) ** 2 <= r * r
            got = (getattr(cov, field) >> np.uint32(op)) & 1
            np.testing.assert_array_equal(got.astype(bool), want, err_msg=f"{field} op {op}")


def test_range_models() -> None:
    em = pd.DataFrame(
        {
            "radio": ["GSM", "LTE", "NR", "LTE", "UMTS"],
            "range_m": [50_000.0, 20.0, np.nan, 2500.0, 0.0],
        }
    )
    radii = disc_radii(em, CoverageOptions())
    # clipped to 35 km and 100 m; missing and zero take the radio's fixed radius
    assert radii.tolist() == [35_000.0, 100.0, 500.0, 2500.0, 4000.0]
    fixed = disc_radii(em, CoverageOptions(range_model="fixed"))
    assert fixed.tolist() == [12_000.0, 4000.0, 500.0, 4000.0, 4000.0]
