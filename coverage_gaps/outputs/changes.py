"""The outputs of a comparison of two runs: ``changes.csv``, ``changes.xlsx``, ``changes.html``."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from coverage_gaps.outputs.atomic import atomic_path
from coverage_gaps.outputs.labels import status_label
from coverage_gaps.outputs.tables import write_csv

if TYPE_CHECKING:
    from coverage_gaps.compare import Comparison

__all__ = ["CHANGE_LABELS", "write_comparison"]

#: The changes in words.
CHANGE_LABELS: dict[str, dict[str, str]] = {
    "fixed": {"en": "fixed", "vi": "đã có sóng"},
    "new_gap": {"en": "new gap", "vi": "lõm sóng mới"},
    "worse": {"en": "worse", "vi": "xấu đi"},
    "better": {"en": "better", "vi": "tốt lên"},
    "unchanged": {"en": "unchanged", "vi": "không đổi"},
    "added": {"en": "added", "vi": "mới có trong dữ liệu"},
    "removed": {"en": "removed", "vi": "không còn trong dữ liệu"},
}


def _xlsx(comparison: Comparison, path: Path, lang: str) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    for sheet, frame in (
        (book.active, comparison.villages),
        (book.create_sheet(), comparison.provinces),
    ):
        assert sheet is not None
        sheet.title = "villages" if frame is comparison.villages else "provinces"
        sheet.append(list(frame.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            values: list[object] = []
            for value in row:
                if value is None or (isinstance(value, float) and value != value):
                    values.append(None)
                else:
                    values.append(value.item() if hasattr(value, "item") else value)
            sheet.append(values)
        for cell in sheet.iter_rows(min_row=2):
            for c in cell:
                if isinstance(c.value, str):
                    c.data_type = "s"  # text stays text, never a formula
                    c.number_format = "@"
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for i, name in enumerate(frame.columns, start=1):
            width = max([len(str(name))] + [len(str(v)) for v in frame[name].head(500)])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
    with atomic_path(path) as tmp:
        book.save(tmp)
    return path


def _html(comparison: Comparison, path: Path, lang: str, old: str, new: str) -> Path:
    def cell(v: object) -> str:
        return "" if v is None or (isinstance(v, float) and v != v) else html.escape(str(v))

    rows = "".join(
        "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>"
        for r in comparison.provinces.itertuples(index=False)
    )
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in comparison.provinces.columns)
    changed = comparison.villages.loc[comparison.villages["change"] != "unchanged"]
    key = lang if lang in ("vi", "en") else "en"
    vrows = "".join(
        f"<tr><td>{cell(r.province)}</td><td>{cell(r.village_id)}</td><td>{cell(r.village_name)}"
        f"</td><td>{cell(status_label(str(r.old_status), lang))}</td>"
        f"<td>{cell(status_label(str(r.new_status), lang))}</td>"
        f"<td>{cell(CHANGE_LABELS[str(r.change)][key])}</td></tr>"
        for r in changed.itertuples(index=False)
    )
    title = "Thay đổi giữa hai lần phân tích" if lang == "vi" else "Changes between two runs"
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in comparison.notes)
    from coverage_gaps.outputs.stamp import RunStamp

    made = RunStamp.now().text(lang)  # "Tạo bởi coverage-gaps 0.2.0 ngày 2026-12-01"
    style = (
        "body{font:14px sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px}th{background:#eee}"
    )
    changed_title = "Thôn có thay đổi" if lang == "vi" else "Villages that changed"
    page = f"""<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">
<title>{title}</title><style>{style}</style></head><body>
<h1>{title}</h1><p>{html.escape(old)} → {html.escape(new)}</p>
<p>{html.escape(made)}</p>{notes}
<table><tr>{head}</tr>{rows}</table><h2>{changed_title}</h2>
<table><tr><th>province</th><th>village_id</th><th>village</th><th>old</th><th>new</th><th>change</th></tr>
{vrows}</table></body></html>
"""
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path


def write_comparison(
    comparison: Comparison, folder: Path, *, lang: str = "vi", old: str = "", new: str = ""
) -> list[Path]:
    """``changes.csv`` (per village), ``changes-provinces.csv`` (the totals),
    ``changes.xlsx`` (both sheets) and ``changes.html`` (a page) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_csv(comparison.villages, folder / "changes.csv"),
        write_csv(comparison.provinces, folder / "changes-provinces.csv"),
        _xlsx(comparison, folder / "changes.xlsx", lang),
        _html(comparison, folder / "changes.html", lang, old, new),
    ]
