"""``<province>.kmz`` for Google Earth: villages by status, dead-zone land, sites.

One KML document zipped with its icon (no internet needed to draw it):

* **villages**, a folder per status (each can be switched on and off), coloured as the web
  map colours them; a village's balloon shows its figures in the run's language;
* **dead-zone land**: each village's electrified land without signal;
* **sites**, coloured by operator, with their technologies, cells, range and first date.

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
import xml.etree.ElementTree as ET
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
from coverage_gaps.outputs.webmap import OPERATOR_COLOURS, STATUS_COLOURS
from coverage_gaps.outputs.workbooks import RunStamp, reader_table

if TYPE_CHECKING:
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = ["ICON", "build_kml", "kml_colour", "light_geometries", "write_area_kmz", "write_kmz"]

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


def light_geometries(geoms: gpd.GeoSeries, tolerance_m: float, *, digits: int = 6) -> gpd.GeoSeries:
    """``geoms`` simplified by ``tolerance_m`` metres (topology kept) in EPSG:4326, rounded to
    ``digits`` decimals."""
    if len(geoms) == 0:
        return geoms.to_crs(4326)
    metric = geoms.to_crs(geoms.estimate_utm_crs()) if geoms.crs.is_geographic else geoms
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


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", attrib)
    if text is not None:
        element.text = text
    return element


def _style(
    doc: ET.Element, sid: str, colour: str, *, fill: float, outline: str, icon_scale: float = 0.7
) -> None:
    style = _sub(doc, "Style", id=sid)
    icon = _sub(style, "IconStyle")
    _sub(icon, "color", kml_colour(colour))
    _sub(icon, "scale", f"{icon_scale:g}")
    _sub(_sub(icon, "Icon"), "href", ICON)
    _sub(_sub(style, "LabelStyle"), "scale", "0")  # names in the list and balloon, not on the map
    line = _sub(style, "LineStyle")
    _sub(line, "color", kml_colour(outline))
    _sub(line, "width", "1")
    _sub(_sub(style, "PolyStyle"), "color", kml_colour(colour, fill))


def _coords(ring: Any) -> str:
    return " ".join(f"{x:.6f},{y:.6f}" for x, y in np.asarray(ring.coords)[:, :2])


def _geometry(parent: ET.Element, geom: Any) -> None:
    kind = geom.geom_type
    if kind == "Point":
        _sub(_sub(parent, "Point"), "coordinates", f"{geom.x:.6f},{geom.y:.6f}")
    elif kind == "Polygon":
        poly = _sub(parent, "Polygon")
        _sub(
            _sub(_sub(poly, "outerBoundaryIs"), "LinearRing"), "coordinates", _coords(geom.exterior)
        )
        for hole in geom.interiors:
            _sub(_sub(_sub(poly, "innerBoundaryIs"), "LinearRing"), "coordinates", _coords(hole))
    elif kind == "LineString":
        _sub(_sub(parent, "LineString"), "coordinates", _coords(geom))
    elif kind.startswith("Multi") or kind == "GeometryCollection":
        multi = _sub(parent, "MultiGeometry")
        for part in geom.geoms:
            _geometry(multi, part)


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


def _extended(placemark: ET.Element, row: Mapping[str, Any], kinds: Mapping[str, str]) -> None:
    """The row as KML ``Data`` elements (GDAL reads them as columns, also from a KMZ; typed
    ``SchemaData`` it reads from a plain KML only)."""
    data = _sub(placemark, "ExtendedData")
    for col, kind in kinds.items():
        text = _data_text(row[col], kind)
        if text is not None:
            _sub(_sub(data, "Data", name=col), "value", text)


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
    stamp: RunStamp | None = None,
) -> bytes:
    """The KML document (UTF-8 bytes) of one area; see the module's description."""
    stamp = stamp or RunStamp.now()
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(root, "Document")
    _sub(doc, "name", f"{name} – {labels.text('title', lang)}")
    _sub(doc, "description", stamp.text(lang))
    _sub(doc, "open", "1")
    for status, colour in STATUS_COLOURS.items():
        _style(doc, f"status-{status}", colour, fill=0.55, outline="#333333")
    _style(doc, "dead-land", STATUS_COLOURS["dead_zone"], fill=0.7, outline=_DEAD_OUTLINE)
    operators = sorted(str(op) for op in sites["operator"].unique()) if len(sites) else []
    op_style = {op: f"site-{i}" for i, op in enumerate(operators)}
    for i, op in enumerate(operators):
        _style(doc, op_style[op], OPERATOR_COLOURS[i % len(OPERATOR_COLOURS)], fill=1.0,
               outline="#ffffff", icon_scale=0.6)  # fmt: skip

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

    geoms = light_geometries(villages.geometry, tolerance_m)
    top = _sub(doc, "Folder")
    _sub(top, "name", labels.text("villages_layer", lang))
    statuses = machine["status"].astype(str).to_numpy()
    for status in [*_STATUS_ORDER, *sorted(set(statuses) - set(_STATUS_ORDER))]:
        members = np.flatnonzero(statuses == status)
        if not len(members):
            continue
        folder = _sub(top, "Folder")
        _sub(folder, "name", f"{labels.status_label(status, lang)} ({len(members)})")
        _sub(folder, "visibility", "1")
        records: list[dict[str, Any]] = machine.iloc[members].to_dict("records")  # type: ignore[assignment]
        shown_rows = shown.iloc[members].to_dict("records")
        for k, row, view in zip(members.tolist(), records, shown_rows, strict=True):
            placemark = _sub(folder, "Placemark")
            _sub(placemark, "name", str(row["village_name"]))
            _sub(placemark, "Snippet", view["status"] or "", maxLines="1")
            _sub(
                placemark,
                "description",
                _balloon(
                    str(row["village_name"]),
                    ((labels.column_label(c, lang), _shown(view[c], c)) for c in balloon_cols),
                ),
            )
            _sub(placemark, "styleUrl", f"#status-{status}")
            _extended(placemark, row, kinds)
            _geometry(placemark, geoms.iloc[k])

    land = _sub(doc, "Folder")
    _sub(land, "name", labels.text("dead_land_layer", lang))
    zone_geoms = light_geometries(dead_zones.geometry, min(tolerance_m, 25.0))
    for row, geom in zip(dead_zones[zone_cols].to_dict("records"), zone_geoms, strict=True):
        placemark = _sub(land, "Placemark")
        _sub(placemark, "name", str(row.get("village_name", "")))
        rows = [(labels.column_label(c, lang), _shown(row[c], c)) for c in zone_cols]
        _sub(placemark, "description", _balloon(str(row.get("village_name", "")), rows))
        _sub(placemark, "styleUrl", "#dead-land")
        _extended(placemark, row, zone_kinds)
        _geometry(placemark, geom)

    if len(site_table):
        folder = _sub(doc, "Folder")
        _sub(folder, "name", labels.text("sites_layer", lang))
        for row, geom in zip(site_table.to_dict("records"), sites.geometry, strict=True):
            placemark = _sub(folder, "Placemark")
            title = f"{row['operator']} ({row['radios']})"
            _sub(placemark, "name", title)
            cols = [c for c in SITE_COLUMNS if c in row and c not in ("lon", "lat", "site_id")]
            label = {"first_created": labels.text("first_seen", lang)}
            rows = [(label.get(c, labels.column_label(c, lang)), _shown(row[c], c)) for c in cols]
            _sub(placemark, "description", _balloon(title, rows))
            _sub(placemark, "styleUrl", f"#{op_style[str(row['operator'])]}")
            _extended(placemark, row, site_kinds)
            _geometry(placemark, geom)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def write_kmz(path: str | Path, kml: bytes) -> Path:
    """Zip ``kml`` as ``doc.kml`` with its icon into ``path``, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", kml)  # first entry: the one Google Earth opens
        zf.writestr(ICON, _disc_png())
    return path


def write_area_kmz(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>.kmz`` of one area."""
    kml = build_kml(
        result.name,
        villages=result.villages,
        dead_zones=result.dead_zones,
        sites=result.sites,
        lang=target.options.lang,
        tolerance_m=max(result.grid.resolution / 2, 20.0),
    )
    return [write_kmz(target.path(".kmz"), kml)]
