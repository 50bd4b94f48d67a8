"""The planning core's HiGHS interface: a 0-1 programme solved from a warm start.

HiGHS (``highspy``) is the optional extra ``plan``; it is imported by :func:`require_highspy`
when a solve begins, never at import.  :func:`run_highs` solves one model and checks that the
values HiGHS hands back match the objective it reports; :func:`coverage_rows` writes the rows
that tie a demand row's coverage to the candidates that serve it, the rows every covering
programme of :mod:`coverage_gaps.planning.core` shares.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from coverage_gaps.errors import SettingsError

__all__ = [
    "ABS_GAP",
    "INSTALL_HINT",
    "MIN_SOLVE_S",
    "MipOutcome",
    "PlanStatus",
    "coverage_rows",
    "interrupt_at",
    "require_highspy",
    "run_highs",
]

logger = logging.getLogger(__name__)

#: How the solve ended.  ``optimal``: proven within the requested gap (or solved outright by the
#: reduction); ``time_limit``: stopped at the time limit with the best plan found and a bound;
#: ``interrupted``: HiGHS stopped for another limit; ``unreachable``: no set of candidates reaches
#: the target of :func:`set_cover`; ``solver_error``: HiGHS failed, the greedy plan is returned.
PlanStatus = Literal["optimal", "time_limit", "interrupted", "unreachable", "solver_error"]

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

#: Absolute optimality gap, as a share of the demand in the model (HiGHS's ``mip_abs_gap`` on the
#: objective, which is scaled to that share).
ABS_GAP = 1e-7
#: Below this much time left HiGHS is not started and the greedy plan is returned.
MIN_SOLVE_S = 0.25


def require_highspy() -> Any:
    """The ``highspy`` module, or a :class:`~coverage_gaps.errors.SettingsError` saying how to
    install it (its banner is logged, see :func:`_capture_banner`)."""
    try:
        import highspy
    except ImportError as exc:
        raise SettingsError(
            "planning new sites needs the HiGHS solver, which is not installed: "
            f"{INSTALL_HINT} (or pip install highspy)"
        ) from exc
    _capture_banner(highspy)
    return highspy


@functools.cache
def _capture_banner(highspy: Any) -> None:
    """Make the process's first HiGHS solver with file descriptor 1 sent to a temporary file,
    and log what HiGHS printed there (its version banner) at info level (``-v`` shows it).

    HiGHS writes its banner straight to the process's stdout when the first solver is made;
    the caller's stdout may carry their own output (the CLI's summary table, a library user's
    CSV), and an official who asked for ``-q`` wants no solver's copyright lines on stderr
    either."""
    import tempfile

    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no real stdout (an embedding)
        highspy.Highs()
        return
    with tempfile.TemporaryFile() as sink:
        try:
            os.dup2(sink.fileno(), 1)
            highspy.Highs()
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
        sink.seek(0)
        banner = sink.read().decode("utf-8", "replace").strip()
    if banner:
        logger.info("%s", " ".join(banner.split()))


@dataclass(frozen=True)
class MipOutcome:
    """What one :func:`run_highs` returned.

    Attributes
    ----------
    x
        The values of the columns, ``None`` when HiGHS gave none (or none matching ``primal``).
    status
        How the solve ended (:data:`PlanStatus`).
    primal, dual_bound
        The objective of ``x`` as HiGHS reports it, and its proven bound.
    nodes, seconds
        Branch-and-bound nodes, and the wall time of the solve.
    warm_start_accepted
        Whether HiGHS took the start as a feasible solution.
    resolved
        Whether the model was solved again without the start (see :func:`run_highs`).
    """

    x: NDArray[np.float64] | None
    status: PlanStatus
    primal: float
    dual_bound: float
    nodes: int
    seconds: float
    warm_start_accepted: bool
    resolved: bool = False


def run_highs(
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
) -> MipOutcome:
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
        if left >= MIN_SOLVE_S:
            again = _highs_once(
                maximise, col_cost, integer, R, row_lower, row_upper, None, left, gap, offset
            )
            if again.x is not None and _consistent(col_cost, offset, again):
                return dataclasses.replace(again, resolved=True, seconds=time.perf_counter() - t0)
        # Keep HiGHS's bound, but not values that do not match it: the caller uses the start.
        out = dataclasses.replace(out, x=None, resolved=True)
    return dataclasses.replace(out, seconds=time.perf_counter() - t0)


def interrupt_at(h: Any, deadline: float) -> None:
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


def _consistent(col_cost: NDArray[np.float64], offset: float, out: MipOutcome) -> bool:
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
) -> MipOutcome:
    highspy = require_highspy()
    t0 = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("mip_abs_gap", ABS_GAP)
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
        return MipOutcome(None, "solver_error", math.nan, math.nan, 0, 0.0, False)
    accepted = start is not None and (
        h.setSolution(nc, np.arange(nc, dtype=np.int32), np.asarray(start, dtype=np.float64))
        == highspy.HighsStatus.kOk
    )
    interrupt_at(h, t0 + time_limit_s)
    h.run()
    ours = _HIGHS_STATUS.get(h.getModelStatus().name, "solver_error")
    if ours == "interrupted" and time.perf_counter() > t0 + time_limit_s:
        ours = "time_limit"  # our deadline interrupt
    info = h.getInfo()
    sol = h.getSolution()
    x = np.asarray(sol.col_value, dtype=np.float64) if sol.value_valid else None
    return MipOutcome(
        x=x,
        status=ours,
        primal=float(info.objective_function_value),
        dual_bound=float(info.mip_dual_bound),
        nodes=int(info.mip_node_count),
        seconds=time.perf_counter() - t0,
        warm_start_accepted=accepted,
    )


def coverage_rows(B: sp.csr_array) -> sp.csr_array:
    """Rows ``y_i - sum_{j serves i} x_j <= 0`` for columns ``[x (n), y (rows)]``."""
    p = B.shape[1]
    Bt = sp.csr_array(B.T, dtype=np.float64)
    return sp.csr_array(sp.hstack([-Bt, sp.eye_array(p, format="csr")], format="csr"))
