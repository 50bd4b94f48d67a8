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

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps.coverage.base import CoverageResult
from coverage_gaps.coverage.linkbudget import LinkBudget
from coverage_gaps.coverage.models import CoverageModel, coverage_on_grid, make_coverage_model
from coverage_gaps.errors import CoverageGapsWarning, SelectionError
from coverage_gaps.gaps import village_table
from coverage_gaps.grid import AnalysisGrid, choose_metric_crs
from coverage_gaps.io.sources import GridSource
from coverage_gaps.settings import AnalysisOptions, CoverageOptions
from coverage_gaps.sites import nearest_site_m, site_points, sites_in_reach
from coverage_gaps.zonal import VillageSpans, mark_spans, village_geometry, village_totals

__all__ = ["AreaResult", "analyse_area", "mask_polygons"]

log = logging.getLogger(__name__)


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
    operators
        The operators of the sites in reach; bit ``k`` of the coverage masks is
        ``operators[k]``.
    timings
        Seconds per step.
    """

    name: str
    villages: gpd.GeoDataFrame
    site_table: pd.DataFrame
    grid: AnalysisGrid
    coverage: CoverageResult
    electrified: np.ndarray
    population: np.ndarray | None
    spans: VillageSpans
    operators: list[str]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def with_population(self) -> bool:
        """Whether a population raster was given."""
        return self.population is not None

    @functools.cached_property
    def sites(self) -> gpd.GeoDataFrame:
        """The sites in reach of the area as points (EPSG:4326)."""
        return site_points(self.site_table)

    @functools.cached_property
    def in_villages(self) -> np.ndarray:
        """Boolean mask of the grid cells inside any village."""
        return mark_spans(self.spans, self.grid.shape)

    @functools.cached_property
    def dead_zones(self) -> gpd.GeoDataFrame:
        """Polygons (EPSG:4326) of the villages' electrified land that no counted service
        reaches."""
        dead = self.electrified & (self.coverage.serving == 0) & self.in_villages
        return mask_polygons(dead, self.grid)


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
        Grid, point-village radius and status thresholds.

    Raises
    ------
    SelectionError
        ``villages`` is empty.
    """
    analysis = analysis or AnalysisOptions()
    coverage = coverage or CoverageOptions()
    model = model or make_coverage_model(coverage, link_budget=link_budget)
    timings: dict[str, float] = {}
    if len(villages) == 0:
        raise SelectionError(f"{name!r} has no villages to analyse")

    with _timed(timings, "grid"):
        crs = choose_metric_crs(tuple(villages.total_bounds), villages.crs, user_crs=analysis.crs)
        geometry = village_geometry(villages, crs, radius_m=analysis.village_radius_m)
        grid = AnalysisGrid.covering(
            geometry.bounds, resolution=analysis.resolution_m, crs=crs, margin=analysis.resolution_m
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

    with _timed(timings, "electrification"):
        electrified = electrification.on_grid(grid)
    people = None
    if population is not None:
        with _timed(timings, "population"):
            people = population.on_grid(grid)

    with _timed(timings, "zonal"):
        spans = geometry.spans(grid)

    with _timed(timings, "coverage"):
        result = coverage_on_grid(
            model,
            near.emitters,
            grid,
            dem=dem,
            terrain_resolution_m=coverage.terrain_resolution_m,
            where=electrified & mark_spans(spans, grid.shape),
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
        )
        table = village_table(
            totals,
            ids=villages["village_id"],
            cell_area_m2=grid.cell_area_m2,
            operators=near.operators,
            thresholds=analysis.thresholds,
            with_population=people is not None,
            with_signal=result.best_signal_dbm is not None,
        )

    with _timed(timings, "nearest"):
        table.insert(
            list(table.columns).index("priority"),
            "nearest_site_m",
            nearest_site_m(geometry.metric, crs, near.table, sites),
        )

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
        operators=near.operators,
        timings=timings,
    )


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
        geometry=villages.geometry.to_crs(4326).values,
        crs=4326,
    )
    for col in table.columns:
        out[col] = table[col].to_numpy()
    return out


def mask_polygons(mask: np.ndarray, grid: AnalysisGrid) -> gpd.GeoDataFrame:
    """Polygons (EPSG:4326) of the true cells of ``mask`` on ``grid``, with their area."""
    from rasterio.features import shapes

    polys = [
        shapely.geometry.shape(geom)
        for geom, value in shapes(mask.astype(np.uint8), mask=mask, transform=grid.transform)
        if value == 1
    ]
    frame = gpd.GeoDataFrame(
        {"area_km2": [p.area / 1e6 for p in polys]},
        geometry=gpd.GeoSeries(polys, crs=grid.crs),
        crs=grid.crs,
    )
    return frame.to_crs(4326)
