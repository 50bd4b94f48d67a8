"""Path-loss formulas against hand-worked values.

Every expected number below was worked by hand (each intermediate written in the comment) from
the formula in the named source, not produced by the code under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from coverage_gaps.coverage.linkbudget import (
    RadioParams,
    default_link_budget,
    load_link_budget,
)
from coverage_gaps.coverage.propagation import (
    base_loss_db,
    free_space_loss_db,
    fresnel_v,
    hata_loss_db,
    knife_edge_loss_db,
    tr38901_loss_db,
    wavelength_m,
)
from coverage_gaps.errors import InputError


def test_free_space_matches_friis() -> None:
    # ITU-R P.525-4 eq. (4): L = 32.4 + 20 log f(MHz) + 20 log d(km); with the constant unrounded,
    # 20 log10(4 pi d / lambda). 1 km at 1000 MHz: lambda = 0.299792458 m,
    # 4 pi 1000 / 0.299792458 = 41916.9 -> 92.448 dB.  P.525's rounded constant gives 92.4.
    assert free_space_loss_db(1000.0, 1000.0) == pytest.approx(92.448, abs=0.001)
    # 10 km at 900 MHz: 32.448 + 59.085 + 20 = 111.533
    assert free_space_loss_db(10_000.0, 900.0) == pytest.approx(111.533, abs=0.001)
    # doubling the distance adds 6.02 dB
    two = free_space_loss_db(np.array([1000.0, 2000.0]), 1800.0)
    assert two[1] - two[0] == pytest.approx(20 * math.log10(2), abs=1e-9)


def test_okumura_hata_900mhz_10km() -> None:
    # Hata (1980), small/medium city; f = 900 MHz, hb = 30 m, hm = 1.5 m, d = 10 km.
    # log f = 2.954243; 26.16 log f = 77.28300; 13.82 log hb = 20.41381;
    # a(hm) = (1.1*2.954243 - 0.7)*1.5 - (1.56*2.954243 - 0.8) = 3.824501 - 3.808619 = 0.015882
    # (44.9 - 6.55 log hb) log d = 35.22486
    # urban = 69.55 + 77.28300 - 20.41381 - 0.01588 + 35.22486 = 161.62817
    # suburban = urban - 2 (log(900/28))^2 - 5.4 = 161.62817 - 4.54261 - 5.4 = 151.68556
    # open = urban - 4.78 (log f)^2 + 18.33 log f - 40.94
    #      = 161.62817 - 41.71770 + 54.15127 - 40.94 = 133.12174
    kw = {"base_height_m": 30.0, "mobile_height_m": 1.5}
    assert hata_loss_db(10_000.0, 900.0, environment="urban", **kw) == pytest.approx(
        161.628, abs=2e-3
    )
    assert hata_loss_db(10_000.0, 900.0, environment="suburban", **kw) == pytest.approx(
        151.686, abs=2e-3
    )
    assert hata_loss_db(10_000.0, 900.0, environment="open", **kw) == pytest.approx(
        133.122, abs=2e-3
    )


def test_cost231_hata_1800mhz_1km() -> None:
    # COST-231 Hata, Cm = 0; f = 1800 MHz, hb = 30 m, hm = 1.5 m, d = 1 km (log d = 0).
    # log f = 3.255273; 33.9 log f = 110.35375; a(hm) = 4.321200 - 4.278226 = 0.042974
    # urban = 46.3 + 110.35375 - 20.41381 - 0.04297 = 136.19697
    got = hata_loss_db(1000.0, 1800.0, base_height_m=30.0, mobile_height_m=1.5, environment="urban")
    assert got == pytest.approx(136.197, abs=2e-3)
    # slope: (44.9 - 6.55 log 30) = 35.22486 dB per decade
    far = hata_loss_db(
        10_000.0, 1800.0, base_height_m=30.0, mobile_height_m=1.5, environment="urban"
    )
    assert far - got == pytest.approx(35.22486, abs=1e-4)


def test_hata_never_below_free_space() -> None:
    d = np.array([50.0, 100.0, 300.0])
    hata = hata_loss_db(d, 945.0, base_height_m=30.0, mobile_height_m=1.5, environment="open")
    assert np.all(hata >= free_space_loss_db(d, 945.0) - 1e-9)
    # at 100 m the open-area formula gives 98.237 - 35.225 = 63.0 dB, below free space (71.96)
    assert hata[1] == pytest.approx(float(free_space_loss_db(100.0, 945.0)))


def test_hata_rejects_out_of_band() -> None:
    with pytest.raises(ValueError, match="Hata"):
        hata_loss_db(1000.0, 3500.0, base_height_m=30, mobile_height_m=1.5, environment="open")
    with pytest.raises(ValueError, match="environment"):
        hata_loss_db(1000.0, 900.0, base_height_m=30, mobile_height_m=1.5, environment="rural")  # type: ignore[arg-type]


def test_tr38901_rma_at_3500mhz() -> None:
    # 3GPP TR 38.901 Table 7.4.1-1, RMa, h = 5 m, W = 20 m, hBS = 30 m, hUT = 1.5 m, fc = 3.5 GHz.
    # d2D = 1 km: d3D = sqrt(1000^2 + 28.5^2) = 1000.406; dBP = 2 pi 30 1.5 3.5e9 / c = 3301 m,
    # so PL1 applies: 20 log10(40 pi d3D fc / 3) = 103.3267 (free space with c = 3e8),
    # 0.03*5^1.72 = 0.47791 -> * log10(d3D) = 1.43383; 0.044*5^1.72 = 0.70094;
    # 0.002 log10(5) d3D = 1.39851.  PL_LOS = 103.3267 + 1.43383 - 0.70094 + 1.39851 = 105.4580
    los = tr38901_loss_db(
        1000.0,
        3500.0,
        base_height_m=30.0,
        mobile_height_m=1.5,
        environment="open",
        line_of_sight=True,
    )
    assert los == pytest.approx(105.458, abs=2e-3)
    # NLOS' = 161.04 - 7.1 log 20 + 7.5 log 5 - (24.37 - 3.7 (5/30)^2) log 30
    #         + (43.42 - 3.1 log 30)(log d3D - 3) + 20 log 3.5 - (3.2 (log 17.625)^2 - 4.97)
    #       = 161.04 - 9.23731 + 5.24228 - 35.84563 + 0.00685 + 10.88136 + 0.00092 = 132.0885
    nlos = tr38901_loss_db(
        1000.0,
        3500.0,
        base_height_m=30.0,
        mobile_height_m=1.5,
        environment="open",
        line_of_sight=False,
    )
    assert nlos == pytest.approx(132.0885, abs=2e-3)
    # the dispatcher sends 3500 MHz "hata" to 38.901
    assert base_loss_db(
        1000.0, 3500.0, base_height_m=30.0, mobile_height_m=1.5, model="hata", environment="open"
    ) == pytest.approx(nlos)


def test_knife_edge_single_obstacle() -> None:
    # Obstacle 10 m above the line, halfway along a 2 km path, 300 MHz:
    # lambda = 299.792458 / 300 = 0.999308 m; v = 10 sqrt(2*2000 / (0.999308 * 1000 * 1000))
    #   = 10 * 0.0632675 = 0.632675
    # J(v) = 6.9 + 20 log10(sqrt(0.532675^2 + 1) + 0.532675) = 6.9 + 20 log10(1.665713) = 11.3317
    v = fresnel_v(10.0, 1000.0, 1000.0, wavelength_m(300.0))
    assert v == pytest.approx(0.632675, abs=1e-5)
    assert knife_edge_loss_db(v) == pytest.approx(11.3317, abs=1e-3)
    # P.526 figure 9: J(0) = 6 dB (6.03 by the approximation); no loss for v <= -0.78.
    assert knife_edge_loss_db(0.0) == pytest.approx(6.0329, abs=1e-3)
    assert knife_edge_loss_db(np.array([-0.78, -2.0])).tolist() == [0.0, 0.0]
    # for large v, J ~ 13 + 20 log10(v) (P.526 asymptote): v = 10 -> 33.0; formula gives 32.855
    assert knife_edge_loss_db(10.0) == pytest.approx(33.0, abs=0.2)


def test_default_link_budget_is_rsrp_per_re() -> None:
    budget = default_link_budget()
    assert set(budget.radios) == {"GSM", "UMTS", "LTE", "NR", "CDMA"}
    # 46 dBm over 1200 subcarriers = 15.2 dBm per RE; + 17 dBi - 2 dB = 30.2 -> 30 dBm
    assert budget["LTE"].eirp_dbm == pytest.approx(46 - 10 * math.log10(1200) + 15, abs=0.3)
    assert budget["LTE"].threshold_dbm == -110.0
    assert budget.k_factor == pytest.approx(4 / 3)
    assert budget["GSM"].max_loss_db == pytest.approx(157.0)


def test_load_link_budget_overrides(tmp_path: Path) -> None:
    f = tmp_path / "radio.toml"
    f.write_text("k_factor = 1.2\n[LTE]\nthreshold_dbm = -105\nantenna_height_m = 25\n")
    budget = load_link_budget(f)
    assert budget.k_factor == pytest.approx(1.2)
    assert budget["LTE"] == RadioParams(
        frequency_mhz=1842.5, eirp_dbm=30.0, threshold_dbm=-105.0, antenna_height_m=25.0
    )
    assert budget["GSM"] == default_link_budget()["GSM"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[WIFI]\nfrequency_mhz = 2400\n", r"unknown key 'WIFI'.*\[GSM\]"),
        ("[LTE]\npower = 3\n", r"\[LTE\] has unknown key 'power'; allowed: frequency_mhz"),
        ("[LTE]\nthreshold_dbm = 'low'\n", "must be a number"),
        ("[LTE]\nfrequency_mhz = -5\n", "frequency_mhz must be a positive"),
        ("k_factor = 0\n", "k_factor"),
        ("[LTE\n", "not a valid TOML"),
    ],
)
def test_load_link_budget_errors(tmp_path: Path, text: str, match: str) -> None:
    f = tmp_path / "radio.toml"
    f.write_text(text)
    with pytest.raises(InputError, match=match) as info:
        load_link_budget(f)
    assert str(f) in str(info.value)


def test_load_link_budget_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_link_budget(tmp_path / "nope.toml")


def test_clutter_correction_is_hatas_area_correction() -> None:
    # Hata (1980): urban - open = 4.78 (log f)^2 - 18.33 log f + 40.94; at 945 MHz
    # log f = 2.975432: 42.3183 - 54.5397 + 40.94 = 28.7186 dB; suburban - open = that
    # - 2 (log(945/28))^2 - 5.4 = 28.7186 - 4.6712 - 5.4 = 18.6474 dB.
    from coverage_gaps.coverage.propagation import clutter_correction_db

    assert clutter_correction_db(945.0, "open") == 0.0
    assert clutter_correction_db(945.0, "urban") == pytest.approx(28.7186, abs=1e-3)
    assert clutter_correction_db(945.0, "suburban") == pytest.approx(18.6474, abs=1e-3)
    # and it is exactly the distance-independent gap between Hata's urban and open formulas
    kw = {"base_height_m": 30.0, "mobile_height_m": 1.5}
    for d in (1500.0, 9000.0):
        gap = hata_loss_db(d, 945.0, environment="urban", **kw) - hata_loss_db(
            d, 945.0, environment="open", **kw
        )
        assert gap == pytest.approx(clutter_correction_db(945.0, "urban"), abs=1e-9)
