"""``<province>.pdf``: a printed A4 report for provincial meetings, in the run's language.

Page 1: the province's map (villages coloured by status as the web map colours them, commune
outlines, the sites) and the summary (villages by status, people and electrified land without
signal, sites).  Page 2: the villages to fix first (up to 20) with their reasons, where the rest
are listed (only a file the run writes), and what the statuses and reasons mean with the run's
thresholds; what does not fit goes on to further pages (the table under its header again).  Texts
are measured as they are printed: cells wrap and cut with ``…`` within their column, nothing runs
into the footer.  Every page carries the run's date, version and page number.

Drawn with matplotlib alone (no pyplot state, no base map: it prints offline), in DejaVu Sans,
which has every Vietnamese letter; fonts are embedded as TrueType so the text can be searched
and copied.  Numbers are written as the language writes them (``1.234,5`` in Vietnamese).
"""

from __future__ import annotations

import functools
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

__all__ = ["A4_INCHES", "TOP_N", "reasons_present", "write_area_report", "write_report"]

#: A4 portrait, in inches (210 x 297 mm).
A4_INCHES = (210 / 25.4, 297 / 25.4)
#: Villages listed on the report's second page.
TOP_N = 20
FONT = "DejaVu Sans"
_SITE_COLOUR = "#222222"
_DRAW_ORDER = {"not_electrified": 0, "covered": 1, "partial": 2, "dead_zone": 3}


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", "" if text is None else str(text))


def _text_width(text: str, fontsize: float, bold: bool = False) -> float:
    """The width of ``text`` set in :data:`FONT` at ``fontsize``, in points, as the PDF prints
    it (the glyphs' advances, without hinting; kerning only narrows it)."""
    return fontsize * sum(_advance(char, bold) for char in text)


@functools.cache
def _advance(char: str, bold: bool) -> float:
    """The advance of ``char`` in :data:`FONT` at 1 pt."""
    from matplotlib import ft2font
    from matplotlib.font_manager import FontProperties, findfont, get_font

    font = get_font(findfont(FontProperties(family=FONT, weight="bold" if bold else "normal")))
    font.set_size(100, 72)  # 100 pt at 72 dpi: advances in 1/100 pt, unhinted so linear
    flags = (
        ft2font.LoadFlags.NO_HINTING
        if hasattr(ft2font, "LoadFlags")  # matplotlib >= 3.10
        else getattr(ft2font, "LOAD_NO_HINTING")  # noqa: B009
    )
    glyph = font.load_char(ord(char), flags=flags)
    return float(glyph.linearHoriAdvance) / 65536 / 100


def _wrap_lines(
    text: str, width_pt: float, fontsize: float, *, bold: bool = False, lines: int | None = None
) -> str:
    """``text`` broken into lines no wider than ``width_pt`` as :data:`FONT` sets it (a word
    wider than a line is cut), at most ``lines`` lines, the last ending in ``…`` when cut."""

    def fits(line: str) -> bool:
        return _text_width(line, fontsize, bold) <= width_pt

    out: list[str] = []
    line = ""
    for word in text.split():
        if fits(f"{line} {word}" if line else word):
            line = f"{line} {word}" if line else word
            continue
        if line:
            out.append(line)
        while not fits(word) and len(word) > 1:
            cut = max([1, *(k for k in range(1, len(word)) if fits(word[:k]))])
            out.append(word[:cut])
            word = word[cut:]
        line = word
    if line or not out:
        out.append(line)
    if lines is not None and len(out) > lines:
        last = " ".join(out[lines - 1 :])
        while last and not fits(last + "…"):
            last = last[:-1].rstrip()
        out = [*out[: lines - 1], last + "…"]
    return "\n".join(out)


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
    ("priority", 0.07, True),
    ("village_id", 0.07, False),
    ("village_name", 0.18, False),
    ("commune", 0.13, False),
    ("status", 0.12, False),
    ("figure", 0.085, True),
    ("nearest_site_m", 0.08, True),
    ("reason", 0.265, False),
)
_TOP_FONT = 6.5
#: The margins of the pages (share of the width), and the top and bottom of their text (share
#: of the height; the footer is below).
_LEFT, _RIGHT, _TOP, _BOTTOM = 0.05, 0.95, 0.955, 0.05
_PAGE_PT = (A4_INCHES[0] * 72, A4_INCHES[1] * 72)
_TOP_WIDTH_PT = (_RIGHT - _LEFT) * _PAGE_PT[0]  # the table's width on the page
#: A table cell's padding, left and right: a share of the table's width, at most a tenth of the
#: cell (:func:`_table`).
_CELL_PAD = 0.012
#: The space above and below a table row's text, in points.
_ROW_PAD_PT = 2.5


def _fit(text: str, share: float, *, lines: int = 2, bold: bool = False) -> str:
    """``text`` wrapped to a column of ``share`` of the table, at most ``lines`` lines."""
    room = share * _TOP_WIDTH_PT * (1 - 2 * min(0.1, _CELL_PAD / share))
    return _wrap_lines(text, room - 0.5, _TOP_FONT, bold=bold, lines=lines)


def _top_rows(result: AreaResult, lang: str, n: int) -> tuple[list[str], list[list[str]], int]:
    """The header and rows of the villages to fix first, and how many there are in all."""
    fix = to_fix_table(result.villages)
    by_people = result.with_population
    figure = "uncovered_population" if by_people else "uncovered_electrified_km2"
    header = [
        _fit(labels.column_label(figure if c == "figure" else c, lang), w, lines=3, bold=True)
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
    heights: Sequence[float] | None = None,
    fontsize: float = 8.0,
    edges: str = "closed",
) -> None:
    """A table filling ``ax`` (axes fraction), numbers in the ``right`` columns right-aligned,
    an optional header row on a shaded background; ``heights``: the rows' heights (the header
    first) in any unit, else all alike."""
    from matplotlib.table import Table
    from matplotlib.transforms import Bbox

    table = Table(ax, bbox=Bbox.from_bounds(0.0, 0.0, 1.0, 1.0))  # the cells fill the axes
    table.edges = edges
    body = [list(r) for r in rows]
    if header is not None:
        body.insert(0, list(header))
    heights = [1.0] * len(body) if heights is None else list(heights)
    total = sum(heights) or 1.0
    for i, row in enumerate(body):
        is_header = header is not None and i == 0
        for j, (value, width) in enumerate(zip(row, widths, strict=True)):
            align = "right" if j in right and not is_header else "left"
            cell = table.add_cell(
                i, j, width, heights[i] / total, text=value, loc=align, edgecolor="#666666"
            )
            cell.set_linewidth(0.3)
            cell.PAD = min(0.1, _CELL_PAD / width)  # a small padding, even in wide columns
            cell.get_text().set_fontsize(fontsize)
            if is_header:
                cell.set_facecolor("#dde4ee")
                cell.get_text().set_fontweight("bold")
    table.auto_set_font_size(False)
    ax.add_table(table)


class _Flow:
    """Pages written from the top down: what does not fit above the footer goes on a new page.

    Texts are measured as they will be printed, so nothing runs into the footer or off the
    page, however long the names and however many the lines.
    """

    def __init__(self) -> None:
        self.figures: list[Any] = []
        self.new_page()

    def new_page(self) -> None:
        """Start a page: what follows is written from its top."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.fig = Figure(figsize=A4_INCHES)
        self._renderer = FigureCanvasAgg(self.fig).get_renderer()
        self.figures.append(self.fig)
        self.y = _TOP

    def height(self, text: str, **style: Any) -> float:
        """The height of ``text`` written in ``style``, a share of the page."""
        probe = self.fig.text(0.0, 0.5, text, **style)
        height = probe.get_window_extent(self._renderer).height / self.fig.bbox.height
        probe.remove()
        return float(height)

    def room(self, height: float) -> None:
        """Go on to a new page unless ``height`` fits on this one below what it holds."""
        if self.y - height < _BOTTOM and self.y < _TOP:
            self.new_page()

    def text(
        self, x: float, text: str, *, gap: float = 0.0, keep: float = 0.0, **style: Any
    ) -> float:
        """Write ``text`` at ``x`` below what the page holds, on a new page if it (and ``keep``
        more, what must follow it on the same page) does not fit; ``gap`` is left below it.
        Returns the top of the text."""
        height = self.height(text, **style)
        self.room(height + keep)
        top = self.y
        self.fig.text(x, top, text, va="top", **style)
        self.y -= height + gap
        return top

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        right: Sequence[int],
        fontsize: float,
        gap: float = 0.0,
    ) -> None:
        """A table of ``rows`` under ``header``, each row as high as its lines; the rows that do
        not fit go on to the next page, under the header again."""
        pad = 2 * _ROW_PAD_PT / _PAGE_PT[1]

        def row_height(row: Sequence[str]) -> float:
            lines = max(1, *(cell.count("\n") + 1 for cell in row))
            return self.height("\n".join(["Ậg"] * lines), fontsize=fontsize) + pad

        above = row_height(header)
        heights = [row_height(r) for r in rows]
        start = 0
        while start < len(rows):
            self.room(above + heights[start])
            end, used = start + 1, heights[start]
            while end < len(rows) and self.y - above - used - heights[end] >= _BOTTOM:
                used += heights[end]
                end += 1
            ax = self.fig.add_axes((_LEFT, self.y - above - used, _RIGHT - _LEFT, above + used))
            ax.axis("off")
            _table(ax, rows[start:end], widths, right=right, header=header,
                   heights=[above, *heights[start:end]], fontsize=fontsize)  # fmt: skip
            self.y -= above + used
            start = end
        self.y -= gap


def _explanation(flow: _Flow, result: AreaResult, lang: str, top_n: int, to_fix_file: str) -> None:
    """The villages to fix first, and what the statuses and reasons mean, from the top of
    ``flow``'s page on, on as many pages as they take."""
    th: StatusThresholds = result.thresholds
    width = (_RIGHT - _LEFT) * _PAGE_PT[0]
    header, top, total = _top_rows(result, lang, top_n)
    flow.text(_LEFT, _wrap_lines(labels.text("top_to_fix", lang, n=len(top)), width, 14, bold=True),
              fontsize=14, fontweight="bold", gap=0.015)  # fmt: skip
    if top:
        widths = [w for _, w, _ in _TOP_COLUMNS]
        right = [i for i, (_, _, r) in enumerate(_TOP_COLUMNS) if r]
        flow.table(header, top, widths, right=right, fontsize=_TOP_FONT, gap=0.012)
        if total > len(top):
            more = _wrap_lines(_more_to_fix(total - len(top), to_fix_file, lang), width, 8)
            flow.text(_LEFT, more, fontsize=8, gap=0.012)
    else:
        flow.text(_LEFT, _wrap_lines(labels.text("no_gaps", lang), width, 10), fontsize=10,
                  gap=0.012)  # fmt: skip
    flow.y -= 0.012

    swatch_x, text_x = _LEFT, _LEFT + 0.025
    statuses = [
        (colour, _wrap_lines(
            f"{labels.status_label(s, lang)}: "
            f"{labels.status_meaning(s, lang, dead=th.dead_zone, covered=th.covered)}",
            (_RIGHT - text_x) * _PAGE_PT[0], 8))
        for s, colour in STATUS_COLOURS.items()
    ]  # fmt: skip
    _heading(flow, labels.text("statuses_heading", lang), statuses[0][1])
    for colour, line in statuses:
        top_y = flow.text(text_x, line, fontsize=8, gap=0.006)
        flow.fig.patches.append(_swatch(flow.fig, swatch_x, top_y - 0.011, colour))
    flow.y -= 0.012

    reasons = [
        _wrap_lines(f"{labels.reason_label(r, lang)}: {labels.reason_meaning(r, lang)}", width, 8)
        for r in reasons_present(result.villages)
    ]
    if not reasons:  # no village of the province has a reason: nothing to explain
        return
    _heading(flow, labels.text("reasons_heading", lang), reasons[0])
    for line in reasons:
        flow.text(_LEFT, line, fontsize=8, gap=0.006)


def reasons_present(villages: pd.DataFrame) -> list[str]:
    """The reasons of :data:`~coverage_gaps.outputs.labels.REASONS` that some village of
    ``villages`` has (its ``reason`` column, ``;``-separated), in that order: the report explains
    those only."""
    if "reason" not in villages:
        return []
    found = {r for text in villages["reason"].dropna().astype(str) for r in text.split(";")}
    return [r for r in labels.REASONS if r in found]


def _heading(flow: _Flow, heading: str, first: str) -> None:
    """A section's heading, on the page of its ``first`` line."""
    flow.text(_LEFT, heading, fontsize=11, fontweight="bold", gap=0.01,
              keep=flow.height(first, fontsize=8))  # fmt: skip


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

        pages = [fig]
        # page 2 on: the villages to fix first, and what the words mean
        flow = _Flow()
        _explanation(flow, result, lang, top_n, to_fix_file)
        pages += flow.figures
        for number, page in enumerate(pages, start=1):
            _footer(page, stamp, lang, number, len(pages))
            pdf.savefig(page)
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
