"""Per-village gap figures, statuses, reasons and priorities.

Statuses, on the covered share of a village's electrified area:

``not_electrified``  no electrified cell;
``dead_zone``        below ``thresholds.dead_zone`` (default 10 %) covered;
``partial``          between the two thresholds;
``covered``          at or above ``thresholds.covered`` (default 90 %).

Reasons (``;``-separated, most important first) say why a village is short of service:
``no_site_in_reach`` (no site would serve its uncovered electrified land even over open flat
ground), ``terrain_shadow`` (a site would over flat ground, but terrain blocks it), ``2g_only``
(the only service on its electrified land is GSM/CDMA), ``single_operator`` (one operator serves
it: a fault for gaps, information for covered villages).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coverage_gaps.settings import StatusThresholds
from coverage_gaps.zonal import VillageTotals

__all__ = [
    "GAP_STATUSES",
    "STATUSES",
    "classify",
    "operator_names",
    "popcount",
    "priority_rank",
    "village_table",
]

STATUSES: tuple[str, ...] = ("dead_zone", "partial", "covered", "not_electrified")
GAP_STATUSES: tuple[str, ...] = ("dead_zone", "partial")


def popcount(masks: np.ndarray) -> np.ndarray:
    """Number of set bits of each uint32."""
    m = masks.astype(np.uint64)
    count = np.zeros(m.shape, dtype=np.int64)
    for bit in range(32):
        count += ((m >> np.uint64(bit)) & np.uint64(1)).astype(np.int64)
    return count


def operator_names(masks: np.ndarray, operators: list[str]) -> np.ndarray:
    """``"MobiFone;Viettel"`` for each bitmask, names in the order of ``operators``."""
    out = np.empty(masks.shape[0], dtype=object)
    cache: dict[int, str] = {}
    for i, m in enumerate(masks.tolist()):
        if m not in cache:
            cache[m] = ";".join(op for k, op in enumerate(operators) if m >> k & 1)
        out[i] = cache[m]
    return out


def classify(
    totals: VillageTotals,
    *,
    cell_area_m2: float,
    operators: list[str],
    thresholds: StatusThresholds | None = None,
    with_population: bool = False,
    with_signal: bool = False,
) -> pd.DataFrame:
    """The per-village figures as a table aligned with the villages.

    Returns
    -------
    pandas.DataFrame
        ``status, reason, electrified_km2, covered_share, uncovered_electrified_km2, population,
        uncovered_population, operators, operator_names, broadband_operators, best_signal_dbm``
        (population columns are NA without a population raster, ``best_signal_dbm`` without a
        propagation model).
    """
    thresholds = thresholds or StatusThresholds()
    km2 = cell_area_m2 / 1e6
    n_elec = totals.electrified
    n_cov = totals.electrified_covered
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n_elec > 0, n_cov / np.maximum(n_elec, 1), np.nan)
    status = np.full(n_elec.shape[0], "not_electrified", dtype=object)
    elec = n_elec > 0
    status[elec & (share < thresholds.dead_zone)] = "dead_zone"
    status[elec & (share >= thresholds.dead_zone) & (share < thresholds.covered)] = "partial"
    status[elec & (share >= thresholds.covered)] = "covered"

    gap = np.isin(status, GAP_STATUSES)
    reasons: list[str] = []
    n_cov_ops = popcount(totals.covered_operators)
    for i in range(status.shape[0]):
        parts = []
        if gap[i]:
            parts.append("terrain_shadow" if totals.uncovered_reach[i] else "no_site_in_reach")
        if elec[i] and totals.covered_operators[i] and not totals.covered_broadband[i]:
            parts.append("2g_only")
        if elec[i] and n_cov_ops[i] == 1:
            parts.append("single_operator")
        reasons.append(";".join(parts))

    table = pd.DataFrame(
        {
            "status": status,
            "reason": reasons,
            "electrified_km2": n_elec * km2,
            "covered_share": share,
            "uncovered_electrified_km2": (n_elec - n_cov) * km2,
            "population": totals.population if with_population else np.nan,
            "uncovered_population": totals.uncovered_population if with_population else np.nan,
            "operators": popcount(totals.operators),
            "operator_names": operator_names(totals.operators, operators),
            "broadband_operators": popcount(totals.broadband_operators),
            "best_signal_dbm": totals.best_signal if with_signal else np.nan,
        }
    )
    return table


def priority_rank(table: pd.DataFrame, *, by_population: bool, ids: pd.Series) -> pd.Series:
    """1, 2, ... for dead zones and partials, most urgent first; NA for the rest.

    Ordered by uncovered population when a population raster was given, else by uncovered
    electrified area; ties by uncovered electrified area, then dead zones before partials, then
    village id.
    """
    gap = table["status"].isin(GAP_STATUSES)
    frame = pd.DataFrame(
        {
            "pop": table["uncovered_population"].fillna(0) if by_population else 0.0,
            "area": table["uncovered_electrified_km2"],
            "dead": (table["status"] != "dead_zone").astype(int),
            "id": ids.astype(str).to_numpy(),
        },
        index=table.index,
    )[gap.to_numpy()]
    order = frame.sort_values(
        ["pop", "area", "dead", "id"], ascending=[False, False, True, True], kind="mergesort"
    ).index
    rank = pd.Series(pd.NA, index=table.index, dtype="Int64")
    rank.loc[order] = np.arange(1, len(order) + 1)
    return rank


def village_table(
    totals: VillageTotals,
    *,
    ids: pd.Series,
    cell_area_m2: float,
    operators: list[str],
    thresholds: StatusThresholds | None = None,
    with_population: bool = False,
    with_signal: bool = False,
) -> pd.DataFrame:
    """Statuses, reasons and priorities of an area's villages, in one place.

    :func:`classify` gives each village its figures, status and reasons from its totals;
    :func:`priority_rank` then ranks the gaps (by uncovered people when ``with_population``).

    Parameters
    ----------
    totals
        Per-village sums over the grid (:func:`coverage_gaps.zonal.village_totals`).
    ids
        The villages' ids, aligned with ``totals`` (the last tie-break of the priorities).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`classify` and ``priority``.
    """
    table = classify(
        totals,
        cell_area_m2=cell_area_m2,
        operators=operators,
        thresholds=thresholds,
        with_population=with_population,
        with_signal=with_signal,
    )
    table["priority"] = priority_rank(table, by_population=with_population, ids=ids).to_numpy()
    return table
