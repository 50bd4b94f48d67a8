"""``coverage-gaps provinces``: the provinces of a villages layer, with village counts."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import click
import pandas as pd

from coverage_gaps.cli import options as o
from coverage_gaps.cli.common import GroupedCommand, verbosity_options
from coverage_gaps.names import vi_sort_key
from coverage_gaps.runner import NO_PROVINCE, load_villages

#: The formats ``--format`` offers.
FORMATS = ("table", "csv", "json")


def province_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """``province``, ``province_code``, ``villages`` per province, in Vietnamese alphabetical
    order (:func:`coverage_gaps.names.vi_sort_key`), the villages without a province last."""
    counts = frame.groupby(["province", "province_code"]).size().reset_index(name="villages")
    names = [str(p) for p in counts["province"]]
    codes = [str(c) for c in counts["province_code"]]
    counts["province"], counts["province_code"] = names, codes
    order = sorted(
        range(len(counts)), key=lambda i: (names[i] == "", vi_sort_key(names[i]), codes[i])
    )
    counts = counts.iloc[order].reset_index(drop=True)
    counts["province"] = counts["province"].replace("", NO_PROVINCE)
    return counts


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (combining marks take none)."""
    return sum(not unicodedata.combining(c) for c in unicodedata.normalize("NFC", text))


def _pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def format_table(counts: pd.DataFrame) -> str:
    """The counts as an aligned table with a header and a total line."""
    with_codes = bool((counts["province_code"] != "").any())
    heads = (["Code"] if with_codes else []) + ["Province", "Villages"]
    rows = [
        ([str(r.province_code)] if with_codes else [])
        + [unicodedata.normalize("NFC", str(r.province)), f"{int(str(r.villages)):,}"]
        for r in counts.itertuples(index=False)
    ]
    widths = [max(_width(h), *(_width(r[i]) for r in rows)) for i, h in enumerate(heads)]
    lines = []
    for cells in [heads, *rows]:
        out = [
            _pad(c, w, right=(i == len(heads) - 1))
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        lines.append("  ".join(out))
    lines.insert(1, "  ".join("-" * w for w in widths))
    n = len(counts)
    lines.append(f"{n} province{'s' if n != 1 else ''}, {int(counts['villages'].sum()):,} villages")
    return "\n".join(lines)


@click.command(cls=GroupedCommand, short_help="List the provinces of a villages layer.")
@o.villages_file
@o.admin_layer_options
@o.village_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table for reading, csv or json for scripts (machine column names).",
)
@verbosity_options
def provinces(fmt: str, **kw: Any) -> None:
    """List the provinces of the villages layer with how many villages each has, in
    Vietnamese alphabetical order (Đ after D, tone marks after the letters).

    With --province-layer, villages are counted in the province they lie in.

    \b
    Examples:
      coverage-gaps provinces --villages communes.gpkg
      coverage-gaps provinces --villages places.geojson --province-layer provinces.gpkg
      coverage-gaps provinces --villages communes.gpkg --format csv > provinces.csv
      coverage-gaps provinces --villages communes.gpkg --format json
    """
    villages = kw.pop("villages")
    layers = o.admin_layers(kw)
    frame = load_villages(villages, o.build_villages(kw), **layers)
    if (frame["province"] == "").all():
        click.echo(
            f"{villages}: no province column found; use --province-col or --province-layer. "
            f"{len(frame)} villages in all.",
            err=fmt != "table",
        )
        if fmt == "table":
            return
    counts = province_counts(frame)
    if fmt == "csv":
        click.echo(counts.to_csv(index=False, lineterminator="\n"), nl=False)
    elif fmt == "json":
        records = [
            {
                "province": str(r.province),
                "province_code": str(r.province_code),
                "villages": int(str(r.villages)),
            }
            for r in counts.itertuples(index=False)
        ]
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        click.echo(format_table(counts))
