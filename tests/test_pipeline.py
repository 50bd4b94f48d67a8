"""The whole analysis against an independent calculation with exact shapely geometry."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage_gaps.io.sources import LineElectrification, RasterElectrification
from coverage_gaps.io.villages import read_villages
from coverage_gaps.pipeline import AreaResult, analyse_area
from coverage_gaps.settings import AnalysisOptions, CoverageOptions
from coverage_gaps.sites import collapse_sites
from tests.helpers import UTM, X0, Y0, cell_row


def test_tiny_world_by_hand(tiny_world: dict) -> None:
    from coverage_gaps.io.towers import read_towers

    villages = read_villages(tiny_world["villages"])
    cells, _ = read_towers(tiny_world["towers"])
    sites, emitters = collapse_sites(cells)
    res = analyse_area(
        "Lào Cai",
        villages,
        sites,
        emitters,
        electrification=RasterElectrification(tiny_world["electrified"]),
    )
    v = res.villages.set_index("village_id")
    # village 1: 2 km square, LTE site at its centre with a 1.5 km range: every cell centre is
    # within 1.5 km (corner centres at 1.34 km), so 4 km² electrified, all covered.
    assert v.loc["001", "status"] == "covered"
    assert v.loc["001", "electrified_km2"] == pytest.approx(4.0)
    assert v.loc["001", "covered_share"] == 1.0
    assert v.loc["001", "nearest_site_m"] == pytest.approx(0.0, abs=1.0)
    # village 2: 3 km to the east of the site's square, outside the disc.
    assert v.loc["002", "status"] == "dead_zone"
    assert v.loc["002", "uncovered_electrified_km2"] == pytest.approx(4.0)
    assert v.loc["002", "nearest_site_m"] == pytest.approx(3000.0, abs=2.0)
    assert v.loc["002", "reason"] == "beyond_site_range"
    assert v.loc["003", "status"] == "not_electrified"
    assert v.loc["002", "priority"] == 1 and pd.isna(v.loc["001", "priority"])
    assert v.loc["001", "operator_names"] == "Viettel"


def random_world(seed: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    villages = []
    for _ in range(14):
        cx, cy = X0 + rng.uniform(0, 30_000), Y0 + rng.uniform(0, 30_000)
        ang = np.sort(rng.uniform(0, 2 * np.pi, 9))
        rad = rng.uniform(1500, 4000, 9)
        villages.append(
            shapely.Polygon(np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)]))
        )
    vgdf = gpd.GeoDataFrame(
        {
            "village_id": [f"{i:03d}" for i in range(len(villages))],
            "village_name": [f"V{i}" for i in range(len(villages))],
            "commune": "",
            "province": "P",
            "province_code": "",
            "source_row": np.arange(len(villages)),
        },
        geometry=villages,
        crs=UTM,
    )
    rows = [
        cell_row(
            str(rng.choice(["GSM", "LTE", "UMTS"])),
            int(rng.choice([1, 4])),
            int(rng.integers(0, 10**6)) * 256 + 1,
            X0 + rng.uniform(-2000, 32_000),
            Y0 + rng.uniform(-2000, 32_000),
            rng=float(rng.uniform(500, 4000)),
        )
        for _ in range(25)
    ]
    cells = pd.DataFrame(rows)
    cells["range"] = cells["range"].astype("f8")
    lines = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString(
                [
                    (X0 - 1000, Y0 + rng.uniform(0, 30_000)),
                    (X0 + 31_000, Y0 + rng.uniform(0, 30_000)),
                ]
            )
            for _ in range(3)
        ],
        crs=UTM,
    )
    return vgdf, cells, lines


def analyse_with_lines(
    villages: gpd.GeoDataFrame,
    cells: pd.DataFrame,
    lines: gpd.GeoDataFrame,
    *,
    distance_m: float,
    resolution_m: float,
    radius_m: float = 500.0,
) -> tuple[AreaResult, pd.DataFrame, pd.DataFrame]:
    """``analyse_area`` in UTM with grid-line electrification; also the sites and emitters."""
    sites, emitters = collapse_sites(cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analyse_area(
            "P",
            villages,
            sites,
            emitters,
            electrification=LineElectrification(lines, distance_m),
            analysis=AnalysisOptions(resolution_m=resolution_m, crs=UTM, village_radius_m=radius_m),
        )
    return result, sites, emitters


@pytest.mark.parametrize("seed", [1, 2])
def test_covered_share_matches_exact_geometry(seed: int) -> None:
    villages, cells, lines = random_world(seed)
    distance = 1500.0
    res_m = 50.0
    result, sites, emitters = analyse_with_lines(
        villages, cells, lines, distance_m=distance, resolution_m=res_m
    )
    # Independent: exact polygons.  Electrified land = lines buffered; coverage = union of discs
    # with the same radii (largest observed range per site and radio, clipped).
    elec = shapely.union_all(
        shapely.buffer(np.asarray(lines.geometry.values), distance, quad_segs=64)
    )
    from coverage_gaps.coverage.discs import disc_radii

    radii = disc_radii(emitters, CoverageOptions())
    pos = sites.set_index("site_id").loc[emitters["site_id"]]
    xy = gpd.GeoSeries(gpd.points_from_xy(pos["lon"], pos["lat"]), crs=4326).to_crs(UTM)
    cover = shapely.union_all(shapely.buffer(np.asarray(xy.values), radii, quad_segs=64))
    got = result.villages.set_index("village_id")
    checked = 0
    for vid, geom in zip(villages["village_id"], villages.geometry, strict=True):
        e = geom.intersection(elec)
        if e.area < 1e6:  # too little electrified land for a share to be meaningful
            continue
        exact = e.intersection(cover).area / e.area
        # Discretisation: cells along the boundaries of e and of the coverage can go either way.
        boundary = e.length + e.intersection(cover.boundary).length
        tol = 0.75 * res_m * boundary / e.area + 1e-3
        assert got.loc[vid, "covered_share"] == pytest.approx(exact, abs=tol), vid
        assert got.loc[vid, "electrified_km2"] == pytest.approx(e.area / 1e6, rel=0.05)
        checked += 1
    assert checked >= 5
    # the grid agrees with exact geometry on average far better than the worst-case bound
    shares = got["covered_share"].dropna()
    assert len(shares) >= checked


def test_population_is_conserved_on_the_grid(tiny_world: dict, tmp_path) -> None:
    from pyproj import CRS

    from coverage_gaps.grid import AnalysisGrid
    from coverage_gaps.io.population import population_on_grid
    from tests.helpers import write_raster

    # 1 person per 250 m pixel in Mollweide-like equal-area metres, read onto a 100 m UTM grid.
    pop = np.ones((40, 40), dtype="float32")
    path = write_raster(tmp_path / "pop.tif", pop, x0=X0, y1=Y0 + 10_000, res=250.0)
    grid = AnalysisGrid.covering(
        (X0 + 1000, Y0 + 1000, X0 + 9000, Y0 + 9000), resolution=100, crs=CRS.from_user_input(UTM)
    )
    on_grid = population_on_grid(path, grid)
    # 8 km x 8 km of 1 person per 6.25 ha = 1024 people
    assert on_grid.sum() == pytest.approx(1024, rel=0.01)


def test_point_villages_against_exact_discs_and_brute_force_distances() -> None:
    """Half the villages given as points: their figures match the exact 1 km discs, their
    nearest-site distance matches brute force, and the polygons' distance is to their edge."""
    villages, cells, lines = random_world(3)
    radius = 1000.0
    villages = villages.copy()
    as_point = np.arange(len(villages)) % 2 == 0
    centres = villages.geometry.centroid
    villages.loc[as_point, "geometry"] = centres[as_point]
    result, sites, _ = analyse_with_lines(
        villages, cells, lines, distance_m=1500.0, resolution_m=50.0, radius_m=radius
    )
    got = result.villages.set_index("village_id")
    site_xy = gpd.GeoSeries(gpd.points_from_xy(sites["lon"], sites["lat"]), crs=4326).to_crs(UTM)
    elec = shapely.union_all(
        shapely.buffer(np.asarray(lines.geometry.values), 1500.0, quad_segs=64)
    )
    for vid, geom, point in zip(villages["village_id"], villages.geometry, as_point, strict=True):
        brute = min(geom.distance(p) for p in site_xy)
        assert got.loc[vid, "nearest_site_m"] == pytest.approx(brute, abs=0.1), vid
        if point:
            disc = geom.buffer(radius, quad_segs=256)
            assert got.loc[vid, "area_km2"] == pytest.approx(disc.area / 1e6, rel=1e-4)
            e = disc.intersection(elec)
            # 50 m cells along the disc's and the electrified land's edges go either way
            tol = 0.75 * 50.0 * (e.length + 1.0) / 1e6
            assert got.loc[vid, "electrified_km2"] == pytest.approx(e.area / 1e6, abs=tol), vid
            assert (got.loc[vid, "lon"], got.loc[vid, "lat"]) == pytest.approx(
                tuple(gpd.GeoSeries([geom], crs=UTM).to_crs(4326).iloc[0].coords[0]),
                abs=1e-6,
            )


def test_multipoint_village_is_the_union_of_its_discs() -> None:
    """A MultiPoint village (two hamlets under one id) covers both discs, counted once where
    they overlap; checked against the exact shapely union."""
    villages, cells, lines = random_world(4)
    villages = villages.iloc[:2].copy()
    a, b = shapely.Point(X0 + 10_000, Y0 + 10_000), shapely.Point(X0 + 10_600, Y0 + 10_000)
    villages.loc[villages.index[0], "geometry"] = shapely.MultiPoint([a, b])
    result, _, _ = analyse_with_lines(  # 50 km from the lines: all land electrified
        villages, cells, lines, distance_m=50_000.0, resolution_m=20.0, radius_m=500.0
    )
    union = shapely.union(a.buffer(500.0, quad_segs=256), b.buffer(500.0, quad_segs=256))
    got = result.villages.set_index("village_id").loc["000"]
    assert got["area_km2"] == pytest.approx(union.area / 1e6, rel=2e-3)
    # 20 m cells: the electrified (= whole) area within a boundary band of the exact union
    assert got["electrified_km2"] == pytest.approx(
        union.area / 1e6, abs=0.75 * 20 * union.length / 1e6
    )


def test_nearest_observation_within_a_distance_matches_brute_force() -> None:
    """The bounded search finds every observation within ``within_m`` (exact distances, the
    unbounded search's too) and NaN beyond it, checked against all pairwise distances."""
    from pyproj import CRS, Transformer

    from coverage_gaps.grid import AnalysisGrid
    from coverage_gaps.pipeline import nearest_observation_m

    rng = np.random.default_rng(7)
    crs = CRS.from_user_input(UTM)
    vx = X0 + rng.uniform(0, 40_000, 60)
    vy = Y0 + rng.uniform(0, 40_000, 60)
    villages = shapely.points(vx, vy)
    # observations spread well beyond the villages' box, a few of them close to its edges
    ox = X0 + rng.uniform(-30_000, 70_000, 400)
    oy = Y0 + rng.uniform(-30_000, 70_000, 400)
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(ox, oy)
    observations = pd.DataFrame({"lon": lon, "lat": lat})
    grid = AnalysisGrid.covering(
        (X0, Y0, X0 + 40_000, Y0 + 40_000), resolution=100.0, crs=crs, margin=100.0
    )
    brute = np.hypot(vx[:, None] - ox[None, :], vy[:, None] - oy[None, :]).min(axis=1)
    for within in (1_500.0, 4_000.0):
        got = nearest_observation_m(villages, grid, observations, within_m=within)
        near = brute <= within
        assert near.any() and (~near).any()  # both kinds are checked
        np.testing.assert_allclose(got[near], brute[near], atol=0.06)  # rounded to 0.1 m
        assert np.isnan(got[~near]).all()
    unbounded = nearest_observation_m(villages, grid, observations)
    np.testing.assert_allclose(unbounded, brute, atol=0.06)
    with pytest.raises(ValueError, match=r"within_m=0\.0 is not a positive distance"):
        nearest_observation_m(villages, grid, observations, within_m=0.0)
