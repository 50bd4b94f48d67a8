"""The interactive map of one area: one self-contained HTML file that works without internet.

Everything the page needs is inside it: Leaflet (from the ``django-js-lib-leaflet`` package,
BSD-2-Clause, its licence text kept in the page), the page's own script and style
(``assets/map.js``, ``assets/map.css``), the data as one JSON block and the rasters as PNG data
URLs.  The street and photo base maps are optional tiles that need internet; offline the page
draws its own base: the communes' outlines (:attr:`AreaResult.communes`, or the polygon villages'
own outlines) and the communes' names, and says which of them it has (:func:`offline_base`).

Hostile names are text.  Nothing a user's file holds (a village, commune, province or operator
name) is ever written into the page as HTML: the data block is JSON with ``<``, ``>`` and ``&``
escaped, so it cannot close its ``<script>``; the page's script puts every text into the DOM
with ``textContent``; the few HTML strings Leaflet takes (layer names, attributions) are the
program's own words, escaped.

Layers: villages coloured by status (tooltip: name, id, priority, commune, status, reason,
figures), dead-zone land (the electrified cells without signal, hatched), the coverage, the
signal per technology in classes from the link budget's threshold (good / usable / none),
sites coloured by operator (small below :data:`SITES_FULL_ZOOM`), the communes (when there are
outlines or names to draw), the analysis area.  Each layer's legend shows only while the layer is
on.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import html
import json
import re
import struct
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps.network import GENERATIONS
from coverage_gaps.outputs import labels
from coverage_gaps.outputs.atomic import atomic_path

if TYPE_CHECKING:
    from coverage_gaps.coverage.linkbudget import LinkBudget
    from coverage_gaps.grid import AnalysisGrid
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = [
    "GOOD_MARGIN_DB",
    "OPERATOR_COLOURS",
    "SIGNAL_COLOURS",
    "SITES_FULL_ZOOM",
    "STATUS_COLOURS",
    "MapAsset",
    "SignalClasses",
    "attribution_html",
    "base_layers",
    "class_image",
    "comment_text",
    "encode_geometry",
    "json_for_script",
    "leaflet_asset",
    "legend_row",
    "map_data",
    "map_page",
    "offline_base",
    "operator_colour",
    "own_asset",
    "png_data_url",
    "png_palette",
    "quantized",
    "render_page",
    "safe_raw_text",
    "signal_classes",
    "simplify_outlines",
    "write_area_map",
    "write_map",
]

#: Fill colour of each status.
STATUS_COLOURS: Mapping[str, str] = {
    "dead_zone": "#d7191c",
    "partial": "#fdae61",
    "covered": "#1a9641",
    "not_electrified": "#9e9e9e",
}
#: Fill opacity of village points of each status: villages without electricity are the power
#: company's task first, so they recede.
STATUS_OPACITY: Mapping[str, float] = {
    "dead_zone": 0.9,
    "partial": 0.9,
    "covered": 0.85,
    "not_electrified": 0.5,
}
#: Statuses in drawing order: dead zones last, on top of their neighbours.
STATUS_ORDER: tuple[str, ...] = ("not_electrified", "covered", "partial", "dead_zone")

#: One colour per named operator, the same on every map.  No reds, oranges, greens, greys or
#: light blues: those mean statuses, coverage and signal here.
OPERATOR_COLOURS: Mapping[str, str] = {
    "Viettel": "#6a3d9a",
    "VinaPhone": "#e7298a",
    "MobiFone": "#8c510a",
    "Vietnamobile": "#01665e",
    "Gmobile": "#1f1f1f",
}
#: Colours of the other operators, picked by a hash of the name (stable across maps and runs).
HASH_COLOURS: tuple[str, ...] = (
    "#762a83",
    "#c51b7d",
    "#543005",
    "#35978f",
    "#4b2991",
    "#8e0152",
    "#003c30",
    "#9970ab",
)

#: Dead-zone land: dark stripes (drawn hatched; the colour of the stripes and outline).
DEAD_LAND_COLOUR = "#67000d"
#: Coverage (any counted service): RGBA of the image.
COVERAGE_RGBA = (49, 130, 189, 110)
#: Signal classes: colour of good, usable and no service.
SIGNAL_COLOURS: Mapping[str, str] = {"good": "#08519c", "usable": "#6baed6", "none": "#d9d9d9"}
SIGNAL_ALPHA = {"good": 170, "usable": 150, "none": 120}
#: "Good" signal: this much above the link budget's service threshold.
GOOD_MARGIN_DB = 15.0
#: What the predicted signal of each technology is (the quantity the threshold is on).
SIGNAL_MEASURES: Mapping[str, str] = {
    "GSM": "RxLev",
    "UMTS": "RSCP",
    "LTE": "RSRP",
    "NR": "SS-RSRP",
    "CDMA": "Ec",
}
#: Sites are drawn at full size from this zoom (small and light below, so that at province zoom
#: they do not bury the villages' statuses).
SITES_FULL_ZOOM = 11
#: Commune names are written from this zoom; village names from :data:`VILLAGE_LABEL_ZOOM`.
COMMUNE_LABEL_ZOOM = 9
VILLAGE_LABEL_ZOOM = 13
#: Largest side of an image overlay, in pixels.
MAX_IMAGE_SIDE = 2048
#: Coordinates are written as integers of this many degrees (about 1 m).
QUANTUM_DEG = 1e-5

_ASSETS = "assets"


# --------------------------------------------------------------------------------------------
# Colours and classes


def operator_colour(name: str) -> str:
    """The colour of an operator's sites: fixed for the named operators
    (:data:`OPERATOR_COLOURS`), else one of :data:`HASH_COLOURS` chosen by a hash of the name."""
    fixed = OPERATOR_COLOURS.get(name)
    if fixed is not None:
        return fixed
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return HASH_COLOURS[int.from_bytes(digest[:4], "big") % len(HASH_COLOURS)]


@dataclass(frozen=True)
class SignalClasses:
    """The signal classes of one technology.

    Attributes
    ----------
    radio
        ``"LTE"``, ``"GSM"``, ...
    measure
        What the signal is (``"RSRP"``, ``"RxLev"``, ...).
    usable_dbm
        The link budget's service threshold: at or above it the signal is usable.
    good_dbm
        At or above it the signal is good (``usable_dbm + GOOD_MARGIN_DB``).
    """

    radio: str
    measure: str
    usable_dbm: float
    good_dbm: float

    def classify(self, signal: np.ndarray) -> np.ndarray:
        """uint8 classes: 0 no prediction (NaN), 1 no service, 2 usable, 3 good."""
        out = np.zeros(signal.shape, dtype=np.uint8)
        finite = np.isfinite(signal)
        out[finite] = 1
        out[finite & (signal >= self.usable_dbm)] = 2
        out[finite & (signal >= self.good_dbm)] = 3
        return out


def signal_classes(radio: str, budget: LinkBudget | None = None) -> SignalClasses:
    """The classes of ``radio``'s signal from ``budget`` (default: the built-in budget)."""
    if budget is None:
        from coverage_gaps.coverage.linkbudget import default_link_budget

        budget = default_link_budget()
    usable = float(budget[radio].threshold_dbm)
    return SignalClasses(
        radio, SIGNAL_MEASURES.get(radio, "signal"), usable, usable + GOOD_MARGIN_DB
    )


# --------------------------------------------------------------------------------------------
# Numbers and geometry as the page wants them


_GENERATION: dict[str, str] = {str(k): v for k, v in GENERATIONS.items()}


T = TypeVar("T")


def _per_value(values: Any, fn: Callable[[Any], T]) -> list[T]:
    """``fn`` of each of ``values``, worked out once per distinct value (a province's
    thousands of sites share a few sets of radios and ranges)."""
    codes, uniques = pd.factorize(pd.Series(values), use_na_sentinel=False)
    done = [fn(u) for u in uniques]
    return [done[c] for c in codes.tolist()]


def simplify_outlines(polygons: np.ndarray, tolerance_m: float) -> np.ndarray:
    """``polygons`` simplified by ``tolerance_m``: plain Douglas-Peucker (several times as fast
    as GEOS's topology-preserving simplification), and the topology-preserving one for the
    polygons that it shrinks or grows by more than 5 % or of which it drops a part (an islet
    smaller than the tolerance collapses under Douglas-Peucker)."""
    quick = shapely.simplify(polygons, tolerance_m, preserve_topology=False)
    before = shapely.area(polygons)
    redo = (np.abs(shapely.area(quick) - before) > 0.05 * before) | (
        shapely.get_num_geometries(quick) < shapely.get_num_geometries(polygons)
    )
    if redo.any():
        quick[redo] = shapely.simplify(polygons[redo], tolerance_m)
    return np.asarray(quick)


def _light(geoms: gpd.GeoSeries, tolerance_m: float, metric_crs: Any) -> np.ndarray:
    """Simplified by ``tolerance_m`` in ``metric_crs`` (:func:`simplify_outlines`), in
    EPSG:4326."""
    if not len(geoms):
        return np.asarray(geoms.values)
    metric = np.asarray(geoms.to_crs(metric_crs).values)
    simple = gpd.GeoSeries(simplify_outlines(metric, tolerance_m), crs=metric_crs)
    return np.asarray(simple.to_crs(4326).values)


def _ring(coords: np.ndarray) -> list[int]:
    """A ring as flat integer deltas of :data:`QUANTUM_DEG` (first pair absolute), without its
    closing point and repeated points."""
    q = np.round(coords[:, :2] / QUANTUM_DEG).astype(np.int64)
    if len(q) > 1 and (q[0] == q[-1]).all():
        q = q[:-1]
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = (q[1:] != q[:-1]).any(axis=1)
    q = q[keep]
    if len(q) < 3:
        return []
    d = q.copy()
    d[1:] -= q[:-1]
    flat: list[int] = d.ravel().tolist()
    return flat


def encode_geometry(geom: Any) -> list[Any] | None:
    """A point as ``[x, y]``, a (multi)polygon as polygons of rings (:func:`_ring`); ``None``
    for an empty or other geometry."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "Point":
        return [round(geom.x / QUANTUM_DEG), round(geom.y / QUANTUM_DEG)]
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        polys = []
        for poly in shapely.get_parts(geom):
            rings = [_ring(np.asarray(poly.exterior.coords))]
            if not rings[0]:
                continue
            rings += [r for r in (_ring(np.asarray(i.coords)) for i in poly.interiors) if r]
            polys.append(rings)
        return polys or None
    if geom.geom_type == "MultiPoint" or geom.geom_type == "GeometryCollection":
        return encode_geometry(geom.representative_point())
    return None


def quantized(values: Any) -> list[int]:
    """Degrees as whole multiples of :data:`QUANTUM_DEG` (the pages' compact coordinates)."""
    out: list[int] = (
        np.round(np.asarray(values, dtype="f8") / QUANTUM_DEG).astype(np.int64).tolist()
    )
    return out


# --------------------------------------------------------------------------------------------
# Images


def png_palette(indices: np.ndarray, palette: Sequence[tuple[int, int, int, int]]) -> bytes:
    """An indexed-colour PNG of ``indices`` (uint8, 2-D) with an RGBA ``palette``."""
    indices = np.ascontiguousarray(indices, dtype=np.uint8)
    if indices.ndim != 2 or not 1 <= len(palette) <= 256:
        raise ValueError("png_palette wants a 2-D uint8 array and 1 to 256 colours")
    if int(indices.max(initial=0)) >= len(palette):
        raise ValueError(f"index {int(indices.max())} has no colour in a {len(palette)}-palette")
    height, width = indices.shape
    raw = np.zeros((height, width + 1), dtype=np.uint8)  # filter byte 0 on every row
    raw[:, 1:] = indices

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)),
            chunk(b"PLTE", bytes(c for r, g, b, _ in palette for c in (r, g, b))),
            chunk(b"tRNS", bytes(a for *_, a in palette)),
            chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)),
            chunk(b"IEND", b""),
        )
    )


def class_image(classes: np.ndarray, grid: AnalysisGrid) -> tuple[np.ndarray, list[list[float]]]:
    """uint8 ``classes`` (0 = transparent) reprojected to Web Mercator (nearest), at most
    :data:`MAX_IMAGE_SIDE` a side, and its lat/lon bounds ``[[south, west], [north, east]]``."""
    from rasterio.enums import Resampling
    from rasterio.warp import calculate_default_transform, reproject, transform_bounds

    from coverage_gaps.grid import step_threads

    xmin, ymin, xmax, ymax = grid.bounds
    transform, width, height = calculate_default_transform(
        grid.crs, "EPSG:3857", grid.width, grid.height, xmin, ymin, xmax, ymax
    )
    scale = max(width, height) / MAX_IMAGE_SIDE
    if scale > 1:
        transform = transform * transform.scale(scale, scale)
        width, height = int(np.ceil(width / scale)), int(np.ceil(height / scale))
    dest = np.zeros((height, width), dtype=np.uint8)
    reproject(
        source=np.ascontiguousarray(classes, dtype=np.uint8),
        destination=dest,
        src_transform=grid.transform,
        src_crs=grid.crs,
        dst_transform=transform,
        dst_crs="EPSG:3857",
        src_nodata=0,
        dst_nodata=0,
        resampling=Resampling.nearest,
        num_threads=step_threads(),
    )
    west, north = transform.c, transform.f
    east, south = west + transform.a * width, north + transform.e * height
    lon0, lat0, lon1, lat1 = transform_bounds("EPSG:3857", "EPSG:4326", west, south, east, north)
    return dest, [[lat0, lon0], [lat1, lon1]]


def _rgba(colour: str, alpha: int) -> tuple[int, int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha


def png_data_url(png: bytes) -> str:
    """A PNG inlined as a ``data:`` URL (the page needs no file beside it)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# --------------------------------------------------------------------------------------------
# Inlined assets


@dataclass(frozen=True)
class MapAsset:
    """A script or style sheet inlined into the page, with where it came from and its licence.

    Attributes
    ----------
    name, version
        ``"Leaflet"``, ``"1.9.4"``.
    source
        The package it was taken from.
    licence
        SPDX identifier.
    licence_text
        The licence as the package ships it.
    js, css
        The code.
    """

    name: str
    version: str
    source: str
    licence: str
    licence_text: str
    js: str
    css: str


@functools.cache
def leaflet_asset() -> MapAsset:
    """Leaflet's script and style sheet from the ``django-js-lib-leaflet`` package, its icons
    inlined as data URLs and its source-map line dropped."""
    dist = "django-js-lib-leaflet"
    folder = resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"
    js = (folder / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", js)
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(m: re.Match[str]) -> str:
        data = (folder / "images" / m[1]).read_bytes()
        return f"url({png_data_url(data)})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    found = re.search(r"Leaflet (\d+\.\d+\.\d+)", js[:400])
    version = found[1] if found else metadata.version(dist)
    try:
        licence_text = metadata.distribution(dist).read_text("LICENSE") or ""
    except (FileNotFoundError, metadata.PackageNotFoundError):  # pragma: no cover
        licence_text = ""
    if "BSD" not in licence_text:  # pragma: no cover - a repackaging without the file
        licence_text = js[: js.index("*/") + 2]
    return MapAsset("Leaflet", version, dist, "BSD-2-Clause", licence_text, js, css)


def own_asset(name: str) -> str:
    """The text of one of the package's own page assets (script or style) by file name."""
    return (resources.files("coverage_gaps.outputs") / _ASSETS / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# The page's data


def offline_base(
    commune_geom: Sequence[Any], village_geom: Sequence[Any], commune_names: Sequence[str]
) -> str:
    """What the page draws as its own base, as the key of its words (``offline_base_<key>``):
    ``"communes"`` (commune outlines), else ``"villages"`` (the polygon villages' own outlines),
    else nothing, each followed by ``"_names"`` when commune names are written; ``"names"``
    (names only) and ``"none"`` (neither) without any outline.

    ``commune_geom`` and ``village_geom`` are the page's encoded geometries
    (:func:`encode_geometry`: a point is ``[x, y]``), ``commune_names`` the names to write.
    """
    if commune_geom:
        outlines = "communes"
    elif any(g is not None and not isinstance(g[0], int) for g in village_geom):
        outlines = "villages"
    else:
        outlines = ""
    named = any(commune_names)
    if not outlines:
        return "names" if named else "none"
    return f"{outlines}_names" if named else outlines


def _base_words(base: str, lang: str) -> tuple[str | None, list[dict[str, str]]]:
    """The name of the layer of the page's own ``base`` (:func:`offline_base`) in the layer
    list (``None``: there is no such layer) and its legend rows (a line for outlines)."""
    if base.startswith("communes"):
        name = labels.text("communes_layer", lang)
        return name, [legend_row("line", "#6d6d6d", name)]
    if base.startswith("villages"):
        line = legend_row("line", "#6d6d6d", labels.text("base_layer_villages", lang))
        return labels.text(f"base_layer_{base}", lang), [line]
    if base == "names":
        return labels.text("base_layer_names", lang), []
    return None, []


def _texts(lang: str, base: str) -> dict[str, str]:
    """The page's own words; ``base`` says what it draws offline (:func:`offline_base`)."""
    keys = (
        "legend",
        "search",
        "no_match",
        "layers",
        "site",
        "cells",
        "range",
        "none",
        "radios",
    )
    out = {k: labels.text(k, lang) for k in keys}
    drawn = labels.text(f"offline_base_{base}", lang)
    out["offline_note"] = labels.text("offline_note", lang, base=drawn)
    out["offline_banner"] = labels.text("offline_banner", lang, base=drawn)
    for col in ("village_id", "commune", "operator_names", "priority"):
        out[col] = labels.column_label(col, lang)
    return out


def _village_rows(v: gpd.GeoDataFrame, lang: str) -> tuple[list[str], list[list[str]], int]:
    """The tooltip's rows: their labels, per village the values as text, and which row is the
    status."""
    cols: list[tuple[str, Any]] = [
        ("village_id", lambda r: str(r["village_id"])),
        ("priority", lambda r: labels.format_number(r["priority"], 0, lang)),
        ("commune", lambda r: str(r["commune"])),
        ("status", lambda r: labels.status_label(str(r["status"]), lang)),
        ("reason", lambda r: labels.reasons_text(r["reason"], lang) or "—"),
        ("covered_share", lambda r: labels.format_percent(r["covered_share"], lang)),
        (
            "uncovered_electrified_km2",
            lambda r: labels.format_number(r["uncovered_electrified_km2"], 2, lang),
        ),
    ]
    if "population" in v and v["population"].notna().any():
        cols += [
            ("population", lambda r: labels.format_number(r["population"], 0, lang)),
            (
                "uncovered_population",
                lambda r: labels.format_number(r["uncovered_population"], 0, lang),
            ),
        ]
    if "best_signal_dbm" in v and v["best_signal_dbm"].notna().any():
        cols.append(
            ("best_signal_dbm", lambda r: labels.format_number(r["best_signal_dbm"], 0, lang))
        )
    cols.append(
        (
            "operator_names",
            lambda r: (
                ", ".join(p for p in str(r["operator_names"] or "").split(";") if p)
                or labels.text("none", lang)
            ),
        )
    )
    if "nearest_site_m" in v:
        cols.append(
            ("nearest_site_m", lambda r: labels.format_number(r["nearest_site_m"], 0, lang))
        )
    # the evidence behind the verdict, and an official's check when there is one
    cols += [
        ("serving_sites", lambda r: labels.format_number(r["serving_sites"], 0, lang)),
        ("best_site_id", lambda r: "—" if r["best_site_id"] is None else str(r["best_site_id"])),
        ("evidence_samples", lambda r: labels.format_number(r["evidence_samples"], 0, lang)),
        ("last_seen", lambda r: str(r["last_seen"] or "—")),
        (
            "confidence",
            lambda r: (
                labels.text(f"confidence_{r['confidence']}", lang) if r["confidence"] else "—"
            ),
        ),
    ]
    if "status_source" in v and (v["status_source"] == "field").any():
        cols += [
            ("model_status", lambda r: labels.status_label(str(r["model_status"]), lang)),
            ("checked_on", lambda r: str(r["checked_on"] or "—")),
            ("checked_by", lambda r: str(r["checked_by"] or "—")),
            ("check_operator", lambda r: str(r["check_operator"] or "—")),
            ("check_technology", lambda r: str(r["check_technology"] or "—")),
        ]
    present = [(k, f) for k, f in cols if k in v]
    clean = v.astype(object).where(v.notna(), None)
    rows = [[f(r) for _, f in present] for r in clean.to_dict("records")]
    keys = [k for k, _ in present]
    return [labels.column_label(k, lang) for k in keys], rows, keys.index("status")


def legend_row(kind: str, colour: str, label: str) -> dict[str, str]:
    """One row of a page's legend: its swatch kind, colour and label."""
    return {"kind": kind, "colour": colour, "label": label}


def attribution_html(lang: str) -> str:
    """The map's data credits, as HTML (the program's own words only)."""
    return (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
        f"contributors | {html.escape(labels.text('towers_attribution', lang))} &copy; "
        '<a href="https://opencellid.org">OpenCelliD</a>, '
        '<a href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>'
    )


def base_layers(lang: str) -> list[dict[str, Any]]:
    """The tile base maps (need internet) and the offline choice."""
    import xyzservices.providers as xyz

    osm, photo = xyz.OpenStreetMap.Mapnik, xyz.Esri.WorldImagery
    return [
        {
            "name": labels.text("base_osm", lang),
            "url": osm.build_url(),
            "attribution": "",  # OpenStreetMap is credited on every map
            "max_zoom": int(osm.get("max_zoom") or 19),
        },
        {
            "name": labels.text("base_imagery", lang),
            "url": photo.build_url(),
            "attribution": photo.html_attribution,
            "max_zoom": int(photo.get("max_zoom") or 18),
        },
        {"name": labels.text("base_none", lang), "url": None, "attribution": "", "max_zoom": 19},
    ]


def _commune_labels(
    result: AreaResult, villages: gpd.GeoDataFrame, area: Any
) -> tuple[list[str], list[int], list[int], gpd.GeoSeries | None]:
    """Commune names, where to write them, and their outlines when known (those that meet the
    analysis ``area``, a lon/lat polygon: a country's layer may be given for every province)."""
    communes = result.communes
    if communes is not None and len(communes):
        communes = communes.to_crs(4326)
        communes = communes.iloc[communes.sindex.query(area, predicate="intersects")]
        communes = communes.sort_index()
        at = communes.geometry.representative_point()
        names = [str(n) for n in communes["name"].fillna("")]
        return names, quantized(at.x), quantized(at.y), communes.geometry
    frame = pd.DataFrame(
        {
            "commune": villages["commune"].fillna("").astype(str),
            "lon": villages["lon"],
            "lat": villages["lat"],
        }
    )
    frame = frame[frame["commune"] != ""]
    mean = frame.groupby("commune", sort=True)[["lon", "lat"]].mean()
    return [str(n) for n in mean.index], quantized(mean["lon"]), quantized(mean["lat"]), None


def map_data(
    result: AreaResult,
    *,
    lang: str = "vi",
    made: dt.date | None = None,
    version: str | None = None,
    index: str | None = None,
) -> dict[str, Any]:
    """The page's data (plain JSON values): texts, layers, legend rows and images.

    Every text is plain text for ``textContent`` except ``attribution`` and the base maps'
    attributions, which are the program's own HTML.  ``made`` and ``version`` are stamped on
    the map (default: today, the installed version); ``index``, a file name beside the map,
    is linked as the way back to the run's front page.
    """
    from coverage_gaps import __version__

    made = made or dt.date.today()
    version = version or __version__
    grid = result.grid
    tolerance = max(grid.resolution / 2, 20.0)

    # Villages, dead zones last.
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    v = result.villages
    rank = v["status"].map(order).fillna(len(order)).to_numpy()
    v = v.iloc[np.argsort(rank, kind="stable")]
    statuses = list(STATUS_COLOURS)
    status_index = {s: i for i, s in enumerate(statuses)}
    fields, rows, status_field = _village_rows(v, lang)
    geoms = [encode_geometry(g) for g in _light(v.geometry, tolerance, grid.crs)]
    points = [encode_geometry(shapely.Point(x, y)) for x, y in zip(v["lon"], v["lat"], strict=True)]
    village_geom = [g if g is not None else p for g, p in zip(geoms, points, strict=True)]
    villages = {
        "name": [str(x) for x in v["village_name"].fillna("")],
        "id": [str(x) for x in v["village_id"].fillna("")],
        "commune": [str(x) for x in v["commune"].fillna("")],
        "status": [status_index.get(str(s), 0) for s in v["status"]],
        "priority": [None if pd.isna(p) else int(p) for p in v["priority"]],
        "lon": quantized(v["lon"]),
        "lat": quantized(v["lat"]),
        "geom": village_geom,
        "fields": fields,
        "rows": rows,
        "status_field": status_field,
    }

    # Communes (the offline base).
    gx0, gy0, gx1, gy1 = grid.bounds
    area = gpd.GeoSeries([shapely.box(gx0, gy0, gx1, gy1)], crs=grid.crs).to_crs(4326)
    c_names, c_lon, c_lat, c_geoms = _commune_labels(result, result.villages, area.iloc[0])
    commune_geom: list[Any] = []
    if c_geoms is not None:
        commune_geom = [
            g for g in (encode_geometry(g) for g in _light(c_geoms, tolerance, grid.crs)) if g
        ]
    communes = {"name": c_names, "lon": c_lon, "lat": c_lat, "geom": commune_geom}
    base = offline_base(commune_geom, village_geom, c_names)
    base_layer, base_legend = _base_words(base, lang)

    # Dead-zone land.
    dead_geom: list[Any] = []
    dz = result.dead_zones
    if len(dz):
        dead_geom = [
            g for g in (encode_geometry(g) for g in _light(dz.geometry, tolerance, grid.crs)) if g
        ]

    # Sites.
    s = result.sites
    site_ops = s["operator"].astype(str) if len(s) else pd.Series([], dtype=str)
    operators = sorted(pd.unique(site_ops))
    sites = {
        "lon": quantized(s["lon"]) if len(s) else [],
        "lat": quantized(s["lat"]) if len(s) else [],
        "op": pd.Index(operators).get_indexer(site_ops).tolist(),
        "radios": _per_value(
            s["radios"],
            lambda r: ", ".join(f"{p} ({_GENERATION.get(p, '?')})" for p in str(r).split(";") if p),
        ),
        "cells": [int(c) for c in s["cells"]] if "cells" in s else [],
        "range": _per_value(
            s["range_m"], lambda r: labels.format_number(r, 0, lang) + " m" if pd.notna(r) else "—"
        )
        if "range_m" in s
        else [],
    }
    ops = [{"name": o, "colour": operator_colour(o)} for o in operators]

    # Images: coverage, then the signal of each technology in classes.
    images: list[dict[str, Any]] = []
    covered = (result.coverage.serving != 0).astype(np.uint8)
    img, bounds = class_image(covered, grid)
    images.append(
        {
            "id": "coverage",
            "name": labels.text("coverage_layer", lang),
            "png": png_data_url(png_palette(img, [(0, 0, 0, 0), COVERAGE_RGBA])),
            "bounds": bounds,
            "visible": True,
            "legend": [
                legend_row(
                    "fill",
                    "rgba({},{},{},0.45)".format(*COVERAGE_RGBA[:3]),
                    labels.text("coverage_layer", lang),
                )
            ],
        }
    )
    for radio, signal in (result.coverage.signal_by_radio or {}).items():
        if signal is None or not np.isfinite(signal).any():
            continue
        cls = signal_classes(radio, result.link_budget)
        img, bounds = class_image(cls.classify(signal), grid)
        palette = [(0, 0, 0, 0)] + [
            _rgba(SIGNAL_COLOURS[k], SIGNAL_ALPHA[k]) for k in ("none", "usable", "good")
        ]
        words = {
            "measure": cls.measure,
            "usable": labels.format_number(cls.usable_dbm, 0, lang),
            "good": labels.format_number(cls.good_dbm, 0, lang),
        }
        images.append(
            {
                "id": f"signal-{radio.lower()}",
                "name": labels.text(
                    "signal_radio_layer",
                    lang,
                    radio=radio,
                    generation=_GENERATION.get(radio, ""),
                ),
                "png": png_data_url(png_palette(img, palette)),
                "bounds": bounds,
                "visible": False,
                "legend": [
                    legend_row("fill", SIGNAL_COLOURS[k], labels.text(f"signal_{k}", lang, **words))
                    for k in ("good", "usable", "none")
                ],
            }
        )

    ax0, ay0, ax1, ay1 = area.total_bounds
    b = result.villages.total_bounds
    n_dead = int((result.villages["status"] == "dead_zone").sum())
    return {
        "lang": lang,
        "area": str(result.name),
        "title": f"{result.name} – {labels.text('title', lang)}",
        "subtitle": labels.text("village_count", lang, villages=len(v), dead=n_dead),
        "stamp": labels.text("generated", lang, version=version, date=made.isoformat()),
        "software": labels.text("software", lang, version=leaflet_asset().version),
        "index": None if index is None else {"href": index, "label": labels.text("to_index", lang)},
        "text": _texts(lang, base),
        "bounds": [[float(b[1]), float(b[0])], [float(b[3]), float(b[2])]],
        "area_bounds": [[float(ay0), float(ax0)], [float(ay1), float(ax1)]],
        "quantum": QUANTUM_DEG,
        "statuses": [
            {
                "key": k,
                "label": labels.status_label(k, lang),
                "colour": STATUS_COLOURS[k],
                "opacity": STATUS_OPACITY[k],
            }
            for k in statuses
        ],
        "villages": villages,
        "communes": communes,
        "dead_land": dead_geom,
        "dead_colour": DEAD_LAND_COLOUR,
        "sites": sites,
        "operators": ops,
        "images": images,
        "bases": base_layers(lang),
        "attribution": attribution_html(lang),
        "zoom": {
            "sites_full": SITES_FULL_ZOOM,
            "commune_labels": COMMUNE_LABEL_ZOOM,
            "village_labels": VILLAGE_LABEL_ZOOM,
        },
        "layers": {
            "villages": labels.text("villages_layer", lang),
            "dead_land": labels.text("dead_land_layer", lang),
            "sites": labels.text("sites_layer", lang),
            "communes": base_layer,
            "area": labels.text("area_layer", lang),
        },
        "legend": {
            "villages": [
                legend_row("fill", STATUS_COLOURS[k], labels.status_label(k, lang))
                for k in statuses
            ],
            "dead_land": [
                legend_row("hatch", DEAD_LAND_COLOUR, labels.text("dead_land_layer", lang))
            ],
            "sites": [legend_row("dot", o["colour"], o["name"]) for o in ops]
            + [legend_row("note", "", labels.text("sites_small", lang, zoom=SITES_FULL_ZOOM))],
            "communes": base_legend,
            "area": [
                legend_row(
                    "dash",
                    "#555555",
                    f"{labels.text('area_layer', lang)} ({labels.text('area_note', lang)})",
                )
            ],
        },
    }


# --------------------------------------------------------------------------------------------
# The page


def json_for_script(data: Mapping[str, Any]) -> str:
    """JSON that can sit inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``
    left as such, so no text can end the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def safe_raw_text(text: str, end: str) -> str:
    """``text`` for a raw-text element (``<script>``/``<style>``): refuse a closing tag in it."""
    if re.search(rf"</{end}", text, re.IGNORECASE):
        raise ValueError(f"an inlined asset contains '</{end}'")
    return text


def comment_text(text: str) -> str:
    """``text`` made safe inside an HTML comment (no ``--`` or ``<!`` can end or open one)."""
    return text.replace("--", "- -").replace("<!", "< !")


def map_page(
    result: AreaResult,
    *,
    lang: str = "vi",
    made: dt.date | None = None,
    version: str | None = None,
    index: str | None = None,
) -> str:
    """The whole page of the map of ``result``, as text (see the module's docstring)."""
    return render_page(map_data(result, lang=lang, made=made, version=version, index=index))


def render_page(data: Mapping[str, Any]) -> str:
    """The page of a map's data (:func:`map_data`, perhaps with more layers), as text."""
    leaflet = leaflet_asset()
    lang = str(data["lang"])
    parts = {
        "LANG": html.escape(lang),
        "TITLE": html.escape(data["title"]),
        "LICENCES": comment_text(
            f"{leaflet.name} {leaflet.version}, from the Python package {leaflet.source} "
            f"({leaflet.licence}):\n\n{leaflet.licence_text}"
        ),
        "LEAFLET_CSS": safe_raw_text(leaflet.css, "style"),
        "PAGE_CSS": safe_raw_text(own_asset("map.css"), "style"),
        "LEAFLET_JS": safe_raw_text(leaflet.js, "script"),
        "PAGE_JS": safe_raw_text(own_asset("common.js") + own_asset("map.js"), "script"),
        "DATA": json_for_script(data),
    }
    # One pass over the template: text put in is never searched again.
    return re.sub(r"%%([A-Z_]+)%%", lambda m: parts[m[1]], own_asset("map.html"))


def write_map(path: str | Path, page: str) -> Path:
    """Save ``page`` as one HTML file, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(page, encoding="utf-8")
    return path


def write_area_map(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>.html``: the interactive map of one area, in the run's language."""
    stamp = target.stamp
    page = map_page(
        result,
        lang=target.lang,
        made=stamp.day,
        version=stamp.version,
        index=target.index,
    )
    return [write_map(target.path(".html"), page)]
