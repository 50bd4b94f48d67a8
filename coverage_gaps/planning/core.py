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

The pieces live in one module each: :mod:`~coverage_gaps.planning.reduction` (step 1),
:mod:`~coverage_gaps.planning.greedy` (the greedy, the swaps and the Lagrangian bound of steps 2
and 3, compiled kernels behind :class:`~coverage_gaps.planning.greedy.GreedyKernel`) and
:mod:`~coverage_gaps.planning.highs` (every call of HiGHS); this module holds the two
programmes, their checks and their answer.

The geographical wrapper (demand cells from an analysis, candidate sites, their coverage from
the run's coverage models) builds ``A`` and calls these functions, in the manner of
``spopt``'s ``from_cost_matrix`` core under ``from_geodataframe``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from coverage_gaps.errors import InputError, SettingsError
from coverage_gaps.planning.greedy import REL_TOL, GreedyKernel, VillageModel
from coverage_gaps.planning.highs import (
    ABS_GAP,
    INSTALL_HINT,
    MIN_SOLVE_S,
    MipOutcome,
    PlanStatus,
    coverage_rows,
    interrupt_at,
    require_highspy,
    run_highs,
)
from coverage_gaps.planning.reduction import (
    ReducedProblem,
    as_cost,
    as_matrix,
    as_weights,
    reduce_problem,
)

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
#: What :func:`set_cover`'s ``target_share`` is a share of: the demand some candidate can reach
#: (``coverable``), or all the demand given (``total``).
ShareOf = Literal["coverable", "total"]


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
        return self.threshold * totals - self.covered_before - REL_TOL * totals


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
    if diff <= REL_TOL * max(abs(objective), abs(bound), 1.0):
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
    w = as_weights(weights)
    M = as_matrix(A, w.size)
    c = None if cost is None else as_cost(cost, M.shape[0])
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


def _rank_demand(
    k: GreedyKernel, red: ReducedProblem, picks: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Reduced candidates ``picks`` in order of marginal demand; those adding nothing dropped."""
    if picks.size == 0:
        return picks
    allowed = np.zeros(k.n, dtype=np.bool_)
    allowed[picks] = True
    order, _ = k.demand(allowed=allowed)
    return order.astype(np.int64)


def _prune_villages(
    vm: VillageModel, red: ReducedProblem, picks: NDArray[np.int64]
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
    require_highspy()  # fail early, before any work, when the solver is missing
    if objective == "villages":
        return _max_villages(s, n_sites, time_limit_s, gap)

    red = reduce_problem(s.M, s.w, cost=s.cost)
    s.timings["reduce"] = red.seconds
    t = time.perf_counter()
    k = GreedyKernel.of(red)
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
    highspy = require_highspy()
    sub = reduce_problem(sp.csr_array(red.matrix[C]), red.weights)
    W = float(red.weights.sum())
    n, p = sub.matrix.shape
    r = sub.row_of_cell
    if n <= n_sites:
        lam = np.where(r >= 0, 0.0, red.weights)
        return lam, C[sub.candidates].astype(np.int64)
    budget = sp.csr_array(np.concatenate([np.ones(n), np.zeros(p)])[None, :])
    R = sp.csr_array(sp.vstack([coverage_rows(sub.matrix), budget], format="csr"))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit_s), 0.01))
    interrupt_at(h, time.perf_counter() + max(float(time_limit_s), 0.01))
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
    k: GreedyKernel,
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

    1. The start is improved by swaps (:meth:`.GreedyKernel.swap`).
    2. The Lagrangian bound (:meth:`.GreedyKernel.lagrangian`) may prove it within ``gap``;
       else it fixes candidates in and out, against a target of the incumbent x (1 + gap / 2).
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
    tol = REL_TOL * W
    t = time.perf_counter()
    rounds = max(10, 4 * n_sites)
    inc = k.swap(start, rounds, tol)
    value = _covered_weight(red, inc)
    timings["local_search"] = time.perf_counter() - t

    def proven(b: float) -> bool:
        if decide is not None and (value >= decide or b < decide):
            return True
        return b - value <= gap * value + ABS_GAP * W

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
        better = k.swap(plan.astype(np.int64), rounds, tol)
        v = _covered_weight(red, better)
        if v > value + tol:
            inc, value = better, v

    def lagrangian(
        lam0: NDArray[np.float64], mu0: float, iters: int
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Run the Lagrangian kernel from ``lam0``; keep its bound and its fixings (every
        fixing is justified below its own target, which is at most the current one)."""
        nonlocal bound, justified
        lag = k.lagrangian(n_sites, target(), iters, lam0, mu0)
        bound = min(bound, lag.bound)
        fix_out[:] |= lag.fixed_out
        fix_in[:] |= lag.fixed_in
        justified = max(justified, lag.justified)
        return lag.lam, lag.plan

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
    if left < MIN_SOLVE_S:
        return _CoverSolution(
            inc, value, bound, "time_limit", "time limit reached before the solver", timings, sizes
        )
    k2 = GreedyKernel.of(red2)
    g2, _ = k2.demand(max_picks=n2)
    warm = k2.swap(g2, rounds, tol)
    n, p = red2.matrix.shape
    budget = sp.csr_array(np.concatenate([np.ones(n), np.zeros(p)])[None, :])
    rows = sp.csr_array(sp.vstack([coverage_rows(red2.matrix), budget], format="csr"))
    x0 = np.zeros(n + p)
    x0[warm] = 1.0
    x0[n:] = _covered_rows(red2, warm)
    out = run_highs(
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


def _message(out: MipOutcome) -> str:
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
    vm = VillageModel(
        index=index,
        group=group,
        need=need[index],
        u=v.weights[index],
        v_ptr=v_ptr.astype(np.int64),
        v_rows=order.astype(np.int64),
    )
    k = GreedyKernel.of(red)
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

    if index.size == 0 or g_value >= simple_bound * (1 - REL_TOL) or n_sites >= red.n_kept:
        chosen = np.arange(red.n_kept) if n_sites >= red.n_kept else picks
        return done(
            "optimal",
            chosen,
            s.evaluate(red.candidates[chosen]).villages,
            "solved without the solver",
        )
    left = _time_left(s, time_limit_s)
    if left < MIN_SOLVE_S:
        return done("time_limit", picks, simple_bound, "time limit reached before the solver")

    n, p = red.matrix.shape
    nv = index.size
    # Village rows: z_v - sum_{i in v} (w_i / d_v) y_i <= 0.
    V = sp.csr_array(
        (-red.weights / vm.need[group], (group, np.arange(p))), shape=(nv, p), dtype=np.float64
    )
    top = sp.hstack([coverage_rows(red.matrix), sp.csr_array((p, nv))], format="csr")
    mid = sp.hstack([sp.csr_array((nv, n)), V, sp.eye_array(nv, format="csr")], format="csr")
    budget = sp.csr_array(np.concatenate([np.ones(n), np.zeros(p + nv)])[None, :])
    rows = sp.csr_array(sp.vstack([top, mid, budget], format="csr"))
    start = np.zeros(n + p + nv)
    start[picks] = 1.0
    start[n : n + p] = _covered_rows(red, picks)
    got = np.bincount(group, weights=red.weights * start[n : n + p], minlength=nv)
    start[n + p :] = (got >= vm.need).astype(np.float64)
    out = run_highs(
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
    require_highspy()
    red = reduce_problem(s.M, s.w, cost=s.cost)
    s.timings["reduce"] = red.seconds
    base = s.coverable_demand if share_of == "coverable" else s.total_demand
    required = target_share * base - REL_TOL * base
    t = time.perf_counter()
    k = GreedyKernel.of(red)

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
    tol = REL_TOL * float(red.weights.sum())
    while best.size - 1 >= simple_bound:
        g, _ = k.demand(max_picks=best.size - 1)
        trial = k.swap(g, max(10, 4 * g.size), tol)
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
        if _time_left(s, time_limit_s) < MIN_SOLVE_S:
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
    k: GreedyKernel,
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
    while lo < hi and _time_left(s, time_limit_s) >= MIN_SOLVE_S:
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
