"""``coverage-gaps plan`` end to end: on the bundled demo data beside a run's outputs, its
errors, and its files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
from click.testing import CliRunner

from coverage_gaps.cli.main import cli
from coverage_gaps.planning.geo import PLAN_SITE_COLUMNS, UNREACHABLE_COLUMNS
from coverage_gaps.planning.runner import PLAN_SUMMARY_COLUMNS
from tests.helpers import most_decimals, run_args, saved_figures

pytest.importorskip("highspy", reason="planning needs the extra 'plan'")

DATA = Path(__file__).resolve().parents[1] / "data"


def demo_args(command: str, out: Path, *extra: str) -> list[str]:
    return [
        "-q",
        command,
        "--villages",
        str(DATA / "demo-villages.gpkg"),
        "--layer",
        "villages",
        "--towers",
        str(DATA / "demo-towers.csv.gz"),
        "--electrified-raster",
        str(DATA / "demo-electrified.tif"),
        "--population",
        str(DATA / "demo-population.tif"),
        "--mcc",
        "452",
        "--as-of",
        "2026-11-30",
        "--province",
        "Lào Cai",
        "--out",
        str(out),
        *extra,
    ]


def test_plan_on_the_demo_beside_a_run(tmp_path: Path) -> None:
    """A run, then a plan into its folder, then a second plan (the checks share them: a
    province takes seconds)."""
    demo_plan = plan_demo(tmp_path / "out")
    check_files_beside_the_run(demo_plan)
    check_new_sites_table(demo_plan)
    check_no_new_candidate_on_unpowered_land(demo_plan)
    check_the_plan_map_draws_the_proposed_sites(demo_plan)
    check_a_second_plan_replaces_the_first_and_keeps_the_run(demo_plan)


def plan_demo(out: Path) -> dict:
    run = CliRunner().invoke(cli, demo_args("run", out, "--outputs", "csv"))
    assert run.exit_code == 0, run.output
    run_files = sorted(p.name for p in out.iterdir())
    result = CliRunner().invoke(
        cli,
        demo_args(
            "plan",
            out,
            "--dem",
            str(DATA / "demo-dem.tif"),
            "--sites",
            "6",
            # the curve's points are solved in the time the main solve leaves: a limit far
            # above what the demo needs, so that a slow or busy machine (the first run compiles
            # the kernels) still leaves time for all three
            "--time-limit",
            "300",
            "--curve-points",
            "3",
            "--outputs",
            "csv,xlsx,gpkg,html",
        ),
    )
    assert result.exit_code == 0, result.output
    assert "--dem is not used" not in result.output  # the plan sites candidates by the ground
    return {"out": out, "run_files": run_files, "result": result}


def check_files_beside_the_run(demo_plan: dict) -> None:
    out = demo_plan["out"]
    names = sorted(p.name for p in out.iterdir())
    plan_files = [
        "lao-cai-new-sites.csv",
        "lao-cai-new-sites.xlsx",
        "lao-cai-plan-curve.csv",
        "lao-cai-plan.gpkg",
        "lao-cai-plan.html",
        "lao-cai-plan.png",
        "lao-cai-unreachable.csv",
        "plan-summary.csv",
        "plan.json",
    ]
    assert names == sorted(demo_plan["run_files"] + plan_files)
    record = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert sorted(f["name"] for f in record["files"]) == sorted(
        f for f in plan_files if f != "plan.json"
    )
    assert record["plan"]["n_sites"] == 6
    run_record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert all(not f["name"].startswith("lao-cai-plan") for f in run_record["files"])
    summary = pd.read_csv(out / "plan-summary.csv")
    assert list(summary.columns) == list(PLAN_SUMMARY_COLUMNS)
    assert summary.loc[0, "objective"] == "people" and summary.loc[0, "sites"] == 6
    assert most_decimals(out / "plan-summary.csv") <= 6  # rounded like the plan curve
    assert "Lào Cai" in demo_plan["result"].stdout  # the summary table


def check_new_sites_table(demo_plan: dict) -> None:
    out = demo_plan["out"]
    sites = pd.read_csv(out / "lao-cai-new-sites.csv", encoding="utf-8-sig")
    assert list(sites.columns) == list(PLAN_SITE_COLUMNS)
    assert list(sites["rank"]) == [1, 2, 3, 4, 5, 6]
    assert set(sites["kind"]) <= {"new", "shared_mast", "upgrade"}
    assert (np.diff(sites["cumulative_share"]) > 0).all()
    assert (np.diff(sites["demand_covered"]) <= 1e-6).all()  # in order of marginal gain
    assert sites["people_covered"].equals(sites["demand_covered"].round(1))
    assert sites["elevation_m"].notna().all()  # --dem given
    # the summary's people are the table's: each person counted once
    summary = pd.read_csv(out / "plan-summary.csv")
    assert summary.loc[0, "people_covered"] == pytest.approx(sites["people_covered"].sum(), abs=1)
    villages = pd.read_csv(out / "lao-cai-villages.csv", encoding="utf-8-sig", dtype=str)
    named = {v for ids in sites["village_ids"].dropna() for v in str(ids).split(";")}
    assert named and named <= set(villages["village_id"])
    unreachable = pd.read_csv(out / "lao-cai-unreachable.csv", encoding="utf-8-sig")
    assert list(unreachable.columns) == list(UNREACHABLE_COLUMNS)
    curve = pd.read_csv(out / "lao-cai-plan-curve.csv")
    assert list(curve["sites"]) == [1, 2, 3, 4, 5, 6]
    assert curve["optimal_share"].notna().sum() == 3
    solved = curve.dropna(subset=["optimal_share"])
    assert (solved["greedy_share"] <= solved["bound_share"] + 1e-9).all()
    assert curve["plan_share"].iloc[-1] == pytest.approx(sites["cumulative_share"].iloc[-1])


def check_no_new_candidate_on_unpowered_land(demo_plan: dict) -> None:
    """Every new candidate of the GeoPackage sits where the electrification raster is on."""
    gpkg = demo_plan["out"] / "lao-cai-plan.gpkg"
    assert set(pyogrio.list_layers(gpkg)[:, 0]) >= {
        "new_sites",
        "new_coverage",
        "unreachable",
        "candidates",
        "layer_styles",
    }
    cand = gpd.read_file(gpkg, layer="candidates")
    new = cand[cand["kind"] == "new"]
    assert len(new) > 100
    # The analysis grid (UTM, 100 m) is not the raster's (0.001 degrees): the analysis cell of
    # a candidate is powered when the raster pixel at some point of that cell is; look at the
    # cell's centre, corners and edge midpoints.
    from pyproj import Transformer

    metric = new.to_crs(32648)
    back = Transformer.from_crs(32648, 4326, always_xy=True)
    powered = np.zeros(len(new), dtype=bool)
    with rasterio.open(DATA / "demo-electrified.tif") as src:
        for dx in (-50, 0, 50):
            for dy in (-50, 0, 50):
                lon, lat = back.transform(metric.geometry.x + dx, metric.geometry.y + dy)
                values = np.array([v[0] for v in src.sample(zip(lon, lat, strict=True))])
                powered |= values > 0
    assert powered.all()
    chosen = cand.dropna(subset=["rank"]).sort_values("rank")
    sites = gpd.read_file(gpkg, layer="new_sites")
    assert list(chosen["site_id"]) == list(sites["site_id"])
    cover = gpd.read_file(gpkg, layer="new_coverage").to_crs(32648)
    # each proposed site's new coverage lies within its 4 km disc (plus half a cell's diagonal)
    points = sites.set_index("site_id").to_crs(32648).geometry
    for _, row in cover.iterrows():
        assert row.geometry.hausdorff_distance(points[row["site_id"]]) <= 4000 + 71
    # and no land is credited to two sites
    assert cover.geometry.union_all().area == pytest.approx(cover.geometry.area.sum(), rel=1e-9)


def check_the_plan_map_draws_the_proposed_sites(demo_plan: dict) -> None:
    page = (demo_plan["out"] / "lao-cai-plan.html").read_text(encoding="utf-8")
    start = page.index('<script type="application/json" id="cg-data">') + len(
        '<script type="application/json" id="cg-data">'
    )
    data = json.loads(page[start : page.index("</script>", start)])
    assert data["plan"]["rank"] == [1, 2, 3, 4, 5, 6]
    assert {im["id"] for im in data["images"]} >= {"coverage", "plan-coverage"}
    assert "plan" in data["legend"] and "plan" in data["layers"]


def check_a_second_plan_replaces_the_first_and_keeps_the_run(demo_plan: dict) -> None:
    out = demo_plan["out"]
    result = CliRunner().invoke(
        cli,
        demo_args("plan", out, "--target-share", "0.9", "--curve-points", "0", "--outputs", "csv"),
    )
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert set(demo_plan["run_files"]) <= names
    assert "lao-cai-plan.gpkg" not in names and "lao-cai-plan.html" not in names
    sites = pd.read_csv(out / "lao-cai-new-sites.csv", encoding="utf-8-sig")
    assert sites["cumulative_share"].iloc[-1] >= 0.9 - 1e-9
    assert sites["cumulative_share"].iloc[-2] < 0.9  # the fewest: one less does not reach it


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "Invalid value for --sites / --target-share: give the number of new sites"),
        ([], "(--target-share 0.95): neither was given"),
        (["--sites", "3", "--target-share", "0.5"], "(--target-share 0.95): not both"),
        (["--sites", "3", "--plan-radio", "WIMAX"], "--plan-radio"),
        (["--sites", "3", "--objective", "people"], "population"),
        (["--target-share", "0.9", "--objective", "villages"], "--objective"),
    ],
)
def test_bad_plan_options_exit_2(
    tiny_world: dict, tmp_path: Path, extra: list, message: str
) -> None:
    args = run_args(tiny_world, tmp_path / "out")
    args[0] = "plan"
    result = CliRunner().invoke(cli, [*args, *extra])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "out" / "plan.json").exists()


def test_tiny_world_plan_by_area(tiny_world: dict, tmp_path: Path) -> None:
    """Without population the plan serves land: the tiny world's one dark electrified village
    (002) gets a site."""
    args = run_args(tiny_world, tmp_path / "out")
    args[0] = "plan"
    result = CliRunner().invoke(cli, ["-q", *args, "--sites", "2", "--outputs", "csv"])
    assert result.exit_code == 0, result.output
    sites = pd.read_csv(tmp_path / "out" / "lao-cai-new-sites.csv", encoding="utf-8-sig", dtype=str)
    assert "002" in ";".join(sites["village_ids"].dropna())
    assert sites["people_covered"].isna().all()
    summary = pd.read_csv(tmp_path / "out" / "plan-summary.csv")
    assert summary.loc[0, "objective"] == "area"
    assert summary.loc[0, "covered_share"] == pytest.approx(1.0)  # 4 km², two 4 km discs


def test_no_plot_without_matplotlib(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from coverage_gaps.planning import outputs

    # as if matplotlib were not installed: an import of it fails, find_spec finds nothing
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert "png" not in outputs.plan_kinds(("csv", "xlsx", "gpkg", "html"))
    assert outputs.write_plan_plot(None, None) == []  # type: ignore[arg-type]
    monkeypatch.undo()
    assert outputs.plan_kinds(("csv",)) == ["csv", "png"]


def test_the_plot_never_joins_optima_across_an_unsolved_count(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The optimum is solved at some counts only (2 is not): the optimal line must have a break
    there, not a segment from 1 to 3 that reads as an optimum at 2."""
    from types import SimpleNamespace

    from coverage_gaps.planning import outputs

    curve = pd.DataFrame(
        {
            "sites": [1, 2, 3, 4],
            "greedy_share": [0.25, 0.40, 0.52, 0.63],
            "optimal_share": [0.25, np.nan, 0.53, 0.64],
            "bound_share": [0.25, np.nan, 0.54, 0.64],
            "optimal_status": ["optimal", "", "optimal", "optimal"],
            "plan_share": [0.25, 0.40, 0.52, 0.63],
        }
    )
    figures = saved_figures(monkeypatch)
    target = SimpleNamespace(lang="en", path=lambda suffix: tmp_path / f"x{suffix}")
    plan = SimpleNamespace(curve=curve, name="Lào Cai")
    (path,) = outputs.write_plan_plot(plan, target)  # type: ignore[arg-type]
    assert path.read_bytes()[:4] == b"\x89PNG"
    (ax,) = figures[0].axes
    (optimal,) = [line for line in ax.lines if line.get_label() == "optimal"]
    y = np.asarray(optimal.get_ydata(), dtype="f8")
    assert np.isnan(y[1])  # a break at 2 sites
    assert y[[0, 2, 3]].tolist() == [25.0, 53.0, 64.0]
