"""The commands' options in groups, each group beside the builder of its settings.

Defaults come from the settings dataclasses (:func:`coverage_gaps.settings.default_of`) and
choices from the registries and ``Literal`` types, so that no default or list of choices is
written twice.  Values are checked by the library when the settings are built; a
:class:`~coverage_gaps.errors.SettingsError` names its fields, and :data:`FLAGS` maps them back
to the options that set them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from coverage_gaps.coverage.models import MODELS
from coverage_gaps.errors import SettingsError
from coverage_gaps.network import parse_radios, parse_sunsets
from coverage_gaps.outputs import AREA_WRITERS
from coverage_gaps.settings import (
    AdminLayer,
    AnalysisOptions,
    BadRows,
    CoverageOptions,
    Environment,
    Inputs,
    Lang,
    OutputOptions,
    PlanObjective,
    PlanOptions,
    PlanShareOf,
    RangeModel,
    ServiceOptions,
    StatusThresholds,
    TowerOptions,
    VillageOptions,
    VillageUnit,
    choices_of,
    default_of,
)

F = TypeVar("F", bound=Callable[..., Any])

#: Setting (``"Class.field"``) → the option that sets it, filled as options are declared.
FLAGS: dict[str, str] = {}

INPUTS = "Inputs"
VILLAGES = "Villages"
TOWERS = "Towers"
SERVICE = "Service that counts"
MODEL = "Coverage model"
ANALYSIS = "Analysis"
OUTPUTS = "Outputs"
RUN = "Running"
PLAN = "Planning"


class GroupedOption(click.Option):
    """A click option that belongs to a help section and may name the setting it fills."""

    def __init__(
        self, *args: Any, group: str = "Other", setting: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        self.setting = setting


def option(group: str, *decls: str, setting: str | None = None, **attrs: Any) -> Callable[[F], F]:
    """``click.option`` in help section ``group``; ``setting`` (``"Class.field"``) is the
    setting it fills, whose default it shows."""
    if setting is not None:
        flag = next(d for d in decls if d.startswith("--"))
        FLAGS[setting] = flag
        wants_default = not (attrs.get("is_flag") or attrs.get("multiple") or attrs.get("required"))
        if "default" not in attrs and wants_default:
            cls_name, _, name = setting.partition(".")
            attrs["default"] = default_of(_CLASSES[cls_name], name)
    if "default" in attrs and attrs["default"] is not None and not attrs.get("is_flag"):
        attrs.setdefault("show_default", True)
    return click.option(*decls, cls=GroupedOption, group=group, setting=setting, **attrs)


_CLASSES: dict[str, type] = {
    c.__name__: c
    for c in (
        Inputs,
        TowerOptions,
        VillageOptions,
        ServiceOptions,
        CoverageOptions,
        AnalysisOptions,
        StatusThresholds,
        OutputOptions,
        PlanOptions,
    )
}


def apply(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Apply option decorators in the order listed (first shown first)."""

    def wrap(f: F) -> F:
        for d in reversed(decorators):
            f = d(f)
        return f

    return wrap


def _check(value: Any, parse: Callable[[Any], Any], param: click.Parameter | None) -> Any:
    """``parse(value)``, a :class:`SettingsError` turned into ``click.BadParameter``."""
    try:
        return parse(value)
    except SettingsError as exc:
        raise click.BadParameter(exc.message, param=param) from None


existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


# -- inputs -------------------------------------------------------------------------------------


def _layer_path(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[Path, str | None] | None:
    """``FILE`` or ``FILE:LAYER`` (a layer of a multi-layer file) -> ``(path, layer)``."""
    if value is None:
        return None
    if Path(value).is_file():
        return Path(value), None
    head, sep, layer = value.rpartition(":")
    if sep and layer and Path(head).is_file():
        return Path(head), layer
    raise click.BadParameter(
        f"{value!r} is not an existing file (or FILE:LAYER for a layer of one)",
        ctx=ctx,
        param=param,
    )


villages_file = option(
    INPUTS,
    "--villages",
    required=True,
    type=existing_file,
    setting="Inputs.villages",
    help="Villages or communes: GeoPackage, GeoJSON, Shapefile or GeoParquet (points/polygons).",
)
admin_layer_options = apply(
    option(
        INPUTS,
        "--province-layer",
        metavar="FILE[:LAYER]",
        callback=_layer_path,
        setting="Inputs.province_layer",
        default=None,
        help="Province polygons (e.g. the 34 provinces of 2025): each village is placed in the "
        "one it lies in, whatever its own province column says.",
    ),
    option(INPUTS, "--province-layer-col", help="Name column of --province-layer (detected)."),
    option(
        INPUTS,
        "--commune-layer",
        metavar="FILE[:LAYER]",
        callback=_layer_path,
        setting="Inputs.commune_layer",
        default=None,
        help="Commune/ward polygons: each village is placed in the one it lies in.",
    ),
    option(INPUTS, "--commune-layer-col", help="Name column of --commune-layer (detected)."),
)
input_options = apply(
    villages_file,
    option(
        INPUTS,
        "--towers",
        required=True,
        type=existing_file,
        setting="Inputs.towers",
        help="OpenCelliD / MLS cell CSV (14 columns, header optional, .gz allowed).",
    ),
    option(
        INPUTS,
        "--electrified-raster",
        type=existing_file,
        setting="Inputs.electrified_raster",
        help="GeoTIFF: a value above --electrified-threshold is electrified.",
    ),
    option(
        INPUTS,
        "--grid-lines",
        type=existing_file,
        setting="Inputs.grid_lines",
        help="Vector grid lines/polygons: land within --grid-distance is electrified.",
    ),
    option(
        INPUTS,
        "--grid-lines-layer",
        setting="Inputs.grid_lines_layer",
        help="Layer of a multi-layer grid-lines file.",
    ),
    option(
        INPUTS,
        "--population",
        type=existing_file,
        setting="Inputs.population",
        help="Population raster (people per pixel, any CRS).",
    ),
    option(
        INPUTS,
        "--dem",
        type=existing_file,
        multiple=True,
        setting="Inputs.dem",
        help="Elevation: GeoTIFF or SRTM .hgt/.hgt.zip, any CRS; repeat for several tiles.",
    ),
    option(
        INPUTS,
        "--field-checks",
        type=existing_file,
        setting="Inputs.field_checks",
        help="Officials' field checks (CSV or the -field-check.xlsx a run writes, filled in): "
        "they override the modelled status of their villages.",
    ),
    option(
        INPUTS,
        "--radio-params",
        type=existing_file,
        setting="Inputs.radio_params",
        help="TOML file overriding the per-radio link budget (see README).",
    ),
    admin_layer_options,
)


def admin_layers(kw: dict[str, Any]) -> dict[str, AdminLayer | None]:
    """``province_layer``/``commune_layer`` from the admin-layer options (popped from ``kw``)."""
    out: dict[str, AdminLayer | None] = {}
    for kind in ("province", "commune"):
        value = kw.pop(f"{kind}_layer")
        col = kw.pop(f"{kind}_layer_col")
        out[f"{kind}_layer"] = (
            None if value is None else AdminLayer(value[0], kind, name_col=col, layer=value[1])
        )
    return out


def build_inputs(kw: dict[str, Any]) -> Inputs:
    """The :class:`Inputs` of the input options (popped from ``kw``)."""
    return Inputs(
        villages=kw.pop("villages"),
        towers=kw.pop("towers"),
        electrified_raster=kw.pop("electrified_raster"),
        grid_lines=kw.pop("grid_lines"),
        grid_lines_layer=kw.pop("grid_lines_layer"),
        population=kw.pop("population"),
        dem=tuple(kw.pop("dem")),
        radio_params=kw.pop("radio_params"),
        field_checks=kw.pop("field_checks"),
        **admin_layers(kw),
    )


# -- villages -----------------------------------------------------------------------------------

village_options = apply(
    option(
        VILLAGES, "--layer", setting="VillageOptions.layer", help="Layer of a multi-layer file."
    ),
    option(
        VILLAGES, "--id-col", setting="VillageOptions.id_col", help="Village id column (detected)."
    ),
    option(VILLAGES, "--name-col", setting="VillageOptions.name_col", help="Village name column."),
    option(
        VILLAGES, "--commune-col", setting="VillageOptions.commune_col", help="Commune name column."
    ),
    option(
        VILLAGES,
        "--province-col",
        setting="VillageOptions.province_col",
        help="Province name or two-digit code column.",
    ),
    option(
        VILLAGES,
        "--unit",
        type=click.Choice(choices_of(VillageUnit)),
        setting="VillageOptions.unit",
        help="What the features are, so that maps and workbooks call them thôn or xã: auto takes"
        " polygons without a commune column for communes.",
    ),
)


def build_villages(kw: dict[str, Any]) -> VillageOptions:
    """The :class:`VillageOptions` of the village options (popped from ``kw``)."""
    return VillageOptions(
        layer=kw.pop("layer"),
        id_col=kw.pop("id_col"),
        name_col=kw.pop("name_col"),
        commune_col=kw.pop("commune_col"),
        province_col=kw.pop("province_col"),
        unit=kw.pop("unit"),
    )


# -- towers -------------------------------------------------------------------------------------


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """``--max-age 5y`` -> days."""
    from coverage_gaps.io.towers import parse_duration

    return None if value is None else _check(value, parse_duration, param)


_tower_options_but_as_of = (
    option(
        TOWERS,
        "--mcc",
        type=int,
        multiple=True,
        setting="TowerOptions.mcc",
        help="Keep only this mobile country code (452 = Vietnam); repeatable.",
    ),
    option(
        TOWERS,
        "--min-samples",
        type=int,
        setting="TowerOptions.min_samples",
        help="Drop cells seen fewer times than this.",
    ),
    option(
        TOWERS,
        "--max-age",
        metavar="DURATION",
        callback=_duration,
        setting="TowerOptions.max_age_days",
        help="Drop cells last seen longer ago than this before the as-of date: 5y, 18m, 90d.",
    ),
    option(
        TOWERS,
        "--bad-rows",
        type=click.Choice(choices_of(BadRows)),
        setting="TowerOptions.bad_rows",
        help="Skip bad tower rows with a warning, or stop at the first bad row.",
    ),
    option(
        TOWERS,
        "--nr-gnb-bits",
        type=int,
        setting="TowerOptions.nr_gnb_bits",
        help="Bits of the NR cell id that hold the gNB id (22-32).",
    ),
    option(
        TOWERS,
        "--co-location",
        type=float,
        setting="TowerOptions.co_location_m",
        help="Cells of one operator within this many metres are one site.",
    ),
)
_as_of_option = option(
    TOWERS,
    "--as-of",
    metavar="YYYY-MM-DD",
    setting="TowerOptions.as_of",
    help="Only cells created on or before this date; also the date --max-age counts "
    "from (default: today).",
)
#: The towers group of ``run`` and ``demo``.
tower_options = apply(*_tower_options_but_as_of[:2], _as_of_option, *_tower_options_but_as_of[2:])
#: The towers group without ``--as-of``, for commands that take several dates.
tower_options_without_as_of = apply(*_tower_options_but_as_of)


def build_towers(kw: dict[str, Any]) -> TowerOptions:
    """The :class:`TowerOptions` of the tower options (popped from ``kw``)."""
    return TowerOptions(
        mcc=tuple(kw.pop("mcc")),
        min_samples=kw.pop("min_samples"),
        as_of=kw.pop("as_of", None),
        max_age_days=kw.pop("max_age"),
        bad_rows=kw.pop("bad_rows"),
        nr_gnb_bits=kw.pop("nr_gnb_bits"),
        co_location_m=kw.pop("co_location"),
    )


# -- service ------------------------------------------------------------------------------------


def _radios(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    return tuple(_check(value, parse_radios, param))


service_options = apply(
    option(
        SERVICE,
        "--radio",
        default="all",
        show_default=True,
        callback=_radios,
        setting="ServiceOptions.radios",
        help="Technologies that count as service: GSM,UMTS,LTE,NR,CDMA, 2G..5G, broadband, all.",
    ),
    option(
        SERVICE,
        "--operator",
        "operators",
        multiple=True,
        setting="ServiceOptions.operators",
        help="Only this operator's sites count (name, e.g. Viettel, or 452-04); repeatable.",
    ),
    option(
        SERVICE,
        "--sunset",
        metavar="GEN=YYYY-MM-DD",
        multiple=True,
        callback=lambda ctx, param, value: _check(value, parse_sunsets, param),
        setting="ServiceOptions.sunsets",
        help="A generation serves nobody after this day (repeatable; e.g. 2G=2026-09-15). "
        "Built in: Vietnam (452) 2G after 2026-09-15, 3G after 2028-09-30 (planned).",
    ),
    option(
        SERVICE,
        "--no-default-sunsets",
        is_flag=True,
        help="Do not apply the built-in sunsets of each country.",
    ),
)


def build_service(kw: dict[str, Any]) -> ServiceOptions:
    """The :class:`ServiceOptions` of the service options (popped from ``kw``)."""
    return ServiceOptions(
        radios=kw.pop("radio"),
        operators=tuple(kw.pop("operators")),
        sunsets=kw.pop("sunset"),
        default_sunsets=not kw.pop("no_default_sunsets"),
    )


# -- coverage model -----------------------------------------------------------------------------


def _radii(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, float]:
    """``--fixed-radius 4G=5000`` overrides; radios by name or generation."""
    radii: dict[str, float] = {}
    for item in value:
        key, sep, metres = item.partition("=")
        try:
            radius = float(metres)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not RADIO=METRES (e.g. 4G=5000)", param=param)
        for radio in _check(key, parse_radios, param):
            radii[radio] = radius
    return radii


def model_option(default: str | None = None) -> Callable[[F], F]:
    """``--model``, its choices from the registry (``default``: the settings' default)."""
    return option(
        MODEL,
        "--model",
        type=click.Choice(list(MODELS)),
        setting="CoverageOptions.model",
        **({"default": default} if default is not None else {}),
        help="Coverage model: "
        + "; ".join(f"{name} = {spec.summary}" for name, spec in MODELS.items())
        + ".",
    )


coverage_options = apply(
    model_option(),
    option(
        MODEL,
        "--environment",
        type=click.Choice(choices_of(Environment)),
        setting="CoverageOptions.environment",
        help="Clutter class of the Hata base model (the remaining gaps are rural: open).",
    ),
    option(
        MODEL,
        "--k-factor",
        type=float,
        setting="CoverageOptions.k_factor",
        show_default="the --radio-params file's k_factor, else 4/3",
        help="Effective Earth radius factor for the terrain model.",
    ),
    option(
        MODEL,
        "--reliability",
        type=float,
        setting="CoverageOptions.reliability",
        help="Location probability at the cell edge, 0 < P < 1 (0.5: the median prediction); "
        "the propagation models add z(P) x the environment's location variability to the "
        "threshold. The disc model ignores it.",
    ),
    option(
        MODEL,
        "--terrain-resolution",
        type=float,
        setting="CoverageOptions.terrain_resolution_m",
        help="Terrain grid cell size in metres (never finer than the DEM's own).",
    ),
    option(
        MODEL,
        "--range-model",
        type=click.Choice(choices_of(RangeModel)),
        setting="CoverageOptions.range_model",
        help="Disc radius: observed cell range, or fixed per radio.",
    ),
    option(
        MODEL,
        "--min-range",
        type=float,
        setting="CoverageOptions.min_range_m",
        help="Smallest disc radius (m) under the opencellid range model.",
    ),
    option(
        MODEL,
        "--max-range",
        type=float,
        setting="CoverageOptions.max_range_m",
        help="Largest disc radius (m); also the farthest a propagation model looks.",
    ),
    option(
        MODEL,
        "--fixed-radius",
        multiple=True,
        callback=_radii,
        setting="CoverageOptions.fixed_radii_m",
        help="Override a fixed radius, RADIO=METRES (e.g. 4G=5000); repeatable. Defaults: "
        "2G 12000, 3G/4G 4000, 5G 500.",
    ),
)


def build_coverage(kw: dict[str, Any]) -> CoverageOptions:
    """The :class:`CoverageOptions` of the coverage-model options (popped from ``kw``)."""
    return CoverageOptions(
        model=kw.pop("model"),
        environment=kw.pop("environment"),
        k_factor=kw.pop("k_factor"),
        terrain_resolution_m=kw.pop("terrain_resolution"),
        range_model=kw.pop("range_model"),
        min_range_m=kw.pop("min_range"),
        max_range_m=kw.pop("max_range"),
        fixed_radii_m=kw.pop("fixed_radius"),
        reliability=kw.pop("reliability"),
    )


# -- analysis -----------------------------------------------------------------------------------

analysis_options = apply(
    option(
        ANALYSIS,
        "--province",
        "provinces",
        multiple=True,
        help="Province to analyse (repeatable; old or new name, any case or accents). "
        "Default: all.",
    ),
    option(
        ANALYSIS,
        "--resolution",
        type=float,
        setting="AnalysisOptions.resolution_m",
        help="Analysis grid cell size in metres.",
    ),
    option(
        ANALYSIS,
        "--crs",
        setting="AnalysisOptions.crs",
        help="Metric CRS of the analysis (default: the UTM zone of each province).",
    ),
    option(
        ANALYSIS,
        "--village-radius",
        type=float,
        setting="AnalysisOptions.village_radius_m",
        help="Radius in metres of a village given as a point.",
    ),
    option(
        ANALYSIS,
        "--electrified-threshold",
        type=float,
        setting="AnalysisOptions.electrified_threshold",
        help="Raster values above this are electrified.",
    ),
    option(
        ANALYSIS,
        "--grid-distance",
        type=float,
        setting="AnalysisOptions.grid_distance_m",
        help="Land within this many metres of a grid line is electrified.",
    ),
    option(
        ANALYSIS,
        "--field-check-validity",
        type=float,
        metavar="DAYS",
        setting="AnalysisOptions.field_check_validity_days",
        help="A field check older than this many days at the as-of date no longer counts.",
    ),
    option(
        ANALYSIS,
        "--dead-zone-share",
        type=float,
        setting="StatusThresholds.dead_zone",
        help="Below this covered share of electrified land a village is a dead zone.",
    ),
    option(
        ANALYSIS,
        "--covered-share",
        type=float,
        setting="StatusThresholds.covered",
        help="From this covered share on a village is covered.",
    ),
)


def build_analysis(kw: dict[str, Any]) -> AnalysisOptions:
    """The :class:`AnalysisOptions` of the analysis options (popped from ``kw``)."""
    return AnalysisOptions(
        resolution_m=kw.pop("resolution"),
        crs=kw.pop("crs"),
        village_radius_m=kw.pop("village_radius"),
        electrified_threshold=kw.pop("electrified_threshold"),
        grid_distance_m=kw.pop("grid_distance"),
        thresholds=StatusThresholds(kw.pop("dead_zone_share"), kw.pop("covered_share")),
        memory_budget_gb=kw.pop("memory_budget"),
        field_check_validity_days=kw.pop("field_check_validity"),
    )


# -- outputs ------------------------------------------------------------------------------------


def _kinds(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    return tuple(t.strip().lower() for t in value.split(",") if t.strip())


def output_options(*, default_out: Path | None = None) -> Callable[[F], F]:
    """``--out``, ``--outputs`` and ``--signal-per-operator``."""
    return apply(
        option(
            OUTPUTS,
            "--out",
            "out_dir",
            type=click.Path(file_okay=False, path_type=Path),
            setting="OutputOptions.out_dir",
            **({"default": default_out} if default_out is not None else {}),
            help="Output folder.",
        ),
        option(
            OUTPUTS,
            "--outputs",
            default=",".join(default_of(OutputOptions, "kinds")),
            show_default=True,
            callback=_kinds,
            setting="OutputOptions.kinds",
            help="Outputs to write: "
            + "; ".join(f"{k} = {w.summary}" for k, w in AREA_WRITERS.items())
            + ". summary.csv, index.html and run.json are always written.",
        ),
        option(
            OUTPUTS,
            "--lang",
            type=click.Choice(choices_of(Lang)),
            setting="OutputOptions.lang",
            help="Language of the maps, workbooks and reports (the CSVs keep English names).",
        ),
        option(
            OUTPUTS,
            "--signal-per-operator",
            is_flag=True,
            setting="OutputOptions.signal_per_operator",
            help="Also write one signal GeoTIFF per technology and operator.",
        ),
    )


def build_outputs(kw: dict[str, Any]) -> OutputOptions:
    """The :class:`OutputOptions` of the output options (popped from ``kw``)."""
    return OutputOptions(
        out_dir=kw.pop("out_dir"),
        kinds=kw.pop("outputs"),
        signal_per_operator=kw.pop("signal_per_operator"),
        lang=kw.pop("lang"),
    )


# -- running ------------------------------------------------------------------------------------

memory_budget_option = option(
    RUN,
    "--memory-budget",
    type=float,
    metavar="GB",
    setting="AnalysisOptions.memory_budget_gb",
    show_default="60% of this machine's memory",
    help="Memory one province may use; larger grids and tables are refused up front.",
)
run_options = apply(
    memory_budget_option,
    option(
        RUN,
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Analyse the provinces on a local dask cluster of this many worker processes "
        "(needs the dask extra).",
    ),
    option(
        RUN,
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="Analyse the provinces on an existing dask cluster (tcp://host:8786); the "
        "output folder must be one the workers can write to.",
    ),
)


# -- planning -----------------------------------------------------------------------------------

plan_options = apply(
    option(
        PLAN,
        "--sites",
        "n_sites",
        type=int,
        setting="PlanOptions.n_sites",
        help="Propose the best N new sites (maximal covering).",
    ),
    option(
        PLAN,
        "--target-share",
        type=float,
        setting="PlanOptions.target_share",
        help="Propose the fewest new sites that serve this share of the dark demand "
        "(e.g. 0.95; partial set cover).",
    ),
    option(
        PLAN,
        "--objective",
        type=click.Choice(choices_of(PlanObjective)),
        setting="PlanOptions.objective",
        show_default="people with --population, else area",
        help="What to maximise: people or electrified land newly served, or villages "
        "brought to the covered share (--covered-share).",
    ),
    option(
        PLAN,
        "--candidate-spacing",
        type=float,
        metavar="METRES",
        setting="PlanOptions.candidate_spacing_m",
        help="Side of the lattice of candidate sites on grid-powered land.",
    ),
    option(
        PLAN,
        "--plan-radio",
        setting="PlanOptions.radio",
        help="Technology of the new sites (LTE, NR, 4G, ...): its disc radius or link budget.",
    ),
    option(
        PLAN,
        "--plan-antenna-height",
        type=float,
        metavar="METRES",
        setting="PlanOptions.antenna_height_m",
        help="Antenna height of a new site above the ground (propagation models).",
    ),
    option(
        PLAN,
        "--time-limit",
        type=float,
        metavar="SECONDS",
        setting="PlanOptions.time_limit_s",
        help="Time the solver may take per province (the best plan found and its proven gap "
        "are reported).",
    ),
    option(
        PLAN,
        "--share-of",
        type=click.Choice(choices_of(PlanShareOf)),
        setting="PlanOptions.share_of",
        help="What --target-share and the reported shares are of: the demand some candidate "
        "can reach, or all of it.",
    ),
    option(
        PLAN,
        "--curve-points",
        type=int,
        setting="PlanOptions.curve_points",
        help="Numbers of sites at which the optimum is also solved, for the curve of coverage "
        "against sites (0: greedy only).",
    ),
)


def build_plan(kw: dict[str, Any]) -> PlanOptions:
    """The :class:`PlanOptions` of the planning options (popped from ``kw``)."""
    return PlanOptions(
        n_sites=kw.pop("n_sites"),
        target_share=kw.pop("target_share"),
        objective=kw.pop("objective"),
        candidate_spacing_m=kw.pop("candidate_spacing"),
        radio=kw.pop("plan_radio"),
        antenna_height_m=kw.pop("plan_antenna_height"),
        time_limit_s=kw.pop("time_limit"),
        share_of=kw.pop("share_of"),
        curve_points=kw.pop("curve_points"),
    )
