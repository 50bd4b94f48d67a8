"""What the commands share: grouped help, -v/-q, the progress display and the printed report."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from coverage_gaps.cli.options import GroupedOption
from coverage_gaps.runner import Area, AreaOutcome, Progress, RunSummary
from coverage_gaps.settings import RunConfig
from coverage_gaps.zonal import kernels_cached

__all__ = [
    "FIRST_RUN",
    "SECTIONS",
    "THIRD_PARTY_LEVEL",
    "CliProgress",
    "GroupedCommand",
    "configure_logging",
    "echo_files",
    "execute",
    "files_to_open",
    "kernels_cached",
    "report",
    "show_warning",
    "verbosity",
    "verbosity_options",
]

F = TypeVar("F", bound=Callable[..., Any])

#: The order of the help sections; options of other sections come after.
SECTIONS = (
    "Inputs",
    "Villages",
    "Towers",
    "Service that counts",
    "Coverage model",
    "Analysis",
    "Planning",
    "Outputs",
    "Running",
)


class GroupedCommand(click.Command):
    """A command whose ``--help`` lists its options in sections (inputs, towers, …)."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            group = param.group if isinstance(param, GroupedOption) else "Other options"
            sections.setdefault(group, []).append(record)
        order = [s for s in SECTIONS if s in sections] + [s for s in sections if s not in SECTIONS]
        for name in order:
            with formatter.section(name):
                formatter.write_dl(sections[name])


def _verbosity(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value:
        obj = ctx.ensure_object(dict)
        obj["verbosity"] = obj.get("verbosity", 0) + (value if param.name == "verbose" else -value)
        configure_logging(obj["verbosity"])
    return value


def verbosity_options(f: F) -> F:
    """``-v``/``-q`` after the subcommand too (``coverage-gaps run -q …``)."""
    f = click.option(
        "-q",
        "--quiet",
        count=True,
        expose_value=False,
        callback=_verbosity,
        help="No progress display.",
    )(f)
    f = click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=_verbosity,
        help="More detail (-vv for debug); tracebacks on errors.",
    )(f)
    return f


def verbosity(ctx: click.Context) -> int:
    """The verbosity of the command line: ``-v`` counts up, ``-q`` down."""
    obj = ctx.find_root().obj or {}
    return int(obj.get("verbosity", 0))


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (click's test runner swaps it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


_OURS: logging.Handler | None = None
_THEIRS: logging.Handler | None = None
_VERBOSITY = 0
#: Other libraries' log records shown below ``-vvv``: errors only.  dask's, rasterio's,
#: pyogrio's and numba's own messages are about their internals, not about the user's data.
THIRD_PARTY_LEVEL = logging.ERROR


def configure_logging(verbosity: int) -> None:
    """Log coverage-gaps' own messages to stderr at the level ``-v``/``-q`` ask for (warnings;
    ``-v`` info; ``-vv`` debug).  Other libraries' log lines stay out: only their errors show,
    unless ``-vvv`` (everything)."""
    global _OURS, _THEIRS, _VERBOSITY
    _VERBOSITY = verbosity
    level = logging.WARNING - 10 * max(verbosity, 0) if verbosity > 0 else logging.WARNING
    ours = logging.getLogger("coverage_gaps")
    if _OURS is None:
        _OURS = _StderrHandler()
        _OURS.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        ours.addHandler(_OURS)
        ours.propagate = False
    ours.setLevel(max(level, logging.DEBUG))
    root = logging.getLogger()
    if _THEIRS is None:
        # A handler on the root, so that Python's last-resort handler (which prints every
        # library's warnings) is never used.
        _THEIRS = _StderrHandler()
        _THEIRS.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(_THEIRS)
    everything = verbosity >= 3
    _THEIRS.setLevel(logging.DEBUG if everything else THIRD_PARTY_LEVEL)
    root.setLevel(logging.DEBUG if everything else logging.WARNING)


def show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Print a warning as one line on stderr (the command line's ``warnings.showwarning``).

    coverage-gaps' own warnings are about the user's data and always show, as
    ``Warning: <message>``; other libraries' (dask's ports, GDAL's georeferencing notes) only
    with ``-vv``, and then with where they came from."""
    from coverage_gaps.errors import CoverageGapsWarning

    if issubclass(category, CoverageGapsWarning):
        click.echo(f"Warning: {message}", err=True)
    elif _VERBOSITY >= 2:
        click.echo(f"Warning ({category.__name__}, {filename}:{lineno}): {message}", err=True)


#: Printed before a run when the kernels are not yet compiled.
FIRST_RUN = (
    "First run: compiling the analysis kernels once (about a minute); later runs start at once"
)


class CliProgress(Progress):
    """Steps as ``Reading towers ... done in 0.4 s`` and areas as ``[12/34] Lào Cai done``,
    with the time since the run started, on stderr."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.t0 = time.perf_counter()

    def _echo(self, text: str) -> None:
        if not self.quiet:
            click.echo(text, err=True)

    @contextlib.contextmanager
    def step(self, message: str) -> Iterator[None]:
        self._echo(f"{message} ...")
        t0 = time.perf_counter()
        yield
        self._echo(f"  done in {time.perf_counter() - t0:.1f} s")

    def reading(self, path: Path, *, every_s: float = 2.0) -> Callable[[int, int], None]:
        """A ``progress`` callback for :func:`~coverage_gaps.io.towers.read_towers`:
        ``  12.3 M rows, 0.41 of 1.46 GB (28 %), 410 k rows/s`` at most every ``every_s``
        seconds (nothing for a file read in less)."""
        total = max(path.stat().st_size, 1)
        t0 = last = time.perf_counter()

        def show(rows: int, done: int) -> None:
            nonlocal last
            now = time.perf_counter()
            if now - last < every_s:
                return
            last = now
            self._echo(
                f"  {rows / 1e6:.1f} M rows, {done / 1e9:.2f} of {total / 1e9:.2f} GB "
                f"({100 * done / total:.0f} %), {rows / (now - t0) / 1e3:,.0f} k rows/s"
            )

        return show

    def area_started(self, area: Area, total: int) -> None:
        self._echo(f"[{area.index + 1}/{total}] {area.name} ({len(area.villages)} villages) ...")

    def area_done(self, outcome: AreaOutcome, done: int, total: int) -> None:
        took = sum(outcome.timings.values())
        self._echo(
            f"[{done}/{total}] {outcome.name} done in {took:.1f} s "
            f"({time.perf_counter() - self.t0:.0f} s elapsed)"
        )


def execute(
    config: RunConfig,
    *,
    quiet: bool,
    workers: int | None = None,
    scheduler: str | None = None,
) -> RunSummary:
    """Run ``config`` with a progress display, in this process or on a dask cluster."""
    from coverage_gaps.runner import run

    progress = CliProgress(quiet=quiet)
    if not quiet and kernels_cached() is False:
        click.echo(FIRST_RUN, err=True)
    if workers is None and scheduler is None:
        return run(config, progress=progress)
    from coverage_gaps.cluster import dask_executor

    where = f"{workers} local workers" if workers is not None else f"the cluster at {scheduler}"
    with contextlib.ExitStack() as stack:
        with progress.step(f"Starting {where}"):
            executor, threads = stack.enter_context(
                dask_executor(workers=workers, scheduler=scheduler)
            )
        return run(config, executor=executor, progress=progress, threads_per_task=threads)


def report(summary: RunSummary, *, quiet: bool, open_next: bool = False) -> None:
    """Print notes, the per-province summary table and where the files are: the run's page,
    and with ``open_next`` the map and list of the province with the most dead zones."""
    for note in summary.notes:
        click.echo(f"Note: {note}", err=True)
    table = summary.summary.copy()
    if table["uncovered_population"].isna().all():
        table = table.drop(columns=["uncovered_population"])
    table["uncovered_electrified_km2"] = table["uncovered_electrified_km2"].round(1)
    if "uncovered_population" in table:
        table["uncovered_population"] = table["uncovered_population"].round(0)
    click.echo(table.to_string(index=False))
    echo_files(summary.files, summary.removed, earlier="run", quiet=quiet)
    if not quiet and summary.files:
        for label, path in files_to_open(summary, every=open_next):
            click.echo(f"  {label:<{_LABEL_WIDTH}} {path}", err=True)


_LABEL_WIDTH = 32


def echo_files(
    files: Sequence[Path], removed: Sequence[Path], *, earlier: str, quiet: bool
) -> None:
    """Say on stderr how many files an earlier ``run`` or ``plan`` left that were removed, and
    how many were written where (nothing with ``quiet``)."""
    if quiet:
        return
    if removed:
        click.echo(
            f"Removed {len(removed)} files of an earlier {earlier} that this one did not "
            "write again",
            err=True,
        )
    if files:
        click.echo(f"\nWrote {len(files)} files to {files[0].parent}/", err=True)


def files_to_open(summary: RunSummary, *, every: bool = True) -> list[tuple[str, Path]]:
    """What to open first, with its path: the run's index page and, with ``every``, the map
    and the to-fix workbook (or CSV) of the province with the most dead zones."""
    by_name = {p.name: p for p in summary.files}
    out: list[tuple[str, Path]] = []
    if "index.html" in by_name:
        out.append(("Open the run's page in a browser:", by_name["index.html"]))
    if not every or not len(summary.summary):
        return out
    table = summary.summary.reset_index(drop=True)
    at = int(table.sort_values("dead_zone", ascending=False, kind="mergesort").index[0])
    worst = table.iloc[at]
    if len(summary.slugs) == len(table):  # the names the files were written under
        slug = summary.slugs[at]
    else:
        from coverage_gaps.names import slugify

        slug = slugify(str(worst["province"]))
    for label, suffixes in (
        (f"The map of {worst['province']}:", (".html",)),
        ("Its villages to fix first:", ("-to-fix.xlsx", "-to-fix.csv")),
        ("The form for its field checks:", ("-field-check.xlsx",)),
    ):
        found = next((by_name[slug + s] for s in suffixes if slug + s in by_name), None)
        if found is not None:
            out.append((label, found))
    return out
