"""Technology sunsets, and reasons that never contradict the other columns of their row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import coverage_gaps as cg
from coverage_gaps.cli.main import cli
from coverage_gaps.gaps import GAP_REASONS, GAP_STATUSES, NO_MEASUREMENTS_M, NOTE_REASONS
from coverage_gaps.network import SUNSETS, parse_sunsets, retired_generations
from tests.helpers import UTM, X0, Y0, cell_row, run_args, write_cells


def test_vietnam_sunsets_and_overrides() -> None:
    assert SUNSETS[452] == {"2G": date(2026, 9, 15), "3G": date(2028, 9, 30)}
    assert retired_generations(452, date(2024, 12, 31), {}) == {}
    assert retired_generations(452, date(2026, 9, 15), {}) == {}  # serves through its day
    assert set(retired_generations(452, date(2026, 9, 16), {})) == {"2G"}
    assert set(retired_generations(452, date(2028, 10, 1), {})) == {"2G", "3G"}
    assert retired_generations(457, date(2030, 1, 1), {}) == {}  # no sunset known for Laos
    assert retired_generations(452, date(2026, 12, 1), {"2G": date(2030, 1, 1)}) == {}
    assert retired_generations(452, date(2026, 12, 1), {}, defaults=False) == {}
    assert parse_sunsets(["gsm=2020-01-01", "3g=2021-02-03"]) == {
        "2G": date(2020, 1, 1),
        "3G": date(2021, 2, 3),
    }
    with pytest.raises(cg.SettingsError, match="not GEN=YYYY-MM-DD"):
        parse_sunsets(["2G:2026"])
    with pytest.raises(cg.SettingsError, match="not a generation"):
        parse_sunsets(["6G=2030-01-01"])


@pytest.fixture
def gsm_world(tiny_world: dict) -> dict:
    """The tiny world served by a GSM site only (MobiFone, MCC 452)."""
    rows = [cell_row("GSM", 1, 100 + s, X0 + 1000, Y0 + 1000, rng=1500) for s in (1, 2, 3)]
    return {**tiny_world, "towers": write_cells(rows, tiny_world["dir"] / "gsm.csv")}


def statuses(world: dict, out: Path, *extra: str) -> tuple[pd.DataFrame, str]:
    result = CliRunner().invoke(cli, ["-q", *run_args(world, out), "--outputs", "csv", *extra])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(
        out / "lao-cai-villages.csv", encoding="utf-8-sig", dtype={"village_id": str}
    )
    return table.set_index("village_id"), result.output


def test_2g_past_its_sunset_serves_nobody(gsm_world: dict, tmp_path: Path) -> None:
    before, _ = statuses(gsm_world, tmp_path / "a", "--as-of", "2024-12-31")
    assert before.loc["001", "status"] == "covered"
    assert "2g_only" in before.loc["001", "reason"]
    after, output = statuses(gsm_world, tmp_path / "b", "--as-of", "2026-12-01")
    assert after.loc["001", "status"] == "dead_zone"
    assert after.loc["001", "reason"].split(";")[0] == "2g_sunset"
    assert after.loc["002", "reason"].split(";")[0] == "beyond_site_range"  # never served
    assert "2G of MCC 452 is past its sunset (2026-09-15) at 2026-12-01" in output
    summary = pd.read_csv(tmp_path / "b" / "summary.csv")
    assert summary.loc[0, "sunsets"] == "452 2G after 2026-09-15"
    import json

    record = json.loads((tmp_path / "b" / "run.json").read_text(encoding="utf-8"))
    assert record["settings"]["sunsets_applied"] == {"452 2G": "2026-09-15"}
    assert record["settings"]["as_of"] == "2026-12-01"
    # an override, and no built-in sunsets
    later, _ = statuses(
        gsm_world, tmp_path / "c", "--as-of", "2026-12-01", "--sunset", "2G=2030-01-01"
    )
    assert later.loc["001", "status"] == "covered"
    none, _ = statuses(gsm_world, tmp_path / "d", "--as-of", "2026-12-01", "--no-default-sunsets")
    assert none.loc["001", "status"] == "covered"


def test_the_default_as_of_is_the_run_date(gsm_world: dict, tmp_path: Path) -> None:
    table, _ = statuses(gsm_world, tmp_path / "a")
    expect = "dead_zone" if date.today() > date(2026, 9, 15) else "covered"
    assert table.loc["001", "status"] == expect


def _consistent(row: pd.Series) -> list[str]:
    """What in a row's reason would contradict its own figures."""
    problems = []
    reasons = [r for r in str(row["reason"]).split(";") if r and r != "nan"]
    gap = row["status"] in GAP_STATUSES
    for r in reasons:
        if r not in GAP_REASONS + NOTE_REASONS:
            problems.append(f"unknown reason {r}")
        if r in GAP_REASONS and not gap:
            problems.append(f"{r} on a {row['status']} village")
        if r in NOTE_REASONS and not row["covered_share"] > 0:
            problems.append(f"{r} without any covered land")
    if gap and not any(r in GAP_REASONS for r in reasons):
        problems.append("a gap without a reason for its uncovered land")
    if "single_operator" in reasons and not row["operators"] >= 1:
        problems.append("single_operator with no operator")
    if "no_measurements_nearby" in reasons and (
        row["status"] != "dead_zone" or row["nearest_site_m"] <= NO_MEASUREMENTS_M
    ):
        problems.append("no_measurements_nearby with a site within reach of it")
    if (
        row["status"] == "covered"
        and row["uncovered_electrified_km2"] > 0.1 * row["electrified_km2"] + 1e-9
    ):
        problems.append("covered with more than a tenth of its land uncovered")
    return problems


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_no_row_reason_contradicts_its_figures(seed: int, tmp_path: Path) -> None:
    """Random worlds with GSM, UMTS and LTE sites, a retired generation, villages with sites
    inside them and villages far from any measurement."""
    rng = np.random.default_rng(seed)
    polys = []
    for _ in range(40):
        cx, cy = X0 + rng.uniform(0, 60_000), Y0 + rng.uniform(0, 60_000)
        ang = np.sort(rng.uniform(0, 2 * np.pi, 8))
        rad = rng.uniform(800, 4000, 8)
        polys.append(shapely.Polygon(np.c_[cx + rad * np.cos(ang), cy + rad * np.sin(ang)]))
    villages = gpd.GeoDataFrame(
        {"code": [f"{i:03d}" for i in range(40)], "tinh": "P"}, geometry=polys, crs=UTM
    )
    villages.to_file(tmp_path / "v.gpkg")
    rows = [
        cell_row(
            str(rng.choice(["GSM", "UMTS", "LTE"])),
            int(rng.choice([1, 2, 4])),
            int(rng.integers(1, 10**6)) * 256 + 1,
            X0 + rng.uniform(0, 30_000),
            Y0 + rng.uniform(0, 30_000),
            rng=float(rng.uniform(800, 5000)),
        )
        for _ in range(30)
    ]
    towers = write_cells(rows, tmp_path / "t.csv")
    elec = np.ones((700, 700), dtype="uint8")
    elec[::7, :] = 0
    from tests.helpers import write_raster

    raster = write_raster(tmp_path / "e.tif", elec, x0=X0 - 5000, y1=Y0 + 65_000, res=100.0)
    world = {"villages": tmp_path / "v.gpkg", "towers": towers, "electrified": raster}
    for model in ("disc", "hata"):
        out = tmp_path / model
        result = CliRunner().invoke(
            cli,
            [
                "-q",
                *run_args(world, out),
                "--outputs",
                "csv",
                "--model",
                model,
                "--as-of",
                "2026-12-01",
            ],
        )
        assert result.exit_code == 0, result.output
        table = pd.read_csv(out / "p-villages.csv", encoding="utf-8-sig", dtype={"village_id": str})
        problems = {row["village_id"]: _consistent(row) for _, row in table.iterrows()}
        assert not {k: v for k, v in problems.items() if v}, (model, problems)
        reasons = set(";".join(table["reason"].fillna("")).split(";")) - {""}
        assert {"beyond_site_range", "2g_sunset", "no_measurements_nearby"} <= reasons, reasons
