"""Officials' field checks: what people found when they went to the villages.

A field-check file (CSV, or the ``<province>-field-check.xlsx`` workbook a run writes, filled in
and passed back as it is) has the columns::

    village_id, observed, date, checked_by, note      (and, optionally, operator, technology)

``observed`` is ``signal``, ``no_signal`` or ``no_power``; ``date`` is an ISO date
(``2025-03-14``) or a spreadsheet date.  Other columns are ignored (the workbook's context
columns), and so are rows with nothing but a village id (villages of the form not visited).
A check overrides the modelled status of its village
(:func:`coverage_gaps.gaps.apply_field_checks`).  Checks older than the validity period at the
as-of date are ignored and counted; when a village has several checks the latest wins and the
disagreement is noted; unknown ids and bad rows are reported with their line numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from coverage_gaps.errors import BadRowsError, ColumnError, CoverageGapsWarning, InputError
from coverage_gaps.io.towers import describe_bad_rows
from coverage_gaps.names import listing

__all__ = [
    "FIELD_CHECK_COLUMNS",
    "OBSERVED",
    "FieldCheckReport",
    "read_field_checks",
]

#: The columns of a field-check file, the required ones first.
FIELD_CHECK_COLUMNS: tuple[str, ...] = (
    "village_id",
    "observed",
    "date",
    "checked_by",
    "note",
    "operator",
    "technology",
)
_REQUIRED = ("village_id", "observed", "date")
#: What a check may have found.
OBSERVED: tuple[str, ...] = ("signal", "no_signal", "no_power")


@dataclass
class FieldCheckReport:
    """What reading a field-check file found."""

    path: Path
    rows: int = 0
    used: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    unknown_ids: list[tuple[int, str]] = field(default_factory=list)
    expired: int = 0
    superseded: int = 0
    unfilled: int = 0
    disagreements: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        """Lines for the run's notes."""
        out = [
            f"{self.path.name}: {self.rows:,} field checks read; {self.used:,} used, "
            f"{self.expired:,} older than the validity period, {self.superseded:,} superseded by "
            f"a later check of the same village, {len(self.unknown_ids):,} of unknown villages, "
            f"{len(self.bad):,} bad"
            + (f"; {self.unfilled:,} villages of the form not filled in" if self.unfilled else "")
        ]
        if self.disagreements:
            out.append(
                f"{self.path.name}: checks of {len(self.disagreements):,} villages disagree "
                f"({listing(self.disagreements)}); the latest check of each counts"
            )
        return out


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_table(path: Path) -> tuple[list[str], list[list[Any]], int]:
    """Header, rows and the line (row) number of the first data row."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        try:
            from openpyxl import load_workbook
        except ImportError:  # pragma: no cover - openpyxl is a dependency
            raise InputError(path, "reading .xlsx needs openpyxl: pip install openpyxl") from None
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for unreadable files
            raise InputError(path, f"cannot be read as an Excel workbook ({exc})") from None
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        book.close()
        if not rows:
            raise InputError(path, "the first sheet is empty; expected a header row")
        return [_text(h) for h in rows[0]], rows[1:], 2
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False
        )
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            path, f"cannot be read as a UTF-8 CSV ({exc}); save it as CSV UTF-8 or give the .xlsx"
        ) from None
    return list(frame.columns), frame.to_numpy().tolist(), 2


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def read_field_checks(
    path: str | Path,
    *,
    as_of: date,
    validity_days: float = 365.0,
    known_ids: Collection[str] | None = None,
    bad_rows: str = "skip",
) -> tuple[pd.DataFrame, FieldCheckReport]:
    """The valid, current field checks of ``path``, the latest per village.

    Parameters
    ----------
    path
        CSV (UTF-8) or ``.xlsx`` with the columns of :data:`FIELD_CHECK_COLUMNS`.
    as_of
        The date the run looks at the network: checks after it are not yet made, checks
        older than ``validity_days`` before it no longer count.
    validity_days
        How long a check counts (the US FCC keeps speed-test evidence for a year).
    known_ids
        The run's village ids: checks of other villages are reported and left out.
    bad_rows
        ``"skip"`` warns and goes on; ``"fail"`` raises at the first bad row.

    Returns
    -------
    checks, report
        ``checks`` indexed by ``village_id`` with ``observed``, ``date`` (ISO text),
        ``checked_by``, ``note``, ``operator``, ``technology`` and ``line``; ``report`` counts
        what was read, used, expired, superseded, unknown and bad.

    Raises
    ------
    InputError, ColumnError, BadRowsError
        The file is missing or unreadable, lacks a required column, or has a bad row with
        ``bad_rows="fail"``.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file; check the --field-checks path")
    header, rows, first_line = _read_table(path)
    lower = [h.strip().lower() for h in header]
    missing = [c for c in _REQUIRED if c not in lower]
    if missing:
        raise ColumnError(
            path,
            f"has no column {', '.join(map(repr, missing))}; a field-check file needs "
            f"{', '.join(_REQUIRED)} (and may have checked_by, note, operator, technology); "
            f"its columns are {', '.join(map(repr, header))}",
        )
    col = {c: lower.index(c) for c in FIELD_CHECK_COLUMNS if c in lower}
    report = FieldCheckReport(path=path)
    known = None if known_ids is None else set(map(str, known_ids))
    kept: list[dict[str, Any]] = []
    oldest = as_of - timedelta(days=validity_days)
    for n, row in enumerate(rows):
        line = first_line + n
        cells = {c: (row[i] if i < len(row) else None) for c, i in col.items()}
        if all(_text(v) == "" for c, v in cells.items() if c != "village_id"):
            # A blank row, or a row of the form (<province>-field-check.xlsx) whose village
            # was not visited: only its id is there.
            report.unfilled += int(_text(cells["village_id"]) != "")
            continue
        report.rows += 1
        vid = _text(cells["village_id"])
        observed = _text(cells["observed"]).lower().replace(" ", "_").replace("-", "_")
        when = _parse_date(cells["date"])
        why = None
        if not vid:
            why = "column 'village_id' is empty"
        elif observed not in OBSERVED:
            shown = _text(cells["observed"])[:40]
            why = f"column 'observed': {shown!r} is not one of {', '.join(OBSERVED)}"
        elif when is None:
            why = f"column 'date': {_text(cells['date'])[:40]!r} is not a date (YYYY-MM-DD)"
        elif when > as_of:
            why = (
                f"column 'date': {when.isoformat()} is after the run's as-of date "
                f"{as_of.isoformat()}"
            )
        if why is not None:
            if bad_rows == "fail":
                raise BadRowsError(path, f"line {line}: {why} (use --bad-rows skip to skip it)")
            report.bad.append((line, why))
            continue
        assert when is not None
        if known is not None and vid not in known:
            report.unknown_ids.append((line, vid))
            continue
        if when < oldest:
            report.expired += 1
            continue
        kept.append(
            {
                "village_id": vid,
                "observed": observed,
                "date": when.isoformat(),
                "checked_by": _text(cells.get("checked_by")),
                "note": _text(cells.get("note")),
                "operator": _text(cells.get("operator")),
                "technology": _text(cells.get("technology")),
                "line": line,
            }
        )
    frame = pd.DataFrame(kept, columns=[*FIELD_CHECK_COLUMNS, "line"])
    if len(frame):
        frame = frame.sort_values(["village_id", "date", "line"], kind="mergesort")
        differing = frame.groupby("village_id")["observed"].nunique()
        report.disagreements = sorted(differing.index[differing > 1].astype(str))
        latest = frame.drop_duplicates("village_id", keep="last")
        report.superseded = len(frame) - len(latest)
        frame = latest
    report.used = len(frame)
    if report.bad:
        shown = describe_bad_rows(report.bad, len(report.bad))
        warnings.warn(
            f"{path}: skipped {len(report.bad)} of {report.rows} field checks:\n{shown}",
            CoverageGapsWarning,
            stacklevel=2,
        )
    if report.unknown_ids:
        shown = ", ".join(f"{v!r} (line {ln})" for ln, v in report.unknown_ids[:10])
        more = " ..." if len(report.unknown_ids) > 10 else ""
        warnings.warn(
            f"{path}: {len(report.unknown_ids)} field checks name villages that are not in the "
            f"villages layer: {shown}{more}",
            CoverageGapsWarning,
            stacklevel=2,
        )
    return frame.set_index("village_id"), report
