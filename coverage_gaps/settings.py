"""Typed settings of a run, grouped by who uses them, validated where they are built.

Every default and every closed list of choices lives here (open lists, the coverage models and
the outputs, are registries in :mod:`coverage_gaps.coverage` and :mod:`coverage_gaps.outputs`);
the command line takes its defaults and choices from these classes.

=====================  =========================================================================
:class:`Inputs`        the files: villages, towers, electrification, population, DEM, link budget
:class:`TowerOptions`  reading and filtering the tower rows, and collapsing cells into sites
:class:`VillageOptions` reading the villages layer (layer and column names)
:class:`ServiceOptions` which service counts: radios and operators
:class:`CoverageOptions` the coverage model and how far a site reaches
:class:`AnalysisOptions` the grid, electrification thresholds, statuses
:class:`OutputOptions` where and what to write
:class:`RunConfig`     all of the above and the provinces to analyse
=====================  =========================================================================

Each class checks its values in ``__post_init__`` and raises
:class:`~coverage_gaps.errors.SettingsError` (a :class:`ValueError`) naming the setting, the value
and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from coverage_gaps.errors import SettingsError
from coverage_gaps.network import RADIOS, parse_radios

__all__ = [
    "DEFAULT_FIXED_RADII_M",
    "MAX_RESOLUTION_M",
    "AdminLayer",
    "AnalysisOptions",
    "BadRows",
    "CoverageOptions",
    "Environment",
    "Inputs",
    "Lang",
    "OutputOptions",
    "PlanObjective",
    "PlanOptions",
    "PlanShareOf",
    "RangeModel",
    "RunConfig",
    "ServiceOptions",
    "StatusThresholds",
    "TowerOptions",
    "Unit",
    "VillageOptions",
    "VillageUnit",
    "check_whole",
    "default_of",
]

BadRows = Literal["skip", "fail"]
RangeModel = Literal["opencellid", "fixed"]
Environment = Literal["urban", "suburban", "open"]
AdminKind = Literal["province", "commune"]
#: What ``coverage-gaps plan`` maximises: people or electrified land newly served, or villages
#: fixed (their covered share brought to the ``covered`` threshold).
PlanObjective = Literal["people", "villages", "area"]
#: What a plan's shares are of: the dark demand some candidate can reach, or all of it.
PlanShareOf = Literal["coverable", "total"]
#: The language of what people read (maps, workbooks, reports); CSVs keep English machine names.
Lang = Literal["vi", "en"]
#: What the features of the villages layer are, so that people read "thôn" (village) or "xã"
#: (commune) for them: ``auto`` takes a layer of polygons without a commune column for a layer
#: of communes (each feature its own commune, as :func:`~coverage_gaps.io.read_villages` reads
#: it) and anything else for villages.
VillageUnit = Literal["auto", "village", "commune"]
#: A resolved :data:`VillageUnit`.
Unit = Literal["village", "commune"]

#: Fixed coverage radii per radio (Collins Bartholomew's Mobile Coverage Explorer convention:
#: 12 km for 2G, 4 km for 3G/4G, 0.5 km for 5G; CDMA is treated as 2G).
DEFAULT_FIXED_RADII_M: Mapping[str, float] = MappingProxyType(
    {"GSM": 12_000.0, "CDMA": 12_000.0, "UMTS": 4_000.0, "LTE": 4_000.0, "NR": 500.0}
)


def default_of(cls: type, name: str) -> Any:
    """The default value of field ``name`` of the settings dataclass ``cls`` (the CLI's
    defaults come from here, so that no default is written twice)."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            if f.default is not dataclasses.MISSING:
                return f.default
            if f.default_factory is not dataclasses.MISSING:
                return f.default_factory()
            raise KeyError(f"{cls.__name__}.{name} has no default")
    raise KeyError(f"{cls.__name__} has no field {name!r}")


def choices_of(literal: Any) -> tuple[str, ...]:
    """The values of a ``Literal`` type, in order."""
    return tuple(get_args(literal))


def _number(
    owner: str,
    name: str,
    value: Any,
    *,
    positive: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    what = f"{owner}.{name}"
    fields = (what.partition("[")[0],)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{value!r} is not a number", fields=fields)
    v = float(value)
    if not math.isfinite(v):
        raise SettingsError(f"{value!r} is not a finite number", fields=fields)
    if positive and not v > 0:
        raise SettingsError(f"{value!r} is not a positive number", fields=fields)
    if minimum is not None and v < minimum:
        raise SettingsError(f"{value!r} is below {minimum:g}", fields=fields)
    if maximum is not None and v > maximum:
        raise SettingsError(f"{value!r} is above {maximum:g}", fields=fields)
    return v


def check_whole(owner: str, name: str, value: Any, *, minimum: int, noun: str) -> None:
    """Refuse ``value`` unless it is an int (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SettingsError(
            f"{value!r} is not {noun} of at least {minimum}", fields=(f"{owner}.{name}",)
        )


def _metric_crs(cls: str, name: str, value: str) -> None:
    """Check that ``value`` names a projected CRS in metres (the analysis CRS)."""
    from pyproj import CRS

    from coverage_gaps.grid import metric_crs_problem

    try:
        crs = CRS.from_user_input(value)
    except Exception as exc:  # pyproj raises CRSError, TypeError ... for what it cannot read
        raise SettingsError(
            f"{value!r} is not a CRS pyproj knows ({exc}); give a projected CRS in metres "
            "such as EPSG:32648 (UTM 48N)",
            fields=(f"{cls}.{name}",),
        ) from None
    problem = metric_crs_problem(crs)
    if problem is not None:
        raise SettingsError(f"{value!r} {problem}", fields=(f"{cls}.{name}",))


def _choice(owner: str, name: str, value: Any, literal: Any) -> None:
    allowed = choices_of(literal)
    if value not in allowed:
        raise SettingsError(
            f"{value!r} is not one of {', '.join(map(repr, allowed))}",
            fields=(f"{owner}.{name}",),
        )


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _path(value: Any) -> Path:
    return value if isinstance(value, Path) else Path(value)


@dataclass(frozen=True)
class AdminLayer:
    """A polygon layer of administrative units that villages are placed in by location.

    Attributes
    ----------
    path
        GeoPackage, GeoJSON, Shapefile or GeoParquet of polygons, any CRS.
    kind
        ``"province"`` or ``"commune"``: which column of the villages the layer sets.
    name_col
        The units' name column; detected when ``None``.  A column of two-digit Vietnamese
        province codes is turned into the provinces' names.
    layer
        The layer of a multi-layer file (``FILE:LAYER`` on the command line).
    """

    path: Path
    kind: AdminKind = "province"
    name_col: str | None = None
    layer: str | None = None

    def __post_init__(self) -> None:
        _set(self, "path", _path(self.path))
        _choice("AdminLayer", "kind", self.kind, AdminKind)

    @property
    def option(self) -> str:
        """The command-line option that gives this kind of layer, for messages."""
        return f"--{self.kind}-layer"


#: The input files a run may do without.
_OPTIONAL_FILES = ("electrified_raster", "grid_lines", "population", "radio_params", "field_checks")


@dataclass(frozen=True)
class Inputs:
    """The input files of a run.  Give exactly one electrification input.

    Attributes
    ----------
    villages
        Villages or communes (points or polygons), any vector format, any CRS.
    towers
        OpenCelliD / Mozilla Location Service CSV, plain or gzipped.
    electrified_raster
        A raster whose value above ``AnalysisOptions.electrified_threshold`` is electrified.
    grid_lines, grid_lines_layer
        Grid lines (or electrified polygons): land within ``AnalysisOptions.grid_distance_m`` is
        electrified.
    population
        People per pixel, any CRS (optional).
    dem
        Elevation tiles, for the models that need terrain.
    radio_params
        A TOML file overriding the link budget (parsed whenever it is given).
    province_layer, commune_layer
        Polygon layers that place the villages in provinces and communes by location.
    field_checks
        Officials' field checks (CSV or xlsx: ``village_id, observed, date, checked_by,
        note``) that override the modelled statuses of their villages.
    """

    villages: Path
    towers: Path
    electrified_raster: Path | None = None
    grid_lines: Path | None = None
    grid_lines_layer: str | None = None
    population: Path | None = None
    dem: tuple[Path, ...] = ()
    radio_params: Path | None = None
    province_layer: AdminLayer | None = None
    commune_layer: AdminLayer | None = None
    field_checks: Path | None = None

    def __post_init__(self) -> None:
        for name in ("villages", "towers"):
            _set(self, name, _path(getattr(self, name)))
        for name in _OPTIONAL_FILES:
            value = getattr(self, name)
            if value is not None:
                _set(self, name, _path(value))
        dem = (self.dem,) if isinstance(self.dem, str | Path) else self.dem
        _set(self, "dem", tuple(_path(p) for p in dem))
        if (self.electrified_raster is None) == (self.grid_lines is None):
            raise SettingsError(
                "give exactly one electrification input: --electrified-raster or --grid-lines",
                fields=("Inputs.electrified_raster", "Inputs.grid_lines"),
            )
        for name, kind in (("province_layer", "province"), ("commune_layer", "commune")):
            layer = getattr(self, name)
            if layer is not None and layer.kind != kind:
                raise SettingsError(
                    f"Inputs.{name} must be an AdminLayer of kind {kind!r}",
                    fields=(f"Inputs.{name}",),
                )

    @property
    def paths(self) -> dict[str, Path]:
        """Every input file by the setting that names it (``dem`` tiles as ``dem[0]`` …)."""
        out: dict[str, Path] = {"villages": self.villages, "towers": self.towers}
        for name in _OPTIONAL_FILES:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update({f"dem[{i}]": p for i, p in enumerate(self.dem)})
        for name in ("province_layer", "commune_layer"):
            layer = getattr(self, name)
            if layer is not None:
                out[name] = layer.path
        return out


@dataclass(frozen=True)
class TowerOptions:
    """How to read and filter cell-tower rows and collapse cells into sites.

    Attributes
    ----------
    mcc
        Keep only these mobile country codes (Vietnam is 452); empty keeps all.
    min_samples
        Drop cells observed fewer times than this.
    as_of
        Keep only cells created on or before the end of this day (UTC); an ISO date string
        ``YYYY-MM-DD`` or a :class:`datetime.date`.  Also the date that ``max_age_days`` and
        the warning about old data count from (``None``: the day of the run).
    max_age_days
        Drop cells last seen (``updated``, else ``created``) more than this many days before
        the as-of date; ``None`` keeps them all.  The command line takes a duration such as
        ``5y``, ``18m`` or ``90d`` (:func:`coverage_gaps.io.towers.parse_duration`).
    bad_rows
        ``"skip"`` reports bad rows and goes on; ``"fail"`` stops the run.
    nr_gnb_bits
        Bits of the 36-bit NR cell identity that hold the gNB id (22 to 32).
    co_location_m
        Cells of one operator closer than this are one site (0 keeps every node apart).
    """

    mcc: tuple[int, ...] = ()
    min_samples: int = 1
    as_of: date | None = None
    max_age_days: float | None = None
    bad_rows: BadRows = "skip"
    nr_gnb_bits: int = 24
    co_location_m: float = 150.0

    def __post_init__(self) -> None:
        mcc = (self.mcc,) if isinstance(self.mcc, int) else tuple(self.mcc)
        for m in mcc:
            if isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 999:
                raise SettingsError(
                    f"{m!r} is not a mobile country code 1-999",
                    fields=("TowerOptions.mcc",),
                )
        _set(self, "mcc", mcc)
        check_whole("TowerOptions", "min_samples", self.min_samples, minimum=1, noun="an integer")
        if isinstance(self.as_of, str):
            try:
                _set(self, "as_of", date.fromisoformat(self.as_of))
            except ValueError:
                raise SettingsError(
                    f"{self.as_of!r} is not a date of the form YYYY-MM-DD",
                    fields=("TowerOptions.as_of",),
                ) from None
        elif self.as_of is not None and not isinstance(self.as_of, date):
            raise SettingsError(f"{self.as_of!r} is not a date", fields=("TowerOptions.as_of",))
        if self.max_age_days is not None:
            _number("TowerOptions", "max_age_days", self.max_age_days, positive=True)
        _choice("TowerOptions", "bad_rows", self.bad_rows, BadRows)
        if not isinstance(self.nr_gnb_bits, int) or not 22 <= self.nr_gnb_bits <= 32:
            raise SettingsError(
                f"{self.nr_gnb_bits!r} is not an integer from 22 to 32",
                fields=("TowerOptions.nr_gnb_bits",),
            )
        _number("TowerOptions", "co_location_m", self.co_location_m, minimum=0.0)


@dataclass(frozen=True)
class VillageOptions:
    """How to read the villages layer: its layer and the columns holding id, name, commune and
    province (each detected when ``None``), and what its features are (``unit``: villages or
    communes, :data:`VillageUnit`)."""

    layer: str | None = None
    id_col: str | None = None
    name_col: str | None = None
    commune_col: str | None = None
    province_col: str | None = None
    unit: VillageUnit = "auto"

    def __post_init__(self) -> None:
        _choice("VillageOptions", "unit", self.unit, VillageUnit)


@dataclass(frozen=True)
class ServiceOptions:
    """Which service counts.

    Attributes
    ----------
    radios
        Technologies that count: radio names or aliases (``"4G"``, ``"broadband"``, ``"all"``),
        normalised to radio names (:func:`coverage_gaps.network.parse_radios`).
    operators
        Only these operators' sites count (names as typed; empty: every operator).
    sunsets
        Sunset dates by generation (``{"2G": date(2026, 9, 15)}``, keys also as radios or in
        any case, dates also as ISO text): a generation past its sunset at the run's as-of date
        serves nobody.  They override the built-in sunsets of each country.
    default_sunsets
        Apply the built-in sunsets of each country (:data:`coverage_gaps.network.SUNSETS`).
    """

    radios: tuple[str, ...] = RADIOS
    operators: tuple[str, ...] = ()
    sunsets: Mapping[str, date] = field(default_factory=dict)
    default_sunsets: bool = True

    def __post_init__(self) -> None:
        from coverage_gaps.network import parse_generation

        sunsets: dict[str, date] = {}
        for key, when in dict(self.sunsets).items():
            try:
                gen = parse_generation(str(key))
                day = date.fromisoformat(when) if isinstance(when, str) else when
            except (SettingsError, ValueError) as exc:
                message = (
                    exc.message if isinstance(exc, SettingsError) else f"{when!r} is not a date"
                )
                raise SettingsError(message, fields=("ServiceOptions.sunsets",)) from None
            if not isinstance(day, date):
                raise SettingsError(f"{when!r} is not a date", fields=("ServiceOptions.sunsets",))
            sunsets[gen] = day
        _set(self, "sunsets", sunsets)
        radios = (self.radios,) if isinstance(self.radios, str) else tuple(self.radios)
        try:
            _set(self, "radios", parse_radios(radios))
        except SettingsError as exc:
            raise SettingsError(exc.message, fields=("ServiceOptions.radios",)) from None
        ops = (self.operators,) if isinstance(self.operators, str) else tuple(self.operators)
        _set(self, "operators", ops)


@dataclass(frozen=True)
class CoverageOptions:
    """The coverage model and how far a site reaches.

    Attributes
    ----------
    model
        A name in :data:`coverage_gaps.coverage.MODELS` (``disc``, ``free-space``, ``hata``,
        ``terrain``).
    range_model
        Disc radius: ``"opencellid"`` (the cells' observed range, clipped to
        ``[min_range_m, max_range_m]``) or ``"fixed"`` (``fixed_radii_m``).
    min_range_m, max_range_m
        Clip of observed ranges; ``max_range_m`` also bounds the propagation models' reach.
    fixed_radii_m
        Per-radio radius of the fixed range model (and of a cell with no observed range); the
        radios given override :data:`DEFAULT_FIXED_RADII_M` (keys may be aliases such as
        ``"4G"``).
    environment
        Clutter class of the Hata base model.
    k_factor
        Effective Earth radius factor for the terrain model; ``None`` takes the link budget's
        (``k_factor`` in the ``--radio-params`` file, else 4/3).
    terrain_resolution_m
        Cell size of the terrain grid (never finer than the DEM's own).
    reliability
        Location probability at the cell edge, ``0 < P < 1`` (0.9, as the US FCC's coverage
        maps; 0.5 is the median prediction): the propagation models serve a cell when the
        median signal clears the threshold by ``z(P) sigma_L`` (log-normal location
        variability, see :func:`coverage_gaps.coverage.propagation.location_sigma_db`).  The
        disc model ignores it.
    """

    model: str = "disc"
    range_model: RangeModel = "opencellid"
    min_range_m: float = 100.0
    max_range_m: float = 35_000.0
    fixed_radii_m: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_FIXED_RADII_M))
    environment: Environment = "open"
    k_factor: float | None = None
    terrain_resolution_m: float = 30.0
    reliability: float = 0.9

    def __post_init__(self) -> None:
        from coverage_gaps.coverage.models import MODELS

        if self.model not in MODELS:
            raise SettingsError(
                f"{self.model!r} is not a coverage model; choose one of "
                f"{', '.join(map(repr, MODELS))}",
                fields=("CoverageOptions.model",),
            )
        _choice("CoverageOptions", "range_model", self.range_model, RangeModel)
        _choice("CoverageOptions", "environment", self.environment, Environment)
        lo = _number("CoverageOptions", "min_range_m", self.min_range_m, positive=True)
        hi = _number("CoverageOptions", "max_range_m", self.max_range_m, positive=True)
        if lo > hi:
            raise SettingsError(
                f"the smallest disc radius ({lo:g} m) is above the largest ({hi:g} m)",
                fields=("CoverageOptions.min_range_m", "CoverageOptions.max_range_m"),
            )
        radii = dict(DEFAULT_FIXED_RADII_M)
        for key, metres in dict(self.fixed_radii_m).items():
            try:
                radios = parse_radios(key)
            except SettingsError as exc:
                raise SettingsError(
                    exc.message, fields=("CoverageOptions.fixed_radii_m",)
                ) from None
            value = _number("CoverageOptions", f"fixed_radii_m[{key!r}]", metres, positive=True)
            for radio in radios:
                radii[radio] = value
        _set(self, "fixed_radii_m", radii)
        if self.k_factor is not None:
            _number("CoverageOptions", "k_factor", self.k_factor, positive=True)
        _number("CoverageOptions", "terrain_resolution_m", self.terrain_resolution_m, positive=True)
        p = _number("CoverageOptions", "reliability", self.reliability)
        if not 0.0 < p < 1.0:
            raise SettingsError(
                f"reliability must be a probability strictly between 0 and 1 (0.9 is the "
                f"usual cell-edge value, 0.5 the median); got {p:g}",
                fields=("CoverageOptions.reliability",),
            )

    @property
    def largest_radius_m(self) -> float:
        """The farthest any disc of the range model can reach."""
        return max(self.max_range_m, max(self.fixed_radii_m.values()))


@dataclass(frozen=True)
class StatusThresholds:
    """Covered share of the electrified area below ``dead_zone`` is a dead zone, at or above
    ``covered`` is covered, in between partial."""

    dead_zone: float = 0.10
    covered: float = 0.90

    def __post_init__(self) -> None:
        dz = _number("StatusThresholds", "dead_zone", self.dead_zone)
        cov = _number("StatusThresholds", "covered", self.covered)
        if not 0.0 <= dz <= cov <= 1.0:
            raise SettingsError(
                f"status thresholds must satisfy 0 <= dead_zone <= covered <= 1, got "
                f"dead_zone={self.dead_zone!r}, covered={self.covered!r}",
                fields=("StatusThresholds.dead_zone", "StatusThresholds.covered"),
            )


#: The coarsest analysis grid: a cell must be smaller than a village (a point village is a
#: disc of 500 m by default) and than the reach of a small cell.
MAX_RESOLUTION_M = 1_000.0


@dataclass(frozen=True)
class AnalysisOptions:
    """The analysis grid, what counts as electrified, and the status thresholds.

    Attributes
    ----------
    resolution_m
        Cell size of the analysis grid, at most :data:`MAX_RESOLUTION_M`.
    crs
        Metric CRS of the analysis (default: the UTM zone of each area's centre).
    electrified_threshold
        Raster values above this are electrified.
    grid_distance_m
        Land within this distance of a grid line is electrified (0: the lines' own cells).
    village_radius_m
        Radius of a village given as a point.
    thresholds
        Covered shares that make a village a dead zone, partial or covered.
    memory_budget_gb
        The memory one area may plan to use (GiB); ``None``: 60 % of the machine's memory
        (:mod:`coverage_gaps.budget`).  Larger grids and tables are refused before they are
        allocated.
    field_check_validity_days
        A field check older than this at the as-of date no longer counts (a year by default, as
        the US FCC keeps speed-test evidence).
    """

    resolution_m: float = 100.0
    crs: str | None = None
    electrified_threshold: float = 0.0
    grid_distance_m: float = 1_000.0
    village_radius_m: float = 500.0
    thresholds: StatusThresholds = field(default_factory=StatusThresholds)
    memory_budget_gb: float | None = None
    field_check_validity_days: float = 365.0

    def __post_init__(self) -> None:
        _number(
            "AnalysisOptions",
            "field_check_validity_days",
            self.field_check_validity_days,
            positive=True,
        )
        if self.memory_budget_gb is not None:
            _number("AnalysisOptions", "memory_budget_gb", self.memory_budget_gb, positive=True)
        _number("AnalysisOptions", "resolution_m", self.resolution_m, positive=True)
        if self.resolution_m > MAX_RESOLUTION_M:
            raise SettingsError(
                f"cells of {self.resolution_m:g} m are coarser than {MAX_RESOLUTION_M:g} m: larger "
                "than the villages and the reach of many sites, so shares and areas would be "
                f"meaningless; use {MAX_RESOLUTION_M:g} m or less (100 m is the default)",
                fields=("AnalysisOptions.resolution_m",),
            )
        _number("AnalysisOptions", "electrified_threshold", self.electrified_threshold)
        _number("AnalysisOptions", "grid_distance_m", self.grid_distance_m, minimum=0.0)
        _number("AnalysisOptions", "village_radius_m", self.village_radius_m, positive=True)
        if self.crs is not None:
            _metric_crs("AnalysisOptions", "crs", self.crs)


@dataclass(frozen=True)
class OutputOptions:
    """Where and what to write.

    Attributes
    ----------
    out_dir
        The output folder.
    kinds
        Outputs to write, names in :data:`coverage_gaps.outputs.AREA_WRITERS` (default ``csv``,
        ``xlsx``, ``gpkg``, ``html``, ``tif``, ``field-check``); the run-level ``summary.csv``,
        ``index.html`` and ``run.json`` are always written.
    signal_per_operator
        Also write one signal GeoTIFF per technology and operator.
    lang
        Language of the maps, workbooks and reports (``"vi"`` or ``"en"``).
    """

    out_dir: Path = Path("maps")
    kinds: tuple[str, ...] = ("csv", "xlsx", "gpkg", "html", "tif", "field-check")
    signal_per_operator: bool = False
    lang: Lang = "vi"

    def __post_init__(self) -> None:
        from coverage_gaps.outputs import AREA_WRITERS

        _choice("OutputOptions", "lang", self.lang, Lang)
        _set(self, "out_dir", _path(self.out_dir))
        kinds = (self.kinds,) if isinstance(self.kinds, str) else tuple(self.kinds)
        for kind in kinds:
            if kind not in AREA_WRITERS:
                raise SettingsError(
                    f"{kind!r} is not an output; choose among {', '.join(AREA_WRITERS)}",
                    fields=("OutputOptions.kinds",),
                )
        if not kinds:
            raise SettingsError("no output chosen", fields=("OutputOptions.kinds",))
        _set(self, "kinds", tuple(dict.fromkeys(kinds)))


@dataclass(frozen=True)
class PlanOptions:
    """Where to build new sites (``coverage-gaps plan``, :func:`coverage_gaps.planning.plan_area`).

    Give exactly one of ``n_sites`` (maximal covering: the best ``n_sites`` new sites) and
    ``target_share`` (partial set cover: the fewest sites that serve that share of the demand).

    Attributes
    ----------
    n_sites
        How many new sites to propose at most.
    target_share
        The share of the demand to serve with as few sites as possible, ``0 < share <= 1``.
    objective
        ``"people"`` (people newly served; needs a population raster), ``"area"``
        (electrified land newly served) or ``"villages"`` (villages whose covered share reaches
        the ``covered`` status threshold); ``None``: people when a population raster is given,
        else area.  ``target_share`` works on people or area only.
    candidate_spacing_m
        Side of the lattice tiles: each tile with grid power gets a candidate at the powered
        cell nearest its centre (and, with a DEM, at its highest powered cell).
    radio
        The technology to plan (a radio name or alias: ``LTE``, ``4G``, ``NR`` ...).
    antenna_height_m
        Antenna height of a new site above the ground (the propagation models' link budget).
    time_limit_s
        Wall-clock limit of each province's solve.
    gap
        Relative optimality gap at which a solve stops as optimal.
    share_of
        What ``target_share`` and the reported shares are of: the demand some candidate can
        reach (``coverable``) or all of it (``total``).
    curve_points
        Numbers of sites at which the optimum is also solved, for the curve of coverage
        against sites, in the time the main solve leaves of ``time_limit_s`` (0: only the
        greedy curve).
    """

    n_sites: int | None = None
    target_share: float | None = None
    objective: PlanObjective | None = None
    candidate_spacing_m: float = 1_000.0
    radio: str = "LTE"
    antenna_height_m: float = 30.0
    time_limit_s: float = 60.0
    gap: float = 1e-3
    share_of: PlanShareOf = "coverable"
    curve_points: int = 6

    def __post_init__(self) -> None:
        if (self.n_sites is None) == (self.target_share is None):
            which = "neither was given" if self.n_sites is None else "not both"
            raise SettingsError(
                "give the number of new sites (--sites N) or the share of the demand to serve "
                f"(--target-share 0.95): {which}",
                fields=("PlanOptions.n_sites", "PlanOptions.target_share"),
            )
        if self.n_sites is not None:
            check_whole(
                "PlanOptions", "n_sites", self.n_sites, minimum=1, noun="a whole number of sites"
            )
        if self.target_share is not None:
            share = _number("PlanOptions", "target_share", self.target_share)
            if not 0.0 < share <= 1.0:
                raise SettingsError(
                    f"{share:g} is not a share in (0, 1] (0.95 = 95 %)",
                    fields=("PlanOptions.target_share",),
                )
        if self.objective is not None:
            _choice("PlanOptions", "objective", self.objective, PlanObjective)
            if self.objective == "villages" and self.target_share is not None:
                raise SettingsError(
                    "--target-share serves a share of the people or the land; with "
                    "--objective villages give --sites N",
                    fields=("PlanOptions.objective", "PlanOptions.target_share"),
                )
        _number("PlanOptions", "candidate_spacing_m", self.candidate_spacing_m, positive=True)
        try:
            radios = parse_radios(self.radio)
        except SettingsError as exc:
            raise SettingsError(exc.message, fields=("PlanOptions.radio",)) from None
        if len(radios) != 1:
            raise SettingsError(
                f"{self.radio!r} names {len(radios)} technologies; plan one (e.g. LTE)",
                fields=("PlanOptions.radio",),
            )
        _set(self, "radio", radios[0])
        _number("PlanOptions", "antenna_height_m", self.antenna_height_m, positive=True)
        _number("PlanOptions", "time_limit_s", self.time_limit_s, positive=True)
        if not 0.0 <= _number("PlanOptions", "gap", self.gap) < 1.0:
            raise SettingsError(
                f"{self.gap!r} is not a relative optimality gap in [0, 1) (1e-3 = 0.1 %)",
                fields=("PlanOptions.gap",),
            )
        _choice("PlanOptions", "share_of", self.share_of, PlanShareOf)
        check_whole(
            "PlanOptions", "curve_points", self.curve_points, minimum=0, noun="a whole number"
        )


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs: the inputs, the provinces to analyse and the settings."""

    inputs: Inputs
    provinces: tuple[str, ...] = ()
    towers: TowerOptions = field(default_factory=TowerOptions)
    villages: VillageOptions = field(default_factory=VillageOptions)
    service: ServiceOptions = field(default_factory=ServiceOptions)
    coverage: CoverageOptions = field(default_factory=CoverageOptions)
    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)
    outputs: OutputOptions = field(default_factory=OutputOptions)

    def __post_init__(self) -> None:
        from coverage_gaps.coverage.models import MODELS

        provinces = (self.provinces,) if isinstance(self.provinces, str) else self.provinces
        _set(self, "provinces", tuple(provinces))
        asked = self.outputs.kinds != default_of(OutputOptions, "kinds")
        if asked and "tif" in self.outputs.kinds:
            spec = MODELS.get(self.coverage.model)
            if spec is not None and not spec.uses_link_budget:
                signal = ", ".join(name for name, m in MODELS.items() if m.uses_link_budget)
                raise SettingsError(
                    f"'tif' (the signal rasters) needs a model that predicts a signal, and "
                    f"{self.coverage.model!r} does not; choose one of {signal}, or leave tif "
                    "out of the outputs",
                    fields=("OutputOptions.kinds", "CoverageOptions.model"),
                )

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON-able values (paths and dates as text)."""
        return _plain(dataclasses.asdict(self))


def _plain(value: Any) -> Any:
    if isinstance(value, dict | MappingProxyType):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path | date):
        return str(value)
    return value
