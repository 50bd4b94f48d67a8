"""Statuses, reasons and priorities on hand-worked totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coverage_gaps.gaps import classify, popcount, priority_rank, village_table
from coverage_gaps.settings import StatusThresholds
from coverage_gaps.zonal import VillageTotals


def totals(
    elec: list[int],
    cov: list[int],
    *,
    cov_ops: list[int] | None = None,
    cov_bb: list[int] | None = None,
    reach: list[int] | None = None,
    unc_pop: list[float] | None = None,
    elec_pop: list[float] | None = None,
    retired_bits: list[int] | None = None,
    retired_cells: list[int] | None = None,
    reachable_cells: list[int] | None = None,
) -> VillageTotals:
    n = len(elec)
    z = np.zeros(n, dtype=np.uint32)
    ops = np.array(cov_ops or [0] * n, dtype=np.uint32)
    zeros = [0] * n
    return VillageTotals(
        cells=np.array(elec) + 5,
        electrified=np.array(elec),
        electrified_covered=np.array(cov),
        population=np.array(unc_pop or [0.0] * n) * 2,
        uncovered_population=np.array(unc_pop or [0.0] * n),
        electrified_population=np.array(elec_pop or unc_pop or [0.0] * n),
        operators=ops,
        broadband_operators=np.array(cov_bb or [0] * n, dtype=np.uint32),
        covered_operators=ops,
        covered_broadband=np.array(cov_bb or [0] * n, dtype=np.uint32),
        uncovered_reach=np.array(reach or [0] * n, dtype=np.uint32) if reach else z,
        best_signal=np.full(n, np.nan, dtype=np.float32),
        uncovered_retired=np.array(retired_bits or zeros, dtype=np.uint8),
        uncovered_retired_cells=np.array(retired_cells or zeros, dtype=np.int64),
        uncovered_reachable_cells=np.array(reachable_cells or zeros, dtype=np.int64),
    )


def test_status_thresholds_at_their_edges() -> None:
    # shares: 0, 0.099, 0.1, 0.5, 0.899, 0.9, 1, no electrified land
    t = totals([1000, 1000, 1000, 1000, 1000, 1000, 1000, 0], [0, 99, 100, 500, 899, 900, 1000, 0])
    table = classify(t, cell_area_m2=10_000, operators=["A"])
    assert table["status"].tolist() == [
        "dead_zone",
        "dead_zone",
        "partial",
        "partial",
        "partial",
        "covered",
        "covered",
        "not_electrified",
    ]
    assert table["electrified_km2"].iloc[0] == pytest.approx(10.0)  # 1000 cells of 1 ha
    assert table["uncovered_electrified_km2"].iloc[3] == pytest.approx(5.0)
    assert np.isnan(table["covered_share"].iloc[7])
    strict = classify(
        t,
        cell_area_m2=10_000,
        operators=["A"],
        thresholds=StatusThresholds(dead_zone=0.5, covered=0.95),
    )
    assert strict["status"].tolist()[:7] == ["dead_zone"] * 3 + ["partial"] * 3 + ["covered"]
    with pytest.raises(ValueError, match="dead_zone <= covered"):
        StatusThresholds(dead_zone=0.6, covered=0.5)


def test_reasons_describe_the_uncovered_land_largest_share_first() -> None:
    t = totals(
        [10, 10, 10, 10, 10, 10, 10, 10],
        [0, 5, 10, 10, 0, 0, 0, 5],
        cov_ops=[0, 0b01, 0b11, 0b10, 0, 0, 0, 0b11],
        cov_bb=[0, 0, 0b11, 0b10, 0, 0, 0, 0b11],
        reach=[0b1, 0, 0, 0, 0b1, 0, 0, 0],
        retired_bits=[0, 0, 0, 0, 0b01, 0, 0, 0],  # 2G
        retired_cells=[0, 0, 0, 0, 6, 0, 0, 0],
        reachable_cells=[10, 0, 0, 0, 1, 0, 0, 0],
    )
    observed = np.array([500.0, 500, 500, 500, 500, 25_000, np.nan, 25_000])
    table = classify(
        t, cell_area_m2=1, operators=["MobiFone", "Viettel"], nearest_observation_m=observed
    )
    assert table["status"].tolist() == [
        "dead_zone",
        "partial",
        "covered",
        "covered",
        "dead_zone",
        "dead_zone",
        "dead_zone",
        "partial",
    ]
    assert table["reason"].tolist() == [
        "terrain_shadow",  # all of it reachable over flat ground, blocked
        "beyond_site_range;2g_only;single_operator",  # the covered half: MobiFone GSM alone
        "",
        "single_operator",  # covered, by one operator: information only
        "2g_sunset;beyond_site_range;terrain_shadow",  # 6 retired, 3 beyond, 1 blocked
        "beyond_site_range;no_measurements_nearby",  # no cell seen within 10 km
        "beyond_site_range;no_measurements_nearby",  # no cell seen at all
        "beyond_site_range",  # partial: the measurements rule is for dead zones
    ]
    assert table["operator_names"].tolist()[:4] == ["", "MobiFone", "MobiFone;Viettel", "Viettel"]
    asked: list[list[int]] = []

    def lazily(which: np.ndarray) -> np.ndarray:
        asked.append(which.tolist())
        return observed[which]

    again = classify(
        t, cell_area_m2=1, operators=["MobiFone", "Viettel"], nearest_observation_m=lazily
    )
    assert asked == [[0, 4, 5, 6]]  # the dead zones alone
    assert again["reason"].tolist() == table["reason"].tolist()
    assert popcount(np.array([0, 1, 0b1011, 2**31], dtype=np.uint32)).tolist() == [0, 1, 3, 1]


def test_priority_by_population_then_area() -> None:
    t = totals([100, 100, 100, 100, 100], [0, 50, 0, 100, 0], unc_pop=[10, 500, 10, 0, 0])
    table = classify(t, cell_area_m2=1, operators=[], with_population=True)
    ids = pd.Series(["a", "b", "c", "d", "e"])
    rank = priority_rank(table, by_population=True, ids=ids)
    # b has most people uncovered; a and c tie on people and area: id breaks the tie; d covered
    assert rank.tolist() == [2, 1, 3, pd.NA, 4]
    by_area = priority_rank(table, by_population=False, ids=ids)
    assert by_area.tolist() == [1, 4, 2, pd.NA, 3]


def test_a_village_found_dark_counts_the_people_on_its_electrified_land() -> None:
    """Hand-worked: village a is covered by the model (10 of 10 electrified cells, 300 people
    on them, none uncovered); b is a dead zone with 40 people uncovered.  A field check finds
    a dark: its 300 people are uncovered and it comes first among the villages to fix."""
    t = totals([10, 10], [10, 0], cov_ops=[1, 0], unc_pop=[0.0, 40.0], elec_pop=[300.0, 40.0])
    ids = pd.Series(["a", "b"])
    checks = pd.DataFrame(
        {"observed": ["no_signal"], "date": ["2025-05-02"]}, index=pd.Index(["a"])
    )
    table = village_table(
        t, ids=ids, cell_area_m2=10_000, operators=["A"], with_population=True,
        field_checks=checks,
    )  # fmt: skip
    assert table["status"].tolist() == ["dead_zone", "dead_zone"]
    assert table["uncovered_population"].tolist() == [300.0, 40.0]
    assert table["uncovered_electrified_km2"].tolist() == pytest.approx([0.1, 0.1])
    assert table["priority"].tolist() == [1, 2]
    # without a population raster there are no people to count, checked or not
    bare = village_table(t, ids=ids, cell_area_m2=10_000, operators=["A"], field_checks=checks)
    assert bare["uncovered_population"].isna().all()
