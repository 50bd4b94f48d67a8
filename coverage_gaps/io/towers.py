"""Read OpenCelliD / Mozilla Location Service cell exports.

The format is a CSV of 14 columns, with or without a header line, plain or gzipped::

    radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal

Every row is validated.  A bad row (wrong number of fields, unknown radio, a non-numeric value,
coordinates out of range or at (0, 0)) is counted and reported with its line number; the caller
chooses to skip bad rows (with a warning) or to fail.  A bad row never silently changes a result.
"""

from __future__ import annotations

import gzip
import logging
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from coverage_gaps.errors import BadRowsError, CoverageGapsWarning, InputError
from coverage_gaps.network import RADIOS
from coverage_gaps.settings import TowerOptions

log = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = (
    "radio",
    "mcc",
    "net",
    "area",
    "cell",
    "unit",
    "lon",
    "lat",
    "range",
    "samples",
    "changeable",
    "created",
    "updated",
    "averageSignal",
)
#: Integer columns that every row must have, and those that may be empty.
_REQUIRED_INT = ("mcc", "net", "area", "cell", "created")
_OPTIONAL_INT = ("unit", "range", "samples", "changeable", "updated", "averageSignal")
#: How many bad rows are listed in the message; all are counted.
MAX_REPORTED = 20


@dataclass
class TowerReport:
    """What reading a towers file found."""

    path: Path
    rows: int = 0
    bad_rows: int = 0
    bad_examples: list[tuple[int, str]] = field(default_factory=list)
    dropped_mcc: int = 0
    dropped_samples: int = 0
    dropped_as_of: int = 0

    def describe_bad(self) -> str:
        """The first bad rows, one per line, with their line numbers."""
        lines = [f"  line {line}: {why}" for line, why in self.bad_examples[:MAX_REPORTED]]
        if self.bad_rows > MAX_REPORTED:
            lines.append(f"  ... and {self.bad_rows - MAX_REPORTED} more")
        return "\n".join(lines)


def _open_text_source(path: Path) -> tuple[object, bool]:
    """A readable binary stream of ``path`` (gunzipped when it is gzip) and whether the first
    line is a header."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(2)
    except FileNotFoundError:
        raise InputError(path, "no such file; check the --towers path") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})") from None
    is_gzip = magic == b"\x1f\x8b"
    opener = gzip.open if is_gzip else open
    try:
        with opener(path, "rb") as fh:
            first = fh.readline(4096)
    except (OSError, EOFError) as exc:
        raise InputError(
            path, f"is not a readable {'gzip ' if is_gzip else ''}CSV ({exc})"
        ) from None
    first_field = first.split(b",", 1)[0].strip().strip(b'"').lower()
    has_header = first_field == b"radio"
    if has_header:
        names = [f.strip().strip(b'"').decode("utf-8", "replace") for f in first.split(b",")]
        names[-1] = names[-1].rstrip("\r\n")
        if [n.lower() for n in names] != [c.lower() for c in COLUMNS]:
            raise InputError(
                path,
                f"header has columns {names}; expected the 14 OpenCelliD columns "
                f"{','.join(COLUMNS)}",
            )
    return opener(path, "rb"), has_header


def read_towers(
    path: str | Path, *, options: TowerOptions | None = None
) -> tuple[pd.DataFrame, TowerReport]:
    """Read an OpenCelliD/MLS cell export into a DataFrame of valid, filtered cells.

    Parameters
    ----------
    path
        CSV file, plain or gzip-compressed (detected from its content), with or without header.
    options
        Filters (MCC, minimum samples, as-of date) and what to do with bad rows.

    Returns
    -------
    cells, report
        ``cells`` has the 14 columns (``averageSignal`` as ``average_signal``) with numeric types,
        ``radio`` upper-case, and ``line``, the 1-based line number in the file.
        ``report`` counts rows read, bad and filtered.

    Raises
    ------
    InputError
        The file is missing, not a CSV of this format, or ``bad_rows="fail"`` and a row is bad.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = options or TowerOptions()
    path = Path(path)
    report = TowerReport(path=path)
    source, has_header = _open_text_source(path)

    invalid: list[tuple[int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        number = row.number if row.number is not None else -1
        text = (row.text or "")[:60]
        invalid.append((number, f"{row.actual_columns} fields, expected 14 ({text!r})"))
        return "skip"

    try:
        with source as fh:  # type: ignore[attr-defined]
            table = pacsv.read_csv(
                fh,
                read_options=pacsv.ReadOptions(
                    column_names=list(COLUMNS),
                    skip_rows=1 if has_header else 0,
                    use_threads=False,
                    block_size=1 << 24,
                ),
                parse_options=pacsv.ParseOptions(
                    invalid_row_handler=on_invalid, ignore_empty_lines=False
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in COLUMNS},
                    strings_can_be_null=False,
                ),
            )
    except (pa.ArrowInvalid, OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(path, f"is not a readable OpenCelliD CSV ({exc})") from None

    raw = table.to_pandas()
    first_line = 2 if has_header else 1
    n_lines = len(raw) + len(invalid)
    all_lines = np.arange(first_line, first_line + n_lines, dtype=np.int64)
    bad_invalid = np.array([n for n, _ in invalid], dtype=np.int64)
    raw["line"] = np.setdiff1d(all_lines, bad_invalid, assume_unique=True)

    # Blank lines are not rows.
    blank = (raw[list(COLUMNS)] == "").all(axis=1)
    raw = raw.loc[~blank].reset_index(drop=True)
    report.rows = len(raw) + len(invalid)

    cells, problems = _validate(raw)
    all_problems = sorted(invalid + problems)
    report.bad_rows = len(all_problems)
    report.bad_examples = all_problems[:MAX_REPORTED]
    if all_problems:
        message = (
            f"{report.bad_rows} of {report.rows} rows are not valid OpenCelliD rows:\n"
            + report.describe_bad()
        )
        if options.bad_rows == "fail":
            raise BadRowsError(path, message + "\n(use --bad-rows skip to skip them)")
        warnings.warn(f"{path}: skipped {message}", CoverageGapsWarning, stacklevel=2)

    cells = _filter(cells, options, report)
    log.info(
        "%s: %d rows, %d bad, %d cells kept", path.name, report.rows, report.bad_rows, len(cells)
    )
    return cells, report


def _parse_number(values: pd.Series, *, integer: bool) -> np.ndarray | None:
    """``pd.to_numeric(values.str.strip(), errors="coerce")`` as a float/int array, the fast way:
    an Arrow cast of the whole column.  ``None`` when any value is neither empty nor a plain
    number (the caller then takes the slow, row-by-row path, which finds the bad rows).

    Only ASCII whitespace is trimmed here (a subset of what ``str.strip`` removes), so a value
    with other whitespace fails the cast and goes the slow way: the results never differ.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(values.array, type=pa.string())
        trimmed = pc.ascii_trim_whitespace(arr)
        nulled = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
        num = pc.cast(nulled, pa.int64() if integer else pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, TypeError):
        return None
    if num.null_count:
        return num.to_numpy(zero_copy_only=False).astype("f8")  # as to_numeric: NaN for empty
    return num.to_numpy(zero_copy_only=False)


def _validate(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Convert the string columns and find the bad rows; returns the good rows typed."""
    n = len(raw)
    reason = np.full(n, "", dtype=object)
    flagged = np.zeros(n, dtype=bool)

    def flag(mask: np.ndarray, message: str, col: str | None = None) -> None:
        """Give the rows of ``mask`` not yet flagged a reason; ``message`` is a format with
        ``{value}`` (the raw text of ``col``, as ``repr``) when ``col`` is given."""
        fresh = mask & ~flagged
        if not fresh.any():
            return
        flagged[fresh] = True
        if col is None:
            reason[fresh] = message
        else:
            idx = np.flatnonzero(fresh)
            texts = raw[col].to_numpy(dtype=object)[idx]
            reason[idx] = [message.format(value=repr(t)) for t in texts]

    radio = raw["radio"].str.strip().str.upper()
    flag(
        ~radio.isin(RADIOS).to_numpy(),
        "column 'radio': {value}" + f" is not one of {', '.join(RADIOS)}",
        "radio",
    )
    out = pd.DataFrame({"radio": radio, "line": raw["line"].to_numpy()})
    for col in _REQUIRED_INT + _OPTIONAL_INT:
        fast = _parse_number(raw[col], integer=True)
        if fast is not None:
            # Every value is empty or an integer.
            not_int = np.isnan(fast) if fast.dtype.kind == "f" else np.zeros(n, dtype=bool)
            empty = not_int
            num: pd.Series | np.ndarray = fast
        else:
            text = raw[col].str.strip()
            empty = (text == "").to_numpy()
            num = pd.to_numeric(text, errors="coerce")
            not_int = num.isna().to_numpy().copy()
            as_float = num.to_numpy(dtype="f8", na_value=np.nan)
            if col != "range":  # some exports write the range estimate with decimals
                not_int |= as_float % 1 != 0
                # Beyond int64 (e.g. 99999999999999999999) is not an integer we can keep.
                not_int |= np.abs(as_float) >= 2.0**63
        message = f"column {col!r}: " + "{value} is not an integer"
        if col in _REQUIRED_INT:
            flag(not_int, message, col)
        else:
            flag(not_int & ~empty, message, col)
        out[col] = num
    for col, lo, hi, what in (("lon", -180, 180, "longitude"), ("lat", -90, 90, "latitude")):
        vals = _parse_number(raw[col], integer=False)
        if vals is None:
            num = pd.to_numeric(raw[col].str.strip(), errors="coerce")
            vals = num.to_numpy(dtype="f8", na_value=np.nan)
        bad = ~np.isfinite(vals) | (vals < lo) | (vals > hi)
        flag(bad, f"column {col!r}: " + "{value}" + f" is not a {what} in [{lo}, {hi}]", col)
        out[col] = vals
    flag(((out["lon"] == 0) & (out["lat"] == 0)).to_numpy(), "lon/lat is (0, 0), a null position")
    flag((out["mcc"] < 1).to_numpy() | (out["mcc"] > 999).to_numpy(), "column 'mcc' out of 1-999")
    flag((out["cell"] < 0).to_numpy(), "column 'cell' is negative")
    flag((out["range"] < 0).to_numpy(), "column 'range' is negative")
    flag((out["samples"] < 0).to_numpy(), "column 'samples' is negative")

    bad = flagged
    problems = list(zip(raw["line"].to_numpy()[bad].tolist(), reason[bad].tolist(), strict=True))
    good = out.loc[~bad].reset_index(drop=True)
    for col in ("mcc", "net", "area", "created"):
        good[col] = good[col].astype("int64")
    good["cell"] = good["cell"].astype("int64")
    good["samples"] = good["samples"].fillna(0).astype("int64")
    good["range"] = good["range"].astype("float64")
    good["updated"] = good["updated"].astype("Int64")
    good["unit"] = good["unit"].astype("Int64")
    good["changeable"] = good["changeable"].astype("Int64")
    good = good.rename(columns={"averageSignal": "average_signal"})
    good["average_signal"] = good["average_signal"].astype("Int64")
    return good, problems


def _filter(cells: pd.DataFrame, options: TowerOptions, report: TowerReport) -> pd.DataFrame:
    keep = np.ones(len(cells), dtype=bool)
    if options.mcc:
        m = cells["mcc"].isin(options.mcc).to_numpy()
        report.dropped_mcc = int((~m).sum())
        keep &= m
    if options.min_samples > 1:
        m = (cells["samples"] >= options.min_samples).to_numpy()
        report.dropped_samples = int((keep & ~m).sum())
        keep &= m
    if options.as_of:
        cutoff = as_of_timestamp(options.as_of)
        m = (cells["created"] <= cutoff).to_numpy()
        report.dropped_as_of = int((keep & ~m).sum())
        keep &= m
    return cells.loc[keep].reset_index(drop=True)


def as_of_timestamp(as_of: str | date) -> int:
    """Last Unix second of the UTC day ``as_of`` (a date or ``YYYY-MM-DD``)."""
    if isinstance(as_of, str):
        try:
            as_of = date.fromisoformat(as_of)
        except ValueError:
            raise ValueError(f"{as_of!r} is not a date of the form YYYY-MM-DD") from None
    day = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    return int(day.timestamp()) + 86_399
