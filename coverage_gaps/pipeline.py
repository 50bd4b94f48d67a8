"""One area (a province, or any set of villages) from in-memory inputs to per-village gaps.

:func:`analyse_area` is the unit of work: it takes the villages of one area, all sites, and the
electrification/population/elevation sources, builds the area's own analysis grid, and returns an
:class:`AreaResult`.  Areas are independent, so a country is a loop (or a dask bag) over them.
"""

from __future__ import annotations

import functools
import logging
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from rasterio.warp import transform_bounds

from coverage_gaps.coverage.base import MAX_OPERATORS, RADIOS, CoverageResult, Emitters
from coverage_gaps.coverage.discs import disc_radii
from coverage_gaps.coverage.models import CoverageModel, make_coverage_model, sample_to_grid
from coverage_gaps.errors import CoverageGapsError, CoverageGapsWarning, InputError
from coverage_gaps.gaps import classify, priority_rank
from coverage_gaps.grid import WGS84, AnalysisGrid, choose_metric_crs, transformer
from coverage_gaps.io.villages import buffer_points
from coverage_gaps.names import slugify
from coverage_gaps.settings import AnalysisOptions, CoverageOptions, VillageOptions
from coverage_gaps.zonal import mark_spans, village_spans, village_totals

log = logging.getLogger(__name__)


class GridSource(Protocol):
    """Anything that can put itself onto an analysis grid."""

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray: ...


@dataclass(frozen=True)
class RasterElectrification:
    """Electrified where a raster's value exceeds ``threshold``."""

    path: Path
    threshold: float = 0.0

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        from coverage_gaps.io.electrification import electrified_from_raster

        return electrified_from_raster(self.path, grid, threshold=self.threshold)


@dataclass(frozen=True)
class LineElectrification:
    """Electrified within ``distance_m`` of a grid line."""

    lines: gpd.GeoDataFrame
    distance_m: float = 1000.0

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        from coverage_gaps.io.electrification import electrified_from_lines

        return electrified_from_lines(self.lines, grid, distance_m=self.distance_m)


@dataclass(frozen=True)
class PopulationRaster:
    """People per pixel from a raster in any CRS."""

    path: Path

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        from coverage_gaps.io.population import population_on_grid

        return population_on_grid(self.path, grid)


@dataclass(frozen=True)
class DemTiles:
    """Elevation tiles (GeoTIFF, SRTM .hgt, zipped .hgt) mosaicked onto a grid."""

    paths: tuple[Path, ...]

    def on_grid(self, grid: AnalysisGrid) -> np.ndarray:
        from coverage_gaps.io.dem import read_dem

        return read_dem(list(self.paths), grid)


@dataclass
class AreaResult:
    """Everything one area's outputs are written from."""

    name: str
    villages: gpd.GeoDataFrame
    site_table: pd.DataFrame
    dead_zones: gpd.GeoDataFrame
    grid: AnalysisGrid
    coverage: CoverageResult
    electrified: np.ndarray
    operators: list[str]
    with_population: bool
    timings: dict[str, float] = field(default_factory=dict)

    @functools.cached_property
    def sites(self) -> gpd.GeoDataFrame:
        """The sites in reach of the area as points (EPSG:4326), built when an output needs
        them."""
        return site_points(self.site_table)

    @property
    def slug(self) -> str:
        return slugify(self.name)

    def summary_row(self) -> dict[str, Any]:
        """Villages by status and people uncovered, for ``summary.csv``."""
        counts = self.villages["status"].value_counts()
        pop = self.villages["uncovered_population"]
        return {
            "province": self.name,
            "villages": len(self.villages),
            "dead_zone": int(counts.get("dead_zone", 0)),
            "partial": int(counts.get("partial", 0)),
            "covered": int(counts.get("covered", 0)),
            "not_electrified": int(counts.get("not_electrified", 0)),
            "uncovered_electrified_km2": float(self.villages["uncovered_electrified_km2"].sum()),
            "uncovered_population": float(pop.sum()) if self.with_population else np.nan,
            "sites": len(self.site_table),
        }


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    timings[step] = timings.get(step, 0.0) + time.perf_counter() - t0


def select_cells(
    cells: pd.DataFrame, operator_col: pd.Series, options: CoverageOptions
) -> pd.DataFrame:
    """Cells whose radio and operator count as service under ``options``."""
    keep = cells["radio"].isin(options.radios).to_numpy()
    if options.operators:
        keep = keep & operator_col.isin(options.operators).to_numpy()
    return cells.loc[keep].reset_index(drop=True)


def site_points(sites: pd.DataFrame) -> gpd.GeoDataFrame:
    """Sites as a GeoDataFrame of points in EPSG:4326."""
    return gpd.GeoDataFrame(
        sites.copy(), geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=4326
    )


def analyse_area(
    name: str,
    villages: gpd.GeoDataFrame,
    sites: pd.DataFrame,
    emitters: pd.DataFrame,
    *,
    electrification: GridSource,
    population: GridSource | None = None,
    coverage_model: CoverageModel | None = None,
    dem: GridSource | None = None,
    analysis: AnalysisOptions | None = None,
    coverage: CoverageOptions | None = None,
    village_options: VillageOptions | None = None,
    dead_zone_polygons: bool = True,
) -> AreaResult:
    """Per-village gaps of one area.

    Parameters
    ----------
    name
        The area's name (a province), used in outputs.
    villages
        Villages as :func:`coverage_gaps.io.villages.read_villages` returns them (any CRS).
    sites, emitters
        From :func:`coverage_gaps.sites.collapse_sites` (already filtered to counted radios and
        operators).
    electrification, population
        Sources that put a boolean electrified mask / people per cell onto a grid.
    coverage_model
        ``f(emitters, grid, dem) -> CoverageResult``
        (:func:`coverage_gaps.coverage.models.make_coverage_model`); the disc model when ``None``.
    dead_zone_polygons
        Polygonise the dead-zone land (for the GeoPackage and the map); a run that writes only
        CSVs skips it.
    dem
        Elevation source, for the terrain model.  The terrain is modelled on a grid of
        ``coverage.terrain_resolution_m`` (when finer than the analysis grid) and read back at the
        analysis cells' centres.
    """
    analysis = analysis or AnalysisOptions()
    coverage = coverage or CoverageOptions()
    village_options = village_options or VillageOptions()
    timings: dict[str, float] = {}
    if len(villages) == 0:
        raise CoverageGapsError(f"{name!r} has no villages to analyse")

    with _timed(timings, "grid"):
        crs = choose_metric_crs(tuple(villages.total_bounds), villages.crs, user_crs=analysis.crs)
        metric = np.asarray(villages.geometry.to_crs(crs).values)
        shapes, rep, area_m2 = _village_geometry(metric, village_options.village_radius_m)
        bounds = _village_bounds(shapes, village_options.village_radius_m)
        grid = AnalysisGrid.covering(
            bounds, resolution=analysis.resolution_m, crs=crs, margin=analysis.resolution_m
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
        area_sites, area_emitters, operators = _sites_near(sites, emitters, grid, coverage)

    with _timed(timings, "electrification"):
        electrified = electrification.on_grid(grid)
    people = None
    if population is not None:
        with _timed(timings, "population"):
            people = population.on_grid(grid)

    with _timed(timings, "coverage"):
        model = coverage_model or make_coverage_model(coverage)
        if dem is None:
            result = model(area_emitters, grid, None)
        else:
            # The terrain grid also holds every site that may reach the villages: a path's
            # profile needs the ground all the way from the site.
            bounds = grid.bounds
            if len(area_emitters):
                bounds = (
                    min(bounds[0], float(area_emitters.x.min())),
                    min(bounds[1], float(area_emitters.y.min())),
                    max(bounds[2], float(area_emitters.x.max())),
                    max(bounds[3], float(area_emitters.y.max())),
                )
            fine = AnalysisGrid.covering(
                bounds,
                resolution=min(coverage.terrain_resolution_m, grid.resolution),
                crs=grid.crs,
                margin=grid.resolution,
            )
            with _timed(timings, "dem"):
                elevation = dem.on_grid(fine)
            result = sample_to_grid(model(area_emitters, fine, elevation), fine, grid)
    if len(area_emitters) == 0 or not result.serving.any():
        warnings.warn(
            f"{name}: no site reaches any of its villages; every electrified village is a dead "
            "zone",
            CoverageGapsWarning,
            stacklevel=2,
        )

    with _timed(timings, "zonal"):
        spans = village_spans(
            shapes, grid, point_radius_m=village_options.village_radius_m, fallback_points=rep
        )
        totals = village_totals(
            spans,
            electrified=electrified,
            serving=result.serving,
            broadband=result.broadband,
            population=people,
            reach=result.reach,
            signal=result.best_signal_dbm,
        )
        table = classify(
            totals,
            cell_area_m2=grid.cell_area_m2,
            operators=operators,
            thresholds=analysis.thresholds,
            with_population=people is not None,
            with_signal=result.best_signal_dbm is not None,
        )

    with _timed(timings, "nearest"):
        nearest = _nearest_site_m(metric, crs, area_sites, sites)

    with _timed(timings, "assemble"):
        rep_ll = gpd.GeoSeries(rep, crs=crs).to_crs(4326)
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
        out["nearest_site_m"] = nearest
        out["priority"] = priority_rank(
            table, by_population=people is not None, ids=out["village_id"]
        ).to_numpy()

    with _timed(timings, "dead_zones"):
        if dead_zone_polygons:
            in_villages = mark_spans(spans, grid.shape)
            dead = electrified & (result.serving == 0) & in_villages
            dead_zones = _mask_polygons(dead, grid)
        else:
            dead_zones = _mask_polygons(np.zeros((1, 1), dtype=bool), grid)

    return AreaResult(
        name=name,
        villages=out,
        site_table=area_sites.drop(columns=["x", "y"]),
        dead_zones=dead_zones,
        grid=grid,
        coverage=result,
        electrified=electrified,
        operators=operators,
        with_population=people is not None,
        timings=timings,
    )


def _village_geometry(
    metric: np.ndarray, radius_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Village shapes for the zonal step, a representative point and the area of each.

    Points stay points (the zonal step makes each a disc of ``radius_m`` from its centre, and the
    disc's area is exact); MultiPoints become buffered discs; polygons are kept as given, with
    a point on their surface.
    """
    point = shapely.get_type_id(metric) == shapely.GeometryType.POINT
    shapes = metric.copy()
    rep = metric.copy()
    area = np.full(len(metric), np.pi * radius_m**2)
    if (~point).any():
        shapes[~point] = buffer_points(metric[~point], radius_m=radius_m)
        rep[~point] = shapely.point_on_surface(shapes[~point])
        area[~point] = shapely.area(shapes[~point])
    return shapes, rep, area


def _village_bounds(shapes: np.ndarray, radius_m: float) -> tuple[float, float, float, float]:
    """Bounds of the villages, a point counting as its disc of ``radius_m``."""
    b = shapely.bounds(shapes)
    point = shapely.get_type_id(shapes) == shapely.GeometryType.POINT
    b[point, :2] -= radius_m
    b[point, 2:] += radius_m
    return (
        float(np.nanmin(b[:, 0])),
        float(np.nanmin(b[:, 1])),
        float(np.nanmax(b[:, 2])),
        float(np.nanmax(b[:, 3])),
    )


def _sites_near(
    sites: pd.DataFrame, emitters: pd.DataFrame, grid: AnalysisGrid, options: CoverageOptions
) -> tuple[pd.DataFrame, Emitters, list[str]]:
    """Sites whose largest possible disc reaches the grid, projected onto it, and emitters."""
    reach = max(options.max_range_m, max(options.fixed_radii_m.values()))
    xmin, ymin, xmax, ymax = grid.bounds
    # A cheap lon/lat box first (a little wider than needed), then exact metres.
    lon0, lat0, lon1, lat1 = transform_bounds(
        grid.crs,
        "EPSG:4326",
        xmin - reach,
        ymin - reach,
        xmax + reach,
        ymax + reach,
        densify_pts=21,
    )
    lon = sites["lon"].to_numpy()
    lat = sites["lat"].to_numpy()
    pad = 0.01
    box = (lon >= lon0 - pad) & (lon <= lon1 + pad) & (lat >= lat0 - pad) & (lat <= lat1 + pad)
    candidates = np.flatnonzero(box)
    to_grid = transformer(WGS84, grid.crs)
    x, y = to_grid.transform(lon[candidates], lat[candidates])
    x = np.asarray(x)
    y = np.asarray(y)
    near = (x >= xmin - reach) & (x <= xmax + reach) & (y >= ymin - reach) & (y <= ymax + reach)
    area_sites = sites.iloc[candidates[near]].copy()
    area_sites["x"] = x[near]
    area_sites["y"] = y[near]
    operators = sorted(area_sites["operator"].unique().tolist())
    if len(operators) > MAX_OPERATORS:
        raise InputError(
            None,
            f"{len(operators)} operators have sites near this area; at most {MAX_OPERATORS} can "
            "be analysed at once: filter with --mcc or --operator",
        )
    em = emitters.loc[emitters["site_id"].isin(area_sites["site_id"])].reset_index(drop=True)
    # Each emitter's row in area_sites, by binary search over the sorted site ids.
    site_ids = area_sites["site_id"].to_numpy(dtype=np.int64)
    by_id = np.argsort(site_ids, kind="stable")
    emitter_site = em["site_id"].to_numpy(dtype=np.int64)
    row_of = by_id[np.searchsorted(site_ids, emitter_site, sorter=by_id)]
    site_op = pd.Index(operators).get_indexer(pd.Index(area_sites["operator"])).astype(np.int16)
    radio = pd.Index(RADIOS).get_indexer(pd.Index(em["radio"]))
    if (radio < 0).any():
        unknown = sorted(set(em.loc[radio < 0, "radio"].astype(str)))
        raise InputError(None, f"emitters with unknown radio {unknown}; expected one of {RADIOS}")
    emit = Emitters(
        x=x[near][row_of],
        y=y[near][row_of],
        radio=radio.astype(np.int8),
        operator=site_op[row_of],
        range_m=disc_radii(em, options),
        site=emitter_site,
    )
    return area_sites.reset_index(drop=True), emit, operators


def _nearest_site_m(
    geoms: np.ndarray, crs: CRS, area_sites: pd.DataFrame, all_sites: pd.DataFrame
) -> np.ndarray:
    """Distance from each village (``geoms`` in the metric ``crs``: point, or polygon edge, 0
    inside) to the nearest site."""
    dist = np.full(len(geoms), np.nan)
    candidates = area_sites
    if len(candidates) == 0:
        candidates = all_sites
    if len(candidates) == 0:
        return dist
    if "x" in candidates:
        sx, sy = candidates["x"].to_numpy(), candidates["y"].to_numpy()
    else:
        sx, sy = transformer(WGS84, crs).transform(
            candidates["lon"].to_numpy(), candidates["lat"].to_numpy()
        )
    point = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    if point.any():
        from scipy.spatial import cKDTree

        tree = cKDTree(np.column_stack([sx, sy]))
        d, _ = tree.query(
            np.column_stack([shapely.get_x(geoms[point]), shapely.get_y(geoms[point])])
        )
        dist[point] = d
    if (~point).any():
        others = np.flatnonzero(~point)
        strtree = shapely.STRtree(np.asarray(shapely.points(sx, sy)))
        (vi, _), d = strtree.query_nearest(geoms[others], return_distance=True, all_matches=False)
        dist[others[vi]] = d
    return np.round(dist, 1)


def _mask_polygons(mask: np.ndarray, grid: AnalysisGrid) -> gpd.GeoDataFrame:
    """Polygons (EPSG:4326) of the true cells of ``mask``."""
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
