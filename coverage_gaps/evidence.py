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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from numba import njit, prange

from coverage_gaps.coverage.base import Emitters
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.zonal import VillageSpans

__all__ = [
    "CONFIDENCE_RULE",
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


def village_evidence(
    spans: VillageSpans,
    electrified: np.ndarray,
    grid: AnalysisGrid,
    emitters: Emitters,
    sites: pd.DataFrame,
    *,
    reach_m: np.ndarray,
    serve_m: np.ndarray,
    strength: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    serving_mask: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
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
        may be missing).
    reach_m, serve_m
        Per emitter, its flat-ground reach, and the radius within which it serves (the same
        for models without terrain; a site's operator must also serve the cell when
        ``serve_m`` is only an upper bound, which the caller handles through ``strength``).
    strength
        Per emitter and distance, how strong its signal is, as ``f(emitter_index, d_m) -> dBm``
        vectorised; the serving emitter with the largest value is the village's best site.
        ``None`` takes the nearest serving emitter.
    serving_mask
        ``f(village_index, emitter_index) -> bool`` vectorised: which pairs within the serving
        radius really serve (with terrain: the emitter's operator serves the village's land).
    """
    n = spans.n_villages
    if not len(emitters) or n == 0:
        return VillageEvidence(
            sites_in_reach=np.zeros(n, dtype=np.int64),
            serving_sites=np.zeros(n, dtype=np.int64),
            best_site=np.full(n, -1, dtype=np.int64),
            best_site_distance_m=np.full(n, np.nan),
            evidence_samples=np.zeros(n, dtype=np.int64),
            last_seen=np.full(n, "", dtype=object),
            nearby_last_seen=np.full(n, "", dtype=object),
        )
    from scipy.spatial import cKDTree

    res = grid.resolution
    ex, ey = grid.to_colrow(emitters.x, emitters.y)  # cell units
    # Each village's box in cell units, from its spans.
    lo_r, hi_r, lo_c, hi_c = _span_boxes(spans.row, spans.col_start, spans.col_stop, spans.offsets)
    has = hi_r >= lo_r
    cx = (lo_c + hi_c) / 2.0
    cy = (lo_r + hi_r + 1) / 2.0
    half = np.hypot(hi_c - lo_c, hi_r + 1 - lo_r) / 2.0
    radius = np.maximum(reach_m, serve_m) / res
    tree = cKDTree(np.column_stack([ex, ey]))
    lists = tree.query_ball_point(
        np.column_stack([np.where(has, cx, 0.0), np.where(has, cy, 0.0)]),
        np.where(has, half + float(radius.max()) + 1.0, 0.0),
        return_sorted=False,
    )
    counts = np.fromiter((len(c) for c in lists), dtype=np.int64, count=len(lists))
    counts[~has] = 0
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = np.fromiter(
        (i for v, c in enumerate(lists) if has[v] for i in c),
        dtype=np.int64,
        count=int(offsets[-1]),
    )
    in_reach, serving, d_elec = _pairs(
        spans.row,
        spans.col_start,
        spans.col_stop,
        spans.offsets,
        electrified.view(np.uint8),
        offsets,
        flat,
        ex,
        ey,
        reach_m / res,
        serve_m / res,
    )
    # One row per (village, emitter) pair, then per (village, site).
    village = np.repeat(np.arange(n), counts)
    site = np.asarray(emitters.site)[flat]
    if serving_mask is not None:
        serving = serving & serving_mask(village, flat)
    pairs = pd.DataFrame(
        {
            "village": village,
            "site": site,
            "emitter": flat,
            "reach": in_reach,
            "serving": serving,
            "d": d_elec * res,
        }
    )
    reach_counts = pairs.loc[pairs["reach"]].groupby("village")["site"].nunique()
    nearby = _newest(pairs.loc[pairs["reach"]], sites, n)
    served = pairs.loc[pairs["serving"]].copy()
    table = sites.set_index("site_id")
    out_reach = reach_counts.reindex(range(n), fill_value=0).to_numpy(dtype=np.int64)
    serving_sites = np.zeros(n, dtype=np.int64)
    best = np.full(n, -1, dtype=np.int64)
    best_d = np.full(n, np.nan)
    samples = np.zeros(n, dtype=np.int64)
    last = np.full(n, "", dtype=object)
    if len(served):
        if strength is not None:
            served["score"] = strength(served["emitter"].to_numpy(), served["d"].to_numpy())
        else:
            served["score"] = -served["d"].to_numpy()
        per_site = served.sort_values(["village", "site", "score"], ascending=[True, True, False])
        per_site = per_site.drop_duplicates(["village", "site"])
        serving_sites = np.asarray(
            per_site.groupby("village").size().reindex(range(n), fill_value=0), dtype=np.int64
        )
        top = per_site.sort_values(
            ["village", "score", "d", "site"], ascending=[True, False, True, True]
        ).drop_duplicates("village")
        best[top["village"].to_numpy()] = top["site"].to_numpy()
        best_d[top["village"].to_numpy()] = np.round(top["d"].to_numpy(), 0)
        per_site = per_site.assign(
            samples=table["samples"].reindex(per_site["site"]).to_numpy(dtype="f8")
        )
        g = per_site.groupby("village")
        samples[g.size().index.to_numpy()] = g["samples"].sum().to_numpy(dtype=np.int64)
        last = _newest(per_site, sites, n)
    return VillageEvidence(
        sites_in_reach=out_reach,
        serving_sites=serving_sites,
        best_site=best,
        best_site_distance_m=best_d,
        evidence_samples=samples,
        last_seen=last,
        nearby_last_seen=nearby,
    )


def _newest(pairs: pd.DataFrame, sites: pd.DataFrame, n: int) -> np.ndarray:
    """Per village, the newest ``last_updated`` of the sites of ``pairs`` (ISO date, or "")."""
    out = np.full(n, "", dtype=object)
    if not len(pairs) or "last_updated" not in sites:
        return out
    updated = sites.set_index("site_id")["last_updated"].astype("f8")
    newest = pd.Series(updated.reindex(pairs["site"]).to_numpy(), index=pairs["village"].to_numpy())
    newest = newest.groupby(level=0).max().dropna()
    days = pd.to_datetime(newest.to_numpy(dtype="f8"), unit="s", utc=True)
    out[newest.index.to_numpy()] = days.strftime("%Y-%m-%d").to_numpy()
    return out


@njit(cache=True)
def _span_boxes(
    row: np.ndarray, c0: np.ndarray, c1: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    n = offsets.shape[0] - 1
    lo_r = np.full(n, 1 << 40, dtype=np.int64)
    hi_r = np.full(n, -1, dtype=np.int64)
    lo_c = np.full(n, 1 << 40, dtype=np.int64)
    hi_c = np.full(n, -1, dtype=np.int64)
    for v in range(n):
        for s in range(offsets[v], offsets[v + 1]):
            lo_r[v] = min(lo_r[v], row[s])
            hi_r[v] = max(hi_r[v], row[s])
            lo_c[v] = min(lo_c[v], c0[s])
            hi_c[v] = max(hi_c[v], c1[s])
    return lo_r, hi_r, lo_c.astype(np.float64), hi_c.astype(np.float64)


@njit(cache=True, parallel=True)
def _pairs(
    row: np.ndarray,
    c0: np.ndarray,
    c1: np.ndarray,
    offsets: np.ndarray,
    elec: np.ndarray,
    pair_offsets: np.ndarray,
    pair_emitter: np.ndarray,
    ex: np.ndarray,
    ey: np.ndarray,
    reach: np.ndarray,
    serve: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """For each (village, candidate emitter) pair: is any of the village's cell centres within
    the emitter's reach; is any electrified one within its serving radius; and the distance (in
    cells) from the emitter to the nearest electrified cell centre (inf without one)."""
    m = pair_emitter.shape[0]
    in_reach = np.zeros(m, dtype=np.bool_)
    serving = np.zeros(m, dtype=np.bool_)
    d_elec = np.full(m, np.inf)
    n = offsets.shape[0] - 1
    for v in prange(n):
        for k in range(pair_offsets[v], pair_offsets[v + 1]):
            e = pair_emitter[k]
            px = ex[e]
            py = ey[e]
            r2 = reach[e] * reach[e]
            s2 = serve[e] * serve[e]
            best_all = np.inf
            best_el = np.inf
            for s in range(offsets[v], offsets[v + 1]):
                dy = row[s] + 0.5 - py
                dy2 = dy * dy
                if dy2 > best_all and dy2 > best_el:
                    continue
                for c in range(c0[s], c1[s]):
                    dx = c + 0.5 - px
                    d2 = dx * dx + dy2
                    if d2 < best_all:
                        best_all = d2
                    if elec[row[s], c] and d2 < best_el:
                        best_el = d2
            in_reach[k] = best_all <= r2
            serving[k] = best_el <= s2
            d_elec[k] = np.sqrt(best_el)
    return in_reach, serving, d_elec


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
    age = np.array(
        [(day0 - np.datetime64(t, "D")).astype(float) if t else np.nan for t in seen_text],
        dtype="f8",
    )
    nearby = np.array(["no_measurements_nearby" not in str(r) for r in reasons], dtype=bool)
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
