"""Properties of the tower reader, with hypothesis.

The reference is independent of the reader: every row is made as the texts of its 14 fields,
and its expected values are Python's own ``int()``/``float()`` of those texts; the expected line
numbers are counted in the text as it is assembled; exact duplicates are found with a Python
``set`` of value tuples.
"""

from __future__ import annotations

import gzip
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coverage_gaps.errors import CoverageGapsWarning
from coverage_gaps.io.towers import COLUMNS, MAX_REPORTED, read_towers
from coverage_gaps.network import RADIOS
from coverage_gaps.settings import TowerOptions

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
INTS = ("mcc", "net", "area", "cell", "unit", "samples", "changeable", "created", "updated")
INTS += ("averageSignal",)
OPTIONAL = {"unit", "range", "samples", "changeable", "updated", "averageSignal"}
#: Rows are far shorter than this; the streaming test uses it for both reads.
MAX_ROW = 1024
OPTIONS = TowerOptions()


# -- making rows --------------------------------------------------------------------------------


def _int_text(draw: st.DrawFn, value: int) -> str:
    """An integer as an export may spell it: 452, 452.0, +452, 00452."""
    forms = [str(value), f"{value}.0"]
    if value >= 0:
        forms += [f"+{value}", f"00{value}"]
    return draw(st.sampled_from(forms))


def _float_text(draw: st.DrawFn, value: float) -> str:
    """A float as repr (shortest round trip), fixed with 0-9 decimals, or with an exponent."""
    style = draw(st.sampled_from(["repr", "fixed", "exp"]))
    if style == "repr":
        return repr(value)
    if style == "fixed":
        return f"{value:.{draw(st.integers(0, 9))}f}"
    return f"{value:.{draw(st.integers(0, 6))}e}"


def _expected(name: str, text: str) -> Any:
    """The value of a field's text, by Python's own parsers."""
    if text == "":
        return None
    if name == "radio":
        return text.upper()
    if name in INTS:
        return int(text.split(".")[0])
    return float(text)


@st.composite
def row_texts(draw: st.DrawFn) -> list[str]:
    """The 14 field texts of a valid row (unquoted, unpadded)."""
    radio = draw(st.sampled_from(RADIOS))
    values: dict[str, Any] = {
        "radio": draw(st.sampled_from([radio, radio.lower(), radio.title()])),
        "mcc": draw(st.integers(1, 999)),
        "net": draw(st.integers(0, 32_767 if radio == "CDMA" else 999)),
        "area": draw(st.integers(0, 2**32 - 1)),
        "cell": draw(st.integers(0, 2**36 - 1)),
        "unit": draw(st.none() | st.integers(-(10**17), 10**17)),
        "lon": draw(st.floats(-180, 180)),
        "lat": draw(st.floats(-90, 90)),
        "range": draw(st.none() | st.floats(0, 1e6) | st.integers(0, 10**6)),
        "samples": draw(st.none() | st.integers(0, 10**12)),
        "changeable": draw(st.none() | st.sampled_from([0, 1])),
        "created": draw(st.integers(0, 4_102_444_800)),
        "updated": draw(st.none() | st.integers(0, 4_102_444_800)),
        "averageSignal": draw(st.none() | st.integers(-(10**17), 10**17)),
    }
    texts = []
    for name in COLUMNS:
        v = values[name]
        if v is None:
            texts.append("")
        elif isinstance(v, str):
            texts.append(v)
        elif isinstance(v, int):
            texts.append(_int_text(draw, v))
        else:
            texts.append(_float_text(draw, v))
    for name, top in (("lon", 180), ("lat", 90), ("range", 1e6)):
        i = COLUMNS.index(name)
        if texts[i] and not -top <= float(texts[i]) <= top:  # rounded past the limit
            texts[i] = repr(values[name])
    lon, lat = COLUMNS.index("lon"), COLUMNS.index("lat")
    if float(texts[lon]) == 0 and float(texts[lat]) == 0:
        texts[lat] = "1.5"  # (0, 0) is a null position, a bad row
    return texts


def _field(draw: st.DrawFn, text: str) -> str:
    """A field as written: maybe quoted, maybe with blanks around it."""
    pad = st.sampled_from(["", "", " ", "\t", "  "])
    if draw(st.booleans()):
        text = f'"{text}"'
    return draw(pad) + text + draw(pad)


@dataclass
class File:
    """A CSV file being assembled: its text and the rows expected from it."""

    newline: str
    text: str = ""
    good: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, field texts)
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, part of the message)

    @property
    def line(self) -> int:
        return self.text.count("\n") + 1

    def add(self, raw: str) -> None:
        self.text += raw + self.newline


@st.composite
def csv_files(draw: st.DrawFn, *, bad: bool = False) -> tuple[bytes, File]:
    """A whole file (bytes) of valid rows, and bad rows among them when ``bad``."""
    f = File(newline=draw(st.sampled_from(["\n", "\r\n"])))
    header = draw(st.booleans())
    if header:
        names = [f'"{c}"' if draw(st.booleans()) else c for c in COLUMNS]
        f.add(",".join(names))
    rows = draw(st.lists(row_texts(), min_size=1, max_size=25))
    # repeat some rows (exact duplicates, maybe spelled otherwise)
    for i in draw(st.lists(st.integers(0, len(rows) - 1), max_size=5)):
        rows.append(rows[i])
    rows = draw(st.permutations(rows))
    kinds = draw(st.lists(st.sampled_from(sorted(BAD_ROWS)), max_size=MAX_REPORTED)) if bad else []
    slots = sorted(
        draw(st.lists(st.integers(0, len(rows)), min_size=len(kinds), max_size=len(kinds)))
    )
    undecodable = False
    for i, texts in enumerate(rows):
        while slots and slots[0] == i:
            slots.pop(0)
            kind = kinds.pop()
            raw, problem = BAD_ROWS[kind](texts)
            f.bad.append((f.line, problem))
            undecodable |= kind == "undecodable"
            f.add(raw)
        if draw(st.integers(0, 9)) == 0:
            f.add("")  # a blank line: no row, but a line
        f.good.append((f.line, texts))
        f.add(",".join(_field(draw, t) for t in texts))
    for _ in slots:
        kind = kinds.pop()
        raw, problem = BAD_ROWS[kind](rows[0])
        f.bad.append((f.line, problem))
        undecodable |= kind == "undecodable"
        f.add(raw)
    if draw(st.booleans()):
        f.text = f.text[: -len(f.newline)]  # no line end after the last row
    data = f.text.encode("utf-8", "surrogateescape")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = gzip.compress(data[:cut]) + gzip.compress(data[cut:])  # 1 or 2 gzip members
    return data, f


def _with(texts: list[str], name: str, value: str) -> list[str]:
    out = list(texts)
    out[COLUMNS.index(name)] = value
    return out


#: Bad rows made from a valid row's texts: (raw line, a part of the message it gets).
BAD_ROWS = {
    "fields": lambda t: (",".join(t[:4]), "4 fields, expected 14"),
    "radio": lambda t: (",".join(_with(t, "radio", "WIMAX")), "column 'radio': 'WIMAX'"),
    "lat": lambda t: (",".join(_with(t, "lat", "91.5")), "column 'lat': '91.5' is not"),
    "cell": lambda t: (",".join(_with(t, "cell", "abc")), "column 'cell': 'abc' is not"),
    "inf": lambda t: (",".join(_with(t, "lon", "inf")), "column 'lon': 'inf' is not"),
    "range": lambda t: (",".join(_with(t, "range", "-1")), "column 'range': '-1' is not"),
    "null": lambda t: (",".join(_with(_with(t, "lon", "0"), "lat", "0.0")), "(0, 0)"),
    "empty": lambda t: (",".join(_with(t, "mcc", "")), "column 'mcc' is empty"),
    "semicolons": lambda t: (";".join(t), "13 semicolons"),
    # a quoted field over two lines: the rows after it must keep their line numbers
    "newline": lambda t: (",".join(_with(t, "unit", '"1\n2"')), "column 'unit': '1\\n2'"),
    # one byte that is not UTF-8 (kept as a surrogate until the file is encoded)
    "undecodable": lambda t: (
        ",".join(_with(t, "area", "12\udcff3")),
        "column 'area': '12\ufffd3' holds bytes that are not UTF-8",
    ),
}


# -- checking -----------------------------------------------------------------------------------


def expected_cells(f: File) -> tuple[list[dict[str, Any]], int]:
    """The cells the reader must return (first of each set of exact duplicates) and how many
    duplicates it must drop."""
    seen: set[tuple[Any, ...]] = set()
    rows = []
    for line, texts in f.good:
        values = tuple(_expected(n, t) for n, t in zip(COLUMNS, texts, strict=True))
        if values in seen:
            continue
        seen.add(values)
        rows.append({"line": line, **dict(zip(COLUMNS, values, strict=True))})
    return rows, len(f.good) - len(rows)


def check_cells(cells: pd.DataFrame, want: list[dict[str, Any]]) -> None:
    def column(name: str) -> list[Any]:
        return [row[name] for row in want]

    assert len(cells) == len(want)
    assert cells["line"].tolist() == column("line")
    assert cells["radio"].tolist() == column("radio")
    for name in ("mcc", "net", "area", "cell", "created"):
        assert cells[name].tolist() == column(name), name
    assert cells["samples"].tolist() == [0 if v is None else v for v in column("samples")]
    for name, got in (
        ("unit", "unit"),
        ("changeable", "changeable"),
        ("updated", "updated"),
        ("averageSignal", "average_signal"),
    ):
        assert [None if pd.isna(v) else int(v) for v in cells[got]] == column(name), name
    for name in ("lon", "lat"):
        # the same doubles, bit for bit (-0.0 and 0.0 alike)
        assert cells[name].to_numpy().tolist() == column(name), name
    rng = [np.nan if v is None else float(v) for v in column("range")]
    assert np.array_equal(cells["range"].to_numpy(), np.array(rng, dtype="f8"), equal_nan=True)


def read(path: Path, **kw: Any) -> tuple[pd.DataFrame, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoverageGapsWarning)
        return read_towers(path, options=OPTIONS, **kw)


# -- the properties -----------------------------------------------------------------------------


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "towers.csv"


@SETTINGS
@given(csv_files())
def test_valid_rows_read_back_to_their_values(target: Path, case: tuple[bytes, File]) -> None:
    data, f = case
    target.write_bytes(data)
    cells, report = read(target)
    want, duplicates = expected_cells(f)
    check_cells(cells, want)
    assert report.bad_rows == 0 and report.rows == len(f.good)
    assert report.duplicates == duplicates and report.kept == len(cells)


@SETTINGS
@given(csv_files(bad=True))
def test_bad_rows_never_change_the_good_ones(target: Path, case: tuple[bytes, File]) -> None:
    data, f = case
    target.write_bytes(data)
    cells, report = read(target)
    want, duplicates = expected_cells(f)
    check_cells(cells, want)
    assert report.bad_rows == len(f.bad) and report.rows == len(f.good) + len(f.bad)
    assert [line for line, _ in report.bad_examples] == [line for line, _ in f.bad]
    for (line, why), (_, part) in zip(report.bad_examples, f.bad, strict=True):
        assert part in why, (line, why)
    assert report.duplicates == duplicates


@SETTINGS
@given(
    csv_files(bad=True),
    st.integers(16, 3000),
    st.integers(1, 40),
)
def test_streaming_gives_what_reading_at_once_gives(
    target: Path, case: tuple[bytes, File], block_size: int, rows_per_call: int
) -> None:
    data, _ = case
    target.write_bytes(data)
    whole, whole_report = read(
        target, block_size=1 << 30, max_row_bytes=MAX_ROW, rows_per_call=1 << 20
    )
    cells, report = read(
        target, block_size=block_size, max_row_bytes=MAX_ROW, rows_per_call=rows_per_call
    )
    pd.testing.assert_frame_equal(cells, whole)
    assert report.bad_examples == whole_report.bad_examples
    for name in ("rows", "bad_rows", "duplicates", "kept", "repeated_headers", "mccs"):
        assert getattr(report, name) == getattr(whole_report, name), name


@SETTINGS
@given(
    st.lists(row_texts(), min_size=1, max_size=10, unique_by=lambda t: t[COLUMNS.index("cell")]),
    st.data(),
)
def test_duplicates_are_counted_exactly(target: Path, rows: list[list[str]], data: Any) -> None:
    order = data.draw(st.lists(st.integers(0, len(rows) - 1), min_size=1, max_size=40))
    lines = [",".join(rows[i]) for i in order]
    target.write_text("\n".join(lines) + "\n")
    cells, report = read(target)
    first = {}
    for line, i in enumerate(order, start=1):
        first.setdefault(i, line)
    assert report.duplicates == len(order) - len(set(order))
    assert cells["line"].tolist() == sorted(first.values())
