"""The disc model: each (site, radio) serves the cells whose centre is within its radius.

Radii come from the range model: ``opencellid`` takes the site's largest observed range for that
radio, clipped to ``[min_range, max_range]`` (a missing or zero range takes the radio's fixed
radius); ``fixed`` takes the per-radio radius (12 km 2G, 4 km 3G/4G, 0.5 km 5G by default).

Discs are cut into row spans, grouped by row; each row is painted (rows in parallel) through a
row-sized difference buffer per operator, so the work is proportional to the discs' heights in
rows plus the covered width of each row, not the discs' areas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numba import njit, prange

from coverage_gaps.coverage.base import CoverageResult, Emitters
from coverage_gaps.grid import AnalysisGrid, disc_row_span, disc_rows
from coverage_gaps.network import BROADBAND, RADIOS
from coverage_gaps.settings import CoverageOptions

if TYPE_CHECKING:
    from coverage_gaps.coverage.linkbudget import LinkBudget

__all__ = ["DiscModel", "build", "disc_coverage", "disc_radii"]


@dataclass(frozen=True)
class DiscModel:
    """Each (site, radio) serves the cells whose centre lies within its range-model radius."""

    options: CoverageOptions
    name: str = "disc"
    needs_dem: bool = False

    @property
    def reach_m(self) -> float:
        return self.options.largest_radius_m

    def __call__(
        self,
        emitters: Emitters,
        grid: AnalysisGrid,
        dem: np.ndarray | None,
        *,
        where: np.ndarray | None = None,
    ) -> CoverageResult:
        """Disc coverage of every cell (``where`` is not needed)."""
        return disc_coverage(emitters, grid)

    def flat_serving_radius_m(self, emitters: Emitters) -> np.ndarray:
        """The disc radius of each emitter: its coverage."""
        return np.asarray(emitters.range_m, dtype="f8")

    def working_bytes(self, emitters: Emitters, grid: AnalysisGrid) -> int:
        """The two bitmasks, and a span per disc row (rows of the largest disc each)."""
        rows = 2 * self.reach_m / grid.resolution + 1
        return 8 * grid.width * grid.height + int(9 * len(emitters) * min(rows, grid.height))


def build(options: CoverageOptions, link_budget: LinkBudget | None = None) -> DiscModel:
    """The disc model of ``options`` (the registry's builder; no link budget is used)."""
    return DiscModel(options)


def disc_radii(emitters: pd.DataFrame, options: CoverageOptions) -> np.ndarray:
    """Radius in metres of each emitter row (``radio``, ``range_m``) under the range model."""
    radios = list(options.fixed_radii_m)
    known = np.array([options.fixed_radii_m[r] for r in radios] + [np.nan], dtype="f8")
    fixed = known[pd.Index(radios).get_indexer(pd.Index(emitters["radio"]))]  # -1 (unknown) -> NaN
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
    ops, op_index = np.unique(emitters.operator, return_inverse=True)
    c0, c1, bb, offsets = _spans_by_row(
        col, row, radius, op_index.astype(np.int64), is_bb, len(ops), grid.height, grid.width
    )
    _paint_rows(c0, c1, bb, offsets, ops.astype(np.int64), serving, broadband)
    return CoverageResult(serving=serving, broadband=broadband)


@njit(cache=True)
def _spans_by_row(
    cx: np.ndarray,
    cy: np.ndarray,
    radius: np.ndarray,
    op_index: np.ndarray,
    is_bb: np.ndarray,
    n_ops: int,
    height: int,
    width: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Row spans ``[c0, c1)`` of every disc, grouped by (row, operator): row ``r`` and operator
    ``k`` own spans ``offsets[r * n_ops + k] : offsets[r * n_ops + k + 1]``; ``bb`` marks spans
    of broadband emitters.  A disc covers the cells whose centre is within its radius."""
    n = cx.shape[0]
    counts = np.zeros(height * n_ops + 1, dtype=np.int64)
    for i in range(n):
        a, b = disc_rows(cy[i], radius[i], height)
        for rr in range(a, b + 1):
            counts[rr * n_ops + op_index[i] + 1] += 1
    offsets = np.cumsum(counts)
    fill = offsets[:-1].copy()
    total = offsets[-1]
    c0 = np.zeros(total, dtype=np.int32)
    c1 = np.zeros(total, dtype=np.int32)  # empty span unless the row cuts the grid
    bb = np.zeros(total, dtype=np.bool_)
    for i in range(n):
        a, b = disc_rows(cy[i], radius[i], height)
        for rr in range(a, b + 1):
            lo, hi = disc_row_span(cx[i], cy[i], radius[i], rr, width)
            key = rr * n_ops + op_index[i]
            k = fill[key]
            fill[key] += 1
            if hi > lo:
                c0[k] = lo
                c1[k] = hi
                bb[k] = is_bb[i]
    return c0, c1, bb, offsets


@njit(cache=True, parallel=True)
def _paint_rows(
    c0: np.ndarray,
    c1: np.ndarray,
    bb: np.ndarray,
    offsets: np.ndarray,
    ops: np.ndarray,
    serving: np.ndarray,
    broadband: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """OR each operator's bit into the cells its discs cover (all radios into ``serving``,
    broadband radios into ``broadband``), rows in parallel, through row-sized difference
    buffers."""
    height, width = serving.shape
    n_ops = ops.shape[0]
    for rr in prange(height):
        if offsets[rr * n_ops] == offsets[(rr + 1) * n_ops]:
            continue
        d_all = np.zeros(width + 1, dtype=np.int32)
        d_bb = np.zeros(width + 1, dtype=np.int32)
        for k in range(n_ops):
            s0 = offsets[rr * n_ops + k]
            s1 = offsets[rr * n_ops + k + 1]
            lo = width
            hi = 0
            for s in range(s0, s1):
                if c1[s] > c0[s]:
                    d_all[c0[s]] += 1
                    d_all[c1[s]] -= 1
                    if bb[s]:
                        d_bb[c0[s]] += 1
                        d_bb[c1[s]] -= 1
                    lo = min(lo, c0[s])
                    hi = max(hi, c1[s])
            if hi <= lo:
                continue
            bit = np.uint32(1) << np.uint32(ops[k])
            acc = 0
            acc_bb = 0
            for c in range(lo, hi):
                acc += d_all[c]
                acc_bb += d_bb[c]
                d_all[c] = 0
                d_bb[c] = 0
                if acc > 0:
                    serving[rr, c] |= bit
                    if acc_bb > 0:
                        broadband[rr, c] |= bit
            d_all[hi] = 0
            d_bb[hi] = 0
