"""``index.html`` and ``run.json``: the run's front page and record.

One run of the command line on two provinces side by side, one of them with a hostile name
(HTML, ``</script>``): the page's links point to files that exist, names are text, the
national map draws offline in headless Chromium, ``run.json`` records the inputs with sizes and
SHA-256 hashes computed here independently.
"""

from __future__ import annotations

import hashlib
import html.parser
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from coverage_gaps.cli.main import cli
from coverage_gaps.outputs import RunArea, RunRecord
from coverage_gaps.outputs.index import (
    CLASS_COLOURS,
    area_outline,
    class_breaks,
    file_kind,
    index_page,
    layer_outlines,
)
from coverage_gaps.outputs.record import InputDigests, describe_input, describe_inputs
from tests import browser_support as bs
from tests.helpers import UTM, X0, Y0, cell_row, write_cells, write_raster

HOSTILE = bs.HOSTILE[1]  # "</script><script>window.__pwned=2;alert(2)</script>"
PROVINCES = ("Lào Cai", HOSTILE)


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two provinces of five square villages each, 30 km apart; sites by the first two
    villages of the first; everything electrified.  Run with csv, html, xlsx, field-check."""
    base = tmp_path_factory.mktemp("national")
    geoms, ids, names, provinces, communes = [], [], [], [], []
    for p, province in enumerate(PROVINCES):
        for i in range(5):
            x = X0 + p * 30_000 + i * 3000
            geoms.append(shapely.box(x, Y0, x + 2000, Y0 + 2000))
            ids.append(f"{p}{i:03d}")
            names.append(bs.HOSTILE[(p * 5 + i) % len(bs.HOSTILE)] if p else f"Bản {i}")
            provinces.append(province)
            communes.append(bs.HOSTILE[0] if p else "Xã Đông")
    villages = gpd.GeoDataFrame(
        {"code": ids, "name": names, "xa": communes, "tinh": provinces}, geometry=geoms, crs=UTM
    )
    vpath = base / "villages.gpkg"
    villages.to_file(vpath)
    rows = [cell_row("LTE", 4, 1000 * 256 + s, X0 + 2500, Y0 + 1000, rng=2500) for s in (1, 2)]
    tpath = write_cells(rows, base / "towers.csv")
    arr = np.ones((40, 640), dtype="uint8")
    epath = write_raster(base / "electrified.tif", arr, x0=X0 - 1000, y1=Y0 + 3000, res=100.0)
    out = base / "out"
    result = CliRunner().invoke(
        cli,
        [
            "-q",
            "run",
            "--villages",
            str(vpath),
            "--towers",
            str(tpath),
            "--electrified-raster",
            str(epath),
            "--outputs",
            "csv,html,xlsx,field-check",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return {"out": out, "inputs": {"villages": vpath, "towers": tpath, "electrified": epath}}


class _Links(html.parser.HTMLParser):
    """The tags, attributes, links and row headers of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.counts: dict[str, int] = {}
        self.attributes: set[str] = set()
        self.links: list[str] = []
        self.row_heads: list[str] = []
        self._in_row_head = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.counts[tag] = self.counts.get(tag, 0) + 1
        self.attributes |= {k for k, _ in attrs}
        if tag == "a":
            self.links += [v for k, v in attrs if k == "href" and v]
        if tag == "th" and ("scope", "row") in attrs:
            self._in_row_head, self._text = True, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._in_row_head:
            self.row_heads.append("".join(self._text))
            self._in_row_head = False

    def handle_data(self, data: str) -> None:
        if self._in_row_head:
            self._text.append(data)


def _body(page: str) -> str:
    """The page without its scripts and styles (the parts written as HTML)."""
    return re.sub(r"<(script|style)\b[^>]*>.*?</\1>", "", page, flags=re.S | re.I)


def test_index_links_point_to_the_files_written(national: dict) -> None:
    out = national["out"]
    page = (out / "index.html").read_text(encoding="utf-8")
    parsed = _Links()
    parsed.feed(_body(page))
    local = [h for h in parsed.links if not urlparse(h).scheme]
    assert local, "no link to the run's files"
    for href in local:
        assert (out / unquote(href)).is_file(), href
    written = {p.name for p in out.iterdir() if p.name != ".coverage-gaps.lock"}
    # every file of the run is linked (the QGIS styles aside)
    assert written - {unquote(h) for h in local} <= {p for p in written if p.endswith(".qml")}
    for slug in ("lao-cai",):
        for suffix in (".html", "-to-fix.xlsx", "-field-check.xlsx", "-villages.csv"):
            assert f"{slug}{suffix}" in local


def test_hostile_names_are_text_in_the_page(national: dict) -> None:
    page = (national["out"] / "index.html").read_text(encoding="utf-8")
    parsed = _Links()
    parsed.feed(page)  # the whole page: the parser reads scripts and styles as raw text
    assert parsed.tags <= {
        "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3",
        "p", "section", "div", "noscript", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
        "a", "details", "summary", "ul", "li", "code", "span", "dl", "dt", "dd", "pre",
        "footer", "script",
    }  # fmt: skip
    assert parsed.counts["script"] == 3 and parsed.counts["style"] == 2  # data, Leaflet, page
    assert not {a for a in parsed.attributes if a.startswith("on")}
    assert HOSTILE in parsed.row_heads  # the name, as text, in the summary table
    body = _body(page)
    assert "<script>window.__pwned" not in body
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=2" in body
    data = re.search(r'<script type="application/json" id="cg-data">(.*?)</script>', page, re.S)
    assert data is not None and "</script" not in data[1].lower()
    assert HOSTILE in [p["name"] for p in json.loads(data[1])["provinces"]]


def test_run_record_hashes_the_inputs(national: dict) -> None:
    out, inputs = national["out"], national["inputs"]
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    by_setting = {e["setting"]: e for e in record["inputs"]}
    assert set(by_setting) == {"villages", "towers", "electrified_raster"}
    for setting, key in (
        ("villages", "villages"),
        ("towers", "towers"),
        ("electrified_raster", "electrified"),
    ):
        data = inputs[key].read_bytes()
        assert by_setting[setting]["bytes"] == len(data)
        assert by_setting[setting]["sha256"] == hashlib.sha256(data).hexdigest()
    assert record["run_date"] == record["settings"]["as_of"]  # no --as-of: the run's date
    assert "sunsets_applied" in record["settings"]
    files = {f["name"]: f["bytes"] for f in record["files"]}
    assert files["lao-cai-field-check.xlsx"] == (out / "lao-cai-field-check.xlsx").stat().st_size
    assert "index.html" in files and "summary.csv" in files
    assert [p["province"] for p in record["provinces"]] == list(
        pd.read_csv(out / "summary.csv")["province"]
    )


def test_describe_input_skips_what_it_cannot_hash(tmp_path: Path) -> None:
    small = tmp_path / "a.csv"
    small.write_bytes(b"x" * 100)
    entry = describe_input("towers", small, limit=10)
    assert entry["bytes"] == 100 and entry["sha256"] is None and "not hashed" in entry["note"]
    assert describe_input("dem", tmp_path)["note"].startswith("a folder")
    assert "cannot be read" in describe_input("towers", tmp_path / "missing.csv")["note"]
    # the background hashing gives what the direct one gives
    paths = {"villages": small, "towers": small}
    background = InputDigests(paths).result()
    direct = describe_inputs(paths)
    assert [e["sha256"] for e in background] == [e["sha256"] for e in direct]
    assert direct[0]["sha256"] == hashlib.sha256(b"x" * 100).hexdigest()


def test_class_breaks_by_hand() -> None:
    # quantiles of 1..100 at 20/40/60/80/100 % are 20.8, 40.6, 60.4, 80.2, 100, rounded up to
    # 25, 50, 100, 100, 100: three classes
    assert class_breaks(list(range(1, 101))) == [25.0, 50.0, 100.0]
    assert class_breaks([0, 0, float("nan")]) == []
    breaks = class_breaks([3, 7, 12, 40, 0, 1])
    assert breaks == sorted(set(breaks)) and breaks[-1] >= 40
    assert len(breaks) <= len(CLASS_COLOURS)


def test_file_kinds() -> None:
    assert file_kind("lao-cai.html", "lao-cai") == ("file_map", {})
    assert file_kind("lao-cai-2-to-fix.xlsx", "lao-cai-2") == ("file_to_fix_xlsx", {})
    assert file_kind("lao-cai-signal-lte.tif", "lao-cai") == ("file_signal", {"radio": "LTE"})
    assert file_kind("lao-cai-signal-lte.qml", "lao-cai") == ("file_style", {})
    assert file_kind("lao-cai-field-check.xlsx", "lao-cai") == ("file_field_check", {})


def test_outline_of_communes_covers_them() -> None:
    # nine 2 km squares with 40 m cracks between them (neighbours simplified apart)
    squares = [
        shapely.box(X0 + i * 2040, Y0 + j * 2040, X0 + i * 2040 + 2000, Y0 + j * 2040 + 2000)
        for i in range(3)
        for j in range(3)
    ]
    villages = gpd.GeoSeries(squares, crs=UTM).to_crs(4326)
    wkb = area_outline(villages, UTM, tolerance_m=200.0)
    assert wkb is not None
    outline = gpd.GeoSeries([shapely.from_wkb(wkb)], crs=4326).to_crs(UTM).iloc[0]
    assert outline.geom_type == "Polygon" and not list(outline.interiors)  # cracks closed
    union = shapely.union_all(squares)
    assert outline.contains(shapely.centroid(union))
    assert all(outline.buffer(1.0).contains(shapely.centroid(s)) for s in squares)
    # within the tolerance of the squares' extent (6.08 km a side)
    assert abs(outline.area - 6080.0**2) < 4 * 6080 * 200


@pytest.mark.parametrize("tolerance_m", [200.0, 800.0])
def test_outline_of_communes_from_their_cells_matches_their_vertices(tolerance_m: float) -> None:
    """The analysis's cells of nine 2 km squares with 40 m cracks (at 100 m, a crack can catch
    a row of cell centres): the cells (pooled into blocks of the tolerance), closed and
    polygonised, give one polygon without holes, within a block of the outline their vertices
    give."""
    from coverage_gaps.grid import AnalysisGrid
    from coverage_gaps.zonal import mark_spans, village_spans

    x0, y0 = X0 + 30, Y0 + 30  # the first cracks (x, y from 2,030 to 2,070 m) hold centres
    squares = [
        shapely.box(x0 + i * 2040, y0 + j * 2040, x0 + i * 2040 + 2000, y0 + j * 2040 + 2000)
        for i in range(3)
        for j in range(3)
    ]
    grid = AnalysisGrid.covering(
        (x0, y0, x0 + 6080, y0 + 6080), resolution=100, crs=UTM, margin=100
    )
    spans = village_spans(np.asarray(squares), grid)
    mask = mark_spans(spans, grid.shape)
    col, row = grid.to_colrow(np.array([X0 + 2050.0]), np.array([Y0 + 1000.0]))
    assert not mask[int(row[0]), int(col[0])]  # a crack left a column of gap cells
    assert mask[int(row[0]), int(col[0]) + 1] and mask[int(row[0]), int(col[0]) - 1]
    villages = gpd.GeoSeries(squares, crs=UTM).to_crs(4326)
    cells = (mask, grid.transform)
    by_cells = area_outline(villages, UTM, cells=cells, tolerance_m=tolerance_m)
    by_vertices = area_outline(villages, UTM, cells=cells, by_cells=False, tolerance_m=tolerance_m)
    assert by_vertices == area_outline(villages, UTM, tolerance_m=tolerance_m)
    assert by_cells != by_vertices
    block = 100 * max(1, int(tolerance_m / 100))
    assert by_cells is not None and by_vertices is not None
    a, b = (
        gpd.GeoSeries([shapely.from_wkb(w)], crs=4326).to_crs(UTM).iloc[0]
        for w in (by_cells, by_vertices)
    )
    assert a.geom_type == "Polygon" and not list(a.interiors)
    assert shapely.hausdorff_distance(a, b) <= block * 2**0.5 + 1
    assert abs(a.area - b.area) < 4 * 6080 * block


def test_outline_of_points_holds_every_point() -> None:
    rng = np.random.default_rng(3)
    pts = shapely.points(X0 + rng.uniform(0, 30_000, 40), Y0 + rng.uniform(0, 20_000, 40))
    wkb = area_outline(gpd.GeoSeries(pts, crs=UTM), UTM)
    assert wkb is not None
    outline = gpd.GeoSeries([shapely.from_wkb(wkb)], crs=4326).to_crs(UTM).iloc[0]
    assert shapely.contains(outline, pts).all()
    assert area_outline(gpd.GeoSeries([], crs=UTM), UTM) is None


def test_layer_outlines_join_units_by_name() -> None:
    units = gpd.GeoDataFrame(
        {"name": ["Lào Cai", "LÀO CAI", "Tỉnh Yên Bái"]},
        geometry=[shapely.box(104, 22, 104.5, 22.5), shapely.box(104.5, 22, 105, 22.5),
                  shapely.box(104, 21, 105, 21.5)],
        crs=4326,
    )  # fmt: skip
    out = layer_outlines(units)
    assert set(out) == {"lao cai", "yen bai"}
    lao_cai = shapely.from_wkb(out["lao cai"])
    assert lao_cai.geom_type == "Polygon"
    assert abs(lao_cai.area - 0.5) < 1e-6


def test_index_of_a_record_made_by_hand_in_english(tmp_path: Path) -> None:
    summary = pd.DataFrame(
        {"province": ["A", "B", "C"], "villages": [3, 4, 1], "dead_zone": [0, 2, 0],
         "partial": [1, 0, 0], "covered": [2, 2, 1], "not_electrified": [0, 0, 0],
         "uncovered_electrified_km2": [0.5, 2.0, 0.0],
         "uncovered_population": [np.nan, np.nan, np.nan], "sites": [1, 0, 0]}
    )  # fmt: skip
    (tmp_path / "a.html").write_text("x")
    record = RunRecord(
        folder=tmp_path,
        summary=summary,
        areas=[
            RunArea("A", "a", (tmp_path / "a.html",), shapely.to_wkb(shapely.box(0, 0, 1, 1))),
            RunArea("B", "b", (), None),
            # an outline under the map's quantum: not drawn, so listed as not on the map
            RunArea("C", "c", (), shapely.to_wkb(shapely.box(0, 0, 1e-7, 1e-7))),
        ],
        settings={"outputs": {"lang": "en"}},
    )
    page = index_page(record)
    assert '<html lang="en">' in page and "Summary by province" in page
    assert "2 provinces have no outline and are not on the map: B, C." in page
    assert '<a href="a.html">A</a>' in page


# --------------------------------------------------------------------------------------------
# In the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[bs.Browser]:
    b = bs.browser_or_skip()
    yield b
    b.close()


@pytest.mark.browser
def test_national_map_draws_offline_with_links(browser: bs.Browser, national: dict) -> None:
    out = national["out"]
    with browser.open(out / "index.html") as page:
        assert page.problems() == {"page_errors": [], "dialogs": [], "errors": []}
        assert page.blocked == []  # the page starts on its offline base: no request at all
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("cgProvinces.length") == 2
        assert page.evaluate("cgProvinces.every(l => l._map && l._parts.length > 0)")
        # the names on the map are text
        labels = page.evaluate(
            "Array.from(document.querySelectorAll('.cg-label')).map(e => e.textContent)"
        )
        assert HOSTILE in labels and "Lào Cai" in labels
        assert page.evaluate("document.querySelectorAll('.cg-label *').length") == 0
        # a province's link in the table opens its map, a file of the folder
        href = page.evaluate("document.querySelector('tr[data-slug=\"lao-cai\"] th a').href")
        assert Path(unquote(urlparse(href).path)) == (out / "lao-cai.html").resolve()
        # a click on a province opens its links
        page.evaluate("cgProvinces[0].fire('click', {latlng: cgProvinces[0].getCenter()})")
        hrefs = page.evaluate(
            "Array.from(document.querySelectorAll('.leaflet-popup a')).map(a => a.href)"
        )
        assert hrefs
        for h in hrefs:
            assert Path(unquote(urlparse(h).path)).is_file(), h
        # the hostile province's tooltip shows its name as text
        text = page.evaluate(
            "(() => { const l = cgProvinces.find(l => l.cgProvince.name.includes('pwned'));"
            " l.openTooltip(l.getCenter()); const t = document.querySelector('.leaflet-tooltip');"
            " return [t.querySelector('strong').textContent, t.querySelectorAll('script').length];"
            "})()"
        )
        assert text == [HOSTILE, 0]
        assert page.evaluate("window.__pwned") is None


def test_province_maps_link_back_to_the_index(national: dict) -> None:
    """A run's map leads back to the front page, which is in the same folder; a map written
    on its own (the library's ``map_page``) has no such link."""
    from coverage_gaps.outputs.webmap import map_data

    out = national["out"]
    page = (out / "lao-cai.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="cg-data">(.*?)</script>', page, re.S)
    assert found
    back = json.loads(found[1])["index"]
    assert back["label"] == "← Tất cả các tỉnh"
    assert (out / back["href"]).is_file()
    from tests.browser_support import map_world

    assert map_data(map_world(hostile=False), lang="en")["index"] is None


def testsimplify_outlines_keeps_the_islets_douglas_peucker_drops() -> None:
    """Douglas-Peucker where it keeps a polygon's area and parts; GEOS's topology-preserving
    simplification for a commune whose small islet it would drop, or one it collapses."""
    from coverage_gaps.outputs.webmap import simplify_outlines

    rng = np.random.default_rng(8)
    angles = np.sort(rng.uniform(0, 2 * np.pi, 400))
    radius = 5000 + 300 * rng.random(400)
    big = shapely.Polygon(np.column_stack([radius * np.cos(angles), radius * np.sin(angles)]))
    islet = shapely.Polygon([(9000, 0), (9040, 10), (9050, 50), (9010, 45)])  # 2,000 m², 50 m
    with_islet = shapely.MultiPolygon([big, islet])
    polygons = np.array([big, with_islet, shapely.box(0, 0, 100, 100)], dtype=object)
    out = simplify_outlines(polygons, 125.0)
    quick = shapely.simplify(polygons, 125.0, preserve_topology=False)
    assert shapely.get_num_geometries(quick[1]) == 1  # what plain Douglas-Peucker does
    assert shapely.equals_identical(out[0], quick[0])  # kept where it does no harm
    assert out[1].equals(shapely.simplify(with_islet, 125.0))  # the islet stays
    assert shapely.get_num_geometries(out[1]) == 2
    # a polygon smaller than the tolerance, which Douglas-Peucker collapses: as GEOS keeps it
    assert shapely.area(quick[2]) == 0.0
    assert shapely.equals_identical(out[2], shapely.simplify(polygons[2], 125.0))
