"""The GeoPackage of one area, ready for QGIS: ``villages``, ``sites`` and ``dead_zones`` layers
and their styles.

* ``villages``: the same columns as ``<province>-villages.csv``, on the villages' geometry;
* ``sites``: the sites in reach, ``first_created`` as an ISO date (``DATE``), not Unix seconds;
* ``dead_zones``: each village's electrified land without signal, with the village's id, name,
  commune and province;
* ``layer_styles``: QGIS's own table of layer styles (the one QGIS writes with "Save as
  default"), so that the layers open coloured as the web map colours them: villages by status,
  sites by operator, dead zones in red, with labels in the run's language.  Each style is given
  as QML (what QGIS reads) and as SLD (for other GIS software).
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from coverage_gaps.io.towers import utc_days
from coverage_gaps.outputs import labels
from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.tables import village_table
from coverage_gaps.outputs.webmap import STATUS_COLOURS, operator_colour

if TYPE_CHECKING:
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = [
    "DEAD_ZONE_COLUMNS",
    "LAYER_STYLES_SQL",
    "SITE_COLUMNS",
    "Category",
    "LayerStyle",
    "qml_style",
    "sites_layer",
    "sld_style",
    "write_area_geopackage",
    "write_geopackage",
]

#: Columns of the ``sites`` layer (and of the KMZ's sites), in order.
SITE_COLUMNS: tuple[str, ...] = (
    "site_id",
    "operator",
    "mcc",
    "net",
    "radios",
    "cells",
    "range_m",
    "samples",
    "first_created",
    "last_updated",
    "lon",
    "lat",
)
#: Columns of the ``dead_zones`` layer, in order.
DEAD_ZONE_COLUMNS: tuple[str, ...] = (
    "village_id",
    "village_name",
    "commune",
    "province",
    "area_km2",
)

#: QGIS's ``layer_styles`` table as QGIS creates it in a GeoPackage (through GDAL: an
#: attributes table with an ``id`` key).
LAYER_STYLES_SQL = """
CREATE TABLE "layer_styles" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "f_table_catalog" TEXT(256),
  "f_table_schema" TEXT(256),
  "f_table_name" TEXT(256),
  "f_geometry_column" TEXT(256),
  "styleName" TEXT(30),
  "styleQML" TEXT,
  "styleSLD" TEXT,
  "useAsDefault" BOOLEAN,
  "description" TEXT,
  "owner" TEXT(30),
  "ui" TEXT(30),
  "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)
"""

_QGIS_VERSION = "3.22.0-Białowieża"  # the oldest QGIS whose style format this follows
_OUTLINE = "#333333"
_DEAD_OUTLINE = "#7f0000"


@dataclass(frozen=True)
class Category:
    """One class of a style: features whose ``attr`` equals ``value`` (all features when the
    style has no attribute), drawn in ``colour`` and shown as ``label``."""

    value: str
    label: str
    colour: str
    outline: str = _OUTLINE


@dataclass(frozen=True)
class LayerStyle:
    """How a layer is drawn: one symbol per category of ``attr``, or one symbol for all.

    Attributes
    ----------
    layer
        The layer's table name.
    geometry
        ``"fill"`` (polygons) or ``"marker"`` (points).
    categories
        The classes (a single one and ``attr=None``: a single symbol).
    attr
        The column the categories are values of.
    opacity
        Fill opacity, 0-1.
    description
        Shown in QGIS's style manager.
    """

    layer: str
    geometry: str
    categories: Sequence[Category]
    attr: str | None = None
    opacity: float = 0.6
    description: str = ""


def _rgba(colour: str, alpha: float = 1.0) -> str:
    """``"#d7191c"`` as QGIS's ``"215,25,28,255"``."""
    h = colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(alpha * 255)}"


def _symbol(parent: ET.Element, name: str, style: LayerStyle, cat: Category) -> None:
    symbol = ET.SubElement(
        parent,
        "symbol",
        {
            "type": style.geometry,
            "name": name,
            "alpha": "1",
            "clip_to_extent": "1",
            "force_rhr": "0",
        },
    )
    if style.geometry == "fill":
        props = {
            "color": _rgba(cat.colour, style.opacity),
            "outline_color": _rgba(cat.outline),
            "outline_style": "solid",
            "outline_width": "0.26",
            "outline_width_unit": "MM",
            "style": "solid",
        }
        cls = "SimpleFill"
    else:
        props = {
            "name": "circle",
            "color": _rgba(cat.colour, 0.9),
            "outline_color": _rgba(cat.outline),
            "outline_style": "solid",
            "outline_width": "0.2",
            "outline_width_unit": "MM",
            "size": "2.6",
            "size_unit": "MM",
        }
        cls = "SimpleMarker"
    layer = ET.SubElement(
        symbol, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"}
    )
    options = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in props.items():
        ET.SubElement(options, "Option", {"type": "QString", "name": key, "value": value})
    for key, value in props.items():  # the older form, read by QGIS before 3.20
        ET.SubElement(layer, "prop", {"k": key, "v": value})


def qml_style(style: LayerStyle) -> str:
    """The style as a QGIS ``.qml`` document (symbology only)."""
    root = ET.Element("qgis", {"version": _QGIS_VERSION, "styleCategories": "Symbology"})
    if style.attr is None:
        renderer = ET.SubElement(
            root,
            "renderer-v2",
            {"type": "singleSymbol", "forceraster": "0", "symbollevels": "0", "enableorderby": "0"},
        )
        symbols = ET.SubElement(renderer, "symbols")
        _symbol(symbols, "0", style, style.categories[0])
    else:
        renderer = ET.SubElement(
            root,
            "renderer-v2",
            {
                "type": "categorizedSymbol",
                "attr": style.attr,
                "forceraster": "0",
                "symbollevels": "0",
                "enableorderby": "0",
            },
        )
        cats = ET.SubElement(renderer, "categories")
        symbols = ET.SubElement(renderer, "symbols")
        for i, cat in enumerate(style.categories):
            ET.SubElement(
                cats,
                "category",
                {
                    "type": "string",
                    "render": "true",
                    "symbol": str(i),
                    "value": cat.value,
                    "label": cat.label,
                },
            )
            _symbol(symbols, str(i), style, cat)
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerGeometryType").text = "2" if style.geometry == "fill" else "0"
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"


_SLD = "http://www.opengis.net/sld"
_OGC = "http://www.opengis.net/ogc"


def sld_style(style: LayerStyle) -> str:
    """The style as an OGC Styled Layer Descriptor 1.0 document."""
    ET.register_namespace("", _SLD)
    ET.register_namespace("ogc", _OGC)
    root = ET.Element(f"{{{_SLD}}}StyledLayerDescriptor", {"version": "1.0.0"})
    named = ET.SubElement(root, f"{{{_SLD}}}NamedLayer")
    ET.SubElement(named, f"{{{_SLD}}}Name").text = style.layer
    user = ET.SubElement(named, f"{{{_SLD}}}UserStyle")
    ET.SubElement(user, f"{{{_SLD}}}Name").text = style.layer
    fts = ET.SubElement(user, f"{{{_SLD}}}FeatureTypeStyle")
    for cat in style.categories:
        rule = ET.SubElement(fts, f"{{{_SLD}}}Rule")
        ET.SubElement(rule, f"{{{_SLD}}}Name").text = cat.value
        ET.SubElement(rule, f"{{{_SLD}}}Title").text = cat.label
        if style.attr is not None:
            flt = ET.SubElement(rule, f"{{{_OGC}}}Filter")
            eq = ET.SubElement(flt, f"{{{_OGC}}}PropertyIsEqualTo")
            ET.SubElement(eq, f"{{{_OGC}}}PropertyName").text = style.attr
            ET.SubElement(eq, f"{{{_OGC}}}Literal").text = cat.value
        if style.geometry == "fill":
            sym = ET.SubElement(rule, f"{{{_SLD}}}PolygonSymbolizer")
            holder = sym
        else:
            sym = ET.SubElement(rule, f"{{{_SLD}}}PointSymbolizer")
            graphic = ET.SubElement(sym, f"{{{_SLD}}}Graphic")
            holder = ET.SubElement(graphic, f"{{{_SLD}}}Mark")
            ET.SubElement(holder, f"{{{_SLD}}}WellKnownName").text = "circle"
        fill = ET.SubElement(holder, f"{{{_SLD}}}Fill")
        _css(fill, "fill", cat.colour)
        _css(fill, "fill-opacity", f"{style.opacity if style.geometry == 'fill' else 0.9:g}")
        stroke = ET.SubElement(holder, f"{{{_SLD}}}Stroke")
        _css(stroke, "stroke", cat.outline)
        _css(stroke, "stroke-width", "1")
        if style.geometry == "marker":
            ET.SubElement(graphic, f"{{{_SLD}}}Size").text = "8"
    return ET.tostring(root, encoding="unicode", xml_declaration=False) + "\n"


def _css(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, f"{{{_SLD}}}CssParameter", {"name": name}).text = value


def _kind_of(frame: gpd.GeoDataFrame) -> str:
    types = set(frame.geometry.geom_type.dropna())
    return "fill" if types & {"Polygon", "MultiPolygon"} or not types else "marker"


def area_styles(
    *,
    villages: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    lang: str,
) -> list[LayerStyle]:
    """The styles of an area's three layers, labels in ``lang``."""
    status = [Category(s, labels.status_label(s, lang), STATUS_COLOURS[s]) for s in STATUS_COLOURS]
    operators = sorted(str(op) for op in sites["operator"].unique()) if len(sites) else []
    by_operator = [Category(op, op, operator_colour(op), "#ffffff") for op in operators]
    return [
        LayerStyle(
            "villages",
            _kind_of(villages),
            status,
            attr="status",
            opacity=0.6,
            description=labels.text("villages_layer", lang),
        ),
        LayerStyle(
            "sites",
            "marker",
            by_operator or [Category("", labels.text("sites_layer", lang), "#222222")],
            attr="operator" if by_operator else None,
            description=labels.text("sites_layer", lang),
        ),
        LayerStyle(
            "dead_zones",
            "fill",
            [
                Category(
                    "dead_zone",
                    labels.text("dead_land_layer", lang),
                    STATUS_COLOURS["dead_zone"],
                    _DEAD_OUTLINE,
                )
            ],
            opacity=0.55,
            description=labels.text("dead_land_layer", lang),
        ),
    ]


@contextmanager
def _unsynced() -> Iterator[None]:
    """GDAL's SQLite writes without waiting for the disk at each commit (``PRAGMA
    synchronous = OFF``): a GeoPackage is written into a staged file that only becomes an
    output once it is whole, so a crash loses nothing the waits would have kept; it halves
    the time a small GeoPackage takes."""
    import pyogrio

    key = "OGR_SQLITE_SYNCHRONOUS"
    before = pyogrio.get_gdal_config_option(key)
    pyogrio.set_gdal_config_options({key: "OFF"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({key: before})


def write_layer_styles(path: Path, styles: Iterable[LayerStyle], *, owner: str = "") -> None:
    """Add QGIS's ``layer_styles`` table to the GeoPackage ``path`` with ``styles`` as the
    layers' default styles (registered in ``gpkg_contents``, as GDAL registers a table)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA synchronous = OFF")  # a staged file: see _unsynced
        geometry_column = dict(
            con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        )
        con.execute(LAYER_STYLES_SQL)
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?)",
            (now,),
        )
        for style in styles:
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, NULL, ?)",
                (
                    "",
                    "",
                    style.layer,
                    geometry_column.get(style.layer, "geom"),
                    style.layer,
                    qml_style(style),
                    sld_style(style),
                    style.description,
                    owner,
                    now,
                ),
            )
    con.close()


def sites_layer(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The sites as the layer holds them: :data:`SITE_COLUMNS` present, ``first_created`` and
    ``last_updated`` (Unix seconds) as dates."""
    layer = sites[[c for c in SITE_COLUMNS if c in sites.columns]].copy()
    for col in ("first_created", "last_updated"):
        if col in layer:
            # datetime.date objects, NaT as None
            layer[col] = pd.Series(
                utc_days(layer[col]).astype(object), index=layer.index, dtype=object
            )
    return gpd.GeoDataFrame(layer, geometry=sites.geometry.values, crs=sites.crs)


def write_geopackage(
    path: str | Path,
    *,
    villages: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    dead_zones: gpd.GeoDataFrame,
    lang: str = "vi",
    styles: Mapping[str, LayerStyle] | None = None,
) -> Path:
    """Write the three layers and their QGIS styles to one GeoPackage, atomically.

    Parameters
    ----------
    villages
        The villages with their figures (the layer keeps :func:`village_table`'s columns).
    sites
        The sites in reach as points.
    dead_zones
        The villages' dead-zone land.
    lang
        Language of the styles' labels.
    styles
        Styles by layer instead of :func:`area_styles`.
    """
    from coverage_gaps import __version__

    path = Path(path)
    layer = gpd.GeoDataFrame(
        village_table(villages), geometry=villages.geometry.values, crs=villages.crs
    )
    chosen = styles or {s.layer: s for s in area_styles(villages=villages, sites=sites, lang=lang)}
    with atomic_path(path) as tmp, _unsynced():
        # GeoPackage 1.3: read without a warning by the GDAL of older QGIS installations too
        layer.to_file(tmp, layer="villages", driver="GPKG", dataset_options={"VERSION": "1.3"})
        # through Arrow, so that the dates are a DATE column
        sites_layer(sites).to_file(tmp, layer="sites", driver="GPKG", mode="a", use_arrow=True)
        zones = dead_zones[[c for c in DEAD_ZONE_COLUMNS if c in dead_zones.columns]]
        gpd.GeoDataFrame(zones, geometry=dead_zones.geometry.values, crs=dead_zones.crs).to_file(
            tmp, layer="dead_zones", driver="GPKG", mode="a"
        )
        write_layer_styles(tmp, chosen.values(), owner=f"coverage-gaps {__version__}")
    return path


def write_area_geopackage(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>.gpkg`` of one area."""
    return [
        write_geopackage(
            target.path(".gpkg"),
            villages=result.villages,
            sites=result.sites,
            dead_zones=result.dead_zones,
            lang=target.lang,
        )
    ]
