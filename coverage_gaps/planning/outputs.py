"""The files of a plan: the proposed sites, the unreachable villages, the curve, a map, a
GeoPackage, a plot.

A plan writer is ``f(plan: AreaPlan, target: AreaTarget) -> list[Path]``, registered in
:data:`PLAN_WRITERS` by output kind; the kinds of ``--outputs`` choose among them
(:func:`plan_kinds`): the CSVs are always written, the workbook with ``xlsx``, the GeoPackage
with ``gpkg``, the map with ``html``, and the plot whenever matplotlib is installed.  Every
file is written atomically (:func:`coverage_gaps.outputs.atomic.atomic_path`).

=============================  ===============================================================
``<slug>-new-sites.csv``       the proposed sites in order of marginal gain
                               (:data:`~coverage_gaps.planning.geo.PLAN_SITE_COLUMNS`)
``<slug>-unreachable.csv``     villages with dark land no candidate reaches: they need another
                               kind of solution (satellite, a repeater, a mast off the grid)
``<slug>-plan-curve.csv``      share of the demand served against the number of sites: greedy,
                               optimal (where solved, with the proven bound) and this plan
``<slug>-new-sites.xlsx``      the proposed sites as a workbook in the run's language
``<slug>-plan.gpkg``           layers ``new_sites``, ``new_coverage``, ``unreachable``,
                               ``candidates`` with QGIS styles
``<slug>-plan.html``           the province's map with the proposed sites, their new coverage
                               and the unreachable land
``<slug>-plan.png``            the curve as a plot
=============================  ===============================================================
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps.outputs import Writer, labels
from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.tables import write_csv
from coverage_gaps.planning.geo import PLAN_SITE_COLUMNS, UNREACHABLE_COLUMNS

if TYPE_CHECKING:
    import datetime as dt

    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.planning.geo import AreaPlan

__all__ = [
    "CANDIDATE_LAYER_COLUMNS",
    "NEW_COVERAGE_RGBA",
    "PLAN_SITE_COLOURS",
    "PLAN_WRITERS",
    "UNREACHABLE_RGBA",
    "new_coverage_polygons",
    "plan_kinds",
    "plan_map_data",
    "write_plan_geopackage",
    "write_plan_map",
    "write_plan_plot",
    "write_plan_tables",
    "write_plan_workbook",
]

#: Colour of the proposed sites by kind (a new mast; a mast that exists).
PLAN_SITE_COLOURS: Mapping[str, str] = {
    "new": "#1f1f1f",
    "shared_mast": "#4b2991",
    "upgrade": "#4b2991",
}
#: The new coverage of the proposed sites (gold: no status, signal or operator is drawn so).
NEW_COVERAGE_RGBA = (255, 204, 0, 130)
#: Dark land no candidate reaches.
UNREACHABLE_RGBA = (197, 27, 125, 170)
#: Columns of the ``candidates`` layer.
CANDIDATE_LAYER_COLUMNS: tuple[str, ...] = (
    "site_id",
    "kind",
    "source",
    "lon",
    "lat",
    "elevation_m",
    "existing_operator",
    "demand_cells",
    "rank",
)

#: The plan's outputs by kind (the kinds of ``--outputs``; ``png`` whenever matplotlib is
#: installed), in the order they are written.
PLAN_WRITERS: Mapping[str, Writer] = {
    w.kind: w
    for w in (
        Writer(
            "csv",
            "<province>-new-sites.csv, -unreachable.csv and -plan-curve.csv (always)",
            "coverage_gaps.planning.outputs:write_plan_tables",
        ),
        Writer(
            "xlsx",
            "<province>-new-sites.xlsx",
            "coverage_gaps.planning.outputs:write_plan_workbook",
        ),
        Writer(
            "gpkg",
            "<province>-plan.gpkg: new sites, their coverage, unreachable land, candidates",
            "coverage_gaps.planning.outputs:write_plan_geopackage",
        ),
        Writer(
            "html",
            "<province>-plan.html: the map with the proposed sites",
            "coverage_gaps.planning.outputs:write_plan_map",
        ),
        Writer(
            "png",
            "<province>-plan.png: coverage against the number of sites (needs matplotlib)",
            "coverage_gaps.planning.outputs:write_plan_plot",
        ),
    )
}


def _has_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def plan_kinds(kinds: Sequence[str]) -> list[str]:
    """The plan writers to run for the run's ``--outputs`` ``kinds``."""
    out = ["csv"] + [k for k in ("xlsx", "gpkg", "html") if k in kinds]
    if _has_matplotlib():
        out.append("png")
    return out


# --------------------------------------------------------------------------------------------
# Tables


def _rounded_sites(plan: AreaPlan) -> pd.DataFrame:
    table = plan.sites[list(PLAN_SITE_COLUMNS)].copy()
    for col, digits in (
        ("elevation_m", 1),
        ("demand_covered", 4),
        ("people_covered", 1),
        ("land_covered_km2", 4),
        ("cumulative_share", 6),
    ):
        table[col] = table[col].astype("f8").round(digits)
    return table


def _rounded_unreachable(plan: AreaPlan) -> pd.DataFrame:
    table = plan.unreachable[list(UNREACHABLE_COLUMNS)].copy()
    for col, digits in (
        ("dark_km2", 4),
        ("unreachable_km2", 4),
        ("unreachable_share", 4),
        ("dark_people", 1),
        ("unreachable_people", 1),
        ("nearest_site_m", 0),
    ):
        table[col] = table[col].astype("f8").round(digits)
    return table


def write_plan_tables(plan: AreaPlan, target: AreaTarget) -> list[Path]:
    """``<slug>-new-sites.csv``, ``<slug>-unreachable.csv`` and ``<slug>-plan-curve.csv``."""
    return [
        write_csv(_rounded_sites(plan), target.path("-new-sites.csv")),
        write_csv(_rounded_unreachable(plan), target.path("-unreachable.csv")),
        write_csv(plan.curve.round(6), target.path("-plan-curve.csv")),
    ]


def write_plan_workbook(plan: AreaPlan, target: AreaTarget) -> list[Path]:
    """``<slug>-new-sites.xlsx``: the proposed sites in the run's language."""
    from coverage_gaps.outputs.workbooks import write_workbook

    lang = target.lang
    table = _rounded_sites(plan)
    table["kind"] = [labels.text(f"kind_{k}", lang) for k in table["kind"]]
    return [
        write_workbook(
            target.path("-new-sites.xlsx"),
            table,
            sheet=labels.text("sheet_new_sites", lang),
            title=labels.text("new_sites_title", lang, province=plan.name),
            lang=lang,
            thresholds=plan.area.thresholds,
            resolution_m=plan.area.grid.resolution,
            stamp=target.stamp,
            statuses=False,
        )
    ]


# --------------------------------------------------------------------------------------------
# GeoPackage


def new_coverage_polygons(plan: AreaPlan) -> gpd.GeoDataFrame:
    """Per proposed site, the land nobody served before that it is the first to serve
    (EPSG:4326): ``rank``, ``site_id``, ``area_km2``."""
    from rasterio.features import shapes

    area = plan.area
    grid = area.grid
    ranks = np.where(area.coverage.serving == 0, plan.served, 0).astype(np.int32)
    pieces: dict[int, list[Any]] = {}
    if ranks.any():
        for geom, value in shapes(ranks, mask=ranks > 0, transform=grid.transform):
            pieces.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    order = sorted(pieces)
    geoms = [shapely.union_all(pieces[k]) for k in order]
    ids = plan.sites["site_id"].to_numpy()
    counts = np.bincount(ranks.ravel(), minlength=len(ids) + 1)
    frame = gpd.GeoDataFrame(
        {
            "rank": np.asarray(order, dtype=np.int64),
            "site_id": [str(ids[k - 1]) for k in order],
            "area_km2": [counts[k] * grid.cell_area_m2 / 1e6 for k in order],
        },
        geometry=gpd.GeoSeries(geoms, crs=grid.crs),
        crs=grid.crs,
    )
    return frame.to_crs(4326)


def _unreachable_mask(plan: AreaPlan) -> np.ndarray:
    mask = np.zeros(plan.area.grid.shape, dtype=bool)
    lost = np.asarray(plan.result.uncoverable, dtype=np.int64)
    mask[plan.demand.rows[lost], plan.demand.cols[lost]] = True
    return mask


def _candidates_layer(plan: AreaPlan) -> gpd.GeoDataFrame:
    c = plan.candidates
    rank = np.zeros(len(c), dtype=np.int64)
    rank[np.asarray(plan.result.chosen, dtype=np.int64)] = np.arange(1, plan.result.chosen.size + 1)
    made = {
        "demand_cells": np.diff(plan.matrix.indptr).astype(np.int64),
        "rank": pd.array([r if r > 0 else None for r in rank.tolist()], dtype="Int64"),
    }
    frame = pd.DataFrame({k: made[k] if k in made else c[k] for k in CANDIDATE_LAYER_COLUMNS})
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(c["lon"], c["lat"]), crs=4326)


def _write_layer(frame: gpd.GeoDataFrame, path: Path, layer: str, *, first: bool) -> None:
    """One layer of the GeoPackage; polygon layers as MultiPolygons throughout."""
    kind = "Point" if layer in ("new_sites", "candidates") else "MultiPolygon"
    if kind == "MultiPolygon" and len(frame):
        multi = [shapely.multipolygons(shapely.get_parts(g)) for g in frame.geometry.values]
        frame = frame.set_geometry(gpd.GeoSeries(multi, index=frame.index, crs=frame.crs))
    frame.to_file(
        path,
        layer=layer,
        driver="GPKG",
        mode="w" if first else "a",
        geometry_type=kind,
        **({"dataset_options": {"VERSION": "1.3"}} if first else {}),
    )


def write_plan_geopackage(plan: AreaPlan, target: AreaTarget) -> list[Path]:
    """``<slug>-plan.gpkg``: ``new_sites`` (points, the columns of the CSV), ``new_coverage``
    (each site's new coverage), ``unreachable`` (each village's dark land no candidate
    reaches) and ``candidates`` (every candidate, with its rank when chosen), styled for
    QGIS."""
    from coverage_gaps import __version__
    from coverage_gaps.outputs.geopackage import Category, LayerStyle, write_layer_styles
    from coverage_gaps.pipeline import village_mask_polygons

    lang = target.lang
    area = plan.area
    sites = _rounded_sites(plan)
    sites_layer = gpd.GeoDataFrame(
        sites, geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=4326
    )
    unreachable = village_mask_polygons(
        _unreachable_mask(plan), area.spans, area.grid, area.villages
    )
    kinds = [
        Category(k, labels.text(f"kind_{k}", lang), PLAN_SITE_COLOURS[k], "#ffffff")
        for k in PLAN_SITE_COLOURS
    ]
    styles = [
        LayerStyle(
            "new_sites",
            "marker",
            kinds,
            attr="kind",
            description=labels.text("plan_sites_layer", lang),
        ),
        LayerStyle(
            "new_coverage",
            "fill",
            [Category("", labels.text("plan_coverage_layer", lang), "#ffcc00", "#b38f00")],
            opacity=0.5,
            description=labels.text("plan_coverage_layer", lang),
        ),
        LayerStyle(
            "unreachable",
            "fill",
            [Category("", labels.text("plan_unreachable_layer", lang), "#c51b7d", "#7a0f4d")],
            opacity=0.6,
            description=labels.text("plan_unreachable_layer", lang),
        ),
        LayerStyle(
            "candidates",
            "marker",
            kinds,
            attr="kind",
            opacity=0.5,
            description="candidates",
        ),
    ]
    path = target.path("-plan.gpkg")
    with atomic_path(path) as tmp:
        _write_layer(sites_layer, tmp, "new_sites", first=True)
        _write_layer(new_coverage_polygons(plan), tmp, "new_coverage", first=False)
        _write_layer(unreachable, tmp, "unreachable", first=False)
        _write_layer(_candidates_layer(plan), tmp, "candidates", first=False)
        write_layer_styles(tmp, styles, owner=f"coverage-gaps {__version__}")
    return [path]


# --------------------------------------------------------------------------------------------
# The map


def plan_map_data(
    plan: AreaPlan,
    *,
    lang: str = "vi",
    made: dt.date | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """The province map's data (:func:`coverage_gaps.outputs.webmap.map_data`, which stamps
    ``made`` and ``version``) with the plan: its title, the proposed sites (numbered by rank),
    their new coverage and the dark land no candidate reaches."""
    from coverage_gaps.outputs.webmap import (
        class_image,
        legend_row,
        map_data,
        png_data_url,
        png_palette,
        quantized,
    )

    area = plan.area
    data = map_data(area, lang=lang, made=made, version=version)
    sites = plan.sites
    share = float(sites["cumulative_share"].iloc[-1]) if len(sites) else 0.0
    data["title"] = labels.text("plan_title", lang, province=plan.name)
    data["subtitle"] = labels.text(
        "plan_subtitle", lang, sites=len(sites), share=labels.format_percent(share, lang)
    )
    new = ((plan.served > 0) & (area.coverage.serving == 0)).astype(np.uint8)
    img, bounds = class_image(new, area.grid)
    images = [
        {
            "id": "plan-coverage",
            "name": labels.text("plan_coverage_layer", lang),
            "png": png_data_url(png_palette(img, [(0, 0, 0, 0), NEW_COVERAGE_RGBA])),
            "bounds": bounds,
            "visible": True,
            "legend": [
                legend_row(
                    "fill",
                    "rgba({},{},{},0.55)".format(*NEW_COVERAGE_RGBA[:3]),
                    labels.text("plan_coverage_layer", lang),
                )
            ],
        }
    ]
    lost = _unreachable_mask(plan)
    if lost.any():
        img, bounds = class_image(lost.astype(np.uint8), area.grid)
        images.append(
            {
                "id": "plan-unreachable",
                "name": labels.text("plan_unreachable_layer", lang),
                "png": png_data_url(png_palette(img, [(0, 0, 0, 0), UNREACHABLE_RGBA])),
                "bounds": bounds,
                "visible": True,
                "legend": [
                    legend_row(
                        "fill",
                        "rgba({},{},{},0.65)".format(*UNREACHABLE_RGBA[:3]),
                        labels.text("plan_unreachable_layer", lang),
                    )
                ],
            }
        )
    data["images"] = list(data["images"]) + images
    people = plan.demand.people is not None
    keys = ["site_id", "kind", "demand_covered"]
    keys += ["people_covered"] if people else []
    keys += ["land_covered_km2", "villages_fixed", "cumulative_share", "elevation_m"]
    rows = []
    for r in sites.to_dict("records"):
        values = {
            "site_id": str(r["site_id"]),
            "kind": labels.text(f"kind_{r['kind']}", lang)
            + (f" ({r['existing_operator']})" if r["existing_operator"] else ""),
            "demand_covered": labels.format_number(r["demand_covered"], 0 if people else 2, lang),
            "people_covered": labels.format_number(r["people_covered"], 0, lang),
            "land_covered_km2": labels.format_number(r["land_covered_km2"], 2, lang),
            "villages_fixed": labels.format_number(r["villages_fixed"], 0, lang),
            "cumulative_share": labels.format_percent(r["cumulative_share"], lang),
            "elevation_m": labels.format_number(r["elevation_m"], 0, lang),
        }
        rows.append([values[k] for k in keys])
    data["plan"] = {
        "lon": quantized(sites["lon"]) if len(sites) else [],
        "lat": quantized(sites["lat"]) if len(sites) else [],
        "rank": [int(k) for k in sites["rank"]],
        "kind": [str(k) for k in sites["kind"]],
        "title": [labels.text("plan_site", lang, rank=int(k)) for k in sites["rank"]],
        "fields": [labels.column_label(k, lang) for k in keys],
        "rows": rows,
    }
    data["layers"] = {**data["layers"], "plan": labels.text("plan_sites_layer", lang)}
    present = sorted(set(sites["kind"]), key=list(PLAN_SITE_COLOURS).index)
    data["legend"] = {
        **data["legend"],
        "plan": [
            legend_row("fill", PLAN_SITE_COLOURS[k], labels.text(f"kind_{k}", lang))
            for k in present
        ],
    }
    return data


def write_plan_map(plan: AreaPlan, target: AreaTarget) -> list[Path]:
    """``<slug>-plan.html``: the province's map with the plan, one self-contained page."""
    from coverage_gaps.outputs.webmap import render_page, write_map

    stamp = target.stamp
    page = render_page(plan_map_data(plan, lang=target.lang, made=stamp.day, version=stamp.version))
    return [write_map(target.path("-plan.html"), page)]


# --------------------------------------------------------------------------------------------
# The plot


def write_plan_plot(plan: AreaPlan, target: AreaTarget) -> list[Path]:
    """``<slug>-plan.png``: the share of the demand served against the number of new sites,
    greedy and optimal (with the proven bound), and this plan in rank order.  Nothing without
    matplotlib."""
    if not _has_matplotlib():
        return []
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lang = target.lang
    c = plan.curve
    fig = Figure(figsize=(7.5, 4.6), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    t = labels.text
    ax.plot(
        c["sites"],
        100 * c["greedy_share"],
        color="#969696",
        lw=1.6,
        label=t("plan_plot_greedy", lang),
    )
    opt = c.dropna(subset=["optimal_share"])
    if len(opt):
        # Every count, unsolved ones as NaN: the line joins only neighbouring solved counts
        # and never draws an optimum across a count that was not solved.
        ax.plot(
            c["sites"],
            100 * c["optimal_share"],
            "o-",
            color="#08519c",
            ms=4,
            lw=1.4,
            label=t("plan_plot_optimal", lang),
        )
        ax.plot(
            opt["sites"],
            100 * opt["bound_share"],
            "v",
            color="#08519c",
            mfc="none",
            ms=6,
            label=t("plan_plot_bound", lang),
        )
    ax.plot(
        c["sites"],
        100 * c["plan_share"],
        ":",
        color="#4b2991",
        lw=1.8,
        label=t("plan_plot_plan", lang),
    )
    ax.set_xlabel(t("plan_plot_x", lang))
    ax.set_ylabel(t("plan_plot_y", lang) + " (%)")
    ax.set_title(t("plan_title", lang, province=plan.name))
    ax.set_xlim(0, max(int(c["sites"].max()), 1) + 0.5 if len(c) else 1)
    ax.set_ylim(0, 102)
    ax.grid(True, color="#e0e0e0", lw=0.6)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    fig.tight_layout()
    path = target.path("-plan.png")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return [path]
