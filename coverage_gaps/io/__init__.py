"""Reading the inputs: towers, villages, administrative layers, electrification, population and
elevation, in the formats they come in and any CRS.

Readers return plain tables and frames; the :mod:`~coverage_gaps.io.sources` put rasters and
lines onto an analysis grid when an area asks for them.
"""

from coverage_gaps.io.admin import read_admin_layer
from coverage_gaps.io.dem import dem_resolution_m, read_dem
from coverage_gaps.io.electrification import (
    electrified_from_lines,
    electrified_from_raster,
    read_grid_lines,
)
from coverage_gaps.io.field_checks import FieldCheckReport, read_field_checks
from coverage_gaps.io.population import population_on_grid
from coverage_gaps.io.sources import (
    DemTiles,
    GridSource,
    LineElectrification,
    PopulationRaster,
    RasterElectrification,
)
from coverage_gaps.io.towers import COLUMNS, TowerReport, read_towers
from coverage_gaps.io.villages import read_villages

__all__ = [
    "COLUMNS",
    "DemTiles",
    "FieldCheckReport",
    "GridSource",
    "LineElectrification",
    "PopulationRaster",
    "RasterElectrification",
    "TowerReport",
    "dem_resolution_m",
    "electrified_from_lines",
    "electrified_from_raster",
    "population_on_grid",
    "read_admin_layer",
    "read_dem",
    "read_field_checks",
    "read_grid_lines",
    "read_towers",
    "read_villages",
]
