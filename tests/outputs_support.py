"""A small analysed area for the output tests, built in code once per process.

Six polygon villages of Lào Cai in a row (UTM 48N), 2 km squares but the last, which has a
hole; names with Vietnamese diacritics, one that a spreadsheet would run as a formula and one
that looks like markup.  Villages 001 and 002 overlap by a 500 m strip.  A Viettel LTE site
at the centre of 001 (1.5 km) covers it and part of 002; a MobiFone GSM site lies far east.
Electrified: land within 1 km of two lines along the row (all but village 005).  10 people
per hectare everywhere.

============  ======================================  ================
village_id    village_name                            status
============  ======================================  ================
001           Bản Nậm Cang                            covered
002           Thôn Lũng Pù                            partial
003           =HYPERLINK("http://evil","click")       dead_zone
004           Bản <b>Mường</b> & "Co"                 dead_zone
005           Thôn Đồng Văn                           not_electrified
006           Bản Sà Phìn                             dead_zone
============  ======================================  ================
"""

from __future__ import annotations

import functools
import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps.io.sources import LineElectrification, PopulationRaster
from coverage_gaps.io.villages import read_villages
from coverage_gaps.outputs import AreaTarget
from coverage_gaps.pipeline import AreaResult, analyse_area
from coverage_gaps.settings import AnalysisOptions, OutputOptions, StatusThresholds
from coverage_gaps.sites import collapse_sites
from tests.helpers import UTM, X0, Y0, cell_row, write_raster

NAMES = (
    "Bản Nậm Cang",
    "Thôn Lũng Pù",
    '=HYPERLINK("http://evil","click")',
    'Bản <b>Mường</b> & "Co"',
    "Thôn Đồng Văn",
    "Bản Sà Phìn",
)
COMMUNES = ("Xã Tả Van", "Xã Tả Van", "Xã Bản Hồ", "Xã Bản Hồ", "Xã Sa Pả", "Xã Sa Pả")
STATUSES = ("covered", "partial", "dead_zone", "dead_zone", "not_electrified", "dead_zone")
#: The first site's first cell was created on 2020-09-13 (Unix 1 600 000 000).
CREATED = 1_600_000_000
#: Thresholds other than the defaults, so that outputs must take them from the result.
THRESHOLDS = StatusThresholds(dead_zone=0.15, covered=0.85)


def village_polygons() -> list[shapely.Geometry]:
    xs = (0, 1500, 6000, 9000, 12000)
    squares = [shapely.box(X0 + x, Y0, X0 + x + 2000, Y0 + 2000) for x in xs]
    holed = shapely.Polygon(
        [(X0 + 15000, Y0), (X0 + 17000, Y0), (X0 + 17000, Y0 + 2000), (X0 + 15000, Y0 + 2000)],
        holes=[[(X0 + 15600, Y0 + 600), (X0 + 16400, Y0 + 600), (X0 + 16400, Y0 + 1400),
                (X0 + 15600, Y0 + 1400)]],
    )  # fmt: skip
    return [*squares, holed]


@functools.lru_cache(maxsize=1)
def small_area() -> AreaResult:
    """The analysed area (cached: treat it as read-only)."""
    villages = gpd.GeoDataFrame(
        {
            "village_id": [f"{i:03d}" for i in range(1, 7)],
            "village_name": list(NAMES),
            "commune": list(COMMUNES),
            "province": ["Lào Cai"] * 6,
        },
        geometry=village_polygons(),
        crs=UTM,
    )
    rows = [
        cell_row("LTE", 4, 1000 * 256 + s, X0 + 1000, Y0 + 1000, rng=1500, created=CREATED + s - 1)
        for s in (1, 2, 3)
    ]
    rows.append(cell_row("GSM", 1, 77, X0 + 20000, Y0 + 1000, rng=2000, created=1_500_000_000))
    cells = pd.DataFrame(rows)
    cells["range"] = cells["range"].astype("f8")
    sites, emitters = collapse_sites(cells)
    lines = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(X0 - 1000, Y0 + 1000), (X0 + 11000, Y0 + 1000)]),
            shapely.LineString([(X0 + 15500, Y0 + 1000), (X0 + 17500, Y0 + 1000)]),
        ],
        crs=UTM,
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "villages.gpkg"
        villages.to_file(path, layer="villages")
        read = read_villages(path)
        people = write_raster(
            Path(tmp) / "population.tif",
            np.full((60, 240), 10.0, dtype="float32"),
            x0=X0 - 2000,
            y1=Y0 + 4000,
            res=100.0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = analyse_area(
                "Lào Cai",
                read,
                sites,
                emitters,
                electrification=LineElectrification(lines, 1000.0),
                population=PopulationRaster(people),
                analysis=AnalysisOptions(resolution_m=100.0, crs=UTM, thresholds=THRESHOLDS),
            )
    assert tuple(result.villages["status"]) == STATUSES, result.villages["status"].tolist()
    return result


def target(folder: Path, *, lang: str = "vi", kinds: tuple[str, ...] = ("csv",)) -> AreaTarget:
    """Where an area writer of the tests writes: ``folder/lao-cai...``."""
    return AreaTarget(folder=folder, slug="lao-cai", options=OutputOptions(kinds=kinds, lang=lang))
