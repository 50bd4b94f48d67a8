"""``coverage-gaps provinces``: the provinces of a villages layer, with village counts."""

from __future__ import annotations

from pathlib import Path

import click

from coverage_gaps.cli import options as o
from coverage_gaps.runner import NO_PROVINCE, load_villages
from coverage_gaps.settings import VillageOptions


@click.command(short_help="List the provinces of a villages layer.")
@o.villages_opt
@o.village_columns
@o.admin_layers
def provinces(
    villages: Path,
    layer: str | None,
    id_col: str | None,
    name_col: str | None,
    commune_col: str | None,
    province_col: str | None,
    province_layer: tuple[Path, str | None] | None,
    province_layer_col: str | None,
    commune_layer: tuple[Path, str | None] | None,
    commune_layer_col: str | None,
) -> None:
    """List the provinces of the villages layer with how many villages each has.

    With --province-layer, villages are counted in the province they lie in.
    """
    frame = load_villages(
        villages,
        VillageOptions(
            layer=layer,
            id_col=id_col,
            name_col=name_col,
            commune_col=commune_col,
            province_col=province_col,
        ),
        **o.admin_layer_args(province_layer, province_layer_col, commune_layer, commune_layer_col),
    )
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
