"""The interactive Folium map of one area, for telecom planners.

Layers: villages coloured by status (tooltip: name, commune, status, reason, shares, people),
sites as clustered markers coloured by operator (popup: operator, radios, cells, range), the
coverage as a semi-transparent image, dead zones, and, with a propagation model, the best-server
signal with a dBm colour bar.  Geometry is simplified for display and coordinates rounded so the
file stays light.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.outputs.atomic import atomic_path

if TYPE_CHECKING:
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = ["build_map", "write_area_map", "write_map"]

STATUS_COLOURS: dict[str, str] = {
    "dead_zone": "#d7191c",
    "partial": "#fdae61",
    "covered": "#1a9641",
    "not_electrified": "#9e9e9e",
}
STATUS_LABELS: dict[str, str] = {
    "dead_zone": "Dead zone (< 10% of electrified land covered)",
    "partial": "Partial coverage",
    "covered": "Covered (≥ 90%)",
    "not_electrified": "Not electrified",
}
#: Site colours: no reds, greens or light blues, which mean statuses and coverage on this map.
OPERATOR_COLOURS = ("#6a3d9a", "#222222", "#e7298a", "#8c510a", "#01665e", "#b2abd2")
STATUS_SHORT: dict[str, str] = {
    "dead_zone": "Dead zone",
    "partial": "Partial",
    "covered": "Covered",
    "not_electrified": "Not electrified",
}
#: Fill colour by the status label the tooltip shows.
STATUS_FILL: dict[str, str] = {STATUS_SHORT[k]: c for k, c in STATUS_COLOURS.items()}
REASON_TEXT: dict[str, str] = {
    "beyond_site_range": "land beyond every site's range",
    "2g_sunset": "only 2G, now switched off",
    "3g_sunset": "only 3G, now switched off",
    "no_measurements_nearby": "no measurement nearby",
    "terrain_shadow": "terrain blocks the signal",
    "2g_only": "2G only",
    "single_operator": "one operator only",
}
_CLUSTER_ICON = (
    "function (cluster) { return L.divIcon({html: '<div style=\"background:#555;color:#fff;"
    "border:2px solid #fff;border-radius:50%;width:30px;height:30px;line-height:26px;"
    "text-align:center;font:bold 12px sans-serif\">' + cluster.getChildCount() + '</div>',"
    " className: 'marker-cluster', iconSize: [30, 30]}); }"
)
#: Largest side of an image overlay, in pixels.
MAX_IMAGE_SIDE = 2048


def _light_geometries(geoms: gpd.GeoSeries, tolerance_m: float) -> gpd.GeoSeries:
    """Simplify in metres (topology kept) and round to 5 decimals (~1 m) in EPSG:4326."""
    metric = geoms.to_crs(geoms.estimate_utm_crs()) if geoms.crs.is_geographic else geoms
    simple = metric.simplify(tolerance_m, preserve_topology=True).to_crs(4326)
    rounded = shapely.set_precision(np.asarray(simple.values), grid_size=1e-5)
    return gpd.GeoSeries(rounded, index=geoms.index, crs=4326)


def _overlay_image(
    values: np.ndarray, grid: AnalysisGrid, *, resampling: str = "nearest"
) -> tuple[np.ndarray, list[list[float]]]:
    """``values`` (float, NaN transparent) reprojected to Web Mercator for an image overlay, and
    its lat/lon bounds."""
    from rasterio.enums import Resampling
    from rasterio.warp import calculate_default_transform, reproject, transform_bounds

    xmin, ymin, xmax, ymax = grid.bounds
    transform, width, height = calculate_default_transform(
        grid.crs, "EPSG:3857", grid.width, grid.height, xmin, ymin, xmax, ymax
    )
    scale = max(width, height) / MAX_IMAGE_SIDE
    if scale > 1:
        transform = transform * transform.scale(scale, scale)
        width, height = int(np.ceil(width / scale)), int(np.ceil(height / scale))
    dest = np.full((height, width), np.nan, dtype="float32")
    reproject(
        source=values.astype("float32"),
        destination=dest,
        src_transform=grid.transform,
        src_crs=grid.crs,
        dst_transform=transform,
        dst_crs="EPSG:3857",
        src_nodata=np.nan,
        dst_nodata=np.nan,
        resampling=getattr(Resampling, resampling),
    )
    west = transform.c
    north = transform.f
    east = west + transform.a * width
    south = north + transform.e * height
    lon0, lat0, lon1, lat1 = transform_bounds("EPSG:3857", "EPSG:4326", west, south, east, north)
    return dest, [[lat0, lon0], [lat1, lon1]]


def _legend_html(title: str, rows: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;margin-right:6px;'
        f'vertical-align:middle;background:{colour};opacity:0.85;border:1px solid #555">'
        f"</span>{html.escape(label)}</div>"
        for colour, label in rows
    )
    return (
        '<div id="coverage-gaps-legend" style="background:white;padding:8px 10px;'
        "border:1px solid #888;border-radius:4px;font:12px/1.5 sans-serif;"
        f'box-shadow:0 1px 4px rgba(0,0,0,.3)"><b>{html.escape(title)}</b>{items}</div>'
    )


def _legend_control(legend: str) -> Any:
    """A Leaflet control at the bottom left holding ``legend`` (so it never covers the scale),
    and a metric-only scale bar."""
    from branca.element import MacroElement
    from jinja2 import Template

    element = MacroElement()
    element._template = Template(
        "{% macro script(this, kwargs) %}"
        "var legend = L.control({position: 'bottomleft'});"
        "legend.onAdd = function () { var d = L.DomUtil.create('div');"
        f" d.innerHTML = {json.dumps(legend)}; return d; }};"
        "legend.addTo({{ this._parent.get_name() }});"
        "L.control.scale({imperial: false, position: 'bottomright'})"
        ".addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )
    return element


def build_map(
    name: str,
    *,
    villages: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    dead_zones: gpd.GeoDataFrame,
    grid: AnalysisGrid,
    covered: np.ndarray,
    operators: list[str],
    signal_dbm: np.ndarray | None = None,
    signal_range: tuple[float, float] = (-120.0, -60.0),
) -> Any:
    """The Folium map of one area (returns a ``folium.Map``)."""
    import branca.colormap as cm
    import folium
    from folium.plugins import FastMarkerCluster

    tolerance = max(grid.resolution / 2, 20.0)
    bounds = villages.total_bounds  # lon/lat
    fmap = folium.Map(tiles=None, prefer_canvas=True)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap (base map)").add_to(fmap)
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    _root(fmap).header.add_child(
        folium.Element(f"<title>{html.escape(name)} – coverage gaps</title>")
    )
    # The analysis area: coverage and dead zones are computed inside it only.
    gx0, gy0, gx1, gy1 = grid.bounds
    area = gpd.GeoSeries([shapely.box(gx0, gy0, gx1, gy1)], crs=grid.crs).to_crs(4326)
    folium.GeoJson(
        area.__geo_interface__,
        name="Analysis area",
        style_function=lambda _: {
            "color": "#555555",
            "weight": 1.5,
            "dashArray": "6 6",
            "fill": False,
        },
        interactive=False,
    ).add_to(fmap)

    # Coverage (any counted service) as an image.
    cov = np.where(covered, 1.0, np.nan).astype("float32")
    img, img_bounds = _overlay_image(cov, grid)
    rgba = np.zeros((*img.shape, 4), dtype=np.uint8)
    rgba[np.isfinite(img)] = (49, 130, 189, 110)
    folium.raster_layers.ImageOverlay(
        rgba,
        bounds=img_bounds,
        name="Coverage (any counted service)",
        interactive=False,
        zindex=2,
    ).add_to(fmap)

    if signal_dbm is not None:
        lo, hi = signal_range
        colormap = cm.LinearColormap(
            ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"],
            vmin=lo,
            vmax=hi,
            caption="Best-server signal (dBm)",
        )
        sig, sig_bounds = _overlay_image(signal_dbm, grid, resampling="bilinear")
        rgba_sig = np.zeros((*sig.shape, 4), dtype=np.uint8)
        ok = np.isfinite(sig)
        norm = np.clip((sig[ok] - lo) / (hi - lo), 0, 1)
        rgb = np.array(
            [_hex_rgb(colormap.rgb_hex_str(lo + t * (hi - lo))) for t in np.linspace(0, 1, 64)],
            dtype=np.uint8,
        )
        rgba_sig[ok, :3] = rgb[np.round(norm * 63).astype(int)]
        rgba_sig[ok, 3] = 150
        folium.raster_layers.ImageOverlay(
            rgba_sig,
            bounds=sig_bounds,
            name="Signal (dBm)",
            interactive=False,
            zindex=3,
        ).add_to(fmap)
        colormap.add_to(fmap)

    if len(dead_zones):
        dz = dead_zones.copy()
        dz["geometry"] = _light_geometries(dz.geometry, tolerance)
        folium.GeoJson(
            dz[["area_km2", "geometry"]].round({"area_km2": 3}),
            name="Dead zones (electrified, no signal)",
            style_function=lambda _: {
                "color": "#7f0000",
                "weight": 0.5,
                "fillColor": "#d7191c",
                "fillOpacity": 0.55,
            },
            tooltip=folium.GeoJsonTooltip(["area_km2"], aliases=["Dead zone km²"]),
        ).add_to(fmap)

    v = villages.copy()
    v["geometry"] = _light_geometries(v.geometry, tolerance)
    fields = [
        "village_name",
        "commune",
        "status",
        "reason",
        "covered_share",
        "uncovered_electrified_km2",
        "operator_names",
    ]
    aliases = [
        "Village",
        "Commune",
        "Status",
        "Reason",
        "Covered share of electrified land",
        "Uncovered electrified km²",
        "Operators",
    ]
    if v["population"].notna().any():
        fields += ["population", "uncovered_population"]
        aliases += ["People", "People without signal"]
    if v["best_signal_dbm"].notna().any():
        fields += ["best_signal_dbm"]
        aliases += ["Best signal (dBm)"]
    shown = v[[*fields, "geometry"]].copy()
    for col in ("covered_share", "uncovered_electrified_km2", "best_signal_dbm"):
        if col in shown:
            shown[col] = shown[col].astype("f8").round(2)
    for col in ("population", "uncovered_population"):
        if col in shown:
            shown[col] = shown[col].astype("f8").round(0)
    shown["status"] = shown["status"].map(STATUS_SHORT).fillna(shown["status"])
    shown["reason"] = [
        ", ".join(REASON_TEXT.get(r, r) for r in str(text).split(";") if r)
        for text in shown["reason"].fillna("")
    ]
    shown["covered_share"] = [
        "—" if share != share else f"{share:.0%}" for share in v["covered_share"].astype("f8")
    ]
    # Dead zones drawn last, on top of their neighbours.
    order = {"not_electrified": 0, "covered": 1, "partial": 2, "dead_zone": 3}
    shown = shown.iloc[np.argsort(v["status"].map(order).to_numpy(), kind="stable")]
    folium.GeoJson(
        shown,
        name="Villages by status",
        style_function=lambda f: {
            "color": "#333333",
            "weight": 0.6,
            "fillColor": STATUS_FILL.get(f["properties"]["status"], "#ffffff"),
            "fillOpacity": 0.8 if f["geometry"]["type"] == "Point" else 0.45,
        },
        marker=folium.CircleMarker(radius=7, fill=True, weight=1),
        tooltip=folium.GeoJsonTooltip(fields, aliases=aliases, localize=True),
        zoom_on_click=False,
    ).add_to(fmap)

    if len(sites):
        colours = {
            op: OPERATOR_COLOURS[i % len(OPERATOR_COLOURS)] for i, op in enumerate(operators)
        }
        data = [
            [
                round(lat, 5),
                round(lon, 5),
                colours.get(op, "#000000"),
                f"<b>{html.escape(op)}</b><br>{html.escape(radios)}<br>{cells} cells<br>"
                f"range {'' if rng != rng else f'{rng:,.0f} m'}",
            ]
            for lat, lon, op, radios, cells, rng in zip(
                sites["lat"],
                sites["lon"],
                sites["operator"],
                sites["radios"],
                sites["cells"],
                sites["range_m"],
                strict=True,
            )
        ]
        callback = (
            "function (row) {"
            " var m = L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 5, color: row[2],"
            " fillColor: row[2], fillOpacity: 0.9, weight: 1});"
            " m.bindPopup(row[3]); return m; }"
        )
        FastMarkerCluster(
            data,
            callback=callback,
            name="Sites (by operator)",
            icon_create_function=_CLUSTER_ICON,
            options={"maxClusterRadius": 40},
        ).add_to(fmap)
    else:
        colours = {}

    legend_rows = [(STATUS_COLOURS[s], STATUS_LABELS[s]) for s in STATUS_COLOURS]
    legend_rows += [("#d7191c", "Dead-zone land"), ("rgba(49,130,189,0.5)", "Coverage")]
    legend_rows += [(c, f"Site: {op}") for op, c in colours.items()]
    legend_rows.append(
        (
            "repeating-linear-gradient(90deg,#555 0 4px,#fff 4px 7px)",
            "Analysis area (coverage computed inside)",
        )
    )
    fmap.add_child(_legend_control(_legend_html(name, legend_rows)))
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def _root(fmap: Any) -> Any:
    return fmap.get_root()


def _hex_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def write_map(path: str | Path, fmap: Any) -> Path:
    """Save the map as one HTML file, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fmap.save(str(tmp))
    return path


def write_area_map(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>.html``: the interactive map of one area."""
    fmap = build_map(
        result.name,
        villages=result.villages,
        sites=result.sites,
        dead_zones=result.dead_zones,
        grid=result.grid,
        covered=result.coverage.serving != 0,
        operators=result.operators,
        signal_dbm=result.coverage.best_signal_dbm,
    )
    return [write_map(target.path(".html"), fmap)]
