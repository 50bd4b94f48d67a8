"""Settings: one value wins for k_factor, radio aliases in the library, validation where built."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from click.testing import CliRunner
from pyproj import CRS

import coverage_gaps as cg
from coverage_gaps.cli.main import cli
from coverage_gaps.coverage import MODELS, Emitters, load_link_budget, make_coverage_model
from coverage_gaps.coverage.signal import predict_coverage
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.network import RADIOS, parse_radios
from coverage_gaps.outputs import AREA_WRITERS
from coverage_gaps.settings import (
    AnalysisOptions,
    CoverageOptions,
    Inputs,
    OutputOptions,
    ServiceOptions,
    StatusThresholds,
    TowerOptions,
    default_of,
)
from coverage_gaps.sites import select_cells

RES = 100.0


def _flat_world() -> tuple[Emitters, AnalysisGrid, np.ndarray]:
    """A GSM site at the west end of a 40 km strip of flat ground at 100 m: beyond ~24 km the
    Earth's bulge hides a 1.5 m handset from a 30 m mast when k = 1, not yet when k = 4/3."""
    grid = AnalysisGrid(
        crs=CRS.from_epsg(32648),
        transform=Affine(RES, 0.0, 400_000.0, 0.0, -RES, 2_400_000.0),
        width=400,
        height=3,
    )
    xs, ys = grid.cell_centres()
    em = Emitters(
        x=np.array([xs[0]]),
        y=np.array([ys[1]]),
        radio=np.array([RADIOS.index("GSM")], dtype=np.int8),
        operator=np.array([0], dtype=np.int16),
        range_m=np.array([35_000.0]),
        site=np.array([0]),
    )
    return em, grid, np.full(grid.shape, 100.0, dtype=np.float32)


def _radio_params(tmp_path: Path, k: float) -> Path:
    path = tmp_path / "budget.toml"
    path.write_text(f"k_factor = {k}\n[GSM]\neirp_dbm = 57.0\n")
    return path


def test_k_factor_of_the_radio_params_file_reaches_the_model(tmp_path: Path) -> None:
    """The bug: the settings' 4/3 always won over the file's k_factor."""
    em, grid, dem = _flat_world()
    budget = load_link_budget(_radio_params(tmp_path, 1.0))
    model = make_coverage_model(CoverageOptions(model="terrain"), link_budget=budget)
    got = model(em, grid, dem).best_signal_dbm
    kw = {"model": "terrain", "link_budget": budget, "dem": dem, "max_range_m": 35_000.0}
    at_one = predict_coverage(em, grid, k_factor=1.0, **kw).best_signal_dbm  # type: ignore[arg-type]
    at_four_thirds = predict_coverage(em, grid, k_factor=4 / 3, **kw).best_signal_dbm  # type: ignore[arg-type]
    assert got is not None and at_one is not None and at_four_thirds is not None
    np.testing.assert_array_equal(got, at_one)
    # the two factors differ where the bulge hides the handset (26 km out)
    assert at_four_thirds[1, 260] - at_one[1, 260] > 3.0
    # the command-line value (CoverageOptions.k_factor) wins over the file
    flagged = make_coverage_model(
        CoverageOptions(model="terrain", k_factor=4 / 3), link_budget=budget
    )
    np.testing.assert_array_equal(flagged(em, grid, dem).best_signal_dbm, at_four_thirds)
    # neither: 4/3
    plain = make_coverage_model(CoverageOptions(model="terrain"))
    np.testing.assert_array_equal(plain(em, grid, dem).best_signal_dbm, at_four_thirds)


def test_k_factor_default_shows_where_it_comes_from() -> None:
    assert default_of(CoverageOptions, "k_factor") is None
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert "the --radio-params file's k_factor, else 4/3" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("typed", "radios"),
    [
        (("4G",), ("LTE",)),
        ("broadband", ("UMTS", "LTE", "NR")),
        (("2g", "lte"), ("GSM", "CDMA", "LTE")),
        (("all",), RADIOS),
        ("GSM,5G", ("GSM", "NR")),
    ],
)
def test_radio_aliases_belong_to_the_library(typed: object, radios: tuple[str, ...]) -> None:
    """The bug: ServiceOptions(radios=("4G",)) kept no cell and said nothing."""
    assert ServiceOptions(radios=typed).radios == radios  # type: ignore[arg-type]
    cells = pd.DataFrame({"radio": list(RADIOS), "operator": ["Viettel"] * len(RADIOS)})
    assert select_cells(cells, ServiceOptions(radios=typed)).radio.tolist() == [  # type: ignore[arg-type]
        r for r in RADIOS if r in radios
    ]


def test_unknown_radio_is_an_error_naming_it() -> None:
    with pytest.raises(cg.SettingsError, match="'6G' is not a radio") as err:
        ServiceOptions(radios=("6G",))
    assert isinstance(err.value, ValueError)
    assert err.value.fields == ("ServiceOptions.radios",)
    with pytest.raises(cg.SettingsError, match="no radio given"):
        parse_radios(" , ")


@pytest.mark.parametrize(
    ("build", "field", "message"),
    [
        (
            lambda: CoverageOptions(min_range_m=5000, max_range_m=1000),
            "CoverageOptions.min_range_m",
            "above the largest",
        ),
        (
            lambda: CoverageOptions(max_range_m=math.inf),
            "CoverageOptions.max_range_m",
            "not a finite",
        ),
        (
            lambda: CoverageOptions(max_range_m=float("nan")),
            "CoverageOptions.max_range_m",
            "not a finite",
        ),
        (lambda: CoverageOptions(k_factor=0), "CoverageOptions.k_factor", "not a positive"),
        (
            lambda: CoverageOptions(fixed_radii_m={"4G": math.inf}),
            "CoverageOptions.fixed_radii_m",
            "not a finite",
        ),
        (
            lambda: CoverageOptions(model="itm-typo"),
            "CoverageOptions.model",
            "not a coverage model",
        ),
        (
            lambda: CoverageOptions(environment="forest"),
            "CoverageOptions.environment",
            "not one of",
        ),  # type: ignore[arg-type]
        (lambda: AnalysisOptions(grid_distance_m=-1), "AnalysisOptions.grid_distance_m", "below 0"),
        (lambda: AnalysisOptions(resolution_m=0), "AnalysisOptions.resolution_m", "not a positive"),
        (
            lambda: AnalysisOptions(village_radius_m=math.nan),
            "AnalysisOptions.village_radius_m",
            "not a finite",
        ),
        (
            lambda: TowerOptions(co_location_m=math.nan),
            "TowerOptions.co_location_m",
            "not a finite",
        ),
        (lambda: TowerOptions(mcc=(4520,)), "TowerOptions.mcc", "not a mobile country code"),
        (lambda: TowerOptions(as_of="2025-13-01"), "TowerOptions.as_of", "not a date"),
        (lambda: TowerOptions(nr_gnb_bits=40), "TowerOptions.nr_gnb_bits", "22 to 32"),
        (lambda: StatusThresholds(0.5, 0.2), "StatusThresholds.dead_zone", "dead_zone <= covered"),
        (lambda: OutputOptions(kinds=("pdf-typo",)), "OutputOptions.kinds", "not an output"),
        (
            lambda: Inputs(villages="v.gpkg", towers="t.csv"),
            "Inputs.electrified_raster",
            "exactly one",
        ),
    ],
)
def test_settings_are_validated_where_they_are_built(build, field: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(cg.SettingsError, match=message) as err:
        build()
    assert field in err.value.fields
    assert isinstance(err.value, ValueError)


def test_settings_normalise_what_people_write() -> None:
    cov = CoverageOptions(fixed_radii_m={"4G": 5000})
    assert cov.fixed_radii_m["LTE"] == 5000 and cov.fixed_radii_m["GSM"] == 12_000
    assert TowerOptions(as_of="2024-12-31").as_of is not None
    assert str(TowerOptions(as_of="2024-12-31").as_of) == "2024-12-31"
    assert OutputOptions(kinds="csv").kinds == ("csv",)
    inputs = Inputs(villages="v.gpkg", towers="t.csv", grid_lines="g.gpkg", dem="d.tif")
    assert inputs.dem == (Path("d.tif"),) and isinstance(inputs.villages, Path)


def test_choices_come_from_the_registries_and_literals() -> None:
    """The CLI lists exactly the registry's models and outputs, and takes its defaults from the
    settings."""
    help_text = " ".join(CliRunner().invoke(cli, ["run", "--help"]).output.split())
    assert f"[{'|'.join(MODELS)}]" in help_text
    for kind in AREA_WRITERS:
        assert f"{kind} =" in help_text
    assert f"[default: {','.join(default_of(OutputOptions, 'kinds'))}]" in help_text
    assert f"[default: {default_of(AnalysisOptions, 'resolution_m')}]" in help_text
    assert f"[default: {default_of(TowerOptions, 'co_location_m')}]" in help_text


def test_a_config_survives_pickling_and_becomes_plain_values() -> None:
    config = cg.RunConfig(
        inputs=Inputs(villages="v.gpkg", towers="t.csv.gz", electrified_raster="e.tif"),
        provinces="Lào Cai",
        towers=TowerOptions(mcc=452, as_of="2025-06-30"),
        service=ServiceOptions(radios="broadband"),
    )
    assert pickle.loads(pickle.dumps(config)) == config
    plain = config.to_dict()
    assert plain["provinces"] == ["Lào Cai"] and plain["towers"]["mcc"] == [452]
    assert plain["inputs"]["villages"] == "v.gpkg" and plain["towers"]["as_of"] == "2025-06-30"
    assert plain["service"]["radios"] == ["UMTS", "LTE", "NR"]


def test_errors_keep_their_fields_across_processes() -> None:
    err = cg.SettingsError("bad", fields=("CoverageOptions.max_range_m",))
    back = pickle.loads(pickle.dumps(err))
    assert back.fields == err.fields and str(back) == str(err)
    ie = cg.InputError("/x/towers.csv", "no such file")
    assert str(pickle.loads(pickle.dumps(ie))) == "/x/towers.csv: no such file"


def test_signal_rasters_asked_of_a_model_without_signal_are_refused() -> None:
    """``--outputs tif`` with the disc model would write nothing: the config says so (the
    default outputs, which hold tif, stay allowed: a disc run skips it)."""
    inputs = cg.Inputs(
        villages=Path("v.gpkg"), towers=Path("t.csv"), electrified_raster=Path("e.tif")
    )
    with pytest.raises(cg.SettingsError, match=r"'tif' .* 'disc' does not; choose one of") as e:
        cg.RunConfig(inputs=inputs, outputs=cg.OutputOptions(kinds=("csv", "tif")))
    assert e.value.fields == ("OutputOptions.kinds", "CoverageOptions.model")
    cg.RunConfig(inputs=inputs)  # the defaults
    with_signal = [name for name, spec in MODELS.items() if spec.uses_link_budget]
    assert with_signal and "disc" not in with_signal
    for name in with_signal:
        cg.RunConfig(
            inputs=inputs,
            coverage=cg.CoverageOptions(model=name),
            outputs=cg.OutputOptions(kinds=("tif",)),
        )
