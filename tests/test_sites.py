"""Cells collapse into sites: eNB / gNB identity, then co-location per operator."""

from __future__ import annotations

import pandas as pd

from coverage_gaps.settings import TowerOptions
from coverage_gaps.sites import collapse_sites
from tests.helpers import cell_row


def frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["range"] = df["range"].astype("f8")
    return df


def test_lte_sectors_of_one_enb_are_one_site_even_far_apart() -> None:
    # Crowd-sourced positions of one eNB's sectors can sit kilometres apart.
    rows = [
        cell_row("LTE", 4, 777 * 256 + s, 500_000 + 900 * s, 2_400_000, rng=1000 * s)
        for s in (1, 2, 3)
    ]
    sites, emitters = collapse_sites(frame(rows))
    assert len(sites) == 1
    assert sites.loc[0, "cells"] == 3 and sites.loc[0, "range_m"] == 3000
    assert sites.loc[0, "operator"] == "Viettel"
    assert emitters["radio"].tolist() == ["LTE"]


def test_nr_gnb_bits_decide_the_grouping() -> None:
    # NCI = gNB id << (36 - bits) | cell.  Two cells share the top 22 bits but not the top 24.
    a = (1 << 14) * 5 + 1
    b = (1 << 14) * 5 + (1 << 13)  # same 22-bit gNB, different 24-bit gNB
    rows = [cell_row("NR", 4, a, 500_000, 2_400_000), cell_row("NR", 4, b, 505_000, 2_400_000)]
    assert len(collapse_sites(frame(rows), options=TowerOptions(nr_gnb_bits=22))[0]) == 1
    assert len(collapse_sites(frame(rows), options=TowerOptions(nr_gnb_bits=24))[0]) == 2


def test_co_located_radios_of_one_operator_merge_but_operators_do_not() -> None:
    rows = [
        cell_row("GSM", 4, 11, 500_000, 2_400_000, rng=0, created=1_500_000_000),
        cell_row("LTE", 4, 9 * 256 + 1, 500_050, 2_400_040, rng=4000),
        cell_row("UMTS", 4, 65536 + 2, 500_020, 2_399_900),
        cell_row("GSM", 2, 11, 500_000, 2_400_000),  # VinaPhone on the same mast
    ]
    sites, emitters = collapse_sites(frame(rows))
    assert sorted(sites["operator"]) == ["Viettel", "VinaPhone"]
    viettel = sites.set_index("operator").loc["Viettel"]
    assert viettel["radios"] == "GSM,UMTS,LTE" and viettel["cells"] == 3
    assert viettel["first_created"] == 1_500_000_000 and viettel["range_m"] == 4000
    em = emitters.loc[emitters["site_id"] == viettel["site_id"]].set_index("radio")
    assert pd.isna(em.loc["GSM", "range_m"])  # a range of 0 is no range
    assert em.loc["LTE", "range_m"] == 4000


def test_no_chaining_along_a_road() -> None:
    # Ten GSM cells 100 m apart along a road: single linkage at 150 m would make one 900 m
    # "site"; leader clustering keeps every site within 150 m of its leader.
    rows = [cell_row("GSM", 4, i, 500_000 + 100 * i, 2_400_000, samples=10 + i) for i in range(10)]
    sites, _ = collapse_sites(frame(rows), options=TowerOptions(co_location_m=150))
    assert 3 <= len(sites) <= 5
    assert sites["cells"].sum() == 10


def test_empty_input() -> None:
    sites, emitters = collapse_sites(frame([cell_row("GSM", 4, 1, 5e5, 2.4e6)]).iloc[:0])
    assert len(sites) == 0 and len(emitters) == 0


def test_nearest_site_of_polygons_matches_geos() -> None:
    """Polygons with holes and several parts, sites inside, in holes and outside: the exact
    kernel gives GEOS's distances to the 0.1 m the tables keep."""
    import numpy as np
    import shapely
    from pyproj import CRS

    from coverage_gaps.sites import nearest_site_m

    rng = np.random.default_rng(7)
    polys = []
    for i in range(400):
        c = rng.uniform(0, 50_000, 2)
        ang = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(3, 30))))
        r = rng.uniform(200, 3000, ang.size)
        p = shapely.make_valid(
            shapely.Polygon(np.c_[c[0] + r * np.cos(ang), c[1] + r * np.sin(ang)])
        )
        if i % 3 == 0:
            p = p.difference(shapely.Point(c).buffer(150))  # a hole around the centre
        if i % 5 == 0:
            p = shapely.union(p, shapely.box(c[0] + 5000, c[1], c[0] + 5400, c[1] + 300))
        polys.append(p)
    geoms = np.array(polys, dtype=object)
    sx, sy = rng.uniform(0, 50_000, 150), rng.uniform(0, 50_000, 150)
    # some sites exactly at polygon centres (in the holes) and on a vertex
    sx[:5] = [shapely.get_x(shapely.centroid(g)) for g in geoms[:5]]
    sy[:5] = [shapely.get_y(shapely.centroid(g)) for g in geoms[:5]]
    vx, vy = shapely.get_coordinates(geoms[7])[0]
    sx[5], sy[5] = vx, vy
    sites = pd.DataFrame({"x": sx, "y": sy})
    got = nearest_site_m(geoms, CRS.from_epsg(32648), sites, sites)
    points = shapely.points(sx, sy)
    brute = np.round([min(shapely.distance(g, points)) for g in geoms], 1)
    np.testing.assert_array_equal(got, brute)
    assert (got == 0).sum() > 20 and got[7] == 0.0
