"""``coverage-gaps compare``: what changed between two runs, per village and per province."""

from __future__ import annotations

from pathlib import Path

import click

from coverage_gaps.cli.common import verbosity, verbosity_options
from coverage_gaps.settings import Lang, OutputOptions, choices_of, default_of


@click.command(short_help="What changed between two runs.")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for changes.csv/.xlsx/.html (default: the NEW run's folder).",
)
@click.option(
    "--lang",
    type=click.Choice(choices_of(Lang)),
    default=default_of(OutputOptions, "lang"),
    show_default=True,
    help="Language of the page and the workbook.",
)
@verbosity_options
@click.pass_context
def compare(ctx: click.Context, old: Path, new: Path, out_dir: Path | None, lang: str) -> None:
    """Compare two runs (output folders, or their run.json): per village the old and new status
    and what changed (fixed, new_gap, worse, better, unchanged, added, removed), per province
    the totals.

    \b
    Examples:
      coverage-gaps compare maps-2025-03 maps-2025-06
      coverage-gaps compare old/run.json new/run.json --out changes/
    """
    from coverage_gaps.compare import compare_runs
    from coverage_gaps.outputs.changes import write_comparison

    comparison = compare_runs(old, new)
    folder = out_dir or (new.parent if new.name == "run.json" else new)
    files = write_comparison(comparison, folder, lang=lang, old=str(old), new=str(new))
    for note in comparison.notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(comparison.provinces.to_string(index=False))
    if verbosity(ctx) >= 0:
        click.echo(f"\nWrote {', '.join(f.name for f in files)} to {folder}/", err=True)
