"""The registry of coverage models, and coverage of an analysis grid by one of them.

A coverage model is anything that satisfies :class:`CoverageModel`: it has a ``name``, says what
it needs (``needs_dem``) and how far a site can reach (``reach_m``), and turns emitters on a grid
into a :class:`~coverage_gaps.coverage.base.CoverageResult`.  :data:`MODELS` lists the models
the command line offers, each with what it needs; the runner asks the model's :class:`ModelSpec`
instead of testing its name.  A new model is one module plus one line in :data:`MODELS`::

    "itm": ModelSpec("itm", "Longley-Rice ITM ...", "coverage_gaps.coverage.itm:build",
                     needs_dem=True, uses_link_budget=True),
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from coverage_gaps.coverage.base import CoverageResult, Emitters
from coverage_gaps.grid import AnalysisGrid

if TYPE_CHECKING:
    from coverage_gaps.coverage.linkbudget import LinkBudget
    from coverage_gaps.io.sources import GridSource
    from coverage_gaps.settings import CoverageOptions

__all__ = [
    "MODELS",
    "CoverageModel",
    "ModelSpec",
    "coverage_on_grid",
    "make_coverage_model",
    "sample_to_grid",
    "terrain_grid",
]


class CoverageModel(Protocol):
    """What the pipeline needs of a coverage model."""

    @property
    def name(self) -> str:
        """The model's name in :data:`MODELS`."""
        ...

    @property
    def needs_dem(self) -> bool:
        """Whether the model must be given elevation on the grid."""
        ...

    @property
    def reach_m(self) -> float:
        """The farthest a site can serve under this model (metres): sites farther from an
        area's grid are left out of it."""
        ...

    def __call__(
        self,
        emitters: Emitters,
        grid: AnalysisGrid,
        dem: np.ndarray | None,
        *,
        where: np.ndarray | None = None,
    ) -> CoverageResult:
        """Coverage of ``grid`` by ``emitters`` (``dem``: elevation on ``grid`` or ``None``).

        ``where`` (bool, ``grid.shape``) marks the cells whose coverage matters (the villages'
        electrified cells); a model that computes every cell anyway may ignore it, a slow one
        (``itm``) computes only there and leaves the rest unserved with a NaN signal."""
        ...

    def working_bytes(self, emitters: Emitters, grid: AnalysisGrid) -> int:
        """About how many bytes a call on ``grid`` allocates (checked against the budget
        before the call)."""
        ...


@dataclass(frozen=True)
class ModelSpec:
    """One entry of the model registry.

    Attributes
    ----------
    name
        The name users choose (``--model``).
    summary
        One line for the command line's help.
    target
        ``"module:function"`` of the builder ``f(options, link_budget) -> CoverageModel``,
        imported when the model is built.
    needs_dem
        The model needs an elevation model (``--dem``).
    uses_link_budget
        The model predicts a received signal from the link budget (``--radio-params``).
    """

    name: str
    summary: str
    target: str
    needs_dem: bool = False
    uses_link_budget: bool = False

    @property
    def build(self) -> Callable[[CoverageOptions, LinkBudget | None], CoverageModel]:
        module, _, attr = self.target.partition(":")
        builder: Callable[[CoverageOptions, LinkBudget | None], CoverageModel] = getattr(
            importlib.import_module(module), attr
        )
        return builder


#: The coverage models, by name, in the order the command line lists them.
MODELS: Mapping[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "disc",
            "a disc of the range model around each site",
            "coverage_gaps.coverage.discs:build",
        ),
        ModelSpec(
            "free-space",
            "free-space loss, an upper bound",
            "coverage_gaps.coverage.signal:build",
            uses_link_budget=True,
        ),
        ModelSpec(
            "hata",
            "Okumura-Hata / COST-231 (3GPP TR 38.901 above 2.2 GHz)",
            "coverage_gaps.coverage.signal:build",
            uses_link_budget=True,
        ),
        ModelSpec(
            "terrain",
            "Longley-Rice terrain loss over --dem in one sweep per site, plus clutter",
            "coverage_gaps.coverage.signal:build",
            needs_dem=True,
            uses_link_budget=True,
        ),
        ModelSpec(
            "itm",
            "Longley-Rice ITM itself (itmlogic) at the villages' electrified cells; slow",
            "coverage_gaps.coverage.itm:build",
            needs_dem=True,
            uses_link_budget=True,
        ),
    )
}


def make_coverage_model(
    options: CoverageOptions, *, link_budget: LinkBudget | None = None
) -> CoverageModel:
    """The coverage model ``options.model`` describes.

    Parameters
    ----------
    options
        The model and its settings.
    link_budget
        For the models that predict a signal; the built-in budget
        (:func:`~coverage_gaps.coverage.linkbudget.default_link_budget`) when ``None``.
    """
    spec = MODELS[options.model]
    if spec.uses_link_budget and link_budget is None:
        from coverage_gaps.coverage.linkbudget import default_link_budget

        link_budget = default_link_budget()
    return spec.build(options, link_budget)


def coverage_on_grid(
    model: CoverageModel,
    emitters: Emitters,
    grid: AnalysisGrid,
    *,
    dem: GridSource | None = None,
    terrain_resolution_m: float = 30.0,
    budget_bytes: int | None = None,
    area: str = "the area",
    where: np.ndarray | None = None,
) -> CoverageResult:
    """Coverage of the analysis ``grid`` by ``emitters`` under ``model``.

    A model that needs terrain is run on a terrain grid of ``terrain_resolution_m`` (when finer
    than ``grid``) that also holds every emitter (a path's profile needs the ground all the way
    from the site), with ``dem`` put onto it, and its result is read back at ``grid``'s cell
    centres.  ``where`` (bool, ``grid.shape``, optional) marks the cells that matter; it is
    handed to the model (on the terrain grid: the fine cells that are read back for them).

    ``budget_bytes`` (default: :func:`coverage_gaps.budget.memory_budget_bytes`) bounds what
    the model and the terrain grid may allocate.

    Raises
    ------
    SettingsError
        The model needs a DEM and none was given.
    SizeError
        The model's tables or the terrain grid would not fit in the budget.
    """
    from coverage_gaps.budget import check_bytes, memory_budget_bytes

    budget = memory_budget_bytes() if budget_bytes is None else budget_bytes
    if where is not None:
        where = np.asarray(where, dtype=bool)
        if where.shape != grid.shape:
            raise ValueError(f"where has shape {where.shape}, the grid {grid.shape}")
    if not model.needs_dem:
        check_bytes(
            f"{area}: the {model.name} model on {grid.width:,} x {grid.height:,} cells",
            model.working_bytes(emitters, grid),
            budget,
            fix="use a smaller --max-range or a coarser --resolution",
        )
        return model(emitters, grid, None, where=where)
    if dem is None:
        from coverage_gaps.errors import SettingsError

        raise SettingsError(f"--model {model.name} needs an elevation model: give --dem F")
    fine = terrain_grid(grid, emitters.x, emitters.y, terrain_resolution_m=terrain_resolution_m)
    check_bytes(
        f"{area}: the terrain grid of {fine.width:,} x {fine.height:,} cells of "
        f"{fine.resolution:g} m (the villages and every site in reach)",
        model.working_bytes(emitters, fine) + 8 * fine.width * fine.height,
        budget,
        fix="use a coarser --terrain-resolution, a smaller --max-range, or fewer provinces",
    )
    elevation = dem.on_grid(fine)
    fine_where = None
    if where is not None:
        fine_where = np.zeros(fine.shape, dtype=bool)
        rows, cols = _fine_index(fine, grid)
        fine_where[np.ix_(rows, cols)] |= where
    return sample_to_grid(model(emitters, fine, elevation, where=fine_where), fine, grid)


def terrain_grid(
    grid: AnalysisGrid, x: np.ndarray, y: np.ndarray, *, terrain_resolution_m: float
) -> AnalysisGrid:
    """The grid a terrain model runs on for ``grid`` and emitters at ``(x, y)`` (``grid``'s
    CRS): cells of ``terrain_resolution_m`` (or ``grid``'s, when coarser), aligned to multiples
    of it, covering ``grid`` and every emitter (a path's profile needs the ground all the way
    from the site)."""
    bounds = grid.bounds
    if len(x):
        bounds = (
            min(bounds[0], float(np.min(x))),
            min(bounds[1], float(np.min(y))),
            max(bounds[2], float(np.max(x))),
            max(bounds[3], float(np.max(y))),
        )
    return AnalysisGrid.covering(
        bounds,
        resolution=min(terrain_resolution_m, grid.resolution),
        crs=grid.crs,
        margin=grid.resolution,
    )


def _fine_index(fine: AnalysisGrid, grid: AnalysisGrid) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the cells of ``fine`` that hold ``grid``'s cell centres."""
    xs, ys = grid.cell_centres()
    fc, fr = fine.to_colrow(xs, ys)
    cols = np.clip(np.floor(fc).astype(np.int64), 0, fine.width - 1)
    rows = np.clip(np.floor(fr).astype(np.int64), 0, fine.height - 1)
    return rows, cols


def sample_to_grid(
    result: CoverageResult, fine: AnalysisGrid, grid: AnalysisGrid
) -> CoverageResult:
    """A result computed on a ``fine`` grid that covers ``grid``, read at ``grid``'s cell
    centres: the same cell-centre rule the villages use."""
    rows, cols = _fine_index(fine, grid)
    index = np.ix_(rows, cols)

    def take(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else a[index]

    by_radio = None
    if result.signal_by_radio is not None:
        by_radio = {k: v[index] for k, v in result.signal_by_radio.items()}
    serving = take(result.serving)
    broadband = take(result.broadband)
    assert serving is not None and broadband is not None
    by_operator = None
    if result.by_operator is not None:

        def by_operator() -> dict[tuple[str, int], np.ndarray]:
            return {k: v[index] for k, v in result.signal_by_operator().items()}

    return CoverageResult(
        serving=serving,
        broadband=broadband,
        best_signal_dbm=take(result.best_signal_dbm),
        reach=take(result.reach),
        signal_by_radio=by_radio,
        by_operator=by_operator,
    )
