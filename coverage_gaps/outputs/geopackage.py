"""The GeoPackage of one area: ``villages``, ``sites`` and ``dead_zones`` layers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.tables import village_table

if TYPE_CHECKING:
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = ["write_area_geopackage", "write_geopackage"]


def write_geopackage(
    path: str | Path,
    *,
    villages: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    dead_zones: gpd.GeoDataFrame,
) -> Path:
    """Write the three layers to one GeoPackage, atomically."""
    path = Path(path)
    layer = gpd.GeoDataFrame(
        village_table(villages), geometry=villages.geometry.values, crs=villages.crs
    )
    with atomic_path(path) as tmp:
        layer.to_file(tmp, layer="villages", driver="GPKG")
        sites.to_file(tmp, layer="sites", driver="GPKG", mode="a")
        dead_zones.to_file(tmp, layer="dead_zones", driver="GPKG", mode="a")
    return path


def write_area_geopackage(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>.gpkg`` of one area."""
    return [
        write_geopackage(
            target.path(".gpkg"),
            villages=result.villages,
            sites=result.sites,
            dead_zones=result.dead_zones,
        )
    ]
