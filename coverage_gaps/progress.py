"""Progress against a deadline: the analysis at several dates from one tower file.

:func:`progress_over_time` reads the inputs once, then looks at the network as it stood on each
date — the cells created by that day (``created``), the technologies not yet past their sunset,
the cells seen recently enough (``--max-age``), the field checks current then — and counts the
dark villages (dead zones and partials) per province.  :func:`trends` fits a straight line to
each province's dark villages over the dates: the rate (villages lit per month) and, at that
rate, the date the last one would be lit, against the deadline.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from coverage_gaps.errors import CoverageGapsWarning, SettingsError
from coverage_gaps.io.towers import as_of_timestamp
from coverage_gaps.outputs.summary import area_summary
from coverage_gaps.runner import Progress, analyse, read_inputs, resolve_at
from coverage_gaps.settings import RunConfig, Unit

__all__ = ["DAYS_PER_MONTH", "ProgressResult", "progress_over_time", "trends"]

DAYS_PER_MONTH = 30.4375
#: The label of the whole run in the tables.
ALL = "(all)"


@dataclass
class ProgressResult:
    """Dark villages over time.

    Attributes
    ----------
    table
        One row per (date, province), and per date the whole run (``province = "(all)"``):
        villages by status and ``dark`` (dead zones + partials).
    trends
        Per province (and the whole run): dark villages at the first and last date, the rate
        (villages lit per month; positive when the dark decrease), the date the last would be
        lit at that rate, and whether that is by the deadline.
    deadline
        The deadline the trends are measured against, or ``None``.
    notes
        Notes of the runs (sunsets that applied, field checks).
    unit
        What the villages are (``"village"`` or ``"commune"``, as read): the plot's words.
    """

    table: pd.DataFrame
    trends: pd.DataFrame
    deadline: date | None
    notes: list[str] = field(default_factory=list)
    unit: Unit = "village"

    def trends_text(self) -> str:
        """The trends as a terminal table: the deadline's columns only with a deadline, and
        words where the CSV leaves a cell empty (``not at this rate``)."""
        shown = self.trends.copy()
        if self.deadline is None:
            shown = shown.drop(columns=["dark_at_deadline", "on_track"])
        else:
            shown["on_track"] = ["yes" if v else "no" for v in shown["on_track"]]
        shown["projected_done"] = [d or "not at this rate" for d in shown["projected_done"]]
        return shown.to_string(index=False)


def _cells_on(cells: pd.DataFrame, day: date, max_age_days: float | None) -> pd.DataFrame:
    """The cells as the network stood at the end of ``day``: created by then, and (with a
    maximum age) seen within it before then."""
    end = as_of_timestamp(day)
    created = cells["created"].to_numpy(dtype="f8")
    keep = created <= end
    if max_age_days is not None:
        seen = cells["updated"].to_numpy(dtype="f8", na_value=np.nan)
        seen = np.where(np.isfinite(seen), seen, created)
        keep &= seen >= end - max_age_days * 86_400
    return cells.loc[keep].reset_index(drop=True)


def progress_over_time(
    config: RunConfig,
    dates: Sequence[date],
    *,
    deadline: date | None = None,
    progress: Progress | None = None,
) -> ProgressResult:
    """The dark villages of every province of ``config`` on each of ``dates``.

    ``config.towers.as_of`` is ignored (each date is its own as-of date); the other settings
    apply at every date.

    Raises
    ------
    SettingsError
        Fewer than two dates.
    """
    days = sorted(set(dates))
    if len(days) < 2:
        raise SettingsError(
            "give at least two --as-of dates to follow the progress between them",
            fields=("TowerOptions.as_of",),
        )
    progress = progress or Progress()
    max_age = config.towers.max_age_days
    reading = dataclasses.replace(
        config, towers=dataclasses.replace(config.towers, as_of=None, max_age_days=None)
    )
    read = read_inputs(reading, progress=progress)
    rows: list[dict[str, object]] = []
    notes: list[str] = []
    seen: set[str] = set()
    for day in days:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CoverageGapsWarning)
            at = dataclasses.replace(read, cells=_cells_on(read.cells, day, max_age))
            inputs = resolve_at(at, day)
            for area in inputs.areas:
                with progress.step(f"{day.isoformat()}: {area.name}"):
                    result = analyse(area, inputs)
                row = area_summary(result)
                rows.append({"date": day.isoformat(), **row})
        for w in caught:  # the same warning at every date is said once
            text = str(w.message)
            if issubclass(w.category, CoverageGapsWarning) and text not in seen:
                seen.add(text)
                warnings.warn(text, CoverageGapsWarning, stacklevel=2)
        notes += [n for n in inputs.notes if n not in notes]
    table = pd.DataFrame(rows)
    table["dark"] = table["dead_zone"] + table["partial"]
    numeric = [
        "villages",
        "dead_zone",
        "partial",
        "covered",
        "not_electrified",
        "dark",
        "uncovered_electrified_km2",
        "uncovered_population",
    ]
    total = table.groupby("date", sort=True)[numeric].sum(min_count=1).reset_index()
    total["province"] = ALL
    table = pd.concat([table, total], ignore_index=True)
    columns = ["date", "province", *numeric]
    table = table[columns].sort_values(["date", "province"], kind="mergesort")
    return ProgressResult(
        table=table.reset_index(drop=True),
        trends=trends(table, deadline=deadline),
        deadline=deadline,
        notes=notes,
        unit=read.unit,
    )


def _slope(t: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of ``y`` over ``t``, from the centred sums: exactly 0 for a constant
    ``y`` (``np.polyfit`` on day numbers near 740,000 leaves a rounding slope of ~1e-18)."""
    if len(t) < 2 or np.ptp(t) == 0:
        return 0.0
    dt = t - t.mean()
    return float(np.dot(dt, y - y.mean()) / np.dot(dt, dt))


def trends(table: pd.DataFrame, *, deadline: date | None = None) -> pd.DataFrame:
    """Per province: the straight-line fit (least squares) of its dark villages over the dates.

    Columns: ``province``, ``first_date``, ``dark_first``, ``last_date``, ``dark_last``,
    ``rate_per_month`` (villages lit per month), ``projected_done`` (ISO date the last would
    be lit at that rate; ``done`` when none is dark; empty when the dark are not decreasing),
    ``dark_at_deadline`` (measured, or interpolated between the dates around it, or projected
    along the fit beyond them) and
    ``on_track`` (the last would be lit by the deadline).
    """
    out = []
    for province, part in table.groupby("province", sort=False):
        part = part.sort_values("date")
        t = np.array([date.fromisoformat(d).toordinal() for d in part["date"]], dtype="f8")
        y = part["dark"].to_numpy(dtype="f8")
        slope = _slope(t, y)
        last_day = date.fromordinal(int(t[-1]))
        dark_last = float(y[-1])
        days_left = (date.max - last_day).days
        if dark_last <= 0:
            done = "done"
            when: date | None = last_day
        elif slope < 0 and dark_last / -slope <= days_left:
            when = last_day + timedelta(days=float(np.ceil(dark_last / -slope)))
            done = when.isoformat()
        else:  # not decreasing, or too slowly to finish before the calendar ends
            when, done = None, ""
        at_deadline: float = np.nan
        on_track: object = pd.NA
        if deadline is not None:
            d = float(deadline.toordinal())
            if t[0] <= d <= t[-1]:  # measured, or between two measured dates
                at_deadline = float(np.interp(d, t, y))
            else:  # projected along the fit from the nearest end
                end = 0 if d < t[0] else -1
                at_deadline = max(0.0, float(y[end]) + slope * (d - t[end]))
            on_track = when is not None and when <= deadline
        out.append(
            {
                "province": province,
                "first_date": part["date"].iloc[0],
                "dark_first": int(y[0]),
                "last_date": part["date"].iloc[-1],
                "dark_last": int(dark_last),
                "rate_per_month": round(-slope * DAYS_PER_MONTH, 2) + 0.0,  # never -0.0
                "projected_done": done,
                "dark_at_deadline": round(at_deadline, 1),
                "on_track": on_track,
            }
        )
    return pd.DataFrame(out)
