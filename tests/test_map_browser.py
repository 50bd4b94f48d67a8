"""The Folium map, rendered in headless Chromium: what a planner actually sees.

Needs Chromium and the map's JS/CSS from npm (``bash tools/fetch_map_assets.sh DIR`` with
``COVERAGE_GAPS_MAP_ASSETS=DIR``; outside CI the test fetches them itself when npm works).
Skipped, with the reason, when either is missing.  Run with ``pytest -m browser -rs``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from tests import browser_support as bs

pytestmark = pytest.mark.browser

AREA = "Test Province"
OPERATORS = ["Viettel", "MobiFone"]
OVERLAYS = [
    "Analysis area",
    "Coverage (any counted service)",
    "Signal (dBm)",
    "Dead zones (electrified, no signal)",
    "Villages by status",
    "Sites (by operator)",
]


@pytest.fixture(scope="module")
def browser_env() -> tuple[str, Path]:
    chromium = bs.find_chromium()
    if chromium is None:
        pytest.skip("headless Chromium not installed (apt-get install chromium)")
    folder, problem = bs.ensure_assets(allow_fetch=not os.environ.get("CI"))
    if problem:
        pytest.skip(problem)
    return chromium, folder


def _tiny_area():
    """Six villages (four polygons, two points) around 22.4 N 103.9 E, five sites, one dead zone."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point, box

    from coverage_gaps.grid import AnalysisGrid

    utm = "EPSG:32648"
    lon0, lat0 = 103.90, 22.40
    centres = [(lon0 + 0.03 * i, lat0 + (0.02 if i % 2 else -0.02)) for i in range(6)]
    geoms_ll = [box(x - 0.006, y - 0.004, x + 0.006, y + 0.004) for x, y in centres[:4]]
    geoms_ll += [Point(x, y) for x, y in centres[4:]]
    statuses = ["dead_zone", "partial", "covered", "not_electrified", "covered", "dead_zone"]
    villages = gpd.GeoDataFrame(
        {
            "village_name": [f"Bản Thử {i}" for i in range(6)],
            "commune": ["Xã Một"] * 3 + ["Xã Hai"] * 3,
            "status": statuses,
            "reason": [
                "no_site_in_reach",
                "2g_only",
                None,
                None,
                "single_operator",
                "no_site_in_reach",
            ],
            "covered_share": [0.0, 0.5, 1.0, np.nan, 1.0, 0.0],
            "uncovered_electrified_km2": [0.8, 0.3, 0.0, 0.0, 0.0, 0.6],
            "operator_names": ["", "Viettel", "Viettel;MobiFone", "", "MobiFone", ""],
            "population": [300.0, 250.0, 400.0, 120.0, 90.0, 210.0],
            "uncovered_population": [300.0, 125.0, 0.0, 0.0, 0.0, 210.0],
            "best_signal_dbm": [np.nan, -105.0, -80.0, np.nan, -85.0, np.nan],
        },
        geometry=geoms_ll,
        crs=4326,
    )
    # Five sites: four within a few hundred metres (so they cluster), one apart.
    site_ll = [(lon0 + 0.06 + 0.001 * k, lat0 + 0.001 * k) for k in range(4)]
    site_ll.append((lon0 + 0.15, lat0 + 0.02))
    sites = pd.DataFrame(
        {
            "lon": [p[0] for p in site_ll],
            "lat": [p[1] for p in site_ll],
            "operator": ["Viettel", "Viettel", "MobiFone", "MobiFone", "Viettel"],
            "radios": ["GSM;LTE", "LTE", "UMTS", "GSM", "LTE"],
            "cells": [3, 2, 1, 1, 3],
            "range_m": [5000.0, np.nan, 3000.0, 2000.0, 8000.0],
        }
    )
    sites = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites.lon, sites.lat), crs=4326)
    dead = gpd.GeoDataFrame(
        {"area_km2": [0.8]},
        geometry=[
            box(
                centres[0][0] - 0.004,
                centres[0][1] - 0.003,
                centres[0][0] + 0.004,
                centres[0][1] + 0.003,
            )
        ],
        crs=4326,
    )
    metric = villages.to_crs(utm)
    grid = AnalysisGrid.covering(
        tuple(metric.total_bounds), resolution=100.0, crs=metric.crs, margin=1500.0
    )
    xs, ys = grid.cell_centres()
    gx, gy = np.meshgrid(xs, ys)
    sx, sy = sites.to_crs(utm).geometry.x.to_numpy(), sites.to_crs(utm).geometry.y.to_numpy()
    dist = np.min(np.hypot(gx[..., None] - sx, gy[..., None] - sy), axis=-1)
    covered = dist < 4000.0
    signal = np.where(covered, -60.0 - dist / 4000.0 * 60.0, np.nan)
    return villages, sites, dead, grid, covered, signal


@pytest.fixture(scope="module")
def rendered(browser_env, tmp_path_factory):
    """The tiny map written, localised, dumped and screenshotted once for all the tests."""
    from coverage_gaps.outputs.webmap import build_map, write_map

    chromium, assets = browser_env
    villages, sites, dead, grid, covered, signal = _tiny_area()
    fmap = build_map(
        AREA,
        villages=villages,
        sites=sites,
        dead_zones=dead,
        grid=grid,
        covered=covered,
        operators=OPERATORS,
        signal_dbm=signal,
    )
    out = tmp_path_factory.mktemp("browser-map")
    html = write_map(out / "test.html", fmap)
    local = out / "test.local.html"
    report = bs.localize_map_html(html, local, assets)
    dom = bs.dump_dom(local, chromium=chromium)
    png = bs.render_png(local, out / "test.png", chromium=chromium)
    return {
        "villages": villages,
        "report": report,
        "dom": dom,
        "probe": bs.read_probe(dom),
        "png": png,
    }


def _village_layer(probe: dict) -> dict:
    layers = [layer for layer in probe["layers"] if "village_name" in layer["props"]]
    assert len(layers) == 1, probe["layers"]
    return layers[0]


def test_every_required_script_is_served_locally(rendered):
    report = rendered["report"]
    assert not report.stubbed_scripts, f"scripts with no local copy: {report.stubbed_scripts}"
    assert any("leaflet.js" in url for url in report.mapped)
    probe = rendered["probe"]
    assert probe, "the probe script never ran: the page's scripts failed"
    assert probe["leaflet"] and probe["maps"] == 1
    # Only tiles (no network here) may fail to load; no script error.
    errors = [e for e in probe["errors"] if "tile.openstreetmap.org" not in e]
    assert errors == []


def test_legend_and_layer_control(rendered):
    dom, probe = rendered["dom"], rendered["probe"]
    assert 'id="coverage-gaps-legend"' in dom
    assert "leaflet-container" in dom
    assert probe["overlay_names"] == OVERLAYS
    # Every overlay starts shown.
    assert dict(zip(probe["overlay_names"], probe["overlay_checked"], strict=True)) == {
        name: True for name in OVERLAYS
    }
    legend = probe["rects"]["legend"]
    window = probe["rects"]["window"]
    assert 0 <= legend["left"] < legend["right"] <= window["right"]
    assert 0 <= legend["top"] < legend["bottom"] <= window["bottom"]
    assert probe["title"] == f"{AREA} – coverage gaps"


def test_villages_are_drawn_in_their_status_colours(rendered):
    from coverage_gaps.outputs.webmap import STATUS_COLOURS

    villages, probe = rendered["villages"], rendered["probe"]
    layer = _village_layer(probe)
    n_poly = int(villages.geom_type.isin(["Polygon", "MultiPolygon"]).sum())
    assert layer["features"] == len(villages)
    assert layer["polygons"] == n_poly and layer["points"] == len(villages) - n_poly
    assert layer["drawn"] == len(villages) and layer["in_view"] == len(villages)
    # Drawn as SVG paths or on a canvas that has pixels on it.
    if layer["svg"]:
        assert probe["svg_paths"] >= n_poly
    else:
        assert layer["canvas"] == len(villages) and probe["canvas_painted"] > 50
    expected = villages["status"].map(STATUS_COLOURS).value_counts().to_dict()
    assert layer["fill_colours"] == expected


def test_village_tooltip_fields(rendered):
    layer = _village_layer(rendered["probe"])
    assert layer["tooltips"], layer.get("tooltip_error")
    rows = dict(layer["tooltips"][0]["rows"])
    for alias in (
        "Village",
        "Commune",
        "Status",
        "Reason",
        "Operators",
        "People",
        "People without signal",
        "Best signal (dBm)",
    ):
        assert alias in rows
    names = {dict(t["rows"])["Village"] for t in layer["tooltips"]}
    assert names <= set(rendered["villages"]["village_name"])


def test_sites_cluster(rendered):
    probe = rendered["probe"]
    assert probe["cluster_icons"] >= 1  # the four close sites form a cluster
    assert re.search(r'class="[^"]*\bmarker-cluster\b', rendered["dom"])


def test_screenshot_is_a_map_not_a_blank_page(rendered):
    from coverage_gaps.outputs.webmap import STATUS_COLOURS

    width, height, _ = bs.read_png_rgb(rendered["png"])
    assert (width, height) == (1280, 900)
    colours = bs.png_colour_stats(rendered["png"])
    assert len(colours) > 50, f"only {len(colours)} colours: the page looks blank"
    top, top_count = max(colours.items(), key=lambda kv: kv[1])
    assert top_count < 0.95 * sum(colours.values()), f"{top} fills the page"

    # Some pixels near each drawn status colour (translucent over the grey background, so
    # compare hue loosely: the dominant channel must match).
    def close(c: tuple[int, int, int], target: str, tol: int = 60) -> bool:
        t = tuple(int(target[i : i + 2], 16) for i in (1, 3, 5))
        return sum(abs(a - b) for a, b in zip(c, t, strict=True)) < tol * 3

    for status in ("dead_zone", "covered"):
        hits = sum(n for c, n in colours.items() if close(c, STATUS_COLOURS[status], 50))
        assert hits > 5, f"no {status} colour on screen"


def test_legend_does_not_hide_map_controls(rendered):
    rects = rendered["probe"]["rects"]
    legend = rects["legend"]
    for name in ("scale", "zoom", "layer_control", "attribution"):
        other = rects[name]
        if other is None:
            continue
        overlap = min(legend["right"], other["right"]) > max(legend["left"], other["left"]) and min(
            legend["bottom"], other["bottom"]
        ) > max(legend["top"], other["top"])
        assert not overlap, f"legend covers the {name} control"
