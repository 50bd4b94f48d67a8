"""The evidence behind every village: which sites could serve it, which do, how many
observations stand behind them, how fresh they are, whether two models agree, and how sure
the verdict is.

Per village (columns of the village table):

``sites_in_reach``        sites with an emitter whose flat-ground reach (the disc of the disc
                          model, the distance at which a propagation model's base loss uses up
                          the link budget) touches any of its land;
``serving_sites``         sites that serve some of its electrified land (those discs holding an
                          electrified cell centre of the village; with terrain, a site of an
                          operator that does serve the village's electrified land, within that
                          site's flat-ground reach);
``best_site_id``,         the serving site that gives it the strongest signal (propagation
``best_site_distance_m``  models; the nearest serving site for the disc model), and its distance
                          to the village's electrified land;
``evidence_samples``      OpenCelliD observations of the serving sites' cells;
``last_seen``             the newest ``updated`` among those cells (ISO date);
``models_agree``          the disc model and the flat-ground propagation model (Hata) give the
                          village the same status;
``confidence``            ``high``, ``medium`` or ``low`` by :func:`confidence`.

The work is one pass over candidate (village, emitter) pairs a KD-tree leaves, each checked
against the village's own cells: exact under the cell-centre rule every layer obeys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from numba import njit, prange

from coverage_gaps.coverage.base import Emitters
from coverage_gaps.coverage.propagation import _base_loss
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.io.towers import utc_days
from coverage_gaps.zonal import VillageSpans

__all__ = [
    "CONFIDENCE_RULE",
    "Scoring",
    "VillageEvidence",
    "confidence",
    "village_evidence",
]

#: The rule of :func:`confidence`, as the README and the workbooks' explanations state it.
CONFIDENCE_RULE = (
    "high: the disc and propagation models agree, cells were observed nearby, the serving "
    "sites have at least 50 observations, and the newest observation of the serving sites (for "
    "a village without service: of the sites in reach) is at most 2 years old; low: the "
    "models disagree, or no cell was observed within 10 km, or that newest observation is over "
    "5 years old or unknown; medium: the rest"
)
HIGH_SAMPLES = 50
HIGH_AGE_DAYS = 2 * 365
LOW_AGE_DAYS = 5 * 365


@dataclass(frozen=True)
class VillageEvidence:
    """Per-village evidence (arrays aligned with the villages)."""

    sites_in_reach: np.ndarray
    serving_sites: np.ndarray
    best_site: np.ndarray
    best_site_distance_m: np.ndarray
    evidence_samples: np.ndarray
    last_seen: np.ndarray
    nearby_last_seen: np.ndarray


@dataclass(frozen=True)
class Scoring:
    """How the best site is chosen: the nearest serving site (``signal=False``), or the one
    whose flat-ground base-model signal at the village's electrified land is strongest.

    Attributes
    ----------
    signal
        Score by the base model's signal (else by distance).
    eirp_dbm, frequency_mhz, base_height_m, mobile_height_m
        Per emitter, for the signal.
    environment
        Code of the clutter class (:data:`coverage_gaps.coverage.propagation.ENVIRONMENT_CODES`).
    free_space
        The base model is free space (else Hata / 3GPP).
    """

    signal: bool = False
    eirp_dbm: np.ndarray | None = None
    frequency_mhz: np.ndarray | None = None
    base_height_m: np.ndarray | None = None
    mobile_height_m: np.ndarray | None = None
    environment: int = 2
    free_space: bool = False


def village_evidence(
    spans: VillageSpans,
    electrified: np.ndarray,
    grid: AnalysisGrid,
    emitters: Emitters,
    sites: pd.DataFrame,
    *,
    radius_m: np.ndarray,
    scoring: Scoring | None = None,
    serving_operators: np.ndarray | None = None,
) -> VillageEvidence:
    """The evidence of each village from the emitters of the sites in reach.

    Parameters
    ----------
    spans, electrified, grid
        The villages' cells and the electrified mask on the area's grid.
    emitters
        The emitters of ``sites`` (``emitters.site`` is a ``site_id`` of ``sites``).
    sites
        The sites in reach, with ``site_id``, ``samples`` and ``last_updated`` (Unix seconds,
        NaN when unknown).
    radius_m
        Per emitter, its flat-ground reach: it is in reach of a village whose land lies
        within, and serves one whose electrified land does.
    scoring
        How the best site is chosen (default: the nearest serving site).
    serving_operators
        Per village, the bitmask of the operators that do serve its electrified land: when
        given (models with terrain, whose serving radius is only an upper bound), an emitter
        serves a village only if its operator's bit is set.
    """
    n = spans.n_villages
    res = grid.resolution
    scoring = scoring or Scoring()
    m = len(emitters)
    site_ids = sites["site_id"].to_numpy(dtype=np.int64)
    row_of = pd.Index(site_ids).get_indexer(np.asarray(emitters.site, dtype=np.int64))
    if m and (row_of < 0).any():
        raise ValueError("every emitter's site must be in the sites table")
    ex, ey = grid.to_colrow(emitters.x, emitters.y)  # cell units
    ones = np.ones(m)
    out = _evidence(
        spans.row,
        spans.col_start,
        spans.col_stop,
        spans.offsets,
        *_electrified_runs(
            spans.row, spans.col_start, spans.col_stop, spans.offsets, electrified.view(np.uint8)
        ),
        np.asarray(ex, dtype="f8"),
        np.asarray(ey, dtype="f8"),
        np.asarray(radius_m, dtype="f8") / res,
        row_of.astype(np.int64),
        np.asarray(emitters.operator, dtype=np.int64),
        np.zeros(n, dtype=np.uint32)
        if serving_operators is None
        else serving_operators.astype(np.uint32),
        serving_operators is not None,
        sites["samples"].to_numpy(dtype=np.int64)
        if "samples" in sites
        else np.zeros(len(sites), np.int64),
        sites["last_updated"].to_numpy(dtype="f8")
        if "last_updated" in sites
        else np.full(len(sites), np.nan),
        float(res),
        bool(scoring.signal),
        ones * 0 if scoring.eirp_dbm is None else np.asarray(scoring.eirp_dbm, dtype="f8"),
        ones if scoring.frequency_mhz is None else np.asarray(scoring.frequency_mhz, dtype="f8"),
        ones if scoring.base_height_m is None else np.asarray(scoring.base_height_m, dtype="f8"),
        ones
        if scoring.mobile_height_m is None
        else np.asarray(scoring.mobile_height_m, dtype="f8"),
        int(scoring.environment),
        bool(scoring.free_space),
    )
    in_reach, serving, best_row, best_d, samples, last, nearby = out
    return VillageEvidence(
        sites_in_reach=in_reach,
        serving_sites=serving,
        best_site=np.where(
            best_row >= 0, site_ids[np.maximum(best_row, 0)] if len(site_ids) else -1, -1
        ),
        best_site_distance_m=np.where(best_row >= 0, np.round(best_d * res, 0), np.nan),
        evidence_samples=samples,
        last_seen=_iso_days(last),
        nearby_last_seen=_iso_days(nearby),
    )


def _iso_days(seconds: np.ndarray) -> np.ndarray:
    """Unix seconds as ISO dates (text), "" where unknown."""
    days = utc_days(seconds)
    out = np.full(days.shape[0], "", dtype=object)
    ok = ~np.isnat(days)
    out[ok] = days[ok].astype(str)
    return out


@njit(cache=True)
def _buckets(
    ex: np.ndarray, ey: np.ndarray, members: np.ndarray, size: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """A bucket grid of ``size`` over the emitters ``members``: their order by bucket, the
    start of each bucket in it, the grid's origin and its dimensions (buckets)."""
    if members.shape[0] == 0:
        return (
            members,
            np.zeros(2, dtype=np.int64),
            np.zeros(2, dtype=np.int64),
            np.ones(2, dtype=np.int64),
        )
    bx = np.floor(ex[members] / size).astype(np.int64)
    by = np.floor(ey[members] / size).astype(np.int64)
    org = np.array([bx.min(), by.min()], dtype=np.int64)
    dim = np.array([bx.max() - org[0] + 1, by.max() - org[1] + 1], dtype=np.int64)
    key = (bx - org[0]) * dim[1] + (by - org[1])
    order = members[np.argsort(key)]
    start = np.searchsorted(np.sort(key), np.arange(dim[0] * dim[1] + 1))
    return order, start, org, dim


@njit(cache=True)
def _bucket_range(
    org: np.ndarray, dim: np.ndarray, size: float, lo_r: int, hi_r: int, lo_c: int, hi_c: int
) -> tuple[int, int, int, int]:  # pragma: no cover - compiled
    gx0 = max(int(np.floor((lo_c - size) / size)) - org[0], 0)
    gx1 = min(int(np.floor((hi_c + size) / size)) - org[0], dim[0] - 1)
    gy0 = max(int(np.floor((lo_r - size) / size)) - org[1], 0)
    gy1 = min(int(np.floor((hi_r + 1 + size) / size)) - org[1], dim[1] - 1)
    return gx0, gx1, gy0, gy1


@njit(cache=True)
def _bucket_count(
    start: np.ndarray,
    org: np.ndarray,
    dim: np.ndarray,
    size: float,
    lo_r: int,
    hi_r: int,
    lo_c: int,
    hi_c: int,
) -> int:  # pragma: no cover - compiled
    gx0, gx1, gy0, gy1 = _bucket_range(org, dim, size, lo_r, hi_r, lo_c, hi_c)
    count = 0
    for gx in range(gx0, gx1 + 1):
        for gy in range(gy0, gy1 + 1):
            b = gx * dim[1] + gy
            count += start[b + 1] - start[b]
    return count


@njit(cache=True)
def _bucket_fill(
    out: np.ndarray,
    k: int,
    order: np.ndarray,
    start: np.ndarray,
    org: np.ndarray,
    dim: np.ndarray,
    size: float,
    lo_r: int,
    hi_r: int,
    lo_c: int,
    hi_c: int,
) -> int:  # pragma: no cover - compiled
    gx0, gx1, gy0, gy1 = _bucket_range(org, dim, size, lo_r, hi_r, lo_c, hi_c)
    for gx in range(gx0, gx1 + 1):
        for gy in range(gy0, gy1 + 1):
            b = gx * dim[1] + gy
            for j in range(start[b], start[b + 1]):
                out[k] = order[j]
                k += 1
    return k


@njit(cache=True)
def _electrified_runs(
    row: np.ndarray, c0: np.ndarray, c1: np.ndarray, offsets: np.ndarray, elec: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The runs of electrified cells within each village's spans, as spans of their own:
    rows, first and past-the-last columns, and each village's offsets into them."""
    n = offsets.shape[0] - 1
    count = 0
    for s in range(offsets[n]):
        for c in range(c0[s], c1[s]):
            if elec[row[s], c] and (c == c0[s] or not elec[row[s], c - 1]):
                count += 1
    out_row = np.empty(count, dtype=np.int64)
    out_c0 = np.empty(count, dtype=np.int64)
    out_c1 = np.empty(count, dtype=np.int64)
    out_off = np.zeros(n + 1, dtype=np.int64)
    k = 0
    for v in range(n):
        for s in range(offsets[v], offsets[v + 1]):
            r = row[s]
            c = c0[s]
            while c < c1[s]:
                if elec[r, c]:
                    start = c
                    while c < c1[s] and elec[r, c]:
                        c += 1
                    out_row[k] = r
                    out_c0[k] = start
                    out_c1[k] = c
                    k += 1
                else:
                    c += 1
        out_off[v + 1] = k
    return out_row, out_c0, out_c1, out_off


@njit(cache=True)
def _nearest_in_runs(
    row: np.ndarray, c0: np.ndarray, c1: np.ndarray, lo: int, hi: int, px: float, py: float
) -> float:  # pragma: no cover - compiled
    """The squared distance (cells) from ``(px, py)`` to the nearest cell centre of the runs
    ``lo:hi``: in each run, the cell whose column holds ``px``, or the run's end nearer it."""
    best = np.inf
    near = np.floor(px)
    for s in range(lo, hi):
        dy = row[s] + 0.5 - py
        dy2 = dy * dy
        if dy2 >= best:
            continue
        c = min(max(near, float(c0[s])), float(c1[s] - 1))
        dx = c + 0.5 - px
        d2 = dx * dx + dy2
        if d2 < best:
            best = d2
    return best


@njit(cache=True, parallel=True)
def _evidence(
    row: np.ndarray,
    c0: np.ndarray,
    c1: np.ndarray,
    offsets: np.ndarray,
    erow: np.ndarray,
    ec0: np.ndarray,
    ec1: np.ndarray,
    eoff: np.ndarray,
    ex: np.ndarray,
    ey: np.ndarray,
    radius: np.ndarray,
    site_row: np.ndarray,
    operator: np.ndarray,
    serving_ops: np.ndarray,
    use_ops: bool,
    site_samples: np.ndarray,
    site_updated: np.ndarray,
    res: float,
    by_signal: bool,
    eirp: np.ndarray,
    freq: np.ndarray,
    hb: np.ndarray,
    hm: np.ndarray,
    env: int,
    free_space: bool,
) -> tuple[np.ndarray, ...]:  # pragma: no cover - compiled
    """Per village: sites in reach, serving sites, the best serving site's row and distance
    (cells), the serving sites' samples and newest update, the newest update of those in
    reach.  Emitters are found through buckets of the largest radius."""
    n = offsets.shape[0] - 1
    m = ex.shape[0]
    out_reach = np.zeros(n, dtype=np.int64)
    out_serving = np.zeros(n, dtype=np.int64)
    out_best = np.full(n, -1, dtype=np.int64)
    out_best_d = np.full(n, np.nan)
    out_samples = np.zeros(n, dtype=np.int64)
    out_last = np.full(n, np.nan)
    out_nearby = np.full(n, np.nan)
    if m == 0:
        return out_reach, out_serving, out_best, out_best_d, out_samples, out_last, out_nearby
    # Two bucket grids: emitters up to the 95th percentile of the radii in buckets of that
    # size, the larger ones in buckets of the largest radius; a village looks at the buckets
    # within each grid's radius of its box (and each emitter through a cheap box test).
    r_small = max(1.0, float(np.quantile(radius, 0.95)))
    r_large = max(r_small, float(radius.max()))
    small = radius <= r_small
    order_s, start_s, org_s, dim_s = _buckets(ex, ey, np.flatnonzero(small), r_small)
    order_l, start_l, org_l, dim_l = _buckets(ex, ey, np.flatnonzero(~small), r_large)
    for v in prange(n):
        if offsets[v + 1] == offsets[v]:
            continue
        lo_r = 1 << 40
        hi_r = -1
        lo_c = 1 << 40
        hi_c = -1
        for s in range(offsets[v], offsets[v + 1]):
            lo_r = min(lo_r, row[s])
            hi_r = max(hi_r, row[s])
            lo_c = min(lo_c, c0[s])
            hi_c = max(hi_c, c1[s])
        count = _bucket_count(start_s, org_s, dim_s, r_small, lo_r, hi_r, lo_c, hi_c)
        count += _bucket_count(start_l, org_l, dim_l, r_large, lo_r, hi_r, lo_c, hi_c)
        if count == 0:
            continue
        cand = np.empty(count, dtype=np.int64)
        k = _bucket_fill(cand, 0, order_s, start_s, org_s, dim_s, r_small, lo_r, hi_r, lo_c, hi_c)
        _bucket_fill(cand, k, order_l, start_l, org_l, dim_l, r_large, lo_r, hi_r, lo_c, hi_c)
        # by site, so that a site's emitters are together
        cand = cand[np.argsort(site_row[cand], kind="mergesort")]
        cur = -1
        site_reach = False
        site_serve = False
        site_score = -np.inf
        site_d = np.inf
        best_score = -np.inf
        best_d = np.inf
        for idx in range(count + 1):
            e = cand[idx] if idx < count else -1
            srow = site_row[e] if e >= 0 else -2
            if srow != cur and cur >= 0:  # close the previous site
                if site_reach:
                    out_reach[v] += 1
                    u = site_updated[cur]
                    if u == u and not (out_nearby[v] >= u):
                        out_nearby[v] = u
                if site_serve:
                    out_serving[v] += 1
                    out_samples[v] += site_samples[cur]
                    u = site_updated[cur]
                    if u == u and not (out_last[v] >= u):
                        out_last[v] = u
                    better = site_score > best_score or (
                        site_score == best_score and site_d < best_d
                    )
                    if better:
                        best_score = site_score
                        best_d = site_d
                        out_best[v] = cur
                        out_best_d[v] = site_d
            if e < 0:
                break
            if srow != cur:
                cur = srow
                site_reach = False
                site_serve = False
                site_score = -np.inf
                site_d = np.inf
            px = ex[e]
            py = ey[e]
            # the distance to the village's box bounds the distance to its cells
            gx_ = max(lo_c + 0.5 - px, 0.0, px - (hi_c - 0.5))
            gy_ = max(lo_r + 0.5 - py, 0.0, py - (hi_r + 0.5))
            r2 = radius[e] * radius[e]
            if gx_ * gx_ + gy_ * gy_ > r2:
                continue
            # the nearest cell of a run of cells is at the run's column nearest the emitter
            best_all = _nearest_in_runs(row, c0, c1, offsets[v], offsets[v + 1], px, py)
            best_el = _nearest_in_runs(erow, ec0, ec1, eoff[v], eoff[v + 1], px, py)
            if best_all <= r2:
                site_reach = True
            ok = best_el <= r2
            if ok and use_ops:
                ok = ((serving_ops[v] >> np.uint32(operator[e])) & np.uint32(1)) != 0
            if ok:
                site_serve = True
                d = np.sqrt(best_el)
                if by_signal:
                    score = eirp[e] - _base_loss(
                        max(d * res, 1.0), freq[e], hb[e], hm[e], env, free_space, False
                    )
                else:
                    score = -d
                if score > site_score or (score == site_score and d < site_d):
                    site_score = score
                    site_d = d
    return out_reach, out_serving, out_best, out_best_d, out_samples, out_last, out_nearby


def confidence(
    *,
    status: np.ndarray,
    models_agree: np.ndarray,
    samples: np.ndarray,
    last_seen: np.ndarray,
    nearby_last_seen: np.ndarray,
    reasons: np.ndarray,
    as_of: date,
) -> np.ndarray:
    """``high`` / ``medium`` / ``low`` per village by :data:`CONFIDENCE_RULE` (empty for the
    villages without power, which no signal model judges)."""
    out = np.full(len(status), "medium", dtype=object)
    served = np.asarray(samples) > 0
    seen_text = np.where(
        served, np.asarray(last_seen, dtype=object), np.asarray(nearby_last_seen, dtype=object)
    )
    day0 = np.datetime64(as_of.isoformat(), "D")
    text = pd.Series(seen_text, dtype=object).fillna("")
    seen = text.where(text != "", "NaT").to_numpy(dtype=str).astype("datetime64[D]")
    age = np.where(np.isnat(seen), np.nan, (day0 - seen).astype("f8"))
    nearby = ~pd.Series(reasons, dtype=object).astype(str).str.contains(
        "no_measurements_nearby", regex=False
    ).to_numpy(dtype=bool)
    fresh = np.isfinite(age) & (age <= HIGH_AGE_DAYS)
    stale = ~np.isfinite(age) | (age > LOW_AGE_DAYS)
    agree = np.asarray(models_agree, dtype=bool)
    well_seen = ~served | (np.asarray(samples) >= HIGH_SAMPLES)
    high = agree & nearby & well_seen & fresh
    low = ~agree | ~nearby | stale
    out[high] = "high"
    out[low] = "low"
    out[np.asarray(status) == "not_electrified"] = ""
    return out
