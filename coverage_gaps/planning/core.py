"""Which new sites to build: maximal covering and partial set cover on plain arrays.

The optimisation core of ``coverage-gaps plan``.  It knows nothing of geography: a planner's
question arrives as

* ``A``, a sparse boolean **coverage matrix**, candidates x demand cells (``A[j, i]`` is true when
  candidate site ``j`` would serve demand cell ``i``).  Only demand nobody serves yet belongs in
  it: existing coverage is fixed and is not part of the problem;
* ``weights``, the **demand** of each cell (people, or area), ``>= 0``;
* optionally :class:`Villages`: the village of each demand cell and the share of a village's
  demand that must be covered for it to count as **fixed**;
* optionally a per-candidate ``cost``, carried through to the answer (and used to prefer the
  cheaper of two candidates that cover the same cells; it is not optimised).

and is answered by

* :func:`max_covering`: the ``n_sites`` new sites that cover the most demand (the maximal
  covering location problem, Church & ReVelle 1974), or, with ``objective="villages"``, that fix
  the most villages (weighted);
* :func:`set_cover`: the fewest sites that cover ``target_share`` of the demand (partial set
  cover).

How they are solved (HiGHS, ``highspy``, is the optional extra ``plan``):

1. **Reduction** (:func:`reduce_problem`): demand no candidate reaches is set aside, demand
   cells served by exactly the same candidates are merged into one row with their summed weight,
   and candidates whose cells are a subset of another (no dearer) candidate's are dropped,
   repeated until nothing changes.  None of this changes the optimum.  A province of 8 x 10^4
   demand cells and 6 x 10^3 candidates becomes 1.4 x 10^4 rows and 1.4 x 10^3 candidates.
2. **Greedy** (the baseline, reported as :attr:`PlanResult.greedy`), improved by **swaps**
   (trade a chosen site for another while that covers more).
3. **Bounds and fixing** for maximal covering: the Lagrangian relaxation of the coverage rows
   (its bound is valid for any multipliers; subgradient steps first), then **column generation
   on the LP relaxation**: the LP over the candidates that matter (rows merged again over them,
   a small LP that HiGHS solves in well under a second) gives multipliers that price every
   candidate; those that would enter are added until none would.  Every set of multipliers
   gives a valid bound and fixes candidates in or out (Lagrangian reduced-cost fixing against
   the incumbent); the LP's own rounding, improved by swaps, is another incumbent.
4. **The MIP** of what is left (free candidates, the rows the fixed-in candidates do not
   cover, reduced again), solved by HiGHS from the incumbent (``setSolution``) to the gap, the
   fixed-in coverage as the objective's offset.  On the test province step 3 alone proves the
   optimum to < 0.1 % for every N tried, and step 4 is needed only on small problems.
5. **Partial set cover** is answered by maximal covering decisions: greedy + swaps find plans
   with fewer sites while they still reach the target; then "can k - 1 sites reach it?" is a
   maximal covering solve that stops as soon as a plan reaching the target is found (then try
   k - 2) or its bound falls below the target (then k is optimal).  If undecided at the time
   limit, the lower bound is improved by bisection on the LP bounds.
6. The **villages** objective is a MIP over sites, demand rows and villages solved by HiGHS
   from the greedy (village score) plan; its LP relaxation is weak, so at province scale it
   often stops at the time limit with a large gap (the plan and the bound are still returned).

The answer is a :class:`PlanResult`: the chosen sites ranked by marginal gain, the objective
(recomputed from the chosen sites on the input), the proven bound and the gap, the greedy
solution it is compared with, and the demand no candidate can reach ("needs another kind of
solution": a satellite link, a repeater, a mast where no candidate is).

The geographical wrapper (demand cells from an analysis, candidate sites, their coverage from
the run's coverage models) builds ``A`` and calls these functions, in the manner of
``spopt``'s ``from_cost_matrix`` core under ``from_geodataframe``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.sparse as sp
from numba import njit
from numpy.typing import ArrayLike, NDArray

from coverage_gaps.errors import InputError, SettingsError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "INSTALL_HINT",
    "GreedyPlan",
    "Objective",
    "PlanResult",
    "PlanStatus",
    "Problem",
    "ReducedProblem",
    "ShareOf",
    "Villages",
    "max_covering",
    "reduce_problem",
    "set_cover",
]

#: Which programme was solved.
Problem = Literal["max_covering", "set_cover"]
#: What :func:`max_covering` maximises: covered demand, or the weight of the villages fixed.
Objective = Literal["demand", "villages"]
#: How the solve ended.  ``optimal``: proven within the requested gap (or solved outright by the
#: reduction); ``time_limit``: stopped at the time limit with the best plan found and a bound;
#: ``interrupted``: HiGHS stopped for another limit; ``unreachable``: no set of candidates reaches
#: the target of :func:`set_cover`; ``solver_error``: HiGHS failed, the greedy plan is returned.
PlanStatus = Literal["optimal", "time_limit", "interrupted", "unreachable", "solver_error"]
#: What :func:`set_cover`'s ``target_share`` is a share of: the demand some candidate can reach
#: (``coverable``), or all the demand given (``total``).
ShareOf = Literal["coverable", "total"]

#: The command that installs the solver.
INSTALL_HINT = "pip install 'coverage-gaps[plan]'"

# HiGHS's model statuses (by name, so that highspy is imported only to solve) -> ours.
_HIGHS_STATUS: Mapping[str, PlanStatus] = {
    "kOptimal": "optimal",
    "kTimeLimit": "time_limit",
    "kInterrupt": "interrupted",
    "kHighsInterrupt": "interrupted",
    "kIterationLimit": "interrupted",
    "kSolutionLimit": "interrupted",
    "kMemoryLimit": "interrupted",
    "kObjectiveBound": "interrupted",
    "kObjectiveTarget": "interrupted",
}

# Two quantities of demand are equal when they differ by less than this share of the total
# (sums of float weights are not exact).  The same rule decides everywhere whether a target is
# reached or a village fixed: the greedy, the programme and the evaluation of the answer.
_REL_TOL = 1e-9
# Absolute optimality gap, as a share of the demand in the model (HiGHS's ``mip_abs_gap`` on the
# objective, which is scaled to that share).
_ABS_GAP = 1e-7
# Below this much time left HiGHS is not started and the greedy plan is returned.
_MIN_SOLVE_S = 0.25


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Villages:
    """The villages the demand cells belong to, for the ``villages`` objective and its figures.

    A village ``v`` is **fixed** when the share of its demand that is covered reaches
    ``threshold[v]``; its demand is its cells' weights plus ``covered_before[v]`` (demand of the
    village that existing sites already serve and that is not in the coverage matrix).  A village
    already at its threshold is not dark and is left out; one that even every candidate together
    cannot lift to its threshold is reported as unfixable.

    Parameters
    ----------
    groups
        The village of each demand cell, ``0 .. n_villages - 1``, or ``-1`` for a cell in no
        village (it counts as demand, never towards a village).
    threshold
        The share (``0 < threshold <= 1``) at which a village counts as fixed: one for all, or
        one per village.
    weights
        What fixing each village is worth (default 1 each: the number of villages; or their
        population).
    covered_before
        Demand of each village already served (default 0), in the units of the cells' weights.
    n_villages
        The number of villages (default: the longest of the per-village arrays, or the largest
        group + 1).
    """

    groups: ArrayLike
    threshold: ArrayLike = 1.0
    weights: ArrayLike | None = None
    covered_before: ArrayLike | None = None
    n_villages: int | None = None


@dataclass(frozen=True)
class _VillageArrays:
    """A validated :class:`Villages`: arrays of the right lengths."""

    groups: NDArray[np.int64]
    threshold: NDArray[np.float64]
    weights: NDArray[np.float64]
    covered_before: NDArray[np.float64]

    @property
    def count(self) -> int:
        return int(self.threshold.size)

    def totals(self, w: NDArray[np.float64]) -> NDArray[np.float64]:
        """Each village's whole demand: its cells' weights plus what is covered already."""
        inside = self.groups >= 0
        cells = np.bincount(self.groups[inside], weights=w[inside], minlength=self.count)
        return cells + self.covered_before

    def need(self, w: NDArray[np.float64]) -> NDArray[np.float64]:
        """Demand each village still needs covered to be fixed (a small tolerance taken off);
        ``<= 0`` for a village that is fixed already."""
        totals = self.totals(w)
        return self.threshold * totals - self.covered_before - _REL_TOL * totals


def _matrix(A: Any, n_demand: int | None = None) -> sp.csr_array:
    """``A`` as a canonical boolean CSR array (no explicit zeros, sorted indices)."""
    if sp.issparse(A):
        M = sp.csr_array(A)
    else:
        arr = np.asarray(A)
        if arr.ndim != 2:
            raise InputError(
                None,
                f"the coverage matrix must be 2-D (candidates x demand cells), got shape "
                f"{arr.shape}; build it as scipy.sparse.csr_array((data, (cand, cell)), shape=...)",
            )
        M = sp.csr_array(arr)
    if M.ndim != 2:
        raise InputError(None, f"the coverage matrix must be 2-D, got {M.ndim}-D")
    M = sp.csr_array(M != 0) if M.dtype != np.bool_ else M.copy()
    M.eliminate_zeros()
    M.sum_duplicates()
    M.sort_indices()
    if n_demand is not None and M.shape[1] != n_demand:
        raise InputError(
            None,
            f"the coverage matrix has {M.shape[1]} demand columns but {n_demand} weights were "
            "given; it must be candidates x demand cells, one weight per cell",
        )
    return M


def _weights(weights: ArrayLike) -> NDArray[np.float64]:
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1:
        raise InputError(None, f"weights must be 1-D (one per demand cell), got shape {w.shape}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            None,
            f"weights must be finite and >= 0: demand cell {i} has {w[i]!r} "
            f"({int(bad.sum())} such cells); give 0 for a cell that does not count",
        )
    return w


def _cost(cost: ArrayLike | None, n: int) -> NDArray[np.float64]:
    if cost is None:
        return np.zeros(n)
    c = np.asarray(cost, dtype=np.float64)
    if c.shape != (n,) or not np.isfinite(c).all():
        raise InputError(
            None, f"cost must hold one finite number per candidate ({n}), got shape {c.shape}"
        )
    return c


def _villages(villages: Villages, m: int) -> _VillageArrays:
    g = np.asarray(villages.groups)
    if g.shape != (m,) or (g.size and not np.issubdtype(g.dtype, np.integer)):
        raise InputError(
            None,
            f"Villages.groups must hold one integer village per demand cell ({m}), got shape "
            f"{g.shape} of {g.dtype}; use -1 for a cell in no village",
        )
    g = g.astype(np.int64)
    if g.size and g.min() < -1:
        raise InputError(
            None, f"Villages.groups holds {int(g.min())}; villages are numbered from 0"
        )
    lengths = [int(g.max()) + 1 if g.size else 0]
    for name in ("threshold", "weights", "covered_before"):
        a = getattr(villages, name)
        if a is not None and np.ndim(a) == 1:
            lengths.append(len(a))
    count = villages.n_villages if villages.n_villages is not None else max(lengths)
    if count < lengths[0]:
        raise InputError(
            None, f"Villages.groups names village {lengths[0] - 1} but n_villages is {count}"
        )

    def per_village(name: str, value: ArrayLike | None, default: float) -> NDArray[np.float64]:
        a = np.full(count, default) if value is None else np.asarray(value, dtype=np.float64)
        if a.ndim == 0:
            a = np.full(count, float(a))
        if a.shape != (count,) or not np.isfinite(a).all():
            raise InputError(
                None,
                f"Villages.{name} must be one finite number or one per village ({count}), "
                f"got shape {a.shape}",
            )
        return a

    threshold = per_village("threshold", villages.threshold, 1.0)
    if ((threshold <= 0) | (threshold > 1)).any():
        raise SettingsError(
            "Villages.threshold must be a share in (0, 1] (0.8 = 80 % of the village's demand "
            "covered)",
            fields=("Villages.threshold",),
        )
    weights = per_village("weights", villages.weights, 1.0)
    before = per_village("covered_before", villages.covered_before, 0.0)
    if (weights < 0).any() or (before < 0).any():
        raise InputError(None, "Villages.weights and Villages.covered_before must be >= 0")
    return _VillageArrays(g, threshold, weights, before)


def _check_limits(time_limit_s: float, gap: float) -> None:
    if not (time_limit_s > 0 and math.isfinite(time_limit_s)):
        raise SettingsError(
            f"time_limit_s must be a positive number of seconds, got {time_limit_s!r}",
            fields=("time_limit_s",),
        )
    if not (0 <= gap < 1):
        raise SettingsError(
            f"gap must be a relative optimality gap in [0, 1) (1e-3 = 0.1 %), got {gap!r}",
            fields=("gap",),
        )


# --------------------------------------------------------------------------------------------
# Reduction
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReducedProblem:
    """The problem actually handed to the solver, and how it maps back to the input.

    Attributes
    ----------
    matrix
        Reduced coverage, kept candidates x demand rows (``bool`` CSR).  Each demand row is a
        class of demand cells that exactly the same kept candidates serve.
    weights
        Summed weight of each demand row.
    candidates
        The input index of each kept candidate.
    row_of_cell
        The demand row of each input demand cell, ``-1`` for a cell left out (no candidate
        reaches it, or its weight is 0).
    groups
        The village of each demand row (``None`` when the rows were not kept apart by village).
    n_cells, n_candidates
        The input's sizes.
    rounds
        Rounds of merging and dropping until nothing changed.
    seconds
        Time the reduction took.
    """

    matrix: sp.csr_array
    weights: NDArray[np.float64]
    candidates: NDArray[np.int64]
    row_of_cell: NDArray[np.int64]
    groups: NDArray[np.int64] | None
    n_cells: int
    n_candidates: int
    rounds: int
    seconds: float

    @property
    def n_rows(self) -> int:
        """Demand rows after the reduction."""
        return int(self.matrix.shape[1])

    @property
    def n_kept(self) -> int:
        """Candidates after the reduction."""
        return int(self.matrix.shape[0])

    def sizes(self) -> dict[str, int]:
        """Sizes before and after, for a report."""
        return {
            "demand_cells": self.n_cells,
            "demand_rows": self.n_rows,
            "candidates": self.n_candidates,
            "candidates_kept": self.n_kept,
            "nonzeros": int(self.matrix.nnz),
            "rounds": self.rounds,
        }


def reduce_problem(
    A: Any,
    weights: ArrayLike,
    *,
    groups: ArrayLike | None = None,
    cost: ArrayLike | None = None,
) -> ReducedProblem:
    """Reduce a covering problem without changing its optimum.

    1. Demand cells of weight 0 and cells no candidate reaches are left out.
    2. Cells served by exactly the same candidates (and, when ``groups`` is given, in the same
       group) are merged into one demand row carrying their summed weight.
    3. A candidate is dropped when the rows it serves are a subset of another candidate's and
       that candidate costs no more (of two that serve the same rows for the same cost, the
       lower index is kept).  Every plan using a dropped candidate is matched by one using the
       candidate that dominates it, for the demand, the villages and the number of sites alike.
    4. Steps 2 and 3 are repeated while step 3 drops something (dropping candidates can make
       rows identical).

    Parameters
    ----------
    A
        Coverage, candidates x demand cells, any scipy sparse matrix or 2-D array (nonzero =
        served).
    weights
        Demand of each cell, ``>= 0``.
    groups
        Optional group (village) of each cell; cells of different groups are never merged.
    cost
        Optional cost of each candidate (only decides which of two dominating candidates stays).

    Returns
    -------
    ReducedProblem
    """
    t0 = time.perf_counter()
    w = _weights(weights)
    M = _matrix(A, w.size)
    n, m = M.shape
    c = _cost(cost, n)
    g = None if groups is None else np.asarray(groups, dtype=np.int64)
    if g is not None and g.shape != (m,):
        raise InputError(None, f"groups must hold one group per demand cell ({m}), got {g.shape}")

    reach = np.diff(M.tocsc().indptr) > 0
    keep_cells = np.flatnonzero(reach & (w > 0))
    B = sp.csr_array(M[:, keep_cells])
    cand = np.arange(n, dtype=np.int64)
    useful = np.diff(B.indptr) > 0
    B, cand = sp.csr_array(B[useful]), cand[useful]
    row_of_kept = np.arange(keep_cells.size, dtype=np.int64)
    rw = w[keep_cells]
    rg = None if g is None else g[keep_cells]

    rounds = 0
    while True:
        rounds += 1
        rows, first = _identical_columns(B, rg)
        row_of_kept = rows[row_of_kept]
        rw = np.bincount(rows, weights=rw, minlength=first.size).astype(np.float64)
        rg = None if rg is None else rg[first]
        B = sp.csr_array(B[:, first])
        dominated = _dominated_rows(B, c[cand])
        if not dominated.any():
            break
        B, cand = sp.csr_array(B[~dominated]), cand[~dominated]

    row_of_cell = np.full(m, -1, dtype=np.int64)
    row_of_cell[keep_cells] = row_of_kept
    B.sort_indices()
    return ReducedProblem(
        matrix=B,
        weights=rw,
        candidates=cand,
        row_of_cell=row_of_cell,
        groups=rg,
        n_cells=m,
        n_candidates=n,
        rounds=rounds,
        seconds=time.perf_counter() - t0,
    )


def _identical_columns(
    B: sp.csr_array,
    groups: NDArray[np.int64] | None,
    hashes: tuple[NDArray[np.uint64], NDArray[np.uint64]] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Classes of identical columns of ``B`` (same rows, and same group when given).

    Columns are keyed by their count and two 64-bit sums of random numbers drawn per row, then
    every column is compared entry by entry with the first of its class; a column that differs
    (a hash collision) gets a class of its own, so the result is exact whatever the hashes.

    Returns
    -------
    class_of_column, first_column_of_class
    """
    C = B.tocsc()
    C.sort_indices()
    n, m = B.shape
    if m == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if hashes is None:
        rng = np.random.default_rng(20240611)
        hashes = (
            rng.integers(0, 2**63, size=n, dtype=np.uint64),
            rng.integers(0, 2**63, size=n, dtype=np.uint64),
        )
    counts = np.diff(C.indptr)
    h1, h2 = _column_hashes(C.indptr.astype(np.int64), C.indices.astype(np.int64), *hashes)
    keys = [counts.astype(np.uint64), h1, h2]
    if groups is not None:
        keys.append(groups.astype(np.uint64))
    _, first, cls = np.unique(
        np.stack(keys, axis=1), axis=0, return_index=True, return_inverse=True
    )
    cls = cls.ravel().astype(np.int64)
    first = first.astype(np.int64)
    # Exactness: compare every column with the first column of its class.
    differs = _differs_from_first(C.indptr.astype(np.int64), C.indices, first[cls])
    if differs.any():
        bad = np.flatnonzero(differs)
        cls[bad] = first.size + np.arange(bad.size)
        first = np.concatenate([first, bad])
    return cls, first.astype(np.int64)


def _dominated_rows(B: sp.csr_array, cost: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Rows (candidates) of ``B`` whose columns are a subset of another row's that costs no
    more; of identical rows at the same cost the lowest index is kept."""
    n = B.shape[0]
    if n < 2:
        return np.zeros(n, dtype=bool)
    C = B.tocsc()
    C.sort_indices()
    return _dominated_kernel(
        B.indptr.astype(np.int64),
        B.indices.astype(np.int64),
        C.indptr.astype(np.int64),
        C.indices.astype(np.int64),
        np.ascontiguousarray(cost, dtype=np.float64),
    )


@njit(cache=True)
def _column_hashes(
    ptr: np.ndarray, idx: np.ndarray, r1: np.ndarray, r2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Two sums (modulo 2**64) of per-row random numbers, per column."""
    m = ptr.size - 1
    h1 = np.zeros(m, dtype=np.uint64)
    h2 = np.zeros(m, dtype=np.uint64)
    for j in range(m):
        a = np.uint64(0)
        b = np.uint64(0)
        for t in range(ptr[j], ptr[j + 1]):
            a += r1[idx[t]]
            b += r2[idx[t]]
        h1[j] = a
        h2[j] = b
    return h1, h2


@njit(cache=True)
def _differs_from_first(
    ptr: np.ndarray, idx: np.ndarray, rep: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """Whether each column's entries differ from those of column ``rep[j]``."""
    m = ptr.size - 1
    out = np.zeros(m, dtype=np.bool_)
    for j in range(m):
        r = rep[j]
        if ptr[j + 1] - ptr[j] != ptr[r + 1] - ptr[r]:
            out[j] = True
            continue
        for t in range(ptr[j + 1] - ptr[j]):
            if idx[ptr[j] + t] != idx[ptr[r] + t]:
                out[j] = True
                break
    return out


@njit(cache=True)
def _dominated_kernel(
    c_ptr: np.ndarray,
    c_idx: np.ndarray,
    r_ptr: np.ndarray,
    r_idx: np.ndarray,
    cost: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Candidate ``i`` is dominated by ``k`` when ``rows(i)`` is a subset of ``rows(k)``,
    ``cost[k] <= cost[i]`` and ``k`` is cheaper, bigger, or the same with a lower index.  Only
    the candidates serving the rarest row of ``i`` can dominate it; each is checked by counting
    its rows that ``i`` marked."""
    n = c_ptr.size - 1
    m = r_ptr.size - 1
    stamp = np.full(m, -1, dtype=np.int64)
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        size_i = c_ptr[i + 1] - c_ptr[i]
        if size_i == 0:
            continue
        rarest = -1
        best = 1 << 62
        for t in range(c_ptr[i], c_ptr[i + 1]):
            r = c_idx[t]
            stamp[r] = i
            d = r_ptr[r + 1] - r_ptr[r]
            if d < best:
                best = d
                rarest = r
        for u in range(r_ptr[rarest], r_ptr[rarest + 1]):
            k = r_idx[u]
            if k == i or cost[k] > cost[i]:
                continue
            size_k = c_ptr[k + 1] - c_ptr[k]
            if size_k < size_i:
                continue
            if not (cost[k] < cost[i] or size_k > size_i or k < i):
                continue
            hit = 0
            for t in range(c_ptr[k], c_ptr[k + 1]):
                if stamp[c_idx[t]] == i:
                    hit += 1
            if hit == size_i:
                out[i] = True
                break
    return out


# --------------------------------------------------------------------------------------------
# Greedy kernels (on the reduced problem)
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _take(
    j: int,
    c_ptr: np.ndarray,
    c_idx: np.ndarray,
    r_ptr: np.ndarray,
    r_idx: np.ndarray,
    w: np.ndarray,
    covered: np.ndarray,
    gain: np.ndarray,
) -> float:  # pragma: no cover - compiled
    """Build candidate ``j``: cover its rows, take each newly covered row's weight off the
    gains of the candidates serving it, and return the weight it added (its gain becomes -1,
    never picked again)."""
    g = 0.0
    for t in range(c_ptr[j], c_ptr[j + 1]):
        i = c_idx[t]
        if not covered[i]:
            covered[i] = True
            g += w[i]
            for u in range(r_ptr[i], r_ptr[i + 1]):
                gain[r_idx[u]] -= w[i]
    gain[j] = -1.0
    return g


@njit(cache=True)
def _greedy_demand(
    c_ptr: np.ndarray,
    c_idx: np.ndarray,
    r_ptr: np.ndarray,
    r_idx: np.ndarray,
    w: np.ndarray,
    allowed: np.ndarray,
    initial: np.ndarray,
    max_picks: int,
    stop_at: float,
    tol: float,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Greedy maximal covering: pick the allowed candidate with the largest uncovered weight
    until ``max_picks`` are picked, the covered weight reaches ``stop_at`` or nothing adds more
    than ``tol``.  Candidates in ``initial`` are taken as already built.  Ties go to the lowest
    index.  Gains are kept up to date by subtracting each newly covered row's weight from the
    candidates serving it (each row once), so a run costs O(nnz + picks x candidates)."""
    n = c_ptr.size - 1
    covered = np.zeros(w.size, dtype=np.bool_)
    gain = np.full(n, -1.0)
    for j in range(n):
        if allowed[j]:
            s = 0.0
            for t in range(c_ptr[j], c_ptr[j + 1]):
                s += w[c_idx[t]]
            gain[j] = s
    total = 0.0
    for q in range(initial.size):
        total += _take(initial[q], c_ptr, c_idx, r_ptr, r_idx, w, covered, gain)
    cap = min(max(max_picks, 0), n)
    picks = np.empty(cap, dtype=np.int64)
    gains = np.empty(cap, dtype=np.float64)
    k = 0
    while k < cap and total < stop_at:
        best = -1
        bg = tol
        for j in range(n):
            if gain[j] > bg:
                bg = gain[j]
                best = j
        if best < 0:
            break
        g = _take(best, c_ptr, c_idx, r_ptr, r_idx, w, covered, gain)
        picks[k] = best
        gains[k] = g
        total += g
        k += 1
    return picks[:k], gains[:k]


@njit(cache=True)
def _village_score(
    j: int,
    c_ptr: np.ndarray,
    c_idx: np.ndarray,
    w: np.ndarray,
    group: np.ndarray,
    covered: np.ndarray,
    cov: np.ndarray,
    need: np.ndarray,
    u: np.ndarray,
    acc: np.ndarray,
    touched: np.ndarray,
) -> float:  # pragma: no cover - compiled
    """What building ``j`` is worth to the villages: each village it would fix counts its
    weight, and progress towards a threshold counts its share of the weight (so that the
    greedy is not blind while no single site fixes a village)."""
    nt = 0
    for t in range(c_ptr[j], c_ptr[j + 1]):
        i = c_idx[t]
        if covered[i]:
            continue
        v = group[i]
        if cov[v] >= need[v]:
            continue
        if acc[v] == 0.0:
            touched[nt] = v
            nt += 1
        acc[v] += w[i]
    s = 0.0
    for q in range(nt):
        v = touched[q]
        a = acc[v]
        acc[v] = 0.0
        after = min(cov[v] + a, need[v])
        s += u[v] * (after - cov[v]) / need[v]
        if cov[v] + a >= need[v]:
            s += u[v]
    return s


@njit(cache=True)
def _greedy_villages(
    c_ptr: np.ndarray,
    c_idx: np.ndarray,
    r_ptr: np.ndarray,
    r_idx: np.ndarray,
    w: np.ndarray,
    group: np.ndarray,
    v_ptr: np.ndarray,
    v_rows: np.ndarray,
    need: np.ndarray,
    u: np.ndarray,
    allowed: np.ndarray,
    max_picks: int,
    tol: float,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Greedy for the villages objective, on the score of :func:`_village_score` (rows have
    weight > 0 and every village ``need > 0``).  After a pick only the candidates serving a
    village whose covered demand changed are scored again."""
    n = c_ptr.size - 1
    nv = need.size
    covered = np.zeros(w.size, dtype=np.bool_)
    cov = np.zeros(nv)
    acc = np.zeros(nv)
    touched = np.empty(nv, dtype=np.int64)
    changed = np.zeros(nv, dtype=np.bool_)
    stamp = np.full(n, -1, dtype=np.int64)
    score = np.full(n, -1.0)
    for j in range(n):
        if allowed[j]:
            score[j] = _village_score(
                j, c_ptr, c_idx, w, group, covered, cov, need, u, acc, touched
            )
    cap = min(max(max_picks, 0), n)
    picks = np.empty(cap, dtype=np.int64)
    gains = np.empty(cap, dtype=np.float64)
    k = 0
    while k < cap:
        best = -1
        bg = tol
        for j in range(n):
            if score[j] > bg:
                bg = score[j]
                best = j
        if best < 0:
            break
        nchanged = 0
        for t in range(c_ptr[best], c_ptr[best + 1]):
            i = c_idx[t]
            if not covered[i]:
                covered[i] = True
                v = group[i]
                cov[v] += w[i]
                if not changed[v]:
                    changed[v] = True
                    touched[nchanged] = v
                    nchanged += 1
        score[best] = -1.0
        allowed[best] = False
        picks[k] = best
        gains[k] = bg
        # Rescore the candidates that serve a changed village (copy the list: the scorer
        # reuses ``touched``).
        vs = touched[:nchanged].copy()
        for q in range(nchanged):
            v = vs[q]
            changed[v] = False
            for t in range(v_ptr[v], v_ptr[v + 1]):
                i = v_rows[t]
                for e in range(r_ptr[i], r_ptr[i + 1]):
                    j = r_idx[e]
                    if allowed[j] and stamp[j] != k:
                        stamp[j] = k
                        score[j] = _village_score(
                            j, c_ptr, c_idx, w, group, covered, cov, need, u, acc, touched
                        )
        k += 1
    return picks[:k], gains[:k]


@njit(cache=True)
def _swap_demand(
    c_ptr: np.ndarray,
    c_idx: np.ndarray,
    r_ptr: np.ndarray,
    r_idx: np.ndarray,
    w: np.ndarray,
    chosen: np.ndarray,
    max_rounds: int,
    tol: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """Improve a plan by swaps: while some chosen ``j`` and unchosen ``k`` exist such that
    trading ``j`` for ``k`` covers more (by more than ``tol``), make the best such trade.

    A round costs O(nnz + |chosen| x candidates): per chosen ``j`` its loss (rows only it
    covers) and, for every other candidate, what it would add once ``j`` is gone (rows nobody
    covers, plus the rows only ``j`` covered that it also serves)."""
    n = c_ptr.size - 1
    m = w.size
    in_plan = np.zeros(n, dtype=np.bool_)
    for q in range(chosen.size):
        in_plan[chosen[q]] = True
    count = np.zeros(m, dtype=np.int64)
    for q in range(chosen.size):
        j = chosen[q]
        for t in range(c_ptr[j], c_ptr[j + 1]):
            count[c_idx[t]] += 1
    gain = np.zeros(n)
    shared = np.zeros(n)
    touched = np.empty(n, dtype=np.int64)
    marked = np.zeros(n, dtype=np.bool_)
    for _ in range(max_rounds):
        for k in range(n):
            s = 0.0
            if not in_plan[k]:
                for t in range(c_ptr[k], c_ptr[k + 1]):
                    if count[c_idx[t]] == 0:
                        s += w[c_idx[t]]
            gain[k] = s
        best_delta = tol
        best_j = -1
        best_k = -1
        for j in range(n):
            if not in_plan[j]:
                continue
            loss = 0.0
            nt = 0
            for t in range(c_ptr[j], c_ptr[j + 1]):
                i = c_idx[t]
                if count[i] == 1:
                    loss += w[i]
                    for u in range(r_ptr[i], r_ptr[i + 1]):
                        k = r_idx[u]
                        if not in_plan[k]:
                            if not marked[k]:
                                marked[k] = True
                                touched[nt] = k
                                nt += 1
                            shared[k] += w[i]
            top = -1.0
            top_k = -1
            for k in range(n):
                if not in_plan[k]:
                    v = gain[k] + shared[k]
                    if v > top:
                        top = v
                        top_k = k
            for q in range(nt):
                shared[touched[q]] = 0.0
                marked[touched[q]] = False
            if top_k >= 0 and top - loss > best_delta:
                best_delta = top - loss
                best_j = j
                best_k = top_k
        if best_j < 0:
            break
        in_plan[best_j] = False
        in_plan[best_k] = True
        for t in range(c_ptr[best_j], c_ptr[best_j + 1]):
            count[c_idx[t]] -= 1
        for t in range(c_ptr[best_k], c_ptr[best_k + 1]):
            count[c_idx[t]] += 1
    return np.flatnonzero(in_plan)


@njit(cache=True)
def _lagrangian_demand(
    c_ptr: np.ndarray,
    c_idx: np.ndarray,
    w: np.ndarray,
    n_sites: int,
    target: float,
    max_iter: int,
    lam0: np.ndarray,
    mu0: float,
) -> tuple[
    float, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]:  # pragma: no cover - compiled
    """Lagrangian bound of maximal covering, and the candidates it fixes.

    Relaxing ``y_i <= sum_{j serves i} x_j`` with multipliers ``0 <= lam_i <= w_i`` gives
    ``L(lam) = sum_i (w_i - lam_i) + (sum of the n_sites largest c_j)``, ``c_j = sum_{i in j}
    lam_i``: an upper bound on the optimum for every ``lam`` (its minimum is the LP bound).
    ``lam`` follows projected subgradient steps (Polyak's rule towards ``target``).  At every
    ``lam``, a candidate outside the top ``n_sites`` whose forced inclusion bounds the plan
    below ``target`` is fixed out (``L - c_(N) + c_j < target``), and one inside whose
    exclusion does is fixed in (``L - c_j + c_(N+1) < target``): every plan worth ``target`` or
    more respects both.

    The top ``n_sites`` candidates of every ``lam`` are also a plan; the best is returned (a
    Lagrangian heuristic).

    Returns
    -------
    best bound, fixed-out mask, fixed-in mask, the largest bound that justified a fixing
    (as a 1-element array), the best ``lam``, the best plan found
    """
    n = c_ptr.size - 1
    m = w.size
    lam = lam0.copy()
    best_lam = lam0.copy()
    plan = np.zeros(n_sites, dtype=np.int64)
    plan_value = -1.0
    stamp = np.full(m, -1, dtype=np.int64)
    c = np.zeros(n)
    g = np.zeros(m)
    fix_out = np.zeros(n, dtype=np.bool_)
    fix_in = np.zeros(n, dtype=np.bool_)
    ev_in = np.full(n, np.inf)
    ev_out = np.full(n, np.inf)
    best = np.inf
    mu = mu0
    stall = 0
    for it in range(max_iter):
        for j in range(n):
            s = 0.0
            for t in range(c_ptr[j], c_ptr[j + 1]):
                s += lam[c_idx[t]]
            c[j] = s
        order = np.argsort(-c)
        value = 0.0
        for i in range(m):
            value += w[i] - lam[i]
        for q in range(n_sites):
            value += c[order[q]]
        c_last = c[order[n_sites - 1]]
        c_next = c[order[n_sites]]
        for q in range(n):
            j = order[q]
            if q < n_sites:
                bound_j = value - c[j] + c_next
                if bound_j < target and bound_j < ev_in[j]:
                    ev_in[j] = bound_j
                    fix_in[j] = True
            else:
                bound_j = value - c_last + c[j]
                if bound_j < target and bound_j < ev_out[j]:
                    ev_out[j] = bound_j
                    fix_out[j] = True
        covered = 0.0
        for q in range(n_sites):
            j = order[q]
            for t in range(c_ptr[j], c_ptr[j + 1]):
                i = c_idx[t]
                if stamp[i] != it:
                    stamp[i] = it
                    covered += w[i]
        if covered > plan_value:
            plan_value = covered
            plan[:] = order[:n_sites]
        if value < best * (1.0 - 1e-9):
            best = value
            best_lam[:] = lam
            stall = 0
        else:
            stall += 1
            if stall >= 25:
                mu *= 0.5
                stall = 0
        if mu < 1e-3 or best <= target:
            break
        for i in range(m):
            g[i] = -1.0
        for q in range(n_sites):
            j = order[q]
            for t in range(c_ptr[j], c_ptr[j + 1]):
                g[c_idx[t]] += 1.0
        norm = 0.0
        for i in range(m):
            if (lam[i] <= 0.0 and g[i] < 0.0) or (lam[i] >= w[i] and g[i] > 0.0):
                g[i] = 0.0
            norm += g[i] * g[i]
        if norm == 0.0:
            break
        step = mu * (value - target) / norm
        for i in range(m):
            v = lam[i] - step * g[i]
            lam[i] = min(max(v, 0.0), w[i])
    justified = 0.0
    for j in range(n):
        if fix_in[j] and ev_in[j] > justified:
            justified = ev_in[j]
        if fix_out[j] and ev_out[j] > justified:
            justified = ev_out[j]
    out = np.zeros(1)
    out[0] = justified
    return best, fix_out, fix_in, out, best_lam, plan


@dataclass(frozen=True)
class _Kernel:
    """The reduced problem in the two layouts the greedy kernels walk."""

    c_ptr: NDArray[np.int64]
    c_idx: NDArray[np.int64]
    r_ptr: NDArray[np.int64]
    r_idx: NDArray[np.int64]
    w: NDArray[np.float64]

    @classmethod
    def of(cls, red: ReducedProblem, w: NDArray[np.float64] | None = None) -> _Kernel:
        B = red.matrix
        C = B.tocsc()
        C.sort_indices()
        return cls(
            B.indptr.astype(np.int64),
            B.indices.astype(np.int64),
            C.indptr.astype(np.int64),
            C.indices.astype(np.int64),
            red.weights if w is None else w,
        )

    @property
    def n(self) -> int:
        return int(self.c_ptr.size - 1)

    def demand(
        self,
        *,
        allowed: NDArray[np.bool_] | None = None,
        initial: NDArray[np.int64] | None = None,
        max_picks: int | None = None,
        stop_at: float = math.inf,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        tol = _REL_TOL * float(self.w.sum())
        return _greedy_demand(
            self.c_ptr,
            self.c_idx,
            self.r_ptr,
            self.r_idx,
            self.w,
            np.ones(self.n, dtype=np.bool_) if allowed is None else allowed,
            np.zeros(0, dtype=np.int64) if initial is None else initial,
            self.n if max_picks is None else max_picks,
            stop_at,
            tol,
        )


@dataclass(frozen=True)
class _VillageModel:
    """The villages objective on the reduced problem: rows grouped by (dark, fixable) village,
    villages renumbered ``0 .. k - 1``."""

    index: NDArray[np.int64]  # input index of each village of the model
    group: NDArray[np.int64]  # model village of each reduced row
    need: NDArray[np.float64]
    u: NDArray[np.float64]
    v_ptr: NDArray[np.int64]
    v_rows: NDArray[np.int64]

    def greedy(
        self, k: _Kernel, max_picks: int, allowed: NDArray[np.bool_] | None = None
    ) -> NDArray[np.int64]:
        picks, _ = _greedy_villages(
            k.c_ptr,
            k.c_idx,
            k.r_ptr,
            k.r_idx,
            k.w,
            self.group,
            self.v_ptr,
            self.v_rows,
            self.need,
            self.u,
            np.ones(k.n, dtype=np.bool_) if allowed is None else allowed.copy(),
            max_picks,
            1e-12,
        )
        return picks.astype(np.int64)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GreedyPlan:
    """The greedy solution, the baseline the programme is compared with (and its warm start).

    Attributes
    ----------
    chosen
        Candidate indices (of the input) in the order the greedy picked them.
    marginal_demand
        Demand each added that the ones before had not covered.
    cumulative_share
        Share of the coverable demand covered after each pick: the greedy curve.
    objective
        Its value in the problem's objective (demand covered, villages fixed, or sites).
    """

    chosen: NDArray[np.int64]
    marginal_demand: NDArray[np.float64]
    cumulative_share: NDArray[np.float64]
    objective: float


@dataclass(frozen=True)
class PlanResult:
    """The answer of :func:`max_covering` or :func:`set_cover`.

    Attributes
    ----------
    problem, objective_kind
        What was solved: ``max_covering`` with objective ``demand`` or ``villages``, or
        ``set_cover`` (objective ``sites``).
    status
        How the solve ended (:data:`PlanStatus`).
    chosen
        The sites to build, input candidate indices, **in order of marginal gain**: each is the
        one among the rest that adds the most (demand, or for the villages objective the
        village score) to the ones ranked before it.  Sites that add nothing are left out.
    marginal_demand
        Demand each site covers that the sites ranked before it do not (no cell counted twice).
    cumulative_demand, cumulative_share
        Demand covered by the first 1, 2, ... sites, and as a share of the coverable demand:
        the curve of the plan (share against the number of new sites).
    marginal_villages, cumulative_villages
        Weight of the villages each site completes, and the running total (``None`` without
        :class:`Villages`).
    cost
        Cost of each chosen site, when costs were given.
    objective
        The plan's value, recomputed from the chosen sites on the input: demand covered
        (``demand``), weight of the villages fixed (``villages``), or the number of sites
        (``set_cover``).
    bound
        The best proven bound on the optimum (HiGHS's dual bound, or a simple bound when the
        programme was not run): an upper bound when maximising, a lower bound for ``set_cover``.
    gap
        ``|objective - bound| / |objective|`` (0 when both are 0).
    greedy
        The greedy solution (:class:`GreedyPlan`).
    covered_demand, coverable_demand, total_demand
        Demand the plan covers, demand some candidate reaches, and all the demand given.
    uncoverable
        Demand cells (input indices, weight > 0) that no candidate reaches: they need another
        kind of solution (satellite, repeater, a site where no candidate is).
    uncoverable_demand
        Their total weight.
    villages_fixed
        Per village, whether it is fixed after the plan (including villages fixed already).
    villages_dark
        Per village, whether it needed new coverage to be fixed.
    villages_unfixable
        Per village, whether even all the candidates together cannot fix it.
    reduction
        Sizes of the problem before and after :func:`reduce_problem`, and of what the bounds
        fixed (``fixed_in``, ``fixed_out``, ``lp_rounds``, ``residual_rows``,
        ``residual_candidates``) when they ran.
    timings
        Seconds spent per step: ``reduce``, ``greedy``, ``local_search`` (swaps),
        ``lagrangian`` (bounds, fixing, column generation), ``reduce_residual``, ``mip``,
        ``rank``, ``total`` (only the steps that ran).
    message
        One sentence on how the solve ended.
    n_sites, target_share
        What was asked.
    """

    problem: Problem
    objective_kind: Literal["demand", "villages", "sites"]
    status: PlanStatus
    chosen: NDArray[np.int64]
    marginal_demand: NDArray[np.float64]
    cumulative_demand: NDArray[np.float64]
    cumulative_share: NDArray[np.float64]
    marginal_villages: NDArray[np.float64] | None
    cumulative_villages: NDArray[np.float64] | None
    cost: NDArray[np.float64] | None
    objective: float
    bound: float
    gap: float
    greedy: GreedyPlan
    covered_demand: float
    coverable_demand: float
    total_demand: float
    uncoverable: NDArray[np.int64]
    uncoverable_demand: float
    villages_fixed: NDArray[np.bool_] | None
    villages_dark: NDArray[np.bool_] | None
    villages_unfixable: NDArray[np.bool_] | None
    reduction: dict[str, int]
    timings: dict[str, float]
    message: str
    n_sites: int | None = None
    target_share: float | None = None

    @property
    def covered_share(self) -> float:
        """Share of the coverable demand the plan covers."""
        return _share(self.covered_demand, self.coverable_demand)

    @property
    def greedy_ratio(self) -> float:
        """Greedy objective over the plan's (``<= 1`` when maximising, ``>= 1`` for
        ``set_cover``; 1 when both are 0)."""
        if self.objective == 0:
            return 1.0 if self.greedy.objective == 0 else math.inf
        return self.greedy.objective / self.objective

    def table(self) -> pd.DataFrame:
        """The ranked sites as a table: ``rank, candidate, marginal_demand, cumulative_demand,
        cumulative_share`` (+ ``marginal_villages, cumulative_villages``, ``cost,
        cumulative_cost`` when known)."""
        import pandas as pd

        cols: dict[str, Any] = {
            "rank": np.arange(1, self.chosen.size + 1),
            "candidate": self.chosen,
            "marginal_demand": self.marginal_demand,
            "cumulative_demand": self.cumulative_demand,
            "cumulative_share": self.cumulative_share,
        }
        if self.marginal_villages is not None and self.cumulative_villages is not None:
            cols["marginal_villages"] = self.marginal_villages
            cols["cumulative_villages"] = self.cumulative_villages
        if self.cost is not None:
            cols["cost"] = self.cost
            cols["cumulative_cost"] = np.cumsum(self.cost)
        return pd.DataFrame(cols)


def _share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


def _relative_gap(objective: float, bound: float) -> float:
    diff = abs(bound - objective)
    if diff <= _REL_TOL * max(abs(objective), abs(bound), 1.0):
        return 0.0
    return diff / abs(objective) if objective != 0 else math.inf


# --------------------------------------------------------------------------------------------
# Evaluation on the input (independent of the reduction)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Evaluation:
    covered: NDArray[np.bool_]
    demand: float
    fixed: NDArray[np.bool_] | None
    villages: float


class _Evaluator:
    """Covered cells and fixed villages of any set of candidates, on the input matrix."""

    def __init__(
        self, M: sp.csr_array, w: NDArray[np.float64], villages: _VillageArrays | None
    ) -> None:
        self.M, self.w, self.villages = M, w, villages
        if villages is not None:
            self.need = villages.need(w)

    def covered(self, chosen: NDArray[np.int64]) -> NDArray[np.bool_]:
        mask = np.zeros(self.M.shape[1], dtype=bool)
        for j in chosen:
            mask[self.M.indices[self.M.indptr[j] : self.M.indptr[j + 1]]] = True
        return mask

    def __call__(self, chosen: NDArray[np.int64]) -> _Evaluation:
        mask = self.covered(chosen)
        demand = float(self.w[mask].sum())
        fixed: NDArray[np.bool_] | None = None
        value = 0.0
        if self.villages is not None:
            v = self.villages
            inside = mask & (v.groups >= 0)
            got = np.bincount(v.groups[inside], weights=self.w[inside], minlength=v.count)
            fixed = got >= self.need
            value = float(v.weights[fixed & (self.need > 0)].sum())
        return _Evaluation(mask, demand, fixed, value)

    def marginals(
        self, order: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
        """Demand (and village weight) each site of ``order`` adds to the ones before it."""
        mask = np.zeros(self.M.shape[1], dtype=bool)
        demand = np.zeros(order.size)
        vill = None if self.villages is None else np.zeros(order.size)
        if self.villages is not None:
            v = self.villages
            got = np.zeros(v.count)
            fixed = self.need <= 0
        for r, j in enumerate(order):
            cells = self.M.indices[self.M.indptr[j] : self.M.indptr[j + 1]]
            new = cells[~mask[cells]]
            mask[new] = True
            demand[r] = self.w[new].sum()
            if vill is not None and self.villages is not None:
                gv = v.groups[new]
                keep = gv >= 0
                np.add.at(got, gv[keep], self.w[new][keep])
                touched = np.unique(gv[keep])
                now = touched[(got[touched] >= self.need[touched]) & ~fixed[touched]]
                fixed[now] = True
                vill[r] = v.weights[now].sum()
        return demand, vill


# --------------------------------------------------------------------------------------------
# HiGHS
# --------------------------------------------------------------------------------------------


def _highspy() -> Any:
    try:
        import highspy
    except ImportError as exc:
        raise SettingsError(
            "planning new sites needs the HiGHS solver, which is not installed: "
            f"{INSTALL_HINT} (or pip install highspy)"
        ) from exc
    _banner_to_stderr(highspy)
    return highspy


@functools.cache
def _banner_to_stderr(highspy: Any) -> None:
    """Make the process's first HiGHS solver with file descriptor 1 sent to stderr: HiGHS
    prints its banner there when the first solver is made, and the caller's stdout may carry
    its own output (the CLI's summary table, a library user's CSV)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no real stdout (an embedding)
        highspy.Highs()
        return
    try:
        os.dup2(2, 1)
        highspy.Highs()
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@dataclass(frozen=True)
class _MipOutcome:
    x: NDArray[np.float64] | None
    status: PlanStatus
    primal: float
    dual_bound: float
    nodes: int
    seconds: float
    warm_start_accepted: bool
    resolved: bool = False


def _run_highs(
    *,
    maximise: bool,
    col_cost: NDArray[np.float64],
    integer: NDArray[np.bool_],
    rows: sp.csr_array,
    row_lower: NDArray[np.float64],
    row_upper: NDArray[np.float64],
    start: NDArray[np.float64],
    time_limit_s: float,
    gap: float,
    offset: float = 0.0,
) -> _MipOutcome:
    """Solve ``max/min offset + col_cost @ x`` s.t. ``row_lower <= rows @ x <= row_upper``,
    ``0 <= x <= 1``, ``x[integer]`` integral, from the feasible point ``start``.

    HiGHS 1.16 can report an optimal objective better than the warm start yet hand back the warm
    start's values (seen when presolve solves the whole model).  The values returned are
    therefore checked against the objective reported, and on a mismatch the model is solved
    again without the warm start in the time that is left.
    """
    t0 = time.perf_counter()
    R = sp.csr_array(rows, dtype=np.float64)
    R.sort_indices()
    out = _highs_once(
        maximise, col_cost, integer, R, row_lower, row_upper, start, time_limit_s, gap, offset
    )
    if out.x is not None and not _consistent(col_cost, offset, out):
        left = time_limit_s - (time.perf_counter() - t0)
        if left >= _MIN_SOLVE_S:
            again = _highs_once(
                maximise, col_cost, integer, R, row_lower, row_upper, None, left, gap, offset
            )
            if again.x is not None and _consistent(col_cost, offset, again):
                return dataclasses.replace(again, resolved=True, seconds=time.perf_counter() - t0)
        # Keep HiGHS's bound, but not values that do not match it: the caller uses the start.
        out = dataclasses.replace(out, x=None, resolved=True)
    return dataclasses.replace(out, seconds=time.perf_counter() - t0)


def _interrupt_at(h: Any, deadline: float) -> None:
    """Interrupt HiGHS at ``deadline`` from its simplex, IPM and MIP interrupt callbacks
    (its own ``time_limit`` is checked only between some steps, and a long root LP can
    overrun it by seconds)."""

    def check(event: Any) -> None:
        if time.perf_counter() > deadline:
            event.interrupt()

    for name in ("cbSimplexInterrupt", "cbIpmInterrupt", "cbMipInterrupt"):
        callback = getattr(h, name, None)
        if callback is not None:
            callback.subscribe(check)


def _consistent(col_cost: NDArray[np.float64], offset: float, out: _MipOutcome) -> bool:
    assert out.x is not None
    value = offset + float(col_cost @ out.x)
    return abs(value - out.primal) <= 1e-6 * max(1.0, abs(out.primal))


def _highs_once(
    maximise: bool,
    col_cost: NDArray[np.float64],
    integer: NDArray[np.bool_],
    R: sp.csr_array,
    row_lower: NDArray[np.float64],
    row_upper: NDArray[np.float64],
    start: NDArray[np.float64] | None,
    time_limit_s: float,
    gap: float,
    offset: float = 0.0,
) -> _MipOutcome:
    highspy = _highspy()
    t0 = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("mip_abs_gap", _ABS_GAP)
    h.setOptionValue("random_seed", 0)
    inf = highspy.kHighsInf
    nc = int(col_cost.size)
    status = h.passModel(
        nc,
        int(R.shape[0]),
        int(R.nnz),
        2,  # row-wise matrix
        -1 if maximise else 1,
        float(offset),
        np.ascontiguousarray(col_cost, dtype=np.float64),
        np.zeros(nc),
        np.ones(nc),
        np.where(np.isfinite(row_lower), row_lower, -inf),
        np.where(np.isfinite(row_upper), row_upper, inf),
        R.indptr.astype(np.int32),
        R.indices.astype(np.int32),
        R.data,
        integer.astype(np.int32),
    )
    if status != highspy.HighsStatus.kOk:
        return _MipOutcome(None, "solver_error", math.nan, math.nan, 0, 0.0, False)
    accepted = start is not None and (
        h.setSolution(nc, np.arange(nc, dtype=np.int32), np.asarray(start, dtype=np.float64))
        == highspy.HighsStatus.kOk
    )
    _interrupt_at(h, t0 + time_limit_s)
    h.run()
    ours = _HIGHS_STATUS.get(h.getModelStatus().name, "solver_error")
    if ours == "interrupted" and time.perf_counter() > t0 + time_limit_s:
        ours = "time_limit"  # our deadline interrupt
    info = h.getInfo()
    sol = h.getSolution()
    x = np.asarray(sol.col_value, dtype=np.float64) if sol.value_valid else None
    return _MipOutcome(
        x=x,
        status=ours,
        primal=float(info.objective_function_value),
        dual_bound=float(info.mip_dual_bound),
        nodes=int(info.mip_node_count),
        seconds=time.perf_counter() - t0,
        warm_start_accepted=accepted,
    )


def _coverage_rows(B: sp.csr_array) -> sp.csr_array:
    """Rows ``y_i - sum_{j serves i} x_j <= 0`` for columns ``[x (n), y (rows)]``."""
    p = B.shape[1]
    Bt = sp.csr_array(B.T, dtype=np.float64)
    return sp.csr_array(sp.hstack([-Bt, sp.eye_array(p, format="csr")], format="csr"))


# --------------------------------------------------------------------------------------------
# Shared set-up of both problems
# --------------------------------------------------------------------------------------------


@dataclass
class _Setup:
    t0: float
    M: sp.csr_array
    w: NDArray[np.float64]
    cost: NDArray[np.float64] | None
    villages: _VillageArrays | None
    evaluate: _Evaluator
    coverable: NDArray[np.bool_]
    coverable_demand: float
    total_demand: float
    uncoverable: NDArray[np.int64]
    timings: dict[str, float]
    extra: dict[str, int]


def _setup(
    A: Any,
    weights: ArrayLike,
    villages: Villages | None,
    cost: ArrayLike | None,
    time_limit_s: float,
    gap: float,
) -> _Setup:
    t0 = time.perf_counter()
    _check_limits(time_limit_s, gap)
    w = _weights(weights)
    M = _matrix(A, w.size)
    c = None if cost is None else _cost(cost, M.shape[0])
    va = None if villages is None else _villages(villages, w.size)
    reach = np.diff(M.tocsc().indptr) > 0
    return _Setup(
        t0=t0,
        M=M,
        w=w,
        cost=c,
        villages=va,
        evaluate=_Evaluator(M, w, va),
        coverable=reach,
        coverable_demand=float(w[reach].sum()),
        total_demand=float(w.sum()),
        uncoverable=np.flatnonzero(~reach & (w > 0)).astype(np.int64),
        timings={},
        extra={},
    )


def _greedy_plan(s: _Setup, chosen: NDArray[np.int64], objective: float) -> GreedyPlan:
    marg, _ = s.evaluate.marginals(chosen)
    return GreedyPlan(
        chosen=chosen,
        marginal_demand=marg,
        cumulative_share=np.cumsum(marg) / s.coverable_demand
        if s.coverable_demand > 0
        else np.zeros(chosen.size),
        objective=objective,
    )


def _result(
    s: _Setup,
    *,
    problem: Problem,
    kind: Literal["demand", "villages", "sites"],
    status: PlanStatus,
    order: NDArray[np.int64],
    bound: float,
    greedy: GreedyPlan,
    red: ReducedProblem,
    message: str,
    n_sites: int | None = None,
    target_share: float | None = None,
) -> PlanResult:
    t = time.perf_counter()
    marg, vill = s.evaluate.marginals(order)
    ev = s.evaluate(order)
    cum = np.cumsum(marg)
    if kind == "demand":
        objective = ev.demand
    elif kind == "villages":
        objective = ev.villages
    else:
        objective = float(order.size)
    dark = fixable = None
    if s.villages is not None:
        need = s.evaluate.need
        dark = need > 0
        inside = s.coverable & (s.villages.groups >= 0)
        reachable = np.bincount(
            s.villages.groups[inside], weights=s.w[inside], minlength=s.villages.count
        )
        fixable = ~dark | (reachable >= need)
    s.timings["rank"] = s.timings.get("rank", 0.0) + time.perf_counter() - t
    s.timings["total"] = time.perf_counter() - s.t0
    return PlanResult(
        problem=problem,
        objective_kind=kind,
        status=status,
        chosen=order,
        marginal_demand=marg,
        cumulative_demand=cum,
        cumulative_share=cum / s.coverable_demand if s.coverable_demand > 0 else cum * 0.0,
        marginal_villages=vill,
        cumulative_villages=None if vill is None else np.cumsum(vill),
        cost=None if s.cost is None else s.cost[order],
        objective=objective,
        bound=bound,
        gap=_relative_gap(objective, bound),
        greedy=greedy,
        covered_demand=ev.demand,
        coverable_demand=s.coverable_demand,
        total_demand=s.total_demand,
        uncoverable=s.uncoverable,
        uncoverable_demand=float(s.w[s.uncoverable].sum()),
        villages_fixed=ev.fixed,
        villages_dark=dark,
        villages_unfixable=None if fixable is None else ~fixable,
        reduction={**red.sizes(), **s.extra},
        timings=dict(s.timings),
        message=message,
        n_sites=n_sites,
        target_share=target_share,
    )


def _rank_demand(k: _Kernel, red: ReducedProblem, picks: NDArray[np.int64]) -> NDArray[np.int64]:
    """Reduced candidates ``picks`` in order of marginal demand; those adding nothing dropped."""
    if picks.size == 0:
        return picks
    allowed = np.zeros(k.n, dtype=np.bool_)
    allowed[picks] = True
    order, _ = k.demand(allowed=allowed)
    return order.astype(np.int64)


def _prune_villages(
    vm: _VillageModel, red: ReducedProblem, picks: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Drop chosen sites without which every village the plan fixes stays fixed (the villages
    objective puts no price on a site, so the solver may add useless ones).  Tried from the
    last chosen to the first, on the reduced model with per-row counts of serving sites."""
    B = red.matrix
    count = np.zeros(red.n_rows, dtype=np.int64)
    for j in picks:
        count[B.indices[B.indptr[j] : B.indptr[j + 1]]] += 1
    got = np.bincount(vm.group, weights=red.weights * (count > 0), minlength=vm.need.size)
    fixed = got >= vm.need
    keep = np.ones(picks.size, dtype=bool)
    for q in range(picks.size - 1, -1, -1):
        rows = B.indices[B.indptr[picks[q]] : B.indptr[picks[q] + 1]]
        alone = rows[count[rows] == 1]
        loss = np.bincount(vm.group[alone], weights=red.weights[alone], minlength=vm.need.size)
        if not np.any(fixed & (got - loss < vm.need)):
            keep[q] = False
            count[rows] -= 1
            got -= loss
    return picks[keep]


def _time_left(s: _Setup, time_limit_s: float) -> float:
    return time_limit_s - (time.perf_counter() - s.t0)


def _check_n(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise SettingsError(f"{name} must be a whole number >= 0, got {value!r}", fields=(name,))
    return int(value)


# --------------------------------------------------------------------------------------------
# Maximal covering
# --------------------------------------------------------------------------------------------


def max_covering(
    A: Any,
    weights: ArrayLike,
    n_sites: int,
    *,
    objective: Objective = "demand",
    villages: Villages | None = None,
    cost: ArrayLike | None = None,
    time_limit_s: float = 60.0,
    gap: float = 1e-3,
) -> PlanResult:
    """The ``n_sites`` new sites that cover the most demand, or fix the most villages.

    **demand** (the maximal covering location problem): with ``x_j`` = build candidate ``j``
    and ``y_i`` = demand row ``i`` covered,

    .. math:: \\max \\sum_i w_i y_i \\;\\text{s.t.}\\; y_i \\le \\sum_{j \\ni i} x_j,\\;
              \\sum_j x_j \\le N,\\; x \\in \\{0,1\\},\\; 0 \\le y \\le 1

    (``y`` need not be integral: at an integral ``x`` its best value is).

    **villages**: with ``z_v`` = village ``v`` fixed, ``d_v`` the demand it still needs
    (``threshold_v`` x its demand - what is covered already) and ``u_v`` its weight,

    .. math:: \\max \\sum_v u_v z_v \\;\\text{s.t.}\\; d_v z_v \\le \\sum_{i \\in v} w_i y_i,\\;
              y_i \\le \\sum_{j \\ni i} x_j,\\; \\sum_j x_j \\le N,\\; x, z \\in \\{0,1\\}

    over the dark villages that all candidates together could fix.  Sites that fix no extra
    village are then dropped, so fewer than ``n_sites`` may be proposed.

    Solved as the module's docstring says: reduction, greedy (the baseline, also returned) and
    swaps, Lagrangian and LP bounds with candidate fixing, then the MIP of what is left by HiGHS
    from the incumbent; the villages objective goes from the greedy straight to its MIP.

    Parameters
    ----------
    A
        Coverage, candidates x demand cells (scipy sparse or 2-D array; nonzero = served).
    weights
        Demand of each cell (``>= 0``).
    n_sites
        How many new sites at most.  Sites that add nothing are not proposed, so fewer may be.
    objective
        ``"demand"`` or ``"villages"`` (needs ``villages``).
    villages
        The villages of the demand cells (:class:`Villages`): the objective for
        ``"villages"``, and figures (villages fixed) for either.
    cost
        Per-candidate cost, carried to :attr:`PlanResult.cost` (and preferred when two
        candidates serve the same cells).
    time_limit_s
        Wall-clock limit of the whole call, reduction and greedy included.  At the limit the
        best plan found is returned with its bound and status ``time_limit``.  HiGHS is
        interrupted at the deadline from its callbacks, but its presolve can overrun it (by
        about a second on a province).
    gap
        Relative optimality gap at which the solve stops as ``optimal`` (an absolute gap of
        1e-7 of the demand in the model also counts as closed).

    Returns
    -------
    PlanResult

    Raises
    ------
    SettingsError
        A bad ``n_sites``, ``objective``, ``time_limit_s`` or ``gap``, or highspy missing.
    InputError
        Arrays of the wrong shape, negative or non-finite weights.
    """
    n_sites = _check_n("n_sites", n_sites)
    if objective not in ("demand", "villages"):
        raise SettingsError(
            f"objective must be 'demand' or 'villages', got {objective!r}", fields=("objective",)
        )
    if objective == "villages" and villages is None:
        raise SettingsError(
            "objective='villages' needs villages=Villages(groups, threshold)",
            fields=("villages",),
        )
    s = _setup(A, weights, villages, cost, time_limit_s, gap)
    _highspy()  # fail early, before any work, when the solver is missing
    if objective == "villages":
        return _max_villages(s, n_sites, time_limit_s, gap)

    red = reduce_problem(s.M, s.w, cost=s.cost)
    s.timings["reduce"] = red.seconds
    t = time.perf_counter()
    k = _Kernel.of(red)
    picks, _ = k.demand(max_picks=n_sites)
    greedy = _greedy_plan(s, red.candidates[picks], s.evaluate(red.candidates[picks]).demand)
    s.timings["greedy"] = time.perf_counter() - t
    # A simple bound: the N best single gains (coverage is submodular).
    single = np.sort(np.asarray(red.matrix @ red.weights, dtype=np.float64))[::-1]
    simple_bound = min(float(single[:n_sites].sum()), s.coverable_demand)

    def done(status: PlanStatus, chosen: NDArray[np.int64], bound: float, msg: str) -> PlanResult:
        order = red.candidates[_rank_demand(k, red, chosen)]
        return _result(
            s,
            problem="max_covering",
            kind="demand",
            status=status,
            order=order,
            bound=bound,
            greedy=greedy,
            red=red,
            message=msg,
            n_sites=n_sites,
        )

    if n_sites >= red.n_kept:
        return done(
            "optimal",
            np.arange(red.n_kept),
            s.coverable_demand,
            f"solved without the solver: only {red.n_kept} candidate(s) add coverage",
        )
    sol = _solve_max_cover(
        red,
        k,
        n_sites,
        picks,
        simple_bound,
        gap=gap,
        deadline=s.t0 + time_limit_s,
        cost=None if s.cost is None else s.cost[red.candidates],
    )
    s.timings.update(sol.timings)
    s.extra.update(sol.sizes)
    return done(sol.status, sol.chosen, sol.bound, sol.message)


def _restricted_lp(
    red: ReducedProblem, C: NDArray[np.int64], n_sites: int, time_limit_s: float
) -> tuple[NDArray[np.float64], NDArray[np.int64]] | None:
    """The LP relaxation of maximal covering over the candidates ``C`` only.

    Returns
    -------
    multipliers
        One per row of ``red``: the LP dual of the row's merged row spread by weight, ``w``
        for rows no candidate of ``C`` serves (any value in ``[0, w]`` gives a valid bound).
    plan
        The ``n_sites`` candidates with the largest LP values (a rounding).

    ``None`` when the LP was not solved within ``time_limit_s``.
    """
    highspy = _highspy()
    sub = reduce_problem(sp.csr_array(red.matrix[C]), red.weights)
    W = float(red.weights.sum())
    n, p = sub.matrix.shape
    r = sub.row_of_cell
    if n <= n_sites:
        lam = np.where(r >= 0, 0.0, red.weights)
        return lam, C[sub.candidates].astype(np.int64)
    budget = sp.csr_array(np.concatenate([np.ones(n), np.zeros(p)])[None, :])
    R = sp.csr_array(sp.vstack([_coverage_rows(sub.matrix), budget], format="csr"))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit_s), 0.01))
    _interrupt_at(h, time.perf_counter() + max(float(time_limit_s), 0.01))
    nc = n + p
    inf = highspy.kHighsInf
    h.passModel(
        nc,
        p + 1,
        int(R.nnz),
        2,
        -1,
        0.0,
        np.concatenate([np.zeros(n), sub.weights / W]),
        np.zeros(nc),
        np.ones(nc),
        np.full(p + 1, -inf),
        np.concatenate([np.zeros(p), [float(n_sites)]]),
        R.indptr.astype(np.int32),
        R.indices.astype(np.int32),
        R.data,
        np.zeros(nc, dtype=np.int32),
    )
    h.run()
    sol = h.getSolution()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or not sol.dual_valid:
        return None
    dual = np.clip(np.asarray(sol.row_dual, dtype=np.float64)[:p] * W, 0.0, sub.weights)
    safe = np.maximum(r, 0)
    lam = np.where(r >= 0, dual[safe] * red.weights / sub.weights[safe], red.weights)
    x = np.asarray(sol.col_value, dtype=np.float64)[:n]
    plan = C[sub.candidates[np.argsort(-x, kind="stable")[:n_sites]]]
    return lam, plan.astype(np.int64)


@dataclass(frozen=True)
class _CoverSolution:
    chosen: NDArray[np.int64]  # reduced candidate indices
    value: float
    bound: float
    status: PlanStatus
    message: str
    timings: dict[str, float]
    sizes: dict[str, int]


def _solve_max_cover(
    red: ReducedProblem,
    k: _Kernel,
    n_sites: int,
    start: NDArray[np.int64],
    bound: float,
    *,
    gap: float,
    deadline: float,
    cost: NDArray[np.float64] | None,
    decide: float | None = None,
    solve_mip: bool = True,
) -> _CoverSolution:
    """Maximal covering on a reduced problem (``0 < n_sites < candidates``), from the plan
    ``start`` and a known upper ``bound``.

    1. The start is improved by swaps (:func:`_swap_demand`).
    2. The Lagrangian bound (:func:`_lagrangian_demand`) may prove it within ``gap``; else it
       fixes candidates in and out, against a target of the incumbent x (1 + gap / 2).
    3. What is left (free candidates, the rows the fixed-in ones do not cover) is reduced
       again and solved as a MIP by HiGHS, the fixed-in coverage as the objective's offset.
    The bound returned is valid for the whole problem: the residual's bound, or, when larger,
    the bound below which the fixings were justified.

    With ``decide`` the question is only whether some plan covers ``decide``: the search stops
    as soon as one is found or the bound falls below it, and candidates are fixed against it.
    With ``solve_mip=False`` it stops before step 3 (heuristics and bounds only).
    """
    timings: dict[str, float] = {}
    sizes: dict[str, int] = {}
    W = float(red.weights.sum())
    tol = _REL_TOL * W
    t = time.perf_counter()
    rounds = max(10, 4 * n_sites)
    inc = _swap_demand(k.c_ptr, k.c_idx, k.r_ptr, k.r_idx, k.w, start, rounds, tol).astype(np.int64)
    value = _covered_weight(red, inc)
    timings["local_search"] = time.perf_counter() - t

    def proven(b: float) -> bool:
        if decide is not None and (value >= decide or b < decide):
            return True
        return b - value <= gap * value + _ABS_GAP * W

    def target() -> float:
        return decide if decide is not None else value * (1 + gap / 2)

    if proven(bound):
        return _CoverSolution(
            inc, value, bound, "optimal", "the plan meets a simple bound", timings, sizes
        )
    t = time.perf_counter()
    fix_out = np.zeros(k.n, dtype=np.bool_)
    fix_in = np.zeros(k.n, dtype=np.bool_)
    justified = 0.0

    def consider(plan: NDArray[np.int64]) -> None:
        """Improve ``plan`` by swaps and keep it if it beats the incumbent."""
        nonlocal inc, value
        better = _swap_demand(
            k.c_ptr, k.c_idx, k.r_ptr, k.r_idx, k.w, plan.astype(np.int64), rounds, tol
        ).astype(np.int64)
        v = _covered_weight(red, better)
        if v > value + tol:
            inc, value = better, v

    def lagrangian(
        lam0: NDArray[np.float64], mu0: float, iters: int
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Run the Lagrangian kernel from ``lam0``; keep its bound and its fixings (every
        fixing is justified below its own target, which is at most the current one)."""
        nonlocal bound, justified
        lag, out_, in_, just, lam, plan = _lagrangian_demand(
            k.c_ptr, k.c_idx, k.w, n_sites, target(), iters, lam0, mu0
        )
        bound = min(bound, float(lag))
        fix_out[:] |= out_
        fix_in[:] |= in_
        justified = max(justified, float(just[0]))
        return lam, plan.astype(np.int64)

    lam, plan = lagrangian(0.5 * k.w, 1.0, 500)
    consider(plan)
    lp_rounds = 0
    if not proven(bound):
        # Column generation on the LP: solve it over the candidates that matter at the current
        # multipliers (rows merged over them: a small LP), spread each merged row's dual over
        # its rows by weight, price every candidate with these multipliers (each gives a valid
        # bound and fixings), add those that would enter, repeat.
        B = sp.csr_array(red.matrix, dtype=np.float64)
        prices = np.asarray(B @ lam)
        C = np.union1d(np.argsort(-prices)[: max(4 * n_sites, 150)], inc)
        stop = time.perf_counter() + 0.5 * max(0.0, deadline - time.perf_counter())
        while time.perf_counter() < stop and lp_rounds < 25:
            lp_rounds += 1
            lp = _restricted_lp(red, C, n_sites, stop - time.perf_counter())
            if lp is None:
                break
            lam, plan = lp
            consider(plan)
            lagrangian(lam, 0.0, 1)
            if proven(bound):
                break
            prices = np.asarray(B @ lam)
            last = np.sort(prices)[::-1][n_sites - 1]
            enter = np.setdiff1d(np.flatnonzero(prices > last * (1 + 1e-9)), C)
            if enter.size == 0:
                break
            C = np.union1d(C, enter[np.argsort(-prices[enter])[:200]])
    sizes["lp_rounds"] = lp_rounds
    timings["lagrangian"] = time.perf_counter() - t
    sizes["fixed_out"] = int(fix_out.sum())
    sizes["fixed_in"] = int(fix_in.sum())
    if proven(bound):
        return _CoverSolution(
            inc, value, bound, "optimal", "proven by the Lagrangian bound", timings, sizes
        )
    if (fix_in & fix_out).any() or fix_in.sum() > n_sites:
        # No plan reaches the target: every plan is bounded by the fixings' evidence.
        b = min(bound, max(justified, value))
        return _CoverSolution(
            inc, value, b, "optimal", "proven by the Lagrangian fixings", timings, sizes
        )

    if not solve_mip:
        return _CoverSolution(inc, value, bound, "interrupted", "bounds only", timings, sizes)
    # The residual problem.
    F1 = np.flatnonzero(fix_in).astype(np.int64)
    U = np.flatnonzero(~fix_in & ~fix_out).astype(np.int64)
    covered = _covered_rows(red, F1) > 0
    const = float(red.weights[covered].sum())
    free_rows = np.flatnonzero(~covered)
    n2 = n_sites - F1.size
    Bres = sp.csr_array(red.matrix[U][:, free_rows])
    red2 = reduce_problem(Bres, red.weights[free_rows], cost=None if cost is None else cost[U])
    sizes["residual_rows"] = red2.n_rows
    sizes["residual_candidates"] = red2.n_kept
    timings["reduce_residual"] = red2.seconds
    back = U[red2.candidates]
    if n2 <= 0 or red2.n_kept <= n2:
        cand = np.concatenate([F1, back if n2 > 0 else back[:0]])
        cand_value = _covered_weight(red, cand)
        b = min(bound, max(cand_value, justified))
        best, best_value = (cand, cand_value) if cand_value > value else (inc, value)
        return _CoverSolution(
            best,
            best_value,
            max(b, best_value),
            "optimal",
            "solved after the Lagrangian fixings",
            timings,
            sizes,
        )
    left = deadline - time.perf_counter()
    if left < _MIN_SOLVE_S:
        return _CoverSolution(
            inc, value, bound, "time_limit", "time limit reached before the solver", timings, sizes
        )
    k2 = _Kernel.of(red2)
    g2, _ = k2.demand(max_picks=n2)
    warm = _swap_demand(k2.c_ptr, k2.c_idx, k2.r_ptr, k2.r_idx, k2.w, g2, rounds, tol).astype(
        np.int64
    )
    n, p = red2.matrix.shape
    budget = sp.csr_array(np.concatenate([np.ones(n), np.zeros(p)])[None, :])
    rows = sp.csr_array(sp.vstack([_coverage_rows(red2.matrix), budget], format="csr"))
    x0 = np.zeros(n + p)
    x0[warm] = 1.0
    x0[n:] = _covered_rows(red2, warm)
    out = _run_highs(
        maximise=True,
        col_cost=np.concatenate([np.zeros(n), red2.weights / W]),
        integer=np.concatenate([np.ones(n, bool), np.zeros(p, bool)]),
        rows=rows,
        row_lower=np.full(p + 1, -np.inf),
        row_upper=np.concatenate([np.zeros(p), [float(n2)]]),
        start=x0,
        time_limit_s=deadline - time.perf_counter(),
        gap=gap / 2,
        offset=const / W,
    )
    timings["mip"] = out.seconds
    cand = np.concatenate([F1, U[red2.candidates[warm]]])
    if out.x is not None:
        mip = np.flatnonzero(out.x[:n] > 0.5)
        if mip.size <= n2:
            trial = np.concatenate([F1, back[mip]])
            if _covered_weight(red, trial) >= _covered_weight(red, cand):
                cand = trial
    cand_value = _covered_weight(red, cand)
    best, best_value = (cand, cand_value) if cand_value > value else (inc, value)
    if math.isfinite(out.dual_bound):
        bound = min(bound, max(out.dual_bound * W, justified))
    bound = max(bound, best_value)
    status: PlanStatus = "optimal" if proven(bound) else out.status
    return _CoverSolution(best, best_value, bound, status, _message(out), timings, sizes)


def _covered_rows(red: ReducedProblem, picks: NDArray[np.int64]) -> NDArray[np.float64]:
    rows = np.zeros(red.n_rows)
    if picks.size:
        rows[sp.csr_array(red.matrix[picks]).indices] = 1.0
    return rows


def _covered_weight(red: ReducedProblem, picks: NDArray[np.int64]) -> float:
    return float(red.weights @ _covered_rows(red, picks))


def _message(out: _MipOutcome) -> str:
    ws = "warm start accepted" if out.warm_start_accepted else "no warm start"
    again = " (solved again: the values HiGHS returned did not match its objective)"
    return f"HiGHS: {out.status} after {out.seconds:.2f} s, {out.nodes} node(s), {ws}" + (
        again if out.resolved else ""
    )


def _max_villages(s: _Setup, n_sites: int, time_limit_s: float, gap: float) -> PlanResult:
    assert s.villages is not None
    v = s.villages
    need = s.evaluate.need
    inside = s.coverable & (v.groups >= 0)
    reachable = np.bincount(v.groups[inside], weights=s.w[inside], minlength=v.count)
    target = (need > 0) & (reachable >= need) & (v.weights > 0)
    # Only the cells of dark, fixable villages matter to this objective.
    cell_in = (v.groups >= 0) & target[np.maximum(v.groups, 0)]
    w_model = np.where(cell_in, s.w, 0.0)
    red = reduce_problem(s.M, w_model, groups=np.where(cell_in, v.groups, -1), cost=s.cost)
    s.timings["reduce"] = red.seconds
    t = time.perf_counter()
    index = np.flatnonzero(target).astype(np.int64)
    renum = np.full(v.count, -1, dtype=np.int64)
    renum[index] = np.arange(index.size)
    assert red.groups is not None
    group = renum[red.groups]
    order = np.argsort(group, kind="stable")
    v_ptr = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=index.size))])
    vm = _VillageModel(
        index=index,
        group=group,
        need=need[index],
        u=v.weights[index],
        v_ptr=v_ptr.astype(np.int64),
        v_rows=order.astype(np.int64),
    )
    k = _Kernel.of(red)
    picks = vm.greedy(k, n_sites)
    g_value = s.evaluate(red.candidates[picks]).villages
    greedy = _greedy_plan(s, red.candidates[picks], g_value)
    s.timings["greedy"] = time.perf_counter() - t
    # Simple bound: every fixed village is served by a chosen site, so the N sites serving the
    # most village weight bound the plan.
    simple_bound = 0.0
    if index.size:
        owner = np.repeat(np.arange(red.n_kept), np.diff(red.matrix.indptr))
        touch = sp.csr_array(
            (np.ones(red.matrix.nnz), (owner, group[red.matrix.indices])),
            shape=(red.n_kept, index.size),
        )
        touch.sum_duplicates()
        served = np.sort(np.asarray((touch > 0).astype(np.float64) @ vm.u))[::-1]
        simple_bound = min(float(vm.u.sum()), float(served[:n_sites].sum()))
    integral = bool(np.all(vm.u == np.round(vm.u)))

    def done(status: PlanStatus, chosen: NDArray[np.int64], bound: float, msg: str) -> PlanResult:
        chosen = _prune_villages(vm, red, chosen)
        allowed = np.zeros(k.n, dtype=np.bool_)
        allowed[chosen] = True
        ranked = vm.greedy(k, chosen.size, allowed)
        # Sites without village score (partial progress only) keep their place at the end.
        rest = np.setdiff1d(chosen, ranked)
        full = np.concatenate([ranked, _rank_demand(k, red, rest), rest])
        _, first = np.unique(full, return_index=True)
        full = full[np.sort(first)]
        return _result(
            s,
            problem="max_covering",
            kind="villages",
            status=status,
            order=red.candidates[full],
            bound=bound,
            greedy=greedy,
            red=red,
            message=msg,
            n_sites=n_sites,
        )

    if index.size == 0 or g_value >= simple_bound * (1 - _REL_TOL) or n_sites >= red.n_kept:
        chosen = np.arange(red.n_kept) if n_sites >= red.n_kept else picks
        return done(
            "optimal",
            chosen,
            s.evaluate(red.candidates[chosen]).villages,
            "solved without the solver",
        )
    left = _time_left(s, time_limit_s)
    if left < _MIN_SOLVE_S:
        return done("time_limit", picks, simple_bound, "time limit reached before the solver")

    n, p = red.matrix.shape
    nv = index.size
    # Village rows: z_v - sum_{i in v} (w_i / d_v) y_i <= 0.
    V = sp.csr_array(
        (-red.weights / vm.need[group], (group, np.arange(p))), shape=(nv, p), dtype=np.float64
    )
    top = sp.hstack([_coverage_rows(red.matrix), sp.csr_array((p, nv))], format="csr")
    mid = sp.hstack([sp.csr_array((nv, n)), V, sp.eye_array(nv, format="csr")], format="csr")
    budget = sp.csr_array(np.concatenate([np.ones(n), np.zeros(p + nv)])[None, :])
    rows = sp.csr_array(sp.vstack([top, mid, budget], format="csr"))
    start = np.zeros(n + p + nv)
    start[picks] = 1.0
    start[n : n + p] = _covered_rows(red, picks)
    got = np.bincount(group, weights=red.weights * start[n : n + p], minlength=nv)
    start[n + p :] = (got >= vm.need).astype(np.float64)
    out = _run_highs(
        maximise=True,
        col_cost=np.concatenate([np.zeros(n + p), vm.u]),
        integer=np.concatenate([np.ones(n, bool), np.zeros(p, bool), np.ones(nv, bool)]),
        rows=rows,
        row_lower=np.full(p + nv + 1, -np.inf),
        row_upper=np.concatenate([np.zeros(p + nv), [float(n_sites)]]),
        start=start,
        time_limit_s=left,
        gap=gap,
    )
    s.timings["mip"] = out.seconds
    chosen = picks
    if out.x is not None:
        mip = np.flatnonzero(out.x[:n] > 0.5)
        if mip.size <= n_sites and s.evaluate(red.candidates[mip]).villages >= g_value:
            chosen = mip
    bound = simple_bound
    if math.isfinite(out.dual_bound):
        db = out.dual_bound
        bound = min(bound, float(math.floor(db + 1e-6)) if integral else db)
    return done(out.status, chosen, bound, _message(out))


# --------------------------------------------------------------------------------------------
# Partial set cover
# --------------------------------------------------------------------------------------------


def set_cover(
    A: Any,
    weights: ArrayLike,
    target_share: float,
    *,
    share_of: ShareOf = "coverable",
    villages: Villages | None = None,
    cost: ArrayLike | None = None,
    time_limit_s: float = 60.0,
    gap: float = 1e-3,
) -> PlanResult:
    """The fewest new sites that cover ``target_share`` of the demand (partial set cover).

    .. math:: \\min \\sum_j x_j \\;\\text{s.t.}\\; \\sum_i w_i y_i \\ge t\\,W,\\;
              y_i \\le \\sum_{j \\ni i} x_j,\\; x \\in \\{0,1\\},\\; 0 \\le y \\le 1

    **What is reachable.**  Demand that no candidate serves cannot be covered by any plan; it is
    reported apart (:attr:`PlanResult.uncoverable`, "needs another kind of solution").  With
    ``share_of="coverable"`` (the default) ``W`` is the demand some candidate reaches, so every
    target up to 1 is reachable (1 = build until all coverable demand is served).  With
    ``share_of="total"`` ``W`` is all the demand given, and a target above the coverable share
    is unreachable: the result then has status ``unreachable`` and no sites.

    Solved after :func:`reduce_problem` by maximal covering decisions: from the greedy plan
    (the baseline, also returned) fewer sites are sought by swaps, then "can ``k - 1`` sites
    reach the target?" is answered by :func:`max_covering`'s machinery (bounds, fixing, MIP of
    the rest by HiGHS) until the answer is no (``k`` is optimal) or time runs out (the bound is
    then improved by bisection on the LP bounds).  The MIP above is what is solved, through
    these decisions; at province scale the direct partial set cover LP alone takes HiGHS more
    than a minute.

    Parameters
    ----------
    A
        Coverage, candidates x demand cells (scipy sparse or 2-D array; nonzero = served).
    weights
        Demand of each cell (``>= 0``).
    target_share
        Share of the demand to cover, ``0 <= target_share <= 1``.
    share_of
        ``"coverable"`` or ``"total"`` (see above).
    villages
        Optional :class:`Villages`, for the figures (villages fixed).
    cost
        Per-candidate cost, carried to :attr:`PlanResult.cost`.
    time_limit_s, gap
        As for :func:`max_covering`.

    Returns
    -------
    PlanResult
        ``objective`` is the number of sites; ``bound`` a proven lower bound on it.
    """
    if not (0.0 <= target_share <= 1.0):
        raise SettingsError(
            f"target_share must be a share in [0, 1] (0.95 = 95 %), got {target_share!r}",
            fields=("target_share",),
        )
    if share_of not in ("coverable", "total"):
        raise SettingsError(
            f"share_of must be 'coverable' or 'total', got {share_of!r}", fields=("share_of",)
        )
    s = _setup(A, weights, villages, cost, time_limit_s, gap)
    _highspy()
    red = reduce_problem(s.M, s.w, cost=s.cost)
    s.timings["reduce"] = red.seconds
    base = s.coverable_demand if share_of == "coverable" else s.total_demand
    required = target_share * base - _REL_TOL * base
    t = time.perf_counter()
    k = _Kernel.of(red)

    def done(
        status: PlanStatus,
        chosen: NDArray[np.int64],
        bound: float,
        msg: str,
        greedy: GreedyPlan,
    ) -> PlanResult:
        order = red.candidates[_rank_demand(k, red, chosen)]
        return _result(
            s,
            problem="set_cover",
            kind="sites",
            status=status,
            order=order,
            bound=bound,
            greedy=greedy,
            red=red,
            message=msg,
            target_share=target_share,
        )

    none = np.zeros(0, dtype=np.int64)
    if required > s.coverable_demand:
        empty = GreedyPlan(none, np.zeros(0), np.zeros(0), math.nan)
        return done(
            "unreachable",
            none,
            math.inf,
            f"target {target_share:.1%} of the total demand is unreachable: candidates reach "
            f"only {_share(s.coverable_demand, s.total_demand):.1%} of it; the rest needs another "
            "kind of solution",
            empty,
        )
    picks, _ = k.demand(stop_at=max(required, 0.0))
    greedy = _greedy_plan(s, red.candidates[picks], float(picks.size))
    s.timings["greedy"] = time.perf_counter() - t
    single = np.sort(np.asarray(red.matrix @ red.weights, dtype=np.float64))[::-1]
    simple_bound = float(np.searchsorted(np.cumsum(single), required, side="left") + 1)
    simple_bound = 0.0 if required <= 0 else min(simple_bound, float(picks.size))
    if picks.size <= simple_bound:
        return done(
            "optimal", picks, simple_bound, "the greedy plan meets the simple bound", greedy
        )
    # Fewer sites by the heuristics: while greedy + swaps with one site less still reach the
    # target, take that plan.
    best = picks
    tol = _REL_TOL * float(red.weights.sum())
    while best.size - 1 >= simple_bound:
        g, _ = k.demand(max_picks=best.size - 1)
        trial = _swap_demand(
            k.c_ptr, k.c_idx, k.r_ptr, k.r_idx, k.w, g, max(10, 4 * g.size), tol
        ).astype(np.int64)
        if _covered_weight(red, trial) < required:
            break
        best = trial
    s.timings["local_search"] = time.perf_counter() - t
    # Then prove it, or find fewer: can best.size - 1 sites reach the target?  That is a
    # maximal covering decision (its optimum with k sites >= the required demand).
    lower = simple_bound
    status: PlanStatus = "optimal"
    message = "the plan meets the simple bound"
    cost_red = None if s.cost is None else s.cost[red.candidates]
    while best.size > lower:
        n_try = best.size - 1
        if _time_left(s, time_limit_s) < _MIN_SOLVE_S:
            status, message = "time_limit", "time limit reached"
            break
        start, _ = k.demand(max_picks=n_try)
        single_bound = min(float(single[:n_try].sum()), float(red.weights.sum()))
        sol = _solve_max_cover(
            red,
            k,
            n_try,
            start,
            single_bound,
            gap=gap,
            # Leave a part of the time to bound the number of sites if this is undecided.
            deadline=time.perf_counter() + 0.6 * _time_left(s, time_limit_s),
            cost=cost_red,
            decide=required,
        )
        for key, v in sol.timings.items():
            s.timings[key] = s.timings.get(key, 0.0) + v
        s.extra.update(sol.sizes)
        if sol.value >= required:
            best = sol.chosen
            message = f"{n_try} sites reach the target ({sol.message})"
        elif sol.bound < required:
            lower = float(best.size)
            message = f"{n_try} sites cannot reach the target ({sol.message})"
        else:
            status = "time_limit" if sol.status == "time_limit" else sol.status
            message = f"undecided whether {n_try} sites reach the target ({sol.message})"
            lower = _cover_lower_bound(red, k, single, required, lower, n_try, s, time_limit_s)
            break
    return done(status, best, min(lower, float(best.size)), message, greedy)


def _cover_lower_bound(
    red: ReducedProblem,
    k: _Kernel,
    single: NDArray[np.float64],
    required: float,
    lower: float,
    upper: int,
    s: _Setup,
    time_limit_s: float,
) -> float:
    """A better lower bound on the sites needed, by bisection on ``lower .. upper``: ``n`` sites
    are too few when the maximal covering bound with ``n`` sites (simple, Lagrangian and LP,
    no MIP) is below the required demand.  Stops at the time limit."""
    lo, hi = int(lower), upper  # lo sites may suffice; hi sites are undecided
    while lo < hi and _time_left(s, time_limit_s) >= _MIN_SOLVE_S:
        mid = (lo + hi) // 2
        if mid < 1:
            lo = 1
            continue
        start, _ = k.demand(max_picks=mid)
        sol = _solve_max_cover(
            red,
            k,
            mid,
            start,
            min(float(single[:mid].sum()), float(red.weights.sum())),
            gap=0.0,
            deadline=min(
                s.t0 + time_limit_s, time.perf_counter() + 0.25 * _time_left(s, time_limit_s)
            ),
            cost=None,
            decide=required,
            solve_mip=False,
        )
        if sol.bound < required:
            lo = mid + 1  # mid sites are too few
        else:
            hi = mid
    return float(lo)
