"""``<province>-field-check.xlsx``: the province's gaps as a form officials fill in and give back.

The first sheet lists the dead zones and partials, most urgent first, one row per village.  Its
header row holds the machine names that :func:`coverage_gaps.io.field_checks.read_field_checks`
reads (``village_id, observed, date, checked_by, note, operator, technology``), so the filled-in
file is passed back as it is with ``--field-checks``; after those columns come the village's
priority, name, commune, status and reason in the run's language, as grey read-only context
(the reader ignores columns it does not know, and rows left empty).

* ``village_id`` is text (leading zeros kept) and filled in; the other fill-in columns are empty
  and unlocked, for the listed villages and :data:`EXTRA_ROWS` more rows (a village found
  without signal that the list does not hold);
* ``observed`` is a drop-down of ``signal``, ``no_signal``, ``no_power``; ``date`` accepts dates
  only and shows them as ``yyyy-mm-dd``; ``operator`` offers the operators in reach and
  ``technology`` 2G to 5G (other values allowed);
* every header cell has a note saying what to write, in the run's language; the sheet is
  protected without a password (context columns read only; sorting, filtering and resizing
  allowed);
* the second sheet says, step by step, how to fill it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from coverage_gaps.io.field_checks import FIELD_CHECK_COLUMNS, OBSERVED
from coverage_gaps.outputs import labels
from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.stamp import RunStamp
from coverage_gaps.outputs.tables import FORMULA_START, to_fix_table
from coverage_gaps.outputs.workbooks import (
    column_format,
    column_kind,
    column_width,
    python_values,
    reader_table,
    safe_sheet_name,
    stamp_properties,
)

if TYPE_CHECKING:
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = [
    "CONTEXT_COLUMNS",
    "EXTRA_ROWS",
    "FILL_IN_COLUMNS",
    "field_check_form",
    "write_area_field_check",
    "write_field_check",
]

#: The columns an official fills in, as the reader names them.
FILL_IN_COLUMNS: tuple[str, ...] = FIELD_CHECK_COLUMNS
#: The columns given for reference, after the fill-in columns.
CONTEXT_COLUMNS: tuple[str, ...] = (
    "priority",
    "village_name",
    "commune",
    "status",
    "reason",
    "lon",
    "lat",
)
#: Empty rows left unlocked below the listed villages.
EXTRA_ROWS = 100
#: What ``technology`` offers.
TECHNOLOGIES: tuple[str, ...] = ("2G", "3G", "4G", "5G")
_HELP_KEYS = {
    "village_id": "fc_village_id",
    "observed": "fc_observed",
    "date": "fc_date",
    "checked_by": "fc_checked_by",
    "note": "fc_note",
    "operator": "fc_operator",
    "technology": "fc_technology",
}
_FILL_FORMATS = {
    "village_id": "@",
    "observed": "@",
    "date": "yyyy-mm-dd",
    "checked_by": "@",
    "note": "@",
    "operator": "@",
    "technology": "@",
}
_FILL_WIDTHS = {
    "observed": 13.0,
    "date": 12.0,
    "checked_by": 22.0,
    "note": 30.0,
    "operator": 14.0,
    "technology": 12.0,
}
_FILL_HEAD, _CONTEXT_HEAD, _CONTEXT_CELL = "C9DAF8", "D9D9D9", "F2F2F2"


def field_check_form(villages: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The form's rows: the gaps most urgent first, ``village_id`` then the context columns
    (statuses and reasons in words of ``lang``)."""
    gaps = reader_table(to_fix_table(villages), lang, drop_empty=False)
    cols = ["village_id", *(c for c in CONTEXT_COLUMNS if c in gaps)]
    out = gaps[cols].reset_index(drop=True)
    out["village_id"] = out["village_id"].astype(str)
    return out


def _set(cell: Any, value: Any) -> None:
    """A value as its type; text always text (never a formula)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if FORMULA_START.match(value):
            cell.quotePrefix = True


def _note(text: str, author: str) -> Any:
    from openpyxl.comments import Comment

    comment = Comment(text, author)
    comment.width, comment.height = 260, 110
    return comment


def _validations(
    sheet: Any, last_row: int, columns: Sequence[str], operators: Sequence[str], lang: str
) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    def rng(col: str) -> str:
        letter = get_column_letter(columns.index(col) + 1)
        return f"{letter}2:{letter}{last_row}"

    t = labels.text
    observed = DataValidation(
        type="list",
        formula1='"' + ",".join(OBSERVED) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="observed",
        error=t("fc_bad_value", lang),
        showInputMessage=True,
        promptTitle="observed",
        prompt=t("fc_observed", lang)[:255],
    )
    observed.add(rng("observed"))
    when = DataValidation(
        type="date",
        operator="between",
        formula1="DATE(2000,1,1)",
        formula2="DATE(2100,12,31)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="date",
        error=t("fc_bad_date", lang),
        showInputMessage=True,
        promptTitle="date",
        prompt=t("fc_date", lang)[:255],
    )
    when.add(rng("date"))
    sheet.add_data_validation(observed)
    sheet.add_data_validation(when)
    for col, values in (("operator", operators), ("technology", TECHNOLOGIES)):
        listing = ",".join(v.replace('"', "").replace(",", " ") for v in values)
        if not listing or len(listing) > 250:  # Excel's limit for a list typed in the rule
            continue
        offer = DataValidation(
            type="list",
            formula1=f'"{listing}"',
            allow_blank=True,
            showErrorMessage=False,  # other values are fine
            showInputMessage=True,
            promptTitle=col,
            prompt=t(_HELP_KEYS[col], lang)[:255],
        )
        offer.add(rng(col))
        sheet.add_data_validation(offer)


def _form_sheet(
    workbook: Any,
    form: pd.DataFrame,
    *,
    lang: str,
    operators: Sequence[str],
    author: str,
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    sheet = workbook.active
    sheet.title = safe_sheet_name(labels.text("sheet_field_check", lang))
    context = [c for c in form.columns if c != "village_id"]
    columns = [*FILL_IN_COLUMNS, *context]
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    fill_head = PatternFill("solid", fgColor=_FILL_HEAD)
    context_head = PatternFill("solid", fgColor=_CONTEXT_HEAD)
    context_fill = PatternFill("solid", fgColor=_CONTEXT_CELL)
    unlocked, locked = Protection(locked=False), Protection(locked=True)

    for j, col in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=j)
        if col in FILL_IN_COLUMNS:
            _set(cell, col)
            cell.fill = fill_head
            cell.comment = _note(labels.text(_HELP_KEYS[col], lang), author)
        else:
            _set(cell, labels.column_label(col, lang))
            cell.fill = context_head
            cell.comment = _note(labels.text("fc_context", lang), author)
        cell.font, cell.alignment, cell.protection = bold, wrap, locked

    n = len(form)
    last = n + 1 + EXTRA_ROWS
    ids = [str(v) for v in form["village_id"]]
    for j, col in enumerate(FILL_IN_COLUMNS, start=1):
        fmt = _FILL_FORMATS[col]
        for i in range(2, last + 1):
            cell = sheet.cell(row=i, column=j)
            if col == "village_id" and i - 2 < n:
                _set(cell, ids[i - 2])
            cell.number_format = fmt
            cell.protection = unlocked
    kinds = {c: column_kind(form[c]) for c in context}
    values = {c: python_values(form[c], kinds[c]) for c in context}
    for j, col in enumerate(context, start=len(FILL_IN_COLUMNS) + 1):
        fmt = column_format(col, kinds[col])
        for i, v in enumerate(values[col], start=2):
            cell = sheet.cell(row=i, column=j)
            if v is not None:
                _set(cell, v)
            cell.number_format = fmt
            cell.fill = context_fill
            cell.protection = locked

    for j, col in enumerate(columns, start=1):
        letter = get_column_letter(j)
        if col == "village_id":
            width = column_width(col, ids, "text", "@")
        elif col in FILL_IN_COLUMNS:
            width = _FILL_WIDTHS[col]
        else:
            width = column_width(labels.column_label(col, lang), values[col], kinds[col], "@")
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(n + 1, 2)}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    _validations(sheet, last, columns, operators, lang)
    protection = sheet.protection
    protection.sheet = True
    protection.sort = False
    protection.autoFilter = False
    protection.formatColumns = False
    protection.formatRows = False


def _how_to_sheet(
    workbook: Any,
    *,
    title: str,
    lang: str,
    stamp: RunStamp,
    validity_days: float,
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    t = labels.text
    sheet = workbook.create_sheet(safe_sheet_name(t("sheet_how_to", lang)))
    sheet.column_dimensions["A"].width = 18.0
    sheet.column_dimensions["B"].width = 100.0
    wrap = Alignment(wrap_text=True, vertical="top")
    head = PatternFill("solid", fgColor=_FILL_HEAD)
    rows: list[tuple[str, list[Any]]] = [
        ("title", [title]),
        ("plain", [stamp.text(lang)]),
        ("blank", []),
    ]
    steps = t("fc_steps", lang, days=f"{validity_days:g}").split("\n")
    rows += [("step", [s]) for s in steps]
    rows += [("blank", []), ("heading", [t("fc_columns", lang)])]
    rows += [("row", [c, t(_HELP_KEYS[c], lang)]) for c in FILL_IN_COLUMNS]
    rows += [("row", ["…", t("fc_context", lang)])]
    rows += [("blank", []), ("heading", [t("fc_values", lang)])]
    rows += [("row", [v, t(f"fc_{v}", lang)]) for v in OBSERVED]
    for kind, values in rows:
        sheet.append(values)
        r = sheet.max_row
        if kind == "title":
            sheet.cell(r, 1).font = Font(bold=True, size=14)
        elif kind == "heading":
            sheet.cell(r, 1).font = Font(bold=True, size=12)
        elif kind == "step":
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
            sheet.cell(r, 1).alignment = wrap
            sheet.row_dimensions[r].height = 15 * (1 + len(values[0]) // 110)
        elif kind == "row":
            sheet.cell(r, 1).font = Font(bold=True)
            sheet.cell(r, 1).fill = head
            sheet.cell(r, 2).alignment = wrap


def write_field_check(
    path: str | Path,
    villages: pd.DataFrame,
    *,
    province: str,
    lang: str = "vi",
    operators: Sequence[str] = (),
    validity_days: float | None = None,
    stamp: RunStamp | None = None,
) -> Path:
    """Write the field-check form of ``villages`` (a village table with statuses), atomically.

    Parameters
    ----------
    path
        Destination ``.xlsx``.
    villages
        The province's villages (:attr:`coverage_gaps.pipeline.AreaResult.villages`); the
        form lists its dead zones and partials.
    province
        The province's name, for the title.
    lang
        Language of the notes, context headers, statuses and the instructions.
    operators
        The operators offered in the ``operator`` column.
    validity_days
        How long a check counts (``--field-check-validity``), for the instructions; ``None``:
        the setting's default.
    stamp
        Date and version to stamp (default: now).
    """
    from openpyxl import Workbook

    path = Path(path)
    stamp = stamp or RunStamp.now()
    title = labels.text("field_check_title", lang, province=province)
    workbook = Workbook()
    stamp_properties(workbook, title=title, stamp=stamp, lang=lang)
    author = f"coverage-gaps {stamp.version}"
    _form_sheet(
        workbook,
        field_check_form(villages, lang),
        lang=lang,
        operators=operators,
        author=author,
    )
    if validity_days is None:
        from coverage_gaps.settings import AnalysisOptions, default_of

        validity_days = float(default_of(AnalysisOptions, "field_check_validity_days"))
    _how_to_sheet(workbook, title=title, lang=lang, stamp=stamp, validity_days=validity_days)
    with atomic_path(path) as tmp:
        workbook.save(tmp)
    return path


def write_area_field_check(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>-field-check.xlsx``: the area's gaps as a form for field checks."""
    from coverage_gaps.network import OPERATORS

    named = sorted(set(OPERATORS.values()))
    in_reach = sorted({str(o) for o in result.operators})
    operators = list(dict.fromkeys([*in_reach, *(o for o in named if o not in in_reach)]))
    return [
        write_field_check(
            target.path("-field-check.xlsx"),
            result.villages,
            province=result.name,
            lang=target.lang,
            operators=operators,
            validity_days=target.field_check_validity_days,
            stamp=target.stamp,
        )
    ]
