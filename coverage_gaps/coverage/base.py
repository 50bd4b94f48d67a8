"""Types shared by every coverage model: the emitters a model takes and the result it gives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CoverageResult", "Emitters"]


@dataclass(frozen=True)
class Emitters:
    """One row per (site, radio) whose cells count as service, in the grid's CRS.

    Attributes
    ----------
    x, y
        Site position in metres (float64).
    radio
        Index into :data:`coverage_gaps.network.RADIOS` (int8).
    operator
        Index into the run's operator list, ``0 <= operator < MAX_OPERATORS`` (int16).
    range_m
        Disc radius from the range model, metres (float64).
    site
        Row of the site in the sites table (int64).
    """

    x: np.ndarray
    y: np.ndarray
    radio: np.ndarray
    operator: np.ndarray
    range_m: np.ndarray
    site: np.ndarray

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def with_range(self, range_m: np.ndarray) -> Emitters:
        """The same emitters with other disc radii."""
        return Emitters(
            x=self.x,
            y=self.y,
            radio=self.radio,
            operator=self.operator,
            range_m=np.asarray(range_m, dtype="f8"),
            site=self.site,
        )

    def subset(self, mask: np.ndarray) -> Emitters:
        """The emitters where ``mask`` is true."""
        return Emitters(
            x=self.x[mask],
            y=self.y[mask],
            radio=self.radio[mask],
            operator=self.operator[mask],
            range_m=self.range_m[mask],
            site=self.site[mask],
        )


@dataclass
class CoverageResult:
    """Per-cell coverage on an analysis grid.

    Attributes
    ----------
    serving
        uint32 bitmask per cell: bit ``k`` is set when operator ``k`` serves the cell with any
        counted technology.
    broadband
        uint32 bitmask per cell, as ``serving`` but only UMTS, LTE and NR count.
    best_signal_dbm
        float32 best-server received signal (dBm) per cell, NaN where no site is in range; only
        propagation models fill it.
    reach
        uint32 bitmask of the operators that would serve the cell by the base model over open,
        flat ground (no terrain); only the terrain model fills it, to tell ``terrain_shadow`` from
        ``beyond_site_range``.
    signal_by_radio
        Best-server signal (dBm) per technology name, for the signal rasters.
    by_operator
        Computes the best-server signal per ``(radio, operator index)`` on demand (a second
        sweep of the propagation model, run only when an output asks for it); ``None`` for models
        without a signal.
    """

    serving: np.ndarray
    broadband: np.ndarray
    best_signal_dbm: np.ndarray | None = None
    reach: np.ndarray | None = None
    signal_by_radio: dict[str, np.ndarray] | None = None
    by_operator: Callable[[], dict[tuple[str, int], np.ndarray]] | None = field(
        default=None, repr=False, compare=False
    )

    def signal_by_operator(self) -> dict[tuple[str, int], np.ndarray]:
        """Best-server signal (dBm) per ``(radio, operator index)``, computed on first use."""
        cached = getattr(self, "_by_operator_cache", None)
        if cached is None:
            cached = {} if self.by_operator is None else self.by_operator()
            self._by_operator_cache = cached
        return cached

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["by_operator"] = None  # a closure over the model's inputs stays in its process
        state.pop("_by_operator_cache", None)
        return state
