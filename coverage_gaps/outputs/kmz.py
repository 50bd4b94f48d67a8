"""``<province>.kmz`` for Google Earth: villages by status, dead-zone land, sites.

One KML document zipped with its icon (no internet needed to draw it):

* **villages**, a folder per status (each can be switched on and off), coloured as the web
  map colours them; a village's balloon shows its figures in the run's language;
* **dead-zone land**: each village's electrified land without signal;
* **sites** on the area's grid, coloured by operator, with their technologies, cells, range
  and first date.

Names and every other value are data, never markup: they are escaped for the HTML of the
balloons and again for the XML.  Each placemark also carries its figures as KML
``ExtendedData``, which GIS software (GDAL's LIBKML driver, QGIS) reads as attribute columns
with the same names as the CSVs.  Geometry is simplified to about half a
grid cell and coordinates rounded to 6 decimals (~0.1 m).
"""

from __future__ import annotations

import html
import math
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps.outputs import labels
from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.geopackage import SITE_COLUMNS, sites_layer
from coverage_gaps.outputs.tables import village_table
from coverage_gaps.outputs.webmap import STATUS_COLOURS, operator_colour
from coverage_gaps.outputs.workbooks import RunStamp, reader_table

if TYPE_CHECKING:
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = [
    "ICON",
    "build_kml",
    "kml_colour",
    "light_geometries",
    "sites_on_grid",
    "write_area_kmz",
    "write_kmz",
]

KML_NS = "http://www.opengis.net/kml/2.2"
#: The point icon inside the archive: a white disc that each style tints.
ICON = "files/disc.png"
#: Village figures shown in a balloon, in order.
BALLOON_COLUMNS: tuple[str, ...] = (
    "village_id",
    "commune",
    "status",
    "reason",
    "covered_share",
    "electrified_km2",
    "uncovered_electrified_km2",
    "population",
    "uncovered_population",
    "nearest_site_m",
    "operator_names",
    "best_signal_dbm",
    "priority",
)
_STATUS_ORDER = ("dead_zone", "partial", "covered", "not_electrified")
_DEAD_OUTLINE = "#7f0000"
_KML_TYPES = {"int": "int", "float": "double", "text": "string"}


def kml_colour(colour: str, alpha: float = 1.0) -> str:
    """``"#d7191c"`` as KML's ``aabbggrr`` (``"ff1c19d7"``)."""
    h = colour.lstrip("#")
    return f"{round(alpha * 255):02x}{h[4:6]}{h[2:4]}{h[0:2]}"


def light_geometries(
    geoms: gpd.GeoSeries, tolerance_m: float, *, digits: int = 6, metric_crs: Any = None
) -> gpd.GeoSeries:
    """``geoms`` simplified by ``tolerance_m`` metres (topology kept, in ``metric_crs`` or
    their UTM zone) in EPSG:4326, rounded to ``digits`` decimals."""
    if len(geoms) == 0:
        return geoms.to_crs(4326)
    if geoms.crs.is_geographic:
        metric = geoms.to_crs(metric_crs or geoms.estimate_utm_crs())
    else:
        metric = geoms
    simple = metric.simplify(tolerance_m, preserve_topology=True).to_crs(4326)
    rounded = shapely.set_precision(np.asarray(simple.values), grid_size=10.0**-digits)
    return gpd.GeoSeries(rounded, index=geoms.index, crs=4326)


def _disc_png(size: int = 32) -> bytes:
    """A white anti-aliased disc on transparency, as a PNG (made here: no image library)."""
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    r = np.hypot(xx - size / 2, yy - size / 2)
    alpha = np.clip(size / 2 - 1.5 - r + 0.5, 0, 1)
    edge = (r > size / 2 - 3.5) & (alpha > 0)
    rgba = np.zeros((size, size, 4), dtype=np.uint8)
    rgba[..., :3] = 255
    rgba[edge, :3] = 60  # a dark ring keeps light colours visible on imagery
    rgba[..., 3] = np.round(alpha * 255).astype(np.uint8)
    raw = b"".join(b"\x00" + rgba[y].tobytes() for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


#: XML escapes, and the characters XML 1.0 cannot hold (control characters but tab, line
#: feed and carriage return) dropped, in one pass.
_XML_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
    | {chr(c): None for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}
)


def _x(text: object) -> str:
    """``text`` escaped for XML text and attribute values (data never becomes markup)."""
    return str(text).translate(_XML_ESCAPES)


class _Writer:
    """KML written as text, element by element (several times faster than building an
    ElementTree for a province's tens of thousands of placemarks)."""

    def __init__(self) -> None:
        self.parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']

    def open(self, tag: str, **attrs: str) -> None:
        self.parts.append(f"<{tag}{self._attrs(attrs)}>")

    def close(self, tag: str) -> None:
        self.parts.append(f"</{tag}>")

    def el(self, tag: str, text: object, **attrs: str) -> None:
        self.parts.append(f"<{tag}{self._attrs(attrs)}>{_x(text)}</{tag}>")

    def raw(self, text: str) -> None:
        self.parts.append(text)

    @staticmethod
    def _attrs(attrs: Mapping[str, str]) -> str:
        return "".join(f' {k}="{_x(v)}"' for k, v in attrs.items())

    def bytes(self) -> bytes:
        return "".join(self.parts).encode("utf-8")


def _style(
    w: _Writer, sid: str, colour: str, *, fill: float, outline: str, icon_scale: float = 0.7
) -> None:
    w.raw(
        f'<Style id="{_x(sid)}"><IconStyle><color>{kml_colour(colour)}</color>'
        f"<scale>{icon_scale:g}</scale><Icon><href>{ICON}</href></Icon></IconStyle>"
        "<LabelStyle><scale>0</scale></LabelStyle>"  # names in the list and balloon, not the map
        f"<LineStyle><color>{kml_colour(outline)}</color><width>1</width></LineStyle>"
        f"<PolyStyle><color>{kml_colour(colour, fill)}</color></PolyStyle></Style>"
    )


def _coords(ring: Any) -> str:
    return " ".join(f"{x:.6f},{y:.6f}" for x, y in np.asarray(ring.coords)[:, :2])


def _geometry(w: _Writer, geom: Any) -> None:
    kind = geom.geom_type
    if kind == "Point":
        w.raw(f"<Point><coordinates>{geom.x:.6f},{geom.y:.6f}</coordinates></Point>")
    elif kind == "Polygon":
        w.raw("<Polygon><outerBoundaryIs><LinearRing><coordinates>")
        w.raw(_coords(geom.exterior))
        w.raw("</coordinates></LinearRing></outerBoundaryIs>")
        for hole in geom.interiors:
            w.raw("<innerBoundaryIs><LinearRing><coordinates>")
            w.raw(_coords(hole))
            w.raw("</coordinates></LinearRing></innerBoundaryIs>")
        w.raw("</Polygon>")
    elif kind == "LineString":
        w.raw(f"<LineString><coordinates>{_coords(geom)}</coordinates></LineString>")
    elif kind.startswith("Multi") or kind == "GeometryCollection":
        w.raw("<MultiGeometry>")
        for part in geom.geoms:
            _geometry(w, part)
        w.raw("</MultiGeometry>")


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_integer_dtype(series.dtype):
        return "int"
    if pd.api.types.is_float_dtype(series.dtype):
        return "float"
    return "text"


def _kinds(table: pd.DataFrame) -> dict[str, str]:
    return {str(c): _kind(table[c]) for c in table.columns}


def _data_text(value: Any, kind: str) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "int":
        return str(int(value))
    if kind == "float":
        return repr(float(value))
    return str(value)


def _extended(w: _Writer, row: Mapping[str, Any], kinds: Mapping[str, str]) -> None:
    """The row as KML ``Data`` elements (GDAL reads them as columns, also from a KMZ; typed
    ``SchemaData`` it reads from a plain KML only)."""
    w.raw("<ExtendedData>")
    for col, kind in kinds.items():
        text = _data_text(row[col], kind)
        if text is not None:
            value = _x(text) if kind == "text" else text  # numbers need no escaping
            w.raw(f'<Data name="{col}"><value>{value}</value></Data>')
    w.raw("</ExtendedData>")


def _shown(value: Any, column: str) -> str:
    """A value as the balloon shows it."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if column == "covered_share":
        return f"{float(value):.0%}"
    if isinstance(value, float | np.floating):
        return f"{float(value):,.2f}"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    return str(value)


def _balloon(title: str, rows: Iterable[tuple[str, str]]) -> str:
    """The HTML of a balloon: every label and value escaped."""
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:8px'>{html.escape(k)}</th>"
        f"<td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<h3>{html.escape(title)}</h3><table>{cells}</table>"


def build_kml(
    name: str,
    *,
    villages: gpd.GeoDataFrame,
    dead_zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    lang: str = "vi",
    tolerance_m: float = 50.0,
    metric_crs: Any = None,
    stamp: RunStamp | None = None,
) -> bytes:
    """The KML document (UTF-8 bytes) of one area; see the module's description.

    Geometry is simplified by ``tolerance_m`` metres in ``metric_crs`` (default: the UTM zone
    of the villages)."""
    stamp = stamp or RunStamp.now()
    w = _Writer()
    w.raw(f'<kml xmlns="{KML_NS}"><Document>')
    w.el("name", f"{name} – {labels.text('title', lang)}")
    w.el("open", "1")
    w.el("description", stamp.text(lang))
    for status, colour in STATUS_COLOURS.items():
        _style(w, f"status-{status}", colour, fill=0.55, outline="#333333")
    _style(w, "dead-land", STATUS_COLOURS["dead_zone"], fill=0.7, outline=_DEAD_OUTLINE)
    operators = sorted(str(op) for op in sites["operator"].unique()) if len(sites) else []
    op_style = {op: f"site-{i}" for i, op in enumerate(operators)}
    for op in operators:
        _style(w, op_style[op], operator_colour(op), fill=1.0, outline="#ffffff", icon_scale=0.6)

    machine = village_table(villages)
    shown = reader_table(machine, lang, drop_empty=False)
    kinds = _kinds(machine)
    zone_cols = [str(c) for c in dead_zones.columns if c != "geometry"]
    zone_kinds = _kinds(pd.DataFrame(dead_zones[zone_cols]))
    site_table = sites_layer(sites).drop(columns="geometry") if len(sites) else pd.DataFrame()
    if len(site_table) and "first_created" in site_table:
        site_table["first_created"] = [
            None if d is None else d.isoformat() for d in site_table["first_created"]
        ]
    site_kinds = _kinds(site_table)
    optional = {
        c for c in ("population", "uncovered_population", "best_signal_dbm")
        if c in machine and machine[c].isna().all()
    }  # fmt: skip
    balloon_cols = [c for c in BALLOON_COLUMNS if c in shown and c not in optional]
    headers = {c: labels.column_label(c, lang) for c in (*balloon_cols, *zone_cols, *SITE_COLUMNS)}

    geoms = light_geometries(villages.geometry, tolerance_m, metric_crs=metric_crs)
    w.open("Folder")
    w.el("name", labels.text("villages_layer", lang))
    statuses = machine["status"].astype(str).to_numpy()
    for status in [*_STATUS_ORDER, *sorted(set(statuses) - set(_STATUS_ORDER))]:
        members = np.flatnonzero(statuses == status)
        if not len(members):
            continue
        w.open("Folder")
        w.el("name", f"{labels.status_label(status, lang)} ({len(members)})")
        records: list[dict[str, Any]] = machine.iloc[members].to_dict("records")  # type: ignore[assignment]
        shown_rows = shown.iloc[members].to_dict("records")
        for k, row, view in zip(members.tolist(), records, shown_rows, strict=True):
            w.open("Placemark")
            w.el("name", row["village_name"])
            w.el("Snippet", view["status"] or "", maxLines="1")
            balloon = ((headers[c], _shown(view[c], c)) for c in balloon_cols)
            w.el("description", _balloon(str(row["village_name"]), balloon))
            w.el("styleUrl", f"#status-{status}")
            _extended(w, row, kinds)
            _geometry(w, geoms.iloc[k])
            w.close("Placemark")
        w.close("Folder")
    w.close("Folder")

    w.open("Folder")
    w.el("name", labels.text("dead_land_layer", lang))
    zone_geoms = light_geometries(
        dead_zones.geometry, min(tolerance_m, 25.0), metric_crs=metric_crs
    )
    for row, geom in zip(dead_zones[zone_cols].to_dict("records"), zone_geoms, strict=True):
        title = str(row.get("village_name", ""))
        w.open("Placemark")
        w.el("name", title)
        w.el("description", _balloon(title, [(headers[c], _shown(row[c], c)) for c in zone_cols]))
        w.el("styleUrl", "#dead-land")
        _extended(w, row, zone_kinds)
        _geometry(w, geom)
        w.close("Placemark")
    w.close("Folder")

    if len(site_table):
        w.open("Folder")
        w.el("name", labels.text("sites_layer", lang))
        cols = [c for c in SITE_COLUMNS if c in site_table and c not in ("lon", "lat", "site_id")]
        headers["first_created"] = labels.text("first_seen", lang)
        for row, geom in zip(site_table.to_dict("records"), sites.geometry, strict=True):
            title = f"{row['operator']} ({row['radios']})"
            w.open("Placemark")
            w.el("name", title)
            w.el("description", _balloon(title, [(headers[c], _shown(row[c], c)) for c in cols]))
            w.el("styleUrl", f"#{op_style[str(row['operator'])]}")
            _extended(w, row, site_kinds)
            _geometry(w, geom)
            w.close("Placemark")
        w.close("Folder")
    w.raw("</Document></kml>\n")
    return w.bytes()


def write_kmz(path: str | Path, kml: bytes) -> Path:
    """Zip ``kml`` as ``doc.kml`` with its icon into ``path``, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", kml)  # first entry: the one Google Earth opens
        zf.writestr(ICON, _disc_png())
    return path


def sites_on_grid(sites: gpd.GeoDataFrame, grid: Any) -> gpd.GeoDataFrame:
    """The sites inside the analysis grid's bounds (the area and its margin): those that
    matter on a map of the area, of all those that may reach it."""
    if len(sites) == 0:
        return sites
    xy = sites.geometry.to_crs(grid.crs)
    x0, y0, x1, y1 = grid.bounds
    inside = ((xy.x >= x0) & (xy.x <= x1) & (xy.y >= y0) & (xy.y <= y1)).to_numpy()
    return sites.loc[inside]


def write_area_kmz(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>.kmz`` of one area (the sites on its grid; the GeoPackage has all in reach)."""
    kml = build_kml(
        result.name,
        villages=result.villages,
        dead_zones=result.dead_zones,
        sites=sites_on_grid(result.sites, result.grid),
        lang=target.lang,
        tolerance_m=max(result.grid.resolution / 2, 20.0),
        metric_crs=result.grid.crs,
        stamp=target.stamp,
    )
    return [write_kmz(target.path(".kmz"), kml)]
