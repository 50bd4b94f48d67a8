"""The analysis grid: alignment, coordinates, the UTM choice and the cell-centre disc rule."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import CRS

from coverage_gaps.errors import CRSError
from coverage_gaps.grid import (
    AnalysisGrid,
    check_metric,
    choose_metric_crs,
    disc_row_span,
    disc_rows,
    utm_crs_for,
)

UTM48 = CRS.from_epsg(32648)


def test_covering_is_aligned_to_the_resolution_and_holds_the_margin() -> None:
    grid = AnalysisGrid.covering(
        (1234.0, 5678.0, 4321.0, 8765.0), resolution=100, crs=UTM48, margin=50
    )
    xmin, ymin, xmax, ymax = grid.bounds
    assert (xmin, ymin, xmax, ymax) == (1100.0, 5600.0, 4400.0, 8900.0)
    assert grid.shape == (33, 33) and grid.cell_area_m2 == 10_000.0
    assert all(v % 100 == 0 for v in grid.bounds)
    with pytest.raises(ValueError, match="resolution must be positive"):
        AnalysisGrid.covering((0, 0, 1, 1), resolution=0, crs=UTM48)


def test_cell_centres_and_to_colrow_agree() -> None:
    grid = AnalysisGrid.covering((0.0, 0.0, 1000.0, 500.0), resolution=100, crs=UTM48)
    xs, ys = grid.cell_centres()
    assert xs.tolist() == [50.0 + 100 * i for i in range(10)]
    assert ys.tolist() == [450.0 - 100 * i for i in range(5)]
    col, row = grid.to_colrow(xs, np.full(10, ys[2]))
    np.testing.assert_allclose(col, np.arange(10) + 0.5)
    np.testing.assert_allclose(row, 2.5)
    # a cell spans [c, c + 1): its corners go to the cell itself
    c, r = grid.to_colrow(np.array([0.0, 99.999]), np.array([500.0, 400.001]))
    assert np.floor(c).tolist() == [0, 0] and np.floor(r).tolist() == [0, 0]


def test_refined_grid_keeps_the_origin_and_covers_the_extent() -> None:
    grid = AnalysisGrid.covering((0.0, 0.0, 1000.0, 500.0), resolution=100, crs=UTM48)
    fine = grid.refined(30.0)
    assert (fine.transform.c, fine.transform.f) == (grid.transform.c, grid.transform.f)
    assert fine.width * 30 >= 1000 and fine.height * 30 >= 500


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (105.85, 21.03, 32648),
        (103.0, 22.5, 32648),
        (101.5, 22.0, 32647),
        (102.0, 22.0, 32648),
        (-70.6, -33.4, 32719),
        (179.9, 10.0, 32660),
        (-180.0, 0.0, 32601),
    ],
)
def test_utm_zone_of_a_place(lon: float, lat: float, epsg: int) -> None:
    assert utm_crs_for(lon, lat).to_epsg() == epsg


def test_choose_metric_crs() -> None:
    # the centre of the bounds in the layer's CRS decides the zone
    assert choose_metric_crs((104.0, 21.0, 106.0, 22.0), "EPSG:4326").to_epsg() == 32648
    assert choose_metric_crs((0, 0, 1, 1), "EPSG:4326", user_crs="EPSG:3405").to_epsg() == 3405
    with pytest.raises(CRSError, match="not a projected CRS"):
        choose_metric_crs((0, 0, 1, 1), "EPSG:4326", user_crs="EPSG:4326")
    with pytest.raises(CRSError, match="not a CRS pyproj knows"):
        choose_metric_crs((0, 0, 1, 1), "EPSG:4326", user_crs="EPSG:999999")
    with pytest.raises(CRSError, match="no CRS"):
        choose_metric_crs((0, 0, 1, 1), None)
    with pytest.raises(CRSError, match="axis units"):
        check_metric(CRS.from_epsg(2229), what="--crs EPSG:2229")  # US survey feet


@pytest.mark.parametrize("seed", range(5))
def test_disc_rule_matches_brute_force(seed: int) -> None:
    """The rows and column spans of a disc hold exactly the cells whose centre is within it."""
    rng = np.random.default_rng(seed)
    height, width = 40, 50
    for _ in range(50):
        cx, cy = rng.uniform(-5, width + 5), rng.uniform(-5, height + 5)
        r = rng.uniform(0.1, 15)
        cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
        inside = (cols - cx) ** 2 + (rows - cy) ** 2 <= r * r
        got = np.zeros_like(inside)
        a, b = disc_rows(cy, r, height)
        for row in range(a, b + 1):
            lo, hi = disc_row_span(cx, cy, r, row, width)
            if hi > lo:  # the contract: an empty span has hi <= lo (possibly negative)
                got[row, lo:hi] = True
        np.testing.assert_array_equal(got, inside)


def test_project_is_to_crs_split_among_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same coordinates as GeoSeries.to_crs, with the vertices split among threads (a small
    chunk so that even this little input is split), for 2D and 3D geometries, None and empty."""
    import geopandas as gpd
    import shapely

    from coverage_gaps import grid as grid_module

    rng = np.random.default_rng(4)
    rings = [
        shapely.Polygon(np.column_stack([105 + rng.random(40), 21 + rng.random(40)])).convex_hull
        for _ in range(30)
    ]
    geoms = gpd.GeoSeries(
        [
            *rings,
            shapely.Point(105.5, 21.5, 12.0),
            None,
            shapely.Polygon(),
            shapely.LineString([(104, 20), (106, 22)]),
        ],
        crs=4326,
    )
    monkeypatch.setattr(grid_module, "PROJECT_CHUNK", 10)
    for threads in (1, 2, 3):
        got = grid_module.project(np.asarray(geoms.values), geoms.crs, CRS.from_epsg(32648),
                                  threads=threads)  # fmt: skip
        want = np.asarray(geoms.to_crs(32648).values)
        assert list(shapely.to_wkb(got)) == list(shapely.to_wkb(want)), threads
        assert got[len(rings)].has_z
    same = grid_module.project(np.asarray(geoms.values), geoms.crs, geoms.crs)
    assert list(shapely.to_wkb(same)) == list(shapely.to_wkb(np.asarray(geoms.values)))
