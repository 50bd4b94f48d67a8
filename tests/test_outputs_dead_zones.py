"""Dead-zone polygons per village: each village's own dead cells, with its id and names."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from coverage_gaps.pipeline import mask_polygons, village_mask_polygons
from coverage_gaps.zonal import VillageSpans, mark_spans
from tests.outputs_support import small_area


def own_spans(spans: VillageSpans, v: int) -> VillageSpans:
    a, b = int(spans.offsets[v]), int(spans.offsets[v + 1])
    return VillageSpans(
        row=spans.row[a:b],
        col_start=spans.col_start[a:b],
        col_stop=spans.col_stop[a:b],
        offsets=np.array([0, b - a]),
    )


def test_dead_zones_are_each_villages_own_cells_brute_force() -> None:
    r = small_area()
    dead = r.electrified & (r.coverage.serving == 0)
    zones = r.dead_zones
    assert list(zones.columns) == [
        "village_id", "village_name", "commune", "province", "area_km2", "geometry"
    ]  # fmt: skip
    assert zones.crs.to_epsg() == 4326
    # The same, village by village: the whole-grid polygoniser on that village's cells only.
    expected = {}
    for v in range(len(r.villages)):
        own = dead & mark_spans(own_spans(r.spans, v), r.grid.shape)
        if own.any():
            expected[r.villages["village_id"].iloc[v]] = (
                own.sum() * r.grid.cell_area_m2 / 1e6,
                shapely.union_all(mask_polygons(own, r.grid).to_crs(r.grid.crs).geometry.values),
            )
    assert zones["village_id"].tolist() == sorted(expected) == ["002", "003", "004", "006"]
    metric = zones.to_crs(r.grid.crs)
    for vid, area, geom in zip(
        zones["village_id"], zones["area_km2"], metric.geometry, strict=True
    ):
        want_area, want_geom = expected[vid]
        assert area == pytest.approx(want_area)
        assert geom.area / 1e6 == pytest.approx(want_area, rel=1e-9)
        assert geom.symmetric_difference(want_geom).area < 1e-3  # m²
        assert geom.is_valid
    # a dead zone (nothing covered) is all its electrified land, as the village table says
    v = zones.set_index("village_id")
    table = r.villages.set_index("village_id")
    for vid in ("003", "004", "006"):
        assert v.loc[vid, "area_km2"] == pytest.approx(table.loc[vid, "electrified_km2"])
    assert v.loc["003", "village_name"].startswith("=HYPERLINK")
    assert v.loc["006", "commune"] == "Xã Sa Pả" and v.loc["006", "province"] == "Lào Cai"


def test_overlapping_villages_share_cells() -> None:
    r = small_area()
    everything = np.ones(r.grid.shape, dtype=bool)
    zones = village_mask_polygons(everything, r.spans, r.grid, r.villages)
    # every village gets all its cells, the 500 m x 2 km overlap of 001 and 002 in both
    assert zones["area_km2"].tolist() == pytest.approx([4.0, 4.0, 4.0, 4.0, 4.0, 3.36])
    union = mask_polygons(r.in_villages, r.grid)
    assert zones["area_km2"].sum() == pytest.approx(union["area_km2"].sum() + 1.0)


def test_no_dead_cell_gives_an_empty_layer() -> None:
    r = small_area()
    none = np.zeros(r.grid.shape, dtype=bool)
    zones = village_mask_polygons(none, r.spans, r.grid, r.villages)
    assert len(zones) == 0 and "village_id" in zones.columns and zones.crs.to_epsg() == 4326
