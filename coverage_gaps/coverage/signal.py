"""Received-signal coverage: free space, Hata, or Longley-Rice over the terrain (``terrain``).

:func:`predict_coverage` turns emitters and a link budget into per-cell best-server signal and the
operator bitmasks of :class:`~coverage_gaps.coverage.base.CoverageResult`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

from coverage_gaps.coverage.base import CoverageResult, Emitters
from coverage_gaps.coverage.linkbudget import LinkBudget, RadioParams
from coverage_gaps.coverage.propagation import (
    base_loss_db,
    clutter_correction_db,
    reliability_margin_db,
    wavelength_m,
)
from coverage_gaps.coverage.terrain import SiteArrays, signal_grids
from coverage_gaps.errors import CoverageGapsWarning, InputError
from coverage_gaps.grid import AnalysisGrid
from coverage_gaps.network import BROADBAND, MAX_OPERATORS, RADIOS
from coverage_gaps.settings import CoverageOptions, Environment, choices_of

__all__ = [
    "PropagationModel",
    "SignalModel",
    "build",
    "flat_reach_m",
    "loss_table",
    "predict_coverage",
]

#: The received-signal models of this module.
SignalModel = Literal["free-space", "hata", "terrain"]


def loss_table(
    params: RadioParams,
    *,
    resolution: float,
    max_range_m: float,
    model: SignalModel,
    environment: Environment,
) -> np.ndarray:
    """Loss (dB) by squared distance in cells, ``0 .. floor((R / res)^2)``.

    Entry 0 (the site's own cell) uses a distance of half a cell.  ``free-space`` and ``hata``:
    the whole path loss.  ``terrain``: free space plus the environment's clutter correction
    (:func:`~coverage_gaps.coverage.propagation.clutter_correction_db`); the sweep adds ITM's
    terrain attenuation.
    """
    n = math.floor((max_range_m / resolution) ** 2) + 1
    d = np.sqrt(np.arange(n, dtype="f8")) * resolution
    d[0] = 0.5 * resolution
    loss = base_loss_db(
        d,
        params.frequency_mhz,
        base_height_m=params.antenna_height_m,
        mobile_height_m=params.receiver_height_m,
        model="free-space" if model in ("free-space", "terrain") else "hata",
        environment=environment,
    )
    if model == "terrain":
        loss = loss + clutter_correction_db(params.frequency_mhz, environment)
    return loss


def flat_reach_m(
    params: RadioParams, *, max_range_m: float, resolution: float, margin_db: float = 0.0
) -> float:
    """How far the Hata base model (open area, the site's mast over flat ground) serves with
    ``margin_db`` to spare: the ``reach`` mask of the terrain model, which tells a terrain
    shadow from no site in reach."""
    n = math.floor((max_range_m / resolution) ** 2) + 1
    d = np.sqrt(np.arange(n, dtype="f8")) * resolution
    d[0] = 0.5 * resolution
    flat = base_loss_db(
        d,
        params.frequency_mhz,
        base_height_m=params.antenna_height_m,
        mobile_height_m=params.receiver_height_m,
        model="hata",
        environment="open",
    )
    ok = np.flatnonzero(flat <= params.max_loss_db - margin_db)
    return float(d[ok[-1]]) if len(ok) else 0.0


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
    reliability: float = 0.5,
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
        COST-231 Hata, 3GPP TR 38.901 above 2.2 GHz) or ``"terrain"`` (free space plus ITM's
        terrain attenuation over the DEM, carried by the sweep of
        :mod:`coverage_gaps.coverage.terrain`, plus the environment's clutter correction).
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
    reliability
        Location probability at the cell edge: a cell is served where the median signal is at
        least the threshold plus :func:`~coverage_gaps.coverage.propagation.reliability_margin_db`
        (0.5: the median itself).  The signal grids stay the median.

    Returns
    -------
    CoverageResult
        ``serving``/``broadband``: bit ``k`` set where operator ``k``'s signal is at or above its
        radio's threshold; ``best_signal_dbm``: the best signal over every emitter (NaN where
        none is within ``max_range_m``); ``signal_by_radio``: the same per radio present;
        ``reach`` (terrain only): the operators whose base model alone would serve the cell over
        flat open ground, to tell a terrain shadow from no site in reach;
        ``signal_by_operator()``: the best signal per ``(radio, operator index)``, computed by a
        second sweep when first asked for.

    Raises
    ------
    InputError
        A radio has no link budget, or the DEM is missing or not on the grid.
    """
    sweep = _Sweep.build(
        emitters,
        grid,
        model=model,
        link_budget=link_budget,
        environment=environment,
        dem=dem,
        max_range_m=max_range_m,
        k_factor=k_factor,
        reliability=reliability,
    )
    shape = grid.shape
    present = sweep.present
    if not len(sweep.sel):
        empty = np.zeros(shape, dtype=np.uint32)
        return CoverageResult(
            serving=empty,
            broadband=empty.copy(),
            best_signal_dbm=np.full(shape, np.nan, dtype=np.float32),
            reach=empty.copy() if sweep.terrain else None,
            signal_by_radio={},
            by_operator=dict,
        )
    layer_of_radio = {code: i for i, code in enumerate(present)}
    radio_layer = np.array([layer_of_radio[int(r)] for r in sweep.radio.tolist()], dtype=np.int64)
    signal, serving, broadband, reach = sweep.run(radio_layer, len(present))
    signal_by_radio: dict[str, np.ndarray] = {
        RADIOS[code]: signal[i] for i, code in enumerate(present)
    }
    best = np.fmax.reduce(signal[: len(present)], axis=0).astype(np.float32)
    return CoverageResult(
        serving=serving,
        broadband=broadband,
        best_signal_dbm=best,
        reach=reach if sweep.terrain else None,
        signal_by_radio=signal_by_radio,
        by_operator=sweep.signal_by_operator,
    )


@dataclass(frozen=True)
class _Sweep:
    """The checked inputs of the signal kernel for the emitters that take part."""

    dem: np.ndarray | None
    shape: tuple[int, int]
    resolution: float
    terrain: bool
    max_range_m: float
    k_factor: float
    present: list[int]
    sel: np.ndarray
    radio: np.ndarray
    operator: np.ndarray
    cols: np.ndarray
    rows: np.ndarray
    params: list[RadioParams]
    table_idx: np.ndarray
    tables: list[np.ndarray]
    margin_db: list[float]
    reach_m: list[float]

    @classmethod
    def build(
        cls,
        emitters: Emitters,
        grid: AnalysisGrid,
        *,
        model: SignalModel,
        link_budget: LinkBudget,
        environment: Environment,
        dem: np.ndarray | None,
        max_range_m: float,
        k_factor: float | None,
        reliability: float = 0.5,
    ) -> _Sweep:
        if model not in choices_of(SignalModel):
            raise ValueError(
                f"model must be one of {', '.join(choices_of(SignalModel))}; got {model!r}"
            )
        if environment not in choices_of(Environment):
            raise ValueError(
                f"environment must be one of {', '.join(choices_of(Environment))}; "
                f"got {environment!r}"
            )
        if not (math.isfinite(max_range_m) and max_range_m > 0):
            raise ValueError(f"max_range_m must be positive, got {max_range_m!r}")
        shape = grid.shape
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
                    "terrain model (the DEM does not reach them); widen the grid margin to keep "
                    "them",
                    CoverageGapsWarning,
                    stacklevel=3,
                )
        # one loss table per radio present
        tables = [
            loss_table(
                link_budget.radios[RADIOS[code]],
                resolution=grid.resolution,
                max_range_m=max_range_m,
                model=model,
                environment=environment,
            )
            for code in present
        ]
        margins = [
            reliability_margin_db(reliability, link_budget.radios[RADIOS[c]].frequency_mhz,
                                  environment)
            for c in present
        ]  # fmt: skip
        table_of = {code: i for i, code in enumerate(present)}
        sel = np.flatnonzero(keep)
        r_sel = radio_codes[sel]
        return cls(
            dem=dem_arr,
            shape=shape,
            resolution=grid.resolution,
            terrain=terrain,
            max_range_m=max_range_m,
            k_factor=k,
            present=present,
            sel=sel,
            radio=r_sel,
            operator=operators[sel],
            cols=cols[sel],
            rows=rows[sel],
            params=[link_budget.radios[RADIOS[int(r)]] for r in r_sel.tolist()],
            table_idx=np.array([table_of[int(r)] for r in r_sel.tolist()], dtype=np.int64),
            tables=tables,
            margin_db=margins,
            reach_m=[
                flat_reach_m(
                    link_budget.radios[RADIOS[code]],
                    max_range_m=max_range_m,
                    resolution=grid.resolution,
                    margin_db=m,
                )
                for code, m in zip(present, margins, strict=True)
            ],
        )

    def run(self, layers: np.ndarray, n_layers: int) -> tuple[np.ndarray, ...]:
        """Signal per layer (emitter ``i`` goes to ``layers[i]``), and the service bitmasks."""
        params = self.params
        sites = SiteArrays(
            col=self.cols,
            row=self.rows,
            antenna_height_m=np.array([p.antenna_height_m for p in params], dtype="f8"),
            receiver_height_m=np.array([p.receiver_height_m for p in params], dtype="f8"),
            eirp_dbm=np.array([p.eirp_dbm for p in params], dtype="f8"),
            threshold_dbm=np.array([p.threshold_dbm for p in params], dtype="f8")
            + np.asarray(self.margin_db, dtype="f8")[self.table_idx],
            reach_radius_m=np.asarray(self.reach_m, dtype="f8")[self.table_idx]
            if len(self.table_idx)
            else np.zeros(0),
            table=self.table_idx,
            wavelength_m=np.array([wavelength_m(p.frequency_mhz) for p in params], dtype="f8"),
            bit=(np.uint32(1) << self.operator.astype(np.uint32)).astype(np.uint32),
            broadband=np.array(
                [RADIOS[int(r)] in BROADBAND for r in self.radio.tolist()], dtype=bool
            ),
            layer=layers,
        )
        width = max((len(t) for t in self.tables), default=1)
        packed = np.full((max(len(self.tables), 1), width), np.inf)
        for i, t in enumerate(self.tables):
            packed[i, : len(t)] = t
        out = signal_grids(
            self.dem,
            self.shape,
            self.resolution,
            sites,
            loss_tables=packed,
            n_layers=max(n_layers, 1),
            max_range_m=self.max_range_m,
            k_factor=self.k_factor,
            terrain=self.terrain,
        )
        return out.signal, out.serving, out.broadband, out.reach

    def signal_by_operator(self) -> dict[tuple[str, int], np.ndarray]:
        """Best-server signal per ``(radio name, operator index)`` present."""
        pairs = sorted(
            {
                (int(r), int(o))
                for r, o in zip(self.radio.tolist(), self.operator.tolist(), strict=True)
            }
        )
        if not pairs:
            return {}
        layer_of = {p: i for i, p in enumerate(pairs)}
        layers = np.array(
            [layer_of[(int(r), int(o))] for r, o in zip(self.radio, self.operator, strict=True)],
            dtype=np.int64,
        )
        signal = self.run(layers, len(pairs))[0]
        return {(RADIOS[r], o): signal[i] for (r, o), i in layer_of.items()}


@dataclass(frozen=True)
class PropagationModel:
    """A received-signal model (``free-space``, ``hata`` or ``terrain``) with its link budget.

    A cell is served where the best-server median signal of a radio is at or above that radio's
    threshold plus the margin of ``reliability`` (the location probability at the cell edge,
    :func:`~coverage_gaps.coverage.propagation.reliability_margin_db`).
    """

    name: SignalModel
    link_budget: LinkBudget
    environment: Environment = "open"
    max_range_m: float = 35_000.0
    k_factor: float | None = None
    reliability: float = 0.9

    @property
    def needs_dem(self) -> bool:
        return self.name == "terrain"

    @property
    def reach_m(self) -> float:
        return self.max_range_m

    def flat_serving_radius_m(self, emitters: Emitters) -> np.ndarray:
        """How far each emitter serves over open flat ground: the distance at which the base
        model's loss (Hata, or free space) uses up its radio's budget (EIRP - threshold),
        never beyond ``max_range_m``.  For ``free-space`` and ``hata`` this is exactly their
        coverage; with terrain, an upper bound."""
        out = np.zeros(len(emitters))
        radio = np.asarray(emitters.radio)
        for code in sorted(set(radio.tolist())):
            out[radio == code] = self._radius(RADIOS[int(code)])
        return out

    def _loss(self, p: RadioParams, d: np.ndarray) -> np.ndarray:
        return base_loss_db(
            d,
            p.frequency_mhz,
            base_height_m=p.antenna_height_m,
            mobile_height_m=p.receiver_height_m,
            model="free-space" if self.name == "free-space" else "hata",
            environment=self.environment,
        )

    def _radius(self, radio: str) -> float:
        """The largest distance whose base loss is within the budget (the loss grows with
        distance), the reliability margin taken off: a coarse scan, then bisection to a
        millimetre."""
        p = self.link_budget.radios[radio]
        budget = p.max_loss_db - reliability_margin_db(
            self.reliability, p.frequency_mhz, self.environment
        )
        d = np.geomspace(1.0, self.max_range_m, 512)
        ok = self._loss(p, d) <= budget
        if not ok.any():
            return 0.0
        i = int(np.flatnonzero(ok)[-1])
        if i == len(d) - 1:
            return float(self.max_range_m)
        lo, hi = float(d[i]), float(d[i + 1])
        while hi - lo > 1e-3:
            mid = (lo + hi) / 2
            if self._loss(p, np.array([mid]))[0] <= budget:
                lo = mid
            else:
                hi = mid
        return lo

    def working_bytes(self, emitters: Emitters, grid: AnalysisGrid) -> int:
        """The loss table of each radio (float64 by squared distance in cells, and its packed
        copy), a signal layer per radio, and the bitmasks; a second pass per operator is not
        counted (it runs only when an output asks for it)."""
        radios = max(1, len(set(np.asarray(emitters.radio).tolist())))
        entries = (self.max_range_m / grid.resolution) ** 2 + 1
        cells = grid.width * grid.height
        return int(16 * radios * entries + cells * (4 * radios + 4 + 12))

    def __call__(
        self,
        emitters: Emitters,
        grid: AnalysisGrid,
        dem: np.ndarray | None,
        *,
        where: np.ndarray | None = None,
    ) -> CoverageResult:
        """Coverage of every cell (``where`` is not needed: the sweep computes all of them)."""
        return predict_coverage(
            emitters,
            grid,
            model=self.name,
            link_budget=self.link_budget,
            environment=self.environment,
            dem=dem,
            max_range_m=self.max_range_m,
            k_factor=self.k_factor,
            reliability=self.reliability,
        )


def build(options: CoverageOptions, link_budget: LinkBudget | None) -> PropagationModel:
    """The propagation model ``options.model`` (the registry's builder).

    ``options.k_factor`` wins when given; ``None`` takes the link budget's (the
    ``--radio-params`` file's ``k_factor``, else 4/3).
    """
    if link_budget is None:
        from coverage_gaps.coverage.linkbudget import default_link_budget

        link_budget = default_link_budget()
    if options.model not in choices_of(SignalModel):
        raise ValueError(f"{options.model!r} is not a propagation model")
    return PropagationModel(
        name=options.model,  # type: ignore[arg-type]
        link_budget=link_budget,
        environment=options.environment,
        max_range_m=options.max_range_m,
        k_factor=options.k_factor,
        reliability=options.reliability,
    )
