"""Every new output through the command line: the registry, the runner and the folder."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from coverage_gaps.cli.main import cli
from coverage_gaps.outputs import AREA_WRITERS, RUN_WRITERS
from coverage_gaps.settings import OutputOptions, default_of
from tests.helpers import run_args


def test_registries_and_defaults() -> None:
    assert {"xlsx", "kmz", "pdf"} <= set(AREA_WRITERS)
    # run.json last: it lists the glossary and the index
    assert list(RUN_WRITERS)[-3:] == ["glossary", "index", "record"]
    assert {"xlsx", "field-check"} <= set(default_of(OutputOptions, "kinds"))


def test_run_writes_the_new_outputs_in_english(tiny_world: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [*run_args(tiny_world, out), "--outputs", "xlsx,kmz,pdf", "--lang", "en"]
    result = CliRunner().invoke(cli, ["-q", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "glossary.csv", "glossary.xlsx", "index.html", "lao-cai-to-fix.xlsx",
        "lao-cai-villages.xlsx", "lao-cai.kmz", "lao-cai.pdf", "run.json", "summary.csv",
    ]  # fmt: skip
    record = json.loads((out / "run.json").read_text("utf-8"))
    assert {f["name"] for f in record["files"]} == set(names) - {"run.json"}
    sheet = openpyxl.load_workbook(out / "lao-cai-to-fix.xlsx")["To fix"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:3] == ["Priority", "Village id", "Village"]
    assert rows[1][:4] == [1, "002", "Bản Hai", "Xã Đông"]
    assert rows[1][7] == "Dead zone"
