"""Planning new sites: which candidates to build to light the most dark demand or villages.

:mod:`coverage_gaps.planning.core` is the optimisation core on plain arrays (a coverage matrix
of candidates x demand cells, and the cells' weights); it needs the optional solver
(``pip install 'coverage-gaps[plan]'``) only when a function is called.
"""

from coverage_gaps.planning.core import (
    INSTALL_HINT,
    GreedyPlan,
    Objective,
    PlanResult,
    PlanStatus,
    Problem,
    ReducedProblem,
    ShareOf,
    Villages,
    max_covering,
    reduce_problem,
    set_cover,
)

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
