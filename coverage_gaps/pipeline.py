"""One area (a province, or any set of villages) from in-memory inputs to per-village gaps.

:func:`analyse_area` is the unit of work and reads as the pipeline it is, each step a public
function of the module that owns it:

1. the grid: :func:`coverage_gaps.grid.choose_metric_crs`,
   :func:`coverage_gaps.zonal.village_geometry`, :meth:`coverage_gaps.grid.AnalysisGrid.covering`;
2. the sites in reach: :func:`coverage_gaps.sites.sites_in_reach`;
3. electrification, population and terrain on the grid: the
   :class:`~coverage_gaps.io.sources.GridSource` objects;
4. coverage on the grid: :func:`coverage_gaps.coverage.coverage_on_grid`;
5. the villages' spans and totals: :func:`coverage_gaps.zonal.village_totals`;
6. the village table (statuses, reasons, priorities): :func:`coverage_gaps.gaps.village_table`;
7. assembled into an :class:`AreaResult`.

No step knows which outputs will be written: dead-zone polygons and site points are built when
a writer first asks for them.  Areas are independent, so a country is a loop (or a cluster's
tasks) over them.
"""

from __future__ import annotations

import functools
import logging
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps.budget import area_budget, check_bytes, memory_budget_bytes
from coverage_gaps.coverage.base import CoverageResult, Emitters
from coverage_gaps.coverage.linkbudget import LinkBudget
from coverage_gaps.coverage.models import (
    CoverageModel,
    coverage_on_grid,
    make_coverage_model,
    terrain_grid,
)
from coverage_gaps.errors import CoverageGapsWarning, SelectionError
from coverage_gaps.gaps import village_table
from coverage_gaps.grid import WGS84, AnalysisGrid, choose_metric_crs
from coverage_gaps.io.sources import CachedGrid, GridSource
from coverage_gaps.settings import AnalysisOptions, CoverageOptions, StatusThresholds
from coverage_gaps.sites import AreaSites, nearest_site_m, site_points, sites_in_reach
from coverage_gaps.zonal import (
    VillageSpans,
    VillageTotals,
    mark_spans,
    span_cells,
    village_distance_to,
    village_geometry,
    village_totals,
)

if TYPE_CHECKING:
    from affine import Affine
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "BYTES_PER_CELL",
    "AreaResult",
    "analyse_area",
    "evidence_columns",
    "mask_polygons",
    "mask_shapes",
    "nearest_observation_m",
    "retired_service",
    "village_mask_polygons",
]

log = logging.getLogger(__name__)

#: Bytes per analysis-grid cell of the layers every area keeps (electrified and village masks,
#: population and its float64 resampling, the coverage bitmasks and signal, the dead-zone mask).
BYTES_PER_CELL = 48


@dataclass
class AreaResult:
    """Everything one area's outputs (and a later planning step) are made from.

    Attributes
    ----------
    name
        The area's name (a province).
    villages
        One row per village (EPSG:4326): ids, names, figures, status, reason, priority.
    site_table
        The sites in reach of the area.
    grid
        The area's analysis grid.
    coverage
        Coverage on the grid.
    electrified
        Boolean electrified mask on the grid.
    population
        People per cell on the grid, or ``None`` without a population raster.
    spans
        The villages' cells on the grid.
    in_villages
        Boolean mask of the grid cells inside any village.
    operators
        The operators of the sites in reach; bit ``k`` of the coverage masks is
        ``operators[k]``.
    timings
        Seconds per step.
    retired
        uint8 bits (:data:`coverage_gaps.gaps.GENERATION_BITS`) of the retired generations
        that would serve each cell, or ``None``.
    thresholds
        The status thresholds the villages were classified with (for the outputs that
        explain the statuses).
    communes
        The communes' outlines (polygons with a ``name`` column, EPSG:4326), drawn as the base of
        the map when given; ``None`` draws the communes' names at their villages.
    link_budget
        The link budget of the coverage model that predicts a signal (its thresholds class the
        signal on the map); ``None`` for models without one.
    """

    name: str
    villages: gpd.GeoDataFrame
    site_table: pd.DataFrame
    grid: AnalysisGrid
    coverage: CoverageResult
    electrified: np.ndarray
    population: np.ndarray | None
    spans: VillageSpans
    in_villages: np.ndarray
    operators: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    retired: np.ndarray | None = None
    thresholds: StatusThresholds = field(default_factory=StatusThresholds)
    communes: gpd.GeoDataFrame | None = None
    link_budget: LinkBudget | None = None

    @property
    def with_population(self) -> bool:
        """Whether a population raster was given."""
        return self.population is not None

    @functools.cached_property
    def sites(self) -> gpd.GeoDataFrame:
        """The sites in reach of the area as points (EPSG:4326)."""
        return site_points(self.site_table)

    @functools.cached_property
    def distance_to_electricity_m(self) -> np.ndarray:
        """Per village without electrified land, the distance (m) from its nearest cell centre
        to the nearest electrified cell centre of the area's grid (0 for the others; NaN when
        the grid has no electrified cell): the power company's measure for the villages
        without power.  Land beyond the area's grid is not seen, so a distance near the grid's
        margin is a lower bound.

        Exact on the grid (:func:`~coverage_gaps.zonal.village_distance_to`).
        """
        n = len(self.villages)
        out = np.zeros(n)
        dark = np.flatnonzero(self.villages["electrified_km2"].to_numpy(dtype="f8") <= 0)
        if not dark.size:
            return out
        cells = village_distance_to(self.spans, self.electrified, dark)
        out[dark] = np.round(cells * self.grid.resolution)
        return out

    @functools.cached_property
    def dead_zones(self) -> gpd.GeoDataFrame:
        """Each village's electrified land that no counted service reaches (EPSG:4326): one
        (multi)polygon per village that has any, with the village's ``village_id``,
        ``village_name``, ``commune``, ``province`` and the land's ``area_km2``.  Villages may
        overlap, so a cell may be in the dead zone of two villages."""
        dead = self.electrified & (self.coverage.serving == 0)
        return village_mask_polygons(dead, self.spans, self.grid, self.villages)


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    timings[step] = timings.get(step, 0.0) + time.perf_counter() - t0


def analyse_area(
    name: str,
    villages: gpd.GeoDataFrame,
    sites: pd.DataFrame,
    emitters: pd.DataFrame,
    *,
    electrification: GridSource,
    population: GridSource | None = None,
    dem: GridSource | None = None,
    coverage: CoverageOptions | None = None,
    link_budget: LinkBudget | None = None,
    model: CoverageModel | None = None,
    analysis: AnalysisOptions | None = None,
    shared_by: int = 1,
    retired: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    observations: pd.DataFrame | None = None,
    field_checks: pd.DataFrame | None = None,
    communes: gpd.GeoDataFrame | None = None,
    as_of: date | None = None,
) -> AreaResult:
    """Per-village gaps of one area.

    Parameters
    ----------
    name
        The area's name (a province), used in outputs.
    villages
        Villages as :func:`coverage_gaps.io.read_villages` returns them (any CRS).
    sites, emitters
        From :func:`coverage_gaps.sites.collapse_sites`, already filtered to the service that
        counts (:func:`coverage_gaps.sites.select_cells`).
    electrification, population, dem
        Sources that put a boolean electrified mask, people per cell and elevation onto a grid
        (:mod:`coverage_gaps.io.sources`).  ``dem`` is needed by the models that use terrain.
    coverage
        The coverage model, the range model's radii and the terrain resolution.
    link_budget
        For the models that predict a signal (default: the built-in budget).
    model
        A coverage model to use instead of the one ``coverage`` names (e.g. one of your own);
        ``coverage`` still gives the disc radii and the terrain resolution.
    analysis
        Grid, point-village radius, status thresholds and the memory budget.
    communes
        The communes' outlines (polygons with a ``name`` column), kept on the result for the
        map; any CRS (returned in EPSG:4326).
    as_of
        The date the network is looked at (for the age of the evidence; default today).
    shared_by
        How many areas are analysed at the same time on this machine (they share the memory
        budget).
    retired
        ``(sites, emitters)`` of the cells past their generation's sunset: they serve nobody,
        but where they alone would serve, the gap's reason is ``2g_sunset`` (``3g_sunset``).
    observations
        ``lon``, ``lat`` of every cell observed: a dead zone with none within
        :data:`coverage_gaps.gaps.NO_MEASUREMENTS_M` gets ``no_measurements_nearby``.
    field_checks
        Officials' checks by village id (:func:`coverage_gaps.io.read_field_checks`): they
        override the modelled statuses (:func:`coverage_gaps.gaps.apply_field_checks`).

    Raises
    ------
    SelectionError
        ``villages`` is empty.
    SizeError
        A grid or table would not fit in the memory budget.
    """
    analysis = analysis or AnalysisOptions()
    coverage = coverage or CoverageOptions()
    model = model or make_coverage_model(coverage, link_budget=link_budget)
    if len(villages) == 0:
        raise SelectionError(f"{name!r} has no villages to analyse")
    budget = memory_budget_bytes(analysis.memory_budget_gb, shared_by=shared_by)
    with area_budget(budget):
        return _analyse(
            name,
            villages,
            sites,
            emitters,
            electrification=electrification,
            population=population,
            dem=dem,
            coverage=coverage,
            model=model,
            analysis=analysis,
            budget=budget,
            retired=retired,
            observations=observations,
            field_checks=field_checks,
            communes=communes,
            as_of=as_of,
        )


def _analyse(
    name: str,
    villages: gpd.GeoDataFrame,
    sites: pd.DataFrame,
    emitters: pd.DataFrame,
    *,
    electrification: GridSource,
    population: GridSource | None,
    dem: GridSource | None,
    coverage: CoverageOptions,
    model: CoverageModel,
    analysis: AnalysisOptions,
    budget: int,
    retired: tuple[pd.DataFrame, pd.DataFrame] | None,
    observations: pd.DataFrame | None,
    field_checks: pd.DataFrame | None = None,
    communes: gpd.GeoDataFrame | None = None,
    as_of: date | None = None,
) -> AreaResult:
    """The steps of :func:`analyse_area`."""
    timings: dict[str, float] = {}

    with _timed(timings, "grid"):
        crs = choose_metric_crs(tuple(villages.total_bounds), villages.crs, user_crs=analysis.crs)
        geometry = village_geometry(villages, crs, radius_m=analysis.village_radius_m)
        grid = AnalysisGrid.covering(
            geometry.bounds, resolution=analysis.resolution_m, crs=crs, margin=analysis.resolution_m
        )
        x0, y0, x1, y1 = geometry.bounds
        check_bytes(
            f"{name}: the analysis grid of {grid.width:,} x {grid.height:,} cells of "
            f"{grid.resolution:g} m (its villages span {(x1 - x0) / 1000:,.0f} km x "
            f"{(y1 - y0) / 1000:,.0f} km)",
            BYTES_PER_CELL * grid.width * grid.height,
            budget,
            fix="check that the villages of one province lie together (a wrong province or "
            "CRS puts some on another continent), or use a coarser --resolution",
        )
        log.info(
            "%s: %d villages on a %d x %d grid of %g m in %s",
            name,
            len(villages),
            grid.width,
            grid.height,
            grid.resolution,
            crs.to_string(),
        )

    with _timed(timings, "sites"):
        near = sites_in_reach(sites, emitters, grid, reach_m=model.reach_m, ranges=coverage)
        old = None  # the retired networks' emitters in reach
        if retired is not None:
            old = sites_in_reach(*retired, grid, reach_m=model.reach_m, ranges=coverage).emitters
        if model.needs_dem and dem is not None and old is not None:
            # one read of the DEM for the current and the retired networks' terrain grids
            extent = terrain_grid(
                grid,
                np.concatenate([near.emitters.x, old.x]),
                np.concatenate([near.emitters.y, old.y]),
                terrain_resolution_m=coverage.terrain_resolution_m,
            )
            dem = CachedGrid(dem, extent)

    with _timed(timings, "electrification"):
        electrified = electrification.on_grid(grid)
    people = None
    if population is not None:
        with _timed(timings, "population"):
            people = population.on_grid(grid)

    with _timed(timings, "zonal"):
        spans = geometry.spans(grid)

    inside = mark_spans(spans, grid.shape)
    where = electrified & inside  # the cells that matter
    with _timed(timings, "coverage"):
        result = coverage_on_grid(
            model,
            near.emitters,
            grid,
            dem=dem,
            terrain_resolution_m=coverage.terrain_resolution_m,
            budget_bytes=budget,
            area=name,
            where=where,
        )
    retired_layer = None
    if old is not None:
        with _timed(timings, "retired"):
            retired_layer = retired_service(
                model,
                old,
                grid,
                dem=dem,
                terrain_resolution_m=coverage.terrain_resolution_m,
                budget=budget,
                area=name,
                where=where,
            )
    if len(near.emitters) == 0 or not result.serving.any():
        warnings.warn(
            f"{name}: no site reaches any of its villages; every electrified village is a dead "
            "zone",
            CoverageGapsWarning,
            stacklevel=2,
        )

    with _timed(timings, "zonal"):
        totals = village_totals(
            spans,
            electrified=electrified,
            serving=result.serving,
            broadband=result.broadband,
            population=people,
            reach=result.reach,
            signal=result.best_signal_dbm,
            retired=retired_layer,
        )
        observed_m = (
            None
            if observations is None
            else functools.partial(_observed_m, geometry.metric, grid, observations)
        )
        table = village_table(
            totals,
            ids=villages["village_id"],
            cell_area_m2=grid.cell_area_m2,
            operators=near.operators,
            thresholds=analysis.thresholds,
            with_population=people is not None,
            with_signal=result.best_signal_dbm is not None,
            nearest_observation_m=observed_m,
            field_checks=field_checks,
        )

    with _timed(timings, "nearest"):
        table.insert(
            list(table.columns).index("priority"),
            "nearest_site_m",
            nearest_site_m(geometry.metric, crs, near.table, sites),
        )

    with _timed(timings, "evidence"):
        for col, values in evidence_columns(
            model,
            near,
            grid,
            spans,
            electrified,
            totals,
            table,
            link_budget=getattr(model, "link_budget", None),
            thresholds=analysis.thresholds,
            as_of=as_of,
        ).items():
            table[col] = values

    with _timed(timings, "assemble"):
        out = _assemble(villages, geometry.points, geometry.area_m2, crs, table)

    return AreaResult(
        name=name,
        villages=out,
        site_table=near.table.drop(columns=["x", "y"]),
        grid=grid,
        coverage=result,
        electrified=electrified,
        population=people,
        spans=spans,
        in_villages=inside,
        operators=near.operators,
        timings=timings,
        retired=retired_layer,
        thresholds=analysis.thresholds,
        communes=None if communes is None else communes.to_crs(4326),
        link_budget=getattr(model, "link_budget", None),
    )


def evidence_columns(
    model: CoverageModel,
    near: AreaSites,
    grid: AnalysisGrid,
    spans: VillageSpans,
    electrified: np.ndarray,
    totals: VillageTotals,
    table: pd.DataFrame,
    *,
    link_budget: LinkBudget | None,
    thresholds: StatusThresholds,
    as_of: date | None,
) -> dict[str, np.ndarray]:
    """The evidence columns of the village table (:mod:`coverage_gaps.evidence`): the sites in
    reach and serving, the best site, the observations behind them, whether the disc and the
    flat-ground propagation model agree, and the confidence."""
    from coverage_gaps.coverage.discs import DiscModel, disc_coverage
    from coverage_gaps.coverage.linkbudget import default_link_budget
    from coverage_gaps.coverage.signal import PropagationModel
    from coverage_gaps.evidence import Scoring, confidence, village_evidence
    from coverage_gaps.gaps import classify

    em = near.emitters
    flat = getattr(model, "flat_serving_radius_m", None)
    if model.needs_dem:  # terrain models: every site within the model's range may serve
        radii = np.full(len(em), float(model.reach_m))
    elif flat is not None:
        radii = flat(em)
    else:
        radii = np.asarray(em.range_m, dtype="f8")
    scoring = None
    if isinstance(model, PropagationModel):
        from coverage_gaps.coverage.propagation import ENVIRONMENT_CODES
        from coverage_gaps.network import RADIOS

        params = [model.link_budget.radios[RADIOS[int(r)]] for r in np.asarray(em.radio)]
        scoring = Scoring(
            signal=True,
            eirp_dbm=np.array([p.eirp_dbm for p in params], dtype="f8"),
            frequency_mhz=np.array([p.frequency_mhz for p in params], dtype="f8"),
            base_height_m=np.array([p.antenna_height_m for p in params], dtype="f8"),
            mobile_height_m=np.array([p.receiver_height_m for p in params], dtype="f8"),
            environment=ENVIRONMENT_CODES[model.environment],
            free_space=model.name == "free-space",
        )
    ev = village_evidence(
        spans,
        electrified,
        grid,
        em,
        near.table,
        radius_m=radii,
        scoring=scoring,
        # with terrain the radii are only an upper bound: the operator must serve there
        serving_operators=totals.covered_operators if model.needs_dem else None,
    )
    # The other family of model, on the same emitters: discs of the range model against the
    # flat-ground propagation model (Hata), whose coverage is a disc of its serving radius.
    if isinstance(model, DiscModel):
        hata = PropagationModel(
            "hata",
            link_budget or default_link_budget(),
            max_range_m=model.options.max_range_m,
            reliability=model.options.reliability,
        )
        alt_em = em.with_range(hata.flat_serving_radius_m(em))
    else:
        alt_em = em
    alt = disc_coverage(alt_em, grid)
    alt_totals = village_totals(
        spans, electrified=electrified, serving=alt.serving, broadband=alt.broadband
    )
    alt_status = classify(
        alt_totals, cell_area_m2=grid.cell_area_m2, operators=near.operators, thresholds=thresholds
    )["status"].to_numpy()
    model_status = table["model_status"].to_numpy() if "model_status" in table else table["status"]
    agree = np.asarray(model_status) == alt_status
    site_ids = ev.best_site
    return {
        "sites_in_reach": ev.sites_in_reach,
        "serving_sites": ev.serving_sites,
        "best_site_id": pd.Series(site_ids, dtype="Int64").where(site_ids >= 0).to_numpy(),
        "best_site_distance_m": ev.best_site_distance_m,
        "evidence_samples": ev.evidence_samples,
        "last_seen": ev.last_seen,
        "models_agree": agree,
        "confidence": confidence(
            status=table["status"].to_numpy(),
            models_agree=agree,
            samples=ev.evidence_samples,
            last_seen=ev.last_seen,
            nearby_last_seen=ev.nearby_last_seen,
            reasons=table["reason"].to_numpy(),
            as_of=as_of or date.today(),
        ),
    }


def retired_service(
    model: CoverageModel,
    emitters: Emitters,
    grid: AnalysisGrid,
    *,
    dem: GridSource | None,
    terrain_resolution_m: float,
    budget: int,
    area: str,
    where: np.ndarray | None = None,
) -> np.ndarray:
    """The generations past their sunset that would serve each cell of ``grid`` (bits of
    :data:`~coverage_gaps.gaps.GENERATION_BITS`), by the same model as the counted service;
    ``emitters`` are the retired networks' emitters in reach of ``grid``
    (:func:`~coverage_gaps.sites.sites_in_reach`)."""
    from coverage_gaps.gaps import GENERATION_BITS
    from coverage_gaps.network import GENERATIONS, RADIOS

    layer = np.zeros(grid.shape, dtype=np.uint8)
    if not len(emitters):
        return layer
    gens = np.array([GENERATIONS[RADIOS[int(r)]] for r in emitters.radio])
    for gen in sorted(set(gens.tolist())):
        part = coverage_on_grid(
            model,
            emitters.subset(gens == gen),
            grid,
            dem=dem,
            terrain_resolution_m=terrain_resolution_m,
            budget_bytes=budget,
            area=area,
            where=where,
        )
        layer[part.serving != 0] |= np.uint8(GENERATION_BITS[gen])
    return layer


def _observed_m(
    metric: np.ndarray, grid: AnalysisGrid, observations: pd.DataFrame, which: np.ndarray
) -> np.ndarray:
    from coverage_gaps.gaps import NO_MEASUREMENTS_M

    # only whether a cell was observed within NO_MEASUREMENTS_M matters to the reasons
    return nearest_observation_m(metric[which], grid, observations, within_m=NO_MEASUREMENTS_M)


def nearest_observation_m(
    metric: np.ndarray,
    grid: AnalysisGrid,
    observations: pd.DataFrame,
    *,
    within_m: float | None = None,
) -> np.ndarray:
    """Distance (m) from each village (``metric``: geometries in the grid's CRS) to the
    nearest observed cell (``observations``: columns ``lon``, ``lat``).

    Only the observations in the villages' box widened by ``within_m`` are searched, and a
    village with none within ``within_m`` gets NaN; the other distances are exact.  Without
    ``within_m``, the box is widened by 50 km and every distance found in it is kept.
    """
    from rasterio.warp import transform_bounds

    from coverage_gaps.gaps import NO_MEASUREMENTS_M

    if within_m is not None and not (np.isfinite(within_m) and within_m > 0):
        raise ValueError(f"within_m={within_m!r} is not a positive distance in metres")
    pad = 5 * NO_MEASUREMENTS_M if within_m is None else float(within_m)
    if not len(metric):
        return np.full(0, np.nan)
    x0, y0, x1, y1 = shapely.total_bounds(metric)
    # the box in lon/lat holds the widened box (its edges densified, then a 1 % margin)
    lon0, lat0, lon1, lat1 = transform_bounds(
        grid.crs, "EPSG:4326", x0 - pad, y0 - pad, x1 + pad, y1 + pad, densify_pts=21
    )
    mx, my = 0.01 * (lon1 - lon0), 0.01 * (lat1 - lat0)
    lon = observations["lon"].to_numpy(dtype="f8")
    lat = observations["lat"].to_numpy(dtype="f8")
    box = (lon >= lon0 - mx) & (lon <= lon1 + mx) & (lat >= lat0 - my) & (lat <= lat1 + my)
    if not box.any():
        return np.full(len(metric), np.nan)
    near = pd.DataFrame({"lon": lon[box], "lat": lat[box]})  # projected by nearest_site_m
    dist = nearest_site_m(metric, grid.crs, near, near)
    if within_m is not None:
        dist[dist > within_m] = np.nan
    return dist


def _assemble(
    villages: gpd.GeoDataFrame,
    points: np.ndarray,
    area_m2: np.ndarray,
    crs: object,
    table: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """The villages' ids and names, their representative point in lon/lat, their area and the
    table's columns, on the villages' geometry in EPSG:4326."""
    rep_ll = gpd.GeoSeries(points, crs=crs).to_crs(4326)
    out = gpd.GeoDataFrame(
        {
            "village_id": villages["village_id"].to_numpy(),
            "village_name": villages["village_name"].to_numpy(),
            "commune": villages["commune"].to_numpy(),
            "province": villages["province"].to_numpy(),
            "lon": np.round(rep_ll.x.to_numpy(), 6),
            "lat": np.round(rep_ll.y.to_numpy(), 6),
            "area_km2": area_m2 / 1e6,
        },
        geometry=_lonlat(villages.geometry),
        crs=4326,
    )
    for col in table.columns:
        out[col] = table[col].to_numpy()
    return out


def _lonlat(geoms: gpd.GeoSeries) -> np.ndarray:
    """The geometry in EPSG:4326; left as it is when it is already WGS 84 longitude/latitude
    in another spelling (OGC:CRS84, a WKT), which a transformation would only copy."""
    crs = geoms.crs
    if crs is not None and crs.is_geographic and crs.equals(WGS84, ignore_axis_order=True):
        return np.asarray(geoms.values)
    return np.asarray(geoms.to_crs(4326).values)


def mask_shapes(mask: np.ndarray, transform: Affine) -> list[BaseGeometry]:
    """The polygons of the true cells of the boolean ``mask`` on a grid of ``transform``, in
    the grid's CRS (rasterio's polygoniser: one polygon per four-connected group, with its
    holes)."""
    from rasterio.features import shapes

    mask = np.asarray(mask, dtype=bool)
    return [
        shapely.geometry.shape(geom)
        for geom, _ in shapes(mask.astype(np.uint8), mask=mask, transform=transform)
    ]


def mask_polygons(mask: np.ndarray, grid: AnalysisGrid) -> gpd.GeoDataFrame:
    """Polygons (EPSG:4326) of the true cells of ``mask`` on ``grid``, with their area."""
    polys = mask_shapes(mask, grid.transform)
    frame = gpd.GeoDataFrame(
        {"area_km2": [p.area / 1e6 for p in polys]},
        geometry=gpd.GeoSeries(polys, crs=grid.crs),
        crs=grid.crs,
    )
    return frame.to_crs(4326)


#: The village columns each of its mask polygons carries.
_VILLAGE_KEYS = ("village_id", "village_name", "commune", "province")


def village_mask_polygons(
    mask: np.ndarray,
    spans: VillageSpans,
    grid: AnalysisGrid,
    villages: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """Per village, the polygons (EPSG:4326) of the true cells of ``mask`` among its own cells.

    Each village with any such cell gets one row: its ``village_id``, ``village_name``,
    ``commune`` and ``province`` (those of ``villages`` present), ``area_km2`` (its cells'
    area) and a (multi)polygon of those cells.  A cell of two overlapping villages is in both.
    The villages' cells are picked out of ``mask`` at once and each village is polygonised in
    its own bounding window, so the cost follows the villages' cells, not the grid.

    Parameters
    ----------
    mask
        Boolean array of ``grid.shape``.
    spans
        The villages' cells on ``grid``, aligned with ``villages``.
    grid
        The analysis grid.
    villages
        One row per village of ``spans``.
    """
    from affine import Affine

    if mask.shape != grid.shape:
        raise ValueError(f"mask has shape {mask.shape}, the grid is {grid.shape}")
    if len(villages) != spans.n_villages:
        raise ValueError(f"{len(villages)} villages for the spans of {spans.n_villages}")
    keys = [k for k in _VILLAGE_KEYS if k in villages.columns]
    owner, rows, cols = span_cells(spans)
    hit = mask[rows, cols]
    owner, rows, cols = owner[hit], rows[hit], cols[hit]
    found, starts, counts = np.unique(owner, return_index=True, return_counts=True)
    geoms = []
    for start, count in zip(starts.tolist(), counts.tolist(), strict=True):
        r, c = rows[start : start + count], cols[start : start + count]
        r0, c0 = int(r.min()), int(c.min())
        window = np.zeros((int(r.max()) - r0 + 1, int(c.max()) - c0 + 1), dtype=bool)
        window[r - r0, c - c0] = True
        t = grid.transform  # the window's, by hand (rasterio's helpers warn on Affine "*")
        at = Affine(t.a, t.b, t.c + t.a * c0 + t.b * r0, t.d, t.e, t.f + t.d * c0 + t.e * r0)
        pieces = mask_shapes(window, at)
        geoms.append(pieces[0] if len(pieces) == 1 else shapely.multipolygons(pieces))
    frame = gpd.GeoDataFrame(
        {
            **{k: villages[k].to_numpy()[found] for k in keys},
            "area_km2": counts * grid.cell_area_m2 / 1e6,
        },
        geometry=gpd.GeoSeries(geoms, crs=grid.crs),
        crs=grid.crs,
    )
    return frame.to_crs(4326)
