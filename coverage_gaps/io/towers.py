"""Read OpenCelliD / Mozilla Location Service cell exports, in blocks.

The format is a CSV of 14 columns, with or without a header line, plain or gzipped (told from
the content, not the name)::

    radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal

The file is streamed: it is decompressed in a background thread and parsed block by block
(8 MiB of text at a time) by a numba kernel that splits rows and fields and converts the
numbers in one pass; each block is validated and filtered and only the cells kept stay in
memory, so that the whole OpenCelliD world file (40-50 million rows) can be read for one
country in a few hundred megabytes.

Rows and lines
--------------
Lines end with ``\\n``, ``\\r\\n`` or ``\\r``.  A field may be quoted (``"452"``), and a quoted
field may hold line ends: line numbers count physical lines, so they stay right after such a
field.  A UTF-8 byte-order mark before the first line is skipped.  Blank lines are not rows.
The first row is the header when its first field is ``radio`` (any case); its 14 names must be
the OpenCelliD ones.  A copy of the header later in the file (two exports concatenated) is
skipped and counted.  A quoted field must close within :data:`MAX_ROW_BYTES` of the row's
start, and no line may be longer than that: otherwise the row is bad (an unclosed quote would
swallow the rest of the file) and reading goes on at the next line.  (A stray quote does pair
with the next quote within that distance, if there is one, as CSV allows: OpenCelliD exports
have no quotes at all, so this only happens in files that were edited by hand.)

Validation
----------
Every row is checked; the first problem of a row, in column order, is reported with its line
number, column and value (values longer than 40 characters are shortened).  A row is bad when

- it has other than 14 fields (the message says when the line would split into 14 fields at
  ``;`` or tabs: a spreadsheet's export);
- ``radio`` is not one of :data:`~coverage_gaps.network.RADIOS`;
- ``mcc``, ``net``, ``area``, ``cell``, ``lon``, ``lat`` or ``created`` is empty;
- an integer column is not an integer (``5`` and ``5.0`` are; ``5.5``, ``1e3``, ``abc`` are
  not), a number column (``lon``, ``lat``, ``range``) is not a decimal number (``inf``,
  ``nan`` and ``0x10`` are not), or a value holds bytes that are not text (one undecodable
  byte makes its row bad, not the file);
- a value is out of its range (:data:`LIMITS`): ``lon``/``lat`` outside the globe or at
  (0, 0), ``range`` negative or over 1,000 km, ``mcc`` outside 1-999, ``net`` outside 0-999
  (0-32767 for CDMA), ``area``/``cell`` negative or wider than 32/36 bits, ``samples``
  negative, ``changeable`` neither 0 nor 1, ``created``/``updated`` not a time from 1970 to
  2100.  ``unit`` and ``averageSignal`` are only checked to be integers (no step uses them).

``--bad-rows skip`` (the default) counts them, lists the first :data:`MAX_REPORTED` in a
:class:`~coverage_gaps.errors.CoverageGapsWarning` and goes on; ``--bad-rows fail`` stops at
the first bad row with a :class:`~coverage_gaps.errors.BadRowsError`.  A bad row never
silently changes a result.

Timestamps in milliseconds
--------------------------
``created`` and ``updated`` are Unix seconds.  A value of 10^11 or more (the year 5138 in
seconds, 1973 in milliseconds) is taken as milliseconds, as some export tools write them
(``1600000000000`` for September 2020): it is converted to seconds, the rows are counted and a
warning says so.  Values that are still after 2100 then (microseconds) are bad.

Filters and duplicates
----------------------
The valid rows are filtered in this order, each count kept in :class:`TowerReport`: ``--mcc``,
``--min-samples``, ``--as-of`` (created on or before the end of that day) and ``--max-age``
(last seen, ``updated`` or else ``created``, within that long before the as-of date).  Exact
duplicate rows among the cells kept (every one of the 14 values equal: an export concatenated
twice) are then dropped and counted.  A file whose newest observation is more than a year
before the as-of date gets a warning (a Mozilla Location Service export ends in March 2024).

Nothing left is an error: when reading and filtering leave no cell, :func:`read_towers` raises
:class:`~coverage_gaps.errors.SelectionError` naming the filter that emptied the selection and
what the file holds (its MCCs, its dates, what its bad rows look like), so that a run that
found nothing never looks like a run that found gaps everywhere.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import logging
import math
import queue
import re
import threading
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import pandas as pd
from numba import njit
from numpy.typing import ArrayLike

from coverage_gaps.errors import (
    BadRowsError,
    CoverageGapsWarning,
    InputError,
    SelectionError,
    SettingsError,
)
from coverage_gaps.network import RADIOS
from coverage_gaps.settings import TowerOptions, check_whole

__all__ = [
    "BLOCK_SIZE",
    "COLUMNS",
    "LIMITS",
    "MAX_REPORTED",
    "MAX_ROW_BYTES",
    "ROWS_PER_CALL",
    "ProgressCallback",
    "TowerReport",
    "as_of_timestamp",
    "describe_bad_rows",
    "format_duration",
    "parse_duration",
    "read_towers",
    "utc_days",
]

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
#: How many bad rows are listed in a message; all are counted.
MAX_REPORTED = 20


def describe_bad_rows(examples: Sequence[tuple[int, str]], total: int) -> str:
    """The first :data:`MAX_REPORTED` of ``examples`` (line, problem), one per line, and how
    many more of the ``total`` bad rows there are."""
    lines = [f"  line {line}: {why}" for line, why in examples[:MAX_REPORTED]]
    if total > len(lines):
        lines.append(f"  ... and {total - len(lines)} more")
    return "\n".join(lines)


#: The longest a row may be, in bytes (real rows are under 200).
MAX_ROW_BYTES = 1 << 16
#: Bytes of text parsed at a time.
BLOCK_SIZE = 8 << 20
#: Rows the kernel returns at most per call (bounds the memory of a block of short lines).
ROWS_PER_CALL = 1 << 17
#: A ``created``/``updated`` of this or more is in milliseconds (1e11 s is the year 5138).
MS_THRESHOLD = 100_000_000_000
#: The newest observation may be this many days before the as-of date without a warning.
OLD_DATA_DAYS = 365.25
#: A progress callback: called with (rows read, bytes of the file read) after every block.
ProgressCallback = Callable[[int, int], None]

_INT_COLS: tuple[str, ...] = ("mcc", "net", "area", "cell", "unit", "samples", "changeable")
_INT_COLS += ("created", "updated", "averageSignal")
_FLOAT_COLS = ("lon", "lat", "range")
_REQUIRED = frozenset({"radio", "mcc", "net", "area", "cell", "lon", "lat", "created"})
_KIND = np.array(
    [0 if c == "radio" else 2 if c in _FLOAT_COLS else 1 for c in COLUMNS], dtype=np.int8
)
_SLOT = np.array(
    [
        _FLOAT_COLS.index(c) if c in _FLOAT_COLS else _INT_COLS.index(c) if c in _INT_COLS else 0
        for c in COLUMNS
    ],
    dtype=np.int8,
)
#: Row of each column in the kernel's ``ints`` and ``floats`` arrays.
_I = {c: i for i, c in enumerate(_INT_COLS)}
_F = {c: i for i, c in enumerate(_FLOAT_COLS)}
_REQUIRED_MASK = np.array([c in _REQUIRED for c in COLUMNS], dtype=np.bool_)
_IX = {c: i for i, c in enumerate(COLUMNS)}
#: Radio names the kernel matches (upper case), the header's ``RADIO`` last.
_NAMES = (*RADIOS, "RADIO")
_HEADER = len(RADIOS)
_NAME_BYTES = np.zeros((len(_NAMES), max(map(len, _NAMES))), dtype=np.uint8)
for _k, _name in enumerate(_NAMES):
    _NAME_BYTES[_k, : len(_name)] = np.frombuffer(_name.encode(), dtype=np.uint8)
_NAME_LENS = np.array([len(n) for n in _NAMES], dtype=np.int64)
_POW10 = np.array([float(10**i) for i in range(23)])  # exact doubles

#: Problems a row can have (the codes the kernel and the checks give).
_E_FIELDS, _E_EMPTY, _E_INT, _E_NUMBER, _E_RADIO = 1, 2, 3, 4, 5
_E_QUOTE, _E_LONG, _E_AFTER_QUOTE, _E_RANGE, _E_NULL, _E_HEADER = 6, 7, 8, 9, 10, 11

_CDMA = RADIOS.index("CDMA")
#: The range of each checked column, inclusive, and what a value must be.  ``net`` of CDMA
#: rows (the system id) may go to 32,767.
LIMITS: dict[str, tuple[float, float, str]] = {
    "mcc": (1, 999, "a mobile country code from 1 to 999"),
    "net": (0, 999, "a network code from 0 to 999 (0 to 32,767 for CDMA)"),
    "area": (0, 2**32 - 1, "an area code from 0 to 4,294,967,295 (32 bits)"),
    "cell": (0, 2**36 - 1, "a cell id from 0 to 68,719,476,735 (36 bits)"),
    "lon": (-180, 180, "a longitude in [-180, 180]"),
    "lat": (-90, 90, "a latitude in [-90, 90]"),
    "range": (0, 1_000_000, "a range in metres from 0 to 1,000,000 (1,000 km)"),
    "samples": (0, 2**62, "a number of samples (0 or more)"),
    "changeable": (0, 1, "0 or 1"),
    "created": (0, 4_102_444_800, "a Unix time in seconds from 1970 to 2100"),
    "updated": (0, 4_102_444_800, "a Unix time in seconds from 1970 to 2100"),
}
_CDMA_NET_MAX = 32_767
#: Files that are not text at all, by their first bytes.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive, not a CSV: unzip it first"),
    (b"\xfd7zXZ\x00", "an xz archive, not a CSV: decompress it first (xz -d)"),
    (b"BZh", "a bzip2 archive, not a CSV: decompress it first (bunzip2)"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive, not a CSV: decompress it first (zstd -d)"),
    (b"\xff\xfe", "UTF-16 text: save it as a UTF-8 (or ASCII) CSV"),
    (b"\xfe\xff", "UTF-16 text: save it as a UTF-8 (or ASCII) CSV"),
)
_BOM = b"\xef\xbb\xbf"
#: Bad rows whose text is kept to tell what the rows look like when all are bad.
_DIAGNOSED = 200
_SEPARATORS = ((";", "semicolon"), ("\t", "tab"), ("|", "pipe"))


# -- the report ---------------------------------------------------------------------------------


@dataclass
class TowerReport:
    """What reading a towers file found.

    Attributes
    ----------
    path
        The file.
    rows
        Rows read (header lines and blank lines are not rows).
    bad_rows, bad_examples
        How many rows were bad, and the first :data:`MAX_REPORTED` as (line, problem).
    dropped_mcc, dropped_samples, dropped_as_of, dropped_age
        Valid rows dropped by ``--mcc``, ``--min-samples``, ``--as-of`` and ``--max-age``, in
        that order (a row is counted by the first filter that drops it).
    duplicates
        Exact duplicates of a row kept earlier, dropped.
    kept
        Cells returned.
    repeated_headers
        Header lines after the first row, skipped.
    millisecond_rows
        Rows whose ``created`` or ``updated`` was in milliseconds, converted to seconds.
    mccs
        Valid rows per MCC, most first.
    newest
        The newest observation (``updated``, else ``created``; Unix seconds) of the valid rows
        of the MCCs asked for (of all when ``--mcc`` is not given); ``None`` when none.
    as_of
        The date that ``--max-age`` and the old-data warning count from.
    bytes_read
        Bytes of the file read (compressed when it is gzipped).
    options
        The options the file was read with.
    """

    path: Path
    rows: int = 0
    bad_rows: int = 0
    bad_examples: list[tuple[int, str]] = field(default_factory=list)
    dropped_mcc: int = 0
    dropped_samples: int = 0
    dropped_as_of: int = 0
    dropped_age: int = 0
    duplicates: int = 0
    kept: int = 0
    repeated_headers: int = 0
    millisecond_rows: int = 0
    mccs: dict[int, int] = field(default_factory=dict)
    newest: int | None = None
    as_of: date | None = None
    bytes_read: int = 0
    options: TowerOptions = field(default_factory=TowerOptions)

    def describe_bad(self) -> str:
        """The first bad rows, one per line, with their line numbers."""
        return describe_bad_rows(self.bad_examples, self.bad_rows)

    def filter_steps(self) -> list[tuple[str, int]]:
        """The filters that were asked for, as (option as typed, rows it dropped)."""
        o = self.options
        steps: list[tuple[str, int]] = []
        if o.mcc:
            steps.append(("--mcc " + ",".join(map(str, o.mcc)), self.dropped_mcc))
        if o.min_samples > 1:
            steps.append((f"--min-samples {o.min_samples}", self.dropped_samples))
        if o.as_of is not None:
            steps.append((f"--as-of {o.as_of}", self.dropped_as_of))
        if o.max_age_days is not None:
            steps.append((f"--max-age {format_duration(o.max_age_days)}", self.dropped_age))
        return steps

    def summary_lines(self) -> list[str]:
        """What reading found, for people: the counts of each step in one line, then a line for
        each thing out of the ordinary (repeated headers, timestamps in milliseconds)::

            towers.csv.gz: 1,203,455 rows read; 12 bad; 1,190,001 dropped by --mcc 452;
            3 dropped by --min-samples 2; kept 13,439 cells
        """
        parts = [f"{self.rows:,} rows read", f"{self.bad_rows:,} bad"]
        parts += [f"{n:,} dropped by {flag}" for flag, n in self.filter_steps()]
        if self.duplicates:
            parts.append(f"{self.duplicates:,} exact duplicates dropped")
        parts.append(f"kept {self.kept:,} cells")
        lines = [f"{self.path.name}: " + "; ".join(parts)]
        if self.repeated_headers:
            lines.append(
                f"{self.path.name}: skipped {self.repeated_headers:,} more header "
                f"line{'s' if self.repeated_headers > 1 else ''} in the middle of the file "
                "(exports concatenated?)"
            )
        if self.millisecond_rows:
            lines.append(
                f"{self.path.name}: {_rows(self.millisecond_rows)} had created/updated in "
                "milliseconds, converted to seconds"
            )
        return lines


# -- durations and dates ------------------------------------------------------------------------

_DAYS_PER_UNIT = {"y": 365.25, "m": 365.25 / 12, "w": 7.0, "d": 1.0}
_UNIT_WORDS = {
    "y": "y",
    "yr": "y",
    "yrs": "y",
    "year": "y",
    "years": "y",
    "m": "m",
    "mo": "m",
    "month": "m",
    "months": "m",
    "w": "w",
    "wk": "w",
    "week": "w",
    "weeks": "w",
    "d": "d",
    "day": "d",
    "days": "d",
}
_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)\s*", re.IGNORECASE)


def parse_duration(text: str) -> float:
    """Days in a duration such as ``5y``, ``18m``, ``6w`` or ``90d``.

    A year is 365.25 days and a month a twelfth of that (30.44 days).

    >>> parse_duration("18m")
    547.875
    >>> parse_duration("90d")
    90.0

    Raises
    ------
    SettingsError
        ``text`` is not a positive number followed by ``y``, ``m``, ``w`` or ``d`` (or the
        words ``years``, ``months``, ``weeks``, ``days``).
    """
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    unit = _UNIT_WORDS.get(match.group(2).lower()) if match else None
    if match is None or unit is None or not float(match.group(1)) > 0:
        raise SettingsError(
            f"{text!r} is not a duration such as 5y, 18m, 6w or 90d (years, months, weeks, days)",
            fields=("TowerOptions.max_age_days",),
        )
    return float(match.group(1)) * _DAYS_PER_UNIT[unit]


def format_duration(days: float) -> str:
    """``days`` the way :func:`parse_duration` reads it back (``5y``, ``18m``, ``90d``)."""
    for unit in ("y", "m", "w"):
        count = days / _DAYS_PER_UNIT[unit]
        if count >= 1 and math.isclose(count, round(count), rel_tol=0, abs_tol=1e-9):
            return f"{round(count)}{unit}"
    return f"{days:g}d"


def as_of_timestamp(as_of: str | date) -> int:
    """Last Unix second of the UTC day ``as_of`` (a date or ``YYYY-MM-DD``)."""
    if isinstance(as_of, str):
        try:
            as_of = date.fromisoformat(as_of)
        except ValueError:
            raise ValueError(f"{as_of!r} is not a date of the form YYYY-MM-DD") from None
    day = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    return int(day.timestamp()) + 86_399


def utc_days(seconds: ArrayLike) -> np.ndarray:
    """Unix seconds as UTC days (``datetime64[D]``, the day each second falls in), NaT where
    missing or beyond what a timestamp holds (as ``pd.to_datetime(..., errors="coerce")``)."""
    v = pd.to_numeric(pd.Series(np.asarray(seconds).ravel()), errors="coerce").to_numpy("f8")
    ok = (v >= pd.Timestamp.min.value / 1e9) & (v <= pd.Timestamp.max.value / 1e9)
    days = np.full(v.shape[0], np.datetime64("NaT"), dtype="datetime64[D]")
    days[ok] = np.floor(v[ok]).astype("int64").astype("datetime64[s]").astype("datetime64[D]")
    return days


def _day(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()


# -- the kernel ---------------------------------------------------------------------------------


@njit(cache=True, nogil=True, inline="always")
def _int_prefix(buf: np.ndarray, s: int, e: int) -> tuple[int, int, int]:
    """The integer at the start of ``buf[s:e]``: (status, value, where it stops).  Status 0 ok,
    1 empty, 2 not an integer.  ``5.0`` and ``5.`` are integers; more than 18 significant
    digits are not (int64).  The field is the integer only when it stops at ``e``."""
    p = s
    neg = False
    if buf[p] == 45:  # -
        neg = True
        p += 1
    elif buf[p] == 43:  # +
        p += 1
    v = 0
    digits = 0
    significant = 0
    while p < e:
        d = buf[p] - 48
        if d < 0 or d > 9:
            break
        digits += 1
        if significant or d:
            significant += 1
        v = v * 10 + d
        p += 1
    if digits == 0:
        return (1 if p == s else 2), 0, p
    if p < e and buf[p] == 46:  # a decimal point followed by zeros only
        p += 1
        while p < e and buf[p] == 48:
            p += 1
    if significant > 18:
        return 2, 0, p
    return 0, -v if neg else v, p


@njit(cache=True, nogil=True, inline="always")
def _parse_int(buf: np.ndarray, s: int, e: int) -> tuple[int, int]:
    """(status, value) of the integer that is all of ``buf[s:e]`` (see :func:`_int_prefix`)."""
    status, v, p = _int_prefix(buf, s, e)
    return (status, v) if p == e else (2, 0)


@njit(cache=True, nogil=True, inline="always")
def _float_prefix(buf: np.ndarray, s: int, e: int, pow10: np.ndarray) -> tuple[int, float, int]:
    """The decimal number at the start of ``buf[s:e]``: (status, value, where it stops).  Status
    0 ok, 1 empty, 2 not a decimal number, 3 a valid number that needs the exact slow path
    (over 15 significant digits or a large exponent; the caller converts it with Python's
    ``float``).  The field is the number only when it stops at ``e``.

    With at most 15 significant digits and a power of ten of at most 22, ``m / 10**k`` and
    ``m * 10**k`` are one correctly rounded operation on exact operands (Clinger's fast path),
    so the value is the same double as Python's ``float(text)``.
    """
    p = s
    neg = False
    if buf[p] == 45:
        neg = True
        p += 1
    elif buf[p] == 43:
        p += 1
    m = 0
    digits = 0
    significant = 0
    exp10 = 0
    while p < e:
        d = buf[p] - 48
        if d < 0 or d > 9:
            break
        digits += 1
        if significant or d:
            significant += 1
        if significant <= 15:
            m = m * 10 + d
        else:
            exp10 += 1
        p += 1
    if p < e and buf[p] == 46:
        p += 1
        while p < e:
            d = buf[p] - 48
            if d < 0 or d > 9:
                break
            digits += 1
            if significant or d:
                significant += 1
            if significant <= 15:
                m = m * 10 + d
                exp10 -= 1
            p += 1
    if digits == 0:
        return (1 if p == s else 2), 0.0, p
    if p < e and (buf[p] == 101 or buf[p] == 69):  # e E
        p += 1
        eneg = False
        if p < e and (buf[p] == 45 or buf[p] == 43):
            eneg = buf[p] == 45
            p += 1
        ev = 0
        edigits = 0
        while p < e and 48 <= buf[p] <= 57:
            if ev < 100_000:
                ev = ev * 10 + (buf[p] - 48)
            edigits += 1
            p += 1
        if edigits == 0:
            return 2, 0.0, p
        exp10 += -ev if eneg else ev
    if significant > 15:
        return 3, 0.0, p
    if m == 0:
        return 0, -0.0 if neg else 0.0, p
    if -22 <= exp10 <= 0:
        v = m / pow10[-exp10]
    elif 0 < exp10 <= 22:
        v = m * pow10[exp10]
    else:
        return 3, 0.0, p
    return 0, -v if neg else v, p


@njit(cache=True, nogil=True, inline="always")
def _parse_float(buf: np.ndarray, s: int, e: int, pow10: np.ndarray) -> tuple[int, float]:
    """(status, value) of the number that is all of ``buf[s:e]`` (see :func:`_float_prefix`)."""
    status, v, p = _float_prefix(buf, s, e, pow10)
    return (status, v) if p == e else (2, 0.0)


@njit(cache=True, nogil=True, inline="always")
def _is_blank(c: int) -> bool:
    return c == 32 or c == 9


@njit(cache=True, nogil=True)
def _scan(
    buf: np.ndarray,
    pos: int,
    final: bool,
    line: int,
    skipping: bool,
    max_row: int,
    kinds: np.ndarray,
    slots: np.ndarray,
    required: np.ndarray,
    names: np.ndarray,
    name_lens: np.ndarray,
    pow10: np.ndarray,
    ints: np.ndarray,
    floats: np.ndarray,
    present: np.ndarray,
    radio: np.ndarray,
    lines: np.ndarray,
    err: np.ndarray,
    err_col: np.ndarray,
    nfields: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    slow: np.ndarray,
    slow_at: np.ndarray,
) -> tuple[int, int, int, bool]:
    """Split ``buf[pos:]`` into rows and fields and convert the values, until the output arrays
    are full, the buffer ends (``final``) or fewer than ``max_row`` bytes are left (more data
    is to come: the caller appends it and calls again from the returned position).

    Returns (rows written, position, line number at the position, skipping).  ``skipping`` is
    true while the rest of an over-long line is being passed over.

    Per row ``i``: ``lines[i]`` its first line, ``starts/ends[i]`` its bytes (without the line
    end), ``radio[i]`` the index in ``names`` (the last is the header's ``RADIO``; -1 none),
    ``err[i]``/``err_col[i]`` its first problem and column, ``nfields[i]``, the values in
    ``ints``/``floats`` by slot with ``present`` bits by column, and ``slow`` bits (with the
    field's start and end in ``slow_at``) for numbers to convert in Python.
    """
    n = buf.shape[0]
    cap = radio.shape[0]
    ncols = kinds.shape[0]
    nrows = 0
    while True:
        if skipping:  # pass over the rest of an over-long line
            while pos < n and buf[pos] != 10 and buf[pos] != 13:
                pos += 1
            if pos == n:
                if final:
                    skipping = False
                break
            if buf[pos] == 13:
                if pos + 1 == n and not final:
                    break
                if pos + 1 < n and buf[pos + 1] == 10:
                    pos += 1
            pos += 1
            line += 1
            skipping = False
        if pos >= n or nrows == cap:
            break
        if not final and n - pos <= max_row:
            break
        limit = min(pos + max_row, n)
        row_start = pos
        row_line = line
        embedded = 0
        nf = 0
        e = 0
        ecol = -1
        structural = 0
        pres = 0
        slowbits = 0
        code = -1
        header = False
        blank = False
        p = pos
        while True:  # one field
            while p < limit and _is_blank(buf[p]):
                p += 1
            quoted = False
            cs = p
            ce = p
            bad_value = 0
            fast = -1
            iv = 0
            fv = 0.0
            if p < limit and buf[p] == 34:  # a quoted field
                quoted = True
                cs = p + 1
                q = cs
                nl = 0
                closed = False
                escaped = False
                while q < limit:
                    c = buf[q]
                    if c == 34:
                        if q + 1 < limit and buf[q + 1] == 34:
                            escaped = True
                            q += 2
                            continue
                        closed = True
                        break
                    if c == 10 or (c == 13 and not (q + 1 < limit and buf[q + 1] == 10)):
                        nl += 1
                    q += 1
                if not closed:
                    # The quote is not closed within the row's limit: the row is bad and
                    # ends at the first line end after the quote.
                    structural = 6
                    q = cs
                    while q < limit and buf[q] != 10 and buf[q] != 13:
                        q += 1
                    if q == limit and limit < n:
                        skipping = True
                    p = q
                    nf += 1
                    break
                ce = q
                embedded += nl
                if escaped:
                    bad_value = 3
                p = q + 1
                while p < limit and _is_blank(buf[p]):
                    p += 1
                if p < limit and buf[p] != 44 and buf[p] != 10 and buf[p] != 13:
                    bad_value = 8
                    while p < limit and buf[p] != 44 and buf[p] != 10 and buf[p] != 13:
                        p += 1
            else:
                # A number is parsed as it is scanned (the fast path of nearly every field);
                # anything else is scanned to the delimiter and parsed below.
                kind = kinds[nf] if nf < ncols and e == 0 and not header else 0
                if kind == 1:
                    fast, iv, q = _int_prefix(buf, p, limit)
                elif kind == 2:
                    fast, fv, q = _float_prefix(buf, p, limit, pow10)
                else:
                    q = p
                r = q
                while r < limit and _is_blank(buf[r]):
                    r += 1
                if kind and (r == limit or buf[r] == 44 or buf[r] == 10 or buf[r] == 13):
                    ce = q
                    p = r
                else:
                    fast = -1
                    p = q
                    while p < limit and buf[p] != 44 and buf[p] != 10 and buf[p] != 13:
                        p += 1
                    ce = p
                    while ce > cs and _is_blank(buf[ce - 1]):
                        ce -= 1
            if p == limit and limit < n:  # no line end within max_row bytes: too long
                structural = 7
                skipping = True
                nf += 1
                break
            if nf == 0 and not quoted and cs == ce and (p >= limit or buf[p] != 44):
                blank = True
                break
            col = nf
            if col < ncols and e == 0 and not header:
                kind = kinds[col]
                if bad_value == 8:
                    e = 8
                    ecol = col
                elif kind == 0:
                    if (
                        ce - cs >= 3
                        and buf[cs] == 0xEF
                        and buf[cs + 1] == 0xBB
                        and buf[cs + 2] == 0xBF
                    ):
                        cs += 3  # the byte-order mark of a file concatenated to this one
                    if bad_value == 0:
                        length = ce - cs
                        for k in range(names.shape[0]):
                            if name_lens[k] != length:
                                continue
                            same = True
                            for j in range(length):
                                c = buf[cs + j]
                                if 97 <= c <= 122:
                                    c -= 32
                                if c != names[k, j]:
                                    same = False
                                    break
                            if same:
                                code = k
                                break
                    if code == names.shape[0] - 1:
                        header = True
                    elif cs == ce and not quoted:
                        e = 2
                        ecol = col
                    elif code < 0:
                        e = 5
                        ecol = col
                elif kind == 1:
                    if fast < 0:
                        status, iv = _parse_int(buf, cs, ce)
                    else:
                        status = fast
                    if bad_value:
                        status = 2
                    if status == 0:
                        ints[slots[col], nrows] = iv
                        pres |= 1 << col
                    elif status == 1:
                        if required[col]:
                            e = 2
                            ecol = col
                    else:
                        e = 3
                        ecol = col
                else:
                    if fast < 0:
                        status, fv = _parse_float(buf, cs, ce, pow10)
                    else:
                        status = fast
                    if bad_value:
                        status = 2
                    if status == 0 or status == 3:
                        floats[slots[col], nrows] = fv
                        pres |= 1 << col
                        if status == 3:
                            slowbits |= 1 << slots[col]
                            slow_at[slots[col], 0, nrows] = cs
                            slow_at[slots[col], 1, nrows] = ce
                    elif status == 1:
                        if required[col]:
                            e = 2
                            ecol = col
                    else:
                        e = 4
                        ecol = col
            nf += 1
            if p < limit and buf[p] == 44:
                p += 1
                continue
            break
        # The row ends at p: a line end, the end of the data, or the limit of an over-long row.
        row_end = p
        if not skipping and p < n:
            if buf[p] == 13:
                p += 1
                if p < n and buf[p] == 10:
                    p += 1
                line += 1
            elif buf[p] == 10:
                p += 1
                line += 1
        pos = p
        if blank:
            continue
        line += embedded
        if structural:
            e = structural
            ecol = -1
        elif header:
            e = 0
        elif nf != ncols:
            e = 1
            ecol = -1
        lines[nrows] = row_line
        starts[nrows] = row_start
        ends[nrows] = row_end
        radio[nrows] = code
        err[nrows] = e
        err_col[nrows] = ecol
        nfields[nrows] = nf
        present[nrows] = pres
        slow[nrows] = slowbits
        nrows += 1
    return nrows, pos, line, skipping


class _Buffers:
    """The kernel's output arrays, allocated once per read and reused for every call."""

    def __init__(self, rows: int) -> None:
        self.ints = np.zeros((len(_INT_COLS), rows), dtype=np.int64)
        self.floats = np.zeros((len(_FLOAT_COLS), rows), dtype=np.float64)
        self.present = np.zeros(rows, dtype=np.int32)
        self.radio = np.zeros(rows, dtype=np.int8)
        self.lines = np.zeros(rows, dtype=np.int64)
        self.err = np.zeros(rows, dtype=np.int8)
        self.err_col = np.zeros(rows, dtype=np.int8)
        self.nfields = np.zeros(rows, dtype=np.int32)
        self.starts = np.zeros(rows, dtype=np.int64)
        self.ends = np.zeros(rows, dtype=np.int64)
        self.slow = np.zeros(rows, dtype=np.int8)
        self.slow_at = np.zeros((len(_FLOAT_COLS), 2, rows), dtype=np.int64)

    def scan(
        self, buf: np.ndarray, pos: int, final: bool, line: int, skipping: bool, max_row: int
    ) -> tuple[int, int, int, bool]:
        nrows, pos, line, skipping = _scan(
            buf,
            pos,
            final,
            line,
            skipping,
            max_row,
            _KIND,
            _SLOT,
            _REQUIRED_MASK,
            _NAME_BYTES,
            _NAME_LENS,
            _POW10,
            self.ints,
            self.floats,
            self.present,
            self.radio,
            self.lines,
            self.err,
            self.err_col,
            self.nfields,
            self.starts,
            self.ends,
            self.slow,
            self.slow_at,
        )
        return int(nrows), int(pos), int(line), bool(skipping)


#: Decompress with ISA-L (the ``isal`` package of the ``fast`` extra; 3-4 times as fast as zlib)
#: when it is installed.
USE_ISAL = True


def _gunzip(raw: BinaryIO) -> tuple[BinaryIO, tuple[type[BaseException], ...]]:
    """A gunzipping reader of ``raw`` (ISA-L's when it can, else the standard library's), and
    the errors it raises on damaged or truncated data."""
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
    if USE_ISAL:
        try:
            from isal import igzip, isal_zlib
        except ImportError:
            pass
        else:
            stream = cast(BinaryIO, igzip.IGzipFile(fileobj=raw, mode="rb"))
            return stream, (*errors, cast(type[BaseException], isal_zlib.error))
    return cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb")), errors


# -- reading the bytes --------------------------------------------------------------------------


class _Source:
    """The file's text in blocks, decompressed (gzip) in a background thread so that
    decompression and parsing run on two cores."""

    def __init__(self, path: Path, block_size: int) -> None:
        self.path = path
        self.block_size = block_size
        try:
            self.raw: BinaryIO = path.open("rb")
        except FileNotFoundError:
            raise InputError(path, "no such file; check the --towers path") from None
        except IsADirectoryError:
            raise InputError(path, "is a folder, not a towers CSV") from None
        except OSError as exc:
            raise InputError(path, f"cannot be read ({exc.strerror})") from None
        magic = self.raw.read(6)
        self.raw.seek(0)
        self.gzipped = magic[:2] == b"\x1f\x8b"
        for start, what in _MAGIC:
            if magic.startswith(start):
                self.raw.close()
                raise InputError(path, f"is {_spreadsheet(path) or what}")
        self.stream, self.errors = (
            _gunzip(self.raw) if self.gzipped else (self.raw, (OSError, EOFError))
        )
        self.queue: queue.Queue[tuple[bytes | BaseException, int]] = queue.Queue(maxsize=2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="towers-reader", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                block = self.stream.read(self.block_size)
                self._put((block, self.raw.tell()))
                if not block:
                    return
        except BaseException as exc:  # handed to the main thread, which raises it
            self._put((exc, 0))

    def _put(self, item: tuple[bytes | BaseException, int]) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def blocks(self) -> Iterator[tuple[bytes, int]]:
        """(text, bytes of the file read so far) until the end (an empty block)."""
        while True:
            item, done = self.queue.get()
            if isinstance(item, BaseException):
                raise item
            yield item, done
            if not item:
                return

    def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self.queue.get_nowait()
        self.thread.join()  # it stops after the block it is reading
        self.stream.close()
        self.raw.close()


# -- the reader ---------------------------------------------------------------------------------


def read_towers(
    path: str | Path,
    *,
    options: TowerOptions | None = None,
    progress: ProgressCallback | None = None,
    block_size: int = BLOCK_SIZE,
    max_row_bytes: int = MAX_ROW_BYTES,
    rows_per_call: int = ROWS_PER_CALL,
) -> tuple[pd.DataFrame, TowerReport]:
    """Read an OpenCelliD/MLS cell export into a DataFrame of valid, filtered cells.

    The file is read in blocks and only the cells kept stay in memory (see the module's
    documentation for the format, the checks and the filters).

    Parameters
    ----------
    path
        CSV file, plain or gzip-compressed (detected from its content), with or without header.
    options
        Filters (MCC, minimum samples, as-of date, maximum age) and what to do with bad rows.
    progress
        Called after every block with the rows read so far and the bytes of the file read so
        far (of the compressed file when it is gzipped; compare with its size on disk).
    block_size, rows_per_call
        The memory of the read, which never changes its result: the bytes of text parsed at a
        time (:data:`BLOCK_SIZE`) and the most rows parsed per call of the compiled scanner
        (:data:`ROWS_PER_CALL`).
    max_row_bytes
        The longest row accepted (:data:`MAX_ROW_BYTES`): a longer line, or a quoted field
        still open that far from its row's start, is a bad row.

    Returns
    -------
    cells, report
        ``cells`` has the 14 columns (``averageSignal`` as ``average_signal``): ``radio``
        (upper-case str), ``mcc``, ``net``, ``area``, ``cell``, ``created``, ``samples`` (empty
        as 0) as int64, ``range`` float64 (empty as NaN), ``unit``, ``changeable``,
        ``updated``, ``average_signal`` as nullable Int64, ``lon``/``lat`` float64, and
        ``line``, the 1-based line number in the file (int64).  ``report`` counts rows read,
        bad, filtered and duplicated (:meth:`TowerReport.summary_lines`).

    Raises
    ------
    InputError
        The file is missing, not a CSV of this format, damaged (a truncated gzip), or its
        header has other columns.
    BadRowsError
        ``bad_rows="fail"`` and a row is bad: at the first bad row, naming its line, column and
        value.
        The file holds no rows or none of its rows is valid (the message says why).
    SelectionError
        A filter dropped every valid row (the message names the filter and what the file
        holds).

    Warns
    -----
    CoverageGapsWarning
        Bad rows were skipped, timestamps were in milliseconds, exact duplicates were dropped,
        or the newest observation is more than a year before the as-of date.
    """
    for name, value in (
        ("block_size", block_size),
        ("max_row_bytes", max_row_bytes),
        ("rows_per_call", rows_per_call),
    ):
        check_whole("read_towers", name, value, minimum=1, noun="a whole number")
    path = Path(path)
    options = options or TowerOptions()
    reader = _Reader(path, options, max_row=max_row_bytes, rows_per_call=rows_per_call)
    source = _Source(path, block_size)
    try:
        reader.read(source, progress)
    except source.errors as exc:
        kind = "gzip file" if source.gzipped else "file"
        raise InputError(
            path,
            f"is a damaged or truncated {kind}: reading stopped after {reader.report.rows:,} "
            f"rows (line {reader.line:,}) with {type(exc).__name__}: {exc}; download it again",
        ) from None
    finally:
        source.close()
    return reader.finish()


def _spreadsheet(path: Path) -> str | None:
    """What a zip file is when it is a spreadsheet (an Excel or OpenDocument workbook, which
    are zip archives), else ``None``."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            kind = z.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
    if "xl/workbook.xml" in names:
        what = "an Excel workbook"
    elif "spreadsheet" in kind:
        what = "an OpenDocument spreadsheet"
    else:
        return None
    return f"{what}, not a CSV: save its sheet as CSV (UTF-8, comma-separated) and give that"


def _header_problem(names: Sequence[str]) -> str:
    """What is wrong with a header that is not the 14 OpenCelliD columns: the missing and the
    unexpected names, or the order, then the columns expected."""
    have = [x.strip().lower() for x in names]
    want = [c.lower() for c in COLUMNS]
    missing = [c for c, w in zip(COLUMNS, want, strict=True) if w not in have]
    extra = [x for x, h in zip(names, have, strict=True) if h not in want]
    parts = []
    if missing:
        parts.append(f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing")
    if extra:
        parts.append(f"unexpected column{'s' if len(extra) > 1 else ''} {', '.join(extra)}")
    if not parts:
        parts.append(f"columns in another order ({','.join(names)})")
    return (
        f"header: {'; '.join(parts)}; expected the 14 OpenCelliD columns in this order: "
        f"{','.join(COLUMNS)}"
    )


class _Reader:
    """The state of one read: the counts, the cells kept so far, the first bad rows."""

    def __init__(self, path: Path, options: TowerOptions, *, max_row: int, rows_per_call: int):
        self.path = path
        self.options = options
        self.max_row = max_row
        self.rows_per_call = rows_per_call
        self.report = TowerReport(path=path, options=options)
        self.line = 1
        self.first_row = True
        self.mcc_counts = np.zeros(1000, dtype=np.int64)
        self.kept: list[dict[str, np.ndarray]] = []
        self.bad_kinds: dict[tuple[int, int], int] = {}
        self.bad_texts: list[str] = []
        self.swapped = 0
        self.ms_rows = 0
        self.ms_first = 0
        self.header_seen = False
        self.text_bytes = 0
        # What the filters saw, for the message when one of them drops everything.
        self.max_samples = -1
        self.min_created: int | None = None
        self.newest_before_age: int | None = None
        as_of = options.as_of or datetime.now(UTC).date()
        self.report.as_of = as_of
        self.as_of_end = as_of_timestamp(as_of)
        self.age_cutoff = (
            None
            if options.max_age_days is None
            else self.as_of_end - round(options.max_age_days * 86_400)
        )
        self.created_cutoff = None if options.as_of is None else self.as_of_end
        self.mcc_wanted = np.zeros(1000, dtype=np.bool_)
        self.mcc_wanted[list(options.mcc)] = True

    # -- the blocks --

    def read(self, source: _Source, progress: ProgressCallback | None) -> None:
        buffers = _Buffers(self.rows_per_call)
        carry = b""
        skipping = False
        first = True
        for chunk, done in source.blocks():
            final = not chunk
            data = carry + chunk if carry else chunk
            self.text_bytes += len(chunk)
            pos = 0
            if first and (data or final):
                if len(data) < 3 and not final:
                    carry = data
                    continue
                first = False
                if data.startswith(_BOM):
                    pos = 3
            buf = np.frombuffer(data, dtype=np.uint8)
            while True:
                nrows, pos, line, skipping = buffers.scan(
                    buf, pos, final, self.line, skipping, self.max_row
                )
                if nrows:
                    self._block(buffers, nrows, data)
                self.line = line
                if nrows < self.rows_per_call:
                    break
            carry = data[pos:]
            self.report.bytes_read = done
            if progress is not None:
                progress(self.report.rows, self.report.bytes_read)

    def _block(self, b: _Buffers, n: int, data: bytes) -> None:
        """Validate, count and filter ``n`` rows the kernel returned."""
        radio = b.radio[:n]
        err = b.err[:n].copy()
        err_col = b.err_col[:n].copy()
        header = (radio == _HEADER) & (err == 0)
        if header.any():
            self._headers(b, n, data, header, err, err_col)
        rows = ~header
        self.report.rows += int(rows.sum())
        if self.first_row and n:
            self.first_row = False
        ints = b.ints[:, :n]
        floats = b.floats[:, :n]
        present = b.present[:n]
        if b.slow[:n].any():
            self._slow_numbers(b, n, data)
        ok = rows & (err == 0)
        # Timestamps in milliseconds.
        in_ms = np.zeros(n, dtype=np.bool_)
        for name in ("created", "updated"):
            values = ints[_I[name]]
            ms = ok & (values >= MS_THRESHOLD) & (present & (1 << _IX[name]) != 0)
            if ms.any():
                values[ms] //= 1000
                in_ms |= ms
        if in_ms.any():
            if not self.ms_rows:
                self.ms_first = int(b.lines[:n][in_ms][0])
            self.ms_rows += int(in_ms.sum())
        # Ranges, in column order.
        for name, (lo, hi, _) in LIMITS.items():
            col = _IX[name]
            values = ints[_I[name]] if name in _I else floats[_F[name]]
            given = present & (1 << col) != 0
            if name == "net":
                top = np.where(radio == _CDMA, _CDMA_NET_MAX, hi)
                out = ~((values >= lo) & (values <= top))
            else:
                out = ~((values >= lo) & (values <= hi))
            fresh = ok & given & out
            if fresh.any():
                err[fresh] = _E_RANGE
                err_col[fresh] = col
                ok &= ~fresh
        lon, lat = floats[_F["lon"]], floats[_F["lat"]]
        null = ok & (lon == 0) & (lat == 0)
        if null.any():
            err[null] = _E_NULL
            err_col[null] = -1
            ok &= ~null
        bad = rows & ~ok
        if bad.any():
            self._bad(b, n, data, bad, err, err_col)

        # The valid rows: what the file holds, then the filters in order.
        if not ok.any():
            return
        mcc = ints[_I["mcc"]]
        self.mcc_counts += np.bincount(mcc[ok], minlength=1000)
        keep = ok
        if self.options.mcc:
            m = self.mcc_wanted[mcc]
            self.report.dropped_mcc += int((keep & ~m).sum())
            keep = keep & m
        samples = np.where(present & (1 << _IX["samples"]) != 0, ints[_I["samples"]], 0)
        created = ints[_I["created"]]
        has_updated = present & (1 << _IX["updated"]) != 0
        seen = np.where(has_updated, np.maximum(ints[_I["updated"]], created), created)
        if keep.any():
            self.report.newest = _max(self.report.newest, int(seen[keep].max()))
        if self.options.min_samples > 1:
            if keep.any():
                self.max_samples = max(self.max_samples, int(samples[keep].max()))
            m = samples >= self.options.min_samples
            self.report.dropped_samples += int((keep & ~m).sum())
            keep = keep & m
        if self.created_cutoff is not None:
            if keep.any():
                self.min_created = _min(self.min_created, int(created[keep].min()))
            m = created <= self.created_cutoff
            self.report.dropped_as_of += int((keep & ~m).sum())
            keep = keep & m
        if self.age_cutoff is not None:
            if keep.any():
                self.newest_before_age = _max(self.newest_before_age, int(seen[keep].max()))
            m = seen >= self.age_cutoff
            self.report.dropped_age += int((keep & ~m).sum())
            keep = keep & m
        if not keep.any():
            return
        idx = np.flatnonzero(keep)
        self.kept.append(
            {
                "ints": ints[:, idx],
                "floats": floats[:, idx],
                "present": present[idx],
                "radio": radio[idx],
                "line": b.lines[idx],
            }
        )

    def _headers(
        self,
        b: _Buffers,
        n: int,
        data: bytes,
        header: np.ndarray,
        err: np.ndarray,
        err_col: np.ndarray,
    ) -> None:
        """The first row as header (its names checked); later header lines skipped when they
        repeat it, bad rows when they do not."""
        for i in np.flatnonzero(header):
            names = _fields(data[b.starts[i] : b.ends[i]])
            names[0] = names[0].lstrip("\ufeff")
            same = [x.strip().lower() for x in names] == [c.lower() for c in COLUMNS]
            if i == 0 and self.first_row:
                self.header_seen = True
                if not same:
                    raise InputError(self.path, _header_problem(names))
            elif same:
                self.report.repeated_headers += 1
            else:
                header[i] = False
                err[i] = _E_HEADER
                err_col[i] = -1

    def _slow_numbers(self, b: _Buffers, n: int, data: bytes) -> None:
        """Numbers the kernel left to Python's exact ``float``."""
        for slot in range(len(_FLOAT_COLS)):
            for i in np.flatnonzero(b.slow[:n] & (1 << slot)):
                s, e = b.slow_at[slot, 0, i], b.slow_at[slot, 1, i]
                b.floats[slot, i] = float(data[s:e])

    def _bad(
        self,
        b: _Buffers,
        n: int,
        data: bytes,
        bad: np.ndarray,
        err: np.ndarray,
        err_col: np.ndarray,
    ) -> None:
        """Count the bad rows, keep the first few, stop at the first with ``bad_rows="fail"``."""
        idx = np.flatnonzero(bad)
        self.report.bad_rows += len(idx)
        kinds, counts = np.unique(
            err[idx].astype(np.int64) * 64 + err_col[idx] + 1, return_counts=True
        )
        for k, c in zip(kinds.tolist(), counts.tolist(), strict=True):
            key = (k // 64, k % 64 - 1)
            self.bad_kinds[key] = self.bad_kinds.get(key, 0) + c
        lat_bad = bad & (err == _E_RANGE) & (err_col == _IX["lat"])
        if lat_bad.any():
            lon, lat = b.floats[_F["lon"], :n], b.floats[_F["lat"], :n]
            self.swapped += int((lat_bad & (np.abs(lat) <= 180) & (np.abs(lon) <= 90)).sum())
        examples = self.report.bad_examples
        room = max(MAX_REPORTED - len(examples), _DIAGNOSED - len(self.bad_texts), 0)
        for i in idx[:room].tolist():
            raw = data[b.starts[i] : b.ends[i]]
            if self.options.bad_rows == "fail" or len(examples) < MAX_REPORTED:
                why = _describe(raw, int(err[i]), int(err_col[i]), int(b.nfields[i]), self.max_row)
                if self.options.bad_rows == "fail":
                    raise BadRowsError(
                        self.path,
                        f"line {b.lines[i]:,}: {why}; stopped at this first bad row "
                        "(--bad-rows fail); use --bad-rows skip to skip bad rows and go on",
                    )
                examples.append((int(b.lines[i]), why))
            if len(self.bad_texts) < _DIAGNOSED:
                self.bad_texts.append(raw[:400].decode("utf-8", "replace"))

    # -- the end --

    def finish(self) -> tuple[pd.DataFrame, TowerReport]:
        report = self.report
        counts = {int(m): int(self.mcc_counts[m]) for m in np.flatnonzero(self.mcc_counts)}
        report.mccs = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        cells = self._frame()
        if len(cells):
            # Exact duplicates: the same 14 values (an empty samples is not a 0).
            value_cols = [c for c in cells.columns if c != "line"]
            dup = cells.duplicated(subset=value_cols, keep="first").to_numpy()
            report.duplicates = int(dup.sum())
            if report.duplicates:
                cells = cells.loc[~dup].reset_index(drop=True)
        cells = cells.drop(columns="samples_given")
        report.kept = len(cells)
        report.millisecond_rows = self.ms_rows
        if report.kept == 0:
            valid = report.rows - report.bad_rows
            # No usable row in the file is a fault of the input; a filter that drops every
            # valid row is a selection that matched nothing.
            if valid == 0:
                raise InputError(self.path, self._nothing_left())
            raise SelectionError(f"{self.path}: {self._nothing_left()}")
        self._warn()
        log.info("%s", "; ".join(report.summary_lines()))
        return cells, report

    def _frame(self) -> pd.DataFrame:
        """The cells kept, in the columns and types of :func:`read_towers`."""
        if self.kept:
            ints = np.concatenate([k["ints"] for k in self.kept], axis=1)
            floats = np.concatenate([k["floats"] for k in self.kept], axis=1)
            present = np.concatenate([k["present"] for k in self.kept])
            radio = np.concatenate([k["radio"] for k in self.kept])
            line = np.concatenate([k["line"] for k in self.kept])
        else:
            ints = np.zeros((len(_INT_COLS), 0), dtype=np.int64)
            floats = np.zeros((len(_FLOAT_COLS), 0))
            present = np.zeros(0, dtype=np.int32)
            radio = np.zeros(0, dtype=np.int8)
            line = np.zeros(0, dtype=np.int64)
        self.kept = []

        def given(name: str) -> np.ndarray:
            return np.asarray(present & (1 << _IX[name]) != 0)

        def col(name: str) -> np.ndarray:
            return ints[_I[name]]

        def nullable(name: str) -> pd.arrays.IntegerArray:
            return pd.arrays.IntegerArray(col(name).copy(), ~given(name))

        names = np.array(RADIOS, dtype=object)
        frame = pd.DataFrame(
            {
                "radio": pd.Series(names[radio.astype(np.int64)], dtype="str"),
                "line": line,
                "mcc": col("mcc"),
                "net": col("net"),
                "area": col("area"),
                "cell": col("cell"),
                "created": col("created"),
                "unit": nullable("unit"),
                "range": np.where(given("range"), floats[_F["range"]], np.nan),
                "samples": np.where(given("samples"), col("samples"), 0),
                "samples_given": given("samples"),
                "changeable": nullable("changeable"),
                "updated": nullable("updated"),
                "average_signal": nullable("averageSignal"),
                "lon": floats[_F["lon"]],
                "lat": floats[_F["lat"]],
            }
        )
        return frame

    def _warn(self) -> None:
        report = self.report
        name = self.path
        if report.bad_rows:
            warnings.warn(
                f"{name}: skipped {report.bad_rows:,} of {report.rows:,} rows that are not valid "
                f"OpenCelliD rows:\n" + report.describe_bad(),
                CoverageGapsWarning,
                stacklevel=5,
            )
        if self.ms_rows:
            warnings.warn(
                f"{name}: {_rows(self.ms_rows)} (the first at line {self.ms_first:,}) have "
                "created/updated in milliseconds (10^11 or more, e.g. 1600000000000 for "
                "2020-09-13), not Unix seconds: converted to seconds",
                CoverageGapsWarning,
                stacklevel=5,
            )
        if report.duplicates:
            warnings.warn(
                f"{name}: dropped {report.duplicates:,} exact duplicate rows (the same 14 values "
                "as a row before them: an export concatenated twice?)",
                CoverageGapsWarning,
                stacklevel=5,
            )
        if report.newest is not None and report.newest < self.as_of_end - OLD_DATA_DAYS * 86_400:
            years = (self.as_of_end - report.newest) / (365.25 * 86_400)
            of = f" of MCC {','.join(map(str, self.options.mcc))}" if self.options.mcc else ""
            warnings.warn(
                f"{name}: the newest observation{of} is from {_day(report.newest)}, "
                f"{years:.1f} years before {report.as_of}: masts built since are missing and "
                "the gaps will look larger than they are. Use a recent OpenCelliD export (a "
                "Mozilla Location Service export ends in March 2024, when that service "
                "stopped)",
                CoverageGapsWarning,
                stacklevel=5,
            )

    def _nothing_left(self) -> str:
        """Why no cell is left, and what the file holds (without the file's name)."""
        r = self.report
        if r.rows == 0:
            if self.header_seen:
                what = "only a header line"
            elif self.text_bytes:
                what = "only blank lines"
            else:
                what = "the file is empty"
            return f"holds no rows ({what}), so there is no cell to analyse"
        valid = r.rows - r.bad_rows
        if valid == 0:
            return (
                f"none of its {r.rows:,} rows is a valid OpenCelliD row: "
                f"{self._diagnosis()}; the first: line {r.bad_examples[0][0]:,}: "
                f"{r.bad_examples[0][1]}"
            )
        left = valid
        for flag, dropped in r.filter_steps():
            if left - dropped > 0:
                left -= dropped
                continue
            return f"{flag} " + self._why_dropped(flag, left)
        return "no cell left"  # not reached: duplicates never drop every row

    def _why_dropped(self, flag: str, left: int) -> str:
        r = self.report
        rows = f"all {left:,} valid rows left" if left != 1 else "the only valid row left"
        if flag.startswith("--mcc"):
            shown = list(r.mccs.items())[:10]
            listed = ", ".join(f"{m} ({_rows(c)})" for m, c in shown)
            more = f" and {len(r.mccs) - 10} more" if len(r.mccs) > 10 else ""
            return f"matches no row; MCCs in the file: {listed}{more}"
        if flag.startswith("--min-samples"):
            return f"drops {rows}: the most samples of any is {self.max_samples:,}"
        if flag.startswith("--as-of"):
            first = self.min_created
            ms = (
                f"; {_rows(r.millisecond_rows)} had timestamps in milliseconds, converted"
                if r.millisecond_rows
                else ""
            )
            return (
                f"drops {rows}: the earliest created is "
                f"{_day(first) if first is not None else '?'} (after the as-of date){ms}; use a "
                "later --as-of"
            )
        newest = self.newest_before_age
        when = _day(newest) if newest is not None else "?"
        years = (self.as_of_end - newest) / (365.25 * 86_400) if newest is not None else 0.0
        return (
            f"drops {rows}: the newest observation is from {when}, "
            f"{years:.1f} years before the as-of date {r.as_of} (a Mozilla Location Service "
            "export ends in March 2024, when that service stopped); use a recent export, a "
            "longer --max-age or an earlier --as-of"
        )

    def _diagnosis(self) -> str:
        """What the bad rows look like, in words."""
        r = self.report
        texts = self.bad_texts
        for sep, word in _SEPARATORS:
            if texts and sum(t.count(sep) == len(COLUMNS) - 1 for t in texts) * 2 >= len(texts):
                return (
                    f"they are separated by {word}s ({sep!r}), not commas: a spreadsheet's "
                    "export? Save it as a comma-separated CSV"
                )
        if self.swapped * 2 >= r.bad_rows:
            return (
                f"in {self.swapped:,} rows the latitude is out of range where the longitude "
                "would fit: are the lon and lat columns swapped?"
            )
        (code, col), count = max(self.bad_kinds.items(), key=lambda kv: kv[1])
        what = _KIND_WORDS.get(code, "bad")
        column = f" in column {COLUMNS[col]!r}" if col >= 0 else ""
        return f"most often ({count:,} rows) {what}{column}"


_KIND_WORDS = {
    _E_FIELDS: "a wrong number of fields",
    _E_EMPTY: "an empty required value",
    _E_INT: "a value that is not an integer",
    _E_NUMBER: "a value that is not a number",
    _E_RADIO: "an unknown radio",
    _E_QUOTE: "an unclosed quote",
    _E_LONG: "an over-long line",
    _E_AFTER_QUOTE: "text after a closing quote",
    _E_RANGE: "a value out of range",
    _E_NULL: "a (0, 0) position",
    _E_HEADER: "a header line",
}


def _rows(n: int) -> str:
    return "1 row" if n == 1 else f"{n:,} rows"


def _max(a: int | None, b: int) -> int:
    return b if a is None else max(a, b)


def _min(a: int | None, b: int) -> int:
    return b if a is None else min(a, b)


# -- messages -----------------------------------------------------------------------------------


def _short(text: str, width: int = 40) -> str:
    """``text`` cut to ``width`` characters and an ellipsis."""
    return text if len(text) <= width else text[:width] + "…"


def _fields(raw: bytes) -> list[str]:
    """The fields of one row's bytes (undecodable bytes kept as surrogates)."""
    text = raw.decode("utf-8", "surrogateescape")
    try:
        return next(csv.reader([text], strict=False)) or [""]
    except (csv.Error, StopIteration):
        return text.split(",")


def _shown(value: str) -> str:
    """A value for a message: undecodable bytes as U+FFFD, shortened, quoted."""
    clean = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return repr(_short(clean))


def _describe(raw: bytes, code: int, col: int, nfields: int, max_row: int) -> str:
    """One bad row's problem, for people."""
    row = _shown(raw.decode("utf-8", "surrogateescape"))
    if code == _E_FIELDS:
        hint = ""
        text = raw.decode("utf-8", "replace")
        for sep, word in _SEPARATORS:
            if text.count(sep) == len(COLUMNS) - 1:
                hint = f"; it has 13 {word}s ({sep!r}): a {word}-separated export?"
                break
        plural = "field" if nfields == 1 else "fields"
        return f"{nfields} {plural}, expected {len(COLUMNS)} ({row}){hint}"
    if code == _E_QUOTE:
        return f"a quoted field is not closed within {max_row:,} bytes ({row})"
    if code == _E_LONG:
        return f"the line is longer than {max_row:,} bytes ({row})"
    if code == _E_NULL:
        return "lon/lat is (0, 0), a null position"
    if code == _E_HEADER:
        return f"a header line with other columns in the middle of the file ({row})"
    name = COLUMNS[col]
    fields = _fields(raw)
    value = fields[col].strip(" \t") if col < len(fields) else ""
    if code == _E_AFTER_QUOTE:
        return f"column {name!r}: text after the closing quote ({row})"
    if code == _E_EMPTY:
        return f"column {name!r} is empty; it is required"
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        return f"column {name!r}: {_shown(value)} holds bytes that are not UTF-8 text"
    if code == _E_RADIO:
        return f"column 'radio': {_shown(value)} is not one of {', '.join(RADIOS)}"
    if code == _E_INT:
        return f"column {name!r}: {_shown(value)} is not an integer"
    what = LIMITS[name][2] if name in LIMITS else "a number"
    return f"column {name!r}: {_shown(value)} is not {what}"
