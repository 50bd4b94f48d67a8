"""A whole run in three phases: prepare, one task per area, finish.

1. :func:`prepare` reads and resolves every input once (villages and their provinces, towers,
   operators, sites, electrification, population, DEM, link budget) into :class:`RunInputs`,
   without rewriting the config: what was resolved is recorded in :attr:`RunInputs.settings`.
2. :func:`run_area` analyses one area and writes its files; it returns a small
   :class:`AreaOutcome`.  Areas are independent tasks, run in order or on any
   :class:`concurrent.futures.Executor` (a dask cluster's ``client.get_executor()``).
3. :func:`finish` writes the run-level outputs (``summary.csv``, ``run.json``).

:func:`run` does all three into an :class:`~coverage_gaps.outputs.folder.OutputFolder`: the
files appear together when every area has succeeded, or not at all.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import os
import pickle
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from coverage_gaps.coverage.linkbudget import LinkBudget, default_link_budget, load_link_budget
from coverage_gaps.coverage.models import MODELS
from coverage_gaps.errors import CoverageGapsWarning, SelectionError, SettingsError
from coverage_gaps.io.admin import read_admin_layer
from coverage_gaps.io.sources import (
    DemTiles,
    GridSource,
    LineElectrification,
    PopulationRaster,
    RasterElectrification,
)
from coverage_gaps.io.towers import TowerReport, read_towers
from coverage_gaps.io.villages import PROVINCE_CANDIDATES, read_villages, villages_unit
from coverage_gaps.names import match_province, name_key, slugify, unique_slugs, vi_sort_key
from coverage_gaps.network import resolve_operators
from coverage_gaps.outputs import (
    AREA_WRITERS,
    INDEX_FILE,
    RUN_WRITERS,
    AreaTarget,
    RunArea,
    RunRecord,
)
from coverage_gaps.outputs.folder import OutputFolder, output_error
from coverage_gaps.outputs.record import InputDigests, describe_inputs
from coverage_gaps.outputs.stamp import RunStamp
from coverage_gaps.outputs.summary import SUMMARY_COLUMNS, area_summary
from coverage_gaps.pipeline import AreaResult, analyse_area
from coverage_gaps.settings import (
    AdminLayer,
    CoverageOptions,
    RunConfig,
    ServiceOptions,
    Unit,
    VillageOptions,
)
from coverage_gaps.sites import cell_operators, collapse_sites, select_cells

__all__ = [
    "NO_PROVINCE",
    "Area",
    "AreaOutcome",
    "Progress",
    "ReadInputs",
    "RunInputs",
    "RunSummary",
    "finish",
    "load_villages",
    "prepare",
    "province_groups",
    "read_inputs",
    "resolve_at",
    "run",
    "run_area",
]

log = logging.getLogger(__name__)

#: The area of the villages that have no province when the others have one.
NO_PROVINCE = "(no province)"


class Progress:
    """What a run reports as it goes.  This base class reports nothing; the command line
    subclasses it."""

    @contextlib.contextmanager
    def step(self, message: str) -> Iterator[None]:
        """A long step of the preparation or the finish (reading an input, writing a file)."""
        yield

    def reading(self, path: Path) -> Callable[[int, int], None] | None:
        """A callback for the rows and bytes read of a long file, or ``None``."""
        return None

    def area_started(self, area: Area, total: int) -> None:
        """An area is about to be analysed (in order runs only)."""

    def area_done(self, outcome: AreaOutcome, done: int, total: int) -> None:
        """An area's files are written; ``done`` of ``total`` areas are finished."""


@dataclass(frozen=True)
class Area:
    """One area of a run: a province and its villages.

    Attributes
    ----------
    index
        Position of the area in the run (the order of ``summary.csv``).
    name
        The area's name as the data spells it.
    slug
        Its file-name stem, unique within the run.
    villages
        Its villages (as :func:`load_villages` returns them).
    """

    index: int
    name: str
    slug: str
    villages: gpd.GeoDataFrame


@dataclass
class RunInputs:
    """Every input of a run, read and resolved once by :func:`prepare`.

    Attributes
    ----------
    config
        The run's configuration, as given.
    areas
        The areas to analyse.
    sites, emitters
        The sites of the counted cells (:func:`~coverage_gaps.sites.collapse_sites`).
    retired
        The sites of the cells whose generation is past its sunset (they serve nobody, but
        tell a ``2g_sunset`` gap from one out of range).
    observations
        ``lon``, ``lat`` of every cell observed (before the service filters): where the crowd
        has measured at all, for ``no_measurements_nearby``.
    as_of
        The date the network is looked at: ``--as-of``, else the run's date.
    sunsets
        The sunsets that applied, as ``{"452 2G": "2026-09-15"}``.
    field_checks
        The current field checks, the latest per village id, or ``None``.
    communes
        The units of ``--commune-layer`` (EPSG:4326), the base of the maps; or ``None``.
    electrification, population, dem
        Grid sources.
    coverage
        The coverage options as resolved (the terrain grid never finer than the DEM).
    service
        The service options as resolved (operator names as the towers file spells them).
    link_budget
        The link budget (built-in, or the ``--radio-params`` file over it).
    towers
        What reading the towers found.
    notes
        Notes on how names matched and what was resolved.
    province_outlines
        The outlines of ``--province-layer``'s provinces for the national map (simplified WKB
        in EPSG:4326, by :func:`~coverage_gaps.names.name_key` of the name), or ``None``: the
        areas' outlines are then drawn from their villages.
    started
        When the run started: the date stamped on every file.
    unit
        What the villages are, ``"village"`` or ``"commune"`` (``--unit`` as resolved by
        :func:`~coverage_gaps.io.villages.villages_unit`): the words people read call them so.
    """

    config: RunConfig
    areas: list[Area]
    sites: pd.DataFrame
    emitters: pd.DataFrame
    retired: RetiredService | None
    observations: pd.DataFrame
    as_of: date
    sunsets: dict[str, str]
    field_checks: pd.DataFrame | None
    communes: gpd.GeoDataFrame | None
    electrification: GridSource
    population: GridSource | None
    dem: DemTiles | None
    coverage: CoverageOptions
    service: ServiceOptions
    link_budget: LinkBudget
    towers: TowerReport
    notes: list[str] = field(default_factory=list)
    province_outlines: dict[str, bytes] | None = None
    started: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    unit: Unit = "village"

    @property
    def settings(self) -> dict[str, Any]:
        """The settings that ran: the config with every resolved value in place."""
        resolved = dataclasses.replace(
            self.config,
            coverage=self.coverage,
            service=self.service,
            villages=dataclasses.replace(self.config.villages, unit=self.unit),
        )
        out = resolved.to_dict()
        out["as_of"] = self.as_of.isoformat()
        out["sunsets_applied"] = dict(self.sunsets)
        out["link_budget"] = self.link_budget.source
        out["k_factor"] = (
            self.coverage.k_factor
            if self.coverage.k_factor is not None
            else self.link_budget.k_factor
        )
        return out


@dataclass
class AreaOutcome:
    """What a finished area reports back: its summary row and files (small, so that it can come
    back from another machine)."""

    index: int
    name: str
    slug: str
    summary: dict[str, Any]
    files: list[Path]
    timings: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    electrified_villages: int = 0
    outline: bytes | None = None


@dataclass
class RunSummary:
    """What a run produced.

    Attributes
    ----------
    summary
        One row per area: villages by status, uncovered land and people, sites.
    files
        The files written, in their final place.
    notes
        Notes on how names matched and what was resolved.
    settings
        The resolved settings.
    removed
        Files of an earlier run in the same folder that this run did not write again, removed.
    slugs
        The file-name stem of each area, in the order of :attr:`summary`.
    """

    summary: pd.DataFrame
    files: list[Path]
    notes: list[str]
    settings: dict[str, Any] = field(default_factory=dict)
    removed: list[Path] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)


# -- phase 1: prepare ---------------------------------------------------------------------------


def load_villages(
    path: Path,
    options: VillageOptions,
    *,
    province_layer: AdminLayer | None = None,
    commune_layer: AdminLayer | None = None,
) -> gpd.GeoDataFrame:
    """Read the villages and, when administrative layers are given, place each village in
    their provinces and communes by location (the layers' names win over the villages' own
    columns; a village in no unit keeps its own)."""
    return _load_villages(path, options, province_layer, commune_layer)[0]


def _load_villages(
    path: Path,
    options: VillageOptions,
    province_layer: AdminLayer | None,
    commune_layer: AdminLayer | None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, gpd.GeoDataFrame | None, Unit]:
    """:func:`load_villages`, the commune layer's units (for the maps' base), the province
    layer's (for the national map) and what the features are (:func:`villages_unit`, before the
    layers assign communes)."""
    from coverage_gaps.admin import assign_by_location

    villages = read_villages(path, options=options)
    unit = villages_unit(villages, options.unit)
    communes = units = None
    if province_layer is not None:
        units = read_admin_layer(province_layer)
        villages = assign_by_location(villages, units, column="province", what="province")
        villages["province_code"] = ""  # codes from the villages' file may be the old units'
    if commune_layer is not None:
        communes = read_admin_layer(commune_layer)
        villages = assign_by_location(villages, communes, column="commune", what="commune")
    return villages, communes, units, unit


def province_groups(
    villages: gpd.GeoDataFrame, typed: Sequence[str], *, fallback: str
) -> tuple[list[tuple[str, gpd.GeoDataFrame]], list[str]]:
    """The (name, villages) of each province to analyse, and notes on how names matched.

    Province names that are the same name written differently ("Lào Cai", "Lao Cai",
    "LÀO CAI") are one province, named as most of its villages spell it, with a note.
    """
    names = villages["province"].astype(str)
    no_column = bool((names == "").all())
    if no_column:
        names = pd.Series(fallback, index=villages.index)
        villages = villages.assign(province=fallback)
    elif (names == "").any():
        # Villages with no province among others that have one form their own area, so that
        # none is dropped unseen.
        names = names.where(names != "", NO_PROVINCE)
        villages = villages.assign(province=names.to_numpy())
    notes: list[str] = []
    key_of = {n: name_key(n) for n in names.unique()}
    keys = names.map(key_of)
    spelling: dict[str, str] = {}
    for key, group in names.groupby(keys, sort=False):
        counts = group.value_counts()
        best = sorted(counts.index, key=lambda s: (-counts[s], s))[0]
        spelling[str(key)] = best
        if len(counts) > 1:
            others = ", ".join(repr(s) for s in sorted(counts.index) if s != best)
            notes.append(
                f"province names {others} are read as {best!r} (the same name written differently)"
            )
    names = keys.map(spelling)
    if notes:
        villages = villages.assign(province=names.to_numpy())
    available = sorted(names.unique().tolist(), key=vi_sort_key)  # as Vietnamese read
    if typed:
        chosen: list[str] = []
        for t in typed:
            try:
                match = match_province(t, available)
            except SelectionError:
                if not no_column:
                    raise
                raise SelectionError(
                    f"--province {t!r}: the villages layer has no province column (looked for "
                    f"{', '.join(PROVINCE_CANDIDATES)}); name it with --province-col, place the "
                    "villages with --province-layer, or leave out --province to analyse the "
                    f"whole file as one area ({fallback!r})"
                ) from None
            if match.note:
                notes.append(match.note)
            if match.value not in chosen:
                chosen.append(match.value)
    else:
        chosen = available
    groups = [(name, villages.loc[(names == name).to_numpy()]) for name in chosen]
    return groups, notes


@dataclass(frozen=True)
class RetiredService:
    """Sites and emitters of the cells past their generation's sunset; the emitters carry a
    ``generation`` column."""

    sites: pd.DataFrame
    emitters: pd.DataFrame


def _retired_cells(
    cells: pd.DataFrame, service: ServiceOptions, as_of: date
) -> tuple[np.ndarray, dict[str, str], list[str]]:
    """Which cells are of a generation past its sunset at ``as_of`` (per country), the
    sunsets that applied, and notes saying so."""
    from coverage_gaps.network import GENERATIONS, retired_generations

    retired = np.zeros(len(cells), dtype=bool)
    applied: dict[str, str] = {}
    notes: list[str] = []
    if not len(cells):
        return retired, applied, notes
    gen = cells["radio"].map(GENERATIONS).to_numpy()
    mcc = cells["mcc"].to_numpy()
    for m in sorted(set(mcc.tolist())):
        past = retired_generations(m, as_of, service.sunsets, defaults=service.default_sunsets)
        for g, day in sorted(past.items()):
            hit = (mcc == m) & (gen == g)
            retired |= hit
            applied[f"{m} {g}"] = day.isoformat()
            if hit.any():
                notes.append(
                    f"{g} of MCC {m} is past its sunset ({day.isoformat()}) at "
                    f"{as_of.isoformat()}: its {int(hit.sum()):,} cells serve nobody; villages "
                    f"they alone would serve are gaps with reason {g.lower()}_sunset"
                )
    return retired, applied, notes


def _observation_points(cells: pd.DataFrame) -> pd.DataFrame:
    """One point per observed cell position (rounded to ~10 m, duplicates dropped)."""
    frame = pd.DataFrame(
        {
            "lon": cells["lon"].to_numpy(dtype="f8").round(4),
            "lat": cells["lat"].to_numpy(dtype="f8").round(4),
        }
    )
    return frame.drop_duplicates(ignore_index=True)


def _nothing_counts(cells: pd.DataFrame, service: ServiceOptions, path: Path) -> str:
    """What the file holds, when --radio and --operator leave no cell of it."""
    held = cells.groupby(["operator", "radio"]).size()
    listing = ", ".join(
        f"{key[0]} {key[1]} ({n:,})" for key, n in zip(held.index, held, strict=True)
    )
    chosen = f"--radio {','.join(service.radios)}"
    if service.operators:
        chosen += f" with --operator {', '.join(service.operators)}"
    return f"{chosen} keeps no cell of {path}; its cells: {listing}"


def _read_link_budget(config: RunConfig) -> LinkBudget:
    path = config.inputs.radio_params
    return load_link_budget(path) if path is not None else default_link_budget()


@dataclass
class ReadInputs:
    """What :func:`read_inputs` reads once, before the network is looked at on a date.

    Attributes
    ----------
    config, areas, notes
        As in :class:`RunInputs`.
    villages
        Every village read (for the ids of the field checks).
    communes
        The units of ``--commune-layer`` (EPSG:4326), the base of the maps; or ``None``.
    cells
        The cells kept by the reading filters, with their ``operator``.
    towers
        What reading the towers found.
    service
        The service options as resolved (operator names as the towers file spells them).
    electrification, population, dem, coverage, link_budget, province_outlines, unit
        As in :class:`RunInputs`.
    """

    config: RunConfig
    areas: list[Area]
    notes: list[str]
    villages: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame | None
    cells: pd.DataFrame
    towers: TowerReport
    service: ServiceOptions
    electrification: GridSource
    population: GridSource | None
    dem: DemTiles | None
    coverage: CoverageOptions
    link_budget: LinkBudget
    province_outlines: dict[str, bytes] | None = None
    unit: Unit = "village"


def read_inputs(
    config: RunConfig, *, progress: Progress | None = None, dem_used: bool = False
) -> ReadInputs:
    """Read every input of ``config`` once: villages and their areas, towers, electrification,
    population, DEM, link budget.  ``dem_used``: the caller uses ``--dem`` whatever the model
    (the plan sites its candidates by the ground), so it is opened and not warned about.

    Raises
    ------
    InputError, SelectionError, SettingsError
        An input cannot be read, a selection matches nothing, or the settings cannot run
        together (a model that needs a DEM without one).
    """
    progress = progress or Progress()
    inputs = config.inputs
    spec = MODELS[config.coverage.model]
    if spec.needs_dem and not inputs.dem:
        raise SettingsError(
            f"--model {config.coverage.model} needs an elevation model: give --dem F"
        )
    link_budget = _read_link_budget(config)  # parsed whenever given, so a bad file fails early

    with progress.step("Reading villages"):
        villages, communes, units, unit = _load_villages(
            inputs.villages, config.villages, inputs.province_layer, inputs.commune_layer
        )
        if communes is not None:
            communes = communes.to_crs(4326)
        province_outlines = None
        if units is not None:
            from coverage_gaps.outputs.index import layer_outlines

            province_outlines = layer_outlines(units)
    groups, notes = province_groups(villages, config.provinces, fallback=inputs.villages.stem)
    slugs = unique_slugs([name for name, _ in groups])
    for (name, _), slug in zip(groups, slugs, strict=True):
        if slug != slugify(name):
            notes.append(f"the files of {name!r} are named {slug!r}")
    areas = [
        Area(index=i, name=name, slug=slug, villages=group)
        for i, ((name, group), slug) in enumerate(zip(groups, slugs, strict=True))
    ]

    with progress.step("Reading towers"):
        cells, report = read_towers(
            inputs.towers, options=config.towers, progress=progress.reading(inputs.towers)
        )
        notes.extend(report.summary_lines())
        cells["operator"] = cell_operators(cells)  # worked out once, for --operator and sites
        service = config.service
        if service.operators:
            service = dataclasses.replace(
                service,
                operators=resolve_operators(
                    service.operators, cells["operator"].unique(), source=inputs.towers
                ),
            )

    electrification: GridSource
    if inputs.electrified_raster is not None:
        electrification = RasterElectrification(
            inputs.electrified_raster, config.analysis.electrified_threshold
        )
    else:
        from coverage_gaps.io.electrification import read_grid_lines

        assert inputs.grid_lines is not None
        with progress.step("Reading grid lines"):
            lines = read_grid_lines(inputs.grid_lines, layer=inputs.grid_lines_layer)
        electrification = LineElectrification(lines, config.analysis.grid_distance_m)
    population = PopulationRaster(inputs.population) if inputs.population else None

    coverage = config.coverage
    dem = None
    if inputs.dem and not (spec.needs_dem or dem_used):
        users = ", ".join(name for name, s in MODELS.items() if s.needs_dem)
        warnings.warn(
            f"--dem is not used by --model {config.coverage.model} (only {users} use terrain); "
            "the elevation files were not read",
            CoverageGapsWarning,
            stacklevel=2,
        )
    if inputs.dem and (spec.needs_dem or dem_used):
        dem = DemTiles(inputs.dem)
    if dem is not None and spec.needs_dem:
        native = dem.resolution_m()
        if native > coverage.terrain_resolution_m:
            log.info("terrain grid %.0f m (the DEM's own resolution)", native)
            coverage = dataclasses.replace(coverage, terrain_resolution_m=native)
    return ReadInputs(
        config=config,
        areas=areas,
        notes=notes,
        villages=villages,
        communes=communes,
        cells=cells,
        towers=report,
        service=service,
        electrification=electrification,
        population=population,
        dem=dem,
        coverage=coverage,
        link_budget=link_budget,
        province_outlines=province_outlines,
        unit=unit,
    )


def resolve_at(read: ReadInputs, as_of: date, *, progress: Progress | None = None) -> RunInputs:
    """The network as it stands on ``as_of``: sunsets applied, the counted and the retired
    cells collapsed into sites, and the field checks current on that date.

    Raises
    ------
    SelectionError
        No cell counts as service (``--radio``, ``--operator``), retired or not.
    """
    progress = progress or Progress()
    config, inputs = read.config, read.config.inputs
    cells, service = read.cells, read.service
    notes = list(read.notes)
    retired_mask, sunsets, sunset_notes = _retired_cells(cells, service, as_of)
    notes += sunset_notes
    counted = select_cells(cells.loc[~retired_mask], service)
    retired_cells = select_cells(cells.loc[retired_mask], service)
    if len(cells) and not len(counted) and not len(retired_cells):
        raise SelectionError(_nothing_counts(cells, service, inputs.towers))
    with progress.step("Collapsing cells into sites"):
        sites, emitters = collapse_sites(counted, options=config.towers)
        retired = None
        if len(retired_cells):
            r_sites, r_emitters = collapse_sites(retired_cells, options=config.towers)
            retired = RetiredService(r_sites, r_emitters)
        observations = _observation_points(cells)

    checks = None
    if inputs.field_checks is not None:
        from coverage_gaps.io.field_checks import read_field_checks

        with progress.step("Reading field checks"):
            checks, check_report = read_field_checks(
                inputs.field_checks,
                as_of=as_of,
                validity_days=config.analysis.field_check_validity_days,
                known_ids=set(read.villages["village_id"].astype(str)),
                bad_rows=config.towers.bad_rows,
            )
        notes += check_report.notes()
    return RunInputs(
        config=config,
        areas=read.areas,
        communes=read.communes,
        sites=sites,
        emitters=emitters,
        retired=retired,
        observations=observations,
        as_of=as_of,
        sunsets=sunsets,
        field_checks=checks,
        electrification=read.electrification,
        population=read.population,
        dem=read.dem,
        coverage=read.coverage,
        service=service,
        link_budget=read.link_budget,
        towers=read.towers,
        notes=notes,
        province_outlines=read.province_outlines,
        unit=read.unit,
    )


def prepare(config: RunConfig, *, progress: Progress | None = None) -> RunInputs:
    """Read and resolve every input of ``config`` once: :func:`read_inputs`, then
    :func:`resolve_at` the as-of date (``--as-of``, else the run's date).

    Raises
    ------
    InputError, SelectionError, SettingsError
        An input cannot be read, a selection matches nothing, or the settings cannot run
        together (a model that needs a DEM without one).
    """
    read = read_inputs(config, progress=progress)
    return resolve_at(read, config.towers.as_of or date.today(), progress=progress)


# -- phase 2: one task per area -----------------------------------------------------------------


def analyse(area: Area, inputs: RunInputs, *, shared_by: int = 1) -> AreaResult:
    """:func:`~coverage_gaps.pipeline.analyse_area` of one area with the run's inputs."""
    return analyse_area(
        area.name,
        area.villages,
        inputs.sites,
        inputs.emitters,
        electrification=inputs.electrification,
        population=inputs.population,
        dem=inputs.dem,
        coverage=inputs.coverage,
        link_budget=inputs.link_budget,
        analysis=inputs.config.analysis,
        shared_by=shared_by,
        retired=(inputs.retired.sites, inputs.retired.emitters) if inputs.retired else None,
        observations=inputs.observations,
        field_checks=inputs.field_checks,
        communes=inputs.communes,
        as_of=inputs.as_of,
    )


def run_area(area: Area, inputs: RunInputs, folder: Path, *, shared_by: int = 1) -> AreaOutcome:
    """Analyse one area and write its files into ``folder``.

    ``shared_by`` areas run at the same time on this machine and share its memory budget.
    Warnings raised on the way are returned in the outcome (an area may run in another
    process), not shown.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CoverageGapsWarning)
        result = analyse(area, inputs, shared_by=shared_by)
        target = AreaTarget(
            folder=folder,
            slug=area.slug,
            options=inputs.config.outputs,
            stamp=RunStamp.at(inputs.started),
            index=INDEX_FILE,
            field_check_validity_days=inputs.config.analysis.field_check_validity_days,
            unit=inputs.unit,
        )
        files: list[Path] = []
        for kind, writer in AREA_WRITERS.items():
            if kind in target.options.kinds:
                try:
                    files += writer.write(result, target)
                except OSError as exc:
                    raise output_error(Path(exc.filename or folder), exc) from exc
    messages = [str(w.message) for w in caught if issubclass(w.category, CoverageGapsWarning)]
    return AreaOutcome(
        index=area.index,
        name=area.name,
        slug=area.slug,
        summary=area_summary(result),
        files=files,
        timings=result.timings,
        warnings=messages,
        electrified_villages=int((result.villages["status"] != "not_electrified").sum()),
        outline=None if inputs.province_outlines is not None else _outline(result),
    )


def _outline(result: AreaResult) -> bytes | None:
    """The area's outline for the national map, drawn from its villages (``None`` if that
    fails: the map then leaves the area out, the run goes on)."""
    from coverage_gaps.outputs.index import area_outline

    try:
        return area_outline(
            result.villages,
            result.grid.crs,
            cells=(result.in_villages, result.grid.transform),
        )
    except Exception as exc:  # shapely's GEOS errors: an odd geometry must not stop the run
        log.warning("%s: no outline for the national map (%s)", result.name, exc)
        return None


# -- phase 3: finish ----------------------------------------------------------------------------


def finish(
    inputs: RunInputs,
    outcomes: Sequence[AreaOutcome],
    folder: Path,
    *,
    digests: InputDigests | None = None,
) -> tuple[RunRecord, list[Path]]:
    """Write the run-level outputs into ``folder``; returns the record and their files.

    ``digests`` are the inputs hashed while the areas ran (else they are hashed here).

    Raises
    ------
    SelectionError
        No village of any area is electrified: a report of such a run would look like a
        finding while it only shows that the electrification input or its threshold is wrong.
    """
    ordered = sorted(outcomes, key=lambda o: o.index)
    _check_findings(inputs, ordered)
    summary = pd.DataFrame([o.summary for o in ordered], columns=list(SUMMARY_COLUMNS))
    summary["sunsets"] = "; ".join(
        f"{key} after {day}" for key, day in sorted(inputs.sunsets.items())
    )
    outlines = inputs.province_outlines
    record = RunRecord(
        folder=folder,
        summary=summary,
        files=[f for o in ordered for f in o.files],
        settings=inputs.settings,
        notes=list(inputs.notes),
        areas=[
            RunArea(
                o.name,
                o.slug,
                tuple(o.files),
                outlines.get(name_key(o.name)) if outlines is not None else o.outline,
            )
            for o in ordered
        ],
        inputs=(
            digests.result() if digests is not None else describe_inputs(inputs.config.inputs.paths)
        ),
        stamp=RunStamp.at(inputs.started),
    )
    files: list[Path] = []
    for writer in RUN_WRITERS.values():
        try:
            new = writer.write(record)
        except OSError as exc:
            raise output_error(Path(exc.filename or folder), exc) from exc
        files += new
        record.files += new
    return record, files


def _check_findings(inputs: RunInputs, outcomes: Sequence[AreaOutcome]) -> None:
    if not outcomes:
        return
    if not any(o.electrified_villages for o in outcomes):
        source = inputs.config.inputs.electrified_raster or inputs.config.inputs.grid_lines
        raise SelectionError(
            f"no village of any province has electrified land according to {source}; the "
            "warnings above say why (a raster of nodata, a threshold above every pixel, lines "
            "too far away); check --electrified-threshold / --grid-distance; nothing was written"
        )


# -- all three ----------------------------------------------------------------------------------


def run(
    config: RunConfig,
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
    threads_per_task: int | None = None,
) -> RunSummary:
    """Read the inputs, analyse every chosen province and write the outputs.

    Parameters
    ----------
    config
        Inputs and settings.
    executor
        Runs the areas as tasks (any :class:`concurrent.futures.Executor`, such as a dask
        cluster's ``client.get_executor()``); in order in this process when ``None``.  With an
        executor the prepared inputs are written once into the run's staging folder and each
        task reads them from there, so the workers need only see the output folder.
    progress
        Reports steps and finished areas.
    threads_per_task
        Numba threads each task may use (workers × threads should not exceed the cores).

    Returns
    -------
    RunSummary
        The summary table, the files written and the resolved settings.
    """
    progress = progress or Progress()
    digests = InputDigests(config.inputs.paths)  # hashed while the run goes on
    try:
        inputs = prepare(config, progress=progress)
        with OutputFolder(config.outputs.out_dir, inputs=config.inputs.paths) as out:
            outcomes = _run_areas(inputs, out.staging, executor, progress, threads_per_task)
            with progress.step("Writing the run's summary"):
                record, run_files = finish(inputs, outcomes, out.staging, digests=digests)
            staged = [f for o in sorted(outcomes, key=lambda o: o.index) for f in o.files]
            written, removed = out.commit(staged + run_files)
    finally:
        digests.stop()  # a failed run leaves no thread reading its inputs
    log.debug("inputs described and hashed in %.2f s (in the background)", digests.seconds)
    for path in removed:
        log.info("removed %s, an output of an earlier run that this run did not write", path)
    return RunSummary(
        summary=record.summary,
        files=written,
        notes=record.notes,
        settings=dict(record.settings),
        removed=removed,
        slugs=[a.slug for a in record.areas],
    )


def _emit(outcome: AreaOutcome) -> None:
    for message in outcome.warnings:
        warnings.warn(message, CoverageGapsWarning, stacklevel=3)
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in outcome.timings.items())
    log.debug("%s: %d files; %s", outcome.name, len(outcome.files), steps)


def _run_areas(
    inputs: RunInputs,
    staging: Path,
    executor: Executor | None,
    progress: Progress,
    threads: int | None,
) -> list[AreaOutcome]:
    total = len(inputs.areas)
    outcomes: list[AreaOutcome] = []
    if executor is None:
        for area in inputs.areas:
            progress.area_started(area, total)
            outcome = run_area(area, inputs, staging)
            _emit(outcome)
            outcomes.append(outcome)
            progress.area_done(outcome, len(outcomes), total)
        return outcomes
    ref = _spill(inputs, staging)
    futures: list[Future[AreaOutcome]] = [
        executor.submit(_area_task, ref, area.index, threads) for area in inputs.areas
    ]
    try:
        for future in as_completed(futures):
            outcome = future.result()
            _emit(outcome)
            outcomes.append(outcome)
            progress.area_done(outcome, len(outcomes), total)
    except BaseException:
        for f in futures:
            f.cancel()
        raise
    return outcomes


@dataclass(frozen=True)
class _Prepared:
    """Where a run's prepared inputs were written for the tasks of an executor."""

    folder: Path

    @property
    def inputs_path(self) -> Path:
        return self.folder / "inputs.pickle"

    def area_path(self, index: int) -> Path:
        return self.folder / f"area-{index}.pickle"


def _spill(inputs: RunInputs, staging: Path) -> _Prepared:
    ref = _Prepared(staging / ".prepared")
    ref.folder.mkdir()
    shared = dataclasses.replace(inputs, areas=[])
    with ref.inputs_path.open("wb") as fh:
        pickle.dump(shared, fh, protocol=pickle.HIGHEST_PROTOCOL)
    for area in inputs.areas:
        with ref.area_path(area.index).open("wb") as fh:
            pickle.dump(area, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return ref


@functools.lru_cache(maxsize=2)
def _load_inputs(path: Path) -> RunInputs:
    with path.open("rb") as fh:
        loaded: RunInputs = pickle.load(fh)
    return loaded


def _area_task(ref: _Prepared, index: int, threads: int | None) -> AreaOutcome:
    """One area, in a worker: the prepared inputs are read from the staging folder (once per
    worker process) and the files written beside them."""
    if threads is not None:
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
    inputs = _load_inputs(ref.inputs_path)
    with ref.area_path(index).open("rb") as fh:
        area: Area = pickle.load(fh)
    shared_by = max(1, (os.cpu_count() or 1) // max(1, threads or 1))
    return run_area(area, inputs, ref.folder.parent, shared_by=shared_by)


def default_threads(workers: int, cores: int | None = None) -> int:
    """Numba threads per worker so that workers × threads does not exceed the cores."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, workers))
