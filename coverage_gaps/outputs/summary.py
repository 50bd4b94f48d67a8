"""The run-level summary: villages by status and people uncovered, one row per area."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coverage_gaps.outputs.tables import write_csv

if TYPE_CHECKING:
    from coverage_gaps.outputs import RunRecord
    from coverage_gaps.pipeline import AreaResult

__all__ = ["SUMMARY_COLUMNS", "area_summary", "write_summary"]

#: Columns of ``summary.csv``, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "province",
    "villages",
    "dead_zone",
    "partial",
    "covered",
    "not_electrified",
    "uncovered_electrified_km2",
    "uncovered_population",
    "sites",
)


def area_summary(result: AreaResult) -> dict[str, Any]:
    """One area's row of ``summary.csv``: villages by status, uncovered land and people (NaN
    without a population raster), sites in reach."""
    counts = result.villages["status"].value_counts()
    pop = result.villages["uncovered_population"]
    return {
        "province": result.name,
        "villages": len(result.villages),
        "dead_zone": int(counts.get("dead_zone", 0)),
        "partial": int(counts.get("partial", 0)),
        "covered": int(counts.get("covered", 0)),
        "not_electrified": int(counts.get("not_electrified", 0)),
        "uncovered_electrified_km2": float(result.villages["uncovered_electrified_km2"].sum()),
        "uncovered_population": float(pop.sum()) if result.with_population else np.nan,
        "sites": len(result.site_table),
    }


def write_summary(run: RunRecord) -> list[Path]:
    """``summary.csv`` in the run's folder, figures rounded to 3 decimals."""
    return [write_csv(run.summary.round(3), run.folder / "summary.csv")]
