"""The words and numbers people read, worked out by hand in each language."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from coverage_gaps.outputs.labels import (
    column_help,
    column_label,
    format_number,
    format_percent,
    reason_label,
    reason_meaning,
    text,
    wording,
)


def test_numbers_in_each_language() -> None:
    assert format_number(1234.5, 1, "vi") == "1.234,5"
    assert format_number(1234.5, 1, "en") == "1,234.5"
    assert format_number(1234567, 0, "vi") == "1.234.567"
    assert format_number(0.125, 2, "en") == "0.12"  # Python rounds half to even, as printed
    assert format_number(-95, 0, "vi") == "\u221295"  # a real minus sign, not a hyphen
    for missing in (None, float("nan"), np.nan, pd.NA):
        assert format_number(missing, 0, "en") == "—"


def test_percentages_in_each_language() -> None:
    assert format_percent(0.444, "vi") == "44%"
    assert format_percent(0.785, "vi", 1) == "78,5%"
    assert format_percent(0.785, "en", 1) == "78.5%"
    assert format_percent(None, "vi") == "—" and format_percent(float("nan"), "en") == "—"


def test_texts_about_communes_are_worded_for_communes() -> None:
    vi, en = wording("vi", "commune"), wording("en", "commune")
    assert column_label("village_name", vi) == "Tên xã"
    assert column_label("village_name", "vi") == "Tên thôn"
    assert column_help("village_name", vi) == "Tên xã, phường"  # "thôn, bản" as a pair
    assert text("villages_layer", en) == "Communes by status"
    assert text("sheet_villages", vi) == "Xã"  # capitalised
    # a placeholder is a value's name, never a word: {villages} still takes its value
    assert text("village_count", en, villages=3, dead=1) == "3 communes, 1 dead zones"
    # values are data: a village called "Thôn 3" keeps its name
    assert text("top_to_fix", vi, n="Thôn 3") == "Thôn 3 xã cần xử lý trước"
    # whole words only: "thông tin" (information) is not "xãg tin"
    assert "thông tin" in reason_meaning("single_operator", vi) or "thông tin" in reason_label(
        "single_operator", vi
    )
    assert "thôn" not in reason_label("single_operator", vi)


def test_a_wording_is_its_language_code_everywhere() -> None:
    vi = wording("vi", "commune")
    assert vi == "vi" and {"vi": 1}[vi] == 1 and format_number(1234.5, 1, vi) == "1.234,5"
    again = pickle.loads(pickle.dumps(vi))  # it crosses to dask workers
    assert again == "vi" and getattr(again, "unit", None) == "commune"
    assert wording("en") == "en" and not hasattr(wording("en"), "unit")
    with pytest.raises(ValueError, match="'hamlet' is not one of 'village', 'commune'"):
        wording("vi", "hamlet")
