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

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coverage_gaps.settings import Lang, Unit, choices_of

__all__ = [
    "CHANGE_LABELS",
    "COLUMNS",
    "LANGS",
    "LAYER_COLUMNS",
    "REASONS",
    "REASON_MEANINGS",
    "STATUSES",
    "STATUS_MEANINGS",
    "TEXT",
    "UNITS",
    "Column",
    "Lang",
    "Unit",
    "Wording",
    "change_label",
    "column_help",
    "column_label",
    "format_number",
    "format_percent",
    "reason_label",
    "reason_meaning",
    "reasons_text",
    "status_label",
    "status_meaning",
    "text",
    "wording",
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
    "beyond_site_range": {
        "en": "land beyond every site's range",
        "vi": "khu vực ngoài tầm phủ của các trạm BTS",
    },
    "terrain_shadow": {"en": "terrain blocks the signal", "vi": "địa hình che khuất sóng"},
    "2g_sunset": {"en": "only 2G, now switched off", "vi": "chỉ có sóng 2G, nay đã tắt"},
    "3g_sunset": {"en": "only 3G, now switched off", "vi": "chỉ có sóng 3G, nay đã tắt"},
    "field_no_signal": {
        "en": "no signal found in a field check",
        "vi": "kiểm tra thực địa: không có sóng",
    },
    "field_signal": {"en": "signal found in a field check", "vi": "kiểm tra thực địa: có sóng"},
    "field_no_power": {
        "en": "no power found in a field check",
        "vi": "kiểm tra thực địa: chưa có điện",
    },
    "no_measurements_nearby": {
        "en": "no measurement nearby (may be missing data)",
        "vi": "không có dữ liệu đo gần đó (có thể do thiếu dữ liệu)",
    },
    "2g_only": {"en": "2G only", "vi": "chỉ có sóng 2G"},
    "single_operator": {"en": "one operator only", "vi": "chỉ có một nhà mạng"},
}

#: What each reason means, in a sentence.
REASON_MEANINGS: Mapping[str, Mapping[str, str]] = {
    "beyond_site_range": {
        "en": "part of its electrified land without signal is beyond the reach of every base "
        "station, even over open flat ground: a new site is needed",
        "vi": "một phần diện tích có điện chưa có sóng nằm ngoài tầm phủ của mọi trạm BTS, kể "
        "cả khi địa hình bằng phẳng: cần xây trạm mới",
    },
    "2g_sunset": {
        "en": "part of its electrified land without signal was served only by 2G, which is now "
        "switched off",
        "vi": "một phần diện tích có điện chưa có sóng trước đây chỉ có sóng 2G, nay đã tắt",
    },
    "3g_sunset": {
        "en": "part of its electrified land without signal was served only by 3G, which is now "
        "switched off",
        "vi": "một phần diện tích có điện chưa có sóng trước đây chỉ có sóng 3G, nay đã tắt",
    },
    "no_measurements_nearby": {
        "en": "no cell at all was observed within 10 km: crowd-sourced data are thin where few "
        "people travel, so the dark may be missing data rather than missing signal",
        "vi": "không có trạm nào được ghi nhận trong vòng 10 km: dữ liệu cộng đồng thưa ở nơi ít "
        "người qua lại, nên có thể là thiếu dữ liệu chứ không phải thiếu sóng",
    },
    "field_no_signal": {
        "en": "an official's field check found no signal",
        "vi": "kiểm tra thực địa cho thấy không có sóng",
    },
    "field_signal": {
        "en": "an official's field check found signal",
        "vi": "kiểm tra thực địa cho thấy có sóng",
    },
    "field_no_power": {
        "en": "an official's field check found no power: a task for the power company first",
        "vi": "kiểm tra thực địa cho thấy chưa có điện: trước hết cần đưa điện về",
    },
    "terrain_shadow": {
        "en": "a base station would serve it over flat ground, but hills or mountains block "
        "the signal (propagation models with terrain only)",
        "vi": "trạm BTS lẽ ra phủ được nếu địa hình bằng phẳng, nhưng đồi núi che khuất sóng "
        "(chỉ có ở mô hình truyền sóng theo địa hình)",
    },
    "2g_only": {
        "en": "the only service on its electrified land is 2G (GSM/CDMA): calls and SMS, no "
        "mobile internet",
        "vi": "trên diện tích có điện chỉ có sóng 2G (GSM/CDMA): gọi điện và nhắn tin, chưa có "
        "internet di động",
    },
    "single_operator": {
        "en": "only one operator serves it (for covered villages this is information, not a gap)",
        "vi": "chỉ một nhà mạng phục vụ (với thôn có sóng đây là thông tin, không phải thiếu sóng)",
    },
}


@dataclass(frozen=True)
class Column:
    """A column of the village tables: its header and what it holds, in both languages."""

    en: str
    vi: str
    en_help: str
    vi_help: str

    def label(self, lang: str) -> str:
        return _worded(self.vi if lang == "vi" else self.en, lang)

    def help(self, lang: str) -> str:
        return _worded(self.vi_help if lang == "vi" else self.en_help, lang)


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
    "distance_to_electricity_m": Column(
        "Distance to electricity (m)",
        "Khoảng cách đến lưới điện (m)",
        "From the village to the nearest electrified land",
        "Từ thôn đến khu vực có điện gần nhất",
    ),
    "sites_in_reach": Column(
        "Sites in reach",
        "Số trạm trong tầm",
        "Sites that could reach some of its land over flat open ground",
        "Số trạm BTS có thể phủ tới một phần diện tích của thôn nếu địa hình bằng phẳng",
    ),
    "serving_sites": Column(
        "Serving sites",
        "Số trạm phục vụ",
        "Sites that serve some of its electrified land",
        "Số trạm BTS phủ sóng một phần diện tích có điện của thôn",
    ),
    "best_site_id": Column(
        "Best site",
        "Trạm tốt nhất",
        "The site that gives it the strongest signal (the nearest serving site for the disc model)",
        "Trạm BTS cho tín hiệu mạnh nhất (với mô hình vòng tròn: trạm phục vụ gần nhất)",
    ),
    "best_site_distance_m": Column(
        "Best site distance (m)",
        "Khoảng cách đến trạm tốt nhất (m)",
        "From the best site to the village's electrified land",
        "Từ trạm tốt nhất đến diện tích có điện của thôn",
    ),
    "evidence_samples": Column(
        "Observations",
        "Số lần đo",
        "OpenCelliD observations of the cells that serve it",
        "Số lần quan sát (OpenCelliD) của các cell phục vụ thôn",
    ),
    "last_seen": Column(
        "Last seen",
        "Lần cuối ghi nhận",
        "The newest observation of those cells",
        "Lần quan sát gần nhất của các cell đó",
    ),
    "models_agree": Column(
        "Models agree",
        "Các mô hình thống nhất",
        "The disc model and the propagation model give the same status",
        "Mô hình vòng tròn và mô hình truyền sóng cho cùng một tình trạng",
    ),
    "confidence": Column(
        "Confidence",
        "Độ tin cậy",
        "high, medium or low (see the rule in the README and the explanation sheet)",
        "cao, trung bình hoặc thấp (xem quy tắc trong phần giải thích)",
    ),
    "status_source": Column(
        "Status from",
        "Nguồn tình trạng",
        "'model' (the analysis) or 'field' (an official's field check; the workbooks say "
        "'field check')",
        "'model' (kết quả phân tích) hoặc 'field' (kết quả kiểm tra thực địa; trong bảng tính: "
        "'mô hình' hoặc 'kiểm tra thực địa')",
    ),
    "model_status": Column(
        "Status by the model",
        "Tình trạng theo mô hình",
        "The status the analysis gave before any field check",
        "Tình trạng theo phân tích, trước khi kiểm tra thực địa",
    ),
    "checked_on": Column(
        "Checked on", "Ngày kiểm tra", "Date of the field check", "Ngày kiểm tra thực địa"
    ),
    "checked_by": Column(
        "Checked by", "Người kiểm tra", "Who made the field check", "Người kiểm tra thực địa"
    ),
    "check_note": Column(
        "Check note", "Ghi chú kiểm tra", "The field check's note", "Ghi chú của lần kiểm tra"
    ),
    "check_operator": Column(
        "Operator checked",
        "Nhà mạng đã thử",
        "The operator the field check tested, as the official wrote it (empty: not said)",
        "Nhà mạng đã thử khi kiểm tra thực địa, như người kiểm tra ghi (trống: không ghi)",
    ),
    "check_technology": Column(
        "Technology checked",
        "Công nghệ đã thấy",
        "The technology the field check saw (2G, 3G, 4G or 5G; empty: not said)",
        "Công nghệ thấy được khi kiểm tra thực địa (2G, 3G, 4G hoặc 5G; trống: không ghi)",
    ),
    "best_signal_dbm": Column(
        "Best signal (dBm)",
        "Cường độ sóng tốt nhất (dBm)",
        "The strongest predicted signal in the village (propagation models)",
        "Cường độ tín hiệu dự báo mạnh nhất trong thôn (mô hình truyền sóng)",
    ),
    # summary.csv
    "villages": Column(
        "Villages",
        "Số thôn",
        "Villages analysed in the province",
        "Số thôn được phân tích trong tỉnh",
    ),
    "dead_zone": Column(
        "Dead zones", "Số thôn lõm sóng", "Villages that are dead zones", "Số thôn lõm sóng"
    ),
    "partial": Column(
        "Partial coverage",
        "Số thôn phủ sóng một phần",
        "Villages with partial coverage",
        "Số thôn phủ sóng một phần",
    ),
    "covered": Column("Covered", "Số thôn có sóng", "Villages covered", "Số thôn có sóng"),
    "not_electrified": Column(
        "Not electrified",
        "Số thôn chưa có điện",
        "Villages without electrified land",
        "Số thôn chưa có diện tích có điện lưới",
    ),
    "sites": Column(
        "Sites in reach",
        "Số trạm BTS",
        "Base stations that may serve the province's villages",
        "Số trạm BTS có thể phủ sóng tới các thôn trong tỉnh",
    ),
    # the sites layer (GeoPackage, KMZ)
    "site_id": Column(
        "Site id", "Mã trạm", "Number of the site in this run", "Số thứ tự của trạm trong lần chạy"
    ),
    "operator": Column(
        "Operator",
        "Nhà mạng",
        "The operator, from the mobile network code",
        "Nhà mạng, theo mã mạng di động",
    ),
    "mcc": Column(
        "MCC", "MCC", "Mobile country code (452: Vietnam)", "Mã quốc gia di động (452: Việt Nam)"
    ),
    "net": Column("MNC", "MNC", "Mobile network code", "Mã mạng di động"),
    "radios": Column(
        "Technologies",
        "Công nghệ",
        "Technologies of its cells: GSM = 2G, UMTS = 3G, LTE = 4G, NR = 5G",
        "Công nghệ của các cell: GSM = 2G, UMTS = 3G, LTE = 4G, NR = 5G",
    ),
    "cells": Column("Cells", "Số cell", "Cells of the site", "Số cell của trạm"),
    "range_m": Column(
        "Range (m)",
        "Bán kính (m)",
        "Largest range observed for its cells (OpenCelliD)",
        "Bán kính lớn nhất ghi nhận được của các cell (OpenCelliD)",
    ),
    "samples": Column(
        "Samples",
        "Số lần đo",
        "Measurements behind its cells",
        "Số lần đo ghi nhận các cell của trạm",
    ),
    "first_created": Column(
        "First seen",
        "Ghi nhận lần đầu",
        "Date its first cell was first seen (OpenCelliD)",
        "Ngày cell đầu tiên của trạm được ghi nhận (OpenCelliD)",
    ),
    # coverage-gaps plan: <province>-new-sites and <province>-unreachable
    "rank": Column(
        "Rank",
        "Thứ tự",
        "1 is the proposed site that adds the most; each adds the most of those after it",
        "1 là trạm đề xuất mang lại nhiều nhất; mỗi trạm mang lại nhiều nhất trong số các trạm "
        "sau nó",
    ),
    "kind": Column(
        "Kind",
        "Loại",
        "new: a new mast on grid-powered land; shared_mast: equipment on another operator's "
        "mast; upgrade: the planned technology added to the operator's own mast",
        "new: cột mới trên vùng có điện lưới; shared_mast: lắp thiết bị trên cột của nhà mạng "
        "khác; upgrade: bổ sung công nghệ trên trạm hiện có của nhà mạng",
    ),
    "existing_operator": Column(
        "Mast of",
        "Cột của nhà mạng",
        "The operator whose mast it is (existing masts only)",
        "Nhà mạng sở hữu cột (chỉ với cột hiện có)",
    ),
    "elevation_m": Column(
        "Elevation (m)",
        "Độ cao (m)",
        "Ground elevation at the site (from the DEM)",
        "Độ cao mặt đất tại vị trí trạm (theo mô hình độ cao)",
    ),
    "demand_covered": Column(
        "Demand served",
        "Nhu cầu được phủ",
        "Dark demand the site serves that the sites ranked before it do not: people, or km² "
        "of electrified land without signal (the plan's objective)",
        "Nhu cầu chưa có sóng mà trạm phủ tới và các trạm xếp trước chưa phủ: số người, hoặc "
        "km² đất có điện chưa có sóng (theo mục tiêu của phương án)",
    ),
    "people_covered": Column(
        "People served",
        "Số người được phủ sóng",
        "People without signal the site newly serves (not counted again for later sites)",
        "Số người chưa có sóng được trạm phủ sóng mới (không tính lại cho các trạm sau)",
    ),
    "land_covered_km2": Column(
        "Land served (km²)",
        "Diện tích được phủ (km²)",
        "Electrified land without signal the site newly serves",
        "Diện tích có điện chưa có sóng được trạm phủ sóng mới",
    ),
    "villages_fixed": Column(
        "Villages fixed",
        "Số thôn được xử lý",
        "Villages whose covered share of electrified land reaches the 'covered' threshold "
        "with this site",
        "Số thôn đạt ngưỡng 'có sóng' (tỷ lệ diện tích có điện có sóng) nhờ trạm này",
    ),
    "village_ids": Column(
        "Villages served",
        "Các thôn được phủ sóng",
        "Ids of the villages whose dark land this site is the first to serve",
        "Mã các thôn có vùng lõm sóng được trạm này phủ sóng trước tiên",
    ),
    "cumulative_share": Column(
        "Cumulative share",
        "Tỷ lệ cộng dồn",
        "Share of the dark demand served by this site and those ranked before it",
        "Tỷ lệ nhu cầu chưa có sóng được phủ bởi trạm này và các trạm xếp trước",
    ),
    "dark_km2": Column(
        "Dark land (km²)",
        "Diện tích lõm sóng (km²)",
        "The village's electrified land without signal",
        "Diện tích có điện chưa có sóng của thôn",
    ),
    "unreachable_km2": Column(
        "Unreachable (km²)",
        "Không phủ được (km²)",
        "Of it, the land no candidate site can serve: it needs another kind of solution "
        "(satellite, a repeater, a mast where there is no power)",
        "Phần diện tích không trạm đề xuất nào phủ được: cần giải pháp khác (vệ tinh, trạm "
        "lặp, cột ở nơi chưa có điện)",
    ),
    "unreachable_share": Column(
        "Unreachable share",
        "Tỷ lệ không phủ được",
        "Share of the village's dark land no candidate can serve",
        "Tỷ lệ diện tích lõm sóng của thôn không trạm đề xuất nào phủ được",
    ),
    "dark_people": Column(
        "People without signal",
        "Số người chưa có sóng",
        "People on the village's dark land",
        "Số người trên vùng lõm sóng của thôn",
    ),
    "unreachable_people": Column(
        "People unreachable",
        "Số người không phủ được",
        "Of them, those no candidate site can serve",
        "Trong đó, số người không trạm đề xuất nào phủ được",
    ),
    # coverage-gaps compare: changes.xlsx
    "old_village_id": Column(
        "Old village id",
        "Mã thôn cũ",
        "The village's code in the old run (when the runs were matched by location)",
        "Mã của thôn trong lần phân tích trước (khi hai lần được ghép theo vị trí)",
    ),
    "old_status": Column(
        "Status before",
        "Tình trạng trước",
        "The village's status in the old run",
        "Tình trạng của thôn trong lần phân tích trước",
    ),
    "new_status": Column(
        "Status now",
        "Tình trạng nay",
        "The village's status in the new run",
        "Tình trạng của thôn trong lần phân tích này",
    ),
    "change": Column(
        "Change",
        "Thay đổi",
        "What changed: fixed, new gap, worse, better, unchanged, added or removed",
        "Thay đổi: đã có sóng, lõm sóng mới, xấu đi, tốt lên, không đổi, mới có hoặc không còn "
        "trong dữ liệu",
    ),
    "old_covered_share": Column(
        "Covered share before",
        "Tỷ lệ có sóng trước",
        "Share of the electrified land with signal in the old run",
        "Tỷ lệ diện tích có điện có sóng trong lần phân tích trước",
    ),
    "new_covered_share": Column(
        "Covered share now",
        "Tỷ lệ có sóng nay",
        "Share of the electrified land with signal in the new run",
        "Tỷ lệ diện tích có điện có sóng trong lần phân tích này",
    ),
    "fixed": Column(
        "Fixed",
        "Đã có sóng",
        "Villages dark before (dead zone or partial), covered now",
        "Số thôn trước lõm sóng hoặc phủ một phần, nay có sóng",
    ),
    "new_gap": Column(
        "New gaps",
        "Lõm sóng mới",
        "Villages covered or without power before, dark now",
        "Số thôn trước có sóng hoặc chưa có điện, nay lõm sóng hoặc phủ một phần",
    ),
    "worse": Column(
        "Worse",
        "Xấu đi",
        "Villages partial before and dead zones now, or that lost their electrified land",
        "Số thôn trước phủ một phần nay lõm sóng, hoặc không còn diện tích có điện",
    ),
    "better": Column(
        "Better",
        "Tốt lên",
        "Villages dead zones before and partial now, or without power before and covered now",
        "Số thôn trước lõm sóng nay phủ một phần, hoặc trước chưa có điện nay có sóng",
    ),
    "unchanged": Column(
        "Unchanged", "Không đổi", "Villages of the same status", "Số thôn có tình trạng như cũ"
    ),
    "added": Column(
        "Added",
        "Mới có trong dữ liệu",
        "Villages only in the new run",
        "Số thôn chỉ có trong lần phân tích này",
    ),
    "removed": Column(
        "Removed",
        "Không còn trong dữ liệu",
        "Villages only in the old run",
        "Số thôn chỉ có trong lần phân tích trước",
    ),
    "dark_before": Column(
        "Dark before",
        "Lõm sóng trước",
        "Dead zones and partials in the old run",
        "Số thôn lõm sóng và phủ một phần trong lần phân tích trước",
    ),
    "dark_now": Column(
        "Dark now",
        "Lõm sóng nay",
        "Dead zones and partials in the new run",
        "Số thôn lõm sóng và phủ một phần trong lần phân tích này",
    ),
}

#: The changes of :func:`coverage_gaps.compare.change_of` in words.
CHANGE_LABELS: Mapping[str, Mapping[str, str]] = {
    "fixed": {"en": "fixed", "vi": "đã có sóng"},
    "new_gap": {"en": "new gap", "vi": "lõm sóng mới"},
    "worse": {"en": "worse", "vi": "xấu đi"},
    "better": {"en": "better", "vi": "tốt lên"},
    "unchanged": {"en": "unchanged", "vi": "không đổi"},
    "added": {"en": "added", "vi": "mới có trong dữ liệu"},
    "removed": {"en": "removed", "vi": "không còn trong dữ liệu"},
}

#: Columns whose meaning differs in one layer: ``(layer, column)`` → its entry.
LAYER_COLUMNS: Mapping[tuple[str, str], Column] = {
    ("sites", "lon"): Column(
        "Longitude", "Kinh độ", "Position of the site (WGS 84)", "Vị trí của trạm (WGS 84)"
    ),
    ("sites", "lat"): Column(
        "Latitude", "Vĩ độ", "Position of the site (WGS 84)", "Vị trí của trạm (WGS 84)"
    ),
    ("dead_zones", "area_km2"): Column(
        "Area (km²)",
        "Diện tích (km²)",
        "Electrified land of the village with no signal",
        "Diện tích có điện của thôn chưa có sóng",
    ),
    # <province>-field-check.xlsx and the files given to --field-checks (machine names as
    # headers: the reader wants them)
    ("field_check", "observed"): Column(
        "observed",
        "observed",
        "What the field check found: signal, no_signal or no_power",
        "Kết quả kiểm tra thực địa: signal (có sóng), no_signal (không có sóng) hoặc no_power "
        "(chưa có điện)",
    ),
    ("field_check", "date"): Column(
        "date", "date", "Date of the field check", "Ngày kiểm tra thực địa"
    ),
    ("field_check", "checked_by"): Column(
        "checked_by", "checked_by", "Who made the field check", "Người kiểm tra thực địa"
    ),
    ("field_check", "note"): Column(
        "note", "note", "The field check's note", "Ghi chú của lần kiểm tra"
    ),
    ("field_check", "operator"): Column(
        "operator",
        "operator",
        "The operator tested in the field check (optional)",
        "Nhà mạng đã thử khi kiểm tra (không bắt buộc)",
    ),
    ("field_check", "technology"): Column(
        "technology",
        "technology",
        "The technology seen in the field check: 2G, 3G, 4G or 5G (optional)",
        "Công nghệ thấy được khi kiểm tra: 2G, 3G, 4G hoặc 5G (không bắt buộc)",
    ),
}

#: Other words of the outputs: titles, layer names, controls.
TEXT: Mapping[str, Mapping[str, str]] = {
    "title": {"en": "Coverage gaps", "vi": "Vùng lõm sóng"},
    "confidence_high": {"en": "high", "vi": "cao"},
    "confidence_medium": {"en": "medium", "vi": "trung bình"},
    "confidence_low": {"en": "low", "vi": "thấp"},
    "source_model": {"en": "model", "vi": "mô hình"},
    "source_field": {"en": "field check", "vi": "kiểm tra thực địa"},
    "yes": {"en": "yes", "vi": "có"},
    "no": {"en": "no", "vi": "không"},
    "all_provinces": {"en": "all provinces", "vi": "tất cả các tỉnh"},
    # coverage-gaps compare
    "changes_title": {"en": "Changes between two runs", "vi": "Thay đổi giữa hai lần phân tích"},
    "changes_changed": {"en": "Villages that changed", "vi": "Thôn có thay đổi"},
    "changes_none": {"en": "No village changed.", "vi": "Không thôn nào thay đổi."},
    "sheet_changes": {"en": "Villages", "vi": "Thôn"},
    "sheet_change_totals": {"en": "Provinces", "vi": "Tỉnh"},
    # coverage-gaps progress
    "progress_title": {
        "en": "Dark villages (dead zones and partials)",
        "vi": "Số thôn lõm sóng và phủ sóng một phần",
    },
    "progress_deadline": {"en": "deadline", "vi": "hạn chót"},
    "progress_projection": {"en": "at the current rate", "vi": "theo tốc độ hiện nay"},
    # coverage-gaps plan
    "plan_title": {
        "en": "{province}: where to build new sites",
        "vi": "{province}: vị trí đề xuất xây trạm BTS mới",
    },
    "plan_subtitle": {
        "en": "{sites} proposed sites serve {share} of the dark demand",
        "vi": "{sites} trạm đề xuất phủ sóng {share} nhu cầu chưa có sóng",
    },
    "sheet_new_sites": {"en": "New sites", "vi": "Trạm đề xuất"},
    "new_sites_title": {
        "en": "{province}: proposed new sites, the one that adds the most first",
        "vi": "{province}: các trạm BTS đề xuất, trạm mang lại nhiều nhất trước",
    },
    "plan_sites_layer": {"en": "Proposed sites", "vi": "Trạm đề xuất"},
    "plan_site": {"en": "Proposed site {rank}", "vi": "Trạm đề xuất số {rank}"},
    "plan_coverage_layer": {
        "en": "New coverage of the proposed sites",
        "vi": "Vùng phủ sóng mới của trạm đề xuất",
    },
    "plan_unreachable_layer": {
        "en": "Dark land no candidate site reaches",
        "vi": "Vùng lõm sóng không trạm đề xuất nào phủ tới",
    },
    "kind_new": {"en": "new mast", "vi": "cột mới"},
    "kind_shared_mast": {
        "en": "on another operator's mast",
        "vi": "dùng chung cột của nhà mạng khác",
    },
    "kind_upgrade": {"en": "upgrade of an own mast", "vi": "nâng cấp trạm hiện có"},
    "plan_plot_x": {"en": "New sites", "vi": "Số trạm mới"},
    "plan_plot_y": {
        "en": "Share of the dark demand served",
        "vi": "Tỷ lệ nhu cầu chưa có sóng được phủ",
    },
    "plan_plot_greedy": {"en": "greedy (one site at a time)", "vi": "tham lam (từng trạm một)"},
    "plan_plot_optimal": {"en": "optimal", "vi": "tối ưu"},
    "plan_plot_bound": {"en": "proven upper bound", "vi": "cận trên đã chứng minh"},
    "plan_plot_plan": {"en": "this plan, in rank order", "vi": "phương án này, theo thứ tự"},
    # workbooks, glossary, printed report, KMZ
    "sheet_villages": {"en": "Villages", "vi": "Thôn"},
    "sheet_to_fix": {"en": "To fix", "vi": "Cần xử lý"},
    "sheet_explanation": {"en": "Explanation", "vi": "Giải thích"},
    "sheet_glossary": {"en": "Glossary", "vi": "Thuật ngữ"},
    "villages_title": {
        "en": "{province}: every village and its mobile coverage",
        "vi": "{province}: tất cả các thôn và tình trạng phủ sóng di động",
    },
    "to_fix_title": {
        "en": "{province}: villages with electricity but no or partial mobile signal, most "
        "urgent first",
        "vi": "{province}: các thôn đã có điện nhưng chưa có sóng hoặc sóng chưa phủ hết, "
        "theo thứ tự ưu tiên",
    },
    "run_date": {"en": "Date of the run", "vi": "Ngày chạy"},
    "version": {"en": "coverage-gaps version", "vi": "Phiên bản coverage-gaps"},
    "columns_heading": {"en": "Columns", "vi": "Các cột"},
    "statuses_heading": {"en": "Statuses", "vi": "Tình trạng"},
    "reasons_heading": {"en": "Reasons", "vi": "Nguyên nhân"},
    "column": {"en": "Column", "vi": "Cột"},
    "meaning": {"en": "Meaning", "vi": "Ý nghĩa"},
    "thresholds_note": {
        "en": "Thresholds of this run: a village is a dead zone when less than {dead:.0%} of "
        "its electrified land has signal, covered from {covered:.0%}.",
        "vi": "Ngưỡng của lần chạy này: thôn là vùng lõm sóng khi dưới {dead:.0%} diện tích "
        "có điện có sóng, là có sóng khi từ {covered:.0%} trở lên.",
    },
    "figures_note": {
        "en": "Figures are sums over the analysis grid's cells (of {resolution:g} m) whose "
        "centre lies in the village.",
        "vi": "Số liệu được tính trên các ô lưới phân tích ({resolution:g} m) có tâm nằm trong "
        "thôn.",
    },
    "report_title": {
        "en": "{province}: villages with electricity but no mobile signal",
        "vi": "{province}: các thôn đã có điện lưới nhưng chưa có sóng di động",
    },
    "summary_heading": {"en": "Summary", "vi": "Tổng hợp"},
    "villages_total": {"en": "Villages analysed", "vi": "Số thôn được phân tích"},
    "people_without_signal": {"en": "People without signal", "vi": "Số người chưa có sóng"},
    "electrified_without_signal": {
        "en": "Electrified land without signal",
        "vi": "Diện tích có điện chưa có sóng",
    },
    "sites_in_reach": {"en": "Base stations in reach", "vi": "Số trạm BTS trong tầm phủ"},
    "sites_legend": {"en": "Base stations", "vi": "Trạm BTS"},
    "villages_count": {"en": "villages", "vi": "thôn"},
    "top_to_fix": {"en": "The {n} villages to fix first", "vi": "{n} thôn cần xử lý trước"},
    "no_gaps": {
        "en": "No village is a dead zone or partially covered.",
        "vi": "Không có thôn nào lõm sóng hoặc phủ sóng một phần.",
    },
    "more_to_fix": {
        "en": "{n} more villages to fix: see {file}.",
        "vi": "Còn {n} thôn cần xử lý: xem tệp {file}.",
    },
    "more_to_fix_unlisted": {
        "en": "{n} more villages to fix are not in this report; this run wrote no file that "
        "lists them.",
        "vi": "Còn {n} thôn cần xử lý không có trong báo cáo này; lần chạy này không ghi tệp nào "
        "liệt kê các thôn đó.",
    },
    "page": {"en": "Page {n} of {total}", "vi": "Trang {n}/{total}"},
    "first_seen": {"en": "First seen", "vi": "Ghi nhận lần đầu"},
    "glossary_title": {
        "en": "What the columns of the output files mean",
        "vi": "Ý nghĩa các cột trong các tệp kết quả",
    },
    "files": {"en": "Files", "vi": "Tệp"},
    "kind": {"en": "Kind", "vi": "Loại"},
    "kind_column": {"en": "column", "vi": "cột"},
    "kind_status": {"en": "status", "vi": "tình trạng"},
    "kind_reason": {"en": "reason", "vi": "nguyên nhân"},
    "machine_name": {"en": "Name in the files", "vi": "Tên trong tệp"},
    "header": {"en": "Header", "vi": "Tiêu đề"},
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
        "en": "The street/photo base map needs internet; offline, the map shows {base}.",
        "vi": "Bản đồ nền cần kết nối internet; khi không có mạng, bản đồ hiển thị {base}.",
    },
    "site": {"en": "Site", "vi": "Trạm"},
    "cells": {"en": "cells", "vi": "cell"},
    "range": {"en": "range", "vi": "bán kính"},
    "to_index": {"en": "← All provinces", "vi": "← Tất cả các tỉnh"},
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
        "en": "No internet: the base map did not load; the map shows {base}.",
        "vi": "Không có internet: bản đồ nền không tải được; bản đồ hiển thị {base}.",
    },
    # What the map draws as its own base ({base} above), by what the run has: commune outlines
    # (--commune-layer), else the villages' own outlines (polygon villages), and commune names.
    "offline_base_communes_names": {
        "en": "commune outlines and names",
        "vi": "ranh giới và tên xã",
    },
    "offline_base_communes": {"en": "commune outlines", "vi": "ranh giới xã"},
    "offline_base_villages_names": {
        "en": "village outlines and commune names",
        "vi": "ranh giới thôn và tên xã",
    },
    "offline_base_villages": {"en": "village outlines", "vi": "ranh giới thôn"},
    "offline_base_names": {
        "en": "only the commune names (no commune outlines were given)",
        "vi": "tên xã (không có dữ liệu ranh giới xã)",
    },
    "offline_base_none": {
        "en": "a blank background (no commune outlines were given)",
        "vi": "nền trống (không có dữ liệu ranh giới xã)",
    },
    # The layer of that base in the layer list (commune outlines: "communes_layer").
    "base_layer_villages_names": {
        "en": "Village outlines, commune names",
        "vi": "Ranh giới thôn, tên xã",
    },
    "base_layer_villages": {"en": "Village outlines", "vi": "Ranh giới thôn"},
    "base_layer_names": {"en": "Commune names", "vi": "Tên xã"},
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
    # index.html: the run's national page
    "index_title": {
        "en": "Coverage gaps: every province of the run",
        "vi": "Vùng lõm sóng: tổng hợp các tỉnh",
    },
    "index_intro": {
        "en": "{provinces} provinces, {villages} villages analysed: {dead} dead zones and "
        "{partial} partially covered villages.",
        "vi": "{provinces} tỉnh, {villages} thôn được phân tích: {dead} thôn lõm sóng và "
        "{partial} thôn phủ sóng một phần.",
    },
    "index_people": {
        "en": "{people} people live on electrified land without signal.",
        "vi": "{people} người sống ở nơi đã có điện nhưng chưa có sóng.",
    },
    "index_how": {
        "en": "Click a province on the map or in the table to open its map and lists.",
        "vi": "Bấm vào một tỉnh trên bản đồ hoặc trong bảng để mở bản đồ và danh sách của tỉnh.",
    },
    "map_heading": {"en": "Map", "vi": "Bản đồ"},
    "measure_dead_zone": {
        "en": "Dead zones (villages) per province",
        "vi": "Số thôn lõm sóng theo tỉnh",
    },
    "measure_uncovered_population": {
        "en": "People without signal per province",
        "vi": "Số người chưa có sóng theo tỉnh",
    },
    "outline_villages": {
        "en": "Province outlines are drawn from their villages (approximate).",
        "vi": "Ranh giới tỉnh được vẽ gần đúng theo các thôn.",
    },
    "outline_layer": {
        "en": "Province outlines from {file}.",
        "vi": "Ranh giới tỉnh lấy từ tệp {file}.",
    },
    "not_on_map": {
        "en": "{n} provinces have no outline and are not on the map: {names}.",
        "vi": "{n} tỉnh không có ranh giới nên không hiện trên bản đồ: {names}.",
    },
    "by_province": {"en": "Summary by province", "vi": "Tổng hợp theo tỉnh"},
    "total": {"en": "Total", "vi": "Tổng cộng"},
    "sites_total_note": {
        "en": "A base station may serve two provinces, so sites are not added up.",
        "vi": "Một trạm BTS có thể phủ sóng hai tỉnh nên số trạm không được cộng dồn.",
    },
    "main_files": {"en": "Open", "vi": "Mở"},
    "link_map": {"en": "Map", "vi": "Bản đồ"},
    "link_to_fix": {"en": "To fix", "vi": "Cần xử lý"},
    "link_field_check": {"en": "Field checks", "vi": "Kiểm tra thực địa"},
    "link_report": {"en": "PDF", "vi": "PDF"},
    "files_heading": {"en": "Files", "vi": "Các tệp"},
    "run_files": {"en": "Files of the whole run", "vi": "Tệp chung của lần chạy"},
    "run_heading": {"en": "About this run", "vi": "Thông tin lần chạy"},
    "inputs_heading": {"en": "Input files", "vi": "Dữ liệu đầu vào"},
    "settings_heading": {"en": "Every setting (JSON)", "vi": "Toàn bộ thiết lập (JSON)"},
    "notes_heading": {"en": "Notes", "vi": "Ghi chú"},
    "as_of": {"en": "Network as of", "vi": "Mạng lưới tính đến ngày"},
    "model": {"en": "Coverage model", "vi": "Mô hình phủ sóng"},
    "radios_counted": {"en": "Technologies that count", "vi": "Công nghệ được tính"},
    "operators_counted": {"en": "Operators that count", "vi": "Nhà mạng được tính"},
    "all": {"en": "all", "vi": "tất cả"},
    "sunsets_applied": {"en": "Switched off (sunsets)", "vi": "Công nghệ đã tắt sóng"},
    "sunset_entry": {"en": "{what} after {date}", "vi": "{what} sau ngày {date}"},
    "grid": {"en": "Analysis grid", "vi": "Lưới phân tích"},
    "language": {"en": "Language", "vi": "Ngôn ngữ"},
    "setting": {"en": "Setting", "vi": "Thiết lập"},
    "file": {"en": "File", "vi": "Tệp"},
    "size": {"en": "Size", "vi": "Dung lượng"},
    "sha256": {"en": "SHA-256", "vi": "SHA-256"},
    "file_map": {"en": "Map", "vi": "Bản đồ"},
    "file_to_fix_xlsx": {"en": "To fix (Excel)", "vi": "Cần xử lý (Excel)"},
    "file_field_check": {
        "en": "Field-check form (Excel)",
        "vi": "Mẫu kiểm tra thực địa (Excel)",
    },
    "file_villages_xlsx": {"en": "All villages (Excel)", "vi": "Tất cả các thôn (Excel)"},
    "file_report": {"en": "Printed report (PDF)", "vi": "Báo cáo in (PDF)"},
    "file_kmz": {"en": "Google Earth (KMZ)", "vi": "Google Earth (KMZ)"},
    "file_to_fix_csv": {"en": "To fix (CSV)", "vi": "Cần xử lý (CSV)"},
    "file_villages_csv": {"en": "All villages (CSV)", "vi": "Tất cả các thôn (CSV)"},
    "file_no_power": {"en": "Without power (CSV)", "vi": "Thôn chưa có điện (CSV)"},
    "file_model_vs_field": {
        "en": "Model against field checks (CSV)",
        "vi": "So sánh mô hình và kiểm tra thực địa (CSV)",
    },
    "file_gpkg": {"en": "GIS layers (GeoPackage)", "vi": "Lớp GIS (GeoPackage)"},
    "file_signal": {"en": "Signal {radio} (GeoTIFF)", "vi": "Cường độ sóng {radio} (GeoTIFF)"},
    "file_style": {"en": "QGIS style", "vi": "Kiểu hiển thị QGIS"},
    "file_summary": {"en": "Summary (CSV)", "vi": "Tổng hợp (CSV)"},
    "file_glossary_csv": {"en": "Glossary (CSV)", "vi": "Thuật ngữ (CSV)"},
    "file_glossary_xlsx": {"en": "Glossary (Excel)", "vi": "Thuật ngữ (Excel)"},
    "file_record": {"en": "Run record (JSON)", "vi": "Hồ sơ lần chạy (JSON)"},
    "file_index": {"en": "This page", "vi": "Trang này"},
    "file_other": {"en": "File", "vi": "Tệp"},
    "no_data": {"en": "no data", "vi": "không có dữ liệu"},
    # <province>-field-check.xlsx
    "sheet_field_check": {"en": "Field checks", "vi": "Kiểm tra thực địa"},
    "sheet_how_to": {"en": "How to fill in", "vi": "Cách điền"},
    "field_check_title": {
        "en": "{province}: field checks of the villages without or with partial signal",
        "vi": "{province}: kiểm tra thực địa các thôn chưa có sóng hoặc sóng chưa phủ hết",
    },
    "fc_observed": {
        "en": "What you found: signal, no_signal or no_power (choose from the list)",
        "vi": "Kết quả kiểm tra: signal (có sóng), no_signal (không có sóng) hoặc no_power "
        "(chưa có điện); chọn trong danh sách",
    },
    "fc_date": {
        "en": "Date of the check, as 2025-03-14",
        "vi": "Ngày kiểm tra, viết dạng 2025-03-14 (năm-tháng-ngày)",
    },
    "fc_checked_by": {
        "en": "Who checked (name, office)",
        "vi": "Người kiểm tra (họ tên, đơn vị)",
    },
    "fc_note": {"en": "Anything worth knowing", "vi": "Ghi chú thêm"},
    "fc_operator": {
        "en": "The operator tested, if one (optional)",
        "vi": "Nhà mạng đã thử, nếu có (không bắt buộc)",
    },
    "fc_technology": {
        "en": "The technology seen on the phone: 2G, 3G, 4G or 5G (optional)",
        "vi": "Công nghệ hiện trên điện thoại: 2G, 3G, 4G hoặc 5G (không bắt buộc)",
    },
    "fc_village_id": {
        "en": "The village's code: do not change it",
        "vi": "Mã thôn: không sửa",
    },
    "fc_context": {
        "en": "From the analysis, for reference (grey columns, read only)",
        "vi": "Thông tin từ kết quả phân tích để tham khảo (cột màu xám, chỉ đọc)",
    },
    "fc_steps": {
        "en": "1. Go to each village of the first sheet (most urgent first) and try a phone "
        "call and mobile internet in its inhabited places.\n"
        "2. On its row, choose in 'observed' what you found: signal, no_signal (no usable "
        "signal) or no_power (the village has no electricity), and write the 'date' of the "
        "check and your name in 'checked_by'. Leave the rows of villages you did not visit "
        "empty.\n"
        "3. A village that is not listed: add it on an empty row below with its village code "
        "in 'village_id'.\n"
        "4. Do not rename the first row's headers or the sheet; save as Excel (.xlsx).\n"
        "5. Give the file back as it is: the next run reads it with --field-checks; a check "
        "counts for {days} days (unless the run sets another --field-check-validity).",
        "vi": "1. Đến từng thôn trong trang đầu (theo thứ tự ưu tiên) và thử gọi điện, dùng "
        "internet di động ở khu dân cư của thôn.\n"
        "2. Trên dòng của thôn, chọn kết quả ở cột 'observed': signal (có sóng), no_signal "
        "(không có sóng dùng được) hoặc no_power (thôn chưa có điện); ghi ngày kiểm tra vào "
        "cột 'date' và tên người kiểm tra vào cột 'checked_by'. Để trống các dòng của thôn "
        "chưa kiểm tra.\n"
        "3. Thôn không có trong danh sách: thêm vào một dòng trống phía dưới, ghi mã thôn ở "
        "cột 'village_id'.\n"
        "4. Không đổi tên các tiêu đề ở dòng đầu và tên trang; lưu dạng Excel (.xlsx).\n"
        "5. Gửi lại tệp như vậy: lần chạy sau đọc tệp bằng --field-checks; mỗi kết quả "
        "kiểm tra có giá trị trong {days} ngày (trừ khi lần chạy đặt --field-check-validity "
        "khác).",
    },
    "fc_columns": {"en": "The columns", "vi": "Các cột"},
    "fc_values": {"en": "Values of 'observed'", "vi": "Giá trị của cột 'observed'"},
    "fc_signal": {
        "en": "a phone call and mobile internet work in the village",
        "vi": "gọi điện và dùng internet di động được trong thôn",
    },
    "fc_no_signal": {
        "en": "no usable signal in the village",
        "vi": "trong thôn không có sóng dùng được",
    },
    "fc_no_power": {
        "en": "the village has no grid electricity",
        "vi": "thôn chưa có điện lưới",
    },
    "fc_bad_value": {
        "en": "Choose signal, no_signal or no_power from the list.",
        "vi": "Hãy chọn signal, no_signal hoặc no_power trong danh sách.",
    },
    "fc_bad_date": {
        "en": "Write a date such as 2025-03-14.",
        "vi": "Hãy ghi ngày dạng 2025-03-14 (năm-tháng-ngày).",
    },
}


_VI_SEPARATORS = str.maketrans(",.", ".,")


def format_number(value: Any, digits: int, lang: str) -> str:
    """``value`` with ``digits`` decimals as ``lang`` writes it: ``1.234,5`` in Vietnamese,
    ``1,234.5`` in English, with a real minus sign (U+2212); "—" for a missing value."""
    if value is None or pd.isna(value):
        return "—"
    text = f"{float(value):,.{digits}f}"
    if lang == "vi":
        text = text.translate(_VI_SEPARATORS)
    return text.replace("-", "\u2212")


def format_percent(value: Any, lang: str, digits: int = 0) -> str:
    """``value``, a share, as a percentage in ``lang``'s digits (``0.444`` is ``44%``); "—" for
    a missing value."""
    if value is None or pd.isna(value):
        return "—"
    return format_number(100 * float(value), digits, lang) + "%"


#: What the features of a run are: villages (thôn, bản) or communes (xã, phường).  Every text
#: here is written for villages; :func:`wording` turns them into texts about communes.
UNITS: tuple[str, ...] = choices_of(Unit)


class Wording(str):
    """A language code (``"vi"``, ``"en"``) that also knows what the run's features are.

    It is the code itself for every comparison and lookup, so it goes wherever a ``lang`` does;
    the functions of this module word their texts for its :attr:`unit`.  Made by
    :func:`wording`.
    """

    unit: Unit

    def __new__(cls, lang: str, unit: Unit = "village") -> Wording:
        if unit not in UNITS:
            raise ValueError(f"{unit!r} is not one of {', '.join(map(repr, UNITS))}")
        out = super().__new__(cls, lang)
        out.unit = unit
        return out

    def __reduce__(self) -> tuple[Callable[..., Wording], tuple[str, Unit]]:
        return (Wording, (str(self), self.unit))


def wording(lang: str, unit: str = "village") -> str:
    """``lang`` as the texts of a run of ``unit`` (``"village"`` or ``"commune"``) are worded:
    ``lang`` itself for villages, a :class:`Wording` for communes (``"Tên thôn"`` reads
    ``"Tên xã"``, ``"Villages analysed"`` reads ``"Communes analysed"``)."""
    if unit == "village":
        return str(lang)
    if unit == "commune":
        return Wording(str(lang), "commune")
    raise ValueError(f"{unit!r} is not one of {', '.join(map(repr, UNITS))}")


#: Placeholders (``{villages}``) are names of values, never words to change.
_PLACEHOLDER = re.compile(r"(\{[^{}]*\})")
#: The words of a text about villages and their words about communes, per language (whole words
#: only: "thông" stays "thông").
_COMMUNE_WORDS: Mapping[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "vi": (
        (re.compile(r"\bthôn, bản\b"), "xã, phường"),
        (re.compile(r"\bThôn\b"), "Xã"),
        (re.compile(r"\bthôn\b"), "xã"),
    ),
    "en": (
        (re.compile(r"\bvillage, hamlet\b"), "commune, ward"),
        (re.compile(r"\bVillage(s?)\b"), r"Commune\1"),
        (re.compile(r"\bvillage(s?)\b"), r"commune\1"),
    ),
}


def _worded(template: str, lang: str) -> str:
    """``template`` (a text about villages, before its values are put in) worded for the unit
    of ``lang``."""
    if getattr(lang, "unit", "village") != "commune":
        return template
    words = _COMMUNE_WORDS.get(str(lang), _COMMUNE_WORDS["en"])
    parts = _PLACEHOLDER.split(template)
    for i in range(0, len(parts), 2):
        for pattern, repl in words:
            parts[i] = pattern.sub(repl, parts[i])
    return "".join(parts)


def _pick(table: Mapping[str, Mapping[str, str]], key: str, lang: str) -> str:
    entry = table.get(key)
    if entry is None:
        return key
    return _worded(entry.get(lang, entry["en"]), lang)


def status_label(status: str, lang: str) -> str:
    """``"Vùng lõm sóng"`` for ``("dead_zone", "vi")``; unknown statuses as they are."""
    return _pick(STATUSES, status, lang)


def reason_label(reason: str, lang: str) -> str:
    """The label of one reason; unknown reasons as they are."""
    return _pick(REASONS, reason, lang)


def change_label(change: str, lang: str) -> str:
    """``"lõm sóng mới"`` for ``("new_gap", "vi")``; unknown changes as they are."""
    return _pick(CHANGE_LABELS, change, lang)


def reasons_text(reasons: str, lang: str) -> str:
    """``"beyond_site_range;2g_only"`` in words of ``lang``."""
    return ", ".join(reason_label(r, lang) for r in str(reasons).split(";") if r)


def status_meaning(status: str, lang: str, *, dead: float, covered: float) -> str:
    """What ``status`` means, with the run's thresholds (shares 0-1)."""
    return _pick(STATUS_MEANINGS, status, lang).format(dead=dead, covered=covered)


def reason_meaning(reason: str, lang: str) -> str:
    """What one reason means, in a sentence; unknown reasons as they are."""
    return _pick(REASON_MEANINGS, reason, lang)


def column_help(column: str, lang: str) -> str:
    """What a column holds (empty when it has no entry)."""
    entry = COLUMNS.get(column)
    return "" if entry is None else entry.help(lang)


def column_label(column: str, lang: str) -> str:
    """The header of a column (its machine name when it has no entry)."""
    entry = COLUMNS.get(column)
    return column if entry is None else entry.label(lang)


def text(key: str, lang: str, **values: object) -> str:
    """A text of :data:`TEXT`, formatted with ``values``."""
    return _pick(TEXT, key, lang).format(**values)
