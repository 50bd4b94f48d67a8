"""The output registries and the writers, on a small analysed area."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import rasterio

import coverage_gaps as cg
from coverage_gaps.io.sources import RasterElectrification
from coverage_gaps.outputs import AREA_WRITERS, RUN_WRITERS, AreaTarget, RunRecord
from coverage_gaps.outputs.summary import SUMMARY_COLUMNS, area_summary
from coverage_gaps.outputs.tables import VILLAGE_COLUMNS, write_csv


def analysed(world: dict, model: str = "disc") -> cg.AreaResult:
    villages = cg.read_villages(world["villages"])
    cells, _ = cg.read_towers(world["towers"])
    sites, emitters = cg.collapse_sites(cells)
    return cg.analyse_area(
        "Lào Cai",
        villages,
        sites,
        emitters,
        electrification=RasterElectrification(world["electrified"]),
        coverage=cg.CoverageOptions(model=model),
    )


def target(folder: Path, **options: object) -> AreaTarget:
    folder.mkdir(parents=True, exist_ok=True)
    return AreaTarget(
        folder=folder, slug="lao-cai", options=cg.OutputOptions(out_dir=folder, **options)
    )  # type: ignore[arg-type]


def test_every_registered_writer_resolves_and_the_defaults_are_registered() -> None:
    for writer in (*AREA_WRITERS.values(), *RUN_WRITERS.values()):
        assert callable(writer.write), writer.kind
        assert writer.summary
    assert set(cg.OutputOptions().kinds) <= set(AREA_WRITERS)


def test_tables_writer(tiny_world: dict, tmp_path: Path) -> None:
    result = analysed(tiny_world)
    files = AREA_WRITERS["csv"].write(result, target(tmp_path))
    assert [f.name for f in files] == [
        "lao-cai-villages.csv",
        "lao-cai-to-fix.csv",
        "lao-cai-no-power.csv",  # village 003 has no electrified land
    ]
    villages = pd.read_csv(files[0], encoding="utf-8-sig", dtype={"village_id": str})
    assert list(villages.columns) == list(VILLAGE_COLUMNS)
    fix = pd.read_csv(files[1], encoding="utf-8-sig", dtype={"village_id": str})
    assert set(fix["status"]) <= {"dead_zone", "partial"}
    assert fix["priority"].tolist() == sorted(fix["priority"].tolist())


def test_write_csv_bytes(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "id": ["007", "010"],
            "name": ["Bản Một, Hai", 'Nà "Lũng"'],
            "share": [0.5, None],
            "n": pd.array([1, None], dtype="Int64"),
        }
    )
    raw = write_csv(table, tmp_path / "t.csv").read_bytes()
    assert (
        raw
        == (
            '\ufeff"id","name","share","n"\n"007","Bản Một, Hai",0.5,1\n"010","Nà ""Lũng""",,\n'
        ).encode()
    )


def test_geopackage_writer_has_the_csv_columns(tiny_world: dict, tmp_path: Path) -> None:
    result = analysed(tiny_world)
    (path,) = AREA_WRITERS["gpkg"].write(result, target(tmp_path))
    assert {name for name, _ in pyogrio.list_layers(path)} == {
        "villages",
        "sites",
        "dead_zones",
        "layer_styles",
    }
    layer = gpd.read_file(path, layer="villages")
    assert [c for c in layer.columns if c != "geometry"] == list(VILLAGE_COLUMNS)
    assert len(gpd.read_file(path, layer="sites")) == len(result.site_table)
    dead = gpd.read_file(path, layer="dead_zones")
    # the dead-zone land is the electrified cells with no service inside the villages
    cells = (result.electrified & (result.coverage.serving == 0) & result.in_villages).sum()
    assert dead["area_km2"].sum() == pytest.approx(cells * result.grid.cell_area_m2 / 1e6)


def test_signal_rasters_only_with_a_signal(tiny_world: dict, tmp_path: Path) -> None:
    assert AREA_WRITERS["tif"].write(analysed(tiny_world), target(tmp_path / "disc")) == []
    result = analysed(tiny_world, model="hata")
    files = AREA_WRITERS["tif"].write(result, target(tmp_path / "hata", signal_per_operator=True))
    tifs = [f.name for f in files if f.suffix == ".tif"]
    assert tifs == ["lao-cai-signal-lte.tif", "lao-cai-signal-lte-viettel.tif"]
    with rasterio.open(files[0]) as src:
        assert src.shape == result.grid.shape and src.crs == result.grid.crs
        assert src.tags(1)["units"] == "dBm"


def test_map_writer(tiny_world: dict, tmp_path: Path) -> None:
    (path,) = AREA_WRITERS["html"].write(analysed(tiny_world), target(tmp_path))
    assert path.name == "lao-cai.html" and "leaflet" in path.read_text().lower()


def test_run_writers_summary_and_record(tiny_world: dict, tmp_path: Path) -> None:
    result = analysed(tiny_world)
    row = area_summary(result)
    assert list(row) == list(SUMMARY_COLUMNS)
    counts = result.villages["status"].value_counts()
    for status in ("dead_zone", "partial", "covered", "not_electrified"):
        assert row[status] == counts.get(status, 0)
    record = RunRecord(folder=tmp_path, summary=pd.DataFrame([row]), settings={"x": 1})
    for writer in RUN_WRITERS.values():
        record.files += writer.write(record)
    assert [f.name for f in record.files] == [
        "summary.csv",
        "glossary.csv",
        "glossary.xlsx",
        "index.html",
        "run.json",
    ]
    doc = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert doc["settings"] == {"x": 1} and doc["files"][0]["name"] == "summary.csv"
    assert doc["provinces"][0]["province"] == "Lào Cai"
