"""Matching Vietnamese place names as people type them.

Officials type province names with or without diacritics, in any case, with or without the
"Tỉnh"/"Thành phố" prefix, in either tone placement ("Hòa"/"Hoà"), and by the old (pre-2025) or
the new name.  :func:`name_key` folds all of those to one key; :func:`match_province` resolves a
typed name against the provinces present in the data.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from coverage_gaps.errors import SelectionError

__all__ = [
    "VIETNAM_PROVINCES",
    "WINDOWS_RESERVED",
    "Province",
    "ProvinceMatch",
    "fold",
    "listing",
    "match_province",
    "name_key",
    "slugify",
    "unique_slugs",
    "vi_sort_key",
    "vietnam_province_for",
]

_PREFIXES = (
    "thanh pho",
    "tp.",
    "tp",
    "tinh",
    "xa",
    "phuong",
    "thi tran",
    "dac khu",
    "thon",
    "ban",
    "ap",
    "province",
    "city",
)
_PREFIX_RE = re.compile(r"^(?:" + "|".join(re.escape(p) for p in _PREFIXES) + r")(?:\s+|(?<=\.))")
_SUFFIX_RE = re.compile(r"\s+(?:province|city|commune|ward)$")


def fold(text: str) -> str:
    """Lower-case ASCII form of ``text``: diacritics removed, Đ/đ mapped to d, spaces folded.

    Unicode decomposition does not turn "Đ" into "D", so it is mapped explicitly; both tone
    placements ("Hoà", "Hòa") fold to the same letters because all combining marks are dropped.
    """
    text = text.replace("Đ", "D").replace("đ", "d").replace("Ð", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.lower().replace("–", "-").replace("—", "-")
    return re.sub(r"\s+", " ", stripped).strip()


# Vietnamese alphabetical order (the order of dictionaries and official lists): the letters
# a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, each modified letter right after its
# base letter; words compared letter by letter with the space first; tone marks only decide
# between names whose letters are the same, in the order  none, huyền (`), hỏi (?), ngã (~),
# sắc ('), nặng (.) -- as in ICU's Vietnamese collation, where tones are secondary differences.
_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve (ă), circumflex (â ê ô), horn (ơ ư)
_TONE_MARKS = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_STROKED = {"đ": ("d", 4), "ð": ("d", 4)}  # đ after every d (d + a mark rank above the others)


def vi_sort_key(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...], str]:
    """A key that sorts names the way Vietnamese readers expect.

    Letters first (``Đ`` after ``D`` and before ``E``, ``Ă``/``Â`` after ``A``, ``Ơ`` after
    ``Ô`` after ``O``, ``Ư`` after ``U``; case ignored; the space before any letter), then the
    tone marks (none, huyền, hỏi, ngã, sắc, nặng), then case.  Both tone placements ("Hòa",
    "Hoà") and both Unicode forms (composed, decomposed) give the same key.

    >>> sorted(["Đà Nẵng", "Cà Mau", "Cao Bằng", "Cần Thơ", "Zeta"], key=vi_sort_key)
    ['Cà Mau', 'Cao Bằng', 'Cần Thơ', 'Đà Nẵng', 'Zeta']
    """
    letters: list[tuple[int, int]] = []
    tones: list[int] = []  # one per syllable: where its mark sits does not matter
    tone = 0
    for ch in unicodedata.normalize("NFC", re.sub(r"\s+", " ", str(text)).strip()):
        low = ch.lower()
        if not low.isalnum():
            tones.append(tone)
            tone = 0
        if low in _STROKED:
            base, mark = _STROKED[low]
            letters.append((ord(base), mark))
            continue
        parts = unicodedata.normalize("NFD", low)
        mark = 0
        for m in parts[1:]:
            if m in _LETTER_MARKS:
                mark = _LETTER_MARKS[m]
            elif m in _TONE_MARKS:
                tone = _TONE_MARKS[m]
            else:  # another language's accent: after the plain letter, in code-point order
                mark = 10 + ord(m)
        letters.append((ord(parts[0]) if parts else 0, mark))
    tones.append(tone)
    return tuple(letters), tuple(tones), unicodedata.normalize("NFC", str(text))


def name_key(text: str) -> str:
    """Matching key of an administrative name: :func:`fold` less unit prefixes and punctuation.

    >>> name_key("Tỉnh Thanh Hoá") == name_key("thanh hoa") == name_key("THANH HÓA")
    True
    """
    key = fold(str(text))
    # Remove unit prefixes repeatedly ("Thành phố Hồ Chí Minh", "TP. HCM").
    while True:
        new = _PREFIX_RE.sub("", key, count=1)
        new = _SUFFIX_RE.sub("", new)
        if new == key:
            break
        key = new
    key = re.sub(r"[^a-z0-9]+", " ", key)
    return re.sub(r"\s+", " ", key).strip()


#: Names Windows reserves for devices, with or without an extension (``con.csv`` cannot be
#: opened there).
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)


def listing(values: Iterable[object], *, limit: int = 10) -> str:
    """``'a', 'b', 'c' ...``: the first ``limit`` values for a message, and an ellipsis when
    there are more."""
    items = list(values)
    shown = ", ".join(repr(v) for v in items[:limit])
    return shown + (" ..." if len(items) > limit else "")


def slugify(text: str) -> str:
    """ASCII slug for file names: ``"Tuyên Quang"`` → ``"tuyen-quang"``.

    Never empty, never longer than 80 characters, and never a name Windows reserves
    (``"Con"`` → ``"con-area"``).
    """
    slug = re.sub(r"[^a-z0-9]+", "-", fold(str(text))).strip("-")[:80].strip("-")
    if not slug:
        return "area"
    if slug in WINDOWS_RESERVED:
        return f"{slug}-area"
    return slug


def unique_slugs(names: Iterable[str]) -> list[str]:
    """:func:`slugify` of each name, made unique in order: a slug already taken gets ``-2``,
    ``-3`` … (``"a/b"`` and ``"a-b"`` → ``"a-b"``, ``"a-b-2"``)."""
    taken: set[str] = set()
    out = []
    for name in names:
        base = slugify(name)
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        out.append(slug)
    return out


@dataclass(frozen=True)
class Province:
    """A Vietnamese province-level unit after the 1 July 2025 reorganisation."""

    code: str
    name: str
    full_name: str
    merged_from: tuple[str, ...]


# The 34 provincial units (Resolution 202/2025/QH15) with their two-digit codes, and the pre-2025
# provinces each was formed from (../shared/DOMAIN.md; codes as in the government's code table).
_PROVINCES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("01", "Hà Nội", "Thành phố Hà Nội", ()),
    ("04", "Cao Bằng", "Tỉnh Cao Bằng", ()),
    ("08", "Tuyên Quang", "Tỉnh Tuyên Quang", ("Hà Giang",)),
    ("11", "Điện Biên", "Tỉnh Điện Biên", ()),
    ("12", "Lai Châu", "Tỉnh Lai Châu", ()),
    ("14", "Sơn La", "Tỉnh Sơn La", ()),
    ("15", "Lào Cai", "Tỉnh Lào Cai", ("Yên Bái",)),
    ("19", "Thái Nguyên", "Tỉnh Thái Nguyên", ("Bắc Kạn",)),
    ("20", "Lạng Sơn", "Tỉnh Lạng Sơn", ()),
    ("22", "Quảng Ninh", "Tỉnh Quảng Ninh", ()),
    ("24", "Bắc Ninh", "Tỉnh Bắc Ninh", ("Bắc Giang",)),
    ("25", "Phú Thọ", "Tỉnh Phú Thọ", ("Vĩnh Phúc", "Hòa Bình")),
    ("31", "Hải Phòng", "Thành phố Hải Phòng", ("Hải Dương",)),
    ("33", "Hưng Yên", "Tỉnh Hưng Yên", ("Thái Bình",)),
    ("37", "Ninh Bình", "Tỉnh Ninh Bình", ("Hà Nam", "Nam Định")),
    ("38", "Thanh Hóa", "Tỉnh Thanh Hóa", ()),
    ("40", "Nghệ An", "Tỉnh Nghệ An", ()),
    ("42", "Hà Tĩnh", "Tỉnh Hà Tĩnh", ()),
    ("44", "Quảng Trị", "Tỉnh Quảng Trị", ("Quảng Bình",)),
    ("46", "Huế", "Thành phố Huế", ("Thừa Thiên Huế", "Thừa Thiên - Huế")),
    ("48", "Đà Nẵng", "Thành phố Đà Nẵng", ("Quảng Nam",)),
    ("51", "Quảng Ngãi", "Tỉnh Quảng Ngãi", ("Kon Tum",)),
    ("52", "Gia Lai", "Tỉnh Gia Lai", ("Bình Định",)),
    ("56", "Khánh Hòa", "Tỉnh Khánh Hòa", ("Ninh Thuận",)),
    ("66", "Đắk Lắk", "Tỉnh Đắk Lắk", ("Phú Yên",)),
    ("68", "Lâm Đồng", "Tỉnh Lâm Đồng", ("Đắk Nông", "Bình Thuận")),
    ("75", "Đồng Nai", "Tỉnh Đồng Nai", ("Bình Phước",)),
    ("79", "Hồ Chí Minh", "Thành phố Hồ Chí Minh", ("Bình Dương", "Bà Rịa - Vũng Tàu")),
    ("80", "Tây Ninh", "Tỉnh Tây Ninh", ("Long An",)),
    ("82", "Đồng Tháp", "Tỉnh Đồng Tháp", ("Tiền Giang",)),
    ("86", "Vĩnh Long", "Tỉnh Vĩnh Long", ("Bến Tre", "Trà Vinh")),
    ("91", "An Giang", "Tỉnh An Giang", ("Kiên Giang",)),
    ("92", "Cần Thơ", "Thành phố Cần Thơ", ("Sóc Trăng", "Hậu Giang")),
    ("96", "Cà Mau", "Tỉnh Cà Mau", ("Bạc Liêu",)),
)

VIETNAM_PROVINCES: dict[str, Province] = {
    code: Province(code, name, full, merged) for code, name, full, merged in _PROVINCES
}

#: Extra spellings people use for the same province (keys as :func:`name_key` gives them).
_ALIASES: dict[str, str] = {
    "ho chi minh": "79",
    "hcm": "79",
    "tphcm": "79",
    "sai gon": "79",
    "ha noi": "01",
    "hanoi": "01",
    "hue": "46",
    "thua thien hue": "46",
    "ba ria vung tau": "79",
    "brvt": "79",
}


def vietnam_province_for(text: str) -> Province | None:
    """The 2025 province a typed name or two-digit code means, old names included."""
    raw = str(text).strip()
    if raw.isdigit() and raw.zfill(2) in VIETNAM_PROVINCES:
        return VIETNAM_PROVINCES[raw.zfill(2)]
    key = name_key(raw)
    for prov in VIETNAM_PROVINCES.values():
        if key in {name_key(prov.name), name_key(prov.full_name)}:
            return prov
    for prov in VIETNAM_PROVINCES.values():
        if key in {name_key(old) for old in prov.merged_from}:
            return prov
    code = _ALIASES.get(key) or _ALIASES.get(key.replace(" ", ""))
    return VIETNAM_PROVINCES[code] if code else None


@dataclass(frozen=True)
class ProvinceMatch:
    """What a typed province name resolved to."""

    typed: str
    value: str
    note: str | None = None


def match_province(typed: str, available: Iterable[str]) -> ProvinceMatch:
    """Resolve ``typed`` against the province names ``available`` in the data.

    Matching ignores case, diacritics, tone placement and unit prefixes.  A pre-2025 province
    name ("Hà Giang") resolves to the 2025 province it merged into ("Tuyên Quang") when that one
    is in the data, with a note saying so.

    Raises
    ------
    SelectionError
        No province matches; the message lists the nearest names.
    """
    names = sorted({str(a) for a in available})
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(name_key(name), name)
    key = name_key(typed)
    if key in by_key:
        return ProvinceMatch(typed, by_key[key])
    prov = vietnam_province_for(typed)
    if prov is not None:
        for candidate in (prov.name, prov.full_name, prov.code):
            if name_key(candidate) in by_key:
                note = None
                if key not in {name_key(prov.name), name_key(prov.full_name)}:
                    note = (
                        f"{typed!r} is a pre-2025 name: since 1 July 2025 it is part of "
                        f"{prov.name!r}, which is what is analysed"
                    )
                return ProvinceMatch(typed, by_key[name_key(candidate)], note)
    nearest = difflib.get_close_matches(key, list(by_key), n=5, cutoff=0.5)
    hint = (
        ", ".join(repr(by_key[k]) for k in nearest)
        if nearest
        else ", ".join(repr(n) for n in names[:10])
    )
    raise SelectionError(
        f"--province {typed!r} is not a province in the villages layer; "
        f"nearest names: {hint} (run 'coverage-gaps provinces' to list them all)"
    )
