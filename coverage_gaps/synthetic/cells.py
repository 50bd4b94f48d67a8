"""Cell-tower rows in the exact OpenCelliD format, made in code.

No Vietnamese cell-tower rows are public, so the demo data, the tests and the benchmarks make
their own with these functions.  Everything is seeded and reproducible.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from coverage_gaps.io.towers import COLUMNS

__all__ = ["VN_OPERATORS", "synthetic_cells", "write_opencellid_csv"]

#: Vietnamese operators by MNC (MCC 452), with rough market shares for synthetic sites.
VN_OPERATORS: tuple[tuple[int, float], ...] = ((4, 0.5), (2, 0.25), (1, 0.2), (5, 0.05))


def write_opencellid_csv(cells: pd.DataFrame, path: str | Path, *, header: bool = True) -> Path:
    """Write ``cells`` (the 14 OpenCelliD columns) as CSV; gzip when ``path`` ends in ``.gz``."""
    path = Path(path)
    frame = cells.loc[:, list(COLUMNS)]
    text = frame.to_csv(index=False, header=header, lineterminator="\n", float_format="%.6f")
    data = text.encode("utf-8")
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data, mtime=0))
    else:
        path.write_bytes(data)
    return path


def synthetic_cells(
    lon: np.ndarray,
    lat: np.ndarray,
    rng: np.random.Generator,
    *,
    mcc: int = 452,
    operators: Sequence[tuple[int, float]] = VN_OPERATORS,
    radios: Sequence[tuple[str, float]] = (
        ("GSM", 0.35),
        ("UMTS", 0.15),
        ("LTE", 0.45),
        ("NR", 0.05),
    ),
    sectors: int = 3,
    jitter_m: float = 60.0,
    created_range: tuple[int, int] = (1_420_070_400, 1_735_603_200),  # 2015-01-01 .. 2024-12-31
) -> pd.DataFrame:
    """OpenCelliD rows for masts at ``lon``/``lat``: each mast gets an operator and a radio, and
    ``sectors`` cells (LTE cells share an eNB id, NR a 24-bit gNB id), scattered by
    ``jitter_m`` as crowd-sourced positions are."""
    n = lon.shape[0]
    nets = np.array([o for o, _ in operators])
    p = np.array([w for _, w in operators], dtype="f8")
    net = rng.choice(nets, size=n, p=p / p.sum())
    names = np.array([r for r, _ in radios])
    pr = np.array([w for _, w in radios], dtype="f8")
    radio = rng.choice(names, size=n, p=pr / pr.sum())
    rows = []
    base_id = rng.permutation(np.arange(1, 4 * n + 1))[:n]  # distinct node ids
    deg_lat = jitter_m / 111_000.0
    for i in range(n):
        created = int(rng.integers(*created_range))
        for s in range(sectors):
            unit: int | None
            if radio[i] == "LTE":
                cell = int(base_id[i]) * 256 + s + 1
                unit = int(rng.integers(0, 504))
            elif radio[i] == "NR":
                cell = (int(base_id[i]) << 12) + s + 1
                unit = int(rng.integers(0, 1008))
            else:
                cell = int(base_id[i]) * 10 + s + 1
                unit = int(rng.integers(0, 512)) if radio[i] == "UMTS" else None
            rows.append(
                {
                    "radio": radio[i],
                    "mcc": mcc,
                    "net": int(net[i]),
                    "area": int(10_000 + i // 50),
                    "cell": cell,
                    "unit": unit,
                    "lon": lon[i] + rng.normal(0, deg_lat / np.cos(np.radians(lat[i]))),
                    "lat": lat[i] + rng.normal(0, deg_lat),
                    "range": int(rng.choice([0, int(rng.uniform(800, 9000))], p=[0.1, 0.9])),
                    "samples": int(rng.integers(1, 400)),
                    "changeable": 1,
                    "created": created + s * 3600,
                    "updated": created + 86_400 * 365,
                    "averageSignal": 0,
                }
            )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["unit"] = frame["unit"].astype("Int64")
    return frame
