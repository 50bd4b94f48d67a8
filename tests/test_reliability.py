"""--reliability: the location-variability margin, its setting and option; and --model itm's
error when itmlogic is missing (none of these need itmlogic)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from coverage_gaps.coverage.linkbudget import GSM
from coverage_gaps.coverage.propagation import location_sigma_db, reliability_margin_db
from coverage_gaps.errors import SettingsError
from coverage_gaps.settings import CoverageOptions
from coverage_gaps.synthetic.terrain import fractal_dem

RES = 30.0


@pytest.fixture(scope="module")
def mountains() -> np.ndarray:
    return fractal_dem((500, 500), RES, seed=3, relief=(0.0, 2500.0), ridges=True)


def test_itm_model_without_itmlogic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "itmlogic", None)
    monkeypatch.setitem(sys.modules, "itmlogic.preparatory_subroutines.qlrpfl", None)
    from coverage_gaps.coverage.models import make_coverage_model

    with pytest.raises(SettingsError, match=r"pip install 'coverage-gaps\[itm\]'"):
        make_coverage_model(CoverageOptions(model="itm"))


def test_reliability_margin_and_setting() -> None:
    # P.1546-6 sigma_L = K + 1.3 log10(f): open (K 0.5) at 945 MHz = 4.368 dB
    assert location_sigma_db(945.0, "open") == pytest.approx(0.5 + 1.3 * np.log10(945.0))
    assert location_sigma_db(1842.5, "urban") == pytest.approx(1.2 + 1.3 * np.log10(1842.5))
    assert reliability_margin_db(0.5, 945.0, "open") == pytest.approx(0.0, abs=1e-12)
    # z(0.9) = 1.28155 (standard normal quantile)
    assert reliability_margin_db(0.9, 945.0, "open") == pytest.approx(1.281552 * 4.36835, rel=1e-4)
    assert CoverageOptions().reliability == 0.9
    for bad in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(SettingsError, match="reliability"):
            CoverageOptions(reliability=bad)


def test_reliability_moves_the_threshold_not_the_signal(mountains: np.ndarray) -> None:
    from coverage_gaps.coverage.linkbudget import LinkBudget
    from coverage_gaps.coverage.signal import PropagationModel
    from tests.test_signal import _emitters, _grid

    grid = _grid(200, 200)
    em = _emitters(grid, [(100, 100, 0, 0)])
    lb = LinkBudget(radios={"GSM": GSM})
    dem = mountains[:200, :200].copy()
    med = PropagationModel("terrain", lb, max_range_m=3000.0, reliability=0.5)(em, grid, dem)
    p90 = PropagationModel("terrain", lb, max_range_m=3000.0, reliability=0.9)(em, grid, dem)
    assert med.best_signal_dbm is not None and p90.best_signal_dbm is not None
    np.testing.assert_array_equal(med.best_signal_dbm, p90.best_signal_dbm)
    margin = reliability_margin_db(0.9, GSM.frequency_mhz, "open")
    sig = np.nan_to_num(med.best_signal_dbm, nan=-999.0)
    np.testing.assert_array_equal(p90.serving > 0, sig >= GSM.threshold_dbm + margin)
    assert (p90.serving > 0).sum() < (med.serving > 0).sum()


def test_cli_reliability_option(tiny_world: dict, tmp_path: Path) -> None:
    from coverage_gaps.cli.main import cli
    from tests.helpers import run_args

    result = CliRunner().invoke(cli, [*run_args(tiny_world, tmp_path / "o"), "--reliability", "1"])
    assert result.exit_code == 2 and "reliability" in result.output
    help_text = CliRunner().invoke(cli, ["run", "--help"]).output
    assert "--reliability" in help_text and "0.9" in help_text
