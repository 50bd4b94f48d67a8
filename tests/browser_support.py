"""Headless Chromium for the map tests, through Playwright, with the network off.

The map is one self-contained file, so nothing is rewritten: the page is opened as it is, every
request other than ``file:`` and ``data:`` is aborted (and recorded), script errors and dialogs
are recorded, and ``window.alert``/``confirm``/``prompt`` are hooked before the page's scripts run.

Needs the ``playwright`` Python package (the ``test`` extra) and a Chromium executable (Debian's
``chromium``; ``COVERAGE_GAPS_CHROMIUM`` names another).  :func:`browser_or_skip` says why a test
cannot run when either is missing.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from tests.helpers import UTM, X0, Y0, cell_row

#: Put before the page's own scripts: records dialogs and script errors.
INIT_SCRIPT = """
(() => {
  window.__cgDialogs = [];
  window.__cgErrors = [];
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = function (msg) { window.__cgDialogs.push(name + ":" + String(msg)); };
  }
  window.__cgFailedResources = [];
  window.addEventListener("error", (e) => {
    if (e instanceof ErrorEvent) {
      window.__cgErrors.push(String(e.message) + " " + (e.filename || ""));
    } else if (e.target && (e.target.src || e.target.href)) {
      window.__cgFailedResources.push(String(e.target.src || e.target.href));
    }
  }, true);
})();
"""


def find_chromium() -> str | None:
    """The Chromium executable: ``$COVERAGE_GAPS_CHROMIUM`` or one on the PATH."""
    env = os.environ.get("COVERAGE_GAPS_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class OpenedPage:
    """A map opened offline, with what it tried to fetch and what went wrong."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def evaluate(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def problems(self) -> dict[str, list[str]]:
        """Uncaught exceptions, dialogs (and calls of the hooked ``alert``...), script errors."""
        recorded = self.page.evaluate("[window.__cgDialogs || [], window.__cgErrors || []]")
        return {
            "page_errors": self.page_errors,
            "dialogs": self.dialogs + recorded[0],
            "errors": recorded[1],
        }

    def failed_resources(self) -> list[str]:
        """URLs of images, scripts or style sheets that did not load."""
        failed: list[str] = self.page.evaluate("window.__cgFailedResources || []")
        return failed


class Browser:
    """One Chromium for a test module; :meth:`open` gives a fresh offline page."""

    def __init__(self, executable: str) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )

    def close(self) -> None:
        self._browser.close()
        self._pw.stop()

    @contextmanager
    def open(
        self, path: Path, *, width: int = 1280, height: int = 900, phone: bool = False
    ) -> Iterator[OpenedPage]:
        ctx = self._browser.new_context(
            viewport={"width": width, "height": height},
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=1,
        )
        page = ctx.new_page()
        opened = OpenedPage(page)

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
            else:
                opened.blocked.append(url)
                r.abort()

        page.route("**/*", route)
        page.add_init_script(INIT_SCRIPT)
        page.on("pageerror", lambda e: opened.page_errors.append(str(e)))
        page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(Path(path).resolve().as_uri(), wait_until="load")
            page.wait_for_function("window.cgPainted !== undefined", timeout=20_000)
            yield opened
        finally:
            ctx.close()


def browser_or_skip() -> Browser:
    """A :class:`Browser`, or skip the test with the reason."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")
    exe = find_chromium()
    if exe is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    return Browser(exe)


def png_pixels(png: bytes) -> Any:
    """A PNG (a screenshot) as an ``(height, width, 3)`` uint8 array, decoded by GDAL."""
    import numpy as np
    from rasterio.io import MemoryFile

    with MemoryFile(png) as mem, mem.open() as src:
        return np.moveaxis(src.read()[:3], 0, -1)


# --------------------------------------------------------------------------------------------
# The areas the map tests draw


#: Names that would run script, or change the page, if they were written as HTML.
HOSTILE = [
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "</script><script>window.__pwned=2;alert(2)</script>",
    '"><svg onload="window.__pwned=3;alert(3)">',
    "javascript:alert(4)",
    "{{ 7*7 }} {% raw %} ${alert(5)}",
    "<b onmouseover=alert(6)>bold</b>' onfocus='alert(7)",
    "&lt;i&gt; &amp; <!-- </style><style>body{display:none}</style>",
    '<a href="javascript:alert(8)">link</a>\u2028',
]


def map_world(*, hostile: bool) -> Any:
    """Seven villages along 70 km (four squares, three points); an LTE and a GSM site by the
    first ones; grid lines up to 60 km; two communes.  Analysed with the Hata model."""
    from coverage_gaps.io.sources import LineElectrification
    from coverage_gaps.pipeline import analyse_area
    from coverage_gaps.settings import AnalysisOptions, CoverageOptions
    from coverage_gaps.sites import collapse_sites

    xs = [0, 3_000, 6_000, 45_000, 50_000, 55_000, 70_000]
    geoms: list[Any] = [shapely.box(X0 + x, Y0, X0 + x + 1500, Y0 + 1500) for x in xs[:2] + xs[3:5]]
    geoms.insert(2, shapely.Point(X0 + xs[2], Y0 + 700))
    geoms += [shapely.Point(X0 + x, Y0 + 700) for x in xs[5:]]
    n = len(geoms)
    names = [f"Bản Thử {i}" for i in range(n)]
    communes = ["Xã Đông"] * 3 + ["Xã Tây"] * (n - 3)
    province = "Lào Cai"
    ids = [f"{i + 1:03d}" for i in range(n)]
    operators = ["Viettel", "MobiFone"]
    if hostile:
        names = HOSTILE[:n]
        communes = [HOSTILE[7]] * 3 + [HOSTILE[0]] * (n - 3)
        province = HOSTILE[1]
        ids[0] = HOSTILE[2]
        operators = [HOSTILE[3], HOSTILE[5]]
    villages = gpd.GeoDataFrame(
        {
            "village_id": ids,
            "village_name": names,
            "commune": communes,
            "province": province,
            "province_code": "",
            "source_row": np.arange(n),
        },
        geometry=geoms,
        crs=UTM,
    )
    cells = pd.DataFrame(
        [
            cell_row("LTE", 4, 1000 * 256 + 1, X0 + 1000, Y0 + 800, rng=3000),
            cell_row("LTE", 4, 1000 * 256 + 2, X0 + 1010, Y0 + 800, rng=3000),
            cell_row("GSM", 1, 5001, X0 + 3500, Y0 + 2500, rng=5000),
        ]
    )
    cells["range"] = cells["range"].astype("f8")
    cells["operator"] = [operators[0], operators[0], operators[1]]
    sites, emitters = collapse_sites(cells)
    lines = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0 - 2000, Y0 + 700), (X0 + 60_000, Y0 + 700)])], crs=UTM
    )
    commune_polys = gpd.GeoDataFrame(
        {"name": [communes[0], communes[-1]]},
        geometry=[
            shapely.box(X0 - 3000, Y0 - 3000, X0 + 20_000, Y0 + 4000),
            shapely.box(X0 + 20_000, Y0 - 3000, X0 + 75_000, Y0 + 4000),
        ],
        crs=UTM,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyse_area(
            province,
            villages,
            sites,
            emitters,
            electrification=LineElectrification(lines, 3000.0),
            coverage=CoverageOptions(model="hata"),
            analysis=AnalysisOptions(resolution_m=100.0, crs=UTM),
            communes=commune_polys,
        )


def map_variant(
    result: Any, *, points: bool = False, communes: bool = True, commune_names: bool = True
) -> Any:
    """``result`` (:func:`map_world`) with its villages as points (``points``; else the points
    among them as 700 m discs, every village a polygon), without the commune outlines
    (``communes=False``) or without the villages' commune names (``commune_names=False``: a
    run over commune polygons has none)."""
    import dataclasses

    v = result.villages.copy()
    if points:
        v = v.set_geometry(gpd.points_from_xy(v["lon"], v["lat"], crs=4326))
    elif not (v.geom_type != "Point").all():
        metric = v.geometry.to_crs(UTM)
        metric = metric.where(metric.geom_type != "Point", metric.buffer(700))
        v = v.set_geometry(metric.to_crs(4326))
    if not commune_names:
        v["commune"] = ""
    return dataclasses.replace(result, villages=v, communes=result.communes if communes else None)
