"""Coverage models: which analysis-grid cells each operator serves.

``models``       the registry :data:`MODELS`, the :class:`CoverageModel` protocol and
                 :func:`coverage_on_grid`
``base``         the :class:`Emitters` and :class:`CoverageResult` every model shares
``discs``        the disc (range) model: a site covers a disc of its range
``propagation``  path-loss formulas (free space, Okumura-Hata / COST-231, 3GPP above 2 GHz)
``linkbudget``   per-radio link-budget parameters and their TOML overrides
``terrain``      line of sight and the Longley-Rice terrain sweep over an elevation model
``longley_rice`` ITM 1.2.2's attenuation from path parameters (numba, used by the sweep)
``itm``          Longley-Rice itself through itmlogic (``--model itm``, optional extra)
``validation``   the terrain model against ITM on real or fractal relief
``signal``       best-server received signal on the grid from the above
"""

from coverage_gaps.coverage.base import CoverageResult, Emitters
from coverage_gaps.coverage.discs import DiscModel, disc_coverage, disc_radii
from coverage_gaps.coverage.linkbudget import (
    LinkBudget,
    RadioParams,
    default_link_budget,
    load_link_budget,
)
from coverage_gaps.coverage.models import (
    MODELS,
    CoverageModel,
    ModelSpec,
    coverage_on_grid,
    make_coverage_model,
    sample_to_grid,
)
from coverage_gaps.coverage.signal import PropagationModel, predict_coverage
from coverage_gaps.coverage.terrain import viewshed

__all__ = [
    "MODELS",
    "CoverageModel",
    "CoverageResult",
    "DiscModel",
    "Emitters",
    "LinkBudget",
    "ModelSpec",
    "PropagationModel",
    "RadioParams",
    "coverage_on_grid",
    "default_link_budget",
    "disc_coverage",
    "disc_radii",
    "load_link_budget",
    "make_coverage_model",
    "predict_coverage",
    "sample_to_grid",
    "viewshed",
]
