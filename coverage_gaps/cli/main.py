"""The ``coverage-gaps`` command group: logging from -v/-q, and errors as one line.

Exit codes are mapped here and nowhere else:

====  ===========================================================================
0     done
1     an input cannot be used (missing, unreadable, wrong format, bad rows)
2     usage: an option's value, a combination of options, or a selection that
      matches nothing (an unknown province, a filter that leaves no cell)
3     the outputs cannot be written (folder not writable, disk full, locked)
70    an internal error (a bug: please report it with the output of -v)
====  ===========================================================================
"""

from __future__ import annotations

import traceback
import warnings
from typing import Any

import click

from coverage_gaps import __version__
from coverage_gaps.cli.common import configure_logging, show_warning, verbosity
from coverage_gaps.cli.options import FLAGS
from coverage_gaps.errors import (
    CoverageGapsError,
    InputError,
    LayerError,
    OutputError,
    SelectionError,
    SettingsError,
)

#: Exit code of each error class, most specific first.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (SettingsError, 2),
    (SelectionError, 2),
    (OutputError, 3),
    (LayerError, 2),
    (InputError, 1),
    (CoverageGapsError, 1),
)
INTERNAL_ERROR = 70


def exit_code(exc: BaseException) -> int:
    """The exit code of an error raised by the library."""
    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return INTERNAL_ERROR


def describe(exc: BaseException) -> str:
    """The one line shown for ``exc``: a settings error names the options at fault."""
    if isinstance(exc, SettingsError) and exc.fields:
        flags = [FLAGS.get(f, f) for f in exc.fields]
        return f"Invalid value for {' / '.join(dict.fromkeys(flags))}: {exc.message}"
    if isinstance(exc, CoverageGapsError):
        return str(exc)
    return (
        f"internal error ({type(exc).__name__}: {exc}); rerun with -v for the traceback and "
        "please report it"
    )


class _OneLineUsageError(click.UsageError):
    """A usage error of a command's options shown as one line that says where the help is
    (click shows the usage, a "Try ..." line, a blank line and then the error)."""

    def show(self, file: Any = None) -> None:
        where = f" (see '{self.ctx.command_path} --help')" if self.ctx is not None else ""
        click.echo(f"Error: {self.format_message()}{where}", file=file, err=file is None)


class _Group(click.Group):
    """Turns errors into one line on stderr and an exit code (the traceback with -v)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _OneLineUsageError(exc.format_message(), exc.ctx) from exc
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if verbosity(ctx) > 0:
                traceback.print_exc()
            click.echo(f"Error: {describe(exc)}", err=True)
            ctx.exit(exit_code(exc))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", "verbose", count=True, help="More detail (-vv for debug).")
@click.option("-q", "--quiet", "quiet", count=True, help="No progress display.")
@click.version_option(__version__, prog_name="coverage-gaps")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int) -> None:
    """Find the electrified villages that have no mobile signal.

    Overlays villages, electrification and OpenCelliD cell towers, and writes a map, a CSV of the
    villages to fix and a GeoPackage per province.

    \b
    Examples:
      coverage-gaps demo
      coverage-gaps provinces --villages communes.gpkg
      coverage-gaps run --villages communes.gpkg --towers 452.csv.gz \\
          --electrified-raster targets.tif --province "Lào Cai" --mcc 452
      coverage-gaps compare maps-2025-03 maps-2025-06
    """
    obj = ctx.ensure_object(dict)
    obj["verbosity"] = obj.get("verbosity", 0) + verbose - quiet
    configure_logging(obj["verbosity"])
    warnings.showwarning = show_warning


def _register() -> None:
    from coverage_gaps.cli.compare import compare
    from coverage_gaps.cli.demo import demo
    from coverage_gaps.cli.plan import plan
    from coverage_gaps.cli.progress import progress
    from coverage_gaps.cli.provinces import provinces
    from coverage_gaps.cli.run import run

    cli.add_command(run)
    cli.add_command(provinces)
    cli.add_command(demo)
    cli.add_command(compare)
    cli.add_command(progress)
    cli.add_command(plan)


_register()
