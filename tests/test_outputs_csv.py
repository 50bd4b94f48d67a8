"""Every CSV we write opens as data, never as formulas (issue 8), and keeps its bytes otherwise."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coverage_gaps.outputs.tables import (
    escape_formulas,
    looks_like_formula,
    write_area_tables,
    write_csv,
)
from tests.outputs_support import NAMES, small_area, target

EVIL = '=HYPERLINK("http://evil","click")'
RISKY = [EVIL, "+1+2", "-3+4", "@SUM(1,2)", "\t=1+1", "\r=1+1", " =1+2", "  @x", "\tabc"]
SAFE = ["Bản Nậm Cang", "Đồng Văn", "-5", "+84", "1.5e3", "a=b", "", "x-1", " plain"]


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_looks_like_formula_by_hand() -> None:
    values = pd.Series([*RISKY, *SAFE, None])
    assert looks_like_formula(values).tolist() == [True] * len(RISKY) + [False] * (len(SAFE) + 1)


def test_formula_text_gets_a_quote_and_numbers_are_untouched(tmp_path: Path) -> None:
    n = len(RISKY) + len(SAFE)
    table = pd.DataFrame(
        {
            "name": [*RISKY, *SAFE],
            "mixed": pd.Series(["=1", 2, *["x"] * (n - 2)], dtype=object),
            "cat": pd.Categorical(["-2+3"] * n),
            "signal": -np.arange(n, dtype="f8") - 0.5,  # negative numbers stay numbers
            "count": pd.array([-3] * n, dtype="Int64"),
        }
    )
    rows = read_rows(write_csv(table, tmp_path / "t.csv"))
    names = [r[0] for r in rows[1:]]
    assert names == ["'" + v for v in RISKY] + SAFE
    assert [r[1] for r in rows[1:3]] == ["'=1", "2"]
    assert {r[2] for r in rows[1:]} == {"'-2+3"}
    assert [r[3] for r in rows[1:3]] == ["-0.5", "-1.5"]
    assert {r[4] for r in rows[1:]} == {"-3"}
    assert table["name"].tolist() == [*RISKY, *SAFE]  # the caller's table is not changed


def test_safe_tables_keep_their_bytes(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "priority": pd.array([1, None], dtype="Int64"),
            "village_id": ["007", "010"],
            "village_name": ['Thôn "Nà", Bản Ó', "-5"],
            "best_signal_dbm": [-101.5, np.nan],
        }
    )
    assert escape_formulas(table) is table
    raw = write_csv(table, tmp_path / "t.csv").read_bytes()
    assert raw == (
        b'\xef\xbb\xbf"priority","village_id","village_name","best_signal_dbm"\n'
        + '1,"007","Thôn ""Nà"", Bản Ó",-101.5\n'.encode()
        + b',"010","-5",\n'
    )


def test_every_area_csv_is_defused(tmp_path: Path) -> None:
    files = write_area_tables(small_area(), target(tmp_path))
    assert [f.name for f in files] == [
        "lao-cai-villages.csv",
        "lao-cai-to-fix.csv",
        "lao-cai-no-power.csv",
    ]
    for path in files:
        rows = read_rows(path)
        col = rows[0].index("village_name")
        names = [r[col] for r in rows[1:]]
        assert EVIL not in names
        assert "'" + EVIL in names or path.name.endswith("no-power.csv")
        assert "Bản Nậm Cang" in names or not path.name.endswith("villages.csv")
    villages = pd.read_csv(files[0], encoding="utf-8-sig", dtype={"village_id": str})
    assert villages["village_name"].tolist()[2] == "'" + NAMES[2]
    assert villages["village_id"].tolist() == ["001", "002", "003", "004", "005", "006"]


def soffice_convert(
    src: Path | list[Path], out_dir: Path, to: str, *, infilter: str | None = None
) -> list[Path]:
    """Open ``src`` (one file or several, in one LibreOffice start) in headless LibreOffice and
    save each in ``out_dir`` as ``to`` (``"xlsx"``, ``"csv:..."``); returns the new files."""
    sources = [src] if isinstance(src, Path) else src
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{out_dir / 'lo-profile'}",
            "--headless",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            to,
            "--outdir",
            str(out_dir),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(out_dir)},
    )
    return [out_dir / f"{s.stem}.{to.partition(':')[0]}" for s in sources]


def libreoffice_to_xlsx(csv_paths: list[Path], out_dir: Path) -> list[Path]:
    """Open the CSVs in LibreOffice Calc (UTF-8, comma-separated, formulas evaluated as a user
    opening them would) and save them as .xlsx."""
    return soffice_convert(csv_paths, out_dir, "xlsx", infilter="CSV:44,34,76,1")


def formula_cells(xlsx: Path) -> list[str]:
    import openpyxl

    book = openpyxl.load_workbook(xlsx)
    return [str(c.value) for row in book.active.iter_rows() for c in row if c.data_type == "f"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_no_formula(tmp_path: Path) -> None:
    table = pd.DataFrame({"village_id": ["001", "002", "003"], "village_name": RISKY[:3]})
    # The same table written plainly: LibreOffice runs its first cell as a formula (so this
    # test can fail), and ours opens as text.
    plain = tmp_path / "plain.csv"
    table.to_csv(plain, index=False)
    ours = write_csv(table, tmp_path / "ours.csv")
    plain_xlsx, converted = libreoffice_to_xlsx([plain, ours], tmp_path)
    assert formula_cells(plain_xlsx) != []
    assert formula_cells(converted) == []
    import openpyxl

    sheet = openpyxl.load_workbook(converted).active
    assert [c.value for c in sheet["B"]][1:] == ["'" + v for v in RISKY[:3]]
