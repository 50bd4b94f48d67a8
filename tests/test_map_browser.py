"""The map as a planner sees it: opened in headless Chromium with the network off.

Two small areas analysed in code (Hata model, so the signal layers exist): one with ordinary
Vietnamese names, one whose villages, communes, province and operators carry hostile names
(HTML, ``</script>``, event handlers, ``javascript:`` URLs, template-looking text).  The page is
opened as written (nothing rewritten); every request other than ``file:``/``data:`` is aborted.

Skipped, with the reason, without the ``playwright`` package or Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coverage_gaps.outputs import labels
from coverage_gaps.outputs.webmap import STATUS_COLOURS, map_page, operator_colour, write_map
from tests import browser_support as bs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[bs.Browser]:
    b = bs.browser_or_skip()
    yield b
    b.close()


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = bs.map_world(hostile=False)
    path = write_map(tmp_path_factory.mktemp("map") / "plain.html", map_page(result, lang="vi"))
    return {"result": result, "path": path}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = bs.map_world(hostile=True)
    path = write_map(tmp_path_factory.mktemp("map") / "hostile.html", map_page(result, lang="en"))
    return {"result": result, "path": path}


def _screen_point(page: bs.OpenedPage, lon: float, lat: float) -> tuple[float, float]:
    p = page.evaluate("([lat, lon]) => cgMap.latLngToContainerPoint([lat, lon])", [lat, lon])
    return p["x"], p["y"]


def _tooltip_text(page: bs.OpenedPage) -> str:
    return page.evaluate(
        "(() => { const t = document.querySelector('.leaflet-tooltip'); "
        "return t ? t.textContent : null; })()"
    )


def test_the_world_has_every_kind_of_village(plain: dict) -> None:
    v = plain["result"].villages
    assert {"covered", "dead_zone", "not_electrified"} <= set(v["status"])
    assert plain["result"].coverage.signal_by_radio  # the Hata model gives signal layers


def test_draws_offline_with_no_error(browser: bs.Browser, plain: dict, tmp_path: Path) -> None:
    with browser.open(plain["path"]) as page:
        assert page.problems() == {"page_errors": [], "dialogs": [], "errors": []}
        # Only the base map's tiles went for the network (and were refused).
        hosts = {re.sub(r"^https?://([^/]+)/.*", r"\1", u) for u in page.blocked}
        assert hosts <= {"tile.openstreetmap.org"}, hosts
        assert {u.split("/")[2] for u in page.failed_resources()} <= {"tile.openstreetmap.org"}
        n = len(plain["result"].villages)
        drawn = page.evaluate(
            "cgLayers.villages.getLayers().filter(l => l._map && "
            "(l._point ? !l._empty() : l._parts.length > 0)).length"
        )
        assert drawn == n
        shot = page.page.screenshot(path=str(tmp_path / "desktop.png"))
        # The villages' status colours are on screen: count pixels near each.
        pixels = bs.png_pixels(shot).reshape(-1, 3).astype(int)
        for status in ("covered", "dead_zone"):
            rgb = np.array([int(STATUS_COLOURS[status][i : i + 2], 16) for i in (1, 3, 5)])
            near = (np.abs(pixels - rgb).sum(axis=1) < 40).sum()
            assert near > 20, f"no {status} colour on the screen"
        # The offline note shows once the tiles failed.
        assert page.evaluate("document.querySelector('.cg-banner').classList.contains('cg-shown')")


def test_layers_toggle_with_their_legends(browser: bs.Browser, plain: dict) -> None:
    lte = labels.text("signal_radio_layer", "vi", radio="LTE", generation="4G")
    dead = labels.text("dead_land_layer", "vi")
    with browser.open(plain["path"]) as page:
        p = page.page
        names = p.eval_on_selector_all(
            ".leaflet-control-layers-overlays label", "ls => ls.map(l => l.textContent.trim())"
        )
        assert lte in names and dead in names
        legend = "#coverage-gaps-legend section[data-layer='{}']"
        assert p.is_hidden(legend.format("signal-lte"))  # signal layers start off
        assert p.is_visible(legend.format("dead_land"))
        p.get_by_label(lte, exact=True).check()
        assert p.evaluate("cgMap.hasLayer(cgLayers['signal-lte'])")
        assert p.is_visible(legend.format("signal-lte"))
        text = p.text_content(legend.format("signal-lte")) or ""
        assert "RSRP ≥ −95 dBm" in text and "RSRP ≥ −110 dBm" in text and "< −110" in text
        p.get_by_label(dead, exact=True).uncheck()
        assert not p.evaluate("cgMap.hasLayer(cgLayers.dead_land)")
        assert p.is_hidden(legend.format("dead_land"))
        # The base maps are radio buttons; the offline one draws without any tile.
        p.get_by_label(labels.text("base_none", "vi"), exact=True).check()
        assert p.evaluate("document.querySelectorAll('.leaflet-tile').length") == 0


def test_village_tooltip_opens_with_id_and_priority(browser: bs.Browser, plain: dict) -> None:
    v = plain["result"].villages
    row = v[v["status"] == "dead_zone"].iloc[0]
    with browser.open(plain["path"]) as page:
        x, y = _screen_point(page, row["lon"], row["lat"])
        page.page.mouse.move(x, y)
        page.page.wait_for_selector(".leaflet-tooltip")
        text = _tooltip_text(page)
        assert row["village_name"] in text
        assert f"{labels.column_label('village_id', 'vi')}{row['village_id']}" in text
        assert f"{labels.column_label('priority', 'vi')}{int(row['priority'])}" in text
        assert labels.status_label("dead_zone", "vi") in text


def test_search_by_name_or_id(browser: bs.Browser, plain: dict) -> None:
    v = plain["result"].villages
    row = v.iloc[4]
    with browser.open(plain["path"]) as page:
        box = page.page.get_by_placeholder(labels.text("search", "vi"))
        box.fill("ban thu 4")  # no accents
        items = page.page.locator(".cg-results li")
        assert items.count() == 1 and row["village_name"] in items.first.text_content()
        box.fill(row["village_id"])
        box.press("Enter")
        page.page.wait_for_selector(".leaflet-tooltip")
        assert row["village_name"] in _tooltip_text(page)
        centre = page.evaluate("cgMap.getCenter()")
        assert abs(centre["lat"] - row["lat"]) < 0.02 and abs(centre["lng"] - row["lon"]) < 0.02
        box.fill("no such village")
        assert items.first.text_content() == labels.text("no_match", "vi")


def test_phone_width_legend_and_layers_collapse(
    browser: bs.Browser, plain: dict, tmp_path: Path
) -> None:
    with browser.open(plain["path"], width=390, height=844, phone=True) as page:
        p = page.page
        p.screenshot(path=str(tmp_path / "phone.png"))
        assert not p.evaluate("document.getElementById('coverage-gaps-legend').open")
        assert p.is_hidden(".leaflet-control-layers-list")

        def rect(sel: str) -> dict:
            return p.evaluate(
                f"(() => {{ const r = document.querySelector({sel!r}).getBoundingClientRect();"
                " return {l: r.left, t: r.top, r: r.right, b: r.bottom}; })()"
            )

        legend, attribution = rect("#coverage-gaps-legend"), rect(".leaflet-control-attribution")
        for r in (legend, attribution, rect(".leaflet-control-layers"), rect(".cg-title")):
            assert 0 <= r["l"] < r["r"] <= 390 and 0 <= r["t"] < r["b"] <= 844
        overlap = min(legend["r"], attribution["r"]) > max(legend["l"], attribution["l"]) and min(
            legend["b"], attribution["b"]
        ) > max(legend["t"], attribution["t"])
        assert not overlap, "the attribution covers the legend"
        p.tap("#coverage-gaps-legend summary")
        assert p.evaluate("document.getElementById('coverage-gaps-legend').open")
        p.tap(".leaflet-control-layers-toggle")
        assert p.is_visible(".leaflet-control-layers-list")
        p.screenshot(path=str(tmp_path / "phone-open.png"))


def test_sites_are_small_at_province_zoom(browser: bs.Browser, plain: dict) -> None:
    from coverage_gaps.outputs.webmap import SITES_FULL_ZOOM

    radius = "cgLayers.sites.getLayers().map(m => m.getRadius())"
    with browser.open(plain["path"]) as page:
        page.evaluate(f"cgMap.setZoom({SITES_FULL_ZOOM - 2}, {{animate: false}})")
        small = page.evaluate(radius)
        page.evaluate(f"cgMap.setZoom({SITES_FULL_ZOOM}, {{animate: false}})")
        full = page.evaluate(radius)
    assert small and max(small) < min(full)


def test_hostile_names_stay_text(browser: bs.Browser, hostile: dict) -> None:
    result = hostile["result"]
    v = result.villages
    with browser.open(hostile["path"]) as page:
        p = page.page
        # The commune names as the map writes them at its first view.
        names_on_map = page.evaluate(
            "Array.from(document.querySelectorAll('.cg-label.cg-commune'))"
            ".filter(e => e.style.display !== 'none').map(e => e.textContent)"
        )
        # Open every village's and site's tooltip, search, open the legend.
        shown = page.evaluate(
            "cgVillages.map(l => { l.openTooltip(); "
            "const t = l.getTooltip().getElement().textContent; l.closeTooltip(); return t; })"
        )
        sites = page.evaluate(
            "cgLayers.sites.getLayers().map(m => { m.openTooltip(); "
            "const t = m.getTooltip().getElement().textContent; m.closeTooltip(); return t; })"
        )
        box = p.get_by_placeholder(labels.text("search", "en"))
        box.fill("<img")
        results = p.locator(".cg-results li").all_text_contents()
        box.fill("javascript")
        p.locator(".cg-results li").first.click()
        p.wait_for_selector(".leaflet-tooltip")
        legend = p.text_content("#coverage-gaps-legend") or ""
        title = p.title()
        assert page.problems() == {"page_errors": [], "dialogs": [], "errors": []}
        assert page.evaluate("window.__pwned") is None
        # Nothing the names hold became an element or a handler.
        injected = page.evaluate(
            "(() => ({svg: document.querySelectorAll('svg').length,"
            " img: Array.from(document.querySelectorAll('img')).filter("
            "   i => !i.classList.contains('leaflet-tile') &&"
            "        !i.classList.contains('leaflet-image-layer')).length,"
            " b: document.querySelectorAll('b').length,"
            " scripts: document.querySelectorAll('script').length,"
            " styles: document.querySelectorAll('style').length,"
            " handlers: Array.from(document.querySelectorAll('*')).filter(e =>"
            "   Array.from(e.attributes).some(a => /^on/i.test(a.name))).length,"
            " js_links: document.querySelectorAll('a[href^=\"javascript\" i]').length,"
            " hidden: getComputedStyle(document.body).display}))()"
        )
    assert injected == {
        "svg": 0,
        "img": 0,
        "b": 0,
        "scripts": 3,
        "styles": 2,
        "handlers": 0,
        "js_links": 0,
        "hidden": "block",
    }
    # ...and every name is shown as it is: villages, the hostile id and the communes in the
    # tooltips, operators in the site tooltips and the legend, the province in the title.
    assert len(shown) == len(v)
    for name in v["village_name"]:
        assert any(name in t for t in shown), name
    assert any(bs.HOSTILE[2] in t for t in shown)
    assert any(bs.HOSTILE[0] in t for t in shown) and any(bs.HOSTILE[7] in t for t in shown)
    assert sorted(names_on_map) == sorted([bs.HOSTILE[0], bs.HOSTILE[7]])
    assert sites and all(bs.HOSTILE[3] in t or bs.HOSTILE[5] in t for t in sites)
    assert any(bs.HOSTILE[0] in r for r in results)
    assert bs.HOSTILE[3] in legend and bs.HOSTILE[5] in legend
    assert title == f"{bs.HOSTILE[1]} – {labels.text('title', 'en')}"


def test_page_is_self_contained(hostile: dict) -> None:
    text = Path(hostile["path"]).read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", text, re.I)
    assert "@import" not in text and not re.search(r"url\(\s*['\"]?https?:", text)
    assert text.count("</script>") == 3 and text.count("</style>") == 2
    assert "<img src=x" not in text and "<svg onload" not in text and "<b onmouseover" not in text
    assert "BSD 2-Clause License" in text and "Volodymyr Agafonkin" in text  # Leaflet's licence
    assert "OpenCelliD" in text and "CC BY-SA 4.0" in text and "OpenStreetMap" in text


def test_operator_colour_is_the_same_on_every_map(plain: dict, hostile: dict) -> None:
    import json

    def colours(path: Path) -> dict[str, str]:
        text = Path(path).read_text(encoding="utf-8")
        data = re.search(r'<script type="application/json" id="cg-data">(.*?)</script>', text, re.S)
        assert data
        return {o["name"]: o["colour"] for o in json.loads(data[1])["operators"]}

    plain_ops = colours(plain["path"])
    assert plain_ops["Viettel"] == operator_colour("Viettel") == "#6a3d9a"
    assert plain_ops["MobiFone"] == operator_colour("MobiFone")
    assert colours(hostile["path"]) == {
        h: operator_colour(h) for h in (bs.HOSTILE[3], bs.HOSTILE[5])
    }


@pytest.mark.parametrize(
    ("change", "outlines", "layer"),
    [
        ({"points": True}, 2, "Communes"),  # the commune layer's two outlines
        ({"points": True, "communes": False}, 0, "Commune names"),
        ({"points": True, "communes": False, "commune_names": False}, 0, None),
        ({"communes": False}, 7, "Village outlines, commune names"),  # the villages' own
    ],
    ids=["points+communes", "points", "points-no-names", "polygons"],
)
def test_offline_base_is_what_the_page_says(
    browser: bs.Browser, plain: dict, tmp_path: Path, change: dict, outlines: int, layer: Any
) -> None:
    result = bs.map_variant(plain["result"], **change)
    path = write_map(tmp_path / "map.html", map_page(result, lang="en"))
    with browser.open(path) as page:
        p = page.page
        assert page.problems() == {"page_errors": [], "dialogs": [], "errors": []}
        assert page.evaluate("cgLayers.communes.getLayers().length") == outlines
        names = p.eval_on_selector_all(
            ".leaflet-control-layers-overlays label", "ls => ls.map(l => l.textContent.trim())"
        )
        after_sites = names[names.index("Sites (by operator)") + 1 :]
        assert after_sites == ([layer] if layer else []) + ["Analysis area"]
        banner = p.text_content(".cg-banner") or ""
        legend = "#coverage-gaps-legend section[data-layer='communes']"
        lines = p.locator(f"{legend} .cg-sw.cg-line").count()
        # Outlines are named, and have a line in the legend, only when some are drawn.
        assert ("outlines and" in banner or banner.endswith("outlines.")) == (outlines > 0)
        assert lines == (1 if outlines else 0)


@pytest.mark.parametrize("unit", ["village", "commune"])
@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("width", [1280, 390])
def test_search_placeholder_is_not_cut(
    browser: bs.Browser, plain: dict, tmp_path: Path, lang: str, unit: str, width: int
) -> None:
    result = plain["result"]
    if unit == "commune":
        result = bs.map_variant(result, communes=False, commune_names=False)
    words = labels.wording(lang, unit)
    path = write_map(tmp_path / "map.html", map_page(result, lang=words))
    placeholder = {
        ("en", "village"): "Find a village (name or id)",
        ("vi", "village"): "Tìm thôn (tên hoặc mã)",
        ("en", "commune"): "Find a commune (name or id)",
        ("vi", "commune"): "Tìm xã (tên hoặc mã)",
    }[lang, unit]
    with browser.open(path, width=width, height=844, phone=width < 700) as page:
        box = page.page.get_by_placeholder(placeholder, exact=True)
        # The placeholder's text typed in: the field scrolls exactly when the text is wider
        # than the room the field gives it (the placeholder is laid out in the same room).
        box.fill(placeholder)
        room = box.evaluate("i => ({scroll: i.scrollWidth, client: i.clientWidth})")
        assert room["scroll"] <= room["client"], room
        title = page.evaluate(
            "(() => { const r = document.querySelector('.cg-title').getBoundingClientRect();"
            " return [r.left, r.right]; })()"
        )
        assert 0 <= title[0] < title[1] <= width
