"""Write the chosen outputs of one analysed area."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from coverage_gaps.names import slugify
from coverage_gaps.outputs.tables import to_fix_table, village_table, write_csv
from coverage_gaps.pipeline import AreaResult


def write_area_outputs(
    result: AreaResult, out_dir: str | Path, *, outputs: Collection[str]
) -> list[Path]:
    """Write ``<slug>-villages.csv``, ``<slug>-to-fix.csv``, ``<slug>.gpkg`` and ``<slug>.html``
    (as chosen by ``outputs`` among ``csv``, ``gpkg``, ``html``) and return their paths."""
    out_dir = Path(out_dir)
    slug = result.slug
    written: list[Path] = []
    if "csv" in outputs:
        written.append(write_csv(village_table(result.villages), out_dir / f"{slug}-villages.csv"))
        written.append(write_csv(to_fix_table(result.villages), out_dir / f"{slug}-to-fix.csv"))
    if "gpkg" in outputs:
        from coverage_gaps.outputs.geopackage import write_geopackage

        written.append(
            write_geopackage(
                out_dir / f"{slug}.gpkg",
                villages=result.villages,
                sites=result.sites,
                dead_zones=result.dead_zones,
            )
        )
    signals = result.coverage.signal_by_radio or {}
    if signals and ("gpkg" in outputs or "html" in outputs):
        from coverage_gaps.outputs.rasters import write_signal_cog

        for key, layer in signals.items():
            radio, _, op = key.partition(":")
            name = f"{slug}-signal-{radio.lower()}"
            what = f"best-server {radio} signal (dBm)"
            if op:  # a per-operator layer, keyed "LTE:3" by operator index
                operator = result.operators[int(op)]
                name += f"-{slugify(operator)}"
                what = f"{operator} {radio} signal (dBm)"
            written.append(
                write_signal_cog(out_dir / f"{name}.tif", layer, result.grid, description=what)
            )
    if "html" in outputs:
        from coverage_gaps.outputs.webmap import build_map, write_map

        fmap = build_map(
            result.name,
            villages=result.villages,
            sites=result.sites,
            dead_zones=result.dead_zones,
            grid=result.grid,
            covered=result.coverage.serving != 0,
            operators=result.operators,
            signal_dbm=result.coverage.best_signal_dbm,
        )
        written.append(write_map(out_dir / f"{slug}.html", fmap))
    return written
