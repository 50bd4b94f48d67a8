"""The map writer without a browser: its data, colours, classes, geometry and images, each
against an independent calculation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest
import shapely

from coverage_gaps.coverage.linkbudget import LinkBudget, RadioParams, default_link_budget
from coverage_gaps.outputs import webmap
from coverage_gaps.outputs.webmap import (
    HASH_COLOURS,
    OPERATOR_COLOURS,
    STATUS_COLOURS,
    operator_colour,
    png_palette,
    signal_classes,
)


def _lab(colour: str) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB colour, from the sRGB and CIE 1976 formulas."""
    rgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _delta_e(a: str, b: str) -> float:
    return float(np.linalg.norm(_lab(a) - _lab(b)))


def test_lab_formula_matches_a_published_value() -> None:
    # sRGB red is L*a*b* (53.24, 80.09, 67.20) (e.g. Lindbloom's calculator).
    assert _lab("#ff0000") == pytest.approx([53.24, 80.09, 67.20], abs=0.05)


@pytest.mark.parametrize("colour", [*OPERATOR_COLOURS.values(), *HASH_COLOURS])
def test_operator_colours_never_look_like_a_status(colour: str) -> None:
    for status, sc in STATUS_COLOURS.items():
        assert _delta_e(colour, sc) > 20, f"{colour} looks like {status} ({sc})"


def test_named_operators_are_told_apart() -> None:
    named = list(OPERATOR_COLOURS.values())
    assert min(_delta_e(a, b) for i, a in enumerate(named) for b in named[i + 1 :]) > 20


def test_unknown_operator_colours_are_stable_across_processes() -> None:
    names = ["452-09", "Reddi", "Nhà mạng ảo", "<b>x</b>"]
    here = [operator_colour(n) for n in names]
    assert all(c in HASH_COLOURS for c in here)
    code = (
        "import json; from coverage_gaps.outputs.webmap import operator_colour; "
        f"print(json.dumps([operator_colour(n) for n in {names!r}]))"
    )
    for seed in ("1", "12345"):  # a different str hash seed in each: no use of hash()
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            cwd=str(webmap.Path(__file__).resolve().parents[1]),
        )
        assert json.loads(out.stdout) == here
    assert operator_colour("Viettel") == OPERATOR_COLOURS["Viettel"]


def test_signal_classes_from_the_link_budget() -> None:
    lte = signal_classes("LTE")
    assert (lte.measure, lte.usable_dbm, lte.good_dbm) == ("RSRP", -110.0, -95.0)
    gsm = signal_classes("GSM")
    assert (gsm.measure, gsm.usable_dbm, gsm.good_dbm) == ("RxLev", -100.0, -85.0)
    # The classes by hand: NaN none, below the threshold 1, at or above 2, good from -95 on.
    got = lte.classify(np.array([np.nan, -130.0, -110.0, -100.5, -95.0, -60.0]))
    assert got.tolist() == [0, 1, 2, 2, 3, 3]
    radios = dict(default_link_budget().radios)
    radios["LTE"] = RadioParams(frequency_mhz=1842.5, eirp_dbm=30.0, threshold_dbm=-100.0)
    own = signal_classes("LTE", LinkBudget(radios=radios))
    assert (own.usable_dbm, own.good_dbm) == (-100.0, -85.0)


def test_png_palette_decodes_to_the_same_pixels() -> None:
    from rasterio.io import MemoryFile

    rng = np.random.default_rng(3)
    idx = rng.integers(0, 3, size=(37, 53)).astype(np.uint8)
    palette = [(0, 0, 0, 0), (10, 20, 30, 110), (200, 100, 50, 255)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL: "not georeferenced"
        with MemoryFile(png_palette(idx, palette)) as mem, mem.open() as src:
            assert (src.width, src.height) == (53, 37)
            assert (src.read(1) == idx).all()
            cmap = src.colormap(1)
    assert [cmap[i] for i in range(3)] == palette
    with pytest.raises(ValueError, match="no colour"):
        png_palette(np.full((2, 2), 5, np.uint8), palette)


def _decode(g: list[Any]) -> Any:
    """The page's geometry encoding read back (as the page's script reads it)."""
    q = webmap.QUANTUM_DEG
    if isinstance(g[0], int):
        return shapely.Point(g[0] * q, g[1] * q)
    polys = []
    for rings in g:
        coords = [np.cumsum(np.reshape(r, (-1, 2)), axis=0) * q for r in rings]
        polys.append(shapely.Polygon(coords[0], coords[1:]))
    return shapely.MultiPolygon(polys)


def test_geometry_encoding_round_trip() -> None:
    outer = shapely.box(105.0, 21.0, 105.1, 21.05)
    hole = shapely.box(105.02, 21.01, 105.03, 21.02)
    poly = shapely.MultiPolygon(
        [
            shapely.Polygon(outer.exterior.coords, [hole.exterior.coords]),
            shapely.box(106, 21, 106.01, 21.01),
        ]
    )
    back = _decode(webmap.encode_geometry(poly))
    assert back.symmetric_difference(poly).area < 1e-12
    assert len(back.geoms[0].interiors) == 1
    pt = _decode(webmap.encode_geometry(shapely.Point(105.123456, 21.654321)))
    assert (pt.x, pt.y) == pytest.approx((105.12346, 21.65432), abs=1e-9)
    assert webmap.encode_geometry(shapely.Polygon()) is None


def test_json_cannot_leave_its_script_element() -> None:
    data = {"a": "</script><script>alert(1)</script>", "b": "<!-- x & y -->", "c": "\u2028"}
    text = webmap.json_for_script(data)
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == data


@pytest.fixture(scope="module")
def area() -> Any:
    from tests.browser_support import map_world

    return map_world(hostile=False)


def test_map_data_commune_labels_from_outlines_or_villages(area: Any) -> None:
    import geopandas as gpd
    import pandas as pd

    kept = area.communes
    # A commune far from the area (a country's layer given for one province) is left out.
    far = gpd.GeoDataFrame(
        {"name": ["Xã Xa"]}, geometry=[shapely.box(108, 12, 108.1, 12.1)], crs=4326
    )
    area.communes = pd.concat([kept, far], ignore_index=True)
    try:
        data = webmap.map_data(area, lang="en")
    finally:
        area.communes = kept
    q = webmap.QUANTUM_DEG
    communes = data["communes"]
    assert sorted(communes["name"]) == sorted(kept["name"]) and len(communes["geom"]) == 2
    outlines = area.communes.geometry.to_numpy()
    for name, x, y in zip(communes["name"], communes["lon"], communes["lat"], strict=True):
        own = outlines[list(area.communes["name"]).index(name)]
        assert own.contains(shapely.Point(x * q, y * q))
    # Without outlines: the mean of the commune's villages' points (by hand for one commune).
    area.communes = None
    try:
        data = webmap.map_data(area, lang="en")
    finally:
        area.communes = kept
    v = area.villages
    east = v[v["commune"] == "Xã Đông"]
    i = data["communes"]["name"].index("Xã Đông")
    assert data["communes"]["lon"][i] * q == pytest.approx(east["lon"].sum() / len(east), abs=1e-5)
    assert data["communes"]["lat"][i] * q == pytest.approx(east["lat"].sum() / len(east), abs=1e-5)
    assert data["communes"]["geom"] == []


def test_map_data_tooltips_legends_and_stamp(area: Any) -> None:
    import datetime as dt

    from coverage_gaps import __version__
    from coverage_gaps.outputs import labels

    data = webmap.map_data(area, lang="vi", made=dt.date(2025, 7, 1))
    assert __version__ in data["stamp"] and "2025-07-01" in data["stamp"]
    v = data["villages"]
    assert v["fields"][:3] == [
        labels.column_label(c, "vi") for c in ("village_id", "priority", "commune")
    ]
    # Dead zones are drawn last; each row's id and priority are the table's.
    statuses = [data["statuses"][s]["key"] for s in v["status"]]
    assert statuses == sorted(statuses, key=webmap.STATUS_ORDER.index)
    table = area.villages.set_index("village_id")
    for vid, row, prio in zip(v["id"], v["rows"], v["priority"], strict=True):
        assert row[0] == vid
        expected = table.loc[vid, "priority"]
        assert (prio is None) == bool(np.isnan(expected)) and (prio is None or prio == expected)
    ids = [im["id"] for im in data["images"]]
    assert ids[0] == "coverage" and set(ids[1:]) == {"signal-lte", "signal-gsm"}
    gsm = next(im for im in data["images"] if im["id"] == "signal-gsm")
    assert [r["label"] for r in gsm["legend"]] == [
        "Tốt: RxLev ≥ \u221285 dBm",
        "Dùng được: RxLev ≥ \u2212100 dBm (ngưỡng phục vụ)",
        "Không có sóng: RxLev < \u2212100 dBm",
    ]
    assert not gsm["visible"] and data["images"][0]["visible"]
    assert [o["name"] for o in data["operators"]] == ["MobiFone", "Viettel"]
    assert "OpenCelliD" in data["attribution"] and "CC BY-SA 4.0" in data["attribution"]


# What the page says it draws offline (banner, footer, layer list, legend), per run: the
# sentences are written out here, each naming only what that run's page holds.
_EN_BANNER = "No internet: the base map did not load; the map shows "
_VI_BANNER = "Không có internet: bản đồ nền không tải được; bản đồ hiển thị "
OFFLINE_CASES = {
    # village points with --commune-layer: its outlines and names
    "points, commune layer": (
        {"points": True},
        "village",
        ("commune outlines and names", "ranh giới và tên xã"),
        ("Communes", "Xã, phường"),
        ("Communes", "Xã, phường"),
    ),
    # village points alone: no outline anywhere, the names at the villages' mean point
    "points, no commune layer": (
        {"points": True, "communes": False},
        "village",
        (
            "only the commune names (no commune outlines were given)",
            "tên xã (không có dữ liệu ranh giới xã)",
        ),
        ("Commune names", "Tên xã"),
        None,
    ),
    # village points without a commune column either: nothing under the villages
    "points, no communes at all": (
        {"points": True, "communes": False, "commune_names": False},
        "village",
        (
            "a blank background (no commune outlines were given)",
            "nền trống (không có dữ liệu ranh giới xã)",
        ),
        None,
        None,
    ),
    # village polygons without --commune-layer: the villages' own outlines
    "polygons, no commune layer": (
        {"communes": False},
        "village",
        ("village outlines and commune names", "ranh giới thôn và tên xã"),
        ("Village outlines, commune names", "Ranh giới thôn, tên xã"),
        ("Village outlines", "Ranh giới thôn"),
    ),
    # a run over commune polygons: the communes' own outlines, no other names
    "commune polygons": (
        {"communes": False, "commune_names": False},
        "commune",
        ("commune outlines", "ranh giới xã"),
        ("Commune outlines", "Ranh giới xã"),
        ("Commune outlines", "Ranh giới xã"),
    ),
}


@pytest.mark.parametrize("case", list(OFFLINE_CASES))
def test_offline_words_name_only_what_the_page_draws(area: Any, case: str) -> None:
    from coverage_gaps.outputs import labels
    from tests.browser_support import map_variant

    change, unit, base, layer, line = OFFLINE_CASES[case]
    result = map_variant(area, **change)
    for k, lang in enumerate(("en", "vi")):
        data = webmap.map_data(result, lang=labels.wording(lang, unit))
        start = (_EN_BANNER, _VI_BANNER)[k]
        assert data["text"]["offline_banner"] == f"{start}{base[k]}."
        assert data["text"]["offline_note"].endswith(f" {base[k]}.")
        assert data["layers"]["communes"] == (None if layer is None else layer[k])
        rows = data["legend"]["communes"]
        assert rows == ([] if line is None else [webmap.legend_row("line", "#6d6d6d", line[k])])
        # A line in the legend exactly when the page has outlines to draw.
        polygons = any(g and not isinstance(g[0], int) for g in data["villages"]["geom"])
        assert (line is not None) == (bool(data["communes"]["geom"]) or polygons)


def test_offline_base_from_the_encoded_geometries() -> None:
    square = [[[0, 0, 10, 0, 0, 10]]]
    assert webmap.offline_base([square], [[1, 2]], ["Xã A"]) == "communes_names"
    assert webmap.offline_base([square], [[1, 2]], [""]) == "communes"
    assert webmap.offline_base([], [[1, 2], square], ["Xã A"]) == "villages_names"
    assert webmap.offline_base([], [square], []) == "villages"
    assert webmap.offline_base([], [[1, 2], None], ["", "Xã A"]) == "names"
    assert webmap.offline_base([], [[1, 2]], [""]) == "none"
