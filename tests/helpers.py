"""Builders of tiny inputs made in code, shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

from coverage_gaps.io.towers import COLUMNS

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

requires_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"real data folder {SHARED_DATA} is missing (it sits beside the project in CI)",
)

# A small world in UTM 48N, around (105.0E, 21.7N).
UTM = "EPSG:32648"
X0, Y0 = 500_000.0, 2_400_000.0
TO_LL = Transformer.from_crs(UTM, 4326, always_xy=True)


def utm_to_lonlat(x: float | np.ndarray, y: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = TO_LL.transform(np.asarray(x, dtype="f8"), np.asarray(y, dtype="f8"))
    return np.asarray(lon), np.asarray(lat)


def cell_row(
    radio: str,
    net: int,
    cell: int,
    x: float,
    y: float,
    *,
    rng: float = 2000,
    samples: int = 10,
    created: int = 1_600_000_000,
    mcc: int = 452,
) -> dict:
    """One OpenCelliD row for a cell at UTM (x, y)."""
    lon, lat = utm_to_lonlat(x, y)
    return {
        "radio": radio,
        "mcc": mcc,
        "net": net,
        "area": 1,
        "cell": cell,
        "unit": 1,
        "lon": float(lon),
        "lat": float(lat),
        "range": rng,
        "samples": samples,
        "changeable": 1,
        "created": created,
        "updated": created,
        "averageSignal": 0,
    }


def write_cells(rows: list[dict], path: Path, *, header: bool = True) -> Path:
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    path.write_text(
        frame.to_csv(index=False, header=header, lineterminator="\n", float_format="%.7f")
    )
    return path


def write_raster(
    path: Path,
    array: np.ndarray,
    *,
    x0: float,
    y1: float,
    res: float,
    crs: str = UTM,
    nodata: float | None = None,
) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=array.shape[0],
        width=array.shape[1],
        count=1,
        dtype=array.dtype.name,
        crs=crs,
        transform=from_origin(x0, y1, res, res),
        nodata=nodata,
    ) as dst:
        dst.write(array, 1)
    return path


def run_args(
    world: dict[str, Path],
    out: Path,
    *,
    towers: Path | None = None,
    electrification: list[str] | None = None,
) -> list[str]:
    """``run`` and its required options for a world from :func:`tiny_world`; ``towers`` and
    ``electrification`` (e.g. ``["--grid-lines", path]``) replace the world's own."""
    return [
        "run",
        "--villages",
        str(world["villages"]),
        "--towers",
        str(towers or world["towers"]),
        *(electrification or ["--electrified-raster", str(world["electrified"])]),
        "--out",
        str(out),
    ]


def most_decimals(path: Path) -> int:
    """The most digits after the point of any number in a CSV (``102.57000000000001``: 14)."""
    import re

    text = path.read_text(encoding="utf-8-sig")
    return max((len(m) for m in re.findall(r"(?<![\w.])\d+\.(\d+)(?![\w.])", text)), default=0)


def saved_figures(monkeypatch: pytest.MonkeyPatch) -> list:
    """The matplotlib figures saved from now on (each still saved), to inspect what was drawn."""
    from matplotlib.figure import Figure

    figures: list[Figure] = []
    save = Figure.savefig

    def keep(self: Figure, *args: object, **kw: object) -> None:
        figures.append(self)
        save(self, *args, **kw)

    monkeypatch.setattr(Figure, "savefig", keep)
    return figures
