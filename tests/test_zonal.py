"""Village spans against brute force: a cell belongs to a village iff its centre is inside."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS

from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.zonal import mark_spans, village_distance_to, village_spans, village_totals

GRID = AnalysisGrid.covering((0, 0, 5000, 4000), resolution=100, crs=CRS.from_epsg(32648))


def brute_force(shape: shapely.Geometry) -> np.ndarray:
    xs, ys = GRID.cell_centres()
    xx, yy = np.meshgrid(xs, ys)
    return shapely.contains_xy(shape, xx, yy)


def shapes() -> np.ndarray:
    rng = np.random.default_rng(7)
    out = []
    for _ in range(12):  # random star polygons, some self-overlapping others
        cx, cy = rng.uniform(500, 4500), rng.uniform(500, 3500)
        ang = np.sort(rng.uniform(0, 2 * np.pi, 17))
        rad = rng.uniform(200, 1400, 17)
        out.append(
            shapely.Polygon(np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)]))
        )
    ring = shapely.box(1000, 1000, 3000, 3000).difference(shapely.box(1500, 1500, 2500, 2500))
    two = shapely.MultiPolygon(
        [shapely.box(-600, -600, 600, 600), shapely.box(4000, 3000, 6000, 5000)]
    )
    out += [ring, two, shapely.box(2000.5, 2000.5, 2010.5, 2010.5)]  # a hole, parts off-grid, tiny
    return np.asarray(out)


def test_spans_match_cell_centre_containment() -> None:
    geoms = shapes()
    spans = village_spans(geoms, GRID)
    assert spans.n_villages == len(geoms)
    for v, geom in enumerate(geoms):
        got = np.zeros(GRID.shape, dtype=bool)
        for s in range(spans.offsets[v], spans.offsets[v + 1]):
            assert not got[spans.row[s], spans.col_start[s] : spans.col_stop[s]].any()
            got[spans.row[s], spans.col_start[s] : spans.col_stop[s]] = True
        np.testing.assert_array_equal(got, brute_force(geom), err_msg=f"village {v}")


def test_point_villages_are_discs_worked_out_from_the_centre() -> None:
    """Points mixed with polygons: each point owns exactly the cells whose centre lies within
    the radius (brute force on the cell centres), discs cut by the grid edge included, and a disc
    too small for any cell centre falls back to the cell under the point."""
    rng = np.random.default_rng(11)
    radius = 437.0
    pts = [shapely.Point(x, y) for x, y in rng.uniform(-300, 5300, (25, 2))]
    pts.append(shapely.Point(2550.0, 2550.0))  # centred on a cell centre: a boundary case
    geoms = np.asarray([*pts, *shapes()[:3]])
    spans = village_spans(geoms, GRID, point_radius_m=radius, fallback_points=geoms)
    xs, ys = GRID.cell_centres()
    xx, yy = np.meshgrid(xs, ys)
    for v, geom in enumerate(geoms):
        got = np.zeros(GRID.shape, dtype=bool)
        for s in range(spans.offsets[v], spans.offsets[v + 1]):
            got[spans.row[s], spans.col_start[s] : spans.col_stop[s]] = True
        if geom.geom_type == "Point":
            want = np.hypot(xx - geom.x, yy - geom.y) <= radius
        else:
            want = brute_force(geom)
        np.testing.assert_array_equal(got, want, err_msg=f"village {v}")
    small = village_spans(
        np.array([shapely.Point(2010, 2010)]),
        GRID,
        point_radius_m=20.0,
        fallback_points=np.array([shapely.Point(2010, 2010)]),
    )
    assert small.cell_counts().tolist() == [1]
    assert (small.row[0], small.col_start[0]) == (GRID.height - 1 - 20, 20)  # the cell under it


def test_overlapping_villages_each_get_their_whole_area() -> None:
    a = shapely.box(0, 0, 2000, 2000)
    b = shapely.box(1000, 0, 3000, 2000)  # overlaps a by half
    spans = village_spans(np.array([a, b]), GRID)
    assert spans.cell_counts().tolist() == [400, 400]
    assert mark_spans(spans, GRID.shape).sum() == 600


def test_tiny_village_falls_back_to_the_cell_under_its_point() -> None:
    tiny = shapely.box(2010, 2010, 2020, 2020)
    spans = village_spans(np.array([tiny]), GRID, fallback_points=np.array([tiny.centroid]))
    assert spans.cell_counts().tolist() == [1]
    assert (spans.row[0], spans.col_start[0]) == (GRID.height - 1 - 20, 20)


def test_totals_against_numpy() -> None:
    geoms = shapes()
    rng = np.random.default_rng(3)
    elec = rng.random(GRID.shape) < 0.6
    serving = (rng.random(GRID.shape) < 0.5).astype(np.uint32) * 1 | (
        (rng.random(GRID.shape) < 0.3).astype(np.uint32) * 4
    )
    broadband = serving & 4
    pop = rng.random(GRID.shape).astype(np.float32) * 10
    sig = rng.uniform(-130, -50, GRID.shape).astype(np.float32)
    t = village_totals(
        village_spans(geoms, GRID),
        electrified=elec,
        serving=serving,
        broadband=broadband,
        population=pop,
        signal=sig,
    )
    for v, geom in enumerate(geoms):
        m = brute_force(geom)
        assert t.cells[v] == m.sum()
        assert t.electrified[v] == (m & elec).sum()
        assert t.electrified_covered[v] == (m & elec & (serving > 0)).sum()
        assert np.isclose(t.population[v], pop[m].sum(dtype="f8"), rtol=1e-5)
        assert np.isclose(
            t.uncovered_population[v], pop[m & elec & (serving == 0)].sum(dtype="f8"), rtol=1e-5
        )
        assert np.isclose(t.electrified_population[v], pop[m & elec].sum(dtype="f8"), rtol=1e-5)
        assert t.operators[v] == (np.bitwise_or.reduce(serving[m]) if m.any() else 0)
        if m.any():
            assert t.best_signal[v] == sig[m].max()


def test_distance_to_the_mask_against_every_pair_of_cells() -> None:
    """The ring search, and its KD-tree fallback (``max_ring`` of 2 sends the far villages
    there, ``sparse_box`` of 1 every village that does not fill its box), against the
    smallest distance over every (village cell, true cell) pair."""
    geoms = shapes()
    spans = village_spans(geoms, GRID)
    rng = np.random.default_rng(3)
    for density in (0.002, 0.02, 0.3):
        mask = rng.random(GRID.shape) < density
        mask[20:25, 10:40] = density > 0.01  # a block of land, or none
        everyone = np.arange(len(geoms))
        true_r, true_c = np.nonzero(mask)
        brute = np.full(len(geoms), np.nan)
        for v in everyone:
            cells = np.zeros(GRID.shape, dtype=bool)
            for s in range(spans.offsets[v], spans.offsets[v + 1]):
                cells[spans.row[s], spans.col_start[s] : spans.col_stop[s]] = True
            vr, vc = np.nonzero(cells)
            if vr.size:
                d2 = (vr[:, None] - true_r[None, :]) ** 2 + (vc[:, None] - true_c[None, :]) ** 2
                brute[v] = np.sqrt(d2.min())
        assert np.isnan(brute).sum() == 1  # the tiny box has no cell centre
        # rings only, rings then the tree, and the tree for every village not filling its box
        for max_ring, sparse_box in ((256, 1e9), (2, 16.0), (256, 1.0)):
            got = village_distance_to(
                spans, mask, everyone, max_ring=max_ring, sparse_box=sparse_box
            )
            np.testing.assert_allclose(got, brute, err_msg=f"{density=} {max_ring=} {sparse_box=}")
    empty = village_distance_to(spans, np.zeros(GRID.shape, dtype=bool), everyone)
    assert np.isnan(empty).all()


def test_distance_of_an_archipelago_village_in_a_dense_mask() -> None:
    """A village of small islands far apart (its box mostly sea) inside a mask true almost
    everywhere else: the tree's answer (the default, the box is sparse) and the rings' answer
    (``sparse_box`` never reached) both match every pair of cells."""
    from scipy.ndimage import binary_dilation

    islands = shapely.union_all(
        [
            shapely.box(x, y, x + 300, y + 300)
            for x, y in ((500, 500), (4_000, 3_200), (1_500, 3_000))
        ]
    )
    spans = village_spans(np.array([islands]), GRID)
    cells = mark_spans(spans, GRID.shape)
    rng = np.random.default_rng(5)
    mask = (rng.random(GRID.shape) < 0.5) & ~cells
    # keep the islands' neighbours (3 cells, diagonals too) dark: the answer is not 1
    mask &= ~binary_dilation(cells, structure=np.ones((7, 7), dtype=bool))
    vr, vc = np.nonzero(cells)
    tr, tc = np.nonzero(mask)
    brute = np.sqrt(((vr[:, None] - tr[None, :]) ** 2 + (vc[:, None] - tc[None, :]) ** 2).min())
    assert brute > 3
    for sparse_box in (16.0, 1e9):
        got = village_distance_to(spans, mask, np.array([0]), sparse_box=sparse_box)
        np.testing.assert_allclose(got, [brute], err_msg=f"{sparse_box=}")
