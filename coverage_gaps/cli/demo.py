"""``coverage-gaps demo``: the whole analysis on the bundled demo data in ``data/``."""

from __future__ import annotations

from pathlib import Path

import click

from coverage_gaps.cli import options as o
from coverage_gaps.cli.run import execute, report
from coverage_gaps.demo import DemoFiles, make_demo_data
from coverage_gaps.runner import RunConfig
from coverage_gaps.settings import CoverageOptions, TowerOptions, VillageOptions


def default_data_dir() -> Path:
    """``./data`` when it holds the demo files, else the ``data/`` beside the package source."""
    here = Path("data")
    if not DemoFiles(here).missing():
        return here
    return Path(__file__).resolve().parents[2] / "data"


@click.command(short_help="Run on the bundled demo data.")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the demo data (default: ./data).",
)
@o.out_opt
@o.outputs_opt
@click.option(
    "--model",
    type=click.Choice(["disc", "free-space", "hata", "terrain"]),
    default="terrain",
    show_default=True,
    help="Coverage model; terrain uses the demo DEM and shows terrain shadows.",
)
@click.option(
    "--regenerate",
    is_flag=True,
    help="Make the demo data afresh (seeded, so the same files) before running.",
)
@click.pass_context
def demo(
    ctx: click.Context,
    data_dir: Path | None,
    out_dir: Path,
    outputs: tuple[str, ...],
    model: str,
    regenerate: bool,
) -> None:
    """Analyse the demo area (two synthetic highland provinces) and write maps and CSVs.

    Uses the hamlet points of data/demo-villages.gpkg, the OpenCelliD-format towers, the
    electrification raster, the population raster (in Mollweide, like GHS-POP) and, with the
    default terrain model, the demo elevation model.
    """
    quiet = ctx.obj.get("verbosity", 0) < 0
    folder = data_dir or default_data_dir()
    files = DemoFiles(folder)
    if regenerate:
        with o.progress_step(f"Making the demo data in {folder}", quiet=quiet):
            make_demo_data(folder)
    missing = files.missing()
    if missing:
        raise click.ClickException(
            f"the demo data is missing ({', '.join(str(m) for m in missing)}); run "
            "'coverage-gaps demo --regenerate' to make it"
        )
    config = RunConfig(
        villages=files.villages,
        towers=files.towers,
        electrified_raster=files.electrified,
        population=files.population,
        out_dir=out_dir,
        outputs=outputs,
        towers_options=TowerOptions(mcc=(452,)),
        village_options=VillageOptions(layer="villages", village_radius_m=500.0),
        coverage_options=CoverageOptions(model=model),  # type: ignore[arg-type]
        dem=(files.dem,) if model == "terrain" else (),
    )
    summary = execute(config, quiet=quiet)
    report(summary, out_dir, quiet=quiet)
