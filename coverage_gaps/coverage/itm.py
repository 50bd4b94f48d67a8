"""Longley-Rice (ITS Irregular Terrain Model 1.2.2) point-to-point loss, through ``itmlogic``.

ITM is the model behind SPLAT!, Signal-Server and Radio Mobile.  ``itmlogic`` (Oughton et al.,
JOSS 2020, MIT licence) is a pure-Python transcription of Hufford's Fortran; it is an optional
dependency (``pip install 'coverage-gaps[itm]'``).

Two uses:

* :func:`itm_loss_db` / :func:`itm_losses_db`: the median basic transmission loss of terrain
  profiles, the reference the terrain model of :mod:`coverage_gaps.coverage.terrain` is checked
  against (``tests/test_itm.py``, ``benchmarks/bench_itm.py``);
* :class:`ItmModel` (``--model itm``): coverage by ITM itself.  ITM walks the whole profile of a
  path in Python (about 1-3 ms a path), far too slow for every cell of a grid, so it is
  evaluated only at the cells the caller asks for (``where``: the villages' electrified cells),
  at most :data:`MAX_POINTS_PER_VILLAGE` of them per village (a regular subsample), from every
  emitter in reach; the other cells get no service and a NaN signal.

Parameters of the ITM runs (Hufford 1985 / NTIA defaults, as SPLAT! and Signal-Server ship
them): ground relative permittivity 15, conductivity 0.005 S/m ("average ground"), surface
refractivity N0 = 301 N-units (which gives ITM's effective Earth curvature ``gme`` = 1.18e-7 /m,
i.e. k = 4/3), continental temperate climate (5), vertical polarisation, and the median (50 %
time, location and situation) loss.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from coverage_gaps.coverage.base import CoverageResult, Emitters
from coverage_gaps.errors import InputError, SettingsError
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.network import BROADBAND, RADIOS

if TYPE_CHECKING:
    from coverage_gaps.coverage.linkbudget import LinkBudget
    from coverage_gaps.settings import CoverageOptions, Environment

__all__ = [
    "MAX_POINTS_PER_VILLAGE",
    "PATCH_GAP_CELLS",
    "ItmModel",
    "ItmParams",
    "build",
    "itm_loss_db",
    "itm_losses_db",
    "path_profile",
    "require_itmlogic",
    "sample_points",
]

log = logging.getLogger(__name__)

#: ``--model itm`` evaluates at most this many electrified cells per village (a regular
#: subsample in raster order), from every emitter in reach.
MAX_POINTS_PER_VILLAGE = 25


@dataclass(frozen=True)
class ItmParams:
    """Environment of the ITM runs (defaults: NTIA's "average ground", continental temperate).

    Attributes
    ----------
    eps, sgm
        Ground relative permittivity and conductivity (S/m).
    ens0
        Surface refractivity, N-units (301: k = 4/3).
    klim
        Radio climate code (1 equatorial ... 5 continental temperate ... 7 maritime over sea).
    ipol
        Polarisation, 0 horizontal, 1 vertical.
    """

    eps: float = 15.0
    sgm: float = 0.005
    ens0: float = 301.0
    klim: int = 5
    ipol: int = 1


def require_itmlogic() -> Any:
    """Import ``itmlogic``'s point-to-point entry, or raise a SettingsError saying how to get it."""
    try:
        from itmlogic.preparatory_subroutines.qlrpfl import qlrpfl
        from itmlogic.statistics.avar import avar
    except ImportError:
        raise SettingsError(
            "--model itm needs the itmlogic package (Longley-Rice): "
            "pip install 'coverage-gaps[itm]'",
            fields=("CoverageOptions.model",),
        ) from None
    return qlrpfl, avar


def itm_loss_db(
    elevations: np.ndarray,
    step_m: float,
    frequency_mhz: float,
    tx_height_m: float,
    rx_height_m: float,
    *,
    params: ItmParams | None = None,
) -> float:
    """ITM point-to-point median basic transmission loss (dB) over one terrain profile.

    Parameters
    ----------
    elevations
        Ground heights (m) from the transmitter to the receiver, equally spaced, at least 2.
    step_m
        Spacing of ``elevations`` (m).
    frequency_mhz
        Carrier frequency (ITM: 20 MHz - 20 GHz).
    tx_height_m, rx_height_m
        Antenna heights above the ground at the ends (m).
    params
        Ground and climate (:class:`ItmParams`).

    Returns
    -------
    float
        Free-space loss plus ITM's median excess attenuation (50 % time, location, situation).
    """
    qlrpfl, avar = require_itmlogic()
    p = params or ItmParams()
    z = np.asarray(elevations, dtype="f8")
    if z.ndim != 1 or z.size < 2:
        raise ValueError(f"a profile needs at least 2 heights, got shape {z.shape}")
    if not step_m > 0:
        raise ValueError(f"step_m must be positive, got {step_m!r}")
    n = int(z.size - 1)
    wn = frequency_mhz / 47.7
    zq = complex(p.eps, 376.62 * p.sgm / wn)
    zgnd = np.sqrt(zq - 1)
    if p.ipol != 0:
        zgnd = zgnd / zq
    prop: dict[str, Any] = {
        "fmhz": float(frequency_mhz),
        "hg": [float(tx_height_m), float(rx_height_m)],
        "ipol": p.ipol,
        "eps": p.eps,
        "sgm": p.sgm,
        "klim": p.klim,
        "ens0": p.ens0,
        "lvar": 5,
        "gma": 157e-9,
        "pfl": [n, float(step_m), *z.tolist()],
        "kwx": 0,
        "wn": wn,
        "ens": p.ens0,
        "klimx": 0,
        "mdvarx": 11,
        "zgnd": zgnd,
    }
    prop["gme"] = prop["gma"] * (1 - 0.04665 * math.exp(prop["ens"] / 179.3))
    prop = qlrpfl(prop)
    free_space = 8.685890 * math.log(2 * wn * prop["dist"])
    excess, _ = avar(0.0, 0.0, 0.0, prop)
    return float(free_space + excess)


def path_profile(
    dem: np.ndarray,
    resolution: float,
    start_colrow: tuple[float, float],
    end_colrow: tuple[float, float],
) -> tuple[np.ndarray, float]:
    """Ground heights along the straight line between two points of a grid.

    The points are in fractional (col, row) of the grid's cells (cell centres at ``+ 0.5``);
    the line is sampled at (about) the grid's resolution with bilinear interpolation.

    Returns
    -------
    (heights, step_m)
    """
    from scipy.ndimage import map_coordinates

    c0, r0 = start_colrow
    c1, r1 = end_colrow
    length = math.hypot(c1 - c0, r1 - r0) * resolution
    n = max(math.ceil(length / resolution), 2)
    t = np.linspace(0.0, 1.0, n + 1)
    cols = c0 + (c1 - c0) * t - 0.5
    rows = r0 + (r1 - r0) * t - 0.5
    z = map_coordinates(np.asarray(dem, dtype="f8"), [rows, cols], order=1, mode="nearest")
    return z, length / n


def itm_losses_db(
    dem: np.ndarray,
    resolution: float,
    tx_colrow: np.ndarray,
    rx_colrow: np.ndarray,
    frequency_mhz: float | np.ndarray,
    tx_height_m: float | np.ndarray,
    rx_height_m: float | np.ndarray,
    *,
    params: ItmParams | None = None,
) -> np.ndarray:
    """:func:`itm_loss_db` for many paths on one grid (cell centres: integer col/row + 0.5).

    ``tx_colrow`` and ``rx_colrow`` are ``(n, 2)`` arrays of (col, row); the other per-path
    arguments broadcast to ``n``.  Paths shorter than one cell get NaN.
    """
    tx = np.asarray(tx_colrow, dtype="f8").reshape(-1, 2)
    rx = np.asarray(rx_colrow, dtype="f8").reshape(-1, 2)
    n = len(tx)
    f = np.broadcast_to(np.asarray(frequency_mhz, dtype="f8"), (n,))
    ht = np.broadcast_to(np.asarray(tx_height_m, dtype="f8"), (n,))
    hr = np.broadcast_to(np.asarray(rx_height_m, dtype="f8"), (n,))
    out = np.full(n, np.nan)
    for i in range(n):
        if math.hypot(*(rx[i] - tx[i])) < 1.0:
            continue
        z, step = path_profile(dem, resolution, (tx[i, 0], tx[i, 1]), (rx[i, 0], rx[i, 1]))
        out[i] = itm_loss_db(z, step, float(f[i]), float(ht[i]), float(hr[i]), params=params)
    return out


#: Cells of ``where`` closer than this many cells (of the terrain grid) belong to one patch: on a
#: terrain grid finer than the analysis grid, ``where`` marks one fine cell per analysis cell
#: (e.g. every 3.3 cells for 100 m over 30 m), so patches are found after a dilation.
PATCH_GAP_CELLS = 3


def sample_points(where: np.ndarray, per_patch: int) -> np.ndarray:
    """Flat indices of at most ``per_patch`` cells of each patch of ``where`` (cells within
    :data:`PATCH_GAP_CELLS` of each other), spread evenly over the patch's cells in raster order
    (all of them when it has fewer)."""
    return patch_samples(where, per_patch)[0]


def patch_samples(where: np.ndarray, per_patch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`sample_points`, plus every cell of ``where`` (flat indices) and, for each, the
    position in the samples of the nearest sample of its own patch, which stands for it."""
    from scipy.ndimage import binary_dilation, label

    mask = np.asarray(where, dtype=bool)
    empty = np.zeros(0, dtype=np.int64)
    if not mask.any() or per_patch <= 0:
        return empty, empty, empty
    eight = np.ones((3, 3), dtype=bool)
    grown = binary_dilation(mask, structure=eight, iterations=PATCH_GAP_CELLS)
    labels, n = label(grown, structure=eight)
    labels = np.where(mask, labels, 0)
    flat = np.flatnonzero(labels)
    lab = labels.reshape(-1)[flat]
    order = np.argsort(lab, kind="stable")
    flat = flat[order]
    counts = np.bincount(lab, minlength=n + 1)[1:]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    width = mask.shape[1]
    take, rep = [], np.empty(len(flat), dtype=np.int64)
    done = 0
    for start, count in zip(starts.tolist(), counts.tolist(), strict=True):
        if count == 0:
            continue
        k = min(count, per_patch)
        pick = start + (np.arange(k) * count) // k
        take.append(pick)
        members = flat[start : start + count]
        r, c = np.divmod(members, width)
        sr, sc = np.divmod(flat[pick], width)
        nearest = np.argmin((r[:, None] - sr[None, :]) ** 2 + (c[:, None] - sc[None, :]) ** 2, 1)
        rep[start : start + count] = done + nearest
        done += k
    return flat[np.concatenate(take)], flat, rep


@dataclass
class ItmModel:
    """``--model itm``: Longley-Rice point-to-point median loss from every emitter in reach, at
    the cells ``where`` marks: computed at most at ``max_points_per_village`` cells of each
    patch (a village's electrified cells), each of the patch's other cells taking the value of
    its nearest computed cell; cells outside ``where`` get no service and a NaN signal.

    A cell is served where EIRP minus ITM's median loss clears the radio's threshold plus the
    reliability margin (:func:`~coverage_gaps.coverage.propagation.reliability_margin_db`;
    ``environment`` only sets its location variability: ITM itself has no clutter classes).
    ``stats`` holds the paths computed and the seconds they took, for the last call.
    """

    link_budget: LinkBudget
    environment: Environment = "open"
    max_range_m: float = 35_000.0
    reliability: float = 0.9
    max_points_per_village: int = MAX_POINTS_PER_VILLAGE
    params: ItmParams = field(default_factory=ItmParams)
    stats: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def name(self) -> str:
        return "itm"

    @property
    def needs_dem(self) -> bool:
        return True

    def working_bytes(self, emitters: Emitters, grid: AnalysisGrid) -> int:
        """The result layers on the grid (bitmasks and a signal layer per radio); the paths
        themselves are evaluated a village patch at a time."""
        radios = max(1, len(set(np.asarray(emitters.radio).tolist())))
        return int(grid.width * grid.height * (4 * radios + 16))

    @property
    def reach_m(self) -> float:
        return self.max_range_m

    def __call__(
        self,
        emitters: Emitters,
        grid: AnalysisGrid,
        dem: np.ndarray | None,
        *,
        where: np.ndarray | None = None,
    ) -> CoverageResult:
        from coverage_gaps.coverage.propagation import reliability_margin_db
        from coverage_gaps.coverage.signal import flat_reach_m

        require_itmlogic()
        if dem is None:
            raise InputError(None, "the itm model needs an elevation model (--dem)")
        z = np.asarray(dem, dtype="f8")
        if z.shape != grid.shape:
            raise InputError(None, f"the DEM has shape {z.shape} but the grid is {grid.shape}")
        shape = grid.shape
        mask = np.ones(shape, dtype=bool) if where is None else np.asarray(where, dtype=bool)
        cells, members, rep = patch_samples(mask, self.max_points_per_village)
        rows, cols = np.divmod(cells, shape[1])
        serving = np.zeros(cells.size, dtype=np.uint32)
        broadband = np.zeros(cells.size, dtype=np.uint32)
        reach = np.zeros(cells.size, dtype=np.uint32)
        best: dict[tuple[str, int], np.ndarray] = {}
        res = grid.resolution
        ex_c, ex_r = grid.to_colrow(np.asarray(emitters.x), np.asarray(emitters.y))
        t0 = time.perf_counter()
        n_paths = 0
        for e in range(len(emitters)):
            radio = RADIOS[int(emitters.radio[e])]
            if radio not in self.link_budget.radios:
                raise InputError(
                    None, f"no link budget for radio {radio}; add a [{radio}] table to "
                    "--radio-params"
                )  # fmt: skip
            p = self.link_budget.radios[radio]
            margin = reliability_margin_db(self.reliability, p.frequency_mhz, self.environment)
            flat = flat_reach_m(p, max_range_m=self.max_range_m, resolution=res, margin_db=margin)
            d = np.hypot(cols + 0.5 - ex_c[e], rows + 0.5 - ex_r[e]) * res
            near = np.flatnonzero(d <= self.max_range_m)
            if not len(near):
                continue
            bit = np.uint32(1 << int(emitters.operator[e]))
            reach[near[d[near] <= flat]] |= bit
            loss = np.empty(len(near))
            for j, k in enumerate(near.tolist()):
                if d[k] < res:
                    from coverage_gaps.coverage.propagation import free_space_loss_db

                    loss[j] = float(free_space_loss_db(max(d[k], 0.5 * res), p.frequency_mhz))
                    continue
                prof, step = path_profile(
                    z, res, (float(ex_c[e]), float(ex_r[e])), (cols[k] + 0.5, rows[k] + 0.5)
                )
                loss[j] = itm_loss_db(
                    prof,
                    step,
                    p.frequency_mhz,
                    p.antenna_height_m,
                    p.receiver_height_m,
                    params=self.params,
                )
                n_paths += 1
            sig = p.eirp_dbm - loss
            key = (radio, int(emitters.operator[e]))
            layer = best.setdefault(key, np.full(cells.size, -np.inf))
            np.maximum.at(layer, near, sig)
            ok = near[sig >= p.threshold_dbm + margin]
            serving[ok] |= bit
            if radio in BROADBAND:
                broadband[ok] |= bit
        self.stats = {
            "points": float(cells.size),
            "paths": float(n_paths),
            "seconds": time.perf_counter() - t0,
        }
        log.info(
            "itm: %d paths to %d cells (of %d asked for) in %.1f s",
            n_paths,
            cells.size,
            members.size,
            self.stats["seconds"],
        )

        def on_grid(values: np.ndarray, fill: float | int, dtype: Any) -> np.ndarray:
            # each cell of ``where`` takes the value of the nearest sample of its patch
            out = np.full(shape, fill, dtype=dtype)
            out.reshape(-1)[members] = values[rep]
            return out

        def signal_grid(values: np.ndarray) -> np.ndarray:
            v = np.where(np.isneginf(values), np.nan, values)
            return on_grid(v, np.nan, np.float32)

        by_radio: dict[str, np.ndarray] = {}
        for (name, _op), layer in best.items():
            cur = by_radio.get(name)
            by_radio[name] = layer if cur is None else np.maximum(cur, layer)
        overall = np.full(cells.size, -np.inf)
        for layer in by_radio.values():
            overall = np.maximum(overall, layer)
        per_op = {k: signal_grid(v) for k, v in best.items()}
        return CoverageResult(
            serving=on_grid(serving, 0, np.uint32),
            broadband=on_grid(broadband, 0, np.uint32),
            best_signal_dbm=signal_grid(overall),
            reach=on_grid(reach, 0, np.uint32),
            signal_by_radio={k: signal_grid(v) for k, v in sorted(by_radio.items())},
            by_operator=lambda: per_op,
        )


def build(options: CoverageOptions, link_budget: LinkBudget | None) -> ItmModel:
    """The ``itm`` model of ``options`` (the registry's builder); checks that itmlogic is there."""
    from coverage_gaps.coverage.linkbudget import default_link_budget

    require_itmlogic()
    return ItmModel(
        link_budget=link_budget or default_link_budget(),
        environment=options.environment,
        max_range_m=options.max_range_m,
        reliability=options.reliability,
    )
