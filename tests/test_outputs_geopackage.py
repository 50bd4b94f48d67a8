"""The GeoPackage: its layers, columns, dates and QGIS styles (read back by GDAL and QGIS)."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from coverage_gaps.outputs import labels
from coverage_gaps.outputs.geopackage import write_area_geopackage
from coverage_gaps.outputs.tables import VILLAGE_COLUMNS, write_area_tables
from coverage_gaps.outputs.webmap import STATUS_COLOURS
from tests.outputs_support import CREATED, small_area, target
from tests.qgis_support import requires_qgis, run_qgis

QGIS_STYLE_COLUMNS = [
    "f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
    "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time",
]  # fmt: skip


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gpkg")
    write_area_tables(small_area(), target(folder))
    return write_area_geopackage(small_area(), target(folder))[0]


def test_layers_and_columns(gpkg: Path) -> None:
    layers = dict(pyogrio.list_layers(gpkg).tolist())
    assert layers == {"villages": "Polygon", "sites": "Point", "dead_zones": "Polygon",
                      "layer_styles": None}  # fmt: skip
    villages = pyogrio.read_dataframe(gpkg, layer="villages")
    csv = pd.read_csv(gpkg.with_name("lao-cai-villages.csv"), encoding="utf-8-sig", dtype=str)
    assert [c for c in villages.columns if c != "geometry"] == list(csv.columns)
    assert list(csv.columns) == list(VILLAGE_COLUMNS)
    assert villages["village_id"].tolist() == ["001", "002", "003", "004", "005", "006"]
    info = pyogrio.read_info(gpkg, layer="villages")
    assert dict(zip(info["fields"], info["dtypes"], strict=True))["priority"] == "int64"
    zones = pyogrio.read_dataframe(gpkg, layer="dead_zones")
    assert zones[["village_id", "commune", "province"]].values.tolist() == [
        ["002", "Xã Tả Van", "Lào Cai"], ["003", "Xã Bản Hồ", "Lào Cai"],
        ["004", "Xã Bản Hồ", "Lào Cai"], ["006", "Xã Sa Pả", "Lào Cai"],
    ]  # fmt: skip


def test_site_dates_are_iso_dates(gpkg: Path) -> None:
    with sqlite3.connect(gpkg) as con:
        decl = dict(con.execute("SELECT name, type FROM pragma_table_info('sites')").fetchall())
        created = [r[0] for r in con.execute("SELECT first_created FROM sites ORDER BY site_id")]
    con.close()
    assert decl["first_created"] == "DATE"
    assert created == ["2020-09-13", "2017-07-14"]  # Unix 1 600 000 000 and 1 500 000 000
    assert date.fromtimestamp(CREATED).isoformat() == "2020-09-13"


def test_layer_styles_table_follows_qgis(gpkg: Path) -> None:
    with sqlite3.connect(gpkg) as con:
        columns = [r[1] for r in con.execute("PRAGMA table_info(layer_styles)")]
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, useAsDefault, styleQML, styleSLD "
            "FROM layer_styles ORDER BY id"
        ).fetchall()
        registered = con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchall()
    con.close()
    assert columns == ["id", *QGIS_STYLE_COLUMNS]
    assert registered == [("attributes",)]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("villages", "geom", 1), ("sites", "geom", 1), ("dead_zones", "geom", 1)
    ]  # fmt: skip
    qml = ET.fromstring(rows[0][3].split("\n", 1)[1])
    renderer = qml.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "status"
    cats = {c.get("value"): c.get("label") for c in renderer.iter("category")}
    assert cats == {s: labels.status_label(s, "vi") for s in STATUS_COLOURS}
    sld = ET.fromstring(rows[0][4])
    literals = [e.text for e in sld.iter("{http://www.opengis.net/ogc}Literal")]
    assert literals == list(STATUS_COLOURS)


@requires_qgis
def test_qgis_opens_the_layers_coloured(gpkg: Path, tmp_path: Path) -> None:
    out = run_qgis(
        f"""
for name in ("villages", "sites", "dead_zones"):
    layer = QgsVectorLayer({str(gpkg)!r} + "|layername=" + name, name, "ogr")
    r = layer.renderer()
    entry = {{"valid": layer.isValid(), "count": layer.featureCount(), "type": r.type()}}
    if r.type() == "categorizedSymbol":
        entry["attr"] = r.classAttribute()
        entry["categories"] = [[c.value(), c.label(), c.symbol().color().name()]
                               for c in r.categories()]
    else:
        entry["colour"] = r.symbol().color().name()
    entry["fields"] = {{f.name(): f.typeName() for f in layer.fields()}}
    out[name] = entry
""",
        tmp_path,
    )
    villages = out["villages"]
    assert villages["valid"] and villages["count"] == 6
    assert villages["type"] == "categorizedSymbol" and villages["attr"] == "status"
    assert villages["categories"] == [
        [s, labels.status_label(s, "vi"), c] for s, c in STATUS_COLOURS.items()
    ]
    assert out["sites"]["type"] == "categorizedSymbol" and out["sites"]["attr"] == "operator"
    assert [c[0] for c in out["sites"]["categories"]] == ["MobiFone", "Viettel"]
    assert out["sites"]["fields"]["first_created"] == "Date"
    assert out["dead_zones"]["colour"] == STATUS_COLOURS["dead_zone"]
    assert out["dead_zones"]["count"] == 4


def test_site_dates_match_pandas_day_by_day() -> None:
    """The sites' dates against pandas' own conversion, edges included: before 1970, a second
    before midnight, missing, and beyond what a timestamp holds."""
    import geopandas as gpd
    import shapely

    from coverage_gaps.outputs.geopackage import sites_layer

    rng = np.random.default_rng(2)
    seconds = pd.Series(
        np.r_[rng.uniform(-2e9, 2e9, 5000), 86_399.0, 86_400.0, -0.5, np.nan, 1e10, -1e10]
    )
    want = [
        None if pd.isna(t) else t.date()
        for t in pd.to_datetime(seconds, unit="s", utc=True, errors="coerce")
    ]
    sites = gpd.GeoDataFrame(
        {"site_id": np.arange(len(seconds)), "first_created": seconds, "last_updated": seconds},
        geometry=shapely.points(np.zeros(len(seconds)), np.zeros(len(seconds))),
        crs=4326,
    )
    layer = sites_layer(sites)
    assert list(layer["first_created"]) == want
    assert list(layer["last_updated"]) == want
