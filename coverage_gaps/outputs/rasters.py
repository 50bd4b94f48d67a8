"""Cloud-Optimised GeoTIFF output of per-cell rasters (best-server signal in dBm).

Each GeoTIFF is float32 with NaN as nodata and its band's unit set to dBm, and comes with a
QGIS style beside it (``<name>.qml``, which QGIS reads as the raster's default style): a
pseudocolour ramp over the signal range, the same colours as the web map's signal layer.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import rasterio

from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.names import slugify
from coverage_gaps.outputs.atomic import atomic_path

if TYPE_CHECKING:
    from coverage_gaps.outputs import AreaTarget
    from coverage_gaps.pipeline import AreaResult

__all__ = [
    "SIGNAL_RAMP",
    "signal_qml",
    "write_area_signals",
    "write_signal_cog",
    "write_signal_qml",
]

#: The signal colour ramp, (dBm, colour), weakest first: the web map's signal colours.
SIGNAL_RAMP: tuple[tuple[float, str], ...] = (
    (-120.0, "#440154"),
    (-105.0, "#3b528b"),
    (-90.0, "#21918c"),
    (-75.0, "#5ec962"),
    (-60.0, "#fde725"),
)


def write_signal_cog(
    path: str | Path,
    array: np.ndarray,
    grid: AnalysisGrid,
    *,
    description: str = "best-server signal (dBm)",
) -> Path:
    """Write ``array`` (float32 on ``grid``, NaN = no signal) as a Cloud-Optimised GeoTIFF.

    The file is written beside ``path`` under a temporary name and renamed over it when complete,
    so that a reader never sees half a file.  DEFLATE with the floating-point predictor, 512-pixel
    tiles, overviews chosen by GDAL, nodata NaN.

    Parameters
    ----------
    path
        Destination ``.tif``.
    array
        ``grid.shape`` array of dBm values.
    grid
        The analysis grid (CRS and transform).
    description
        Band description stored in the file.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    data = np.asarray(array, dtype=np.float32)
    if data.shape != grid.shape:
        raise ValueError(f"array has shape {data.shape}, the grid is {grid.shape}")
    profile = {
        "driver": "COG",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": "float32",
        "crs": grid.crs,
        "transform": grid.transform,
        "nodata": float("nan"),
        "compress": "DEFLATE",
        "predictor": 3,
        "blocksize": 512,
        "overview_resampling": "average",
    }
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(data, 1)
        dst.set_band_description(1, description)
        dst.units = ("dBm",)
        dst.update_tags(1, units="dBm")
    return path


def signal_qml(ramp: Sequence[tuple[float, str]] = SIGNAL_RAMP, *, opacity: float = 0.8) -> str:
    """A QGIS raster style (``.qml``): band 1 as a pseudocolour ramp interpolated between the
    (dBm, colour) stops of ``ramp``; nodata stays transparent."""
    lo, hi = ramp[0][0], ramp[-1][0]
    root = ET.Element("qgis", {"version": "3.22.0-Białowieża", "styleCategories": "Symbology"})
    pipe = ET.SubElement(root, "pipe")
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        {
            "type": "singlebandpseudocolor",
            "band": "1",
            "opacity": f"{opacity:g}",
            "alphaBand": "-1",
            "classificationMin": f"{lo:g}",
            "classificationMax": f"{hi:g}",
            "nodataColor": "",
        },
    )
    ET.SubElement(renderer, "rasterTransparency")
    origin = ET.SubElement(renderer, "minMaxOrigin")
    for tag, text in (
        ("limits", "None"),
        ("extent", "WholeRaster"),
        ("statAccuracy", "Estimated"),
        ("cumulativeCutLower", "0.02"),
        ("cumulativeCutUpper", "0.98"),
        ("stdDevFactor", "2"),
    ):
        ET.SubElement(origin, tag).text = text
    shader = ET.SubElement(ET.SubElement(renderer, "rastershader"), "colorrampshader")
    shader.attrib.update(
        {
            "colorRampType": "INTERPOLATED",
            "classificationMode": "1",
            "clip": "0",
            "minimumValue": f"{lo:g}",
            "maximumValue": f"{hi:g}",
            "labelPrecision": "0",
        }
    )
    for value, colour in ramp:
        ET.SubElement(
            shader,
            "item",
            {"alpha": "255", "value": f"{value:g}", "label": f"{value:g} dBm", "color": colour},
        )
    ET.SubElement(pipe, "brightnesscontrast", {"brightness": "0", "contrast": "0", "gamma": "1"})
    ET.SubElement(pipe, "rasterresampler", {"maxOversampling": "2"})
    ET.SubElement(root, "blendMode").text = "0"
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"


def write_signal_qml(tif: str | Path) -> Path:
    """Write :func:`signal_qml` beside ``tif`` as ``<name>.qml`` (QGIS's default style of the
    raster), atomically."""
    path = Path(tif).with_suffix(".qml")
    with atomic_path(path) as tmp:
        tmp.write_text(signal_qml(), encoding="utf-8")
    return path


def write_area_signals(result: AreaResult, target: AreaTarget) -> list[Path]:
    """``<slug>-signal-<radio>.tif`` per technology (propagation models only), and with
    ``signal_per_operator`` also ``<slug>-signal-<radio>-<operator>.tif``; each with its QGIS
    style ``.qml`` beside it."""
    written = [
        write_signal_cog(
            target.path(f"-signal-{radio.lower()}.tif"),
            layer,
            result.grid,
            description=f"best-server {radio} signal (dBm)",
        )
        for radio, layer in (result.coverage.signal_by_radio or {}).items()
    ]
    if target.options.signal_per_operator:
        for (radio, op), layer in result.coverage.signal_by_operator().items():
            operator = result.operators[op]
            written.append(
                write_signal_cog(
                    target.path(f"-signal-{radio.lower()}-{slugify(operator)}.tif"),
                    layer,
                    result.grid,
                    description=f"{operator} {radio} signal (dBm)",
                )
            )
    return [f for tif in written for f in (tif, write_signal_qml(tif))]
