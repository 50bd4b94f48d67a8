"""The outputs of ``coverage-gaps progress``: ``progress.csv``, ``progress-trends.csv`` and
``progress.png`` (dark villages over time per province, against the deadline)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from coverage_gaps.outputs import labels
from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.tables import write_csv

if TYPE_CHECKING:
    from coverage_gaps.progress import ProgressResult

__all__ = ["PLOTTED_PROVINCES", "plot_progress", "write_progress"]

#: The provinces drawn one by one (the darkest at the last date); the rest are in the total.
PLOTTED_PROVINCES = 8


def plot_progress(result: ProgressResult, path: Path, *, lang: str = "vi") -> Path:
    """A PNG of the dark villages per province and in all over the dates, the deadline as a
    vertical line and, for all provinces, the straight-line projection to zero; its words in
    ``lang``, for the result's unit (villages or communes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure

    words = labels.wording(lang, result.unit)
    table = result.table
    last = table["date"].max()
    provinces = (
        table.loc[(table["date"] == last) & (table["province"] != "(all)")]
        .sort_values("dark", ascending=False)["province"]
        .head(PLOTTED_PROVINCES)
        .tolist()
    )
    fig = Figure(figsize=(9, 5.5), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    # One province is its own total: drawn once, as the province.
    drawn = provinces if len(provinces) == 1 else [*provinces, "(all)"]
    for province in drawn:
        part = table.loc[table["province"] == province].sort_values("date")
        days = date2num([date.fromisoformat(d) for d in part["date"]])
        label = labels.text("all_provinces", words) if province == "(all)" else province
        width = 1.2 if province != drawn[-1] else 2.5
        ax.plot(days, part["dark"].to_numpy(dtype="f8"), marker="o", lw=width, label=label)
    trend = result.trends.set_index("province").loc["(all)"]
    if trend["projected_done"] not in ("", "done"):
        ends = [
            date.fromisoformat(str(trend["last_date"])),
            date.fromisoformat(str(trend["projected_done"])),
        ]
        ax.plot(
            date2num(ends),
            [float(str(trend["dark_last"])), 0.0],
            ls="--",
            color="#555555",
            label=labels.text("progress_projection", words),
        )
    if result.deadline is not None:
        at = float(date2num(result.deadline))
        ax.axvline(at, color="#d7191c", lw=1.5)
        ax.text(
            at,
            ax.get_ylim()[1] * 0.97,
            " " + labels.text("progress_deadline", words),
            color="#d7191c",
            va="top",
        )
    ax.set_title(labels.text("progress_title", words))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    from coverage_gaps import __version__

    fig.text(
        0.99,
        0.01,
        f"coverage-gaps {__version__}, {datetime.now(UTC):%Y-%m-%d}",
        ha="right",
        fontsize=7,
        color="#777777",
    )
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path


def write_progress(result: ProgressResult, folder: Path, *, lang: str = "vi") -> list[Path]:
    """``progress.csv`` (figures rounded to 3 decimals, like ``summary.csv``),
    ``progress-trends.csv`` and, with matplotlib, ``progress.png``."""
    files = [
        write_csv(result.table.round(3), folder / "progress.csv"),  # as summary.csv
        write_csv(result.trends, folder / "progress-trends.csv"),
    ]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return files
    files.append(plot_progress(result, folder / "progress.png", lang=lang))
    return files
