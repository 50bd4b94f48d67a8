"""The disc model: each (site, radio) serves the cells whose centre is within its radius.

Radii come from the range model: ``opencellid`` takes the site's largest observed range for that
radio, clipped to ``[min_range, max_range]`` (a missing or zero range takes the radio's fixed
radius); ``fixed`` takes the per-radio radius (12 km 2G, 4 km 3G/4G, 0.5 km 5G by default).

Discs are painted as row spans into a per-operator difference buffer and summed along rows, so the
work is proportional to the discs' heights in rows, not their areas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from coverage_gaps.coverage.base import BROADBAND, RADIOS, CoverageResult, Emitters
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.settings import CoverageOptions


def disc_radii(emitters: pd.DataFrame, options: CoverageOptions) -> np.ndarray:
    """Radius in metres of each emitter row (``radio``, ``range_m``) under the range model."""
    fixed = emitters["radio"].map(options.fixed_radii_m).to_numpy(dtype="f8")
    if options.range_model == "fixed":
        return fixed
    observed = emitters["range_m"].to_numpy(dtype="f8")
    radius = np.where(np.isfinite(observed) & (observed > 0), observed, fixed)
    return np.clip(radius, options.min_range_m, options.max_range_m)


def disc_coverage(emitters: Emitters, grid: AnalysisGrid) -> CoverageResult:
    """Operator bitmasks of the cells each emitter's disc covers.

    Parameters
    ----------
    emitters
        Emitters in the grid's CRS with ``range_m`` already set by :func:`disc_radii`.
    grid
        The analysis grid.
    """
    serving = np.zeros(grid.shape, dtype=np.uint32)
    broadband = np.zeros(grid.shape, dtype=np.uint32)
    if len(emitters) == 0:
        return CoverageResult(serving=serving, broadband=broadband)
    col, row = grid.to_colrow(emitters.x, emitters.y)
    radius = emitters.range_m / grid.resolution
    is_bb = np.isin(emitters.radio, [RADIOS.index(r) for r in BROADBAND])
    diff = np.zeros((grid.height, grid.width + 1), dtype=np.int32)
    for op in np.unique(emitters.operator):
        bit = np.uint32(1) << np.uint32(op)
        sel = emitters.operator == op
        _paint(col[sel], row[sel], radius[sel], diff, serving, bit)
        sel_bb = sel & is_bb
        if sel_bb.any():
            _paint(col[sel_bb], row[sel_bb], radius[sel_bb], diff, broadband, bit)
    return CoverageResult(serving=serving, broadband=broadband)


@njit(cache=True)
def _paint(
    cx: np.ndarray,
    cy: np.ndarray,
    radius: np.ndarray,
    diff: np.ndarray,
    out: np.ndarray,
    bit: np.uint32,
) -> None:  # pragma: no cover - compiled
    height, width = out.shape
    row_lo = height
    row_hi = 0
    for i in range(cx.shape[0]):
        r = radius[i]
        # Rows whose centre line (row + 0.5) is within r of the centre.
        a = max(int(np.ceil(cy[i] - r - 0.5)), 0)
        b = min(int(np.floor(cy[i] + r - 0.5)), height - 1)
        for rr in range(a, b + 1):
            dy = rr + 0.5 - cy[i]
            half = np.sqrt(max(r * r - dy * dy, 0.0))
            c0 = max(int(np.ceil(cx[i] - half - 0.5)), 0)
            c1 = min(int(np.floor(cx[i] + half - 0.5)) + 1, width)
            if c1 > c0:
                diff[rr, c0] += 1
                diff[rr, c1] -= 1
        row_lo = min(row_lo, a)
        row_hi = max(row_hi, b)
    for rr in range(row_lo, row_hi + 1):
        acc = 0
        for c in range(width):
            acc += diff[rr, c]
            diff[rr, c] = 0
            if acc > 0:
                out[rr, c] |= bit
        diff[rr, width] = 0
