"""``index.html``: the run's front page, one self-contained file that works offline.

What a reader sees, top to bottom: the run's date and version and a sentence of totals; a
national map of the provinces coloured by their dead zones (or by the people without signal
when a population raster was given), each province linking to its own map and lists; the
summary table with totals; links to every file the run wrote, per province and for the run;
the inputs (sizes and SHA-256 hashes), the settings that mattered and every setting as JSON;
the notes.

Like the province maps (:mod:`coverage_gaps.outputs.webmap`) the page inlines Leaflet and its
own script and style; the tables and links are plain HTML written here, so they read (and
print) without JavaScript.  Every text from the data (a province's name, a path, a note) is
escaped when written as HTML, and the map's data is a JSON block whose script puts texts into
the page with ``textContent`` only.

The provinces' outlines come from ``--province-layer`` when one is given
(:func:`layer_outlines`), else from each province's villages (:func:`area_outline`: the
union of the communes, or a hull around village points), simplified to what a national map
shows.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import shapely

from coverage_gaps.names import name_key
from coverage_gaps.outputs import INDEX_FILE, RUN_WRITERS, RunArea, labels
from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.webmap import (
    attribution_html,
    base_layers,
    comment_text,
    encode_geometry,
    json_for_script,
    leaflet_asset,
    own_asset,
    safe_raw_text,
    simplify_outlines,
)

if TYPE_CHECKING:
    import geopandas as gpd
    from affine import Affine

    from coverage_gaps.outputs import RunRecord

__all__ = [
    "CLASS_COLOURS",
    "FILE_KINDS",
    "NONE_COLOUR",
    "OUTLINE_TOLERANCE_M",
    "area_outline",
    "class_breaks",
    "file_kind",
    "index_page",
    "layer_outlines",
    "write_index",
]

#: How far a national outline may stray from the villages' edges (metres): a national map
#: shows about 2 km per pixel.
OUTLINE_TOLERANCE_M = 500.0
#: Village points are drawn as discs of this radius, joined by a hull.
POINT_RADIUS_M = 1500.0
#: Parts of an outline smaller than this (km²) are left out (islets), unless all are.
MIN_PART_KM2 = 1.0
#: The same tolerance in degrees, for a province layer simplified in EPSG:4326.
LAYER_TOLERANCE_DEG = 0.004

#: Colours of the classes above zero, light to dark (ColorBrewer OrRd, 5 classes).
CLASS_COLOURS: tuple[str, ...] = ("#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000")
#: Provinces with none (no dead zone, nobody without signal).
NONE_COLOUR = "#c7e9c0"
#: Provinces without a figure.
NO_DATA_COLOUR = "#d9d9d9"

#: What each file of an area is, by what follows the area's slug in its name: the label's
#: key in :data:`coverage_gaps.outputs.labels.TEXT`, in the order they are listed.
FILE_KINDS: tuple[tuple[str, str], ...] = (
    (".html", "file_map"),
    ("-to-fix.xlsx", "file_to_fix_xlsx"),
    ("-field-check.xlsx", "file_field_check"),
    ("-villages.xlsx", "file_villages_xlsx"),
    (".pdf", "file_report"),
    (".kmz", "file_kmz"),
    ("-to-fix.csv", "file_to_fix_csv"),
    ("-villages.csv", "file_villages_csv"),
    ("-no-power.csv", "file_no_power"),
    ("-model-vs-field.csv", "file_model_vs_field"),
    (".gpkg", "file_gpkg"),
)
#: The files shown in the summary table's "Open" column, when written.
MAIN_KINDS: tuple[str, ...] = ("file_map", "file_to_fix_xlsx", "file_field_check", "file_report")
#: Their short labels in the table.
MAIN_LABELS: Mapping[str, str] = {
    "file_map": "link_map",
    "file_to_fix_xlsx": "link_to_fix",
    "file_field_check": "link_field_check",
    "file_report": "link_report",
}
#: The run-level files by name.
RUN_FILE_KINDS: Mapping[str, str] = {
    "index.html": "file_index",
    "summary.csv": "file_summary",
    "glossary.csv": "file_glossary_csv",
    "glossary.xlsx": "file_glossary_xlsx",
    "run.json": "file_record",
}
_SIGNAL = re.compile(r"-signal-([a-z0-9]+)(?:-.+)?\.tif")
_ORDER = {key: i for i, (_, key) in enumerate(FILE_KINDS)}


# --------------------------------------------------------------------------------------------
# Outlines


def _drop_islets(geom: Any, min_area_m2: float) -> Any:
    parts = shapely.get_parts(geom)
    if len(parts) <= 1:
        return geom
    big = parts[shapely.area(parts) >= min_area_m2]
    return shapely.union_all(big) if len(big) else geom


def area_outline(
    villages: gpd.GeoDataFrame | gpd.GeoSeries,
    metric_crs: Any,
    *,
    cells: tuple[np.ndarray, Affine] | None = None,
    by_cells: bool = True,
    tolerance_m: float = OUTLINE_TOLERANCE_M,
    point_radius_m: float = POINT_RADIUS_M,
) -> bytes | None:
    """An area's outline for the national map, from its villages' geometry: simplified WKB in
    EPSG:4326, or ``None`` when the villages have no geometry.

    Polygon villages (communes) are joined: grown by half the tolerance, merged and shrunk
    back, which closes the cracks between neighbours simplified apart.  With ``cells`` (a
    boolean mask of the villages' cells on a grid in ``metric_crs`` and the grid's affine
    transform, as the analysis has them) the polygon villages are drawn from those cells
    instead (unless ``by_cells`` is false): pooled into blocks of the tolerance, closed by a
    block (cracks narrower than two blocks leave no gap) and polygonised.  That costs about
    6 ns a cell of the grid, against 0.5-2 us a vertex merged (measured on the real 3,321
    communes of 2025, 0.8 M vertices: 0.9 s against 1.7 s for the country, and on a synthetic
    country of 80,000 polygons, 13.7 M vertices: 0.45 s against 6.6 s).
    Village points are joined by a concave hull and discs of ``point_radius_m`` around each
    (so that an outlying hamlet shows).  The result is simplified by ``tolerance_m`` in
    ``metric_crs`` and islets under :data:`MIN_PART_KM2` are left out.
    """
    import geopandas as gpd

    series = gpd.GeoSeries(villages.geometry if hasattr(villages, "geometry") else villages)
    geoms = np.asarray(series.values)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not keep.any():
        return None
    kinds = shapely.get_type_id(geoms)
    polygon = keep & np.isin(
        kinds, [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON]
    )
    pieces: list[Any] = []
    half = tolerance_m / 2
    if polygon.any() and cells is not None and by_cells:
        pieces.append(_cells_outline(*cells, tolerance_m))
    elif polygon.any():
        metric = np.asarray(series[polygon].to_crs(metric_crs).values)
        simple = simplify_outlines(metric, tolerance_m / 4)
        grown = shapely.union_all(shapely.buffer(simple, half, quad_segs=2))
        pieces.append(shapely.buffer(grown, -half, quad_segs=2))
    if (keep & ~polygon).any():
        metric = np.asarray(series[keep & ~polygon].to_crs(metric_crs).values)
        points = shapely.point_on_surface(metric)
        hull = None
        if len(points) >= 3:
            hull = shapely.buffer(
                shapely.concave_hull(shapely.multipoints(points), ratio=0.3), half, quad_segs=2
            )
            # a disc around a point deeper than its radius inside the hull adds nothing to the
            # union: leave those out (the same outline, far fewer discs to merge; 1.1 radii
            # covers the chords of the inner buffer's arcs, at most 8 % inside them)
            inner = shapely.buffer(hull, -1.1 * point_radius_m, quad_segs=2)
            shapely.prepare(inner)
            points = points[~shapely.contains(inner, points)]
        discs = shapely.union_all(shapely.buffer(points, point_radius_m, quad_segs=4))
        pieces.append(discs if hull is None else shapely.union(discs, hull))
    outline = shapely.union_all(pieces)
    outline = _drop_islets(outline, MIN_PART_KM2 * 1e6)
    outline = shapely.make_valid(shapely.simplify(outline, tolerance_m))
    outline = shapely.union_all(
        [p for p in shapely.get_parts(outline) if p.geom_type in ("Polygon", "MultiPolygon")]
    )
    if outline.is_empty:
        return None
    back = gpd.GeoSeries([outline], crs=metric_crs).to_crs(4326).iloc[0]
    wkb: bytes = shapely.to_wkb(back)
    return wkb


def _cells_outline(mask: np.ndarray, transform: Affine, tolerance_m: float) -> Any:
    """The true cells of ``mask`` as (multi)polygons in the grid's CRS: pooled into blocks of
    up to ``tolerance_m`` (a block with any true cell is true) and closed by a block, so
    cracks narrower than two blocks leave no gap."""
    from affine import Affine

    from coverage_gaps.pipeline import mask_shapes

    f = max(1, int(tolerance_m / abs(transform.a)))
    h, w = mask.shape
    # pad by a block each side (the closing sees no edge), and to whole blocks
    pad_h, pad_w = f + (-h) % f + f, f + (-w) % f + f
    grid = np.zeros((h + pad_h, w + pad_w), dtype=bool)
    grid[f : f + h, f : f + w] = mask
    blocks = grid.reshape(grid.shape[0] // f, f, grid.shape[1] // f, f)
    pooled = np.asarray(blocks.any(axis=(1, 3)))
    closed = _erode(_dilate(pooled)) | pooled
    if not closed.any():
        return shapely.Polygon()
    at = transform * Affine.translation(-f, -f) * Affine.scale(f)
    return shapely.union_all(mask_shapes(closed, at))


def _dilate(m: np.ndarray) -> np.ndarray:
    """``m`` grown by one cell in the eight directions (a 3 x 3 maximum, row then column)."""
    rows = m.copy()
    rows[1:] |= m[:-1]
    rows[:-1] |= m[1:]
    out = rows.copy()
    out[:, 1:] |= rows[:, :-1]
    out[:, :-1] |= rows[:, 1:]
    return out


def _erode(m: np.ndarray) -> np.ndarray:
    """``m`` shrunk by one cell in the eight directions (a 3 x 3 minimum; beyond the array
    counts as false)."""
    rows = m.copy()
    rows[1:] &= m[:-1]
    rows[:-1] &= m[1:]
    rows[[0, -1]] = False
    out = rows.copy()
    out[:, 1:] &= rows[:, :-1]
    out[:, :-1] &= rows[:, 1:]
    out[:, [0, -1]] = False
    return out


def layer_outlines(
    units: gpd.GeoDataFrame, *, tolerance_deg: float = LAYER_TOLERANCE_DEG
) -> dict[str, bytes]:
    """The outlines of a province layer's units (``name`` column, as
    :func:`coverage_gaps.io.admin.read_admin_layer` gives them): the units of one name joined,
    simplified by ``tolerance_deg`` in EPSG:4326, as WKB by :func:`coverage_gaps.names.name_key`
    of the name."""
    frame = units.to_crs(4326)
    keys = frame["name"].astype(str).map(name_key)
    out: dict[str, bytes] = {}
    geoms = np.asarray(frame.geometry.values)
    for key in pd.unique(keys):
        if not key:
            continue
        parts = shapely.simplify(geoms[(keys == key).to_numpy()], tolerance_deg / 2)
        joined = shapely.union_all(shapely.make_valid(parts))
        joined = shapely.simplify(joined, tolerance_deg, preserve_topology=True)
        if not joined.is_empty:
            out[str(key)] = shapely.to_wkb(joined)
    return out


# --------------------------------------------------------------------------------------------
# Classes and files


def _nice_up(value: float) -> float:
    """``value`` rounded up to 1, 2, 2.5 or 5 times a power of ten (1 or more)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return float(step * power)
    return float(10 * power)  # pragma: no cover


def class_breaks(values: Sequence[float], classes: int = len(CLASS_COLOURS)) -> list[float]:
    """Upper bounds of up to ``classes`` classes of the positive ``values``: their quantiles
    rounded up to round numbers, increasing, the last one the largest value (rounded)."""
    positive = np.asarray([v for v in values if v is not None and np.isfinite(v) and v > 0])
    if not positive.size:
        return []
    qs = np.quantile(positive, np.linspace(0, 1, classes + 1)[1:])
    out: list[float] = []
    for q in qs:
        b = _nice_up(float(q))
        if not out or b > out[-1]:
            out.append(b)
    return out


def _class_of(value: float, breaks: Sequence[float]) -> int:
    """0 for none, ``k`` for the ``k``-th class (1-based), -1 without a figure."""
    if value is None or not np.isfinite(value):
        return -1
    if value <= 0:
        return 0
    for k, b in enumerate(breaks, start=1):
        if value <= b:
            return k
    return len(breaks)


def _class_labels(breaks: Sequence[float], lang: str) -> list[str]:
    out, low = [], 1.0
    for b in breaks:
        lo, hi = labels.format_number(low, 0, lang), labels.format_number(b, 0, lang)
        out.append(lo if lo == hi else f"{lo}–{hi}")
        low = math.floor(b) + 1
    return out


def file_kind(name: str, slug: str) -> tuple[str, dict[str, str]]:
    """What a file of an area is: a key of :data:`FILE_KINDS` (``"file_other"`` when
    unknown) and the values its label takes (``radio`` for a signal raster)."""
    rest = name[len(slug) :] if name.startswith(slug) else name
    for suffix, key in FILE_KINDS:
        if rest == suffix:
            return key, {}
    found = _SIGNAL.fullmatch(rest)
    if found:
        return "file_signal", {"radio": found[1].upper()}
    if rest.endswith(".qml"):
        return "file_style", {}
    return "file_other", {}


def _href(name: str) -> str:
    """A link to a file of the folder, relative, for an HTML attribute."""
    return html.escape(quote(name), quote=True)


def _size(n: int | None, lang: str) -> str:
    if n is None:
        return "—"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{labels.format_number(n / scale, 1, lang)} {unit}"
    return f"{labels.format_number(n, 0, lang)} B"


def _area_files(area: RunArea, lang: str) -> list[tuple[str, str, Path]]:
    """(kind, label, path) of an area's files, in the order of :data:`FILE_KINDS`."""
    rows = []
    for path in area.files:
        key, values = file_kind(path.name, area.slug)
        rows.append((key, labels.text(key, lang, **values), path))
    rows.sort(key=lambda r: (_ORDER.get(r[0], len(_ORDER)), r[2].name))
    return rows


# --------------------------------------------------------------------------------------------
# The page's parts


_E = html.escape


def _measure(summary: pd.DataFrame) -> str:
    """``uncovered_population`` when a population raster was given, else ``dead_zone``."""
    pop = summary.get("uncovered_population")
    if pop is not None and pd.to_numeric(pop, errors="coerce").notna().any():
        return "uncovered_population"
    return "dead_zone"


def _figure(value: Any, column: str, lang: str) -> str:
    digits = 1 if column == "uncovered_electrified_km2" else 0
    return labels.format_number(value, digits, lang)


def _table_columns(summary: pd.DataFrame, measure: str) -> list[str]:
    cols = [
        "villages",
        "dead_zone",
        "partial",
        "covered",
        "not_electrified",
        "uncovered_electrified_km2",
    ]
    if measure == "uncovered_population":
        cols.append("uncovered_population")
    cols.append("sites")
    return [c for c in cols if c in summary]


def _summary_table(
    run: RunRecord,
    areas: Sequence[RunArea | None],
    files_of: Sequence[list[tuple[str, str, Path]]],
    measure: str,
    lang: str,
) -> str:
    t = labels.text
    summary = run.summary
    cols = _table_columns(summary, measure)
    head = "".join(
        f'<th scope="col" class="num">{_E(labels.column_label(c, lang))}</th>' for c in cols
    )
    rows = []
    for area, files, row in zip(areas, files_of, summary.to_dict("records"), strict=True):
        name = str(row.get("province", ""))
        by_kind = {k: p for k, _, p in files}
        main = by_kind.get("file_map") or next((p for _, _, p in files), None)
        cell = f'<a href="{_href(main.name)}">{_E(name)}</a>' if main is not None else _E(name)
        figures = "".join(f'<td class="num">{_E(_figure(row.get(c), c, lang))}</td>' for c in cols)
        links = "".join(
            f'<a href="{_href(by_kind[k].name)}">{_E(t(MAIN_LABELS[k], lang))}</a>'
            for k in MAIN_KINDS
            if k in by_kind
        )
        slug = area.slug if area is not None else ""
        rows.append(
            f'<tr data-slug="{_E(slug, quote=True)}"><th scope="row">{cell}</th>{figures}'
            f'<td class="links">{links}</td></tr>'
        )
    totals = []
    for c in cols:
        if c == "sites":
            totals.append(f'<td class="num" title="{_E(t("sites_total_note", lang))}">—</td>')
        else:
            total = pd.to_numeric(summary[c], errors="coerce").sum(min_count=1)
            totals.append(f'<td class="num">{_E(_figure(total, c, lang))}</td>')
    return (
        f'<div class="cg-scroll"><table class="cg-summary"><thead><tr><th scope="col">'
        f"{_E(labels.column_label('province', lang))}</th>{head}"
        f'<th scope="col">{_E(t("main_files", lang))}</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody>"
        f'<tfoot><tr><th scope="row">{_E(t("total", lang))}</th>{"".join(totals)}<td></td>'
        f"</tr></tfoot></table></div>"
        f'<p class="cg-note">{_E(t("sites_total_note", lang))}</p>'
    )


def _file_item(label: str, path: Path, lang: str) -> str:
    try:
        size = _size(path.stat().st_size, lang)
    except OSError:
        size = ""
    extra = f" <span class='cg-size'>{_E(size)}</span>" if size else ""
    return (
        f'<li><a href="{_href(path.name)}">{_E(label)}</a> <code>{_E(path.name)}</code>{extra}</li>'
    )


def _files_section(
    run: RunRecord,
    areas: Sequence[RunArea | None],
    files_of: Sequence[list[tuple[str, str, Path]]],
    lang: str,
) -> str:
    t = labels.text
    parts = [f'<section id="files"><h2>{_E(t("files_heading", lang))}</h2>']
    for area, files in zip(areas, files_of, strict=True):
        if area is None:
            continue
        listed = "".join(_file_item(label, p, lang) for _, label, p in files)
        parts.append(
            f'<details class="cg-area" id="files-{_E(area.slug, quote=True)}">'
            f"<summary>{_E(area.name)}</summary><ul>{listed}</ul></details>"
        )
    area_files = {p for a in areas if a is not None for p in a.files}
    run_files = [p for p in run.files if p not in area_files]
    names = {p.name for p in run_files}
    items = [
        _file_item(t(RUN_FILE_KINDS.get(p.name, "file_other"), lang), p, lang) for p in run_files
    ]
    # Written after this page: the page itself and run.json.
    for later, kind in (("index.html", "file_index"), ("run.json", "file_record")):
        if later not in names and (later != "run.json" or "record" in RUN_WRITERS):
            items.append(
                f'<li><a href="{_href(later)}">{_E(t(kind, lang))}</a> <code>{_E(later)}</code>'
                "</li>"
            )
    parts.append(f"<h3>{_E(t('run_files', lang))}</h3><ul>{''.join(items)}</ul></section>")
    return "".join(parts)


def _setting_rows(settings: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    t = labels.text
    rows: list[tuple[str, str]] = []
    if settings.get("as_of"):
        rows.append((t("as_of", lang), str(settings["as_of"])))
    coverage = settings.get("coverage") or {}
    if coverage.get("model"):
        rows.append((t("model", lang), str(coverage["model"])))
    service = settings.get("service") or {}
    radios = service.get("radios") or []
    rows.append((t("radios_counted", lang), ", ".join(map(str, radios)) or t("all", lang)))
    operators = service.get("operators") or []
    rows.append((t("operators_counted", lang), ", ".join(map(str, operators)) or t("all", lang)))
    sunsets = settings.get("sunsets_applied") or {}
    if sunsets:
        rows.append(
            (
                t("sunsets_applied", lang),
                "; ".join(
                    t("sunset_entry", lang, what=k, date=v) for k, v in sorted(sunsets.items())
                ),
            )
        )
    analysis = settings.get("analysis") or {}
    if analysis.get("resolution_m"):
        rows.append(
            (t("grid", lang), f"{labels.format_number(analysis['resolution_m'], 0, lang)} m")
        )
    th = analysis.get("thresholds") or {}
    if th:
        rows.append(
            (
                labels.column_label("status", lang),
                t("thresholds_note", lang, dead=th["dead_zone"], covered=th["covered"]),
            )
        )
    outputs = settings.get("outputs") or {}
    if outputs.get("lang"):
        rows.append((t("language", lang), str(outputs["lang"])))
    return rows


def _run_section(run: RunRecord, lang: str) -> str:
    t = labels.text
    stamp = run.stamp
    rows = [
        (t("run_date", lang), stamp.day.isoformat()),
        (t("version", lang), stamp.version),
        *_setting_rows(run.settings, lang),
    ]
    dl = "".join(f"<dt>{_E(k)}</dt><dd>{_E(v)}</dd>" for k, v in rows)
    inputs = []
    for entry in run.inputs:
        digest = entry.get("sha256")
        shown = (
            f'<code title="{_E(str(digest), quote=True)}">{_E(str(digest)[:16])}…</code>'
            if digest
            else _E(str(entry.get("note", "—")))
        )
        inputs.append(
            f"<tr><td>{_E(str(entry.get('setting', '')))}</td>"
            f"<td><code>{_E(str(entry.get('path', '')))}</code></td>"
            f'<td class="num">{_E(_size(entry.get("bytes"), lang))}</td><td>{shown}</td></tr>'
        )
    table = (
        f"<h3>{_E(t('inputs_heading', lang))}</h3><table class='cg-inputs'><thead><tr>"
        f"<th>{_E(t('setting', lang))}</th><th>{_E(t('file', lang))}</th>"
        f"<th class='num'>{_E(t('size', lang))}</th><th>{_E(t('sha256', lang))}</th>"
        f"</tr></thead><tbody>{''.join(inputs)}</tbody></table>"
        if inputs
        else ""
    )
    settings = json.dumps(run.settings, ensure_ascii=False, indent=2, default=str)
    return (
        f'<section id="run"><h2>{_E(t("run_heading", lang))}</h2><dl>{dl}</dl>{table}'
        f"<details><summary>{_E(t('settings_heading', lang))}</summary>"
        f"<pre>{_E(settings)}</pre></details></section>"
    )


def _notes_section(run: RunRecord, lang: str) -> str:
    if not run.notes:
        return ""
    items = "".join(f"<li>{_E(n)}</li>" for n in run.notes)
    heading = _E(labels.text("notes_heading", lang))
    return f'<section id="notes"><h2>{heading}</h2><ul>{items}</ul></section>'


def _outline_note(run: RunRecord, lang: str) -> str:
    layer = ((run.settings.get("inputs") or {}).get("province_layer") or {}).get("path")
    if layer:
        return labels.text("outline_layer", lang, file=Path(str(layer)).name)
    return labels.text("outline_villages", lang)


def index_data(
    run: RunRecord,
    areas: Sequence[RunArea | None],
    files_of: Sequence[list[tuple[str, str, Path]]],
    *,
    measure: str,
    lang: str,
) -> dict[str, Any]:
    """The map's data (plain JSON values): provinces with outlines, classes and texts;
    ``areas`` and their files (``files_of``) are aligned with the run's summary."""
    summary = run.summary
    values = pd.to_numeric(summary[measure], errors="coerce").to_numpy(dtype="f8")
    breaks = class_breaks(values.tolist())
    colours = [NONE_COLOUR, *CLASS_COLOURS[: len(breaks)]]
    cols = _table_columns(summary, measure)
    provinces = []
    missing: list[str] = []  # the provinces not drawn, named under the map
    bounds: list[float] | None = None
    for i, (area, files, row) in enumerate(
        zip(areas, files_of, summary.to_dict("records"), strict=True)
    ):
        geom = None if area is None or area.outline is None else shapely.from_wkb(area.outline)
        encoded = None if geom is None else encode_geometry(geom)
        if area is None or geom is None or encoded is None:
            missing.append(str(row.get("province", "")))
            continue
        x0, y0, x1, y1 = geom.bounds
        bounds = (
            [x0, y0, x1, y1]
            if bounds is None
            else [min(bounds[0], x0), min(bounds[1], y0), max(bounds[2], x1), max(bounds[3], y1)]
        )
        cls = _class_of(values[i], breaks)
        at = geom.representative_point()
        provinces.append(
            {
                "name": str(row.get("province", area.name)),
                "slug": area.slug,
                "geom": encoded,
                "at": [float(at.y), float(at.x)],
                "colour": NO_DATA_COLOUR if cls < 0 else colours[cls],
                "value": _figure(values[i], measure, lang),
                "rows": [
                    [labels.column_label(c, lang), _figure(row.get(c), c, lang)] for c in cols
                ],
                "links": [[label, p.name] for k, label, p in files if k != "file_style"],
            }
        )
    legend = [{"colour": NONE_COLOUR, "label": labels.format_number(0, 0, lang)}]
    legend += [
        {"colour": c, "label": lab}
        for c, lab in zip(CLASS_COLOURS, _class_labels(breaks, lang), strict=False)
    ]
    if np.isnan(values).any():
        legend.append({"colour": NO_DATA_COLOUR, "label": labels.text("no_data", lang)})
    b = bounds or [102.0, 8.0, 110.0, 23.5]
    from coverage_gaps.outputs.webmap import QUANTUM_DEG

    return {
        "lang": lang,
        "quantum": QUANTUM_DEG,
        "measure": labels.text(f"measure_{measure}", lang),
        "provinces": provinces,
        "legend": legend,
        "outline_note": _outline_note(run, lang),
        "missing_note": (
            labels.text("not_on_map", lang, n=len(missing), names=", ".join(missing))
            if missing
            else ""
        ),
        "bounds": [[b[1], b[0]], [b[3], b[2]]],
        "bases": base_layers(lang),
        "attribution": attribution_html(lang),
        "text": {
            "legend": labels.text("legend", lang),
            "open": labels.text("main_files", lang),
        },
    }


def index_page(run: RunRecord, *, lang: str | None = None) -> str:
    """The whole ``index.html`` of ``run``, as text (see the module's docstring)."""
    lang = lang or run.lang
    t = labels.text
    areas: list[RunArea | None] = list(run.areas)
    named = {a.name: a for a in run.areas}
    if len(areas) != len(run.summary):  # a record made by hand: match by name
        areas = [named.get(str(n)) for n in run.summary["province"]]
    files_of = [[] if a is None else _area_files(a, lang) for a in areas]
    summary = run.summary
    measure = _measure(summary)
    stamp = run.stamp

    def total(col: str) -> float:
        return float(pd.to_numeric(summary.get(col, pd.Series(dtype="f8")), errors="coerce").sum())

    intro = t(
        "index_intro",
        lang,
        provinces=labels.format_number(len(summary), 0, lang),
        villages=labels.format_number(total("villages"), 0, lang),
        dead=labels.format_number(total("dead_zone"), 0, lang),
        partial=labels.format_number(total("partial"), 0, lang),
    )
    if measure == "uncovered_population":
        intro += " " + t(
            "index_people",
            lang,
            people=labels.format_number(total("uncovered_population"), 0, lang),
        )
    body = (
        f"<header><h1>{_E(t('index_title', lang))}</h1>"
        f'<p class="cg-stamp">{_E(stamp.text(lang))}</p><p>{_E(intro)}</p>'
        f'<p class="cg-how">{_E(t("index_how", lang))}</p></header>'
        f'<section id="national"><h2>{_E(t("map_heading", lang))}: '
        f"{_E(t(f'measure_{measure}', lang))}</h2>"
        f'<div id="map" role="img" aria-label="{_E(t(f"measure_{measure}", lang), quote=True)}">'
        f"</div><noscript>{_E(t('index_how', lang))}</noscript></section>"
        f'<section id="summary"><h2>{_E(t("by_province", lang))}</h2>'
        f"{_summary_table(run, areas, files_of, measure, lang)}</section>"
        f"{_files_section(run, areas, files_of, lang)}{_run_section(run, lang)}"
        f"{_notes_section(run, lang)}"
        f"<footer><p>{_E(stamp.text(lang))}</p>"
        f"<p>{_E(t('software', lang, version=leaflet_asset().version))}</p></footer>"
    )
    leaflet = leaflet_asset()
    title = f"{t('index_title', lang)} – {stamp.day.isoformat()}"
    parts = {
        "LANG": _E(lang),
        "TITLE": _E(title),
        "LICENCES": comment_text(
            f"{leaflet.name} {leaflet.version}, from the Python package {leaflet.source} "
            f"({leaflet.licence}):\n\n{leaflet.licence_text}"
        ),
        "LEAFLET_CSS": safe_raw_text(leaflet.css, "style"),
        "PAGE_CSS": safe_raw_text(own_asset("index.css"), "style"),
        "BODY": body,
        "LEAFLET_JS": safe_raw_text(leaflet.js, "script"),
        "PAGE_JS": safe_raw_text(own_asset("common.js") + own_asset("index.js"), "script"),
        "DATA": json_for_script(index_data(run, areas, files_of, measure=measure, lang=lang)),
    }
    # One pass over the template: text put in is never searched again.
    return re.sub(r"%%([A-Z_]+)%%", lambda m: parts[m[1]], own_asset("index.html"))


def write_index(run: RunRecord) -> list[Path]:
    """``index.html`` in the run's folder, in the run's language."""
    path = run.folder / INDEX_FILE
    page = index_page(run)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(page, encoding="utf-8")
    return [path]
