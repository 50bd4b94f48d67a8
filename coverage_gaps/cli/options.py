"""Options shared by the commands, and their parsing into typed settings."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from coverage_gaps.coverage.base import BROADBAND, RADIOS
from coverage_gaps.io.admin import AdminLayer
from coverage_gaps.settings import DEFAULT_FIXED_RADII_M

F = TypeVar("F", bound=Callable[..., Any])

_RADIO_ALIASES = {
    "2G": ("GSM", "CDMA"),
    "3G": ("UMTS",),
    "4G": ("LTE",),
    "5G": ("NR",),
    "BROADBAND": tuple(r for r in RADIOS if r in BROADBAND),
    "ALL": RADIOS,
}
OUTPUT_KINDS = ("csv", "gpkg", "html")


def parse_radios(
    ctx: click.Context | None, param: click.Parameter | None, value: str
) -> tuple[str, ...]:
    """``"broadband"`` → ``("UMTS", "LTE", "NR")``; ``"GSM,4G"`` → ``("GSM", "LTE")``."""
    out: list[str] = []
    for token in (t.strip().upper() for t in value.split(",") if t.strip()):
        names = _RADIO_ALIASES.get(token, (token,) if token in RADIOS else None)
        if names is None:
            raise click.BadParameter(
                f"{token!r} is not a radio; use {', '.join(RADIOS)}, 2G/3G/4G/5G, broadband or all",
                ctx=ctx,
                param=param,
                param_hint="--radio",
            )
        out += [n for n in names if n not in out]
    if not out:
        raise click.BadParameter("no radio given", ctx=ctx, param=param, param_hint="--radio")
    return tuple(out)


def parse_outputs(
    ctx: click.Context | None, param: click.Parameter | None, value: str
) -> tuple[str, ...]:
    kinds = tuple(t.strip().lower() for t in value.split(",") if t.strip())
    for kind in kinds:
        if kind not in OUTPUT_KINDS:
            raise click.BadParameter(
                f"{kind!r} is not an output; choose among {', '.join(OUTPUT_KINDS)}",
                ctx=ctx,
                param=param,
                param_hint="--outputs",
            )
    if not kinds:
        raise click.BadParameter("no output chosen", ctx=ctx, param=param, param_hint="--outputs")
    return kinds


def parse_date(
    ctx: click.Context | None, param: click.Parameter | None, value: str | None
) -> str | None:
    if value is None:
        return None
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date of the form YYYY-MM-DD",
            ctx=ctx,
            param=param,
            param_hint="--as-of",
        ) from None
    return value


def parse_radii(
    ctx: click.Context | None, param: click.Parameter | None, value: tuple[str, ...]
) -> dict[str, float]:
    """``--fixed-radius 4G=5000`` overrides; radios by name or generation."""
    radii = dict(DEFAULT_FIXED_RADII_M)
    for item in value:
        key, sep, metres = item.partition("=")
        try:
            radius = float(metres)
        except ValueError:
            radius = -1.0
        if not sep or radius <= 0:
            raise click.BadParameter(
                f"{item!r} is not RADIO=METRES (e.g. 4G=5000)",
                ctx=ctx,
                param=param,
                param_hint="--fixed-radius",
            )
        for radio in parse_radios(ctx, param, key):
            radii[radio] = radius
    return radii


def positive(name: str) -> Callable[[click.Context, click.Parameter, float], float]:
    def check(ctx: click.Context, param: click.Parameter, value: float) -> float:
        if value is not None and not value > 0:
            raise click.BadParameter(
                f"{value!r} is not a positive number", ctx=ctx, param=param, param_hint=name
            )
        return value

    return check


existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)

out_opt = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("maps"),
    show_default=True,
    help="Output folder.",
)
outputs_opt = click.option(
    "--outputs",
    default="csv,gpkg,html",
    show_default=True,
    callback=parse_outputs,
    help="Which outputs to write, among csv, gpkg, html.",
)
villages_opt = click.option(
    "--villages",
    required=True,
    type=existing_file,
    help="Villages or communes: GeoPackage, GeoJSON, Shapefile or GeoParquet (points/polygons).",
)
layer_opt = click.option("--layer", default=None, help="Layer of a multi-layer villages file.")
id_col_opt = click.option("--id-col", default=None, help="Village id column (detected if omitted).")
name_col_opt = click.option("--name-col", default=None, help="Village name column.")
commune_col_opt = click.option("--commune-col", default=None, help="Commune name column.")
province_col_opt = click.option(
    "--province-col", default=None, help="Province name or two-digit code column."
)


def village_columns(f: F) -> F:
    """The options that name the villages layer's columns."""
    for opt in reversed((layer_opt, id_col_opt, name_col_opt, commune_col_opt, province_col_opt)):
        f = opt(f)
    return f


def parse_layer_path(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[Path, str | None] | None:
    """``FILE`` or ``FILE:LAYER`` (a layer of a multi-layer file) -> ``(path, layer)``."""
    if value is None:
        return None
    if Path(value).is_file():
        return Path(value), None
    head, sep, layer = value.rpartition(":")
    if sep and layer and Path(head).is_file():
        return Path(head), layer
    raise click.BadParameter(
        f"{value!r} is not an existing file (or FILE:LAYER for a layer of one)",
        ctx=ctx,
        param=param,
    )


province_layer_opt = click.option(
    "--province-layer",
    metavar="FILE[:LAYER]",
    default=None,
    callback=parse_layer_path,
    help="Province polygons (e.g. the 34 provinces of 2025): each village is placed in the one "
    "it lies in, whatever its own province column says.",
)
province_layer_col_opt = click.option(
    "--province-layer-col", default=None, help="Name column of --province-layer (detected)."
)
commune_layer_opt = click.option(
    "--commune-layer",
    metavar="FILE[:LAYER]",
    default=None,
    callback=parse_layer_path,
    help="Commune/ward polygons: each village is placed in the one it lies in.",
)
commune_layer_col_opt = click.option(
    "--commune-layer-col", default=None, help="Name column of --commune-layer (detected)."
)


def admin_layers(f: F) -> F:
    """The options that place villages in provinces and communes by location."""
    for opt in reversed(
        (province_layer_opt, province_layer_col_opt, commune_layer_opt, commune_layer_col_opt)
    ):
        f = opt(f)
    return f


def admin_layer_args(
    province_layer: tuple[Path, str | None] | None,
    province_layer_col: str | None,
    commune_layer: tuple[Path, str | None] | None,
    commune_layer_col: str | None,
) -> dict[str, AdminLayer | None]:
    """``province_layer``/``commune_layer`` keyword arguments from the options' values."""
    out: dict[str, AdminLayer | None] = {"province_layer": None, "commune_layer": None}
    if province_layer is not None:
        path, layer = province_layer
        out["province_layer"] = AdminLayer(path, province_layer_col, "--province-layer", layer)
    if commune_layer is not None:
        path, layer = commune_layer
        out["commune_layer"] = AdminLayer(path, commune_layer_col, "--commune-layer", layer)
    return out


@contextlib.contextmanager
def progress_step(message: str, *, quiet: bool) -> Iterator[None]:
    """Show ``message`` while a long step runs and its duration when it ends."""
    if quiet:
        yield
        return
    click.echo(f"{message} ...", err=True)
    t0 = time.perf_counter()
    yield
    click.echo(f"  done in {time.perf_counter() - t0:.1f} s", err=True)


model_opt = click.option(
    "--model",
    type=click.Choice(["disc", "free-space", "hata", "terrain"]),
    default="disc",
    show_default=True,
    help="Coverage model: discs of the range model, or predicted signal (free space, "
    "Okumura-Hata/COST-231, or Hata plus terrain diffraction over --dem).",
)
dem_opt = click.option(
    "--dem",
    "dem",
    type=existing_file,
    multiple=True,
    help="Elevation: GeoTIFF or SRTM .hgt/.hgt.zip, any CRS; repeat for several tiles.",
)
environment_opt = click.option(
    "--environment",
    type=click.Choice(["urban", "suburban", "open"]),
    default="open",
    show_default=True,
    help="Clutter class of the Hata base model (the remaining gaps are rural: open).",
)
radio_params_opt = click.option(
    "--radio-params",
    type=existing_file,
    default=None,
    help="TOML file overriding the per-radio link budget (see README).",
)
k_factor_opt = click.option(
    "--k-factor",
    type=float,
    default=4.0 / 3.0,
    show_default="4/3",
    callback=positive("--k-factor"),
    help="Effective Earth radius factor for the terrain model.",
)
terrain_resolution_opt = click.option(
    "--terrain-resolution",
    type=float,
    default=30.0,
    show_default=True,
    callback=positive("--terrain-resolution"),
    help="Terrain grid cell size in metres (never finer than the DEM's own).",
)


signal_per_operator_opt = click.option(
    "--signal-per-operator",
    is_flag=True,
    help="Also write one signal GeoTIFF per technology and operator (propagation models).",
)


def propagation_options(f: F) -> F:
    """The options that choose and parameterise the coverage model."""
    for opt in reversed(
        (
            model_opt,
            dem_opt,
            environment_opt,
            radio_params_opt,
            k_factor_opt,
            terrain_resolution_opt,
            signal_per_operator_opt,
        )
    ):
        f = opt(f)
    return f
