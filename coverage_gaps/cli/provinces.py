"""``coverage-gaps provinces``: the provinces of a villages layer, with village counts."""

from __future__ import annotations

from typing import Any

import click

from coverage_gaps.cli import options as o
from coverage_gaps.cli._common import GroupedCommand, verbosity_options
from coverage_gaps.runner import NO_PROVINCE, load_villages


@click.command(cls=GroupedCommand, short_help="List the provinces of a villages layer.")
@o.villages_file
@o.admin_layer_options
@o.village_options
@verbosity_options
def provinces(**kw: Any) -> None:
    """List the provinces of the villages layer with how many villages each has.

    With --province-layer, villages are counted in the province they lie in.

    \b
    Examples:
      coverage-gaps provinces --villages communes.gpkg
      coverage-gaps provinces --villages places.geojson --province-layer provinces.gpkg
    """
    villages = kw.pop("villages")
    layers = o.admin_layers(kw)
    frame = load_villages(villages, o.build_villages(kw), **layers)
    counts = frame.groupby(["province", "province_code"]).size().reset_index(name="villages")
    if (counts["province"] == "").all():
        click.echo(
            f"{villages}: no province column found; use --province-col or --province-layer. "
            f"{len(frame)} villages in all."
        )
        return
    counts["province"] = counts["province"].replace("", NO_PROVINCE)
    width = max(len(str(p)) for p in counts["province"])
    for row in counts.itertuples(index=False):
        code = f"{row.province_code}  " if row.province_code else ""
        click.echo(f"{code}{row.province:<{width}}  {row.villages:>6}")
