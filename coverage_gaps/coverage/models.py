"""Choose a coverage model from the run's options: ``disc`` or a propagation model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from coverage_gaps.coverage.base import CoverageResult, Emitters
from coverage_gaps.coverage.discs import disc_coverage
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.settings import CoverageOptions

#: ``f(emitters, grid, dem_on_grid_or_None) -> CoverageResult``
CoverageModel = Callable[[Emitters, AnalysisGrid, "np.ndarray | None"], CoverageResult]


def make_coverage_model(
    options: CoverageOptions, *, radio_params: str | Path | None = None
) -> CoverageModel:
    """The coverage function for ``options.model``.

    ``disc`` uses the range model's radii; ``free-space``, ``hata`` and ``terrain`` predict the
    received signal with the link budget (defaults, or the TOML file ``radio_params``).
    """
    if options.model == "disc":

        def disc(emitters: Emitters, grid: AnalysisGrid, dem: np.ndarray | None) -> CoverageResult:
            return disc_coverage(emitters, grid)

        return disc

    from coverage_gaps.coverage.linkbudget import default_link_budget, load_link_budget
    from coverage_gaps.coverage.signal import predict_coverage

    budget = load_link_budget(radio_params) if radio_params else default_link_budget()
    model = options.model

    def propagate(emitters: Emitters, grid: AnalysisGrid, dem: np.ndarray | None) -> CoverageResult:
        return predict_coverage(
            emitters,
            grid,
            model=model,
            link_budget=budget,
            environment=options.environment,
            dem=dem,
            max_range_m=options.max_range_m,
            k_factor=options.k_factor,
            per_operator=options.signal_per_operator,
        )

    return propagate


def sample_to_grid(
    result: CoverageResult, fine: AnalysisGrid, grid: AnalysisGrid
) -> CoverageResult:
    """A result computed on a ``fine`` grid that covers ``grid``, read at ``grid``'s cell
    centres: the same cell-centre rule the villages use."""
    xs, ys = grid.cell_centres()
    fc, fr = fine.to_colrow(xs, ys)
    cols = np.clip(np.floor(fc).astype(np.int64), 0, fine.width - 1)
    rows = np.clip(np.floor(fr).astype(np.int64), 0, fine.height - 1)

    def take(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else a[np.ix_(rows, cols)]

    by_radio = None
    if result.signal_by_radio is not None:
        by_radio = {k: v[np.ix_(rows, cols)] for k, v in result.signal_by_radio.items()}
    serving = take(result.serving)
    broadband = take(result.broadband)
    assert serving is not None and broadband is not None
    return CoverageResult(
        serving=serving,
        broadband=broadband,
        best_signal_dbm=take(result.best_signal_dbm),
        reach=take(result.reach),
        signal_by_radio=by_radio,
    )
