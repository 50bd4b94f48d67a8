"""Signal GeoTIFFs: float32, NaN nodata, unit dBm, a QGIS colour ramp beside them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import rasterio

from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.outputs.rasters import SIGNAL_RAMP, write_signal_cog, write_signal_qml
from tests.helpers import UTM, X0, Y0
from tests.qgis_support import requires_qgis, run_qgis


def signal_tif(folder: Path) -> Path:
    grid = AnalysisGrid.covering((X0, Y0, X0 + 3000, Y0 + 2000), resolution=100.0, crs=UTM)
    values = np.linspace(-125, -55, grid.width * grid.height, dtype="f4").reshape(grid.shape)
    values[0, :5] = np.nan
    return write_signal_cog(folder / "p-signal-lte.tif", values, grid)


def test_cog_keeps_float32_nan_and_says_dbm(tmp_path: Path) -> None:
    tif = signal_tif(tmp_path)
    with rasterio.open(tif) as src:
        assert src.dtypes == ("float32",) and np.isnan(src.nodata)
        assert src.units == ("dBm",)
        assert src.tags(1)["units"] == "dBm"
        data = src.read(1)
    assert np.isnan(data[0, :5]).all() and np.nanmax(data) == np.float32(-55)


def test_qml_is_a_pseudocolour_ramp_over_the_signal(tmp_path: Path) -> None:
    qml = write_signal_qml(signal_tif(tmp_path))
    assert qml.name == "p-signal-lte.qml"
    root = ET.fromstring(qml.read_text("utf-8").split("\n", 1)[1])
    renderer = root.find("pipe/rasterrenderer")
    assert renderer.get("type") == "singlebandpseudocolor" and renderer.get("band") == "1"
    items = [(float(i.get("value")), i.get("color")) for i in renderer.iter("item")]
    assert items == list(SIGNAL_RAMP)
    assert [v for v, _ in items] == sorted(v for v, _ in items)


@requires_qgis
def test_qgis_opens_the_raster_with_the_ramp(tmp_path: Path) -> None:
    tif = signal_tif(tmp_path)
    write_signal_qml(tif)
    out = run_qgis(
        f"""
layer = QgsRasterLayer({str(tif)!r}, "signal")
r = layer.renderer()
out["valid"] = layer.isValid()
out["type"] = r.type()
shader = r.shader().rasterShaderFunction()
out["items"] = [[i.value, i.color.name()] for i in shader.colorRampItemList()]
ok, colour = shader.shade(-90.0)[0], shader.shade(-90.0)[1:4]
out["at_-90"] = list(colour)
""",
        tmp_path,
    )
    assert out["valid"] and out["type"] == "singlebandpseudocolor"
    assert out["items"] == [[v, c] for v, c in SIGNAL_RAMP]
    assert out["at_-90"] == [0x21, 0x91, 0x8C]
