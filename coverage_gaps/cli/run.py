"""``coverage-gaps run``: the analysis on the user's own files."""

from __future__ import annotations

from typing import Any

import click

from coverage_gaps.cli import options as o
from coverage_gaps.cli.common import GroupedCommand, execute, report, verbosity, verbosity_options
from coverage_gaps.settings import RunConfig


@click.command(cls=GroupedCommand, short_help="Find electrified villages with no signal.")
@o.input_options
@o.village_options
@o.tower_options
@o.service_options
@o.coverage_options
@o.analysis_options
@o.output_options()
@o.run_options
@verbosity_options
@click.pass_context
def run(ctx: click.Context, /, **kw: Any) -> None:
    """Analyse villages against towers and electrification, per province; write for each the
    villages' table, the villages to fix, a field-check form, a GeoPackage and a map, and for
    the run index.html (the national page: open it first), summary.csv and run.json.

    \b
    Examples:
      coverage-gaps run --villages communes.gpkg --towers 452.csv.gz \\
          --electrified-raster targets.tif --province "Lào Cai" --mcc 452
      coverage-gaps run --villages places.geojson --province-layer provinces.gpkg \\
          --towers 452.csv.gz --grid-lines lines.gpkg --grid-distance 2000 --outputs csv
      coverage-gaps run ... --model terrain --dem srtm.tif --radio broadband --workers 2
      coverage-gaps run ... --field-checks maps/lao-cai-field-check.xlsx --out maps-2
      coverage-gaps run ... --lang en --outputs csv,html,pdf,kmz
    """
    workers, scheduler = kw.pop("workers"), kw.pop("scheduler")
    if workers is not None and scheduler is not None:
        raise click.UsageError("give --workers or --scheduler, not both")
    config = build_config(kw)
    quiet = verbosity(ctx) < 0
    summary = execute(config, quiet=quiet, workers=workers, scheduler=scheduler)
    report(summary, quiet=quiet)


def build_config(kw: dict[str, Any]) -> RunConfig:
    """The :class:`RunConfig` of the ``run`` options (each group's builder takes its own)."""
    kw = dict(kw)
    config = RunConfig(
        inputs=o.build_inputs(kw),
        provinces=tuple(kw.pop("provinces")),
        towers=o.build_towers(kw),
        villages=o.build_villages(kw),
        service=o.build_service(kw),
        coverage=o.build_coverage(kw),
        analysis=o.build_analysis(kw),
        outputs=o.build_outputs(kw),
    )
    if kw:  # every option must belong to a group's builder
        raise AssertionError(f"options without a builder: {sorted(kw)}")
    return config
