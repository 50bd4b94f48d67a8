"""Received-signal coverage: free space, Hata, or Hata plus terrain diffraction.

:func:`predict_coverage` turns emitters and a link budget into per-cell best-server signal and the
operator bitmasks of :class:`~coverage_gaps.coverage.base.CoverageResult`.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np

from coverage_gaps.coverage.base import BROADBAND, MAX_OPERATORS, RADIOS, CoverageResult, Emitters
from coverage_gaps.coverage.linkbudget import LinkBudget, RadioParams
from coverage_gaps.coverage.propagation import base_loss_db, wavelength_m
from coverage_gaps.coverage.terrain import SiteArrays, signal_grids
from coverage_gaps.errors import CoverageGapsWarning, InputError
from coverage_gaps.grid import AnalysisGrid

SignalModel = Literal["free-space", "hata", "terrain"]
Environment = Literal["urban", "suburban", "open"]
_MODELS = ("free-space", "hata", "terrain")
_ENVIRONMENTS = ("urban", "suburban", "open")


def loss_table(
    params: RadioParams,
    *,
    resolution: float,
    max_range_m: float,
    model: SignalModel,
    environment: Environment,
) -> np.ndarray:
    """Base path loss (dB) by squared distance in cells, ``0 .. floor((R / res)^2)``.

    Entry 0 (the site's own cell) uses a distance of half a cell.  The terrain model uses the
    line-of-sight form of 3GPP TR 38.901 above 2.2 GHz (terrain supplies the obstructions);
    ``hata`` uses its NLOS form.
    """
    n = math.floor((max_range_m / resolution) ** 2) + 1
    d = np.sqrt(np.arange(n, dtype="f8")) * resolution
    d[0] = 0.5 * resolution
    return base_loss_db(
        d,
        params.frequency_mhz,
        base_height_m=params.antenna_height_m,
        mobile_height_m=params.receiver_height_m,
        model="free-space" if model == "free-space" else "hata",
        environment=environment,
        line_of_sight=model == "terrain",
    )


def predict_coverage(
    emitters: Emitters,
    grid: AnalysisGrid,
    *,
    model: SignalModel,
    link_budget: LinkBudget,
    environment: Environment = "open",
    dem: np.ndarray | None = None,
    max_range_m: float = 35_000.0,
    k_factor: float | None = None,
    per_operator: bool = False,
) -> CoverageResult:
    """Best-server received signal and service bitmasks on ``grid``.

    Parameters
    ----------
    emitters
        Sites and their radio and operator, in the grid's CRS.
    grid
        The analysis grid.
    model
        ``"free-space"`` (no terrain, no clutter: an upper bound), ``"hata"`` (Okumura-Hata /
        COST-231 Hata, 3GPP TR 38.901 above 2.2 GHz) or ``"terrain"`` (the Hata family as the
        base plus knife-edge diffraction over the DEM, see :mod:`coverage_gaps.coverage.terrain`).
    link_budget
        Frequency, EIRP, heights and threshold per radio.
    environment
        Clutter class of the base model.
    dem
        Elevation on ``grid`` (metres), required for ``"terrain"``.  Antenna heights are above
        the DEM ground at the site's cell.
    max_range_m
        No emitter is considered beyond this distance.
    k_factor
        Effective Earth radius factor for the terrain model; None takes the link budget's.
    per_operator
        Also return one signal layer per (radio, operator), keyed ``"LTE:3"`` (operator index).

    Returns
    -------
    CoverageResult
        ``serving``/``broadband``: bit ``k`` set where operator ``k``'s signal is at or above its
        radio's threshold; ``best_signal_dbm``: the best signal over every emitter (NaN where
        none is within ``max_range_m``); ``signal_by_radio``: the same per radio present;
        ``reach`` (terrain only): the operators whose base model alone would serve the cell over
        flat open ground, to tell a terrain shadow from no site in reach.

    Raises
    ------
    InputError
        A radio has no link budget, or the DEM is missing or not on the grid.
    """
    if model not in _MODELS:
        raise ValueError(f"model must be one of {', '.join(_MODELS)}; got {model!r}")
    if environment not in _ENVIRONMENTS:
        raise ValueError(
            f"environment must be one of {', '.join(_ENVIRONMENTS)}; got {environment!r}"
        )
    if not (math.isfinite(max_range_m) and max_range_m > 0):
        raise ValueError(f"max_range_m must be positive, got {max_range_m!r}")
    shape = grid.shape
    res = grid.resolution
    terrain = model == "terrain"
    dem_arr: np.ndarray | None = None
    if terrain:
        if dem is None:
            raise InputError(None, "the terrain model needs an elevation model (--dem)")
        dem_arr = np.asarray(dem, dtype=np.float32)
        if dem_arr.shape != shape:
            raise InputError(
                None, f"the DEM has shape {dem_arr.shape} but the analysis grid is {shape}"
            )
        if not np.all(np.isfinite(dem_arr)):
            raise InputError(None, "the DEM has NaN cells; fill its voids before predicting")
    k = link_budget.k_factor if k_factor is None else float(k_factor)

    radio_codes = np.asarray(emitters.radio, dtype=np.int64)
    operators = np.asarray(emitters.operator, dtype=np.int64)
    if len(emitters) and (operators.min() < 0 or operators.max() >= MAX_OPERATORS):
        raise ValueError(f"operator indices must be in [0, {MAX_OPERATORS})")
    present = sorted({int(r) for r in radio_codes.tolist()})
    for code in present:
        name = RADIOS[code]
        if name not in link_budget.radios:
            raise InputError(
                None, f"no link budget for radio {name}; add a [{name}] table to --radio-params"
            )

    col_f, row_f = grid.to_colrow(np.asarray(emitters.x), np.asarray(emitters.y))
    cols = np.floor(col_f).astype(np.int64)
    rows = np.floor(row_f).astype(np.int64)
    keep = np.ones(len(emitters), dtype=bool)
    if terrain:
        keep = (cols >= 0) & (rows >= 0) & (cols < grid.width) & (rows < grid.height)
        dropped = int((~keep).sum())
        if dropped:
            warnings.warn(
                f"{dropped} emitter(s) lie outside the analysis grid and are left out of the "
                "terrain model (the DEM does not reach them); widen the grid margin to keep them",
                CoverageGapsWarning,
                stacklevel=2,
            )

    # one loss table and one radio layer per radio present
    tables = [
        loss_table(
            link_budget.radios[RADIOS[code]],
            resolution=res,
            max_range_m=max_range_m,
            model=model,
            environment=environment,
        )
        for code in present
    ]
    table_of = {code: i for i, code in enumerate(present)}
    layer_keys: list[str] = [RADIOS[code] for code in present]
    layer_of_radio = {code: i for i, code in enumerate(present)}
    sel = np.flatnonzero(keep)
    r_sel = radio_codes[sel]
    o_sel = operators[sel]
    if per_operator:
        pairs = sorted(
            {(int(r), int(o)) for r, o in zip(r_sel.tolist(), o_sel.tolist(), strict=True)}
        )
        pair_layer = {p: len(present) + i for i, p in enumerate(pairs)}
        layer_keys += [f"{RADIOS[r]}:{o}" for r, o in pairs]

    params = [link_budget.radios[RADIOS[int(r)]] for r in r_sel.tolist()]
    table_idx = np.array([table_of[int(r)] for r in r_sel.tolist()], dtype=np.int64)
    radio_layer = np.array([layer_of_radio[int(r)] for r in r_sel.tolist()], dtype=np.int64)

    if not len(sel):
        empty = np.zeros(shape, dtype=np.uint32)
        return CoverageResult(
            serving=empty,
            broadband=empty.copy(),
            best_signal_dbm=np.full(shape, np.nan, dtype=np.float32),
            reach=empty.copy() if terrain else None,
            signal_by_radio={},
        )

    def run(layers: np.ndarray, n_layers: int) -> tuple[np.ndarray, ...]:
        sites = SiteArrays(
            col=cols[sel],
            row=rows[sel],
            antenna_height_m=np.array([p.antenna_height_m for p in params], dtype="f8"),
            receiver_height_m=np.array([p.receiver_height_m for p in params], dtype="f8"),
            eirp_dbm=np.array([p.eirp_dbm for p in params], dtype="f8"),
            threshold_dbm=np.array([p.threshold_dbm for p in params], dtype="f8"),
            flat_max_loss_db=np.array([p.max_loss_db for p in params], dtype="f8"),
            table=table_idx,
            wavelength_m=np.array([wavelength_m(p.frequency_mhz) for p in params], dtype="f8"),
            bit=(np.uint32(1) << o_sel.astype(np.uint32)).astype(np.uint32),
            broadband=np.array([RADIOS[int(r)] in BROADBAND for r in r_sel.tolist()], dtype=bool),
            layer=layers,
        )
        width = max((len(t) for t in tables), default=1)
        packed = np.full((max(len(tables), 1), width), np.inf)
        for i, t in enumerate(tables):
            packed[i, : len(t)] = t
        out = signal_grids(
            dem_arr,
            shape,
            res,
            sites,
            loss_tables=packed,
            n_layers=max(n_layers, 1),
            max_range_m=max_range_m,
            k_factor=k,
            terrain=terrain,
        )
        return out.signal, out.serving, out.broadband, out.reach

    signal, serving, broadband, reach = run(radio_layer, len(present))
    signal_by_radio = {RADIOS[code]: signal[i] for i, code in enumerate(present)}
    if present:
        best = np.fmax.reduce(signal[: len(present)], axis=0).astype(np.float32)
    else:
        best = np.full(shape, np.nan, dtype=np.float32)
    if per_operator and len(sel):
        op_layers = np.array(
            [
                pair_layer[(int(r), int(o))] - len(present)
                for r, o in zip(r_sel, o_sel, strict=True)
            ],
            dtype=np.int64,
        )
        op_signal = run(op_layers, len(pair_layer))[0]
        for key, i in zip(layer_keys[len(present) :], range(len(pair_layer)), strict=True):
            signal_by_radio[key] = op_signal[i]
    return CoverageResult(
        serving=serving,
        broadband=broadband,
        best_signal_dbm=best,
        reach=reach if terrain else None,
        signal_by_radio=signal_by_radio,
    )
