"""The evidence columns against brute force over every (village, site) pair."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import coverage_gaps as cg
from coverage_gaps.coverage.propagation import base_loss_db
from coverage_gaps.coverage.signal import PropagationModel
from coverage_gaps.evidence import confidence
from coverage_gaps.io.sources import LineElectrification
from coverage_gaps.network import RADIOS
from coverage_gaps.sites import sites_in_reach
from tests.helpers import UTM
from tests.test_pipeline import random_world


def village_cells(result: cg.AreaResult, v: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre x, y (cell units) of village ``v``'s cells and whether each is electrified."""
    s = result.spans
    xs, ys, el = [], [], []
    for k in range(s.offsets[v], s.offsets[v + 1]):
        cols = np.arange(s.col_start[k], s.col_stop[k])
        xs.append(cols + 0.5)
        ys.append(np.full(cols.size, s.row[k] + 0.5))
        el.append(result.electrified[s.row[k], cols])
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(el)


@pytest.mark.parametrize(("model", "seed"), [("disc", 5), ("disc", 6), ("hata", 5)])
def test_evidence_against_brute_force(model: str, seed: int) -> None:
    villages, cells, lines = random_world(seed)
    cells["updated"] = (1_600_000_000 + np.arange(len(cells)) * 86_400).astype("int64")
    sites, emitters = cg.collapse_sites(cells)
    coverage = cg.CoverageOptions(model=model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cg.analyse_area(
            "P",
            villages,
            sites,
            emitters,
            electrification=LineElectrification(lines, 1500.0),
            coverage=coverage,
            analysis=cg.AnalysisOptions(resolution_m=100.0, crs=UTM),
        )
    near = sites_in_reach(sites, emitters, result.grid, reach_m=35_000.0, ranges=coverage)
    em = near.emitters
    res = result.grid.resolution
    ex, ey = result.grid.to_colrow(em.x, em.y)
    if model == "disc":
        radius = np.asarray(em.range_m) / res
    else:
        budget = cg.coverage.default_link_budget()
        radius = PropagationModel("hata", budget).flat_serving_radius_m(em) / res
    table = result.villages.reset_index(drop=True)
    by_site = sites.set_index("site_id")
    checked_best = 0
    for v in range(len(table)):
        x, y, el = village_cells(result, v)
        reach_sites: set[int] = set()
        serve: dict[int, tuple[float, float]] = {}
        for e in range(len(em)):
            d = np.hypot(x - ex[e], y - ey[e])
            site = int(em.site[e])
            if (d <= radius[e]).any():
                reach_sites.add(site)
            if el.any() and (d[el] <= radius[e]).any():
                dmin = float(d[el].min()) * res
                if model == "disc":
                    score = -dmin
                else:
                    p = budget.radios[RADIOS[int(em.radio[e])]]
                    loss = base_loss_db(
                        max(dmin, 1.0),
                        p.frequency_mhz,
                        base_height_m=p.antenna_height_m,
                        mobile_height_m=p.receiver_height_m,
                        model="hata",
                        environment="open",
                    )
                    score = p.eirp_dbm - float(loss)
                if site not in serve or score > serve[site][0]:
                    serve[site] = (score, dmin)
        row = table.iloc[v]
        assert row["sites_in_reach"] == len(reach_sites), v
        assert row["serving_sites"] == len(serve), v
        samples = sum(int(by_site.loc[s, "samples"]) for s in serve)
        assert row["evidence_samples"] == samples, v
        if serve:
            best = max(serve.items(), key=lambda kv: (kv[1][0], -kv[1][1]))
            assert row["best_site_id"] == best[0], v
            assert row["best_site_distance_m"] == pytest.approx(round(best[1][1]), abs=1), v
            newest = max(float(by_site.loc[s, "last_updated"]) for s in serve)
            expect = pd.Timestamp(newest, unit="s").strftime("%Y-%m-%d")
            assert row["last_seen"] == expect, v
            checked_best += 1
        else:
            assert pd.isna(row["best_site_id"]) and row["last_seen"] == ""
    assert checked_best >= 3


def test_models_agree_against_hata_itself() -> None:
    """For a disc run, the other model is Hata over flat ground: its status from the real Hata
    model must be what models_agree compared with."""
    villages, cells, lines = random_world(7)
    sites, emitters = cg.collapse_sites(cells)
    kw = {
        "electrification": LineElectrification(lines, 1500.0),
        "analysis": cg.AnalysisOptions(resolution_m=100.0, crs=UTM),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        disc = cg.analyse_area("P", villages, sites, emitters, **kw)  # type: ignore[arg-type]
        hata = cg.analyse_area(
            "P", villages, sites, emitters, coverage=cg.CoverageOptions(model="hata"), **kw
        )  # type: ignore[arg-type]
    same = disc.villages["status"].to_numpy() == hata.villages["status"].to_numpy()
    # the disc-based Hata and the real Hata differ only in the loss table's cell rounding
    assert (disc.villages["models_agree"].to_numpy() == same).mean() >= 0.95
    assert (hata.villages["models_agree"].to_numpy() == same).mean() >= 0.95


def test_confidence_rule_by_hand() -> None:
    got = confidence(
        status=np.array(
            ["covered", "covered", "dead_zone", "dead_zone", "covered", "not_electrified"]
        ),
        models_agree=np.array([True, True, True, False, True, True]),
        samples=np.array([120, 10, 0, 0, 200, 0]),
        last_seen=np.array(["2026-06-01", "2026-06-01", "", "", "2019-01-01", ""], dtype=object),
        nearby_last_seen=np.array(["", "", "2026-01-01", "2026-01-01", "", ""], dtype=object),
        reasons=np.array(["", "", "beyond_site_range", "beyond_site_range", "", ""], dtype=object),
        as_of=pd.Timestamp("2026-12-01").date(),
    )
    # fresh and well observed; too few observations; a gap seen nearby recently; models
    # disagree; observations over 5 years old; no power: no verdict of signal
    assert got.tolist() == ["high", "medium", "high", "low", "low", ""]
