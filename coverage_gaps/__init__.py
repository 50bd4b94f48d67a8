"""coverage-gaps: find electrified villages with no mobile signal.

The package is laid out as the pipeline runs::

    io/         read the inputs (towers, villages, admin layers, electrification, population, DEM)
    grid        the metric analysis grid every layer is put on
    sites       cells collapsed into sites; the sites in reach of an area
    coverage/   which grid cells each operator serves (registry of models)
    zonal       villages on the grid: spans and per-village sums
    gaps        statuses, reasons and priorities
    outputs/    CSV, GeoPackage, map, signal rasters, summary (registry of writers)
    planning/   where to build new sites: the optimisation core and its geo wrapper (plan_area)

    network     the shared vocabulary: radios, generations, operators
    settings    every typed setting and default
    pipeline    one area from inputs to results (analyse_area)
    runner      a whole run: prepare, one task per area, finish (run)
    cli/        the coverage-gaps command, thin over the above

A run::

    import coverage_gaps as cg
    summary = cg.run(cg.RunConfig(
        inputs=cg.Inputs(villages="communes.gpkg", towers="452.csv.gz", electrified_raster="t.tif"),
        provinces=("Lào Cai",), towers=cg.TowerOptions(mcc=(452,))))
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from coverage_gaps import coverage, io, outputs
from coverage_gaps.errors import (
    BadRowsError,
    ColumnError,
    CoverageGapsError,
    CoverageGapsWarning,
    CRSError,
    InputError,
    LayerError,
    NoOverlapError,
    OutputError,
    SelectionError,
    SettingsError,
    SizeError,
)
from coverage_gaps.io import read_towers, read_villages
from coverage_gaps.pipeline import AreaResult, analyse_area
from coverage_gaps.runner import RunSummary, prepare, run
from coverage_gaps.settings import (
    AdminLayer,
    AnalysisOptions,
    CoverageOptions,
    Inputs,
    OutputOptions,
    PlanOptions,
    RunConfig,
    ServiceOptions,
    StatusThresholds,
    TowerOptions,
    VillageOptions,
)
from coverage_gaps.sites import collapse_sites, select_cells

if TYPE_CHECKING:
    from coverage_gaps import planning
    from coverage_gaps.planning import AreaPlan, plan_area

#: Names loaded on first use: planning's optimisation core and its numba kernels are not
#: needed by a run, so ``import coverage_gaps`` (and every command) does not pay for them.
_LAZY = {
    "planning": ("coverage_gaps.planning", None),
    "AreaPlan": ("coverage_gaps.planning", "AreaPlan"),
    "plan_area": ("coverage_gaps.planning", "plan_area"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'coverage_gaps' has no attribute {name!r}") from None
    value = import_module(module) if attr is None else getattr(import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


try:
    __version__ = version("coverage-gaps")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "AdminLayer",
    "AnalysisOptions",
    "AreaPlan",
    "AreaResult",
    "BadRowsError",
    "CRSError",
    "ColumnError",
    "CoverageGapsError",
    "CoverageGapsWarning",
    "CoverageOptions",
    "InputError",
    "Inputs",
    "LayerError",
    "NoOverlapError",
    "OutputError",
    "OutputOptions",
    "PlanOptions",
    "RunConfig",
    "RunSummary",
    "SelectionError",
    "ServiceOptions",
    "SettingsError",
    "SizeError",
    "StatusThresholds",
    "TowerOptions",
    "VillageOptions",
    "__version__",
    "analyse_area",
    "collapse_sites",
    "coverage",
    "io",
    "outputs",
    "plan_area",
    "planning",
    "prepare",
    "read_towers",
    "read_villages",
    "run",
    "select_cells",
]
