"""``coverage-gaps run --model terrain``: a ridge between a village and its only site."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from coverage_gaps.cli.main import cli
from tests.helpers import X0, Y0, cell_row, run_args, write_cells, write_raster


def ridge_world(world: dict) -> tuple[Path, Path]:
    """The tiny world with a 10 km-range LTE site in village 1, and a DEM: flat ground at 200 m
    with a 900 m ridge running north-south between village 1 (x 0-2 km) and village 2 (4-6 km)."""
    rows = [cell_row("LTE", 4, 1000 * 256 + s, X0 + 1000, Y0 + 1000, rng=10_000) for s in (1, 2)]
    towers = write_cells(rows, world["dir"] / "ridge-towers.csv")
    res = 30.0
    x0, y1 = X0 - 3000, Y0 + 5000
    width, height = int(16_000 / res), int(10_000 / res)
    xs = x0 + (np.arange(width) + 0.5) * res
    dem = np.full((height, width), 200.0, dtype="float32")
    dem[:, np.abs(xs - (X0 + 3000)) < 150] = 900.0
    return towers, write_raster(world["dir"] / "ridge.tif", dem, x0=x0, y1=y1, res=res)


def run(world: dict, towers: Path, out: Path, *extra: str) -> pd.DataFrame:
    result = CliRunner().invoke(cli, ["-q", *run_args(world, out, towers=towers), *extra])
    assert result.exit_code == 0, result.output
    return pd.read_csv(
        out / "lao-cai-villages.csv", encoding="utf-8-sig", dtype={"village_id": str}
    ).set_index("village_id")


def test_ridge_turns_a_disc_covered_village_into_a_terrain_shadow(
    tiny_world: dict, tmp_path: Path
) -> None:
    towers, dem = ridge_world(tiny_world)
    disc = run(tiny_world, towers, tmp_path / "disc", "--outputs", "csv")
    assert disc.loc["002", "status"] == "covered"  # 4 km from a 10 km disc
    terrain = run(
        tiny_world,
        towers,
        tmp_path / "terrain",
        "--model",
        "terrain",
        "--dem",
        str(dem),
        "--outputs",
        "csv,gpkg,html,tif",
    )
    assert terrain.loc["001", "status"] == "covered"  # the site's own village
    assert terrain.loc["002", "status"] == "dead_zone"
    assert terrain.loc["002", "reason"].split(";")[0] == "terrain_shadow"
    assert terrain.loc["002", "best_signal_dbm"] < terrain.loc["001", "best_signal_dbm"] - 30
    # the same site over flat ground (no ridge in the DEM) serves village 2
    flat = tmp_path / "flat.tif"
    write_raster(
        flat, np.full((100, 100), 200.0, dtype="float32"), x0=X0 - 3000, y1=Y0 + 5000, res=160.0
    )
    flat_run = run(
        tiny_world,
        towers,
        tmp_path / "flat",
        "--model",
        "terrain",
        "--dem",
        str(flat),
        "--outputs",
        "csv",
    )
    assert flat_run.loc["002", "status"] == "covered"
    import rasterio

    with rasterio.open(tmp_path / "terrain" / "lao-cai-signal-lte.tif") as cog:
        assert cog.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert cog.crs.to_epsg() == 32648 and np.isnan(cog.nodata)
        signal = cog.read(1)
        # west of the ridge the signal is strong, just east of it far weaker
        row = signal.shape[0] // 2
        cols = ((np.array([X0 + 2500, X0 + 3600]) - cog.transform.c) / cog.res[0]).astype(int)
        assert signal[row, cols[0]] - signal[row, cols[1]] > 20
    html = (tmp_path / "terrain" / "lao-cai.html").read_text()
    from coverage_gaps.outputs import labels

    assert labels.text("signal_radio_layer", "vi", radio="LTE", generation="4G") in html
    assert labels.reason_label("terrain_shadow", "vi") in html


def test_terrain_needs_a_dem(tiny_world: dict, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [*run_args(tiny_world, tmp_path / "o"), "--model", "terrain"])
    assert result.exit_code == 2 and "--model terrain needs an elevation model" in result.output


def test_hata_model_runs_without_a_dem(tiny_world: dict, tmp_path: Path) -> None:
    table = run(
        tiny_world,
        tiny_world["towers"],
        tmp_path / "h",
        "--model",
        "hata",
        "--outputs",
        "csv,gpkg,tif",
        "--signal-per-operator",
    )
    assert table["best_signal_dbm"].notna().all()
    assert table.loc["001", "status"] == "covered"
    tifs = sorted(p.name for p in (tmp_path / "h").glob("*.tif"))
    assert tifs == ["lao-cai-signal-lte-viettel.tif", "lao-cai-signal-lte.tif"]


def test_the_dem_is_read_once_for_the_current_and_the_retired_networks(
    tiny_world: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After Vietnam's 2G switch-off a GSM site is a retired network: the terrain model runs
    # for it too (to tell "2g_sunset" from a gap nobody ever served), on a terrain grid that
    # holds its site as well.  The DEM is read once, over both networks' sites.
    from coverage_gaps.io.sources import DemTiles

    towers, dem = ridge_world(tiny_world)
    rows = pd.read_csv(towers).to_dict("records")
    rows.append(cell_row("GSM", 4, 77, X0 + 11_000, Y0 + 1000, rng=10_000))
    towers = write_cells(rows, tmp_path / "with-gsm.csv")
    reads: list[tuple[int, int]] = []
    on_grid = DemTiles.on_grid

    def counted(self: DemTiles, grid):  # type: ignore[no-untyped-def]
        reads.append(grid.shape)
        return on_grid(self, grid)

    monkeypatch.setattr(DemTiles, "on_grid", counted)
    args = ["--model", "terrain", "--dem", str(dem), "--outputs", "csv"]
    table = run(tiny_world, towers, tmp_path / "out", *args, "--as-of", "2026-12-01")
    assert len(reads) == 1, reads
    assert "2g_sunset" in ";".join(table["reason"].fillna("").astype(str))
    # before the switch-off the GSM site counts, and there is no retired network to read for
    reads.clear()
    before = run(tiny_world, towers, tmp_path / "before", *args, "--as-of", "2026-01-01")
    assert len(reads) == 1
    assert "2g_sunset" not in ";".join(before["reason"].fillna("").astype(str))
