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


# -- Vietnamese alphabetical order -------------------------------------------------------------

#: The 34 provinces of 2025 sorted by hand as a Vietnamese dictionary does: letter by letter
#: (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, the space first), tone marks only
#: between names with the same letters.
PROVINCES_BY_HAND = [
    "An Giang",
    "Bắc Ninh",
    "Cà Mau",
    "Cao Bằng",
    "Cần Thơ",
    "Đà Nẵng",
    "Đắk Lắk",
    "Điện Biên",
    "Đồng Nai",
    "Đồng Tháp",
    "Gia Lai",
    "Hà Nội",
    "Hà Tĩnh",
    "Hải Phòng",
    "Hồ Chí Minh",
    "Huế",
    "Hưng Yên",
    "Khánh Hòa",
    "Lai Châu",
    "Lạng Sơn",
    "Lào Cai",
    "Lâm Đồng",
    "Nghệ An",
    "Ninh Bình",
    "Phú Thọ",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sơn La",
    "Tây Ninh",
    "Thái Nguyên",
    "Thanh Hóa",
    "Tuyên Quang",
    "Vĩnh Long",
]


def test_the_34_provinces_sort_as_by_hand() -> None:
    import random

    from coverage_gaps.names import VIETNAM_PROVINCES, vi_sort_key

    assert sorted(p.name for p in VIETNAM_PROVINCES.values()) != PROVINCES_BY_HAND
    assert {p.name for p in VIETNAM_PROVINCES.values()} == set(PROVINCES_BY_HAND)
    shuffled = PROVINCES_BY_HAND[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert sorted(shuffled, key=vi_sort_key) == PROVINCES_BY_HAND


def test_tones_come_after_the_letters() -> None:
    import unicodedata

    from coverage_gaps.names import vi_sort_key

    # the six tones in dictionary order, then a longer word; d, đ, e
    words = ["ma", "mà", "mả", "mã", "má", "mạ", "mai", "măng", "mâm", "me"]
    assert sorted(reversed(words), key=vi_sort_key) == words
    assert sorted(["Em", "Đà", "Dương", "Zô"], key=vi_sort_key) == ["Dương", "Đà", "Em", "Zô"]
    assert sorted(["Ư", "U", "Ơ", "Ô", "O"], key=vi_sort_key) == ["O", "Ô", "Ơ", "U", "Ư"]
    # composed, decomposed and either tone placement are the same name
    nfd = unicodedata.normalize("NFD", "Khánh Hòa")
    assert vi_sort_key(nfd)[:2] == vi_sort_key("Khánh Hòa")[:2] == vi_sort_key("Khánh Hoà")[:2]
    assert vi_sort_key("hà nội")[:2] == vi_sort_key("Hà Nội")[:2]  # case only breaks ties
