"""Shared fixtures: tiny inputs built in code (the builders are in tests/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from tests.helpers import UTM, X0, Y0, cell_row, write_cells, write_raster


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner (stderr kept apart from stdout)."""
    return CliRunner()


@pytest.fixture
def tiny_world(tmp_path: Path) -> dict[str, Path]:
    """Three square villages in a row, 4 km apart, one Viettel LTE site by the first; the first
    two are electrified, the third is not.  Files: villages.gpkg, towers.csv, electrified.tif."""
    squares = [shapely.box(X0 + i * 4000, Y0, X0 + i * 4000 + 2000, Y0 + 2000) for i in range(3)]
    villages = gpd.GeoDataFrame(
        {
            "code": ["001", "002", "003"],
            "name": ["Bản Một", "Bản Hai", "Bản Ba"],
            "commune": ["Xã Đông", "Xã Đông", "Xã Tây"],
            "province": ["Lào Cai"] * 3,
        },
        geometry=squares,
        crs=UTM,
    )
    vpath = tmp_path / "villages.gpkg"
    villages.to_file(vpath, layer="villages")
    rows = [cell_row("LTE", 4, 1000 * 256 + s, X0 + 1000, Y0 + 1000, rng=1500) for s in (1, 2, 3)]
    tpath = write_cells(rows, tmp_path / "towers.csv")
    res = 100.0
    width, height = 130, 40
    arr = np.zeros((height, width), dtype="uint8")
    # Electrified: the cells of villages 1 and 2 (x from X0-500 onward), not village 3.
    arr[:, : int((4000 + 2000 + 500) / res)] = 1
    epath = write_raster(tmp_path / "electrified.tif", arr, x0=X0 - 500, y1=Y0 + 3500, res=res)
    return {"villages": vpath, "towers": tpath, "electrified": epath, "dir": tmp_path}
