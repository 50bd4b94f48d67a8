"""``coverage-gaps plan``: where to build new sites, per province, on the run's analysis."""

from __future__ import annotations

from typing import Any

import click

from coverage_gaps.cli import options as o
from coverage_gaps.cli.common import (
    CliProgress,
    GroupedCommand,
    echo_files,
    verbosity,
    verbosity_options,
)
from coverage_gaps.cli.run import build_config


@click.command(cls=GroupedCommand, short_help="Where to build new sites.")
@o.input_options
@o.village_options
@o.tower_options
@o.service_options
@o.coverage_options
@o.analysis_options
@o.plan_options
@o.output_options()
@o.memory_budget_option
@verbosity_options
@click.pass_context
def plan(ctx: click.Context, /, **kw: Any) -> None:
    """Propose new sites for each province: on grid-powered land (a lattice of
    --candidate-spacing and, with --dem, its high points) and on existing masts, chosen to serve
    the most dark demand (--sites N) or a share of it with the fewest sites (--target-share).

    Demand is the villages' electrified land that no counted service reaches (after sunsets
    and field checks), weighted by people with --population; a candidate's coverage comes from
    the same coverage model as the run.  Writes <province>-new-sites.csv (ranked by what each
    site adds), <province>-unreachable.csv (villages that need another kind of solution), the
    curve of coverage against sites, and with the chosen --outputs a workbook, a GeoPackage, a
    map and a plot (--outputs xlsx, gpkg and html choose the plan's workbook, GeoPackage and
    map; the CSVs are always written, the plot when matplotlib is installed).  --operator plans
    that operator's network: other operators' masts become shared-mast candidates.

    \b
    Examples:
      coverage-gaps plan --villages communes.gpkg --towers 452.csv.gz \\
          --grid-lines lines.gpkg --grid-distance 5000 --province "Lào Cai" --sites 20
      coverage-gaps plan ... --population pop.tif --target-share 0.95 --operator Viettel
    """
    from coverage_gaps.planning.runner import plan as plan_run

    options = o.build_plan(kw)
    config = build_config(kw)
    quiet = verbosity(ctx) < 0
    summary = plan_run(config, options, progress=CliProgress(quiet=quiet))
    for note in summary.notes:
        click.echo(f"Note: {note}", err=True)
    table = summary.summary.copy()
    shown = [
        "province",
        "status",
        "gap",
        "sites",
        "candidates",
        "demand_cells",
        "coverable_share",
        "covered_share",
        "people_covered",
        "area_km2_covered",
        "villages_fixed",
        "villages_unreachable",
    ]
    table = table[shown]
    if table["people_covered"].isna().all():
        table = table.drop(columns=["people_covered"])
    for col, digits in (
        ("gap", 4),
        ("coverable_share", 3),
        ("covered_share", 3),
        ("people_covered", 0),
        ("area_km2_covered", 1),
    ):
        if col in table:
            table[col] = table[col].round(digits)
    click.echo(table.to_string(index=False))
    echo_files(summary.files, summary.removed, earlier="plan", quiet=quiet)
