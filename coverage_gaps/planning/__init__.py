"""Planning new sites: which candidates to build to light the most dark demand or villages.

:mod:`coverage_gaps.planning.core` is the optimisation core on plain arrays (a coverage matrix
of candidates x demand cells, and the cells' weights); it needs the optional solver
(``pip install 'coverage-gaps[plan]'``) only when a function is called, and is built from
:mod:`~coverage_gaps.planning.reduction`, :mod:`~coverage_gaps.planning.greedy` and
:mod:`~coverage_gaps.planning.highs`.
:mod:`coverage_gaps.planning.geo` builds those arrays from an analysed area (its dark demand,
candidate sites on grid-powered land and existing masts, their coverage by the run's own
model) and reads the answer back (:func:`plan_area`); :mod:`coverage_gaps.planning.outputs`
writes the plan's files and :func:`coverage_gaps.planning.runner.plan` is the command.
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
from coverage_gaps.planning.geo import (
    AreaDemand,
    AreaPlan,
    area_demand,
    candidate_model,
    candidate_sites,
    coverage_matrix,
    plan_area,
)

__all__ = [
    "INSTALL_HINT",
    "AreaDemand",
    "AreaPlan",
    "GreedyPlan",
    "Objective",
    "PlanResult",
    "PlanStatus",
    "Problem",
    "ReducedProblem",
    "ShareOf",
    "Villages",
    "area_demand",
    "candidate_model",
    "candidate_sites",
    "coverage_matrix",
    "max_covering",
    "plan_area",
    "reduce_problem",
    "set_cover",
]
