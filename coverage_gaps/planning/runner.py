"""``coverage-gaps plan`` as a library call: the run's analysis per province, then its plan.

:func:`plan` reads and resolves the inputs as :func:`coverage_gaps.runner.run` does
(:func:`~coverage_gaps.runner.read_inputs`, :func:`~coverage_gaps.runner.resolve_at`), takes
every mast of every cell read (before the service filters: another operator's mast is a place to
add equipment), and for each province analyses it
(:func:`~coverage_gaps.runner.analyse`), plans it (:func:`coverage_gaps.planning.plan_area`)
and writes the plan's files (:data:`coverage_gaps.planning.outputs.PLAN_WRITERS`).  The files
go into the run's output folder through its staging folder
(:class:`~coverage_gaps.outputs.folder.OutputFolder`), with ``plan-summary.csv`` and the record
``plan.json`` last; the analysis's own files (``run.json`` and what it lists) are left alone.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from coverage_gaps.outputs import AreaTarget
from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.folder import OutputFolder, output_error
from coverage_gaps.outputs.stamp import RunStamp
from coverage_gaps.outputs.tables import write_csv
from coverage_gaps.runner import AreaOutcome, Progress, analyse, read_inputs, resolve_at
from coverage_gaps.settings import PlanOptions, RunConfig

__all__ = ["PLAN_RECORD", "PLAN_SUMMARY_COLUMNS", "PlanSummary", "plan"]

log = logging.getLogger(__name__)

#: The record of a plan's files in the output folder.
PLAN_RECORD = "plan.json"
#: Columns of ``plan-summary.csv`` (:meth:`coverage_gaps.planning.AreaPlan.summary`).
PLAN_SUMMARY_COLUMNS: tuple[str, ...] = (
    "province",
    "objective",
    "problem",
    "status",
    "gap",
    "sites",
    "candidates",
    "demand_cells",
    "demand",
    "unit",
    "coverable_share",
    "covered_share",
    "people_covered",
    "area_km2_covered",
    "villages_fixed",
    "villages_unreachable",
    "matrix_s",
    "solve_s",
)


@dataclass
class PlanSummary:
    """What a plan produced.

    Attributes
    ----------
    summary
        One row per province (:data:`PLAN_SUMMARY_COLUMNS`).
    files
        The files written, in their final place.
    notes
        Notes on how names matched and what was resolved.
    removed
        Files of an earlier plan in the same folder that this one did not write again.
    """

    summary: pd.DataFrame
    files: list[Path]
    notes: list[str]
    removed: list[Path] = field(default_factory=list)


def _record(
    path: Path, config: RunConfig, options: PlanOptions, summary: pd.DataFrame, files: list[Path]
) -> Path:
    from coverage_gaps import __version__

    doc = {
        "coverage_gaps": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": config.to_dict(),
        "plan": asdict(options),
        "provinces": json.loads(summary.to_json(orient="records", force_ascii=False)),
        "files": [{"name": p.name, "bytes": p.stat().st_size} for p in files],
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def plan(
    config: RunConfig, options: PlanOptions, *, progress: Progress | None = None
) -> PlanSummary:
    """Analyse every chosen province of ``config`` and plan its new sites by ``options``.

    Returns
    -------
    PlanSummary
        One row per province, the files written and the notes.

    Raises
    ------
    InputError, SelectionError, SettingsError
        As :func:`coverage_gaps.runner.run`; also the people objective without a population
        raster, or the solver missing.
    OutputError
        The output folder cannot be written.
    """
    from coverage_gaps.budget import memory_budget_bytes
    from coverage_gaps.planning.geo import plan_area
    from coverage_gaps.planning.highs import require_highspy
    from coverage_gaps.planning.outputs import PLAN_WRITERS, plan_kinds
    from coverage_gaps.sites import collapse_sites

    require_highspy()  # the solver's absence is known before anything is read
    progress = progress or Progress()
    read = read_inputs(config, progress=progress, dem_used=True)
    inputs = resolve_at(read, config.towers.as_of or date.today(), progress=progress)
    with progress.step("Collecting every mast"):
        masts, _ = collapse_sites(read.cells, options=config.towers)
    dem = inputs.dem
    budget = memory_budget_bytes(config.analysis.memory_budget_gb)
    kinds = plan_kinds(config.outputs.kinds)
    rows: list[dict[str, Any]] = []
    stamp = RunStamp.at(inputs.started)  # one date on every file of the plan
    with OutputFolder(
        config.outputs.out_dir, record=PLAN_RECORD, inputs=config.inputs.paths
    ) as out:
        staged: list[Path] = []
        total = len(inputs.areas)
        for area in inputs.areas:
            progress.area_started(area, total)
            t0 = time.perf_counter()
            result = analyse(area, inputs)
            area_plan = plan_area(
                result,
                options,
                coverage=inputs.coverage,
                link_budget=inputs.link_budget,
                dem=dem,
                masts=masts,
                planned_operators=inputs.service.operators,
                budget_bytes=budget,
            )
            target = AreaTarget(
                folder=out.staging,
                slug=area.slug,
                options=config.outputs,
                stamp=stamp,
                unit=inputs.unit,
            )
            files: list[Path] = []
            for kind in kinds:
                try:
                    files += PLAN_WRITERS[kind].write(area_plan, target)
                except OSError as exc:
                    raise output_error(Path(exc.filename or out.staging), exc) from exc
            staged += files
            rows.append(area_plan.summary())
            progress.area_done(
                AreaOutcome(
                    index=area.index,
                    name=area.name,
                    slug=area.slug,
                    summary=rows[-1],
                    files=files,
                    timings={"total": time.perf_counter() - t0},
                ),
                len(rows),
                total,
            )
            del area_plan, result
        summary = pd.DataFrame(rows, columns=list(PLAN_SUMMARY_COLUMNS))
        with progress.step("Writing the plan's summary"):
            try:
                staged.append(write_csv(summary.round(6), out.staging / "plan-summary.csv"))
                staged.append(_record(out.staging / PLAN_RECORD, config, options, summary, staged))
            except OSError as exc:
                raise output_error(Path(exc.filename or out.staging), exc) from exc
        written, removed = out.commit(staged)
    for path in removed:
        log.info("removed %s, an output of an earlier plan that this one did not write", path)
    return PlanSummary(summary=summary, files=written, notes=list(inputs.notes), removed=removed)
