"""``coverage-gaps demo``: the whole analysis on the bundled demo data in ``data/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from coverage_gaps.cli import options as o
from coverage_gaps.cli.common import GroupedCommand, execute, report, verbosity, verbosity_options
from coverage_gaps.coverage.models import MODELS
from coverage_gaps.settings import (
    AnalysisOptions,
    CoverageOptions,
    Inputs,
    RunConfig,
    TowerOptions,
    VillageOptions,
)
from coverage_gaps.synthetic.demo import DEMO_AS_OF, DemoFiles, make_demo_data

#: The demo's own model: terrain, to show terrain shadows with the demo DEM.
DEMO_MODEL = "terrain"


def default_data_dir() -> Path:
    """``./data`` when it holds the demo files, else the ``data/`` beside the package source."""
    here = Path("data")
    if not DemoFiles(here).missing():
        return here
    return Path(__file__).resolve().parents[2] / "data"


def demo_config(
    files: DemoFiles, *, model: str, outputs: Any, memory_budget_gb: float | None = None
) -> RunConfig:
    """The run of the demo: hamlet points, towers of MCC 452, the electrification and
    population rasters and, for the models that need it, the demo DEM."""
    return RunConfig(
        inputs=Inputs(
            villages=files.villages,
            towers=files.towers,
            electrified_raster=files.electrified,
            population=files.population,
            dem=(files.dem,) if MODELS[model].needs_dem else (),
        ),
        towers=TowerOptions(mcc=(452,), as_of=DEMO_AS_OF),
        villages=VillageOptions(layer="villages"),
        coverage=CoverageOptions(model=model),
        analysis=AnalysisOptions(village_radius_m=500.0, memory_budget_gb=memory_budget_gb),
        outputs=outputs,
    )


@click.command(cls=GroupedCommand, short_help="Run on the bundled demo data.")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the demo data (default: ./data).",
)
@o.output_options()
@o.model_option(default=DEMO_MODEL)
@click.option(
    "--regenerate",
    is_flag=True,
    help="Make the demo data afresh (seeded, so the same files) before running.",
)
@o.run_options
@verbosity_options
@click.pass_context
def demo(ctx: click.Context, /, **kw: Any) -> None:
    """Analyse the demo area (two synthetic highland provinces) and write maps and CSVs.

    Uses the hamlet points of data/demo-villages.gpkg, the OpenCelliD-format towers, the
    electrification raster, the population raster (in Mollweide, like GHS-POP) and, with the
    default terrain model, the demo elevation model.

    \b
    Examples:
      coverage-gaps demo
      coverage-gaps demo --model disc --outputs csv --out /tmp/demo
      coverage-gaps demo --lang en --outputs csv,html,pdf,field-check
      coverage-gaps demo --workers 2
    """
    quiet = verbosity(ctx) < 0
    folder = kw.pop("data_dir") or default_data_dir()
    files = DemoFiles(folder)
    if kw.pop("regenerate"):
        make_demo_data(folder)
    missing = files.missing()
    if missing:
        raise click.ClickException(
            f"the demo data is missing ({', '.join(str(m) for m in missing)}); run "
            "'coverage-gaps demo --regenerate' to make it"
        )
    config = demo_config(
        files,
        model=kw.pop("model"),
        outputs=o.build_outputs(kw),
        memory_budget_gb=kw.pop("memory_budget"),
    )
    summary = execute(config, quiet=quiet, workers=kw.pop("workers"), scheduler=kw.pop("scheduler"))
    report(summary, quiet=quiet, open_next=True)
