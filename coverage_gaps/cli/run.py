"""``coverage-gaps run``: the analysis on the user's own files."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import click

from coverage_gaps.cli import options as o
from coverage_gaps.runner import RunConfig, RunSummary
from coverage_gaps.runner import run as run_analysis
from coverage_gaps.settings import (
    AnalysisOptions,
    CoverageOptions,
    StatusThresholds,
    TowerOptions,
    VillageOptions,
)


@click.command(short_help="Find electrified villages with no signal, per province.")
@o.villages_opt
@click.option(
    "--towers",
    required=True,
    type=o.existing_file,
    help="OpenCelliD / MLS cell CSV (14 columns, header optional, .gz allowed).",
)
@click.option(
    "--electrified-raster",
    type=o.existing_file,
    default=None,
    help="GeoTIFF: value above --electrified-threshold is electrified.",
)
@click.option(
    "--grid-lines",
    type=o.existing_file,
    default=None,
    help="Vector grid lines/polygons: land within --grid-distance is electrified.",
)
@click.option("--grid-lines-layer", default=None, help="Layer of a multi-layer grid-lines file.")
@click.option(
    "--population",
    type=o.existing_file,
    default=None,
    help="Population raster (people per pixel, any CRS).",
)
@click.option(
    "--province",
    "provinces",
    multiple=True,
    help="Province to analyse (repeatable; old or new name, any case or accents). Default: all.",
)
@o.out_opt
@o.outputs_opt
@o.village_columns
@o.admin_layers
@click.option(
    "--village-radius",
    type=float,
    default=500.0,
    show_default=True,
    callback=o.positive("--village-radius"),
    help="Radius in metres of a village given as a point.",
)
@click.option(
    "--mcc",
    type=int,
    multiple=True,
    help="Keep only this mobile country code (452 = Vietnam); repeatable.",
)
@click.option(
    "--min-samples",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Drop cells seen fewer times than this.",
)
@click.option(
    "--as-of",
    callback=o.parse_date,
    default=None,
    help="Only cells created on or before this date (YYYY-MM-DD).",
)
@click.option(
    "--bad-rows",
    type=click.Choice(["skip", "fail"]),
    default="skip",
    show_default=True,
    help="Skip bad tower rows with a warning, or fail the run.",
)
@click.option(
    "--nr-gnb-bits",
    type=click.IntRange(22, 32),
    default=24,
    show_default=True,
    help="Bits of the NR cell id that hold the gNB id.",
)
@click.option(
    "--co-location",
    type=float,
    default=150.0,
    show_default=True,
    help="Cells of one operator within this many metres are one site.",
)
@click.option(
    "--range-model",
    type=click.Choice(["opencellid", "fixed"]),
    default="opencellid",
    show_default=True,
    help="Disc radius: observed cell range, or fixed per radio.",
)
@click.option(
    "--min-range",
    type=float,
    default=100.0,
    show_default=True,
    help="Smallest disc radius (m) under the opencellid range model.",
)
@click.option(
    "--max-range",
    type=float,
    default=35_000.0,
    show_default=True,
    help="Largest disc radius (m) under the opencellid range model.",
)
@click.option(
    "--fixed-radius",
    multiple=True,
    callback=o.parse_radii,
    help="Override a fixed radius, RADIO=METRES (e.g. 4G=5000); repeatable.",
)
@click.option(
    "--radio",
    default="all",
    show_default=True,
    callback=o.parse_radios,
    help="Technologies that count as service: GSM,UMTS,LTE,NR,CDMA, 2G..5G, broadband.",
)
@click.option(
    "--operator",
    "operators",
    multiple=True,
    help="Only this operator's sites count (name, e.g. Viettel); repeatable.",
)
@click.option(
    "--resolution",
    type=float,
    default=100.0,
    show_default=True,
    callback=o.positive("--resolution"),
    help="Analysis grid cell size in metres.",
)
@click.option("--crs", default=None, help="Metric CRS of the analysis (default: UTM zone).")
@click.option(
    "--electrified-threshold",
    type=float,
    default=0.0,
    show_default=True,
    help="Raster values above this are electrified.",
)
@click.option(
    "--grid-distance",
    type=float,
    default=1000.0,
    show_default=True,
    help="Land within this many metres of a grid line is electrified.",
)
@click.option(
    "--dead-zone-share",
    type=click.FloatRange(0, 1),
    default=0.10,
    show_default=True,
    help="Below this covered share of electrified land a village is a dead zone.",
)
@click.option(
    "--covered-share",
    type=click.FloatRange(0, 1),
    default=0.90,
    show_default=True,
    help="From this covered share on a village is covered.",
)
@o.propagation_options
@click.pass_context
def run(ctx: click.Context, /, **kw: Any) -> None:
    """Analyse villages against towers and electrification; write CSV, GeoPackage and map.

    \b
    Example:
      coverage-gaps run --villages communes.gpkg --towers 452.csv.gz \\
          --electrified-raster targets.tif --province "Lào Cai" --mcc 452
    """
    quiet = ctx.obj.get("verbosity", 0) < 0
    config = build_config(kw)
    summary = execute(config, quiet=quiet)
    report(summary, config.out_dir, quiet=quiet)


def build_config(kw: dict[str, Any]) -> RunConfig:
    """The :class:`RunConfig` of the ``run`` options."""
    try:
        thresholds = StatusThresholds(
            float(kw["dead_zone_share"]),
            float(kw["covered_share"]),
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--dead-zone-share/--covered-share") from None
    return RunConfig(
        villages=kw["villages"],
        towers=kw["towers"],
        electrified_raster=kw["electrified_raster"],
        grid_lines=kw["grid_lines"],
        grid_lines_layer=kw["grid_lines_layer"],
        population=kw["population"],
        **o.admin_layer_args(
            kw["province_layer"],
            kw["province_layer_col"],
            kw["commune_layer"],
            kw["commune_layer_col"],
        ),
        dem=tuple(kw["dem"]),
        radio_params=kw["radio_params"],
        provinces=tuple(kw["provinces"]),
        out_dir=kw["out_dir"],
        outputs=kw["outputs"],
        towers_options=TowerOptions(
            mcc=tuple(kw["mcc"]),
            min_samples=kw["min_samples"],
            as_of=kw["as_of"],
            bad_rows=kw["bad_rows"],
            nr_gnb_bits=kw["nr_gnb_bits"],
            co_location_m=kw["co_location"],
        ),
        village_options=VillageOptions(
            layer=kw["layer"],
            id_col=kw["id_col"],
            name_col=kw["name_col"],
            commune_col=kw["commune_col"],
            province_col=kw["province_col"],
            village_radius_m=kw["village_radius"],
        ),
        coverage_options=CoverageOptions(
            range_model=kw["range_model"],
            min_range_m=kw["min_range"],
            max_range_m=kw["max_range"],
            fixed_radii_m=kw["fixed_radius"],
            radios=kw["radio"],
            operators=tuple(kw["operators"]),
            model=kw["model"],
            environment=kw["environment"],
            k_factor=kw["k_factor"],
            terrain_resolution_m=kw["terrain_resolution"],
            signal_per_operator=kw["signal_per_operator"],
        ),
        analysis_options=AnalysisOptions(
            resolution_m=kw["resolution"],
            crs=kw["crs"],
            electrified_threshold=kw["electrified_threshold"],
            grid_distance_m=kw["grid_distance"],
            thresholds=thresholds,
        ),
    )


def execute(config: RunConfig, *, quiet: bool) -> RunSummary:
    """Run the analysis with a progress display."""
    step = functools.partial(o.progress_step, quiet=quiet)
    return run_analysis(config, step=step)


def report(summary: RunSummary, out_dir: Path, *, quiet: bool) -> None:
    """Print notes, the per-province summary table and where the files are."""
    for note in summary.notes:
        click.echo(f"Note: {note}", err=True)
    table = summary.summary.copy()
    if table["uncovered_population"].isna().all():
        table = table.drop(columns=["uncovered_population"])
    table["uncovered_electrified_km2"] = table["uncovered_electrified_km2"].round(1)
    if "uncovered_population" in table:
        table["uncovered_population"] = table["uncovered_population"].round(0)
    click.echo(table.to_string(index=False))
    if not quiet:
        click.echo(f"\nWrote {len(summary.files)} files to {out_dir}/", err=True)
