"""The words and numbers people read, worked out by hand in each language."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coverage_gaps.outputs.labels import format_number, format_percent


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
