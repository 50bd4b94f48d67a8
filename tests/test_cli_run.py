"""``coverage-gaps run``: exit codes, messages, files written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from coverage_gaps.cli.main import cli
from tests.helpers import run_args as base


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_run_writes_every_output(tiny_world: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("-q", *base(tiny_world, out), "--province", "lao cai")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "glossary.csv",
        "glossary.xlsx",
        "index.html",
        "lao-cai-field-check.xlsx",
        "lao-cai-no-power.csv",
        "lao-cai-to-fix.csv",
        "lao-cai-to-fix.xlsx",
        "lao-cai-villages.csv",
        "lao-cai-villages.xlsx",
        "lao-cai.gpkg",
        "lao-cai.html",
        "run.json",
        "summary.csv",
    ]
    raw = (out / "lao-cai-villages.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    table = pd.read_csv(
        out / "lao-cai-villages.csv", encoding="utf-8-sig", dtype={"village_id": str}
    )
    for col in (
        "village_id",
        "village_name",
        "commune",
        "province",
        "lon",
        "lat",
        "status",
        "electrified_km2",
        "covered_share",
        "uncovered_electrified_km2",
        "population",
        "uncovered_population",
        "nearest_site_m",
        "operators",
        "priority",
    ):
        assert col in table.columns
    assert table["village_id"].tolist() == ["001", "002", "003"]
    assert table["village_name"].tolist() == ["Bản Một", "Bản Hai", "Bản Ba"]
    fix = pd.read_csv(out / "lao-cai-to-fix.csv", encoding="utf-8-sig", dtype={"village_id": str})
    assert fix["village_id"].tolist() == ["002"] and fix["priority"].tolist() == [1]
    layers = {name for name, _ in pyogrio.list_layers(out / "lao-cai.gpkg")}
    assert layers == {"villages", "sites", "dead_zones", "layer_styles"}
    html = (out / "lao-cai.html").read_text()
    from coverage_gaps.outputs import labels

    assert (
        "Bản Hai" in html
        and "coverage-gaps-legend" in html
        and labels.text("dead_land_layer", "vi") in html  # the map is in Vietnamese by default
    )
    summary = pd.read_csv(out / "summary.csv")
    assert summary.loc[0, ["dead_zone", "covered", "not_electrified"]].tolist() == [1, 1, 1]
    assert "Lào Cai" in result.output  # the printed summary table


def test_outputs_choice_skips_the_map(tiny_world: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("-q", *base(tiny_world, out), "--outputs", "csv").exit_code == 0
    # + glossary.csv, and the run's page and record
    assert sorted(p.suffix for p in out.iterdir()) == [".csv"] * 5 + [".html", ".json"]


def test_rerun_overwrites_and_leaves_no_temporary_files(tiny_world: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(2):
        assert invoke("-q", *base(tiny_world, out)).exit_code == 0
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_narrower_rerun_says_what_it_removed_and_wrote(tiny_world: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke(*base(tiny_world, out)).exit_code == 0
    before = {p.name for p in out.iterdir()}
    result = CliRunner().invoke(cli, [*base(tiny_world, out), "--outputs", "csv"])
    after = {p.name for p in out.iterdir()}
    assert result.exit_code == 0
    removed = len(before - after)
    assert removed > 0
    assert (
        f"Removed {removed} files of an earlier run that this one did not write again"
        in result.stderr
    )
    assert f"Wrote {len(after)} files to {out}/" in result.stderr
    quiet = CliRunner().invoke(cli, ["-q", *base(tiny_world, out), "--outputs", "csv"])
    assert "Wrote" not in quiet.stderr and "Removed" not in quiet.stderr


def test_unknown_province_exits_2_with_suggestions(tiny_world: dict, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [*base(tiny_world, tmp_path / "o"), "--province", "Lao Kai"])
    assert result.exit_code == 2
    assert "'Lào Cai'" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_a_file_of_several_layers_needs_a_layer_and_exits_2(
    tiny_world: dict, tmp_path: Path
) -> None:
    import geopandas as gpd

    two = tmp_path / "two.gpkg"
    villages = gpd.read_file(tiny_world["villages"])
    villages.to_file(two, layer="thon")
    villages.to_file(two, layer="xa")
    world = {**tiny_world, "villages": two}
    result = CliRunner().invoke(cli, base(world, tmp_path / "o"))
    assert result.exit_code == 2, result.output
    assert f"{two}: has 2 layers (thon, xa); choose one with --layer" in result.output
    wrong = CliRunner().invoke(cli, [*base(world, tmp_path / "o"), "--layer", "ap"])
    assert wrong.exit_code == 2 and "--layer 'ap' is not a layer" in wrong.output
    assert not (tmp_path / "o").exists()
    ok = CliRunner().invoke(cli, ["-q", *base(world, tmp_path / "o"), "--layer", "xa"])
    assert ok.exit_code == 0, ok.output


def test_old_province_name_is_noted(tiny_world: dict, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["-q", *base(tiny_world, tmp_path / "o"), "--province", "Yên Bái", "--outputs", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert "pre-2025 name" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--radio", "6G"], "'6G' is not a radio"),
        (["--outputs", "docx"], "'docx' is not an output"),
        (["--as-of", "2025-13-01"], "'2025-13-01' is not a date"),
        (["--fixed-radius", "4G=far"], "'4G=far' is not RADIO=METRES"),
        (["--resolution", "0"], "0.0 is not a positive number"),
    ],
)
def test_bad_options(tiny_world: dict, tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, [*base(tiny_world, tmp_path / "o"), *args])
    assert result.exit_code == 2 and message in result.output


def test_bad_inputs_one_clear_line_and_no_output(tiny_world: dict, tmp_path: Path) -> None:
    out = tmp_path / "o"
    elsewhere = tmp_path / "far.tif"
    import numpy as np

    from tests.helpers import write_raster

    write_raster(elsewhere, np.ones((10, 10), dtype="uint8"), x0=100_000, y1=1_000_000, res=100)
    args = base(tiny_world, out, electrification=["--electrified-raster", str(elsewhere)])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "far.tif" in result.output and "does not overlap the villages" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not list(out.iterdir())
    # with -v the traceback is shown
    verbose = CliRunner().invoke(cli, ["-v", *args])
    assert verbose.exit_code == 1 and "Traceback" in verbose.output


def test_missing_column_and_failing_bad_rows(tiny_world: dict, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [*base(tiny_world, tmp_path / "o"), "--name-col", "ten"])
    assert result.exit_code == 1 and "--name-col 'ten' is not a column" in result.output
    towers = tiny_world["towers"]
    towers.write_text(towers.read_text() + "LTE,452,4,1,2,1,105,99,1,1,1,1600000000,1,0\n")
    result = CliRunner().invoke(cli, [*base(tiny_world, tmp_path / "o"), "--bad-rows", "fail"])
    assert result.exit_code == 1 and "line 5: column 'lat'" in result.output
    result = CliRunner().invoke(cli, ["-q", *base(tiny_world, tmp_path / "o")])
    assert result.exit_code == 0 and "skipped 1 of 4 rows" in result.output


def test_filters_that_keep_no_cell_exit_2_naming_what_the_file_holds(
    tiny_world: dict, tmp_path: Path
) -> None:
    args = [*base(tiny_world, tmp_path / "o"), "--operator", "viettel", "--radio", "5G"]
    result = CliRunner().invoke(cli, ["-q", *args, "--outputs", "csv"])
    assert result.exit_code == 2, result.output
    assert "--radio NR with --operator Viettel keeps no cell" in result.output
    assert "its cells: Viettel LTE (3)" in result.output
    assert not (tmp_path / "o").exists()


def test_no_site_in_reach_is_a_warning_not_an_error(tiny_world: dict, tmp_path: Path) -> None:
    from tests.helpers import X0, Y0, cell_row, write_cells

    far = write_cells([cell_row("LTE", 4, 5 * 256 + 1, X0 + 200_000, Y0)], tmp_path / "far.csv")
    result = CliRunner().invoke(
        cli, ["-q", *base(tiny_world, tmp_path / "o", towers=far), "--outputs", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert "no site reaches any of its villages" in result.output
    table = pd.read_csv(tmp_path / "o" / "lao-cai-villages.csv", encoding="utf-8-sig")
    assert table["status"].tolist() == ["dead_zone", "dead_zone", "not_electrified"]


def test_nothing_electrified_anywhere_exits_2_and_writes_nothing(
    tiny_world: dict, tmp_path: Path
) -> None:
    args = [*base(tiny_world, tmp_path / "o"), "--electrified-threshold", "5"]
    result = CliRunner().invoke(cli, ["-q", *args])
    assert result.exit_code == 2, result.output
    assert "no pixel over this area is above --electrified-threshold 5 (the largest is 1)" in (
        result.output
    )
    assert "no village of any province has electrified land" in result.output
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_unknown_operator(tiny_world: dict, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [*base(tiny_world, tmp_path / "o"), "--operator", "Vodafone"])
    assert result.exit_code == 2 and "operators present: Viettel" in result.output


def test_grid_lines_input(tiny_world: dict, tmp_path: Path) -> None:
    import geopandas as gpd
    import shapely

    from tests.helpers import UTM, X0, Y0

    lines = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0, Y0 - 500), (X0 + 6000, Y0 - 500)])], crs=UTM
    ).to_crs(4326)
    lines.to_file(tmp_path / "grid.geojson")
    out = tmp_path / "o"
    lines_args = ["--grid-lines", str(tmp_path / "grid.geojson"), "--grid-distance", "1000"]
    result = CliRunner().invoke(
        cli, ["-q", *base(tiny_world, out, electrification=lines_args), "--outputs", "csv"]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "lao-cai-villages.csv", encoding="utf-8-sig")
    # land within 1 km of the line: the southern 500 m strip of villages 1 and 2 (line ends at
    # x0 + 6 km), i.e. 2 km x 0.5 km = 1 km² each; village 3 is beyond the line's end + 1 km
    assert table["electrified_km2"].tolist()[:2] == pytest.approx([1.0, 1.0], abs=0.05)
    assert table["status"].tolist() == ["covered", "dead_zone", "not_electrified"]


def test_needs_exactly_one_electrification_input(tiny_world: dict, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["run", "--villages", str(tiny_world["villages"]), "--towers", str(tiny_world["towers"])],
    )
    assert result.exit_code == 2 and "exactly one electrification input" in result.output
    assert "--electrified-raster / --grid-lines" in result.output


def test_a_province_asked_of_a_layer_without_provinces_says_so(
    tiny_world: dict, tmp_path: Path
) -> None:
    """The villages have no province column: --province names that, and the ways out (it
    listed the file's name as the 'nearest' province)."""
    import geopandas as gpd

    villages = gpd.read_file(tiny_world["villages"]).drop(columns=["province"])
    path = tmp_path / "noprov.gpkg"
    villages.to_file(path)
    args = base(tiny_world, tmp_path / "o")
    args[args.index("--villages") + 1] = str(path)
    result = CliRunner().invoke(cli, [*args, "--province", "Lào Cai"])
    assert result.exit_code == 2, result.output
    (line,) = [ln for ln in result.output.splitlines() if ln.startswith("Error")]
    assert "the villages layer has no province column" in line
    assert "--province-col" in line and "--province-layer" in line and "'noprov'" in line
    assert not (tmp_path / "o").exists()
    whole = CliRunner().invoke(cli, ["-q", *args, "--outputs", "csv"])  # the file as one area
    assert whole.exit_code == 0, whole.output
    assert (tmp_path / "o" / "noprov-villages.csv").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--villages", "nosuch.gpkg"], "Invalid value for '--villages'"),
        (["progress", "--as-of", "2025-02-30"], "'2025-02-30' is not a date"),
        (["run", "--bogus"], "No such option '--bogus'"),
        (["runn"], "No such command 'runn'"),
    ],
)
def test_a_usage_error_is_one_line(args: list[str], message: str) -> None:
    """click shows a usage error in four lines (usage, 'Try ...', a blank, the error): ours is
    one, saying where the help is, and exits 2."""
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ") and message in lines[0]
    assert lines[0].endswith("--help')")
