"""Province names as officials type them (../shared/DOMAIN.md, 'Name matching')."""

from __future__ import annotations

import pytest

from coverage_gaps.errors import SelectionError
from coverage_gaps.names import fold, match_province, name_key, slugify

IN_DATA = ["Tuyên Quang", "Lào Cai", "Thanh Hoá", "Khánh Hoà", "Đắk Lắk", "Hồ Chí Minh"]


@pytest.mark.parametrize(
    "typed", ["tuyen quang", "Tuyên Quang", "TUYÊN QUANG", "Tỉnh Tuyên Quang", " tuyên  quang "]
)
def test_case_diacritics_and_prefix(typed: str) -> None:
    assert match_province(typed, IN_DATA).value == "Tuyên Quang"


def test_d_with_stroke_is_folded_explicitly() -> None:
    # NFKD leaves Đ alone; it must still match a plain D.
    assert fold("Đắk Lắk") == "dak lak"
    assert match_province("dak lak", IN_DATA).value == "Đắk Lắk"


@pytest.mark.parametrize("typed", ["Thanh Hóa", "Thanh Hoá", "thanh hoa"])
def test_both_tone_placements(typed: str) -> None:
    assert match_province(typed, IN_DATA).value == "Thanh Hoá"
    assert name_key("Khánh Hòa") == name_key("Khánh Hoà")


def test_city_prefixes() -> None:
    assert match_province("Thành phố Hồ Chí Minh", IN_DATA).value == "Hồ Chí Minh"
    assert match_province("TP. Hồ Chí Minh", IN_DATA).value == "Hồ Chí Minh"
    assert match_province("TP HCM", IN_DATA).value == "Hồ Chí Minh"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Hà Giang", "Tuyên Quang"),
        ("yen bai", "Lào Cai"),
        ("Ninh Thuận", "Khánh Hoà"),
        ("Phú Yên", "Đắk Lắk"),
    ],
)
def test_pre_2025_names_resolve_to_the_merged_province(old: str, new: str) -> None:
    match = match_province(old, IN_DATA)
    assert match.value == new
    assert match.note is not None and "pre-2025" in match.note


def test_codes_in_the_data() -> None:
    assert match_province("Hà Giang", ["08", "15"]).value == "08"


def test_unknown_name_suggests_the_nearest() -> None:
    with pytest.raises(SelectionError, match="'Lào Cai'") as err:
        match_province("Lao Kai", IN_DATA)
    assert isinstance(err.value, LookupError)  # a selection error is a LookupError too


def test_slug() -> None:
    assert slugify("Tuyên Quang") == "tuyen-quang"
    assert slugify("Đắk Lắk") == "dak-lak"
    assert slugify("Hồ Chí Minh") == "ho-chi-minh"
