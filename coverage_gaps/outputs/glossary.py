"""The glossary of a run's output folder: every column, status and reason in both languages.

``glossary.csv`` (and, when workbooks are written, ``glossary.xlsx``) tells a reader of any file
of the folder what a column holds: its name in the CSVs and layers (``uncovered_population``),
its header in English and in Vietnamese (as the workbooks, maps and report show it), the files
that have it, and what it means in both languages.  Statuses and reasons follow, with the run's
thresholds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from coverage_gaps.io.field_checks import FIELD_CHECK_COLUMNS
from coverage_gaps.outputs import labels
from coverage_gaps.outputs.geopackage import DEAD_ZONE_COLUMNS, SITE_COLUMNS
from coverage_gaps.outputs.summary import SUMMARY_COLUMNS
from coverage_gaps.outputs.tables import VILLAGE_COLUMNS, write_csv
from coverage_gaps.settings import OutputOptions, StatusThresholds, default_of

if TYPE_CHECKING:
    from coverage_gaps.outputs import RunRecord

__all__ = ["GLOSSARY_COLUMNS", "SOURCES", "glossary_table", "write_glossary"]

#: Columns of ``glossary.csv``.
GLOSSARY_COLUMNS: tuple[str, ...] = (
    "name",
    "kind",
    "files",
    "header_en",
    "header_vi",
    "meaning_en",
    "meaning_vi",
)

#: Which files hold which columns: (output kind, files or layers, layer key, columns).  The
#: layer key picks a layer's own meaning of a column (:data:`labels.LAYER_COLUMNS`).
SOURCES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("csv", "<province>-villages.csv, <province>-to-fix.csv", "villages", VILLAGE_COLUMNS),
    ("xlsx", "<province>-villages.xlsx, <province>-to-fix.xlsx", "villages", VILLAGE_COLUMNS),
    ("gpkg", "<province>.gpkg: villages", "villages", VILLAGE_COLUMNS),
    ("gpkg", "<province>.gpkg: sites", "sites", SITE_COLUMNS),
    ("gpkg", "<province>.gpkg: dead_zones", "dead_zones", DEAD_ZONE_COLUMNS),
    ("kmz", "<province>.kmz", "villages", VILLAGE_COLUMNS),
    ("field-check", "<province>-field-check.xlsx", "field_check", FIELD_CHECK_COLUMNS),
    ("summary", "summary.csv", "summary", SUMMARY_COLUMNS),
)


def glossary_table(
    kinds: Iterable[str] | None = None, *, thresholds: StatusThresholds | None = None
) -> pd.DataFrame:
    """The glossary rows: one per column meaning (with the files that have it), then the
    statuses and the reasons.

    Parameters
    ----------
    kinds
        The output kinds written (default: the default outputs); ``summary.csv`` is always
        listed.
    thresholds
        The run's status thresholds, for the statuses' meanings.
    """
    chosen = set(default_of(OutputOptions, "kinds") if kinds is None else kinds) | {"summary"}
    th = thresholds or StatusThresholds()
    columns: dict[tuple[str, labels.Column | None], list[str]] = {}
    for kind, files, layer, names in SOURCES:
        if kind not in chosen:
            continue
        for name in names:
            entry = labels.LAYER_COLUMNS.get((layer, name), labels.COLUMNS.get(name))
            columns.setdefault((name, entry), []).append(files)
    files_of = {
        name: "; ".join(dict.fromkeys(where))
        for (name, _), where in columns.items()
        if name in ("status", "reason")
    }
    rows: list[dict[str, Any]] = []
    for (name, entry), where in columns.items():
        rows.append(
            {
                "name": name,
                "kind": "column",
                "files": "; ".join(dict.fromkeys(where)),
                "header_en": entry.en if entry else name,
                "header_vi": entry.vi if entry else name,
                "meaning_en": entry.en_help if entry else "",
                "meaning_vi": entry.vi_help if entry else "",
            }
        )
    for status in labels.STATUSES:
        rows.append(
            {
                "name": status,
                "kind": "status",
                "files": files_of.get("status", ""),
                "header_en": labels.status_label(status, "en"),
                "header_vi": labels.status_label(status, "vi"),
                "meaning_en": labels.status_meaning(
                    status, "en", dead=th.dead_zone, covered=th.covered
                ),
                "meaning_vi": labels.status_meaning(
                    status, "vi", dead=th.dead_zone, covered=th.covered
                ),
            }
        )
    for reason in labels.REASONS:
        rows.append(
            {
                "name": reason,
                "kind": "reason",
                "files": files_of.get("reason", ""),
                "header_en": labels.reason_label(reason, "en"),
                "header_vi": labels.reason_label(reason, "vi"),
                "meaning_en": labels.reason_meaning(reason, "en"),
                "meaning_vi": labels.reason_meaning(reason, "vi"),
            }
        )
    return pd.DataFrame(rows, columns=list(GLOSSARY_COLUMNS))


def _settings_kinds(settings: Mapping[str, Any]) -> tuple[str, ...] | None:
    kinds = settings.get("outputs", {}).get("kinds")
    return tuple(kinds) if kinds else None


def _settings_thresholds(settings: Mapping[str, Any]) -> StatusThresholds | None:
    values = settings.get("analysis", {}).get("thresholds")
    return StatusThresholds(**values) if values else None


#: The glossary workbook's headers: both languages.
_BILINGUAL = {
    c: f"{labels.text(key, 'vi')} / {labels.text(key, 'en')}"
    for c, key in (("name", "machine_name"), ("kind", "kind"), ("files", "files"))
} | {
    "header_en": "Tiêu đề tiếng Anh / English header",
    "header_vi": "Tiêu đề tiếng Việt / Vietnamese header",
    "meaning_en": "Ý nghĩa (tiếng Anh) / Meaning (English)",
    "meaning_vi": "Ý nghĩa (tiếng Việt) / Meaning (Vietnamese)",
}


def write_glossary(run: RunRecord) -> list[Path]:
    """``glossary.csv`` in the run's folder, and ``glossary.xlsx`` when the run writes
    workbooks."""
    from coverage_gaps.outputs.workbooks import write_workbook

    kinds = _settings_kinds(run.settings)
    table = glossary_table(kinds, thresholds=_settings_thresholds(run.settings))
    written = [write_csv(table, run.folder / "glossary.csv")]
    if "xlsx" in (kinds or default_of(OutputOptions, "kinds")):
        shown = table.copy()
        shown["kind"] = [
            f"{labels.text('kind_' + k, 'vi')} / {labels.text('kind_' + k, 'en')}"
            for k in table["kind"]
        ]
        sheet, title = (
            f"{labels.text(key, 'vi')}{sep}{labels.text(key, 'en')}"
            for key, sep in (("sheet_glossary", " - "), ("glossary_title", " / "))
        )
        written.append(
            write_workbook(
                run.folder / "glossary.xlsx",
                shown,
                sheet=sheet,
                title=title,
                lang="vi",
                explain=False,
                headers=_BILINGUAL,
                stamp=run.stamp,
            )
        )
    return written
