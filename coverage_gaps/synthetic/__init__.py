"""Inputs made in code, for the demo data, the tests and the benchmarks (no Vietnamese towers,
DEM or village polygons are public).  Everything is seeded and reproducible.

``cells``    cell-tower rows in the exact 14-column OpenCelliD format
``places``   names, Voronoi communes, points in polygons, a villages layer
``terrain``  a fractal DEM with mountain-like relief
``demo``     the bundled demo data set in ``data/``
"""

from coverage_gaps.synthetic.cells import VN_OPERATORS, synthetic_cells, write_opencellid_csv
from coverage_gaps.synthetic.demo import DemoFiles, make_demo_data
from coverage_gaps.synthetic.places import (
    points_in,
    vietnamese_names,
    villages_frame,
    voronoi_communes,
)
from coverage_gaps.synthetic.terrain import fractal_dem

__all__ = [
    "VN_OPERATORS",
    "DemoFiles",
    "fractal_dem",
    "make_demo_data",
    "points_in",
    "synthetic_cells",
    "vietnamese_names",
    "villages_frame",
    "voronoi_communes",
    "write_opencellid_csv",
]
