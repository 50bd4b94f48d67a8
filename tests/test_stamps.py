"""Every map, workbook and report of a run carries the run's date and version.

Each area writer is given one stamp (a date that is not today, a version that is not the
installed one), and each file people read is opened the way its reader opens it to find both.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from coverage_gaps.outputs import AREA_WRITERS, RUN_WRITERS, AreaTarget, RunArea, RunRecord
from coverage_gaps.outputs.stamp import RunStamp
from coverage_gaps.outputs.summary import area_summary
from coverage_gaps.settings import OutputOptions
from tests import browser_support as bs

STAMP = RunStamp(datetime(2025, 3, 14, 9, 30), "9.8.7")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    result = bs.map_world(hostile=False)
    folder = tmp_path_factory.mktemp("stamped")
    target = AreaTarget(
        folder=folder,
        slug="lao-cai",
        options=OutputOptions(out_dir=folder, kinds=tuple(AREA_WRITERS), lang="en"),
        stamp=STAMP,
    )
    files: list[Path] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for writer in AREA_WRITERS.values():
            files += writer.write(result, target)
    record = RunRecord(
        folder=folder,
        summary=pd.DataFrame([area_summary(result)]),
        files=list(files),
        settings={"outputs": {"lang": "en", "kinds": list(AREA_WRITERS)}},
        areas=[RunArea(result.name, "lao-cai", tuple(files), None)],
        stamp=STAMP,
    )
    for writer in RUN_WRITERS.values():
        record.files += writer.write(record)
    return {p.name: p for p in record.files}


def _stamped(text: str) -> bool:
    return STAMP.text("en") in text  # "Made by coverage-gaps 9.8.7 on 2025-03-14"


def test_maps_and_pages(written: dict[str, Path]) -> None:
    for name in ("lao-cai.html", "index.html"):
        assert _stamped(written[name].read_text(encoding="utf-8")), name


@pytest.mark.parametrize(
    "name", ["lao-cai-to-fix.xlsx", "lao-cai-villages.xlsx", "lao-cai-field-check.xlsx"]
)
def test_workbooks(written: dict[str, Path], name: str) -> None:
    book = load_workbook(written[name])
    assert book.properties.created == STAMP.when
    assert book.properties.creator == "coverage-gaps 9.8.7"
    # and in a sheet, where a reader sees it
    cells = [
        str(c) for ws in book.worksheets[1:] for row in ws.iter_rows(values_only=True) for c in row
    ]
    assert any(_stamped(c) for c in cells), name


def test_glossary_workbook(written: dict[str, Path]) -> None:
    book = load_workbook(written["glossary.xlsx"])
    assert book.properties.created == STAMP.when and "9.8.7" in book.properties.creator


def test_printed_report(written: dict[str, Path]) -> None:
    data = written["lao-cai.pdf"].read_bytes()
    # the document information: creation date and author (the page footers are compressed)
    assert b"D:20250314093" in data and b"coverage-gaps 9.8.7" in data


def test_kmz(written: dict[str, Path]) -> None:
    with zipfile.ZipFile(written["lao-cai.kmz"]) as kmz:
        kml = kmz.read("doc.kml").decode("utf-8")
    assert _stamped(kml)


def test_run_record(written: dict[str, Path]) -> None:
    record = json.loads(written["run.json"].read_text(encoding="utf-8"))
    assert record["coverage_gaps"] == "9.8.7"
    assert record["run_date"] == "2025-03-14"
    assert record["started"] == "2025-03-14T09:30:00"
