"""The greedy heuristics and the Lagrangian bound of the planning core, on a reduced problem.

:class:`GreedyKernel` holds a :class:`~coverage_gaps.planning.reduction.ReducedProblem` in the
two sparse layouts the compiled kernels walk (candidates' rows and rows' candidates) and is
their typed face: :meth:`GreedyKernel.demand` (greedy maximal covering),
:meth:`GreedyKernel.swap` (improvement by swaps) and :meth:`GreedyKernel.lagrangian` (the
Lagrangian bound and the candidates it fixes).  :class:`VillageModel` is the villages
objective's greedy on the same layouts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from coverage_gaps.errors import SettingsError
from coverage_gaps.planning.reduction import ReducedProblem

__all__ = ["REL_TOL", "GreedyKernel", "LagrangianBound", "VillageModel"]

#: Two quantities of demand are equal when they differ by less than this share of the total
#: (sums of float weights are not exact).  The same rule decides everywhere whether a target is
#: reached or a village fixed: the greedy, the programme and the evaluation of the answer.
REL_TOL = 1e-9


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
def _lagrangian(
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
class GreedyKernel:
    """The reduced problem in the two layouts the greedy kernels walk.

    Attributes
    ----------
    c_ptr, c_idx
        Each candidate's demand rows (CSR of the reduced matrix).
    r_ptr, r_idx
        Each demand row's candidates (its CSC, indices sorted).
    w
        The weight of each demand row.
    """

    c_ptr: NDArray[np.int64]
    c_idx: NDArray[np.int64]
    r_ptr: NDArray[np.int64]
    r_idx: NDArray[np.int64]
    w: NDArray[np.float64]

    @classmethod
    def of(cls, red: ReducedProblem, w: NDArray[np.float64] | None = None) -> GreedyKernel:
        """The kernel of ``red``, with its row weights or ``w``."""
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
        """The number of candidates."""
        return int(self.c_ptr.size - 1)

    def demand(
        self,
        *,
        allowed: NDArray[np.bool_] | None = None,
        initial: NDArray[np.int64] | None = None,
        max_picks: int | None = None,
        stop_at: float = math.inf,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Greedy maximal covering: the picks in order, and the weight each added.

        Starts from ``initial``, picks only ``allowed`` candidates, and stops after
        ``max_picks`` picks or once the covered weight reaches ``stop_at``."""
        tol = REL_TOL * float(self.w.sum())
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

    def swap(self, chosen: NDArray[np.int64], max_rounds: int, tol: float) -> NDArray[np.int64]:
        """``chosen`` improved by swaps: while trading a chosen candidate for another covers
        more than ``tol`` more weight, the best such trade is made (at most ``max_rounds``)."""
        return _swap_demand(
            self.c_ptr,
            self.c_idx,
            self.r_ptr,
            self.r_idx,
            self.w,
            np.asarray(chosen, dtype=np.int64),
            int(max_rounds),
            float(tol),
        ).astype(np.int64)

    def lagrangian(
        self,
        n_sites: int,
        target: float,
        max_iter: int,
        lam0: NDArray[np.float64],
        mu0: float,
    ) -> LagrangianBound:
        """The Lagrangian bound of maximal covering with ``n_sites`` sites, from multipliers
        ``lam0`` (one per row, ``0 <= lam0 <= w``) and step scale ``mu0``, after at most
        ``max_iter`` subgradient steps towards ``target``; with the candidates it fixes in and
        out against ``target`` (see :class:`LagrangianBound`)."""
        if lam0.shape != self.w.shape:
            raise SettingsError(
                f"lam0 must hold one multiplier per demand row ({self.w.size}), got shape "
                f"{lam0.shape}",
                fields=("lam0",),
            )
        bound, out, into, just, lam, plan = _lagrangian(
            self.c_ptr,
            self.c_idx,
            self.w,
            int(n_sites),
            float(target),
            int(max_iter),
            np.asarray(lam0, dtype=np.float64),
            float(mu0),
        )
        return LagrangianBound(
            bound=float(bound),
            fixed_out=out,
            fixed_in=into,
            justified=float(just[0]),
            lam=lam,
            plan=plan.astype(np.int64),
        )


@dataclass(frozen=True)
class LagrangianBound:
    """What :meth:`GreedyKernel.lagrangian` found.

    Attributes
    ----------
    bound
        The best (smallest) upper bound on the optimum, valid for any multipliers.
    fixed_out, fixed_in
        Candidates every plan worth ``target`` or more leaves out, and takes.
    justified
        The largest bound that justified a fixing: a plan that breaks a fixing is worth at most
        this much.
    lam
        The multipliers of the best bound.
    plan
        The best plan among the top ``n_sites`` candidates of every step's multipliers.
    """

    bound: float
    fixed_out: NDArray[np.bool_]
    fixed_in: NDArray[np.bool_]
    justified: float
    lam: NDArray[np.float64]
    plan: NDArray[np.int64]


@dataclass(frozen=True)
class VillageModel:
    """The villages objective on the reduced problem: rows grouped by (dark, fixable) village,
    villages renumbered ``0 .. k - 1``.

    Attributes
    ----------
    index
        The input index of each village of the model.
    group
        The model village of each reduced row.
    need
        The demand each village still needs covered to be fixed.
    u
        The weight of each village.
    v_ptr, v_rows
        Each village's rows (CSR).
    """

    index: NDArray[np.int64]  # input index of each village of the model
    group: NDArray[np.int64]  # model village of each reduced row
    need: NDArray[np.float64]
    u: NDArray[np.float64]
    v_ptr: NDArray[np.int64]
    v_rows: NDArray[np.int64]

    def greedy(
        self, k: GreedyKernel, max_picks: int, allowed: NDArray[np.bool_] | None = None
    ) -> NDArray[np.int64]:
        """Greedy for the villages objective: at most ``max_picks`` ``allowed`` candidates."""
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
