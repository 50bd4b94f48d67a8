"""``<province>.pdf``: a printed A4 report for provincial meetings, in the run's language.

Page 1: the province's map (villages coloured by status as the web map colours them, commune
outlines, the sites) and the summary (villages by status, people and electrified land without
signal, sites).  Page 2: the villages to fix first (up to 20) with their reasons, and what the
statuses and reasons mean with the run's thresholds.  Every page carries the run's date and
version.

Drawn with matplotlib alone (no pyplot state, no base map: it prints offline), in DejaVu Sans,
which has every Vietnamese letter; fonts are embedded as TrueType so the text can be searched
and copied.  Numbers are written as the language writes them (``1.234,5`` in Vietnamese).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps.errors import SettingsError
from coverage_gaps.outputs import labels
from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.labels import format_number
from coverage_gaps.outputs.tables import to_fix_table
from coverage_gaps.outputs.webmap import STATUS_COLOURS
from coverage_gaps.outputs.workbooks import RunStamp
from coverage_gaps.settings import StatusThresholds

if TYPE_CHECKING:
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = ["A4_INCHES", "TOP_N", "write_area_report", "write_report"]

#: A4 portrait, in inches (210 x 297 mm).
A4_INCHES = (210 / 25.4, 297 / 25.4)
#: Villages listed on the report's second page.
TOP_N = 20
FONT = "DejaVu Sans"
_SITE_COLOUR = "#222222"
_DRAW_ORDER = {"not_electrified": 0, "covered": 1, "partial": 2, "dead_zone": 3}


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", "" if text is None else str(text))


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# -- the map ------------------------------------------------------------------------------------


def _path(geom: Any) -> Any:
    """A matplotlib path of a (multi)polygon, holes wound against their shell."""
    from matplotlib.path import Path as MplPath

    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        oriented = shapely.geometry.polygon.orient(part, 1.0)
        for ring in (oriented.exterior, *oriented.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            ring_codes = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            ring_codes[0], ring_codes[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            vertices.append(xy)
            codes.append(ring_codes)
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _draw_polygons(ax: Any, geoms: Sequence[Any], **style: Any) -> None:
    from matplotlib.collections import PathCollection

    paths = [p for p in (_path(g) for g in geoms) if p is not None]
    if paths:
        ax.add_collection(PathCollection(paths, **style))


def _scale_bar(ax: Any, width_m: float) -> None:
    """A scale bar of a round length, bottom left."""
    target = width_m / 5
    magnitude = 10 ** math.floor(math.log10(target))
    length = max(m * magnitude for m in (1, 2, 5) if m * magnitude <= target)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=2.5, solid_capstyle="butt")
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx + length / 2, by + 0.012 * (y1 - y0), label, ha="center", va="bottom", fontsize=7)
    ax.annotate(
        "N",
        xy=(x1 - 0.04 * (x1 - x0), y1 - 0.03 * (y1 - y0)),
        xytext=(x1 - 0.04 * (x1 - x0), y1 - 0.11 * (y1 - y0)),
        ha="center",
        va="center",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2},
    )


def _draw_map(
    ax: Any, villages: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, crs: Any, lang: str
) -> list[Any]:
    """Draw the villages by status, commune outlines and sites on ``ax`` in ``crs``; returns
    the legend's entries."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    metric = villages.to_crs(crs)
    x0, y0, x1, y1 = metric.total_bounds
    pad = max(x1 - x0, y1 - y0, 1000.0) * 0.04
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    tolerance = max(x1 - x0, y1 - y0) / 2500  # about a printed pixel
    status = metric["status"].astype(str).to_numpy()
    order = np.argsort([_DRAW_ORDER.get(s, -1) for s in status], kind="stable")
    is_area = metric.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    simple = metric.geometry.simplify(tolerance, preserve_topology=True).to_numpy()
    areas = [i for i in order if is_area[i]]
    if areas:
        _draw_polygons(
            ax,
            [simple[i] for i in areas],
            facecolors=[STATUS_COLOURS.get(status[i], "#ffffff") for i in areas],
            edgecolors="#555555",
            linewidths=0.15,
            alpha=0.85,
            zorder=2,
        )
        communes = metric.loc[is_area, "commune"].astype(str)
        if communes.str.len().gt(0).any() and communes.nunique() < len(communes):
            outlines = [
                shapely.union_all(simple[np.flatnonzero(is_area)][(communes == c).to_numpy()])
                for c in communes.unique()
                if c
            ]
            _draw_polygons(
                ax, outlines, facecolors="none", edgecolors="#111111", linewidths=0.6, zorder=3
            )
    points = [i for i in order if not is_area[i]]
    if points:
        reps = shapely.point_on_surface(simple[points])
        ax.scatter(
            shapely.get_x(reps),
            shapely.get_y(reps),
            s=14,
            c=[STATUS_COLOURS.get(status[i], "#ffffff") for i in points],
            edgecolors="#333333",
            linewidths=0.3,
            zorder=4,
        )
    if len(sites):
        xy = sites.to_crs(crs).geometry
        inside = (xy.x >= x0) & (xy.x <= x1) & (xy.y >= y0) & (xy.y <= y1)
        ax.scatter(
            xy.x[inside], xy.y[inside], s=10, marker="^", c=_SITE_COLOUR, edgecolors="white",
            linewidths=0.3, zorder=5,
        )  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.5)
    counts = pd.Series(status).value_counts()
    handles: list[Any] = [
        Patch(
            facecolor=colour,
            edgecolor="#555555",
            label=f"{labels.status_label(s, lang)} ({format_number(counts.get(s, 0), 0, lang)})",
        )
        for s, colour in STATUS_COLOURS.items()
    ]
    handles.append(
        Line2D([], [], marker="^", linestyle="", color=_SITE_COLOUR, markeredgecolor="white",
               label=f"{labels.text('sites_legend', lang)} ({format_number(len(sites), 0, lang)})")
    )  # fmt: skip
    _scale_bar(ax, x1 - x0)
    return handles


# -- the pages ----------------------------------------------------------------------------------


def _footer(fig: Any, stamp: RunStamp, lang: str, page: int, pages: int) -> None:
    fig.text(0.06, 0.025, stamp.text(lang), fontsize=7, color="#555555")
    fig.text(
        0.94,
        0.025,
        labels.text("page", lang, n=page, total=pages),
        fontsize=7,
        color="#555555",
        ha="right",
    )


def _summary_rows(result: AreaResult, lang: str) -> list[tuple[str, str]]:
    v = result.villages
    counts = v["status"].value_counts()
    rows = [(labels.text("villages_total", lang), format_number(len(v), 0, lang))]
    rows += [
        (labels.status_label(s, lang), format_number(int(counts.get(s, 0)), 0, lang))
        for s in STATUS_COLOURS
    ]
    if result.with_population:
        people = float(v["uncovered_population"].sum())  # as summary.csv counts them
        rows.append((labels.text("people_without_signal", lang), format_number(people, 0, lang)))
    land = float(v["uncovered_electrified_km2"].sum())
    rows.append(
        (
            labels.text("electrified_without_signal", lang),
            f"{format_number(land, 2, lang)} km²",
        )
    )
    rows.append(
        (labels.text("sites_in_reach", lang), format_number(len(result.site_table), 0, lang))
    )
    return rows


#: The top table's columns: (column, share of the width, right-aligned).
_TOP_COLUMNS: tuple[tuple[str, float, bool], ...] = (
    ("priority", 0.055, True),
    ("village_id", 0.075, False),
    ("village_name", 0.18, False),
    ("commune", 0.13, False),
    ("status", 0.115, False),
    ("figure", 0.085, True),
    ("nearest_site_m", 0.08, True),
    ("reason", 0.28, False),
)
_TOP_FONT = 6.5
_TOP_WIDTH_PT = 0.9 * A4_INCHES[0] * 72  # the table's width on the page


def _fit(text: str, share: float, *, lines: int = 2) -> str:
    """``text`` wrapped to a column of ``share`` of the table, at most ``lines`` lines."""
    import textwrap

    chars = max(4, int(share * _TOP_WIDTH_PT / (_TOP_FONT * 0.66)))
    wrapped = textwrap.wrap(text, chars) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], _clip(" ".join(wrapped[lines - 1 :]), chars)]
    return "\n".join(wrapped)


def _top_rows(result: AreaResult, lang: str, n: int) -> tuple[list[str], list[list[str]], int]:
    """The header and rows of the villages to fix first, and how many there are in all."""
    fix = to_fix_table(result.villages)
    by_people = result.with_population
    figure = "uncovered_population" if by_people else "uncovered_electrified_km2"
    header = [
        _fit(labels.column_label(figure if c == "figure" else c, lang), w, lines=3)
        for c, w, _ in _TOP_COLUMNS
    ]
    rows = []
    for rec in fix.head(n).to_dict("records"):
        values = {
            "priority": format_number(rec["priority"], 0, lang),
            "village_id": _nfc(rec["village_id"]),
            "village_name": _nfc(rec["village_name"]),
            "commune": _nfc(rec["commune"]),
            "status": labels.status_label(str(rec["status"]), lang),
            "figure": format_number(rec[figure], 0 if by_people else 2, lang),
            "nearest_site_m": format_number(rec["nearest_site_m"], 0, lang),
            "reason": labels.reasons_text(str(rec["reason"]), lang),
        }
        rows.append([_fit(values[c], w) for c, w, _ in _TOP_COLUMNS])
    return header, rows, len(fix)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _table(
    ax: Any,
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    right: Sequence[int] = (),
    header: Sequence[str] | None = None,
    header_lines: float = 1,
    fontsize: float = 8.0,
    edges: str = "closed",
) -> None:
    """A table filling ``ax`` (axes fraction), numbers in the ``right`` columns right-aligned,
    an optional header row of ``header_lines`` lines on a shaded background."""
    from matplotlib.table import Table
    from matplotlib.transforms import Bbox

    table = Table(ax, bbox=Bbox.from_bounds(0.0, 0.0, 1.0, 1.0))  # the cells fill the axes
    table.edges = edges
    units = len(rows) + (header_lines if header is not None else 0)
    unit = 1.0 / max(units, 1)
    body = [list(r) for r in rows]
    if header is not None:
        body.insert(0, list(header))
    for i, row in enumerate(body):
        is_header = header is not None and i == 0
        height = unit * (header_lines if is_header else 1)
        for j, (value, width) in enumerate(zip(row, widths, strict=True)):
            align = "right" if j in right and not is_header else "left"
            cell = table.add_cell(i, j, width, height, text=value, loc=align, edgecolor="#666666")
            cell.set_linewidth(0.3)
            cell.PAD = min(0.1, 0.012 / width)  # a small padding, even in wide columns
            cell.get_text().set_fontsize(fontsize)
            if is_header:
                cell.set_facecolor("#dde4ee")
                cell.get_text().set_fontweight("bold")
    table.auto_set_font_size(False)
    ax.add_table(table)


def write_report(
    path: str | Path,
    result: AreaResult,
    *,
    lang: str = "vi",
    top_n: int = TOP_N,
    stamp: RunStamp | None = None,
    to_fix_file: str = "",
) -> Path:
    """Write the report of ``result`` as an A4 PDF, atomically.

    Parameters
    ----------
    path
        Destination ``.pdf``.
    result
        The analysed area.
    lang
        Language of the report.
    top_n
        How many villages to list.
    stamp
        Date and version to print (default: now, the installed version).
    to_fix_file
        The file this run writes with the full list, named when more villages are to fix than
        listed; empty when the run writes none (the report then says the rest are not listed).
    """
    try:
        import matplotlib
        from matplotlib.backends.backend_pdf import PdfPages
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the installation
        raise SettingsError(
            "the pdf output needs matplotlib: pip install 'coverage-gaps[pdf]'",
            fields=("OutputOptions.kinds",),
        ) from None

    path = Path(path)
    stamp = stamp or RunStamp.now()
    th: StatusThresholds = result.thresholds
    name = _nfc(result.name)
    # TrueType fonts (type 42): the text can be searched and copied
    with (
        matplotlib.rc_context(
            {"pdf.fonttype": 42, "font.family": FONT, "font.size": 9, "axes.linewidth": 0.5}
        ),
        atomic_path(path) as tmp,
        PdfPages(tmp) as pdf,
    ):
        info = pdf.infodict()
        info["Title"] = labels.text("report_title", lang, province=name)
        info["Author"] = f"coverage-gaps {stamp.version}"
        info["Subject"] = stamp.text(lang)
        info["Creator"] = f"coverage-gaps {stamp.version}"
        info["CreationDate"] = stamp.when

        # page 1: map and summary
        fig = Figure(figsize=A4_INCHES)
        title = _wrap(labels.text("report_title", lang, province=name), 60)
        fig.text(0.06, 0.955, title, fontsize=15, fontweight="bold", va="top")
        fig.text(
            0.06, 0.91 - 0.022 * title.count("\n"),
            _wrap(labels.text("thresholds_note", lang, dead=th.dead_zone, covered=th.covered), 110),
            fontsize=8, va="top", color="#333333",
        )  # fmt: skip
        ax = fig.add_axes((0.06, 0.30, 0.88, 0.56))
        handles = _draw_map(ax, result.villages, result.sites, result.grid.crs, lang)
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.66, 0.268), fontsize=8,
                   frameon=False, title=labels.text("legend", lang), title_fontsize=9,
                   alignment="left")  # fmt: skip
        fig.text(0.06, 0.265, labels.text("summary_heading", lang), fontsize=12,
                 fontweight="bold", va="top")  # fmt: skip
        rows = _summary_rows(result, lang)
        table_ax = fig.add_axes((0.06, 0.235 - 0.022 * len(rows), 0.55, 0.022 * len(rows)))
        table_ax.axis("off")
        _table(table_ax, rows, [0.74, 0.26], right=(1,), fontsize=9, edges="horizontal")
        _footer(fig, stamp, lang, 1, 2)
        pdf.savefig(fig)

        # page 2: the villages to fix first, and what the words mean
        fig = Figure(figsize=A4_INCHES)
        header, top, total = _top_rows(result, lang, top_n)
        fig.text(0.05, 0.955, labels.text("top_to_fix", lang, n=len(top)), fontsize=14,
                 fontweight="bold", va="top")  # fmt: skip
        y = 0.915
        if top:
            height = 0.021 * (len(top) + 1.5)
            table_ax = fig.add_axes((0.05, y - height, 0.9, height))
            table_ax.axis("off")
            widths = [w for _, w, _ in _TOP_COLUMNS]
            right = [i for i, (_, _, r) in enumerate(_TOP_COLUMNS) if r]
            _table(table_ax, top, widths, right=right, header=header, header_lines=1.5,
                   fontsize=_TOP_FONT)  # fmt: skip
            y -= height + 0.02
            if total > len(top):
                fig.text(0.05, y, _more_to_fix(total - len(top), to_fix_file, lang), fontsize=8,
                         va="top")  # fmt: skip
                y -= 0.03
        else:
            fig.text(0.05, y, labels.text("no_gaps", lang), fontsize=10, va="top")
            y -= 0.04
        y -= 0.01
        fig.text(0.05, y, labels.text("statuses_heading", lang), fontsize=11, fontweight="bold",
                 va="top")  # fmt: skip
        y -= 0.03
        for s, colour in STATUS_COLOURS.items():
            fig.patches.append(_swatch(fig, 0.05, y - 0.011, colour))
            meaning = labels.status_meaning(s, lang, dead=th.dead_zone, covered=th.covered)
            fig.text(0.075, y, f"{labels.status_label(s, lang)}: {_wrap(meaning, 100)}",
                     fontsize=8, va="top")  # fmt: skip
            y -= 0.022 * (1 + meaning.count("\n"))
        y -= 0.015
        fig.text(0.05, y, labels.text("reasons_heading", lang), fontsize=11, fontweight="bold",
                 va="top")  # fmt: skip
        y -= 0.03
        for reason in labels.REASONS:
            meaning = labels.reason_meaning(reason, lang)
            line = _wrap(f"{labels.reason_label(reason, lang)}: {meaning}", 115)
            fig.text(0.05, y, line, fontsize=8, va="top")
            y -= 0.018 * (1 + line.count("\n")) + 0.006
        _footer(fig, stamp, lang, 2, 2)
        pdf.savefig(fig)
    return path


def _swatch(fig: Any, x: float, y: float, colour: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x, y), 0.018, 0.011, transform=fig.transFigure, figure=fig, facecolor=colour,
        edgecolor="#555555", linewidth=0.4,
    )  # fmt: skip


def _more_to_fix(n: int, to_fix_file: str, lang: str) -> str:
    """The line under the list: the ``n`` villages left out, and where they are listed."""
    if to_fix_file:
        return labels.text("more_to_fix", lang, n=format_number(n, 0, lang), file=to_fix_file)
    return labels.text("more_to_fix_unlisted", lang, n=format_number(n, 0, lang))


#: The outputs that list every village to fix, and the file each writes, in the order the report
#: prefers them (the workbook, the CSV, the field-check form).
_FULL_LISTS: tuple[tuple[str, str], ...] = (
    ("xlsx", "-to-fix.xlsx"),
    ("csv", "-to-fix.csv"),
    ("field-check", "-field-check.xlsx"),
)


def _full_list_file(target: AreaTarget) -> str:
    """The name of the file of this run that lists every village to fix (:data:`_FULL_LISTS`),
    or ``""`` when the run writes none of them (``--outputs pdf`` alone)."""
    kinds = target.options.kinds
    return next((target.path(suffix).name for kind, suffix in _FULL_LISTS if kind in kinds), "")


def write_area_report(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>.pdf``: the printed report of one area; it names only files the run writes."""
    return [
        write_report(
            target.path(".pdf"),
            result,
            lang=target.lang,
            to_fix_file=_full_list_file(target),
            stamp=target.stamp,
        )
    ]
