"""Per-village gap figures, statuses, reasons and priorities.

Statuses, on the covered share of a village's electrified area:

``not_electrified``  no electrified cell;
``dead_zone``        below ``thresholds.dead_zone`` (default 10 %) covered;
``partial``          between the two thresholds;
``covered``          at or above ``thresholds.covered`` (default 90 %).

Reasons (``;``-separated) first say why a gap's *uncovered electrified land* has no service,
largest share of that land first, so that each reads true beside the other columns (a partial
village may have a site inside it and still have uncovered land beyond every site's range):

``2g_sunset``, ``3g_sunset``  part of it is served only by a generation past its sunset
                            (:data:`coverage_gaps.network.SUNSETS`, ``--sunset``);
``terrain_shadow``          part of it is within a site's reach over flat open ground, but the
                            terrain blocks the signal (terrain models only);
``beyond_site_range``       part of it is beyond the reach of every site;
``no_measurements_nearby``  (dead zones) no cell at all was observed within
                            :data:`NO_MEASUREMENTS_M` of it: crowd-sourced data are thin where
                            few people travel, so the dark may be missing data rather than
                            missing signal.

Then notes on the service its electrified land does have, for any village (gap or covered):
``2g_only`` (only GSM/CDMA serves it) and ``single_operator`` (one operator serves it).

A field check (:func:`apply_field_checks`) overrides the modelled status: ``no_signal`` makes a
dead zone (reason ``field_no_signal``), ``signal`` a covered village (note ``field_signal``),
``no_power`` a village without power (``field_no_power``); ``status_source`` says which, and
``model_status`` keeps what the model said.  A village checked ``signal`` or ``no_power`` has
no uncovered electrified land or people left in its figures (so the totals do not count it),
one checked ``no_signal`` all its electrified land and the people on it uncovered (so it ranks
by them among the gaps); ``covered_share`` stays the model's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from coverage_gaps.settings import StatusThresholds
from coverage_gaps.zonal import VillageTotals

__all__ = [
    "CHECK_COLUMNS",
    "GAP_REASONS",
    "GAP_STATUSES",
    "GENERATION_BITS",
    "NOTE_REASONS",
    "NO_MEASUREMENTS_M",
    "STATUSES",
    "apply_field_checks",
    "classify",
    "operator_names",
    "popcount",
    "priority_rank",
    "village_table",
]

STATUSES: tuple[str, ...] = ("dead_zone", "partial", "covered", "not_electrified")
GAP_STATUSES: tuple[str, ...] = ("dead_zone", "partial")
#: Reasons that explain a gap's uncovered electrified land, and notes on the service it has.
GAP_REASONS: tuple[str, ...] = (
    "field_no_signal",
    "2g_sunset",
    "3g_sunset",
    "terrain_shadow",
    "beyond_site_range",
    "no_measurements_nearby",
)
NOTE_REASONS: tuple[str, ...] = ("2g_only", "single_operator", "field_signal", "field_no_power")
#: The columns a field check fills.
CHECK_COLUMNS: tuple[str, ...] = (
    "status_source",
    "model_status",
    "checked_on",
    "checked_by",
    "check_note",
    "check_operator",
    "check_technology",
)
#: The texts a field check carries (its columns, :data:`FIELD_CHECK_COLUMNS` of
#: :mod:`coverage_gaps.io.field_checks`) and the column of :data:`CHECK_COLUMNS` each fills.
_CHECK_TEXTS: dict[str, str] = {
    "checked_by": "checked_by",
    "note": "check_note",
    "operator": "check_operator",
    "technology": "check_technology",
}
#: Bit of each generation in the grid layer of retired service.
GENERATION_BITS: dict[str, int] = {"2G": 1, "3G": 2, "4G": 4, "5G": 8}
#: A dead zone with no cell observed within this distance (m) gets ``no_measurements_nearby``:
#: 10 km, about the 12 km a 2G cell reaches in Collins Bartholomew's convention.
NO_MEASUREMENTS_M = 10_000.0

#: Per-village distances (m), or a function of villages' indices that gives theirs.
Distances = np.ndarray | Callable[[np.ndarray], np.ndarray]


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
    nearest_observation_m: Distances | None = None,
) -> pd.DataFrame:
    """The per-village figures as a table aligned with the villages.

    ``nearest_observation_m`` is each village's distance to the nearest observed cell, or a
    function of villages' indices that gives theirs: it is then asked only for the dead
    zones, the one status whose reason (``no_measurements_nearby``) the distance decides.

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

    reasons = _reasons(totals, status, nearest_observation_m)

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


def _reasons(
    totals: VillageTotals, status: np.ndarray, nearest_observation_m: Distances | None
) -> list[str]:
    """The reasons of each village (see the module's docstring)."""
    gap = np.isin(status, GAP_STATUSES)
    elec = totals.electrified > 0
    uncovered = totals.electrified - totals.electrified_covered
    retired = totals.uncovered_retired_cells
    reachable = totals.uncovered_reachable_cells
    beyond = uncovered - retired - reachable
    n_cov_ops = popcount(totals.covered_operators)
    far = np.zeros(status.shape[0], dtype=bool)
    if nearest_observation_m is not None:
        if callable(nearest_observation_m):
            d = np.full(status.shape[0], np.nan)
            dead = np.flatnonzero(status == "dead_zone")
            if dead.size:
                d[dead] = nearest_observation_m(dead)
        else:
            d = np.asarray(nearest_observation_m, dtype="f8")
        far = ~(d <= NO_MEASUREMENTS_M)  # NaN: nothing observed at all
    only_2g = elec & (totals.covered_operators != 0) & ~np.asarray(totals.covered_broadband, bool)
    single = elec & (n_cov_ops == 1)
    dead_far = (status == "dead_zone") & far
    out = [""] * status.shape[0]
    todo = np.flatnonzero(gap | only_2g | single)
    # plain lists: indexing them is far cheaper than numpy scalars, and most villages (covered
    # by several operators) have no reason at all
    cols = [a[todo].tolist() for a in (gap, retired, reachable, beyond, totals.uncovered_retired,
                                       dead_far, only_2g, single)]  # fmt: skip
    for i, g, n_ret, n_reach, n_beyond, bits, dfar, o2g, one in zip(
        todo.tolist(), *cols, strict=True
    ):
        parts: list[str] = []
        if g:
            sunset = ";".join(
                f"{gen.lower()}_sunset" for gen, bit in GENERATION_BITS.items() if bits & bit
            )
            shares = [(int(n_ret), 0, sunset), (int(n_reach), 1, "terrain_shadow"),
                      (int(n_beyond), 2, "beyond_site_range")]  # fmt: skip
            parts += [name for n, _, name in sorted(shares, key=lambda t: (-t[0], t[1])) if n > 0]
            if dfar:
                parts.append("no_measurements_nearby")
        if o2g:
            parts.append("2g_only")
        if one:
            parts.append("single_operator")
        out[i] = ";".join(parts)
    return out


def apply_field_checks(
    table: pd.DataFrame,
    *,
    ids: pd.Series,
    checks: pd.DataFrame | None,
    electrified_population: np.ndarray | None = None,
) -> pd.DataFrame:
    """The table with the field checks' statuses in place of the model's where a village was
    checked, and the columns :data:`CHECK_COLUMNS` (``status_source`` ``field`` or ``model``,
    ``model_status``, ``checked_on``, ``checked_by``, ``check_note``, and the operator and the
    technology the check names, ``check_operator`` and ``check_technology``).

    ``checks`` is indexed by village id with ``observed``, ``date`` and, optionally,
    ``checked_by``, ``note``, ``operator`` and ``technology``
    (:func:`coverage_gaps.io.field_checks.read_field_checks`).  ``electrified_population``
    (aligned with ``table``; :class:`~coverage_gaps.zonal.VillageTotals`) is the people on each
    village's electrified land: a village checked ``no_signal`` has them all uncovered.
    """
    out = table.copy()
    n = len(out)
    out["status_source"] = "model"
    out["model_status"] = out["status"].to_numpy()
    for col in ("checked_on", *_CHECK_TEXTS.values()):
        out[col] = ""
    if checks is None or not len(checks):
        return out
    key = pd.Index(ids.astype(str).to_numpy())
    pos = checks.index.get_indexer(key)
    hit = np.flatnonzero(pos >= 0)
    if not hit.size:
        return out
    status = out["status"].to_numpy(dtype=object).copy()
    reason = out["reason"].to_numpy(dtype=object).copy()
    source = np.full(n, "model", dtype=object)
    on = np.full(n, "", dtype=object)
    texts = {col: np.full(n, "", dtype=object) for col in _CHECK_TEXTS.values()}
    observed = checks["observed"].to_numpy(dtype=object)
    for i in hit.tolist():
        c = pos[i]
        kept = [r for r in str(reason[i]).split(";") if r and r not in GAP_REASONS]
        gaps = [r for r in str(reason[i]).split(";") if r in GAP_REASONS]
        if observed[c] == "no_signal":
            status[i] = "dead_zone"
            reason[i] = ";".join(["field_no_signal", *gaps, *kept])
        elif observed[c] == "signal":
            status[i] = "covered"
            reason[i] = ";".join(["field_signal", *kept])
        else:
            status[i] = "not_electrified"
            reason[i] = "field_no_power"
        source[i] = "field"
        on[i] = checks["date"].iat[c]
        for their, ours in _CHECK_TEXTS.items():
            if their in checks:
                texts[ours][i] = checks[their].iat[c]
    # The figures follow the check: one that found signal (or no power) leaves none of the
    # village's land or people without signal, one that found no signal leaves all of its
    # electrified land and the people on it without; the share served stays the model's.
    checked = source == "field"
    cleared = np.isin(status, ["covered", "not_electrified"]) & checked
    for col in ("uncovered_electrified_km2", "uncovered_population"):
        if col in out and cleared.any():
            values = out[col].to_numpy(dtype="f8").copy()
            values[cleared & np.isfinite(values)] = 0.0
            out[col] = values
    dark = (status == "dead_zone") & checked
    if dark.any() and {"uncovered_electrified_km2", "electrified_km2"} <= set(out.columns):
        values = out["uncovered_electrified_km2"].to_numpy(dtype="f8").copy()
        values[dark] = out["electrified_km2"].to_numpy(dtype="f8")[dark]
        out["uncovered_electrified_km2"] = values
    if dark.any() and electrified_population is not None and "uncovered_population" in out:
        people = out["uncovered_population"].to_numpy(dtype="f8").copy()
        known = dark & np.isfinite(people)  # NaN: the run has no population raster
        people[known] = np.asarray(electrified_population, dtype="f8")[known]
        out["uncovered_population"] = people
    out["status"] = status
    out["reason"] = reason
    out["status_source"] = source
    out["checked_on"] = on
    for col, values in texts.items():
        out[col] = values
    return out


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
    nearest_observation_m: Distances | None = None,
    field_checks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Statuses, reasons and priorities of an area's villages, in one place.

    :func:`classify` gives each village its figures, status and reasons from its totals;
    :func:`apply_field_checks` lets the officials' checks override the modelled statuses;
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
        nearest_observation_m=nearest_observation_m,
    )
    table = apply_field_checks(
        table,
        ids=ids,
        checks=field_checks,
        electrified_population=totals.electrified_population if with_population else None,
    )
    table["priority"] = priority_rank(table, by_population=with_population, ids=ids).to_numpy()
    return table
