"""Words people read: statuses, reasons and column names in Vietnamese and English.

The CSVs keep stable English machine names (``dead_zone``, ``uncovered_population``) for
scripts; everything a person reads (workbooks, maps, the index page, the printed report) takes
its words from here, in the run's language (``--lang``, Vietnamese by default: the readers are
Vietnamese officials and planners).

Vietnamese terms follow the wording of the Ministry of Information and Communications'
programme documents as far as they could be checked here: "vùng lõm sóng" (an area with no
mobile signal), "phủ sóng" (coverage), "chưa có điện" (no electricity), "trạm BTS" (a base
station), "thôn, bản" (village, hamlet), "xã, phường" (commune, ward).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from coverage_gaps.settings import Lang, choices_of

__all__ = [
    "COLUMNS",
    "LANGS",
    "REASONS",
    "STATUSES",
    "TEXT",
    "Column",
    "Lang",
    "column_label",
    "reason_label",
    "reasons_text",
    "status_label",
    "text",
]

LANGS: tuple[str, ...] = choices_of(Lang)

#: Statuses, as short labels.
STATUSES: Mapping[str, Mapping[str, str]] = {
    "dead_zone": {"en": "Dead zone", "vi": "Vùng lõm sóng"},
    "partial": {"en": "Partial coverage", "vi": "Phủ sóng một phần"},
    "covered": {"en": "Covered", "vi": "Có sóng"},
    "not_electrified": {"en": "Not electrified", "vi": "Chưa có điện"},
}

#: What each status means, in a sentence.
STATUS_MEANINGS: Mapping[str, Mapping[str, str]] = {
    "dead_zone": {
        "en": "has grid electricity, but less than {dead:.0%} of its electrified land has signal",
        "vi": "đã có điện lưới nhưng dưới {dead:.0%} diện tích có điện có sóng di động",
    },
    "partial": {
        "en": "has grid electricity; {dead:.0%} to {covered:.0%} of its electrified land has "
        "signal",
        "vi": "đã có điện lưới; từ {dead:.0%} đến dưới {covered:.0%} diện tích có điện có sóng",
    },
    "covered": {
        "en": "at least {covered:.0%} of its electrified land has signal",
        "vi": "ít nhất {covered:.0%} diện tích có điện có sóng di động",
    },
    "not_electrified": {
        "en": "no electrified land: a task for the power company first",
        "vi": "chưa có diện tích có điện lưới: trước hết cần đưa điện về",
    },
}

#: Reasons, as short labels.
REASONS: Mapping[str, Mapping[str, str]] = {
    "no_site_in_reach": {"en": "no site within reach", "vi": "không có trạm BTS trong tầm phủ"},
    "terrain_shadow": {"en": "terrain blocks the signal", "vi": "địa hình che khuất sóng"},
    "2g_only": {"en": "2G only", "vi": "chỉ có sóng 2G"},
    "single_operator": {"en": "one operator only", "vi": "chỉ có một nhà mạng"},
}


@dataclass(frozen=True)
class Column:
    """A column of the village tables: its header and what it holds, in both languages."""

    en: str
    vi: str
    en_help: str
    vi_help: str

    def label(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en

    def help(self, lang: str) -> str:
        return self.vi_help if lang == "vi" else self.en_help


#: The columns of the village tables (machine name → header and explanation).
COLUMNS: Mapping[str, Column] = {
    "priority": Column(
        "Priority",
        "Thứ tự ưu tiên",
        "1 is the most urgent gap: most people (or most electrified land) without signal",
        "1 là nơi cần xử lý trước nhất: nhiều người (hoặc nhiều diện tích có điện) chưa có "
        "sóng nhất",
    ),
    "village_id": Column(
        "Village id",
        "Mã thôn",
        "The village's code in the input file",
        "Mã của thôn trong tệp đầu vào",
    ),
    "village_name": Column("Village", "Tên thôn", "The village's name", "Tên thôn, bản"),
    "commune": Column("Commune", "Xã/phường", "The commune or ward", "Xã, phường, đặc khu"),
    "province": Column("Province", "Tỉnh/thành phố", "The province", "Tỉnh, thành phố"),
    "lon": Column(
        "Longitude",
        "Kinh độ",
        "A point in the village (WGS 84 degrees)",
        "Một điểm trong thôn (độ, WGS 84)",
    ),
    "lat": Column(
        "Latitude",
        "Vĩ độ",
        "A point in the village (WGS 84 degrees)",
        "Một điểm trong thôn (độ, WGS 84)",
    ),
    "status": Column(
        "Status",
        "Tình trạng",
        "Dead zone, partial coverage, covered or not electrified (see the statuses)",
        "Vùng lõm sóng, phủ sóng một phần, có sóng hoặc chưa có điện (xem phần giải thích)",
    ),
    "reason": Column(
        "Reason",
        "Nguyên nhân",
        "Why the village is short of service",
        "Vì sao thôn thiếu sóng",
    ),
    "area_km2": Column(
        "Area (km²)", "Diện tích (km²)", "Area of the village", "Diện tích của thôn"
    ),
    "electrified_km2": Column(
        "Electrified (km²)",
        "Diện tích có điện (km²)",
        "Land of the village with grid electricity",
        "Diện tích của thôn có điện lưới",
    ),
    "covered_share": Column(
        "Covered share",
        "Tỷ lệ có sóng",
        "Share of the electrified land with mobile signal",
        "Tỷ lệ diện tích có điện có sóng di động",
    ),
    "uncovered_electrified_km2": Column(
        "Electrified without signal (km²)",
        "Diện tích có điện chưa có sóng (km²)",
        "Electrified land with no mobile signal",
        "Diện tích có điện nhưng chưa có sóng di động",
    ),
    "population": Column(
        "People", "Dân số", "People living in the village", "Số người sống trong thôn"
    ),
    "uncovered_population": Column(
        "People without signal",
        "Số người chưa có sóng",
        "People on electrified land with no mobile signal",
        "Số người sống trên diện tích có điện nhưng chưa có sóng",
    ),
    "nearest_site_m": Column(
        "Nearest site (m)",
        "Trạm BTS gần nhất (m)",
        "Distance to the nearest base station (0: one is inside)",
        "Khoảng cách đến trạm BTS gần nhất (0: có trạm trong thôn)",
    ),
    "operators": Column(
        "Operators",
        "Số nhà mạng",
        "How many operators reach any of its land",
        "Số nhà mạng có sóng ở một phần diện tích của thôn",
    ),
    "operator_names": Column(
        "Operator names", "Tên nhà mạng", "The operators that reach it", "Các nhà mạng có sóng"
    ),
    "broadband_operators": Column(
        "Broadband operators",
        "Số nhà mạng 3G/4G/5G",
        "How many operators reach it with 3G, 4G or 5G",
        "Số nhà mạng có sóng 3G, 4G hoặc 5G",
    ),
    "best_signal_dbm": Column(
        "Best signal (dBm)",
        "Cường độ sóng tốt nhất (dBm)",
        "The strongest predicted signal in the village (propagation models)",
        "Cường độ tín hiệu dự báo mạnh nhất trong thôn (mô hình truyền sóng)",
    ),
}

#: Other words of the outputs: titles, layer names, controls.
TEXT: Mapping[str, Mapping[str, str]] = {
    "title": {"en": "Coverage gaps", "vi": "Vùng lõm sóng"},
    "villages_layer": {"en": "Villages by status", "vi": "Thôn theo tình trạng"},
    "dead_land_layer": {
        "en": "Dead-zone land (electrified, no signal)",
        "vi": "Diện tích lõm sóng (có điện, chưa có sóng)",
    },
    "coverage_layer": {"en": "Coverage (any counted service)", "vi": "Vùng phủ sóng"},
    "signal_layer": {"en": "Signal (dBm)", "vi": "Cường độ sóng (dBm)"},
    "sites_layer": {"en": "Sites (by operator)", "vi": "Trạm BTS (theo nhà mạng)"},
    "area_layer": {"en": "Analysis area", "vi": "Phạm vi phân tích"},
    "communes_layer": {"en": "Communes", "vi": "Xã, phường"},
    "legend": {"en": "Legend", "vi": "Chú giải"},
    "search": {"en": "Find a village (name or id)", "vi": "Tìm thôn (tên hoặc mã)"},
    "offline_note": {
        "en": "The street/photo base map needs internet; offline, the communes are shown.",
        "vi": "Bản đồ nền cần kết nối internet; khi không có mạng, bản đồ hiển thị ranh giới xã.",
    },
    "site": {"en": "Site", "vi": "Trạm"},
    "cells": {"en": "cells", "vi": "cell"},
    "range": {"en": "range", "vi": "bán kính"},
    "generated": {
        "en": "Made by coverage-gaps {version} on {date}",
        "vi": "Tạo bởi coverage-gaps {version} ngày {date}",
    },
    "signal_radio_layer": {
        "en": "Signal {radio} ({generation})",
        "vi": "Cường độ sóng {radio} ({generation})",
    },
    "signal_good": {"en": "Good: {measure} ≥ {good} dBm", "vi": "Tốt: {measure} ≥ {good} dBm"},
    "signal_usable": {
        "en": "Usable: {measure} ≥ {usable} dBm (service threshold)",
        "vi": "Dùng được: {measure} ≥ {usable} dBm (ngưỡng phục vụ)",
    },
    "signal_none": {
        "en": "No service: {measure} < {usable} dBm",
        "vi": "Không có sóng: {measure} < {usable} dBm",
    },
    "base_osm": {"en": "OpenStreetMap (needs internet)", "vi": "OpenStreetMap (cần internet)"},
    "base_imagery": {
        "en": "Satellite photo (needs internet)",
        "vi": "Ảnh vệ tinh (cần internet)",
    },
    "base_none": {"en": "No base map (offline)", "vi": "Không có bản đồ nền (ngoại tuyến)"},
    "offline_banner": {
        "en": "No internet: the base map did not load; commune outlines and names are drawn "
        "instead.",
        "vi": "Không có internet: bản đồ nền không tải được; bản đồ hiển thị ranh giới và tên xã.",
    },
    "sites_small": {
        "en": "drawn small below zoom {zoom}",
        "vi": "hiển thị nhỏ khi thu nhỏ dưới mức {zoom}",
    },
    "area_note": {
        "en": "coverage is computed inside it",
        "vi": "vùng phủ sóng được tính trong phạm vi này",
    },
    "no_match": {"en": "No village found", "vi": "Không tìm thấy thôn"},
    "layers": {"en": "Layers", "vi": "Lớp bản đồ"},
    "none": {"en": "none", "vi": "không có"},
    "towers_attribution": {"en": "Cell towers", "vi": "Trạm BTS"},
    "radios": {"en": "Technologies", "vi": "Công nghệ"},
    "software": {
        "en": "Drawn with Leaflet {version} (BSD-2-Clause; licence text in this file)",
        "vi": "Bản đồ dùng Leaflet {version} (giấy phép BSD-2-Clause, kèm trong tệp này)",
    },
    "village_count": {
        "en": "{villages} villages, {dead} dead zones",
        "vi": "{villages} thôn, {dead} vùng lõm sóng",
    },
}


def _pick(table: Mapping[str, Mapping[str, str]], key: str, lang: str) -> str:
    entry = table.get(key)
    if entry is None:
        return key
    return entry.get(lang, entry["en"])


def status_label(status: str, lang: str) -> str:
    """``"Vùng lõm sóng"`` for ``("dead_zone", "vi")``; unknown statuses as they are."""
    return _pick(STATUSES, status, lang)


def reason_label(reason: str, lang: str) -> str:
    """The label of one reason; unknown reasons as they are."""
    return _pick(REASONS, reason, lang)


def reasons_text(reasons: str, lang: str) -> str:
    """``"no_site_in_reach;2g_only"`` as ``"no site within reach, 2G only"``."""
    return ", ".join(reason_label(r, lang) for r in str(reasons).split(";") if r)


def column_label(column: str, lang: str) -> str:
    """The header of a column (its machine name when it has no entry)."""
    entry = COLUMNS.get(column)
    return column if entry is None else entry.label(lang)


def text(key: str, lang: str, **values: object) -> str:
    """A text of :data:`TEXT`, formatted with ``values``."""
    return _pick(TEXT, key, lang).format(**values)
