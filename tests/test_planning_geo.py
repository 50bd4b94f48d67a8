"""The geo wrapper of the planner against references computed apart from it.

A tiny world is analysed in code (four villages, electrification and people as functions of the
position, one existing site).  The reference side never touches the coverage kernels: demand
cells are the grid's cell centres inside the village polygons (shapely), electrified by the
test's own function and farther than the existing site's radius (shapely ``dwithin``); a
candidate serves the centres within its disc (``dwithin``).  On that, brute force over every
subset of candidates gives the optimum the plan must reach, and the plan's figures (demand,
people, villages fixed) are recomputed from the definitions.
"""

from __future__ import annotations

import itertools
import math
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely

from coverage_gaps.coverage.models import coverage_on_grid
from coverage_gaps.errors import SettingsError
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.pipeline import AreaResult, analyse_area
from coverage_gaps.planning import area_demand, candidate_model, coverage_matrix, plan_area
from coverage_gaps.planning.geo import (
    KIND_COST,
    PLAN_SITE_COLUMNS,
    candidate_emitters,
    first_ranks,
    serving_reach_m,
)
from coverage_gaps.settings import AnalysisOptions, CoverageOptions, PlanOptions
from coverage_gaps.sites import collapse_sites
from tests.helpers import UTM, X0, Y0, cell_row

pytest.importorskip("highspy", reason="planning needs the extra 'plan'")

RES = 200.0
RADIUS = 730.0  # the planned LTE disc; no cell centre is at exactly this distance
EXISTING = (X0 + 1130.0, Y0 + 1170.0)  # one LTE site, 700 m range
EXISTING_RANGE = 700.0


def electrified_at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The test's grid power: west of a diagonal line, plus a powered pocket in the east."""
    x = np.asarray(x) - X0
    y = np.asarray(y) - Y0
    return (x + 0.4 * y < 5200) | ((x - 7600) ** 2 + (y - 2600) ** 2 < 700**2)


def people_at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    i = np.floor((np.asarray(x) - X0) / RES).astype(int)
    j = np.floor((np.asarray(y) - Y0) / RES).astype(int)
    return (1.0 + (i * 7 + j * 3) % 11).astype("f8")


class FunctionSource:
    """A grid source that evaluates a function at the cell centres."""

    def __init__(self, f: object, dtype: str) -> None:
        self.f = f
        self.dtype = dtype

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        xs, ys = grid.cell_centres()
        X, Y = np.meshgrid(xs, ys)
        return np.asarray(self.f(X, Y), dtype=self.dtype)  # type: ignore[operator]


VILLAGES = [  # no edge through a cell centre (centres at 100 + 200 k)
    shapely.box(X0 + 250, Y0 + 350, X0 + 2150, Y0 + 2050),  # partly served by the site
    shapely.Polygon(
        [
            (X0 + 2650, Y0 + 350),
            (X0 + 4350, Y0 + 550),
            (X0 + 4050, Y0 + 2350),
            (X0 + 2750, Y0 + 2050),
        ]
    ),
    shapely.box(X0 + 550, Y0 + 2650, X0 + 2350, Y0 + 3950),
    shapely.box(X0 + 6950, Y0 + 1950, X0 + 8350, Y0 + 3350),  # the powered pocket
]


def villages_frame(n: int = 4) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "village_id": [f"V{i}" for i in range(n)],
            "village_name": [f"Bản {i}" for i in range(n)],
            "commune": ["Xã A"] * n,
            "province": ["Tỉnh"] * n,
        },
        geometry=VILLAGES[:n],
        crs=UTM,
    )


def analysed(field_checks: pd.DataFrame | None = None) -> AreaResult:
    cells = pd.DataFrame([cell_row("LTE", 4, 256 * 7 + 1, *EXISTING, rng=EXISTING_RANGE)])
    sites, emitters = collapse_sites(cells)
    return analyse_area(
        "Tỉnh",
        villages_frame(),
        sites,
        emitters,
        electrification=FunctionSource(electrified_at, "bool"),
        population=FunctionSource(people_at, "f8"),
        coverage=CoverageOptions(range_model="opencellid", fixed_radii_m={"LTE": RADIUS}),
        analysis=AnalysisOptions(resolution_m=RES),
        field_checks=field_checks,
        as_of=date(2026, 1, 1),
    )


@pytest.fixture(scope="module")
def world() -> AreaResult:
    return analysed()


def reference(
    result: AreaResult, field_dark: set[int] = frozenset(), settled: set[int] = frozenset()
):  # type: ignore[assignment]
    """The demand cells from exact geometry: (rows, cols, people, owner village), and per
    village its electrified and served cells."""
    xs, ys = result.grid.cell_centres()
    X, Y = np.meshgrid(xs, ys)
    centres = shapely.points(X.ravel(), Y.ravel())
    elec = electrified_at(X, Y).ravel()
    served = shapely.dwithin(shapely.Point(*EXISTING), centres, EXISTING_RANGE)
    owner = np.full(centres.size, -1)
    per_village = []
    for v, poly in enumerate(VILLAGES):
        inside = shapely.contains_xy(poly, X.ravel(), Y.ravel())
        per_village.append((inside & elec, inside & elec & served))
        if v in settled:
            continue
        dark = inside & elec & (~served | (v in field_dark))
        owner[dark & (owner < 0)] = v
    flat = np.flatnonzero(owner >= 0)
    rows, cols = np.divmod(flat, result.grid.width)
    return rows, cols, people_at(X.ravel()[flat], Y.ravel()[flat]), owner[flat], per_village, X, Y


def reference_matrix(candidates: pd.DataFrame, X: np.ndarray, Y: np.ndarray, flat: np.ndarray):
    pts = shapely.points(X.ravel()[flat], Y.ravel()[flat])
    return np.stack(
        [
            shapely.dwithin(shapely.Point(x, y), pts, RADIUS)
            for x, y in zip(candidates.x, candidates.y, strict=True)
        ]
    )


def brute_best(D: np.ndarray, w: np.ndarray, n: int) -> float:
    best = 0.0
    for k in range(1, n + 1):
        for s in itertools.combinations(range(D.shape[0]), k):
            best = max(best, float(w[D[list(s)].any(axis=0)].sum()))
    return best


# -- demand and candidates ---------------------------------------------------------------------


def test_demand_is_the_dark_electrified_land_of_the_villages(world: AreaResult) -> None:
    d = area_demand(world, unit="people")
    rows, cols, people, owner, _, _, _ = reference(world)
    assert len(d) > 100
    np.testing.assert_array_equal(d.rows, rows)
    np.testing.assert_array_equal(d.cols, cols)
    np.testing.assert_array_equal(d.owner, owner)
    np.testing.assert_allclose(d.weight, people)
    assert (world.coverage.serving[d.rows, d.cols] == 0).all()
    area = area_demand(world, unit="km2")
    np.testing.assert_allclose(area.weight, RES * RES / 1e6)


def test_field_checks_settle_or_darken_villages() -> None:
    checks = pd.DataFrame(
        {
            "observed": ["no_signal", "signal", "no_power"],
            "date": ["2025-12-01"] * 3,
            "checked_by": ["A"] * 3,
            "note": [""] * 3,
        },
        index=pd.Index(["V0", "V1", "V2"], name="village_id"),
    )
    result = analysed(checks)
    d = area_demand(result, unit="km2")
    rows, cols, _, owner, _, _, _ = reference(result, field_dark={0}, settled={1, 2})
    np.testing.assert_array_equal(d.rows, rows)
    np.testing.assert_array_equal(d.cols, cols)
    np.testing.assert_array_equal(d.owner, owner)
    assert set(np.unique(d.owner)) == {0, 3}
    # the field says V0 has no signal: its served land is demand too
    assert (result.coverage.serving[d.rows, d.cols] != 0).any()
    assert d.covered_cells[0] == 0 and d.field_dark[0]


def test_candidates_sit_on_powered_land_or_existing_masts(world: AreaResult) -> None:
    plan = plan_area(
        world,
        PlanOptions(n_sites=2, candidate_spacing_m=1000, curve_points=0, time_limit_s=10),
        coverage=CoverageOptions(fixed_radii_m={"LTE": RADIUS}),
    )
    c = plan.candidates
    new = c[c.kind == "new"]
    assert len(new) >= 10
    assert electrified_at(new.x.to_numpy(), new.y.to_numpy()).all()  # never on unpowered land
    assert new.powered.all()
    # on the lattice: one per 1 km tile, at a cell centre
    xs, ys = world.grid.cell_centres()
    assert np.isin(new.x, xs).all() and np.isin(new.y, ys).all()
    tiles = set(zip((new.row // 5).tolist(), (new.col // 5).tolist(), strict=True))
    assert len(tiles) == len(new)
    masts = c[c.kind != "new"]
    assert list(masts.kind) == ["shared_mast"]  # no operator planned: another's mast
    assert masts.x.iloc[0] == pytest.approx(EXISTING[0], abs=0.5)
    # every candidate reaches some demand cell centre; none of the dropped could
    rows, cols, _, _, _, X, Y = reference(world)
    flat = rows * world.grid.width + cols
    D = reference_matrix(c, X, Y, flat)
    assert D.any(axis=1).all()


# -- the coverage matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("model_name", ["disc", "hata", "terrain"])
def test_windowed_batches_equal_each_candidate_on_the_whole_grid(model_name: str) -> None:
    """32 candidates a call on windows give each candidate's own coverage on the whole grid
    (the model run once per candidate): exactly for the distance models; for the terrain model
    beyond 2 km the sweep writes one value per block of cells aligned with its grid's origin
    (terrain.SWEEP_LEVELS), so a window's blocks may be cut differently from the whole grid's:
    at most 0.1 % of the entries differ."""

    class Dem:
        def on_grid(self, g: AnalysisGrid) -> np.ndarray:
            xs, ys = g.cell_centres()
            X, Y = np.meshgrid(xs, ys)
            z = 300 + 150 * np.sin((X - X0) / 700.0) * np.cos((Y - Y0) / 900.0)
            return (z + 0.01 * (X - X0)).astype("f4")

    from pyproj import CRS

    grid = AnalysisGrid.covering(
        (X0, Y0, X0 + 8000, Y0 + 8000), resolution=100, crs=CRS.from_user_input(UTM)
    )
    rng = np.random.default_rng(3)
    n = 40
    x = X0 + rng.uniform(500, 7500, n)
    y = Y0 + rng.uniform(500, 7500, n)
    m = rng.random(grid.shape) < 0.5
    idx = np.full(grid.shape, -1, np.int32)
    idx[m] = np.arange(m.sum())
    cov = CoverageOptions(model=model_name, max_range_m=3000, terrain_resolution_m=50)
    model = candidate_model(cov, radio="LTE", antenna_height_m=30)
    radius = cov.fixed_radii_m["LTE"]
    reach = serving_reach_m(
        model, candidate_emitters(x, y, np.arange(n), radio="LTE", range_m=radius)
    )
    cm = coverage_matrix(
        model, x, y, grid, idx, radio="LTE", range_m=radius, reach_m=reach, dem=Dem(),
        terrain_resolution_m=50,
    )  # fmt: skip
    assert cm.batches >= 2
    A = cm.matrix.toarray()
    differ = 0
    for j in range(n):
        alone = coverage_on_grid(
            model,
            candidate_emitters(x, y, np.array([j]), radio="LTE", range_m=radius),
            grid,
            dem=Dem(),
            terrain_resolution_m=50,
        )
        want = (alone.serving[m] & 1).astype(bool)
        if model_name == "terrain":
            differ += int((A[j] != want).sum())
        else:
            np.testing.assert_array_equal(A[j], want)
    assert differ <= 0.001 * A.size
    assert A.any()


def test_high_points_are_each_tiles_highest_powered_cell(world: AreaResult) -> None:
    def height(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return 100 + 40 * np.sin((x - X0) / 310.0) + 30 * np.cos((y - Y0) / 270.0)

    dem = FunctionSource(height, "f4")
    plan = plan_area(
        world,
        PlanOptions(n_sites=1, candidate_spacing_m=1000, curve_points=0),
        coverage=CoverageOptions(fixed_radii_m={"LTE": RADIUS}),
        dem=dem,
    )
    c = plan.candidates
    elev = dem.on_grid(world.grid)
    np.testing.assert_allclose(c.elevation_m, np.round(elev[c.row, c.col], 1), atol=0.051)
    high = c[c.source == "high_point"]
    assert len(high) >= 3
    powered = world.electrified
    for r, col in zip(high.row, high.col, strict=True):
        tr, tc = r // 5, col // 5
        tile = np.where(powered[tr * 5 : tr * 5 + 5, tc * 5 : tc * 5 + 5],
                        elev[tr * 5 : tr * 5 + 5, tc * 5 : tc * 5 + 5], -np.inf)  # fmt: skip
        assert elev[r, col] == tile.max()
    assert (high.kind == "new").all() and high.powered.all()


def test_antenna_height_reaches_the_propagation_model() -> None:
    low = candidate_model(CoverageOptions(model="hata"), radio="LTE", antenna_height_m=10)
    high = candidate_model(CoverageOptions(model="hata"), radio="LTE", antenna_height_m=60)
    e = candidate_emitters(
        np.zeros(1), np.zeros(1), np.zeros(1, np.int64), radio="LTE", range_m=1.0
    )
    assert serving_reach_m(high, e) > serving_reach_m(low, e) > 0


# -- the plan against brute force -----------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_plan(world: AreaResult):  # type: ignore[no-untyped-def]
    plan = plan_area(
        world,
        PlanOptions(n_sites=3, candidate_spacing_m=1400, curve_points=3, time_limit_s=20, gap=0),
        coverage=CoverageOptions(fixed_radii_m={"LTE": RADIUS}),
    )
    rows, cols, people, _, per_village, X, Y = reference(world)
    flat = rows * world.grid.width + cols
    D = reference_matrix(plan.candidates, X, Y, flat)
    return plan, D, people, per_village, flat


def test_the_coverage_matrix_is_the_exact_discs(tiny_plan) -> None:  # type: ignore[no-untyped-def]
    plan, D, *_ = tiny_plan
    assert 8 <= D.shape[0] <= 16
    np.testing.assert_array_equal(plan.matrix.toarray(), D)


def test_the_plan_is_the_brute_force_optimum(tiny_plan) -> None:  # type: ignore[no-untyped-def]
    plan, D, people, _, _ = tiny_plan
    best = brute_best(D, people, 3)
    assert plan.result.covered_demand == pytest.approx(best, rel=1e-9)
    # the chosen sites' union, from the exact discs, is what the plan claims: nothing twice
    union = D[plan.result.chosen].any(axis=0)
    assert people[union].sum() == pytest.approx(best, rel=1e-9)
    assert plan.sites["demand_covered"].sum() == pytest.approx(best, rel=1e-9)
    assert plan.sites["people_covered"].sum() == pytest.approx(best, rel=1e-9)
    np.testing.assert_allclose(plan.sites["demand_covered"], plan.result.marginal_demand)
    # ranked by marginal gain: the first is the best single site
    single = (D * people).sum(axis=1)
    assert plan.sites["demand_covered"].iloc[0] == pytest.approx(single.max())
    assert (np.diff(plan.sites["demand_covered"]) <= 1e-9).all()
    assert list(plan.sites.columns) == list(PLAN_SITE_COLUMNS)
    total = people.sum()
    coverable = people[D.any(axis=0)].sum()
    assert plan.share_base == pytest.approx(coverable)
    np.testing.assert_allclose(
        plan.sites["cumulative_share"], np.cumsum(plan.sites["demand_covered"]) / coverable
    )
    assert coverable < total  # some demand is out of every candidate's reach


def test_curve_optimum_and_greedy_against_brute_force(tiny_plan) -> None:  # type: ignore[no-untyped-def]
    plan, D, people, _, _ = tiny_plan
    c = plan.curve.set_index("sites")
    base = plan.share_base
    for k in c.index[c["optimal_share"].notna()]:
        assert c.loc[k, "optimal_share"] * base == pytest.approx(brute_best(D, people, k), rel=1e-9)
        assert c.loc[k, "bound_share"] >= c.loc[k, "optimal_share"] - 1e-12
    # greedy: one site at a time, the best addition each time
    covered = np.zeros(D.shape[1], dtype=bool)
    for k in c.index:
        gains = [people[D[j] & ~covered].sum() for j in range(D.shape[0])]
        covered |= D[int(np.argmax(gains))]
        assert c.loc[k, "greedy_share"] * base == pytest.approx(people[covered].sum(), rel=1e-9)
        assert c.loc[k, "greedy_share"] <= c.loc[k, "bound_share"] + 1e-12 or np.isnan(
            c.loc[k, "bound_share"]
        )


def test_unreachable_villages_are_those_no_disc_reaches(tiny_plan, world) -> None:  # type: ignore[no-untyped-def]
    plan, D, people, _, flat = tiny_plan
    lost = ~D.any(axis=0)
    assert lost.any()
    np.testing.assert_array_equal(np.sort(plan.result.uncoverable), np.flatnonzero(lost))
    xs, ys = world.grid.cell_centres()
    X, Y = np.meshgrid(xs, ys)
    table = plan.unreachable.set_index("village_id")
    for v, poly in enumerate(VILLAGES):
        inside = shapely.contains_xy(poly, X.ravel()[flat], Y.ravel()[flat])
        n_lost = int((inside & lost).sum())
        if n_lost:
            assert table.loc[f"V{v}", "unreachable_km2"] == pytest.approx(n_lost * RES * RES / 1e6)
            assert table.loc[f"V{v}", "unreachable_people"] == pytest.approx(
                people[inside & lost].sum(), abs=0.05
            )
            dark = int(inside.sum())
            assert table.loc[f"V{v}", "unreachable_share"] == pytest.approx(n_lost / dark)
        else:
            assert f"V{v}" not in table.index


def villages_fixed_by(chosen: list[int], D: np.ndarray, per_village, flat, threshold: float) -> int:  # type: ignore[no-untyped-def]
    """Villages whose covered share of electrified land reaches ``threshold`` with ``chosen``
    and did not before, from the exact geometry."""
    new = np.zeros(per_village[0][0].size, dtype=bool)
    if chosen:
        new[flat[D[chosen].any(axis=0)]] = True
    count = 0
    for elec, served in per_village:
        n = elec.sum()
        if n and served.sum() / n < threshold and (served | (new & elec)).sum() / n >= threshold:
            count += 1
    return count


def test_villages_fixed_figures_and_objective_against_brute_force(tiny_plan, world) -> None:  # type: ignore[no-untyped-def]
    plan, D, _, per_village, flat = tiny_plan
    th = world.thresholds.covered
    chosen = list(plan.result.chosen)
    assert plan.sites["villages_fixed"].sum() == villages_fixed_by(chosen, D, per_village, flat, th)
    for k in range(1, len(chosen) + 1):  # the rank at which each becomes fixed
        assert plan.sites["villages_fixed"].iloc[:k].sum() == villages_fixed_by(
            chosen[:k], D, per_village, flat, th
        )
    vplan = plan_area(
        world,
        PlanOptions(
            n_sites=3, objective="villages", candidate_spacing_m=1400, curve_points=0, gap=0
        ),
        coverage=CoverageOptions(fixed_radii_m={"LTE": RADIUS}),
    )
    best = max(
        villages_fixed_by(list(s), D, per_village, flat, th)
        for k in (1, 2, 3)
        for s in itertools.combinations(range(D.shape[0]), k)
    )
    assert best >= 1
    # the objectives differ here: the most people is not the most villages fixed
    assert villages_fixed_by(chosen, D, per_village, flat, th) < best
    assert vplan.result.objective == best
    assert vplan.summary()["villages_fixed"] == best


def test_target_share_is_the_fewest_sites_by_brute_force(world: AreaResult) -> None:
    plan = plan_area(
        world,
        PlanOptions(target_share=0.8, candidate_spacing_m=1400, curve_points=0, gap=0),
        coverage=CoverageOptions(fixed_radii_m={"LTE": RADIUS}),
    )
    rows, cols, people, *_, X, Y = reference(world)
    D = reference_matrix(plan.candidates, X, Y, rows * world.grid.width + cols)
    coverable = people[D.any(axis=0)].sum()
    fewest = next(
        k for k in range(1, D.shape[0] + 1) if brute_best(D, people, k) >= 0.8 * coverable - 1e-9
    )
    assert plan.result.status == "optimal"
    assert len(plan.sites) == fewest
    assert plan.sites["cumulative_share"].iloc[-1] >= 0.8 - 1e-9


def test_served_grid_matches_the_matrix(tiny_plan) -> None:  # type: ignore[no-untyped-def]
    plan, *_ = tiny_plan
    d = plan.demand
    np.testing.assert_array_equal(plan.served[d.rows, d.cols], plan.first_rank)
    ranks = first_ranks(plan.matrix, plan.result.chosen)
    np.testing.assert_array_equal(ranks, plan.first_rank)


def test_masts_of_the_planned_operator_are_upgrades_and_cost_less(world: AreaResult) -> None:
    plan = plan_area(
        world,
        PlanOptions(n_sites=1, candidate_spacing_m=1400, curve_points=0),
        coverage=CoverageOptions(fixed_radii_m={"LTE": RADIUS}),
        planned_operators=("Viettel",),
    )
    assert list(plan.candidates.loc[plan.candidates.source == "mast", "kind"]) == ["upgrade"]
    assert KIND_COST["upgrade"] < KIND_COST["new"] and KIND_COST["shared_mast"] < KIND_COST["new"]


def test_people_objective_needs_population(world: AreaResult) -> None:
    import dataclasses

    no_people = dataclasses.replace(world, population=None)
    with pytest.raises(SettingsError, match="population"):
        plan_area(no_people, PlanOptions(n_sites=1, objective="people"))
    auto = plan_area(no_people, PlanOptions(n_sites=1, curve_points=0))
    assert auto.objective == "area" and auto.demand.unit == "km2"
    assert auto.sites["people_covered"].isna().all()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "PlanOptions.n_sites"),
        ({"n_sites": 3, "target_share": 0.9}, "PlanOptions.n_sites"),
        ({"n_sites": 0}, "PlanOptions.n_sites"),
        ({"target_share": 1.5}, "PlanOptions.target_share"),
        ({"n_sites": 2, "radio": "2G"}, "PlanOptions.radio"),
        ({"n_sites": 2, "radio": "WIMAX"}, "PlanOptions.radio"),
        ({"n_sites": 2, "objective": "money"}, "PlanOptions.objective"),
        ({"target_share": 0.9, "objective": "villages"}, "PlanOptions.objective"),
        ({"n_sites": 2, "candidate_spacing_m": 0}, "PlanOptions.candidate_spacing_m"),
        ({"n_sites": 2, "time_limit_s": -1}, "PlanOptions.time_limit_s"),
        ({"n_sites": 2, "curve_points": -1}, "PlanOptions.curve_points"),
        ({"n_sites": 2, "gap": 1.0}, "PlanOptions.gap"),
    ],
)
def test_plan_options_are_checked(kwargs: dict, field: str) -> None:
    with pytest.raises(SettingsError) as err:
        PlanOptions(**kwargs)
    assert field in err.value.fields


def test_plan_options_normalise_the_radio() -> None:
    assert PlanOptions(n_sites=1, radio="4g").radio == "LTE"
    assert PlanOptions(n_sites=1, radio="5G").radio == "NR"


def test_nothing_dark_is_an_empty_plan() -> None:
    result = analysed()
    import dataclasses

    lit = dataclasses.replace(
        result,
        coverage=dataclasses.replace(
            result.coverage, serving=np.ones_like(result.coverage.serving)
        ),
    )
    plan = plan_area(lit, PlanOptions(n_sites=3), coverage=CoverageOptions())
    assert len(plan.demand) == 0 and len(plan.candidates) == 0 and len(plan.sites) == 0
    assert plan.unreachable.empty
    assert isinstance(plan.matrix, sp.csr_array) and plan.matrix.shape == (0, 0)
    assert math.isfinite(plan.summary()["covered_share"])
