"""The printed report: rendered by poppler (pdftoppm, pdftotext) as a reader's viewer would."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import unicodedata
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from coverage_gaps.outputs import AREA_WRITERS
from coverage_gaps.outputs.report import write_area_report, write_report
from coverage_gaps.outputs.webmap import STATUS_COLOURS
from coverage_gaps.outputs.workbooks import RunStamp
from coverage_gaps.pipeline import AreaResult
from tests.outputs_support import NAMES, small_area, target

requires_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext") and shutil.which("pdfinfo")),
    reason="poppler-utils (pdftoppm, pdftotext, pdfinfo) not installed",
)


def poppler(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def page_text(pdf: Path, page: int) -> str:
    text = poppler("pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-")
    return unicodedata.normalize("NFC", text)


def all_text(pdf: Path) -> str:
    """The whole report's text, its white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", poppler("pdftotext", str(pdf), "-")).split())


def page_words(
    pdf: Path,
) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    """Each page's width, height and words (``x0, y0, x1, y1, text``, y from the top), as
    poppler lays them out."""
    out = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>',
                            poppler("pdftotext", "-bbox", str(pdf), "-"), re.S):  # fmt: skip
        words = [
            (*map(float, m.groups()[:4]), unicodedata.normalize("NFC", html.unescape(m[5])))
            for m in re.finditer(
                r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<',
                page[3],
            )
        ]
        out.append((float(page[1]), float(page[2]), words))
    return out


def many_gaps(n: int, *, long_names: bool = False) -> AreaResult:
    """The small area's villages repeated to ``n`` dead zones, priorities 1 to ``n``; with
    ``long_names``, long Vietnamese names (some in capitals), communes and four reasons each."""
    import dataclasses

    import geopandas as gpd
    import pandas as pd

    result = small_area()
    base = result.villages
    copies = pd.concat([base] * (n // len(base) + 1), ignore_index=True).head(n)
    villages = gpd.GeoDataFrame(copies, geometry="geometry", crs=base.crs)
    villages["village_id"] = [f"V{i:04d}" for i in range(1, n + 1)]
    villages["status"] = "dead_zone"
    villages["priority"] = pd.array(range(1, n + 1), dtype="Int64")
    if long_names:
        name = "Thôn Ngã Ba Đường Mường Khương Hoàng Su Phì Xín Mần Nghĩa Đô"
        villages["village_name"] = [
            f"{name.upper() if i % 2 else name} {i}" for i in range(1, n + 1)
        ]
        villages["commune"] = "XÃ NGHĨA ĐÔ THƯỢNG QUẢNG NGUYÊN ĐỒNG VĂN"
        villages["reason"] = "beyond_site_range;terrain_shadow;no_measurements_nearby;2g_sunset"
    return dataclasses.replace(result, villages=villages)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pdf")
    return write_area_report(small_area(), target(folder, kinds=("csv", "xlsx", "pdf")))[0]


@requires_poppler
def test_a4_pages_with_searchable_vietnamese(report: Path) -> None:
    info = poppler("pdfinfo", str(report))
    assert re.search(r"^Pages:\s+2$", info, re.M)
    assert "595.276 x 841.89 pts (A4)" in info
    fonts = poppler("pdffonts", str(report))
    assert "DejaVuSans" in fonts and " no " not in fonts.split("\n", 2)[2]  # all embedded
    first = page_text(report, 1)
    assert "Lào Cai: các thôn đã có điện lưới nhưng chưa có sóng di động" in first
    assert "dưới 15%" in first  # the run's thresholds
    assert "13.540" in first  # people without signal, written as Vietnamese writes it
    second = page_text(report, 2)
    assert "4 thôn cần xử lý trước" in second
    rows = [line.split() for line in second.splitlines() if line.split()[:1] in (["1"], ["2"])]
    assert rows[0][:2] == ["1", "003"] and rows[1][:2] == ["2", "004"]  # most urgent first
    assert NAMES[5] in second and "<b>Mường</b>" in second  # diacritics, markup as text


@requires_poppler
def test_map_page_renders_the_status_colours(report: Path, tmp_path: Path) -> None:
    from PIL import Image

    poppler("pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(report), str(tmp_path / "p"))
    image = np.asarray(Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")).astype(int)
    assert image.shape[:2] == (585, 414)  # A4 at 50 dpi
    ink = (image < 240).any(axis=2).mean()
    assert 0.02 < ink < 0.5
    for status in ("dead_zone", "covered", "not_electrified"):
        rgb = np.array([int(STATUS_COLOURS[status][i : i + 2], 16) for i in (1, 3, 5)])
        shown = 0.85 * rgb + 0.15 * 255  # drawn at 85 % opacity on white
        near = (np.abs(image - shown).max(axis=2) <= 12).sum()
        assert near > 50, status


@requires_poppler
def test_english_report_and_no_gaps(tmp_path: Path) -> None:
    result = small_area()
    stamp = RunStamp(datetime(2025, 9, 30, 8, 0), "9.8.7")
    path = write_report(tmp_path / "en.pdf", result, lang="en", stamp=stamp, top_n=2)
    first, second = page_text(path, 1), page_text(path, 2)
    assert "Made by coverage-gaps 9.8.7 on 2025-09-30" in first and "13,540" in first
    assert "The 2 villages to fix first" in second
    assert "2 more villages to fix" in second


@requires_poppler
def test_no_gaps_says_so_and_every_writer_copes(tmp_path: Path) -> None:
    import dataclasses

    import openpyxl
    import pandas as pd

    from coverage_gaps.outputs.kmz import write_area_kmz
    from coverage_gaps.outputs.workbooks import write_area_workbooks

    result = small_area()
    villages = result.villages.copy()
    villages["status"] = "covered"
    villages["priority"] = pd.array([pd.NA] * len(villages), dtype="Int64")
    covered = dataclasses.replace(result, villages=villages)
    path = write_report(tmp_path / "r.pdf", covered)
    assert "Không có thôn nào lõm sóng hoặc phủ sóng một phần." in page_text(path, 2)
    fix = write_area_workbooks(covered, target(tmp_path))[0]
    sheet = openpyxl.load_workbook(fix).worksheets[0]
    assert sheet.max_row == 1 and sheet.auto_filter.ref.endswith("1")
    assert write_area_kmz(covered, target(tmp_path))[0].stat().st_size > 0


@requires_poppler
@pytest.mark.parametrize(
    ("kinds", "named"),
    [
        (("pdf",), None),
        (("csv", "pdf"), "lao-cai-to-fix.csv"),
        (("pdf", "xlsx"), "lao-cai-to-fix.xlsx"),
        (("csv", "pdf", "xlsx"), "lao-cai-to-fix.xlsx"),
        (("pdf", "field-check"), "lao-cai-field-check.xlsx"),
    ],
)
def test_report_names_only_files_the_run_writes(
    tmp_path: Path, kinds: tuple[str, ...], named: str | None
) -> None:
    area = target(tmp_path, kinds=kinds)
    for kind, writer in AREA_WRITERS.items():  # as a run writes them
        if kind in kinds:
            writer.write(many_gaps(30), area)
    text = all_text(tmp_path / "lao-cai.pdf")
    written = {p.name for p in tmp_path.iterdir()}
    mentioned = set(re.findall(r"[\w.-]*\.(?:csv|xlsx|gpkg|html|kmz|tif|pdf)\b", text))
    assert mentioned <= written, (mentioned, written)
    if named is None:
        assert not mentioned
        assert (
            "Còn 10 thôn cần xử lý không có trong báo cáo này; lần chạy này không ghi tệp nào "
            "liệt kê các thôn đó." in text
        )
    else:
        assert f"Còn 10 thôn cần xử lý: xem tệp {named}." in text


@requires_poppler
def test_report_outside_a_run_names_no_file(tmp_path: Path) -> None:
    path = write_report(tmp_path / "r.pdf", many_gaps(25), lang="en")
    text = all_text(path)
    assert "5 more villages to fix are not in this report; this run wrote no file" in text
    assert "to-fix" not in text


@requires_poppler
@pytest.mark.parametrize(("lang", "top_n"), [("vi", 20), ("en", 20), ("vi", 60), ("en", 60)])
def test_long_lists_go_on_to_further_pages(tmp_path: Path, lang: str, top_n: int) -> None:
    from coverage_gaps.outputs import labels

    stamp = RunStamp(datetime(2025, 9, 30, 8, 0), "9.8.7")
    path = write_report(tmp_path / "r.pdf", many_gaps(120, long_names=True), lang=lang,
                        top_n=top_n, stamp=stamp, to_fix_file="lao-cai-to-fix.xlsx")  # fmt: skip
    pages = page_words(path)
    info = poppler("pdfinfo", str(path))
    assert f"Pages:           {len(pages)}\n" in info
    assert len(pages) >= (3 if top_n == 60 else 2)
    footer = {
        "vi": "Tạo bởi coverage-gaps 9.8.7 ngày 2025-09-30 Trang {n}/{total}",
        "en": "Made by coverage-gaps 9.8.7 on 2025-09-30 Page {n} of {total}",
    }[lang]
    header_word = {"vi": "Xã/phường", "en": "Commune"}[lang]
    ids = []
    for n, (width, height, words) in enumerate(pages, start=1):
        box = np.array([w[:4] for w in words])
        assert (box >= 0).all() and (box[:, 2] <= width).all() and (box[:, 3] <= height).all()
        # nothing runs into the footer: the bottom 4.5 % of the page holds the footer alone
        bottom = [w[4] for w in words if w[3] > 0.955 * height]
        assert " ".join(bottom) == footer.format(n=n, total=len(pages)), n
        # no text is printed over other text (a long name over the next column, a line over
        # the footer)
        x0, y0, x1, y1 = (box[:, i] for i in range(4))
        across = np.minimum(x1[:, None], x1) - np.maximum(x0[:, None], x0)
        down = np.minimum(y1[:, None], y1) - np.maximum(y0[:, None], y0)
        clash = np.argwhere(np.triu((across > 1) & (down > 1), 1))
        assert not len(clash), [(words[i][4], words[j][4]) for i, j in clash[:5]]
        page_ids = [
            w[4] for w in sorted(words, key=lambda w: w[1]) if re.fullmatch(r"V\d{4}", w[4])
        ]
        if page_ids:  # every page of the table has its header
            assert header_word in {w[4] for w in words}, n
        ids += page_ids
    assert ids == [f"V{i:04d}" for i in range(1, top_n + 1)]  # every row, in order, once
    text = all_text(path)
    # the last of what the words mean is printed too: the four reasons these villages have,
    # and no other
    shown = ["beyond_site_range", "terrain_shadow", "no_measurements_nearby", "2g_sunset"]
    for reason in labels.REASONS:
        line = f"{labels.reason_label(reason, lang)}: {labels.reason_meaning(reason, lang)}"
        assert (line in text) == (reason in shown), reason
    more = {
        "vi": f"Còn {120 - top_n} thôn cần xử lý: xem tệp lao-cai-to-fix.xlsx.",
        "en": f"{120 - top_n} more villages to fix: see lao-cai-to-fix.xlsx.",
    }[lang]
    assert more in text
    assert path.stat().st_size < 150_000
