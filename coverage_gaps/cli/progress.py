"""``coverage-gaps progress``: dark villages at several dates from one tower file, against a
deadline."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from coverage_gaps.cli import options as o
from coverage_gaps.cli.common import CliProgress, GroupedCommand, verbosity, verbosity_options
from coverage_gaps.settings import RunConfig


def _dates(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[date]:
    out = []
    for text in value:
        try:
            out.append(date.fromisoformat(text))
        except ValueError:
            raise click.BadParameter(f"{text!r} is not a date of the form YYYY-MM-DD") from None
    return out


def _deadline(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    return None if value is None else _dates(ctx, param, (value,))[0]


@click.command(cls=GroupedCommand, short_help="Dark villages over time, against a deadline.")
@o.option(
    o.RUN,
    "--as-of",
    "dates",
    metavar="YYYY-MM-DD",
    multiple=True,
    required=True,
    callback=_dates,
    help="A date to look at the network on (repeat, at least twice): the cells created by "
    "then, the sunsets passed by then.",
)
@o.option(
    o.RUN,
    "--deadline",
    metavar="YYYY-MM-DD",
    default=None,
    callback=_deadline,
    help="The programme's deadline (e.g. 2025-06-30): drawn, and the trend measured against it.",
)
@o.input_options
@o.village_options
@o.tower_options_without_as_of
@o.service_options
@o.coverage_options
@o.analysis_options
@o.output_options()
@verbosity_options
@click.pass_context
def progress(ctx: click.Context, /, **kw: Any) -> None:
    """Run the analysis at several dates from one tower file (cells by their created date,
    technologies by their sunsets) and count the dark villages (dead zones and partials) per
    province; fit the rate at which they are lit and, at that rate, the date the last would be,
    against --deadline.  Writes progress.csv, progress-trends.csv and progress.png to --out.

    \b
    Examples:
      coverage-gaps progress --villages communes.gpkg --towers 452.csv.gz \\
          --electrified-raster targets.tif --mcc 452 \\
          --as-of 2024-10-01 --as-of 2025-03-31 --as-of 2025-06-30 --deadline 2025-06-30
    """
    from coverage_gaps.cli.run import build_config
    from coverage_gaps.outputs.folder import OutputFolder
    from coverage_gaps.outputs.progress import write_progress
    from coverage_gaps.progress import progress_over_time

    dates, deadline = kw.pop("dates"), kw.pop("deadline")
    kw.update(memory_budget=None)
    config: RunConfig = build_config({**kw, "as_of": None})
    quiet = verbosity(ctx) < 0
    result = progress_over_time(config, dates, deadline=deadline, progress=CliProgress(quiet=quiet))
    with OutputFolder(config.outputs.out_dir, inputs=config.inputs.paths) as out:
        files = write_progress(result, out.staging, lang=config.outputs.lang)
        written, _ = out.commit(files)
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(result.trends_text())
    if not quiet:
        click.echo(
            f"\nWrote {', '.join(f.name for f in written)} to {config.outputs.out_dir}/", err=True
        )
