"""The outputs of a comparison of two runs: ``changes.csv``, ``changes-provinces.csv``,
``changes.xlsx`` and ``changes.html``.

The CSVs keep the machine names and values; the workbook and the page are in the reader's
language and call the run's features what they are (villages or communes, as the new run
recorded them)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from coverage_gaps.outputs import labels
from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.tables import write_csv

if TYPE_CHECKING:
    from coverage_gaps.compare import Comparison

__all__ = ["CHANGE_LABELS", "reader_changes", "write_comparison"]

#: The changes in words (one source: :data:`coverage_gaps.outputs.labels.CHANGE_LABELS`).
CHANGE_LABELS = labels.CHANGE_LABELS
#: The columns of the page's table of changed villages.
_PAGE_COLUMNS = ("province", "village_id", "village_name", "old_status", "new_status", "change")


def reader_changes(villages: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The per-village changes as people read them: statuses and changes in words of
    ``lang``; ``(all)`` as "all provinces" (column names stay machine names)."""
    out = villages.copy()
    for col in ("old_status", "new_status"):
        if col in out:
            out[col] = [
                labels.status_label(s, lang) if isinstance(s, str) and s else None
                for s in out[col].astype(object)
            ]
    if "change" in out:
        out["change"] = [labels.change_label(str(c), lang) for c in out["change"]]
    if "province" in out:
        out["province"] = [
            labels.text("all_provinces", lang) if p == "(all)" else p for p in out["province"]
        ]
    return out


def _xlsx(comparison: Comparison, path: Path, lang: str) -> Path:
    from coverage_gaps.outputs.workbooks import write_workbook

    return write_workbook(
        path,
        reader_changes(comparison.villages, lang),
        sheet=labels.text("sheet_changes", lang),
        title=labels.text("changes_title", lang),
        lang=lang,
        statuses=False,
        more=[
            (
                labels.text("sheet_change_totals", lang),
                reader_changes(comparison.provinces, lang),
            )
        ],
    )


def _html(comparison: Comparison, path: Path, lang: str, old: str, new: str) -> Path:
    from coverage_gaps.outputs.stamp import RunStamp

    def cell(v: object) -> str:
        return "" if v is None or (isinstance(v, float) and v != v) else html.escape(str(v))

    def table(frame: pd.DataFrame) -> str:
        head = "".join(f"<th>{html.escape(labels.column_label(str(c), lang))}</th>" for c in frame)
        rows = "".join(
            "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>"
            for r in frame.itertuples(index=False)
        )
        return f"<table><tr>{head}</tr>{rows}</table>"

    provinces = reader_changes(comparison.provinces, lang)
    changed = comparison.villages.loc[comparison.villages["change"] != "unchanged"]
    villages = reader_changes(changed[list(_PAGE_COLUMNS)], lang)
    title = html.escape(labels.text("changes_title", lang))
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in comparison.notes)
    made = RunStamp.now().text(lang)  # "Tạo bởi coverage-gaps 0.2.0 ngày 2026-12-01"
    style = (
        "body{font:14px sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px}th{background:#eee}"
    )
    listed = table(villages) if len(villages) else f"<p>{labels.text('changes_none', lang)}</p>"
    page = f"""<!doctype html><html lang="{html.escape(str(lang))}"><head><meta charset="utf-8">
<title>{title}</title><style>{style}</style></head><body>
<h1>{title}</h1><p>{html.escape(old)} → {html.escape(new)}</p>
<p>{html.escape(made)}</p>{notes}
{table(provinces)}<h2>{html.escape(labels.text("changes_changed", lang))}</h2>
{listed}</body></html>
"""
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path


def write_comparison(
    comparison: Comparison, folder: Path, *, lang: str = "vi", old: str = "", new: str = ""
) -> list[Path]:
    """``changes.csv`` (per village), ``changes-provinces.csv`` (the totals),
    ``changes.xlsx`` (both sheets, and what their columns mean) and ``changes.html`` (a page)
    in ``folder``, the last two in ``lang`` and worded for the comparison's unit."""
    folder.mkdir(parents=True, exist_ok=True)
    words = labels.wording(lang, comparison.unit)
    return [
        write_csv(comparison.villages, folder / "changes.csv"),
        write_csv(comparison.provinces, folder / "changes-provinces.csv"),
        _xlsx(comparison, folder / "changes.xlsx", words),
        _html(comparison, folder / "changes.html", words, old, new),
    ]
