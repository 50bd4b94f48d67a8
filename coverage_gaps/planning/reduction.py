"""Reduction of a covering problem to the one handed to the solver, without changing its optimum.

:func:`reduce_problem` leaves out demand no candidate reaches, merges demand cells served by
the same candidates (:func:`identical_columns`) and drops candidates dominated by another,
until nothing changes.  :func:`as_matrix`, :func:`as_weights` and :func:`as_cost` check and
coerce the arrays every function of the planning core takes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numba import njit
from numpy.typing import ArrayLike, NDArray

from coverage_gaps.errors import InputError

__all__ = [
    "ReducedProblem",
    "as_cost",
    "as_matrix",
    "as_weights",
    "identical_columns",
    "reduce_problem",
]


def as_matrix(A: Any, n_demand: int | None = None) -> sp.csr_array:
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


def as_weights(weights: ArrayLike) -> NDArray[np.float64]:
    """``weights`` as a 1-D float array, each finite and ``>= 0`` (else an ``InputError``)."""
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


def as_cost(cost: ArrayLike | None, n: int) -> NDArray[np.float64]:
    """``cost`` as one finite float per candidate (zeros when ``None``)."""
    if cost is None:
        return np.zeros(n)
    c = np.asarray(cost, dtype=np.float64)
    if c.shape != (n,) or not np.isfinite(c).all():
        raise InputError(
            None, f"cost must hold one finite number per candidate ({n}), got shape {c.shape}"
        )
    return c


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
    w = as_weights(weights)
    M = as_matrix(A, w.size)
    n, m = M.shape
    c = as_cost(cost, n)
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
        rows, first = identical_columns(B, rg)
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


def identical_columns(
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
