"""CSV tables for officials: one row per village, and the villages to fix.

Every CSV is written by :func:`write_csv`, which defuses text that a spreadsheet would run as a
formula (:func:`escape_formulas`): a village named ``=HYPERLINK("http://evil","click")`` is
written as ``'=HYPERLINK(...)`` and opens as text in Excel and LibreOffice.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coverage_gaps.gaps import GAP_STATUSES
from coverage_gaps.outputs.atomic import atomic_path

if TYPE_CHECKING:
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = [
    "FORMULA_START",
    "NO_POWER_COLUMNS",
    "VILLAGE_COLUMNS",
    "escape_formulas",
    "looks_like_formula",
    "model_vs_field",
    "no_power_table",
    "text_columns",
    "to_fix_table",
    "village_table",
    "write_area_tables",
    "write_csv",
]

#: A text cell is read as a formula by Excel or LibreOffice when it starts, after any leading
#: whitespace, with one of ``= + - @``, or with a tab or carriage return (OWASP, "CSV
#: Injection").
FORMULA_START = re.compile(r"\s*[=+\-@\t\r]")
#: ... unless it is a plain number ("-5", "+84"), which opens as that number, not a formula.
_PLAIN_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")

#: Columns of ``<province>-villages.csv`` and ``-to-fix.csv``, in order.
VILLAGE_COLUMNS: tuple[str, ...] = (
    "priority",
    "village_id",
    "village_name",
    "commune",
    "province",
    "lon",
    "lat",
    "status",
    "reason",
    "area_km2",
    "electrified_km2",
    "covered_share",
    "uncovered_electrified_km2",
    "population",
    "uncovered_population",
    "nearest_site_m",
    "operators",
    "operator_names",
    "broadband_operators",
    "best_signal_dbm",
    "sites_in_reach",
    "serving_sites",
    "best_site_id",
    "best_site_distance_m",
    "evidence_samples",
    "last_seen",
    "models_agree",
    "confidence",
    "status_source",
    "model_status",
    "checked_on",
    "checked_by",
    "check_note",
    "check_operator",
    "check_technology",
)
_ROUND = {
    "area_km2": 3,
    "electrified_km2": 3,
    "covered_share": 3,
    "uncovered_electrified_km2": 3,
    "population": 0,
    "uncovered_population": 0,
    "nearest_site_m": 0,
    "best_signal_dbm": 1,
}


def village_table(villages: pd.DataFrame) -> pd.DataFrame:
    """The villages as the CSV shows them: fixed columns, rounded figures."""
    table = pd.DataFrame({c: villages[c] for c in VILLAGE_COLUMNS if c in villages})
    for col, digits in _ROUND.items():
        if col in table:
            table[col] = table[col].astype("f8").round(digits)
    for col in (
        "priority",
        "population",
        "uncovered_population",
        "nearest_site_m",
        "sites_in_reach",
        "serving_sites",
        "best_site_id",
        "best_site_distance_m",
        "evidence_samples",
    ):
        if col in table:
            table[col] = table[col].astype("Float64").round(0).astype("Int64")
    if "models_agree" in table:
        table["models_agree"] = table["models_agree"].astype(bool)
    return table


def to_fix_table(villages: pd.DataFrame) -> pd.DataFrame:
    """Dead zones and partials only, most urgent first."""
    gaps = villages.loc[villages["status"].isin(GAP_STATUSES)]
    return village_table(gaps).sort_values("priority", kind="mergesort")


def looks_like_formula(values: pd.Series) -> pd.Series:
    """Whether each text of ``values`` would be read as a formula by a spreadsheet.

    True for text starting (after any leading whitespace) with ``=``, ``+``, ``-``, ``@``, a
    tab or a carriage return, except plain numbers such as ``-5``; False for missing values.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(values.astype("string").array, type=pa.large_string())
    start = pc.fill_null(pc.match_substring_regex(arr, "^" + FORMULA_START.pattern), False)
    if not pc.any(start).as_py():
        return pd.Series(False, index=values.index)
    number = pc.fill_null(pc.match_substring_regex(arr, "^" + _PLAIN_NUMBER.pattern + "$"), False)
    risky = pc.and_(start, pc.invert(number))
    return pd.Series(risky.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


def text_columns(table: pd.DataFrame) -> list[str]:
    """The columns of ``table`` that hold text: object, string and text-categorical columns
    (numbers, booleans and dates are never text)."""
    out = []
    for col in table.columns:
        dtype = table[col].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            dtype = dtype.categories.dtype
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            out.append(col)
    return out


def escape_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a ``'`` before every text cell a spreadsheet would run as a formula.

    Only text columns (:func:`text_columns`) are looked at, so numbers, negative ones
    included, stay numbers.  Returns ``table`` itself when no cell needs it (so the bytes
    written are unchanged), else a copy.
    """
    out = table
    for col in text_columns(table):
        values = table[col]
        risky = looks_like_formula(values)
        if risky.any():
            if out is table:
                out = table.copy()
            text = values.astype("string")
            out[col] = text.mask(risky.to_numpy(), "'" + text)
    return out


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` as UTF-8 with a byte-order mark (Excel then shows Vietnamese names).

    Text is quoted when it must be, missing values are empty fields, lines end in ``\n``, and
    text a spreadsheet would run as a formula gets a leading ``'`` (:func:`escape_formulas`).
    Written by Arrow's CSV writer, several times faster than pandas' on a country's tables.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(path)
    text = [c for c in table.columns if table[c].dtype == object]
    if len(text):  # mixed or non-string objects as their text, as pandas would write them
        table = table.astype({c: "string" for c in text})
    table = escape_formulas(table)
    arrow = pa.Table.from_pandas(table, preserve_index=False)  # NaN -> empty field
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(codecs.BOM_UTF8)
        pacsv.write_csv(arrow, fh, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return path


def model_vs_field(villages: pd.DataFrame) -> pd.DataFrame:
    """The checked villages whose field check contradicts the model: the model said covered
    and the field found no signal, or the model said dead zone or partial and the field found
    signal (a finding of its own: the model's settings may need questioning)."""
    if "status_source" not in villages:
        return village_table(villages.iloc[:0])
    field = villages["status_source"] == "field"
    model_gap = villages["model_status"].isin(GAP_STATUSES)
    gap = villages["status"].isin(GAP_STATUSES)
    covered = villages["status"] == "covered"
    model_covered = villages["model_status"] == "covered"
    clash = field & ((model_covered & gap) | (model_gap & covered))
    return village_table(villages.loc[clash])


#: Columns of ``<province>-no-power.csv``, the power company's list.
NO_POWER_COLUMNS: tuple[str, ...] = (
    "village_id",
    "village_name",
    "commune",
    "province",
    "lon",
    "lat",
    "area_km2",
    "population",
    "distance_to_electricity_m",
    "status_source",
    "checked_on",
    "checked_by",
    "check_note",
)


def no_power_table(villages: pd.DataFrame, distance_m: np.ndarray) -> pd.DataFrame:
    """The villages without power (by the model or a field check), nearest to the grid first,
    with their distance to electrified land."""
    table = pd.DataFrame(villages).assign(distance_to_electricity_m=distance_m)
    dark = table.loc[table["status"] == "not_electrified"]
    out = pd.DataFrame({c: dark[c] for c in NO_POWER_COLUMNS if c in dark})
    for col, digits in (("area_km2", 3), ("population", 0), ("distance_to_electricity_m", 0)):
        if col in out:
            out[col] = out[col].astype("f8").round(digits)
    for col in ("population", "distance_to_electricity_m"):
        if col in out:
            out[col] = out[col].astype("Int64")
    return out.sort_values(["distance_to_electricity_m", "village_id"], kind="mergesort")


def write_area_tables(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>-villages.csv`` (every village) and ``<slug>-to-fix.csv`` (the gaps, most
    urgent first); with field checks, also ``<slug>-model-vs-field.csv`` (the checks that
    contradict the model); with villages without power, ``<slug>-no-power.csv`` (the power
    company's list, nearest to the grid first)."""
    files = [
        write_csv(village_table(result.villages), target.path("-villages.csv")),
        write_csv(to_fix_table(result.villages), target.path("-to-fix.csv")),
    ]
    if (result.villages.get("status_source") == "field").any():
        files.append(write_csv(model_vs_field(result.villages), target.path("-model-vs-field.csv")))
    if (result.villages["status"] == "not_electrified").any():
        table = no_power_table(result.villages, result.distance_to_electricity_m)
        files.append(write_csv(table, target.path("-no-power.csv")))
    return files
