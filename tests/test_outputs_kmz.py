"""The KMZ for Google Earth, read back with GDAL (LIBKML) and as XML."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pyogrio
import pytest
import shapely

from coverage_gaps.outputs import labels
from coverage_gaps.outputs.kmz import ICON, KML_NS, kml_colour, write_area_kmz
from tests.helpers import UTM
from tests.outputs_support import NAMES, small_area, target, village_polygons

K = f"{{{KML_NS}}}"


@pytest.fixture(scope="module")
def kmz(tmp_path_factory) -> Path:
    return write_area_kmz(small_area(), target(tmp_path_factory.mktemp("kmz")))[0]


def test_gdal_reads_villages_by_status_dead_land_and_sites(kmz: Path) -> None:
    layers = [name for name, _ in pyogrio.list_layers(kmz)]
    status = {s: labels.status_label(s, "vi") for s in labels.STATUSES}
    assert layers == [
        "Thôn theo tình trạng",
        f"{status['dead_zone']} (3)",
        f"{status['partial']} (1)",
        f"{status['covered']} (1)",
        f"{status['not_electrified']} (1)",
        labels.text("dead_land_layer", "vi"),
        labels.text("sites_layer", "vi"),
    ]
    dead = pyogrio.read_dataframe(kmz, layer=layers[1])
    assert dead["Name"].tolist() == [NAMES[2], NAMES[3], NAMES[5]]  # names as they are
    assert dead["village_id"].tolist() == ["003", "004", "006"]  # ids with their zeros
    assert dead["status"].tolist() == ["dead_zone"] * 3
    assert [float(v) for v in dead["uncovered_electrified_km2"]] == pytest.approx(
        small_area().villages["uncovered_electrified_km2"].iloc[[2, 3, 5]].round(3).tolist()
    )
    # geometry: the villages' own (squares and a square with a hole survive simplification)
    metric = dead.set_crs(4326, allow_override=True).to_crs(UTM)
    for geom, want in zip(metric.geometry, [village_polygons()[i] for i in (2, 3, 5)], strict=True):
        assert geom.symmetric_difference(want).area < 0.01 * want.area
    assert len(shapely.get_parts(metric.geometry.iloc[2])[0].interiors) == 1
    land = pyogrio.read_dataframe(kmz, layer=layers[5])
    assert land["village_id"].tolist() == ["002", "003", "004", "006"]
    sites = pyogrio.read_dataframe(kmz, layer=layers[6])
    # the sites on the area's grid: the MobiFone site 3 km east of it is left out
    assert len(small_area().sites) == 2
    assert sites["Name"].tolist() == ["Viettel (LTE)"]
    assert sites["first_created"].tolist() == ["2020-09-13"]


def test_names_are_never_markup(kmz: Path) -> None:
    with zipfile.ZipFile(kmz) as zf:
        assert zf.namelist()[0] == "doc.kml" and ICON in zf.namelist()
        root = ET.fromstring(zf.read("doc.kml"))
        icon = zf.read(ICON)
    tags = {e.tag.removeprefix(K) for e in root.iter()}
    assert "b" not in tags and all(e.tag.startswith(K) for e in root.iter())
    marks: dict = {}
    for p in root.iter(f"{K}Placemark"):  # the village's own (its dead land comes later)
        marks.setdefault(p.findtext(f"{K}name"), p)
    markup = marks[NAMES[3]]
    balloon = markup.findtext(f"{K}description")
    assert "&lt;b&gt;Mường&lt;/b&gt; &amp; &quot;Co&quot;" in balloon and "<b>" not in balloon
    assert "<h3>" in balloon  # the balloon's own markup is HTML, its data escaped
    evil = marks[NAMES[2]]
    assert evil.findtext(f"{K}styleUrl") == "#status-dead_zone"
    styles = {s.get("id"): s for s in root.iter(f"{K}Style")}
    assert styles["status-dead_zone"].findtext(f"{K}PolyStyle/{K}color") == "8c1c19d7"
    assert kml_colour("#d7191c") == "ff1c19d7"
    from PIL import Image

    image = Image.open(io.BytesIO(icon))
    assert image.size == (32, 32) and image.mode == "RGBA"
    assert image.getpixel((16, 16)) == (255, 255, 255, 255) and image.getpixel((0, 0))[3] == 0


def test_english_balloon(tmp_path: Path) -> None:
    path = write_area_kmz(small_area(), target(tmp_path, lang="en"))[0]
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("doc.kml"))
    first = next(root.iter(f"{K}Placemark"))
    balloon = first.findtext(f"{K}description")
    assert "Dead zone" in balloon and "People without signal" in balloon
    assert "Best signal" not in balloon  # no propagation model: not shown
