"""Where to build new sites in an analysed area: the geographical wrapper of the planning core.

:func:`plan_area` takes what a run has already worked out for an area (an
:class:`~coverage_gaps.pipeline.AreaResult`: the grid, the electrified mask, the population,
the villages' cells and the coverage of the existing sites) and answers "where should the next
sites go?" in five steps, each a public function:

1. **Demand** (:func:`area_demand`): the electrified land of the area's villages that no counted
   service reaches, one entry per analysis-grid cell, weighted by its people (with a population
   raster) or its area.  Field checks win over the model: a village checked ``signal`` or
   ``no_power`` has no demand; one checked ``no_signal`` has all its electrified land as demand.
   A cell in two villages is one demand cell, counted for the first of them.  Existing coverage
   is fixed: what a site serves already is nobody's demand.
2. **Candidates** (:func:`candidate_sites`): one per tile of a lattice of
   ``candidate_spacing_m`` with grid power (the powered cell nearest the tile's centre), the
   highest powered cell of each tile when a DEM is given, and every existing mast (of any
   operator: ``shared_mast`` for another operator's, ``upgrade`` for the planned operator's
   own); only those within reach of some demand are kept.
3. **Coverage matrix** (:func:`coverage_matrix`): each candidate's coverage by the run's own
   coverage model and kernels (:func:`coverage_gaps.coverage.coverage_on_grid`), 32 candidates
   at a time, each its own operator bit of the coverage bitmask, on a window of the grid around
   the batch (so the cost follows the candidates' reach, not the province): ``A[j, i]`` is true
   when candidate ``j``'s bit serves demand cell ``i``.
4. **Solve** with :func:`coverage_gaps.planning.max_covering` or
   :func:`~coverage_gaps.planning.set_cover`.
5. **Figures** of the plan, recomputed from the matrix and the villages' own cells (not taken
   from the solver): per proposed site the demand, people and land it newly serves, the
   villages it brings signal to and the villages whose covered share it lifts to the
   ``covered`` status threshold; the villages with demand no candidate can reach ("needs
   another kind of solution": satellite, a repeater, a mast where no power is); the curve of
   coverage against the number of sites, greedy and optimal.

In the manner of ``spopt``: the core works on arrays (a coverage matrix and weights), this
module builds them from the geography and reads the answer back onto it.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from affine import Affine
from numba import njit

from coverage_gaps.coverage.base import Emitters
from coverage_gaps.coverage.discs import disc_radii
from coverage_gaps.coverage.models import (
    CoverageModel,
    coverage_on_grid,
    make_coverage_model,
    terrain_grid,
)
from coverage_gaps.errors import SettingsError
from coverage_gaps.grid import WGS84, AnalysisGrid, transformer
from coverage_gaps.io.sources import CachedGrid
from coverage_gaps.network import RADIOS
from coverage_gaps.planning.core import PlanResult, Villages, max_covering, set_cover
from coverage_gaps.settings import CoverageOptions, PlanObjective, PlanOptions
from coverage_gaps.zonal import span_cells

if TYPE_CHECKING:
    from coverage_gaps.coverage.linkbudget import LinkBudget
    from coverage_gaps.io.sources import GridSource
    from coverage_gaps.pipeline import AreaResult

__all__ = [
    "BATCH",
    "CANDIDATE_KINDS",
    "KIND_COST",
    "PLAN_SITE_COLUMNS",
    "UNREACHABLE_COLUMNS",
    "AreaDemand",
    "AreaPlan",
    "CoverageMatrix",
    "area_demand",
    "candidate_emitters",
    "candidate_model",
    "candidate_sites",
    "coverage_matrix",
    "plan_area",
    "serving_reach_m",
]

log = logging.getLogger(__name__)

#: Candidates computed in one call of the coverage model: one per bit of the uint32 bitmask.
BATCH = 32
#: The kinds of candidate: a new mast, another operator's mast shared, the planned operator's
#: own mast given the planned technology.
CANDIDATE_KINDS: tuple[str, ...] = ("new", "shared_mast", "upgrade")
#: Relative cost of each kind.  It is not optimised: the core uses it only to prefer, of two
#: candidates that would serve exactly the same cells, the one on an existing mast.
KIND_COST: Mapping[str, float] = {"new": 1.0, "shared_mast": 0.5, "upgrade": 0.5}

#: Columns of ``<province>-new-sites.csv``, in order.
PLAN_SITE_COLUMNS: tuple[str, ...] = (
    "rank",
    "site_id",
    "lon",
    "lat",
    "kind",
    "existing_operator",
    "elevation_m",
    "demand_covered",
    "people_covered",
    "land_covered_km2",
    "villages_fixed",
    "village_ids",
    "cumulative_share",
)
#: Columns of ``<province>-unreachable.csv``, in order.
UNREACHABLE_COLUMNS: tuple[str, ...] = (
    "village_id",
    "village_name",
    "commune",
    "province",
    "lon",
    "lat",
    "status",
    "dark_km2",
    "unreachable_km2",
    "unreachable_share",
    "dark_people",
    "unreachable_people",
    "nearest_site_m",
)


# --------------------------------------------------------------------------------------------
# 1. Demand
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaDemand:
    """The dark demand of an area: one entry per demand cell, in the grid's row-major order.

    Attributes
    ----------
    rows, cols
        The demand cells on the area's grid.
    weight
        Demand of each cell in the plan's unit: people, or km² of electrified land.
    unit
        ``"people"`` or ``"km2"``.
    people
        People of each cell (``None`` without a population raster).
    cell_km2
        Area of one cell.
    owner
        The village (row of the area's villages) each cell counts for: the first village with
        demand that holds it.
    index
        int32 grid of the demand index of each cell, -1 where there is no demand.
    eligible
        Per village: it may have demand (no field check settles it: ``signal`` or
        ``no_power``).
    field_dark
        Per village: a field check says ``no_signal``: all its electrified land is demand.
    electrified_cells, covered_cells
        Per village: its electrified cells, and those a counted service already serves (0 for
        a ``field_dark`` village).
    pair_village, pair_cell
        Every (village, demand cell) pair where the cell is dark land of that village: a cell
        of two villages is a pair of each, but one demand cell.
    """

    rows: np.ndarray
    cols: np.ndarray
    weight: np.ndarray
    unit: str
    people: np.ndarray | None
    cell_km2: float
    owner: np.ndarray
    index: np.ndarray
    eligible: np.ndarray
    field_dark: np.ndarray
    electrified_cells: np.ndarray
    covered_cells: np.ndarray
    pair_village: np.ndarray
    pair_cell: np.ndarray

    def __len__(self) -> int:
        return int(self.rows.shape[0])


def _field_flags(villages: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per village: may it have demand, and does a field check say it has no signal."""
    n = len(villages)
    if "status_source" not in villages:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    field = villages["status_source"].astype(str).to_numpy() == "field"
    status = villages["status"].astype(str).to_numpy()
    settled = field & np.isin(status, ("covered", "not_electrified"))
    return ~settled, field & (status == "dead_zone")


def area_demand(result: AreaResult, *, unit: str = "km2") -> AreaDemand:
    """The dark demand of ``result``'s villages (see the module's docstring).

    Parameters
    ----------
    result
        The analysed area.
    unit
        ``"people"`` (needs the area's population) or ``"km2"``: the weight of each cell.
    """
    if unit not in ("people", "km2"):
        raise ValueError(f"unit must be 'people' or 'km2', got {unit!r}")
    if unit == "people" and result.population is None:
        raise SettingsError(
            "the people objective needs a population raster: give --population, or choose "
            "--objective area",
            fields=("PlanOptions.objective",),
        )
    grid = result.grid
    eligible, field_dark = _field_flags(result.villages)
    v, r, c = span_cells(result.spans)
    elec = result.electrified[r, c]
    served = result.coverage.serving[r, c] != 0
    n_v = result.spans.n_villages
    electrified_cells = np.bincount(v[elec], minlength=n_v).astype(np.int64)
    covered_cells = np.bincount(v[elec & served & ~field_dark[v]], minlength=n_v).astype(np.int64)
    dark = eligible[v] & elec & (~served | field_dark[v])
    flat = r[dark] * grid.width + c[dark]
    # np.unique's first index: the lowest village (the lists are in village order) owns a cell.
    cells, first, pair_cell = np.unique(flat, return_index=True, return_inverse=True)
    owner = v[dark][first]
    rows, cols = np.divmod(cells, grid.width)
    index = np.full(grid.shape, -1, dtype=np.int32)
    index[rows, cols] = np.arange(cells.shape[0], dtype=np.int32)
    cell_km2 = grid.cell_area_m2 / 1e6
    people = None
    if result.population is not None:
        people = np.nan_to_num(
            np.asarray(result.population, dtype="f8")[rows, cols], nan=0.0, posinf=0.0
        )
        people = np.maximum(people, 0.0)
    weight = (
        people.copy() if unit == "people" and people is not None else np.full(cells.size, cell_km2)
    )
    return AreaDemand(
        rows=rows.astype(np.int64),
        cols=cols.astype(np.int64),
        weight=weight,
        unit=unit,
        people=people,
        cell_km2=cell_km2,
        owner=owner.astype(np.int64),
        index=index,
        eligible=eligible,
        field_dark=field_dark,
        electrified_cells=electrified_cells,
        covered_cells=covered_cells,
        pair_village=v[dark].astype(np.int64),
        pair_cell=pair_cell.astype(np.int64),
    )


# --------------------------------------------------------------------------------------------
# 2. Candidates
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _tile_picks(
    powered: np.ndarray, elevation: np.ndarray, use_elevation: bool, k: int
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Per ``k`` x ``k`` tile of the grid: the flat index of the powered cell nearest the tile's
    centre and of its highest powered cell (-1 where the tile has no power)."""
    height, width = powered.shape
    nty = (height + k - 1) // k
    ntx = (width + k - 1) // k
    centre = np.full(nty * ntx, -1, dtype=np.int64)
    high = np.full(nty * ntx, -1, dtype=np.int64)
    for ty in range(nty):
        r0 = ty * k
        r1 = min(height, r0 + k)
        for tx in range(ntx):
            c0 = tx * k
            c1 = min(width, c0 + k)
            cr = 0.5 * (ty * k + (ty + 1) * k - 1)
            cc = 0.5 * (tx * k + (tx + 1) * k - 1)
            best = np.inf
            top = -np.inf
            for r in range(r0, r1):
                for c in range(c0, c1):
                    if not powered[r, c]:
                        continue
                    d = (r - cr) * (r - cr) + (c - cc) * (c - cc)
                    if d < best:
                        best = d
                        centre[ty * ntx + tx] = r * width + c
                    if use_elevation and elevation[r, c] > top:
                        top = elevation[r, c]
                        high[ty * ntx + tx] = r * width + c
    return centre, high


def _lattice(
    grid: AnalysisGrid, powered: np.ndarray, spacing_m: float, elevation: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Flat cell indices of the lattice candidates and of the tiles' high points (those not
    already a lattice candidate)."""
    k = max(1, round(spacing_m / grid.resolution))
    use = elevation is not None
    elev = np.asarray(elevation, dtype=np.float32) if use else np.zeros((1, 1), dtype=np.float32)
    centre, high = _tile_picks(np.ascontiguousarray(powered), elev, use, k)
    centre = centre[centre >= 0]
    high = high[high >= 0]
    high = high[~np.isin(high, centre)]
    return centre, high


def _masts_near(
    masts: pd.DataFrame, grid: AnalysisGrid, reach_m: float
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The masts within ``reach_m`` of the grid's box, and their grid coordinates."""
    if not len(masts):
        return masts.iloc[:0], np.zeros(0), np.zeros(0)
    x, y = transformer(WGS84, grid.crs).transform(
        masts["lon"].to_numpy(dtype="f8"), masts["lat"].to_numpy(dtype="f8")
    )
    x, y = np.asarray(x, dtype="f8"), np.asarray(y, dtype="f8")
    x0, y0, x1, y1 = grid.bounds
    near = (
        np.isfinite(x)
        & np.isfinite(y)
        & (x >= x0 - reach_m)
        & (x <= x1 + reach_m)
        & (y >= y0 - reach_m)
        & (y <= y1 + reach_m)
    )
    return masts.loc[near], x[near], y[near]


def candidate_sites(
    result: AreaResult,
    demand: AreaDemand,
    *,
    spacing_m: float,
    reach_m: float,
    elevation: np.ndarray | None = None,
    masts: pd.DataFrame | None = None,
    planned_operators: Sequence[str] = (),
) -> pd.DataFrame:
    """The candidate sites of an area: lattice points and high points on grid-powered land and
    the existing masts, those within ``reach_m`` of some demand cell's centre.

    Parameters
    ----------
    result
        The analysed area (its grid and electrified mask).
    demand
        Its demand (:func:`area_demand`).
    spacing_m
        Side of the lattice's tiles.
    reach_m
        How far a candidate can serve (:func:`serving_reach_m`): candidates farther from every
        demand cell are left out.
    elevation
        Elevation on the area's grid: adds each tile's highest powered cell, and fills
        ``elevation_m``.
    masts
        Every existing mast (``site_id``, ``operator``, ``lon``, ``lat``; e.g. the sites of
        every cell read, before the service filters).
    planned_operators
        Whose network is planned: their masts are ``upgrade`` candidates, every other mast a
        ``shared_mast`` (with none given, every mast is a ``shared_mast``).

    Returns
    -------
    pandas.DataFrame
        One row per candidate: ``site_id`` (``N00001`` for a new site, ``S<id>`` for a mast),
        ``kind``, ``source`` (``lattice``, ``high_point``, ``mast``), ``x``, ``y`` (grid CRS),
        ``lon``, ``lat``, ``row``, ``col`` (-1 off the grid), ``powered``, ``elevation_m``,
        ``existing_operator``, ``existing_site_id``.
    """
    from scipy.spatial import cKDTree

    grid = result.grid
    centre, high = _lattice(grid, result.electrified, spacing_m, elevation)
    flat = np.concatenate([centre, high])
    source = np.array(["lattice"] * centre.size + ["high_point"] * high.size, dtype=object)
    rows, cols = np.divmod(flat, grid.width)
    xs, ys = grid.cell_centres()
    x = xs[cols].astype("f8")
    y = ys[rows].astype("f8")
    kind = np.full(flat.size, "new", dtype=object)
    operator = np.full(flat.size, "", dtype=object)
    existing = np.full(flat.size, -1, dtype=np.int64)
    if masts is not None and len(masts):
        near, mx, my = _masts_near(masts, grid, reach_m)
        mc, mr = grid.to_colrow(mx, my)
        mc = np.floor(mc).astype(np.int64)
        mr = np.floor(mr).astype(np.int64)
        inside = (mc >= 0) & (mr >= 0) & (mc < grid.width) & (mr < grid.height)
        ops = near["operator"].astype(str).to_numpy()
        planned = set(planned_operators)
        mkind = np.where(np.isin(ops, list(planned)), "upgrade", "shared_mast").astype(object)
        x = np.concatenate([x, mx])
        y = np.concatenate([y, my])
        rows = np.concatenate([rows, np.where(inside, mr, -1)])
        cols = np.concatenate([cols, np.where(inside, mc, -1)])
        source = np.concatenate([source, np.full(len(near), "mast", dtype=object)])
        kind = np.concatenate([kind, mkind])
        operator = np.concatenate([operator, ops.astype(object)])
        existing = np.concatenate([existing, near["site_id"].to_numpy(dtype=np.int64)])
    # Only candidates that can reach some demand (cell centres within reach) are worth a model.
    keep = np.zeros(x.size, dtype=bool)
    if len(demand) and x.size:
        dx, dy = xs[demand.cols], ys[demand.rows]
        dist, _ = cKDTree(np.column_stack([dx, dy])).query(
            np.column_stack([x, y]), k=1, distance_upper_bound=reach_m * (1 + 1e-9) + 1e-6
        )
        keep = np.isfinite(dist)
    on_grid = (rows >= 0) & (cols >= 0)
    powered = np.zeros(x.size, dtype=bool)
    powered[on_grid] = result.electrified[rows[on_grid], cols[on_grid]]
    elev = np.full(x.size, np.nan)
    if elevation is not None:
        elev[on_grid] = np.asarray(elevation, dtype="f8")[rows[on_grid], cols[on_grid]]
    lon, lat = transformer(grid.crs, WGS84).transform(x, y)
    n_new = 0
    ids = []
    for s, e in zip(source.tolist(), existing.tolist(), strict=True):
        if s == "mast":
            ids.append(f"S{e}")
        else:
            n_new += 1
            ids.append(f"N{n_new:05d}")
    table = pd.DataFrame(
        {
            "site_id": ids,
            "kind": kind,
            "source": source,
            "x": x,
            "y": y,
            "lon": np.round(np.asarray(lon, dtype="f8"), 6),
            "lat": np.round(np.asarray(lat, dtype="f8"), 6),
            "row": rows.astype(np.int64),
            "col": cols.astype(np.int64),
            "powered": powered,
            "elevation_m": np.round(elev, 1),
            "existing_operator": operator,
            "existing_site_id": pd.array(
                [e if e >= 0 else None for e in existing.tolist()], dtype="Int64"
            ),
        }
    )
    return table.loc[keep].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# 3. The coverage matrix
# --------------------------------------------------------------------------------------------


def candidate_model(
    coverage: CoverageOptions,
    *,
    link_budget: LinkBudget | None = None,
    radio: str = "LTE",
    antenna_height_m: float = 30.0,
) -> CoverageModel:
    """The run's coverage model for new sites of ``radio``: the same model and settings, the
    link budget's antenna height of ``radio`` set to ``antenna_height_m``."""
    from coverage_gaps.coverage.linkbudget import default_link_budget
    from coverage_gaps.coverage.models import MODELS

    if not MODELS[coverage.model].uses_link_budget:
        return make_coverage_model(coverage, link_budget=link_budget)
    budget = link_budget or default_link_budget()
    params = dataclasses.replace(budget[radio], antenna_height_m=float(antenna_height_m))
    planned = dataclasses.replace(budget, radios={**budget.radios, radio: params})
    return make_coverage_model(coverage, link_budget=planned)


def serving_reach_m(model: CoverageModel, emitters: Emitters) -> float:
    """How far ``emitters`` can serve under ``model``: their disc or flat-ground serving radius
    for the models without terrain (exact: their loss grows with distance), the model's reach
    for the terrain models."""
    if len(emitters) == 0:
        return 0.0
    flat = getattr(model, "flat_serving_radius_m", None)
    if not model.needs_dem and flat is not None:
        return float(np.max(flat(emitters)))
    return float(model.reach_m)


@dataclass(frozen=True)
class CoverageMatrix:
    """The coverage of the candidates over the demand cells, and what it took.

    Attributes
    ----------
    matrix
        Boolean CSR array, candidates x demand cells.
    batches
        Calls of the coverage model.
    cells
        Grid cells of all the batches' windows together.
    seconds
        Wall-clock time.
    """

    matrix: sp.csr_array
    batches: int
    cells: int
    seconds: float


def _cached_dem(
    dem: GridSource,
    grid: AnalysisGrid,
    x: np.ndarray,
    y: np.ndarray,
    *,
    terrain_resolution_m: float,
    budget: int,
    area: str,
) -> GridSource:
    """``dem`` read once on the terrain grid that holds ``grid`` and every candidate (the grid
    :func:`~coverage_gaps.coverage.coverage_on_grid` would make for all of them), so that the
    windows' terrain grids are cut from it instead of read again."""
    from coverage_gaps.budget import check_bytes

    fine = terrain_grid(grid, x, y, terrain_resolution_m=terrain_resolution_m)
    check_bytes(
        f"{area}: the terrain grid of the candidates, {fine.width:,} x {fine.height:,} cells of "
        f"{fine.resolution:g} m",
        8 * fine.width * fine.height,
        budget,
        fix="use a coarser --terrain-resolution or a larger --candidate-spacing",
    )
    return CachedGrid(dem, fine)


def _batches(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Candidates in groups of at most :data:`BATCH` that lie together: square tiles holding
    about :data:`BATCH` candidates each, row by row, each tile's candidates cut into batches."""
    n = x.size
    if n == 0:
        return []
    w = max(float(x.max() - x.min()), 1.0)
    h = max(float(y.max() - y.min()), 1.0)
    side = max(math.sqrt(BATCH * w * h / n), 1.0)
    tx = np.floor((x - x.min()) / side).astype(np.int64)
    ty = np.floor((y.max() - y) / side).astype(np.int64)
    key = ty * (int(tx.max()) + 1) + tx
    order = np.lexsort((x, -y, key))
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    out: list[np.ndarray] = []
    for group in np.split(order, bounds):
        out += [group[i : i + BATCH] for i in range(0, group.size, BATCH)]
    return out


def _window(grid: AnalysisGrid, bounds: tuple[float, float, float, float]) -> AnalysisGrid | None:
    """The part of ``grid`` (whole cells) inside ``bounds``, or ``None`` if it has none."""
    res = grid.resolution
    gx0, _, _, gy1 = grid.bounds
    c0 = max(0, math.floor((bounds[0] - gx0) / res))
    c1 = min(grid.width, math.ceil((bounds[2] - gx0) / res))
    r0 = max(0, math.floor((gy1 - bounds[3]) / res))
    r1 = min(grid.height, math.ceil((gy1 - bounds[1]) / res))
    if c1 <= c0 or r1 <= r0:
        return None
    t = Affine(res, 0.0, gx0 + c0 * res, 0.0, -res, gy1 - r0 * res)
    return AnalysisGrid(crs=grid.crs, transform=t, width=c1 - c0, height=r1 - r0)


def _offsets(grid: AnalysisGrid, window: AnalysisGrid) -> tuple[int, int]:
    return (
        round((grid.transform.f - window.transform.f) / grid.resolution),
        round((window.transform.c - grid.transform.c) / grid.resolution),
    )


def candidate_emitters(
    x: np.ndarray, y: np.ndarray, index: np.ndarray, *, radio: str, range_m: float
) -> Emitters:
    """Candidates ``index`` as emitters of ``radio``, each its own operator.

    Candidate ``k`` of ``index`` is operator ``k``, so that a coverage model's serving mask
    says which candidate serves a cell (:func:`coverage_matrix` gives at most :data:`BATCH`
    at a time, one per bit).

    Parameters
    ----------
    x, y
        Positions of all the candidates, in the grid's CRS.
    index
        Which candidates.
    radio
        The planned technology (one of :data:`coverage_gaps.network.RADIOS`).
    range_m
        The disc radius of ``radio``.
    """
    n = index.size
    return Emitters(
        x=np.ascontiguousarray(x[index], dtype="f8"),
        y=np.ascontiguousarray(y[index], dtype="f8"),
        radio=np.full(n, RADIOS.index(radio), dtype=np.int8),
        operator=np.arange(n, dtype=np.int16),
        range_m=np.full(n, float(range_m)),
        site=index.astype(np.int64),
    )


def coverage_matrix(
    model: CoverageModel,
    x: np.ndarray,
    y: np.ndarray,
    grid: AnalysisGrid,
    demand_index: np.ndarray,
    *,
    radio: str,
    range_m: float,
    reach_m: float,
    dem: GridSource | None = None,
    terrain_resolution_m: float = 30.0,
    budget_bytes: int | None = None,
    area: str = "the area",
) -> CoverageMatrix:
    """Which demand cells each candidate would serve, by ``model`` on ``grid``.

    The candidates go to the model as :class:`~coverage_gaps.coverage.base.Emitters` of
    ``radio`` in batches of :data:`BATCH` that lie together, candidate ``k`` of a batch as
    operator ``k``, through :func:`~coverage_gaps.coverage.coverage_on_grid` on the window of
    ``grid`` within ``reach_m`` (plus a cell) of the batch; bit ``k`` of a demand cell's
    ``serving`` mask says whether candidate ``k`` serves it.  A window holds every cell a
    batch's candidates can serve, so the answer is the model's own on the whole grid.

    Parameters
    ----------
    model
        The coverage model (:func:`candidate_model`).
    x, y
        Candidate positions in the grid's CRS.
    grid
        The area's analysis grid.
    demand_index
        int32 grid: the demand index of each cell, -1 where there is none.
    radio
        The planned technology.
    range_m
        The disc radius of the planned technology (the disc model's coverage).
    reach_m
        How far a candidate can serve (:func:`serving_reach_m`).
    dem
        Elevation, for the models that need it (read once for all the windows).
    terrain_resolution_m, budget_bytes, area
        As for :func:`~coverage_gaps.coverage.coverage_on_grid`.
    """
    from coverage_gaps.budget import memory_budget_bytes

    t0 = time.perf_counter()
    budget = memory_budget_bytes() if budget_bytes is None else budget_bytes
    x = np.asarray(x, dtype="f8")
    y = np.asarray(y, dtype="f8")
    n_demand = int(demand_index.max(initial=-1)) + 1
    if model.needs_dem and dem is not None and x.size and not isinstance(dem, CachedGrid):
        dem = _cached_dem(
            dem, grid, x, y, terrain_resolution_m=terrain_resolution_m, budget=budget, area=area
        )
    pad = reach_m + grid.resolution
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    n_batches = 0
    n_cells = 0
    for batch in _batches(x, y):
        bounds = (
            float(x[batch].min()) - pad,
            float(y[batch].min()) - pad,
            float(x[batch].max()) + pad,
            float(y[batch].max()) + pad,
        )
        window = _window(grid, bounds)
        if window is None:
            continue
        r0, c0 = _offsets(grid, window)
        idx = demand_index[r0 : r0 + window.height, c0 : c0 + window.width]
        where = idx >= 0
        if not where.any():
            continue
        result = coverage_on_grid(
            model,
            candidate_emitters(x, y, batch, radio=radio, range_m=range_m),
            window,
            dem=dem,
            terrain_resolution_m=terrain_resolution_m,
            budget_bytes=budget,
            area=area,
            where=where,
        )
        n_batches += 1
        n_cells += window.width * window.height
        served = result.serving[where]
        ids = idx[where]
        for k in range(batch.size):
            hit = ids[((served >> np.uint32(k)) & np.uint32(1)).astype(bool)]
            if hit.size:
                rows.append(np.full(hit.size, batch[k], dtype=np.int64))
                cols.append(hit.astype(np.int64))
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    matrix = sp.csr_array(
        (np.ones(r.size, dtype=bool), (r, c)), shape=(x.size, n_demand), dtype=bool
    )
    matrix.sort_indices()
    return CoverageMatrix(matrix, n_batches, n_cells, time.perf_counter() - t0)


def served_rank(
    model: CoverageModel,
    x: np.ndarray,
    y: np.ndarray,
    grid: AnalysisGrid,
    *,
    radio: str,
    range_m: float,
    dem: GridSource | None = None,
    terrain_resolution_m: float = 30.0,
    budget_bytes: int | None = None,
    area: str = "the area",
    where: np.ndarray | None = None,
) -> np.ndarray:
    """uint16 grid: the rank (1, 2, ...) of the first of the sites at ``x``, ``y`` (in rank
    order) that serves each cell of ``grid``, 0 where none does."""
    ranks = np.zeros(grid.shape, dtype=np.uint16)
    order = np.arange(np.asarray(x).size, dtype=np.int64)
    for start in range(0, order.size, BATCH):
        batch = order[start : start + BATCH]
        result = coverage_on_grid(
            model,
            candidate_emitters(
                np.asarray(x, "f8"), np.asarray(y, "f8"), batch, radio=radio, range_m=range_m
            ),
            grid,
            dem=dem,
            terrain_resolution_m=terrain_resolution_m,
            budget_bytes=budget_bytes,
            area=area,
            where=where,
        )
        for k in range(batch.size):
            hit = ((result.serving >> np.uint32(k)) & np.uint32(1)).astype(bool) & (ranks == 0)
            ranks[hit] = start + k + 1
    return ranks


# --------------------------------------------------------------------------------------------
# 4-5. The plan and its figures
# --------------------------------------------------------------------------------------------


@dataclass
class AreaPlan:
    """The plan of one area and everything its outputs are made from.

    Attributes
    ----------
    name
        The area's name.
    options
        The plan's options, ``objective`` resolved.
    area
        The analysed area.
    demand
        Its dark demand (:func:`area_demand`).
    candidates
        Every candidate (:func:`candidate_sites`).
    matrix
        Candidates x demand cells (:func:`coverage_matrix`).
    result
        The core's answer.
    sites
        The proposed sites in order of marginal gain (:data:`PLAN_SITE_COLUMNS`).
    unreachable
        The villages with demand no candidate reaches (:data:`UNREACHABLE_COLUMNS`).
    curve
        Share of the demand served against the number of sites: ``sites``, ``greedy_share``,
        ``optimal_share``, ``bound_share`` (where solved), ``plan_share``.
    first_rank
        Per demand cell, the rank of the first proposed site that serves it (0: none).
    fixed_rank
        Per village, the rank at which it becomes fixed (0: it was already; -1: the plan does
        not fix it; -2: it has no electrified land or a field check settles it).
    served
        uint16 grid: the rank of the first proposed site that serves each cell (0: none).
    share_base
        The demand the shares are of (coverable or total).
    timings
        Seconds per step.
    """

    name: str
    options: PlanOptions
    area: AreaResult
    demand: AreaDemand
    candidates: pd.DataFrame
    matrix: sp.csr_array
    result: PlanResult
    sites: pd.DataFrame
    unreachable: pd.DataFrame
    curve: pd.DataFrame
    first_rank: np.ndarray
    fixed_rank: np.ndarray
    served: np.ndarray
    share_base: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def objective(self) -> PlanObjective:
        """What the plan maximises (people, area or villages)."""
        assert self.options.objective is not None
        return self.options.objective

    def summary(self) -> dict[str, Any]:
        """One row of ``plan-summary.csv``."""
        r = self.result
        people = self.demand.people
        covered = self.first_rank > 0
        return {
            "province": self.name,
            "objective": self.objective,
            "problem": r.problem,
            "status": r.status,
            "gap": r.gap,
            "sites": int(r.chosen.size),
            "candidates": len(self.candidates),
            "demand_cells": len(self.demand),
            "demand": float(self.demand.weight.sum()),
            "unit": self.demand.unit,
            "coverable_share": _ratio(r.coverable_demand, r.total_demand),
            "covered_share": _ratio(float(self.demand.weight[covered].sum()), self.share_base),
            "people_covered": float(people[covered].sum()) if people is not None else np.nan,
            "area_km2_covered": float(covered.sum() * self.demand.cell_km2),
            "villages_fixed": int((self.fixed_rank > 0).sum()),
            "villages_unreachable": len(self.unreachable),
            "matrix_s": round(self.timings.get("matrix", 0.0), 2),
            "solve_s": round(self.timings.get("solve", 0.0), 2),
        }


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def first_ranks(matrix: sp.csr_array, chosen: np.ndarray) -> np.ndarray:
    """Per demand cell, the rank (1-based) of the first of ``chosen`` whose row covers it (0:
    none); each cell is counted for one site only."""
    first = np.zeros(matrix.shape[1], dtype=np.int64)
    indptr, indices = matrix.indptr, matrix.indices
    for rank, j in enumerate(np.asarray(chosen, dtype=np.int64).tolist(), start=1):
        cells = indices[indptr[j] : indptr[j + 1]]
        new = cells[first[cells] == 0]
        first[new] = rank
    return first


def fixed_ranks(
    result: AreaResult, demand: AreaDemand, first: np.ndarray, *, threshold: float
) -> np.ndarray:
    """Per village: the rank at which its covered share of electrified land reaches
    ``threshold`` (the ``covered`` status) with the proposed sites, from its own cells (0: it
    had already; -1: the plan does not get it there; -2: no electrified land, or a field check
    settles it).  The same share as :func:`coverage_gaps.gaps.classify`'s."""
    n = result.spans.n_villages
    out = np.full(n, -2, dtype=np.int64)
    v, di = demand.pair_village, demand.pair_cell
    rank = first[di]
    new = rank > 0
    order = np.lexsort((rank[new], v[new]))
    new_v = v[new][order]
    new_rank = rank[new][order]
    starts = np.searchsorted(new_v, np.arange(n))
    stops = np.searchsorted(new_v, np.arange(n), side="right")
    for i in np.flatnonzero(demand.eligible & (demand.electrified_cells > 0)).tolist():
        total = int(demand.electrified_cells[i])
        before = int(demand.covered_cells[i])
        if before / total >= threshold:
            out[i] = 0
            continue
        ranks = new_rank[starts[i] : stops[i]]
        # the fewest new cells c with (before + c) / total >= threshold
        need = max(1, math.ceil(threshold * total - before - 1e-9))
        while need > 1 and (before + need - 1) / total >= threshold:
            need -= 1
        while (before + need) / total < threshold:
            need += 1
        out[i] = int(ranks[need - 1]) if need <= ranks.size else -1
    return out


def _site_villages(
    result: AreaResult, demand: AreaDemand, first: np.ndarray, n_sites: int
) -> list[str]:
    """Per proposed site, the ids of the villages whose dark cells it is the first to serve."""
    v, di = demand.pair_village, demand.pair_cell
    rank = first[di]
    vv = v[rank > 0]
    rank = rank[rank > 0]
    pairs = np.unique(np.column_stack([rank, vv]), axis=0) if rank.size else np.zeros((0, 2), int)
    ids = result.villages["village_id"].astype(str).to_numpy()
    out: list[list[str]] = [[] for _ in range(n_sites)]
    for k, i in pairs.tolist():
        out[k - 1].append(ids[i])
    return [";".join(sorted(x)) for x in out]


def _unreachable_table(
    result: AreaResult, demand: AreaDemand, unreachable: np.ndarray
) -> pd.DataFrame:
    """The villages with demand no candidate reaches, most people (or land) first."""
    n = result.spans.n_villages
    v, di = demand.pair_village, demand.pair_cell
    lost = np.zeros(len(demand), dtype=bool)
    lost[unreachable] = True
    far = lost[di]
    dark_cells = np.bincount(v, minlength=n)
    far_cells = np.bincount(v[far], minlength=n)
    people = demand.people
    dark_people = far_people = np.full(n, np.nan)
    if people is not None:
        dark_people = np.bincount(v, weights=people[di], minlength=n)
        far_people = np.bincount(v[far], weights=people[di[far]], minlength=n)
    vt = result.villages
    table = pd.DataFrame(
        {
            "village_id": vt["village_id"].astype(str).to_numpy(),
            "village_name": vt["village_name"].to_numpy(),
            "commune": vt["commune"].to_numpy(),
            "province": vt["province"].to_numpy(),
            "lon": vt["lon"].to_numpy(),
            "lat": vt["lat"].to_numpy(),
            "status": vt["status"].to_numpy(),
            "dark_km2": dark_cells * demand.cell_km2,
            "unreachable_km2": far_cells * demand.cell_km2,
            "unreachable_share": np.where(dark_cells > 0, far_cells / np.maximum(dark_cells, 1), 0),
            "dark_people": np.round(dark_people, 1),
            "unreachable_people": np.round(far_people, 1),
            "nearest_site_m": vt["nearest_site_m"].to_numpy() if "nearest_site_m" in vt else np.nan,
        }
    )
    table = table.loc[far_cells > 0]
    by = ["unreachable_people", "unreachable_km2"] if people is not None else ["unreachable_km2"]
    return table.sort_values(by, ascending=False, kind="mergesort").reset_index(drop=True)


#: Seconds given to :func:`~coverage_gaps.planning.max_covering` when only its greedy is wanted.
_GREEDY_ONLY_S = 0.5
#: The least time a solver is given (the greedy comes before the solver and is always there).
_LEAST_S = 0.01
#: A point of the curve is solved only with at least this many seconds left for it.
_MIN_POINT_S = 1.0


def _curve(
    matrix: sp.csr_array,
    weight: np.ndarray,
    *,
    plan: PlanResult,
    first: np.ndarray,
    n_max: int,
    base: float,
    cost: np.ndarray,
    points: int,
    deadline: float,
    gap: float,
) -> pd.DataFrame:
    """Share of the demand served by 1 .. ``n_max`` sites: the greedy's (nested), the optimum
    solved at up to ``points`` numbers of sites in the time left before ``deadline`` (with its
    proven bound and status), and the plan's in rank order."""
    n_max = max(int(n_max), 1)
    ks = np.arange(1, n_max + 1)
    greedy = np.full(n_max, np.nan)
    optimal = np.full(n_max, np.nan)
    bound = np.full(n_max, np.nan)
    status = np.full(n_max, "", dtype=object)
    solved: dict[int, PlanResult] = {}
    if plan.problem == "max_covering" and plan.objective_kind == "demand":
        solved[n_max] = plan
        top: PlanResult | None = plan
    elif matrix.nnz:  # only its greedy is wanted, within the plan's time limit
        left = min(_GREEDY_ONLY_S, deadline - time.perf_counter())
        top = max_covering(
            matrix, weight, n_max, cost=cost, time_limit_s=max(left, _LEAST_S), gap=gap
        )
    else:
        top = None
    if top is not None:
        g = np.asarray(top.greedy.cumulative_share) * top.coverable_demand
        greedy[:] = g[-1] if g.size else 0.0
        greedy[: min(g.size, n_max)] = g[:n_max]
    if points > 0 and matrix.nnz:
        wanted = np.unique(np.round(np.linspace(1, n_max, min(points, n_max))).astype(int))
        todo = [k for k in wanted.tolist() if k not in solved]
        for i, k in enumerate(todo):
            each = (deadline - time.perf_counter()) / (len(todo) - i)
            if each < _MIN_POINT_S:
                log.info("no time left to solve the curve at %d sites and beyond", k)
                break
            solved[k] = max_covering(matrix, weight, k, cost=cost, time_limit_s=each, gap=gap)
    for k, r in solved.items():
        optimal[k - 1] = r.covered_demand
        bound[k - 1] = min(r.bound, r.coverable_demand)
        status[k - 1] = r.status
    plan_cum = np.bincount(first, weights=weight, minlength=n_max + 1)[1 : n_max + 1].cumsum()
    plan_share = np.where(ks <= int(plan.chosen.size), plan_cum, np.nan)
    scale = 1.0 / base if base > 0 else 0.0
    return pd.DataFrame(
        {
            "sites": ks,
            "greedy_share": greedy * scale,
            "optimal_share": optimal * scale,
            "bound_share": bound * scale,
            "optimal_status": status,
            "plan_share": plan_share * scale,
        }
    )


def plan_area(
    result: AreaResult,
    options: PlanOptions,
    *,
    coverage: CoverageOptions | None = None,
    link_budget: LinkBudget | None = None,
    dem: GridSource | None = None,
    masts: pd.DataFrame | None = None,
    planned_operators: Sequence[str] = (),
    model: CoverageModel | None = None,
    budget_bytes: int | None = None,
) -> AreaPlan:
    """Where to build new sites in an analysed area (see the module's docstring).

    Parameters
    ----------
    result
        The analysed area (:func:`coverage_gaps.pipeline.analyse_area`).
    options
        How many sites or what share, the objective, the candidates' lattice, the planned
        technology and antenna height, the time limit.
    coverage
        The run's coverage options (model, disc radii, terrain resolution).
    link_budget
        The run's link budget (the propagation models).
    dem
        Elevation: the terrain models need it; with any model it adds each tile's high point
        to the candidates and gives their elevation.
    masts
        Every existing mast (``site_id``, ``operator``, ``lon``, ``lat``), candidates where the
        planned technology could be added (default: the area's sites in reach).
    planned_operators
        Whose network is planned (their masts are ``upgrade`` candidates, the others'
        ``shared_mast``).
    model
        A coverage model for the candidates instead of :func:`candidate_model`'s.
    budget_bytes
        The memory budget of the coverage model's calls.

    Raises
    ------
    SettingsError
        The people objective without a population raster, a model that needs a DEM without
        one, or highspy missing.
    """
    from coverage_gaps.budget import memory_budget_bytes

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    coverage = coverage or CoverageOptions()
    budget = memory_budget_bytes() if budget_bytes is None else budget_bytes
    objective: PlanObjective = options.objective or (
        "people" if result.population is not None else "area"
    )
    options = dataclasses.replace(options, objective=objective)
    radio = options.radio
    model = model or candidate_model(
        coverage,
        link_budget=link_budget,
        radio=radio,
        antenna_height_m=options.antenna_height_m,
    )
    if model.needs_dem and dem is None:
        raise SettingsError(f"--model {model.name} needs an elevation model: give --dem F")
    # A new site has no observed range: its disc is the radio's by the run's range model.
    range_m = float(disc_radii(pd.DataFrame({"radio": [radio], "range_m": [np.nan]}), coverage)[0])
    probe = candidate_emitters(
        np.zeros(1), np.zeros(1), np.zeros(1, np.int64), radio=radio, range_m=range_m
    )
    reach = serving_reach_m(model, probe)
    grid = result.grid
    name = result.name

    demand = area_demand(result, unit="people" if objective == "people" else "km2")
    elevation = None
    if dem is not None:
        elevation = dem.on_grid(grid)
    if masts is None:
        masts = result.site_table
    candidates = candidate_sites(
        result,
        demand,
        spacing_m=options.candidate_spacing_m,
        reach_m=reach,
        elevation=elevation,
        masts=masts,
        planned_operators=planned_operators,
    )
    timings["candidates"] = time.perf_counter() - t0
    log.info(
        "%s: %d demand cells, %d candidates (%s)",
        name,
        len(demand),
        len(candidates),
        ", ".join(f"{n} {k}" for k, n in candidates["kind"].value_counts().items()),
    )

    cx = candidates["x"].to_numpy(dtype="f8")
    cy = candidates["y"].to_numpy(dtype="f8")
    terrain = dem
    if model.needs_dem and dem is not None and cx.size:
        terrain = _cached_dem(
            dem,
            grid,
            cx,
            cy,
            terrain_resolution_m=coverage.terrain_resolution_m,
            budget=budget,
            area=name,
        )
    cm = coverage_matrix(
        model,
        cx,
        cy,
        grid,
        demand.index,
        radio=radio,
        range_m=range_m,
        reach_m=reach,
        dem=terrain,
        terrain_resolution_m=coverage.terrain_resolution_m,
        budget_bytes=budget,
        area=name,
    )
    timings["matrix"] = cm.seconds
    log.info(
        "%s: coverage matrix of %d candidates x %d demand cells (%d nonzeros) in %.1f s, %d "
        "model calls over %d grid cells",
        name,
        cm.matrix.shape[0],
        cm.matrix.shape[1],
        cm.matrix.nnz,
        cm.seconds,
        cm.batches,
        cm.cells,
    )

    t = time.perf_counter()
    deadline = t + options.time_limit_s  # the main solve first; the curve in what is left
    cost = candidates["kind"].map(KIND_COST).to_numpy(dtype="f8")
    weight = demand.weight
    threshold = result.thresholds.covered
    if objective == "villages":
        villages = Villages(
            groups=demand.owner,
            threshold=threshold,
            covered_before=demand.covered_cells * demand.cell_km2,
            n_villages=result.spans.n_villages,
        )
        assert options.n_sites is not None
        plan = max_covering(
            cm.matrix,
            weight,
            options.n_sites,
            objective="villages",
            villages=villages,
            cost=cost,
            time_limit_s=options.time_limit_s,
            gap=options.gap,
        )
    elif options.n_sites is not None:
        plan = max_covering(
            cm.matrix,
            weight,
            options.n_sites,
            cost=cost,
            time_limit_s=options.time_limit_s,
            gap=options.gap,
        )
    else:
        assert options.target_share is not None
        plan = set_cover(
            cm.matrix,
            weight,
            options.target_share,
            share_of=options.share_of,
            cost=cost,
            time_limit_s=options.time_limit_s,
            gap=options.gap,
        )
    timings["solve"] = time.perf_counter() - t
    log.info("%s: %s", name, plan.message)

    t = time.perf_counter()
    base = plan.coverable_demand if options.share_of == "coverable" else plan.total_demand
    chosen = np.asarray(plan.chosen, dtype=np.int64)
    first = first_ranks(cm.matrix, chosen)
    fixed = fixed_ranks(result, demand, first, threshold=threshold)
    n = chosen.size
    marginal = np.bincount(first, weights=weight, minlength=n + 1)[1:]
    area = np.bincount(first, minlength=n + 1)[1:] * demand.cell_km2
    people = (
        np.bincount(first, weights=demand.people, minlength=n + 1)[1:]
        if demand.people is not None
        else np.full(n, np.nan)
    )
    fixed_count = np.bincount(fixed[fixed > 0], minlength=n + 1)[1:]
    chosen_rows = candidates.iloc[chosen]
    sites = pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "site_id": chosen_rows["site_id"].to_numpy(),
            "lon": chosen_rows["lon"].to_numpy(),
            "lat": chosen_rows["lat"].to_numpy(),
            "kind": chosen_rows["kind"].to_numpy(),
            "existing_operator": chosen_rows["existing_operator"].to_numpy(),
            "elevation_m": chosen_rows["elevation_m"].to_numpy(),
            "demand_covered": marginal,
            "people_covered": people,
            "land_covered_km2": area,
            "villages_fixed": fixed_count.astype(np.int64),
            "village_ids": _site_villages(result, demand, first, n),
            "cumulative_share": np.cumsum(marginal) / base if base > 0 else np.zeros(n),
        }
    )
    unreachable = _unreachable_table(result, demand, np.asarray(plan.uncoverable))
    n_curve = n if options.n_sites is None else max(options.n_sites, n)
    curve = _curve(
        cm.matrix,
        weight,
        plan=plan,
        first=first,
        n_max=n_curve,
        base=base,
        cost=cost,
        points=options.curve_points,
        deadline=deadline,
        gap=options.gap,
    )
    timings["curve"] = time.perf_counter() - t

    t = time.perf_counter()
    where = result.electrified  # the cells that matter, as the pipeline asks (demand is there)
    served = served_rank(
        model,
        cx[chosen],
        cy[chosen],
        grid,
        radio=radio,
        range_m=range_m,
        dem=terrain,
        terrain_resolution_m=coverage.terrain_resolution_m,
        budget_bytes=budget,
        area=name,
        where=where,
    )
    timings["served"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return AreaPlan(
        name=name,
        options=options,
        area=result,
        demand=demand,
        candidates=candidates,
        matrix=cm.matrix,
        result=plan,
        sites=sites,
        unreachable=unreachable,
        curve=curve,
        first_rank=first,
        fixed_rank=fixed,
        served=served,
        share_base=base,
        timings=timings,
    )
