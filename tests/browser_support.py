"""Render Folium maps in headless Chromium on a machine that reaches no CDN.

* :func:`localize_map_html` writes a copy of a map whose CDN ``<script>``/``<link>`` URLs point to
  the npm packages installed by ``tools/fetch_map_assets.sh`` (``file://`` URLs); URLs it cannot
  map (optional plugins such as glyphicons or awesome-markers' rotate CSS) become empty
  ``data:`` URLs so that they never block the page.  It can also append a probe script that, once
  the map has drawn, writes a JSON summary of what Leaflet rendered into
  ``<script id="cg-probe" type="application/json">`` (read it back with :func:`read_probe`).
* :func:`render_png` screenshots a page; :func:`dump_dom` returns the DOM after scripts ran.
* :func:`png_colour_stats` decodes a PNG with the stdlib only (zlib/struct).

Every external host is mapped to "not found" in Chromium, so the page never waits on the
network (OpenStreetMap tiles simply stay grey).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Environment variable naming the folder given to ``tools/fetch_map_assets.sh``.
ASSETS_ENV = "COVERAGE_GAPS_MAP_ASSETS"
#: Where the assets go when the variable is unset.
DEFAULT_ASSETS_DIR = Path.home() / ".cache" / "coverage-gaps" / "map-assets"
REPO_ROOT = Path(__file__).resolve().parents[1]
FETCH_SCRIPT = REPO_ROOT / "tools" / "fetch_map_assets.sh"

#: Files that must exist for a Folium map with clustered markers to run at all.
REQUIRED_ASSETS = (
    "leaflet/dist/leaflet.js",
    "leaflet/dist/leaflet.css",
    "leaflet.markercluster/dist/leaflet.markercluster.js",
    "jquery/dist/jquery.min.js",
    "bootstrap/dist/js/bootstrap.bundle.min.js",
    "d3/d3.min.js",
)

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

_TAG_URL = re.compile(
    r"""(<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*)(["'])(https?://[^"']+)\2""", re.I
)


# --------------------------------------------------------------------------------------------
# Finding what is needed


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable (``$CHROMIUM`` first), or ``None``."""
    env = os.environ.get("CHROMIUM")
    if env and Path(env).exists():
        return env
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def assets_dir() -> Path:
    """The assets folder: ``$COVERAGE_GAPS_MAP_ASSETS`` or :data:`DEFAULT_ASSETS_DIR`."""
    env = os.environ.get(ASSETS_ENV)
    return Path(env) if env else DEFAULT_ASSETS_DIR


def missing_assets(folder: Path) -> list[str]:
    """The :data:`REQUIRED_ASSETS` not under ``folder/node_modules``."""
    return [a for a in REQUIRED_ASSETS if not (folder / "node_modules" / a).is_file()]


def ensure_assets(folder: Path | None = None, *, allow_fetch: bool = True) -> tuple[Path, str]:
    """``(folder, problem)``: ``problem`` is ``""`` when the assets are usable.

    When they are missing and ``allow_fetch``, runs ``tools/fetch_map_assets.sh`` (needs npm and
    the npm registry; about 3 s the first time).
    """
    folder = folder or assets_dir()
    if not missing_assets(folder):
        return folder, ""
    if allow_fetch and shutil.which("npm") and FETCH_SCRIPT.exists():
        try:
            proc = subprocess.run(
                ["bash", str(FETCH_SCRIPT), str(folder)],
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return folder, f"{FETCH_SCRIPT.name} {folder} timed out"
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            return folder, f"{FETCH_SCRIPT.name} {folder} failed: {' | '.join(tail)}"
    missing = missing_assets(folder)
    if missing:
        return folder, (
            f"map JS/CSS not found in {folder}/node_modules (missing {', '.join(missing)}); run "
            f"'bash tools/fetch_map_assets.sh {folder}' or set {ASSETS_ENV}"
        )
    return folder, ""


# --------------------------------------------------------------------------------------------
# Rewriting a map to local assets


def local_asset_for(url: str) -> str | None:
    """The path under ``node_modules`` that serves ``url``, or ``None`` if unknown."""
    m = re.match(r"https?://cdn\.jsdelivr\.net/npm/((?:@[^/]+/)?[^/@]+)@[^/]+/(.+)$", url)
    if m:
        return f"{m[1]}/{m[2]}"
    m = re.match(r"https?://code\.jquery\.com/jquery-[\d.]+(\.min)?\.js$", url)
    if m:
        return f"jquery/dist/jquery{m[1] or ''}.js"
    m = re.match(r"https?://cdnjs\.cloudflare\.com/ajax/libs/([^/]+)/[^/]+/(.+)$", url)
    if m:
        lib, path = m[1], m[2]
        if lib.lower() == "leaflet.markercluster":
            return f"leaflet.markercluster/dist/{path}"
        if lib.lower() == "leaflet.awesome-markers":
            sub = "css" if path.endswith(".css") else "js"
            return f"drmonty-leaflet-awesome-markers/{sub}/{Path(path).name}"
        if lib.lower() == "leaflet":
            return f"leaflet/dist/{path}"
        if lib.lower() == "jquery":
            return f"jquery/dist/{path}"
        if lib.lower() == "d3":
            return f"d3/{path}"
    return None


@dataclass
class LocalizeReport:
    """What :func:`localize_map_html` did with each external URL."""

    mapped: dict[str, Path] = field(default_factory=dict)
    #: URLs replaced by an empty ``data:`` URL (unknown, or known but not installed).
    stubbed: list[str] = field(default_factory=list)

    @property
    def stubbed_scripts(self) -> list[str]:
        return [u for u in self.stubbed if u.split("?")[0].endswith(".js")]


PROBE_JS = r"""
<script>
(function () {
  function rect(el) {
    if (!el) return null;
    var r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  }
  function probe() {
    var out = {leaflet: typeof L !== "undefined", maps: 0, layers: [], errors: window.__cgErrors};
    if (!out.leaflet) return out;
    var maps = [];
    for (var k in window) {
      try { if (window[k] instanceof L.Map) maps.push(window[k]); } catch (e) {}
    }
    out.maps = maps.length;
    if (!maps.length) return out;
    var map = maps[0];
    out.zoom = map.getZoom();
    var size = map.getSize();
    out.size = [size.x, size.y];
    var view = map.getBounds();
    map.eachLayer(function (layer) {
      if (!(layer instanceof L.GeoJSON)) return;
      var info = {features: 0, points: 0, polygons: 0, lines: 0, drawn: 0, in_view: 0,
                  canvas: 0, svg: 0, fill_colours: {}};
      layer.eachLayer(function (f) {
        info.features += 1;
        var g = f.feature && f.feature.geometry ? f.feature.geometry.type : "";
        if (/Point/.test(g)) info.points += 1;
        else if (/Polygon/.test(g)) info.polygons += 1;
        else if (/Line/.test(g)) info.lines += 1;
        if (f._renderer instanceof L.Canvas) info.canvas += 1;
        if (L.SVG && f._renderer instanceof L.SVG) info.svg += 1;
        var drawn = f._point ? !f._empty() : (f._parts && f._parts.length > 0);
        if (drawn) info.drawn += 1;
        var ll = f.getLatLng ? f.getLatLng() : (f.getBounds ? f.getBounds() : null);
        var inView = ll && (ll.lat !== undefined ? view.contains(ll) : view.intersects(ll));
        if (inView) info.in_view += 1;
        var fc = f.options && f.options.fillColor;
        if (fc) info.fill_colours[fc] = (info.fill_colours[fc] || 0) + 1;
      });
      info.props = [];
      info.tooltips = [];
      var firstByColour = {};
      layer.eachLayer(function (f) {
        var key = (f.options && f.options.fillColor) || "";
        if (!(key in firstByColour)) firstByColour[key] = f;
      });
      Object.keys(firstByColour).forEach(function (key) {
        var f = firstByColour[key];
        if (!info.props.length && f.feature) info.props = Object.keys(f.feature.properties || {});
        if (!(layer.getTooltip && layer.getTooltip())) return;
        try {
          var at = f.getLatLng ? f.getLatLng() : f.getBounds().getCenter();
          layer._openTooltip({layer: f, target: f, latlng: at});
          var tt = layer.getTooltip().getElement();
          if (tt) {
            info.tooltips.push({fill: key, rows: Array.prototype.map.call(
              tt.querySelectorAll("tr"), function (tr) {
                var th = tr.querySelector("th"), td = tr.querySelector("td");
                return [th ? th.textContent.trim() : "", td ? td.textContent.trim() : ""];
              })});
          }
          layer.closeTooltip();
        } catch (e) { info.tooltip_error = String(e); }
      });
      out.layers.push(info);
    });
    var canv = document.querySelectorAll(".leaflet-overlay-pane canvas");
    out.canvas_painted = 0;
    Array.prototype.forEach.call(canv, function (c) {
      try {
        var d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        for (var i = 3; i < d.length; i += 16) if (d[i] > 0) out.canvas_painted += 1;
      } catch (e) { out.canvas_error = String(e); }
    });
    out.svg_paths = document.querySelectorAll(".leaflet-overlay-pane svg path").length;
    out.cluster_icons = document.querySelectorAll(".marker-cluster").length;
    out.site_markers = document.querySelectorAll(
      ".leaflet-marker-pane .leaflet-marker-icon").length;
    out.overlay_names = Array.prototype.map.call(
      document.querySelectorAll(".leaflet-control-layers-overlays label"),
      function (l) { return l.textContent.trim(); });
    out.overlay_checked = Array.prototype.map.call(
      document.querySelectorAll(".leaflet-control-layers-overlays input"),
      function (i) { return i.checked; });
    out.base_names = Array.prototype.map.call(
      document.querySelectorAll(".leaflet-control-layers-base label"),
      function (l) { return l.textContent.trim(); });
    out.rects = {
      window: {left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight},
      legend: rect(document.getElementById("coverage-gaps-legend")),
      layer_control: rect(document.querySelector(".leaflet-control-layers")),
      scale: rect(document.querySelector(".leaflet-control-scale")),
      zoom: rect(document.querySelector(".leaflet-control-zoom")),
      attribution: rect(document.querySelector(".leaflet-control-attribution")),
      colorbar: rect(document.querySelector(".leaflet-top.leaflet-right .legend"))
    };
    out.images = Array.prototype.map.call(
      document.querySelectorAll(".leaflet-overlay-pane img.leaflet-image-layer"),
      function (im) { return {w: im.naturalWidth, h: im.naturalHeight, ok: im.complete}; });
    out.title = document.title;
    return out;
  }
  function write() {
    var res;
    try { res = probe(); } catch (e) { res = {probe_error: String(e)}; }
    var el = document.getElementById("cg-probe") || document.createElement("script");
    el.id = "cg-probe";
    el.type = "application/json";
    el.textContent = JSON.stringify(res);
    document.body.appendChild(el);
  }
  window.addEventListener("load", function () { setTimeout(write, 500); });
})();
</script>
"""

_ERROR_HOOK = (
    "<script>window.__cgErrors=[];window.addEventListener('error',function(e){"
    "window.__cgErrors.push(String(e.message||e.type)+' '+(e.filename||"
    "(e.target&&(e.target.src||e.target.href))||''));},true);</script>"
)


def localize_map_html(
    src: str | Path, dst: str | Path, assets: str | Path, *, probe: bool = True
) -> LocalizeReport:
    """Write ``dst``, a copy of the map ``src`` that loads its JS/CSS from ``assets/node_modules``.

    With ``probe`` an error hook goes first in ``<head>`` and the probe script at the end (see
    :func:`read_probe`).  Unknown or uninstalled URLs become empty ``data:`` URLs.
    """
    modules = Path(assets).resolve() / "node_modules"
    text = Path(src).read_text(encoding="utf-8")
    report = LocalizeReport()

    def repl(m: re.Match[str]) -> str:
        url = m[3]
        rel = local_asset_for(url)
        if rel and (modules / rel).is_file():
            path = modules / rel
            report.mapped[url] = path
            return f"{m[1]}{m[2]}{path.as_uri()}{m[2]}"
        report.stubbed.append(url)
        kind = "text/css" if ".css" in url.split("?")[0][-8:] else "text/javascript"
        return f"{m[1]}{m[2]}data:{kind},{m[2]}"

    text = _TAG_URL.sub(repl, text)
    if probe:
        text = re.sub(r"(<head[^>]*>)", lambda m: m[1] + _ERROR_HOOK, text, count=1, flags=re.I)
        if re.search(r"</html>", text, re.I):
            text = re.sub(r"(</html>)", lambda m: PROBE_JS + m[1], text, count=1, flags=re.I)
        else:
            text += PROBE_JS
    Path(dst).write_text(text, encoding="utf-8")
    return report


# --------------------------------------------------------------------------------------------
# Chromium


class BrowserError(RuntimeError):
    """Chromium failed or timed out."""


def _chromium_args(user_data: str, window: tuple[int, int], budget_ms: int) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-dev-shm-usage",
        "--allow-file-access-from-files",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        # Never wait on the network: every host but the loopback is "not found".
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        f"--user-data-dir={user_data}",
        f"--window-size={window[0]},{window[1]}",
        f"--virtual-time-budget={budget_ms}",
    ]


def _page_url(page: str | Path) -> str:
    page_s = str(page)
    if re.match(r"^(https?|file|data):", page_s):
        return page_s
    return Path(page_s).resolve().as_uri()


def _run_chromium(
    extra: Sequence[str],
    page: str | Path,
    *,
    window: tuple[int, int],
    budget_ms: int,
    timeout: float,
    chromium: str | None,
) -> subprocess.CompletedProcess[str]:
    exe = chromium or find_chromium()
    if not exe:
        raise BrowserError("no chromium executable found")
    with tempfile.TemporaryDirectory(prefix="cg-chromium-") as user_data:
        cmd = [exe, *_chromium_args(user_data, window, budget_ms), *extra, _page_url(page)]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=user_data
            )
        except subprocess.TimeoutExpired as exc:
            raise BrowserError(f"chromium timed out after {timeout} s") from exc
    return proc


def render_png(
    page: str | Path,
    png: str | Path,
    *,
    window: tuple[int, int] = (1280, 900),
    budget_ms: int = 4000,
    timeout: float = 60.0,
    chromium: str | None = None,
) -> Path:
    """Screenshot ``page`` (a path or URL) into ``png``; returns its path."""
    png = Path(png).resolve()
    png.unlink(missing_ok=True)
    proc = _run_chromium(
        [f"--screenshot={png}"],
        page,
        window=window,
        budget_ms=budget_ms,
        timeout=timeout,
        chromium=chromium,
    )
    if not png.is_file() or png.stat().st_size == 0:
        raise BrowserError(
            f"chromium wrote no screenshot (exit {proc.returncode}): {proc.stderr[-2000:]}"
        )
    return png


def dump_dom(
    page: str | Path,
    *,
    window: tuple[int, int] = (1280, 900),
    budget_ms: int = 4000,
    timeout: float = 60.0,
    chromium: str | None = None,
) -> str:
    """The serialised DOM of ``page`` after its scripts ran for ``budget_ms`` virtual ms."""
    proc = _run_chromium(
        ["--dump-dom"], page, window=window, budget_ms=budget_ms, timeout=timeout, chromium=chromium
    )
    if proc.returncode != 0 or "<html" not in proc.stdout.lower():
        raise BrowserError(
            f"chromium --dump-dom failed (exit {proc.returncode}): {proc.stderr[-2000:]}"
        )
    return proc.stdout


def read_probe(dom: str) -> dict[str, Any]:
    """The JSON the probe script left in a DOM dump (``{}`` if it never ran)."""
    m = re.search(r'<script id="cg-probe" type="application/json">(.*?)</script>', dom, re.S)
    if not m:
        return {}
    import html as _html

    return json.loads(_html.unescape(m[1]))


# --------------------------------------------------------------------------------------------
# PNG decoding (stdlib only)


def read_png_rgb(path: str | Path) -> tuple[int, int, list[bytes]]:
    """``(width, height, rows)`` of an 8-bit RGB/RGBA PNG, each row as RGB(A) bytes."""
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    pos, idat = 8, []
    width = height = depth = colour = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour})")
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def png_colour_stats(path: str | Path, *, step: int = 2) -> dict[tuple[int, int, int], int]:
    """Counts of the RGB colours of every ``step``-th pixel of every ``step``-th row."""
    width, _, rows = read_png_rgb(path)
    bpp = len(rows[0]) // width if rows else 3
    counts: dict[tuple[int, int, int], int] = {}
    for row in rows[::step]:
        for x in range(0, width, step):
            i = x * bpp
            key = (row[i], row[i + 1], row[i + 2])
            counts[key] = counts.get(key, 0) + 1
    return counts
