"""The ``coverage-gaps`` command group: logging from -v/-q, and clean errors."""

from __future__ import annotations

import logging
import sys
import traceback
import warnings
from typing import Any

import click

from coverage_gaps import __version__
from coverage_gaps.errors import CoverageGapsError


class _Group(click.Group):
    """Turns library errors into one line on stderr and an exit code (traceback with -v)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CoverageGapsError as exc:
            verbosity = (ctx.obj or {}).get("verbosity", 0)
            if verbosity > 0:
                traceback.print_exc()
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _show_warning(
    message: Any,
    category: Any,
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    click.echo(f"Warning: {message}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", "verbose", count=True, help="More detail (-vv for debug).")
@click.option("-q", "--quiet", "quiet", count=True, help="No progress display.")
@click.version_option(__version__, prog_name="coverage-gaps")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int) -> None:
    """Find the electrified villages that have no mobile signal.

    Overlays villages, electrification and OpenCelliD cell towers, and writes a map, a CSV of the
    villages to fix and a GeoPackage per province.
    """
    verbosity = verbose - quiet
    level = logging.WARNING - 10 * max(verbosity, 0) if verbosity > 0 else logging.WARNING
    logging.basicConfig(
        stream=sys.stderr, level=level, format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("coverage_gaps").setLevel(level)
    warnings.showwarning = _show_warning
    ctx.obj = {"verbosity": verbosity}


def _register() -> None:
    from coverage_gaps.cli.demo import demo
    from coverage_gaps.cli.provinces import provinces
    from coverage_gaps.cli.run import run

    cli.add_command(run)
    cli.add_command(provinces)
    cli.add_command(demo)


_register()
