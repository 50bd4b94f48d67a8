"""A whole run: read the inputs once, analyse each province, write its outputs and a summary."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from coverage_gaps.coverage.models import make_coverage_model
from coverage_gaps.errors import InputError, SelectionError
from coverage_gaps.io.admin import AdminLayer, read_admin_layer
from coverage_gaps.io.towers import read_towers
from coverage_gaps.io.villages import read_villages
from coverage_gaps.names import fold, match_province
from coverage_gaps.outputs.area import write_area_outputs
from coverage_gaps.outputs.tables import write_csv
from coverage_gaps.pipeline import (
    DemTiles,
    GridSource,
    LineElectrification,
    PopulationRaster,
    RasterElectrification,
    analyse_area,
    select_cells,
)
from coverage_gaps.settings import (
    AnalysisOptions,
    CoverageOptions,
    TowerOptions,
    VillageOptions,
)
from coverage_gaps.sites import cell_operators, collapse_sites

log = logging.getLogger(__name__)

Step = Callable[[str], AbstractContextManager[None]]

#: The area of the villages that have no province when the others have one.
NO_PROVINCE = "(no province)"


@contextlib.contextmanager
def _no_progress(_: str) -> Iterator[None]:
    yield


@dataclass(frozen=True)
class RunConfig:
    """Inputs and options of one run."""

    villages: Path
    towers: Path
    electrified_raster: Path | None = None
    grid_lines: Path | None = None
    grid_lines_layer: str | None = None
    population: Path | None = None
    province_layer: AdminLayer | None = None
    commune_layer: AdminLayer | None = None
    dem: tuple[Path, ...] = ()
    radio_params: Path | None = None
    provinces: tuple[str, ...] = ()
    out_dir: Path = Path("maps")
    outputs: tuple[str, ...] = ("csv", "gpkg", "html")
    towers_options: TowerOptions = field(default_factory=TowerOptions)
    village_options: VillageOptions = field(default_factory=VillageOptions)
    coverage_options: CoverageOptions = field(default_factory=CoverageOptions)
    analysis_options: AnalysisOptions = field(default_factory=AnalysisOptions)

    def __post_init__(self) -> None:
        if (self.electrified_raster is None) == (self.grid_lines is None):
            raise InputError(
                None, "give exactly one electrification input: --electrified-raster or --grid-lines"
            )


@dataclass
class RunSummary:
    """What a run produced."""

    summary: pd.DataFrame
    files: list[Path]
    notes: list[str]


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
    from coverage_gaps.admin import assign_by_location

    villages = read_villages(path, options=options)
    if province_layer is not None:
        units = read_admin_layer(province_layer)
        villages = assign_by_location(villages, units, column="province", what="province")
        villages["province_code"] = ""  # codes from the villages' file may be the old units'
    if commune_layer is not None:
        units = read_admin_layer(commune_layer)
        villages = assign_by_location(villages, units, column="commune", what="commune")
    return villages


def province_groups(
    villages: gpd.GeoDataFrame, typed: Sequence[str], *, fallback: str
) -> tuple[list[tuple[str, gpd.GeoDataFrame]], list[str]]:
    """The (name, villages) of each province to analyse, and notes on how names matched."""
    names = villages["province"].astype(str)
    if (names == "").all():
        names = pd.Series(fallback, index=villages.index)
        villages = villages.assign(province=fallback)
    elif (names == "").any():
        # Villages with no province among others that have one form their own area, so that
        # none is dropped unseen.
        names = names.where(names != "", NO_PROVINCE)
        villages = villages.assign(province=names.to_numpy())
    available = sorted(names.unique().tolist())
    notes: list[str] = []
    if typed:
        chosen: list[str] = []
        for t in typed:
            match = match_province(t, available)
            if match.note:
                notes.append(match.note)
            if match.value not in chosen:
                chosen.append(match.value)
    else:
        chosen = available
    groups = []
    for name in chosen:
        sub = villages.loc[names == name]
        if len(sub) == 0:
            raise SelectionError(f"province {name!r} has no villages in the villages layer")
        groups.append((name, sub))
    return groups, notes


def dem_resolution_m(path: Path) -> float:
    """Approximate cell size of a DEM in metres (degrees × 111 km for geographic CRSs)."""
    from coverage_gaps.io.raster import open_raster

    with open_raster(path, option="--dem") as src:
        res = float(min(abs(src.res[0]), abs(src.res[1])))
        return res * 111_320.0 if src.crs.is_geographic else res


def resolve_operators(
    typed: Sequence[str], known: Sequence[str], *, towers: Path
) -> tuple[str, ...]:
    """Operator names as the towers file has them; typed names match in any case or accents,
    and ``"452-04"`` style codes match the code of an unnamed operator."""
    by_key = {fold(k): k for k in known}
    out: list[str] = []
    unknown = []
    for t in typed:
        name = by_key.get(fold(t))
        if name is None:
            unknown.append(t)
        elif name not in out:
            out.append(name)
    if unknown:
        raise SelectionError(
            f"--operator {', '.join(map(repr, unknown))} has no cells in {towers}; operators "
            f"present: {', '.join(sorted(known)) or 'none'}"
        )
    return tuple(out)


def run(
    config: RunConfig, *, step: Step = _no_progress, on_area: Callable[[str], None] | None = None
) -> RunSummary:
    """Read the inputs, analyse every chosen province and write the outputs.

    Parameters
    ----------
    config
        Inputs and options.
    step
        Context-manager factory the CLI uses to show progress of long steps.
    on_area
        Called with each province's name before it is analysed.
    """
    with step("Reading villages"):
        villages = load_villages(
            config.villages,
            config.village_options,
            province_layer=config.province_layer,
            commune_layer=config.commune_layer,
        )
    groups, notes = province_groups(villages, config.provinces, fallback=config.villages.stem)

    with step("Reading towers"):
        cells, _report = read_towers(config.towers, options=config.towers_options)
        ops = cell_operators(cells)
        cells["operator"] = ops  # worked out once, for --operator and for the sites
        cov = config.coverage_options
        if cov.operators:
            cov = replace(
                cov,
                operators=resolve_operators(
                    cov.operators, list(ops.unique()), towers=config.towers
                ),
            )
        cells = select_cells(cells, ops, cov)
    config = replace(config, coverage_options=cov)
    with step("Collapsing cells into sites"):
        sites, emitters = collapse_sites(cells, options=config.towers_options)

    electrification: GridSource
    if config.electrified_raster is not None:
        electrification = RasterElectrification(
            config.electrified_raster, config.analysis_options.electrified_threshold
        )
    else:
        from coverage_gaps.io.electrification import read_grid_lines

        assert config.grid_lines is not None
        with step("Reading grid lines"):
            lines = read_grid_lines(config.grid_lines, layer=config.grid_lines_layer)
        electrification = LineElectrification(lines, config.analysis_options.grid_distance_m)
    population = PopulationRaster(config.population) if config.population else None
    cov = config.coverage_options
    dem = None
    if cov.model == "terrain":
        if not config.dem:
            raise InputError(None, "--model terrain needs an elevation model: give --dem F")
        native = dem_resolution_m(config.dem[0])
        if native > cov.terrain_resolution_m:
            log.info("terrain grid %.0f m (the DEM's own resolution)", native)
            cov = replace(cov, terrain_resolution_m=native)
            config = replace(config, coverage_options=cov)
        dem = DemTiles(config.dem)
    model = make_coverage_model(cov, radio_params=config.radio_params)

    rows = []
    files: list[Path] = []
    for name, group in groups:
        if on_area is not None:
            on_area(name)
        with step(f"Analysing {name} ({len(group)} villages)"):
            result = analyse_area(
                name,
                group,
                sites,
                emitters,
                electrification=electrification,
                population=population,
                dem=dem,
                coverage_model=model,
                analysis=config.analysis_options,
                coverage=config.coverage_options,
                village_options=config.village_options,
                dead_zone_polygons="gpkg" in config.outputs or "html" in config.outputs,
            )
        with step(f"Writing {name}"):
            files += write_area_outputs(result, config.out_dir, outputs=config.outputs)
        rows.append(result.summary_row())
    summary = pd.DataFrame(rows)
    files.append(write_csv(summary.round(3), config.out_dir / "summary.csv"))
    return RunSummary(summary=summary, files=files, notes=notes)
