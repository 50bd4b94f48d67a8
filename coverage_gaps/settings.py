"""Typed settings for a run.  The CLI fills these from its options; library users build them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BadRows = Literal["skip", "fail"]
RangeModel = Literal["opencellid", "fixed"]
CoverageModel = Literal["disc", "free-space", "hata", "terrain"]
Environment = Literal["urban", "suburban", "open"]
OutputKind = Literal["csv", "gpkg", "html"]

#: Fixed coverage radii per radio (Collins Bartholomew's Mobile Coverage Explorer convention:
#: 12 km for 2G, 4 km for 3G/4G, 0.5 km for 5G; CDMA is treated as 2G).
DEFAULT_FIXED_RADII_M: dict[str, float] = {
    "GSM": 12_000.0,
    "CDMA": 12_000.0,
    "UMTS": 4_000.0,
    "LTE": 4_000.0,
    "NR": 500.0,
}


@dataclass(frozen=True)
class TowerOptions:
    """How to read and filter cell-tower rows.

    Attributes
    ----------
    mcc
        Keep only these mobile country codes (Vietnam is 452); empty keeps all.
    min_samples
        Drop cells observed fewer times than this.
    as_of
        ISO date ``YYYY-MM-DD``; keep only cells created on or before the end of that day (UTC).
    bad_rows
        ``"skip"`` reports bad rows and goes on; ``"fail"`` stops the run.
    nr_gnb_bits
        Bits of the 36-bit NR cell identity that hold the gNB id (22 to 32).
    co_location_m
        Cells of one operator closer than this are one site.
    """

    mcc: tuple[int, ...] = ()
    min_samples: int = 1
    as_of: str | None = None
    bad_rows: BadRows = "skip"
    nr_gnb_bits: int = 24
    co_location_m: float = 150.0


@dataclass(frozen=True)
class VillageOptions:
    """How to read the villages layer."""

    layer: str | None = None
    id_col: str | None = None
    name_col: str | None = None
    commune_col: str | None = None
    province_col: str | None = None
    village_radius_m: float = 500.0


@dataclass(frozen=True)
class CoverageOptions:
    """Which service counts and how far it reaches."""

    model: CoverageModel = "disc"
    range_model: RangeModel = "opencellid"
    min_range_m: float = 100.0
    max_range_m: float = 35_000.0
    fixed_radii_m: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_FIXED_RADII_M))
    radios: tuple[str, ...] = ("GSM", "UMTS", "LTE", "NR", "CDMA")
    operators: tuple[str, ...] = ()
    environment: Environment = "open"
    k_factor: float = 4.0 / 3.0
    terrain_resolution_m: float = 30.0
    signal_per_operator: bool = False


@dataclass(frozen=True)
class StatusThresholds:
    """Covered share of the electrified area below ``dead_zone`` is a dead zone, at or above
    ``covered`` is covered, in between partial."""

    dead_zone: float = 0.10
    covered: float = 0.90

    def __post_init__(self) -> None:
        if not 0.0 <= self.dead_zone <= self.covered <= 1.0:
            raise ValueError(
                f"status thresholds must satisfy 0 <= dead_zone <= covered <= 1, got "
                f"dead_zone={self.dead_zone!r}, covered={self.covered!r}"
            )


@dataclass(frozen=True)
class AnalysisOptions:
    """Grid and electrification settings."""

    resolution_m: float = 100.0
    crs: str | None = None
    electrified_threshold: float = 0.0
    grid_distance_m: float = 1_000.0
    thresholds: StatusThresholds = field(default_factory=StatusThresholds)
