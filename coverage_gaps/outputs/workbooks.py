"""Excel workbooks for officials: ``<province>-to-fix.xlsx`` and ``<province>-villages.xlsx``.

A CSV leaves every choice to the spreadsheet that opens it: Excel turns the id ``007`` into the
number 7, and with a decimal-comma locale (Vietnamese settings) reads ``0.785`` as 785.  A
workbook carries its own types, so it opens the same everywhere:

* ids and names are text (leading zeros kept), written as strings, never as formulas;
* figures are numbers with a display format (shares as percentages, areas to 2 decimals,
  people and distances as whole numbers), shown with the reader's own decimal separator;
* dates are dates;
* the header row is frozen (with the id and name columns), the autofilter is on, the columns
  are as wide as their content;
* headers, statuses and reasons are in the run's language (:mod:`coverage_gaps.outputs.labels`);
* a second sheet explains every column, status and reason in plain words, with the run's
  thresholds, date and version (also in the document properties).

Written with openpyxl in write-only mode (rows are streamed, not held as cell objects).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coverage_gaps.outputs import labels
from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.stamp import RunStamp
from coverage_gaps.outputs.tables import FORMULA_START, to_fix_table, village_table
from coverage_gaps.settings import StatusThresholds

if TYPE_CHECKING:
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = [
    "COLUMN_FORMATS",
    "OPTIONAL_COLUMNS",
    "WORD_COLUMNS",
    "RunStamp",
    "column_format",
    "column_kind",
    "column_width",
    "python_values",
    "reader_table",
    "safe_sheet_name",
    "stamp_properties",
    "write_area_workbooks",
    "write_workbook",
]

#: Excel number formats by column (codes are locale-neutral: Excel and LibreOffice show them
#: with the reader's own separators).  ``"@"`` is text.
COLUMN_FORMATS: Mapping[str, str] = {
    "priority": "0",
    "village_id": "@",
    "village_name": "@",
    "commune": "@",
    "province": "@",
    "lon": "0.000000",
    "lat": "0.000000",
    "status": "@",
    "reason": "@",
    "area_km2": "#,##0.00",
    "electrified_km2": "#,##0.00",
    "covered_share": "0.0%",
    "old_covered_share": "0.0%",
    "new_covered_share": "0.0%",
    "uncovered_electrified_km2": "#,##0.00",
    "population": "#,##0",
    "uncovered_population": "#,##0",
    "nearest_site_m": "#,##0",
    "operators": "0",
    "operator_names": "@",
    "broadband_operators": "0",
    "best_signal_dbm": "0.0",
    # summary and sites
    "villages": "#,##0",
    "dead_zone": "#,##0",
    "partial": "#,##0",
    "covered": "#,##0",
    "not_electrified": "#,##0",
    "sites": "#,##0",
    "site_id": "0",
    "mcc": "0",
    "net": "0",
    "cells": "#,##0",
    "range_m": "#,##0",
    "samples": "#,##0",
    "first_created": "yyyy-mm-dd",
    # coverage-gaps plan
    "rank": "0",
    "elevation_m": "#,##0",
    "demand_covered": "#,##0.00",
    "people_covered": "#,##0",
    "land_covered_km2": "#,##0.00",
    "villages_fixed": "0",
    "village_ids": "@",
    "cumulative_share": "0.0%",
}
#: Columns a reader's workbook leaves out when they are empty throughout (no population
#: raster, no propagation model); the CSVs keep them, for scripts.
OPTIONAL_COLUMNS: tuple[str, ...] = ("population", "uncovered_population", "best_signal_dbm")
#: The columns frozen beside the header row (the last of these present, and those before it).
_FROZEN_THROUGH = ("village_name", "village_id")
_DATE_FORMAT = "yyyy-mm-dd"
_MIN_WIDTH, _MAX_WIDTH, _HEADER_WRAP = 6, 60, 24
#: Characters XML 1.0 cannot hold (openpyxl refuses them): control characters but tab, line
#: feed and carriage return.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


#: Columns of machine words a person reads in words of the run's language: the key of each
#: word in :data:`~coverage_gaps.outputs.labels.TEXT` (``{}`` is the value).
WORD_COLUMNS: Mapping[str, str] = {
    "confidence": "confidence_{}",
    "status_source": "source_{}",
}


def reader_table(table: pd.DataFrame, lang: str, *, drop_empty: bool = True) -> pd.DataFrame:
    """The village table as people read it: statuses, reasons, confidence, status sources and
    yes/no in words of ``lang``, operator names separated by commas, empty optional columns
    left out.  Column names stay machine names (the headers are put on when writing)."""
    out = table.copy()
    for col in ("status", "model_status"):
        if col in out:
            out[col] = [
                labels.status_label(s, lang) if isinstance(s, str) else None
                for s in out[col].astype(object)
            ]
    for col, key in WORD_COLUMNS.items():
        if col in out:
            out[col] = [
                labels.text(key.format(w), lang) if isinstance(w, str) and w else None
                for w in out[col].astype(object)
            ]
    if "models_agree" in out:
        out["models_agree"] = [
            None if pd.isna(a) else labels.text("yes" if a else "no", lang)
            for a in out["models_agree"].astype(object)
        ]
    if "reason" in out:
        out["reason"] = [
            labels.reasons_text(r, lang) if isinstance(r, str) else None
            for r in out["reason"].astype(object)
        ]
    if "operator_names" in out:
        out["operator_names"] = [
            ", ".join(n for n in r.split(";") if n) if isinstance(r, str) else None
            for r in out["operator_names"].astype(object)
        ]
    if drop_empty:
        empty = [c for c in OPTIONAL_COLUMNS if c in out and out[c].isna().all()]
        out = out.drop(columns=empty)
    return out


# -- values and widths --------------------------------------------------------------------------


def column_kind(series: pd.Series) -> str:
    """``"text"``, ``"int"``, ``"float"``, ``"date"`` or ``"bool"`` for a column."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_object_dtype(dtype):
        sample = series.dropna()
        if len(sample) and all(isinstance(v, date) for v in sample.iloc[:50]):
            return "date"
    return "text"


def column_format(column: str, kind: str) -> str:
    """The Excel number format of ``column`` (:data:`COLUMN_FORMATS`, else by its ``kind``)."""
    if column in COLUMN_FORMATS:
        return COLUMN_FORMATS[column]
    return {"int": "0", "float": "0.00", "date": _DATE_FORMAT}.get(kind, "General")


def python_values(series: pd.Series, kind: str) -> list[Any]:
    """The column as Python values openpyxl writes with their type: None for missing."""
    if kind == "date":
        stamps = pd.to_datetime(series, utc=True, errors="coerce")
        values = stamps.dt.tz_convert(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in values]
    if kind in ("int", "bool"):
        missing = series.isna().to_numpy()
        raw = series.astype(object).tolist()
        cast = bool if kind == "bool" else int
        return [None if m else cast(v) for v, m in zip(raw, missing, strict=True)]
    if kind == "float":
        arr = series.to_numpy(dtype="f8", na_value=np.nan)
        return [None if not math.isfinite(v) else v for v in arr.tolist()]
    out: list[Any] = []
    for v in series.astype(object).tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v == "":
            out.append(None)
        else:
            out.append(_ILLEGAL_XML.sub("", str(v)))
    return out


def _shown_width(values: Sequence[Any], kind: str, number_format: str) -> int:
    """About how many characters the widest value takes when shown with ``number_format``."""
    present = [v for v in values if v is not None]
    if not present:
        return 0
    if kind == "date":
        return 10
    if kind == "text" or number_format == "@":
        return max(max(len(line) for line in str(v).splitlines() or [""]) for v in present)
    if kind == "bool":
        return 5
    biggest = max(abs(float(v)) for v in present)
    decimals = len(number_format.rpartition(".")[2].rstrip("%")) if "." in number_format else 0
    scale = 100.0 if number_format.endswith("%") else 1.0
    shown = f"{biggest * scale:,.{decimals}f}"
    return len(shown) + 1 + (1 if number_format.endswith("%") else 0)  # sign, percent


def column_width(header: str, values: Sequence[Any], kind: str, number_format: str) -> float:
    """A column's width in characters: its widest shown value or its (wrapped) header."""
    content = _shown_width(values, kind, number_format)
    head = min(len(header), _HEADER_WRAP)
    return float(min(max(content, head, _MIN_WIDTH) + 2, _MAX_WIDTH))


# -- writing ------------------------------------------------------------------------------------


class _Styles:
    """The few cell styles of a workbook, made once."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        self.header_font = Font(bold=True)
        self.header_fill = PatternFill("solid", fgColor="DDE4EE")
        self.header_align = Alignment(wrap_text=True, vertical="top")
        self.title_font = Font(bold=True, size=14)
        self.heading_font = Font(bold=True, size=12)
        self.wrap = Alignment(wrap_text=True, vertical="top")


def _cell(sheet: Any, value: Any, *, number_format: str | None = None, **style: Any) -> Any:
    """A write-only cell holding ``value``; text is always text (never a formula), and text
    that a spreadsheet would read as a formula keeps a quote prefix when it is edited."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would take "=..." for a formula
        if FORMULA_START.match(value):
            cell.quotePrefix = True
    if number_format is not None:
        cell.number_format = number_format
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def stamp_properties(workbook: Any, *, title: str, stamp: RunStamp, lang: str) -> None:
    """Set the workbook's title and the run's stamp (tool, version, made, inputs) in its
    document properties."""
    from openpyxl.packaging.custom import DateTimeProperty, StringProperty

    props = workbook.properties
    props.title = title
    props.subject = labels.text("title", lang)
    props.creator = f"coverage-gaps {stamp.version}"
    props.lastModifiedBy = props.creator
    props.created = stamp.when
    props.modified = stamp.when
    props.description = stamp.text(lang)
    props.language = "vi-VN" if lang == "vi" else "en"
    workbook.custom_doc_props.append(
        StringProperty(name="coverage_gaps_version", value=stamp.version)
    )
    workbook.custom_doc_props.append(DateTimeProperty(name="coverage_gaps_run", value=stamp.when))


def _add_table_sheet(
    workbook: Any,
    styles: _Styles,
    sheet_name: str,
    table: pd.DataFrame,
    headers: Sequence[str],
) -> None:
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(sheet_name)
    columns = list(table.columns)
    kinds = [column_kind(table[c]) for c in columns]
    formats = [column_format(c, k) for c, k in zip(columns, kinds, strict=True)]
    values = [python_values(table[c], k) for c, k in zip(columns, kinds, strict=True)]
    wrapped = []
    for i, (head, vals, kind, fmt) in enumerate(
        zip(headers, values, kinds, formats, strict=True), start=1
    ):
        sheet.column_dimensions[get_column_letter(i)].width = column_width(head, vals, kind, fmt)
        wrapped.append(kind == "text" and _shown_width(vals, kind, fmt) + 2 > _MAX_WIDTH)
    frozen = next((columns.index(c) + 1 for c in _FROZEN_THROUGH if c in columns), 0)
    sheet.freeze_panes = f"{get_column_letter(frozen + 1)}2"
    last = f"{get_column_letter(max(len(columns), 1))}{len(table) + 1}"
    sheet.auto_filter.ref = f"A1:{last}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.append(
        [
            _cell(
                sheet,
                h,
                font=styles.header_font,
                fill=styles.header_fill,
                alignment=styles.header_align,
            )
            for h in headers
        ]
    )
    # One styled cell per column, refilled row after row: a write-only sheet writes a row out
    # as it is appended, and building a cell object per value would take most of the time.
    templates = [
        _cell(sheet, None, number_format=fmt, **({"alignment": styles.wrap} if wrap else {}))
        for fmt, wrap in zip(formats, wrapped, strict=True)
    ]
    for row in zip(*values, strict=True) if columns else ():
        out: list[Any] = []
        for v, tmpl, fmt, wrap in zip(row, templates, formats, wrapped, strict=True):
            if v is None:
                out.append(None)
            elif isinstance(v, str) and FORMULA_START.match(v):  # rare: a cell of its own
                style = {"alignment": styles.wrap} if wrap else {}
                out.append(_cell(sheet, v, number_format=fmt, **style))
            else:
                tmpl.value = v
                if isinstance(v, str):
                    tmpl.data_type = "s"
                out.append(tmpl)
        sheet.append(out)


def _explanation_rows(
    columns: Iterable[str],
    *,
    lang: str,
    title: str,
    stamp: RunStamp,
    thresholds: StatusThresholds | None,
    resolution_m: float | None,
    statuses: bool,
) -> list[tuple[str, list[Any]]]:
    """The explanation sheet as (style, values) rows."""
    t = labels.text
    rows: list[tuple[str, list[Any]]] = [
        ("title", [title]),
        ("plain", [stamp.text(lang)]),
        ("date", [t("run_date", lang), stamp.day]),
        ("plain", [t("version", lang), stamp.version]),
    ]
    if thresholds is not None:
        rows.append(
            (
                "plain",
                [t("thresholds_note", lang, dead=thresholds.dead_zone, covered=thresholds.covered)],
            )
        )
    if resolution_m is not None:
        rows.append(("plain", [t("figures_note", lang, resolution=resolution_m)]))
    rows += [
        ("blank", []),
        ("heading", [t("columns_heading", lang)]),
        ("header", [t("column", lang), t("machine_name", lang), t("meaning", lang)]),
    ]
    rows += [
        ("row", [labels.column_label(c, lang), c, labels.column_help(c, lang)]) for c in columns
    ]
    if statuses:
        th = thresholds or StatusThresholds()
        rows += [
            ("blank", []),
            ("heading", [t("statuses_heading", lang)]),
            (
                "header",
                [labels.column_label("status", lang), t("machine_name", lang), t("meaning", lang)],
            ),
        ]
        rows += [
            (
                "row",
                [
                    labels.status_label(s, lang),
                    s,
                    labels.status_meaning(s, lang, dead=th.dead_zone, covered=th.covered),
                ],
            )
            for s in labels.STATUSES
        ]
        rows += [
            ("blank", []),
            ("heading", [t("reasons_heading", lang)]),
            (
                "header",
                [labels.column_label("reason", lang), t("machine_name", lang), t("meaning", lang)],
            ),
        ]
        rows += [
            ("row", [labels.reason_label(r, lang), r, labels.reason_meaning(r, lang)])
            for r in labels.REASONS
        ]
    return rows


def _add_explanation_sheet(
    workbook: Any, styles: _Styles, rows: list[tuple[str, list[Any]]], lang: str
) -> None:
    sheet = workbook.create_sheet(labels.text("sheet_explanation", lang))
    for letter, width in (("A", 34.0), ("B", 28.0), ("C", 100.0)):
        sheet.column_dimensions[letter].width = width
    for kind, values in rows:
        if kind == "title":
            sheet.append([_cell(sheet, values[0], font=styles.title_font)])
        elif kind == "heading":
            sheet.append([_cell(sheet, values[0], font=styles.heading_font)])
        elif kind == "header":
            sheet.append(
                [_cell(sheet, v, font=styles.header_font, fill=styles.header_fill) for v in values]
            )
        elif kind == "date":
            sheet.append(
                [_cell(sheet, values[0]), _cell(sheet, values[1], number_format=_DATE_FORMAT)]
            )
        elif kind == "row":
            sheet.append([_cell(sheet, v, alignment=styles.wrap) for v in values])
        elif kind == "blank":
            sheet.append([])
        else:
            sheet.append([_cell(sheet, v) for v in values])


def write_workbook(
    path: str | Path,
    table: pd.DataFrame,
    *,
    sheet: str,
    title: str,
    lang: str = "vi",
    thresholds: StatusThresholds | None = None,
    resolution_m: float | None = None,
    stamp: RunStamp | None = None,
    statuses: bool = True,
    explain: bool = True,
    headers: Mapping[str, str] | None = None,
    more: Sequence[tuple[str, pd.DataFrame]] = (),
) -> Path:
    """Write ``table`` (machine column names) as a workbook of two sheets, atomically.

    Parameters
    ----------
    path
        Destination ``.xlsx``.
    table
        The rows, e.g. :func:`reader_table` of a village table; columns keep their type
        (numbers, text, dates) and get the formats of :data:`COLUMN_FORMATS`.
    sheet
        Name of the data sheet.
    title
        The workbook's title (document properties, explanation sheet).
    lang
        Language of the headers and the explanations.
    thresholds, resolution_m
        The run's status thresholds and grid cell size, for the explanations.
    stamp
        Date and version to stamp (default: now, the installed version).
    statuses
        Also explain the statuses and reasons.
    explain
        Add the explanation sheet (else the table's sheet only; the stamp is in the document
        properties either way).
    headers
        Headers by column, instead of the labels of ``lang``.
    more
        Further ``(sheet name, table)`` sheets after the first, written the same way (their
        columns are explained too).
    """
    from openpyxl import Workbook

    path = Path(path)
    stamp = stamp or RunStamp.now()
    workbook = Workbook(write_only=True)
    styles = _Styles()
    stamp_properties(workbook, title=title, stamp=stamp, lang=lang)

    def heads(frame: pd.DataFrame) -> list[str]:
        return [
            headers[c] if headers and c in headers else labels.column_label(c, lang)
            for c in frame.columns
        ]

    sheets = [(sheet, table), *more]
    for name, frame in sheets:
        _add_table_sheet(workbook, styles, safe_sheet_name(name), frame, heads(frame))
    if explain:
        columns = list(dict.fromkeys(c for _, frame in sheets for c in frame.columns))
        rows = _explanation_rows(
            columns,
            lang=lang,
            title=title,
            stamp=stamp,
            thresholds=thresholds,
            resolution_m=resolution_m,
            statuses=statuses,
        )
        _add_explanation_sheet(workbook, styles, rows, lang)
    with atomic_path(path) as tmp:
        workbook.save(tmp)
    return path


def safe_sheet_name(name: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet"


def write_area_workbooks(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>-to-fix.xlsx`` (the gaps, most urgent first) and ``<slug>-villages.xlsx``
    (every village), beside the CSVs."""
    lang = target.lang
    stamp = target.stamp
    common: dict[str, Any] = {
        "lang": lang,
        "thresholds": result.thresholds,
        "resolution_m": result.grid.resolution,
        "stamp": stamp,
    }
    return [
        write_workbook(
            target.path("-to-fix.xlsx"),
            reader_table(to_fix_table(result.villages), lang),
            sheet=labels.text("sheet_to_fix", lang),
            title=labels.text("to_fix_title", lang, province=result.name),
            **common,
        ),
        write_workbook(
            target.path("-villages.xlsx"),
            reader_table(village_table(result.villages), lang),
            sheet=labels.text("sheet_villages", lang),
            title=labels.text("villages_title", lang, province=result.name),
            **common,
        ),
    ]
