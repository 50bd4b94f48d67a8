"""The library's run(): three phases, executors (a real dask LocalCluster), the output folder as
a unit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

import coverage_gaps as cg
from coverage_gaps.names import vi_sort_key
from coverage_gaps.outputs.folder import LOCK_NAME, STAGING_PREFIX
from coverage_gaps.runner import Progress, finish, prepare, run_area
from tests.helpers import UTM, X0, Y0, cell_row, write_cells, write_raster

PROVINCES = ("Lào Cai", "Lai Châu", "Điện Biên")


@pytest.fixture
def three_provinces(tmp_path: Path) -> dict[str, Path]:
    """Three provinces side by side, four square villages each, a few sites; the electrified
    raster covers the west half of every province."""
    rows, geoms, ids = [], [], []
    for p, name in enumerate(PROVINCES):
        for i in range(4):
            x = X0 + p * 20_000 + i * 4000
            geoms.append(shapely.box(x, Y0, x + 2000, Y0 + 2000))
            ids.append(f"{p}{i:03d}")
            rows.append(name)
    villages = gpd.GeoDataFrame(
        {"code": ids, "name": [f"Bản {i}" for i in ids], "xa": "Xã A", "tinh": rows},
        geometry=geoms,
        crs=UTM,
    )
    villages.to_file(tmp_path / "villages.gpkg", layer="villages")
    cells = []
    for p in range(3):
        for k, (net, radio) in enumerate(((4, "LTE"), (2, "GSM"), (1, "UMTS"))):
            x = X0 + p * 20_000 + 1000 + k * 5000
            cid = (p * 10 + k) * 256 + 1 if radio == "LTE" else p * 100 + k
            cells.append(cell_row(radio, net, cid, x, Y0 + 1000, rng=2500))
    write_cells(cells, tmp_path / "towers.csv")
    arr = np.zeros((40, 700), dtype="uint8")
    for p in range(3):
        c0 = (p * 20_000 + 500) // 100
        arr[:, c0 : c0 + 80] = 1
    write_raster(tmp_path / "elec.tif", arr, x0=X0 - 500, y1=Y0 + 3500, res=100.0)
    return {
        "villages": tmp_path / "villages.gpkg",
        "towers": tmp_path / "towers.csv",
        "electrified": tmp_path / "elec.tif",
        "dir": tmp_path,
    }


def config(world: dict[str, Path], out: Path, **outputs: object) -> cg.RunConfig:
    return cg.RunConfig(
        inputs=cg.Inputs(
            villages=world["villages"],
            towers=world["towers"],
            electrified_raster=world["electrified"],
        ),
        outputs=cg.OutputOptions(out_dir=out, **outputs),  # type: ignore[arg-type]
    )


def csv_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


def test_run_writes_every_area_and_the_run_record(three_provinces: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = cg.run(config(three_provinces, out, kinds=("csv",)))
    assert summary.summary["province"].tolist() == sorted(PROVINCES, key=vi_sort_key)
    assert summary.summary["villages"].tolist() == [4, 4, 4]
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            f"{s}-{k}.csv"
            for s in ("dien-bien", "lai-chau", "lao-cai")
            for k in ("villages", "to-fix", "no-power")  # each has villages without power
        ]
        + ["summary.csv", "glossary.csv", "index.html", "run.json"]
    )
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["coverage_gaps"] == cg.__version__
    assert sorted(f["name"] for f in record["files"]) == sorted(n for n in names if n != "run.json")
    assert record["settings"]["coverage"]["model"] == "disc"
    assert record["settings"]["link_budget"] == "defaults" and record["settings"][
        "k_factor"
    ] == pytest.approx(4 / 3)
    assert [p["province"] for p in record["provinces"]] == sorted(PROVINCES, key=vi_sort_key)
    assert summary.files == [out / n for n in [f.name for f in summary.files]]
    assert all(f.exists() for f in summary.files)


def test_the_three_phases_by_hand_match_run(three_provinces: dict, tmp_path: Path) -> None:
    cfg = config(three_provinces, tmp_path / "a", kinds=("csv",))
    cg.run(cfg)
    inputs = prepare(cfg)
    assert [a.slug for a in inputs.areas] == ["dien-bien", "lai-chau", "lao-cai"]  # Đ after D
    folder = tmp_path / "b"
    folder.mkdir()
    outcomes = [run_area(area, inputs, folder) for area in reversed(inputs.areas)]
    _, files = finish(inputs, outcomes, folder)  # outcomes in any order: summary by area index
    assert [f.name for f in files] == ["summary.csv", "glossary.csv", "index.html", "run.json"]
    assert csv_bytes(folder) == csv_bytes(tmp_path / "a")


def test_a_thread_pool_gives_the_same_bytes(three_provinces: dict, tmp_path: Path) -> None:
    cg.run(config(three_provinces, tmp_path / "serial", kinds=("csv",)))
    seen: list[str] = []

    class Seen(Progress):
        def area_done(self, outcome, done, total):  # type: ignore[no-untyped-def]
            seen.append(f"[{done}/{total}] {outcome.name}")

    with ThreadPoolExecutor(2) as pool:
        cg.run(
            config(three_provinces, tmp_path / "pool", kinds=("csv",)),
            executor=pool,
            progress=Seen(),
        )
    assert csv_bytes(tmp_path / "pool") == csv_bytes(tmp_path / "serial")
    assert sorted(s.split("] ")[1] for s in seen) == sorted(PROVINCES)
    assert {s.split("]")[0] for s in seen} == {"[1/3", "[2/3", "[3/3"}


def test_a_local_dask_cluster_gives_the_same_bytes(three_provinces: dict, tmp_path: Path) -> None:
    """A real LocalCluster of two worker processes: the workers read the prepared inputs from
    the staging folder and write the areas' files; the CSVs match a serial run's."""
    pytest.importorskip("distributed")
    from coverage_gaps.cluster import dask_executor

    cg.run(config(three_provinces, tmp_path / "serial", kinds=("csv", "gpkg")))
    with dask_executor(workers=2) as (executor, threads):
        assert threads == max(1, (os.cpu_count() or 1) // 2)
        summary = cg.run(
            config(three_provinces, tmp_path / "dask", kinds=("csv", "gpkg")),
            executor=executor,
            threads_per_task=threads,
        )
    assert csv_bytes(tmp_path / "dask") == csv_bytes(tmp_path / "serial")
    assert summary.summary["province"].tolist() == sorted(PROVINCES, key=vi_sort_key)
    assert sorted(p.name for p in (tmp_path / "dask").glob("*.gpkg")) == [
        "dien-bien.gpkg",
        "lai-chau.gpkg",
        "lao-cai.gpkg",
    ]
    assert not list((tmp_path / "dask").glob(f"{STAGING_PREFIX}*"))


def test_cli_workers_without_dask_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, three_provinces: dict
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_dask(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("distributed"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_dask)
    from coverage_gaps.cluster import dask_executor

    with (
        pytest.raises(cg.SettingsError, match=r"pip install 'coverage-gaps\[dask\]'"),
        dask_executor(workers=2),
    ):
        pass


def test_a_failing_area_leaves_the_folder_as_it_was(three_provinces: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cg.run(config(three_provinces, out, kinds=("csv",)))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # A population raster that covers only the first province: the second area fails.
    pop = write_raster(
        tmp_path / "pop.tif",
        np.ones((40, 100), dtype="float32"),
        x0=X0 - 500,
        y1=Y0 + 3500,
        res=100.0,
    )
    cfg = config(three_provinces, out, kinds=("csv",))
    bad = cg.RunConfig(
        inputs=cg.Inputs(**{**cfg.inputs.__dict__, "population": pop}), outputs=cfg.outputs
    )
    with pytest.raises(cg.NoOverlapError, match="does not overlap"):
        cg.run(bad)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_second_run_into_a_locked_folder_says_who_holds_it(
    three_provinces: dict, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    # A live process (the test itself) holds the lock.
    (out / LOCK_NAME).write_text(
        json.dumps({"pid": os.getpid(), "host": os.uname().nodename, "started": 0})
    )
    with pytest.raises(cg.OutputError, match=rf"being written by another run \(pid {os.getpid()}"):
        cg.run(config(three_provinces, out, kinds=("csv",)))
    # A lock whose process is gone is stale: taken over, and the run succeeds.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (out / LOCK_NAME).write_text(
        json.dumps({"pid": int(dead), "host": os.uname().nodename, "started": 0})
    )
    cg.run(config(three_provinces, out, kinds=("csv",)))
    assert not (out / LOCK_NAME).exists()


def test_leftovers_of_killed_runs_are_swept(three_provinces: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / f"{STAGING_PREFIX}123-abc").mkdir(parents=True)
    (out / f"{STAGING_PREFIX}123-abc" / "lao-cai-villages.csv").write_text("half")
    (out / ".cg-tmp-lao-cai-villages-x1y2.csv").write_text("half")
    (out / "notes.txt").write_text("the user's own file")
    cg.run(config(three_provinces, out, kinds=("csv",)))
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert hidden == []
    assert (out / "notes.txt").read_text() == "the user's own file"


def test_outputs_an_earlier_run_wrote_and_this_one_did_not_are_removed(
    three_provinces: dict, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    cg.run(config(three_provinces, out, kinds=("csv", "gpkg")))
    assert len(list(out.glob("*.gpkg"))) == 3
    summary = cg.run(config(three_provinces, out, kinds=("csv",)))
    assert not list(out.glob("*.gpkg"))  # they would contradict the new CSVs
    assert sorted(p.name for p in summary.removed) == [
        "dien-bien.gpkg",
        "lai-chau.gpkg",
        "lao-cai.gpkg",
    ]


def test_an_input_in_the_output_folder_is_never_replaced(
    three_provinces: dict, tmp_path: Path
) -> None:
    """Inputs kept in --out under the names of outputs (a towers file called summary.csv, a
    filled-in workbook passed back) are refused, not overwritten, and the folder is left as
    it was."""
    out = tmp_path / "out"
    out.mkdir()
    towers = out / "summary.csv"
    towers.write_bytes(three_provinces["towers"].read_bytes())
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    world = {**three_provinces, "towers": towers}
    with pytest.raises(cg.OutputError, match=r"summary.csv is the --towers input; .*another --out"):
        cg.run(config(world, out, kinds=("csv",)))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # An earlier output the user now passes back as an input is not removed by a run that
    # does not write it again.
    cg.run(config(three_provinces, out / "o", kinds=("csv", "gpkg")))
    kept = out / "o" / "lao-cai.gpkg"
    world = {**three_provinces, "villages": kept}
    cfg = config(world, out / "o", kinds=("csv",))
    summary = cg.run(
        cg.RunConfig(
            inputs=cfg.inputs,
            villages=cg.VillageOptions(layer="villages"),
            provinces=("Lào Cai",),
            outputs=cfg.outputs,
        )
    )
    assert kept.exists() and kept not in summary.removed
    removed = {p.name for p in summary.removed}
    assert {"dien-bien.gpkg", "lai-chau.gpkg"} <= removed and "lao-cai.gpkg" not in removed


def test_a_record_naming_paths_removes_nothing_outside_the_folder(tmp_path: Path) -> None:
    from coverage_gaps.outputs.folder import OutputFolder

    out = tmp_path / "out"
    out.mkdir()
    names = ["../victim.txt", "..\\victim.txt", "C:victim.txt", "..", "/etc/passwd", "ok.csv"]
    (out / "run.json").write_text(json.dumps({"files": [{"name": n} for n in names]}))
    assert OutputFolder(out).previous_files() == [out / "ok.csv"]


def test_out_under_a_file_is_one_clear_error(three_provinces: dict, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(cg.OutputError, match=r"cannot write|is a file"):
        cg.run(config(three_provinces, blocker / "out", kinds=("csv",)))
    with pytest.raises(cg.OutputError, match="is a file, not a folder"):
        cg.run(config(three_provinces, blocker, kinds=("csv",)))


def test_provinces_spelt_two_ways_are_one_area_and_slugs_stay_unique(
    three_provinces: dict, tmp_path: Path
) -> None:
    villages = gpd.read_file(three_provinces["villages"])
    villages.loc[0, "tinh"] = "Lao Cai"  # the same province without diacritics
    villages.loc[4:7, "tinh"] = "Tỉnh A"  # slugs alike ("tinh-a") but not the same name
    villages.loc[8:11, "tinh"] = "tinh-a"
    path = tmp_path / "mixed.gpkg"
    villages.to_file(path)
    cfg = config(three_provinces, tmp_path / "out", kinds=("csv",))
    cfg = cg.RunConfig(
        inputs=cg.Inputs(**{**cfg.inputs.__dict__, "villages": path}), outputs=cfg.outputs
    )
    summary = cg.run(cfg)
    assert summary.summary["province"].tolist() == ["Lào Cai", "Tỉnh A", "tinh-a"]
    assert summary.summary["villages"].tolist() == [4, 4, 4]
    assert any("'Lao Cai'" in n and "'Lào Cai'" in n for n in summary.notes)
    assert any("'tinh-a'" in n and "'tinh-a-2'" in n for n in summary.notes)
    assert sorted(p.name for p in (tmp_path / "out").glob("*-villages.csv")) == [
        "lao-cai-villages.csv",
        "tinh-a-2-villages.csv",
        "tinh-a-villages.csv",
    ]
    table = (tmp_path / "out" / "tinh-a-villages.csv").read_text(encoding="utf-8-sig")
    assert "Tỉnh A" in table


def test_windows_device_names_never_become_file_names() -> None:
    from coverage_gaps.names import slugify, unique_slugs

    assert [slugify(n) for n in ("CON", "nul", "Com1", "LPT9", "aux.")] == [
        "con-area",
        "nul-area",
        "com1-area",
        "lpt9-area",
        "aux-area",
    ]
    assert slugify("<>:/\\|?*") == "area" and len(slugify("x" * 300)) <= 80
    assert unique_slugs(["a/b", "a-b", "A B"]) == ["a-b", "a-b-2", "a-b-3"]
