"""The CSV writer: BOM, missing values as empty fields, text as given, atomic."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from coverage_gaps.outputs.tables import write_csv


def test_csv_round_trip(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "priority": pd.array([1, None, 3], dtype="Int64"),
            "village_id": ["007", "010", "x"],
            "village_name": ['Thôn "Nà", Bản Ó', "Đồng Văn", ""],
            "covered_share": [0.5, np.nan, 1.0],
            "mixed": [1, "a", None],  # an object column of mixed types
        }
    )
    path = write_csv(table, tmp_path / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["priority", "village_id", "village_name", "covered_share", "mixed"]
    assert rows[1] == ["1", "007", 'Thôn "Nà", Bản Ó', "0.5", "1"]
    assert rows[2] == ["", "010", "Đồng Văn", "", "a"]
    assert rows[3] == ["3", "x", "", "1", ""]
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]  # no temporary file left
