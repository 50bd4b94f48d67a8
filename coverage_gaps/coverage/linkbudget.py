"""Per-technology link budgets: carrier frequency, EIRP, antenna heights and service threshold.

The defaults describe a typical rural macro site in Vietnam; OpenCelliD carries none of these
figures, so they are assumptions, each with its source below, and can be overridden per radio in
a TOML file (``--radio-params``)::

    k_factor = 1.3333

    [LTE]
    frequency_mhz = 1800
    eirp_dbm = 30.0          # reference-signal EIRP per resource element
    antenna_height_m = 25
    threshold_dbm = -105     # Ofcom's outdoor 4G threshold

Only the keys of :class:`RadioParams` and the radios of
:data:`coverage_gaps.network.RADIOS` are accepted; anything else is an
:class:`~coverage_gaps.errors.InputError` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coverage_gaps.errors import InputError
from coverage_gaps.network import RADIOS


@dataclass(frozen=True)
class RadioParams:
    """Link budget of one technology.

    Attributes
    ----------
    frequency_mhz
        Downlink carrier frequency, MHz.
    eirp_dbm
        Effective isotropic radiated power of the measured signal, dBm: the BCCH carrier for GSM,
        the CPICH for UMTS, and for LTE and NR the power *per resource element* of the
        reference signal (CRS / SSS), so that the predicted signal is RSRP / SS-RSRP and is
        compared with an RSRP threshold.
    antenna_height_m
        Base-station antenna height above the ground at the site, m.
    receiver_height_m
        Handset height above ground, m.
    threshold_dbm
        Service threshold on the predicted signal: RxLev (GSM), RSCP (UMTS), RSRP (LTE),
        SS-RSRP (NR), pilot Ec (CDMA).
    """

    frequency_mhz: float
    eirp_dbm: float
    threshold_dbm: float
    antenna_height_m: float = 30.0
    receiver_height_m: float = 1.5

    def __post_init__(self) -> None:
        for name in ("frequency_mhz", "antenna_height_m", "receiver_height_m"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        for name in ("eirp_dbm", "threshold_dbm"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number, got {value!r}")

    @property
    def max_loss_db(self) -> float:
        """Largest path loss that still serves: ``eirp_dbm - threshold_dbm``."""
        return self.eirp_dbm - self.threshold_dbm


#: GSM 900 (Vietnam's GSM runs in 900 and 1800 MHz; 900 carries the rural coverage layer).
#: Downlink 925-960 MHz, centre 945 MHz (3GPP TS 45.005 §2).  EIRP 57 dBm: a 20 W (43 dBm) BCCH
#: transceiver, 17 dBi sector antenna, 3 dB feeder and combiner loss.  Threshold -100 dBm RxLev:
#: MS reference sensitivity is -102 dBm (TS 45.005 §6.2, GSM 900 small MS), plus 2 dB so that a
#: call can be held outdoors.
GSM = RadioParams(frequency_mhz=945.0, eirp_dbm=57.0, threshold_dbm=-100.0)
#: UMTS band 1, downlink 2110-2170 MHz (TS 25.101 §5.2), centre 2140 MHz.  CPICH at 10 % of a 20 W
#: carrier (33 dBm, the usual planning split), 17 dBi antenna, 3 dB losses: 47 dBm.  Threshold
#: -105 dBm CPICH RSCP, a common outdoor planning value (the measurable range goes down to
#: -120 dBm, TS 25.133 §9.1.1).
UMTS = RadioParams(frequency_mhz=2140.0, eirp_dbm=47.0, threshold_dbm=-105.0)
#: LTE band 3 (the main LTE band of Vietnamese operators), downlink 1805-1880 MHz, centre
#: 1842.5 MHz.  RS EIRP per resource element: 40 W over 20 MHz = 46 dBm over 1200 subcarriers
#: gives 46 - 10 log10(1200) = 15.2 dBm per RE (TS 36.213 §5.2 defines the RS EPRE), 17 dBi,
#: 2 dB losses: 30 dBm.  Threshold RSRP -110 dBm: the middle of the "usable" bin (-115 to -105)
#: in common use; Ofcom's outdoor 4G threshold is the stricter -105 dBm.
LTE = RadioParams(frequency_mhz=1842.5, eirp_dbm=30.0, threshold_dbm=-110.0)
#: NR band n78 (3300-3800 MHz), 3500 MHz.  SSS EPRE: 200 W (53 dBm) over 100 MHz at 30 kHz SCS
#: (3276 subcarriers) = 53 - 35.2 = 17.8 dBm per RE (TS 38.213 §4.1 ``ss-PBCH-BlockPower`` is
#: per RE), 22 dBi SSB beam gain of a massive-MIMO panel, 2 dB losses: 38 dBm.
#: Threshold SS-RSRP -110 dBm, as LTE (the same handset sensitivity class).
NR = RadioParams(frequency_mhz=3500.0, eirp_dbm=38.0, threshold_dbm=-110.0)
#: CDMA2000 band class 0 (850 MHz cellular), centre 881.5 MHz.  Pilot at 15 % of 20 W (34.8 dBm),
#: 15 dBi, 3 dB losses: 47 dBm.  Threshold -105 dBm pilot power.  No CDMA network operates in
#: Vietnam any more (S-Fone closed); the entry exists because OpenCelliD has the radio.
CDMA = RadioParams(frequency_mhz=881.5, eirp_dbm=47.0, threshold_dbm=-105.0)

#: Effective Earth radius factor for median refraction (ITU-R P.452 / P.453: k50 = 4/3).
DEFAULT_K_FACTOR = 4.0 / 3.0


@dataclass(frozen=True)
class LinkBudget:
    """Link budgets of every technology, by radio name (``"GSM"``, ``"UMTS"``, ...).

    Attributes
    ----------
    radios
        :class:`RadioParams` by name in :data:`~coverage_gaps.network.RADIOS`.
    k_factor
        Effective Earth radius factor for the terrain model.
    """

    radios: Mapping[str, RadioParams]
    k_factor: float = DEFAULT_K_FACTOR
    source: str = field(default="defaults", compare=False)

    def __post_init__(self) -> None:
        unknown = set(self.radios) - set(RADIOS)
        if unknown:
            raise ValueError(f"unknown radios {sorted(unknown)}; allowed: {', '.join(RADIOS)}")
        if not (math.isfinite(self.k_factor) and self.k_factor > 0):
            raise ValueError(f"k_factor must be positive, got {self.k_factor!r}")

    def __getitem__(self, radio: str) -> RadioParams:
        try:
            return self.radios[radio]
        except KeyError:
            raise KeyError(f"no link budget for radio {radio!r}") from None


def default_link_budget() -> LinkBudget:
    """The built-in link budget (see the module constants for sources)."""
    return LinkBudget(radios={"GSM": GSM, "UMTS": UMTS, "LTE": LTE, "NR": NR, "CDMA": CDMA})


_FIELDS = tuple(f.name for f in dataclasses.fields(RadioParams))


def load_link_budget(path: str | Path, *, base: LinkBudget | None = None) -> LinkBudget:
    """Read a TOML override file on top of ``base`` (default: :func:`default_link_budget`).

    The file may hold a top-level ``k_factor`` and one table per radio whose keys are fields of
    :class:`RadioParams`; keys not given keep their default.

    Raises
    ------
    InputError
        The file is missing or is not TOML, or names an unknown radio or key, or a value is not a
        number in range.
    """
    path = Path(path)
    base = default_link_budget() if base is None else base
    try:
        with path.open("rb") as fh:
            doc: dict[str, Any] = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(path, "radio parameters file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"not a valid TOML file ({exc})") from exc
    radios = dict(base.radios)
    k_factor = base.k_factor
    for key, value in doc.items():
        if key == "k_factor":
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not value > 0
            ):
                raise InputError(path, f"k_factor must be a positive number, got {value!r}")
            k_factor = float(value)
            continue
        if key not in RADIOS:
            raise InputError(
                path,
                f"unknown key {key!r}; allowed: k_factor and the radio tables "
                f"{', '.join(f'[{r}]' for r in RADIOS)}",
            )
        if not isinstance(value, dict):
            raise InputError(path, f"{key} must be a table ([{key}]), got {value!r}")
        current = radios.get(key)
        fields: dict[str, float] = dataclasses.asdict(current) if current else {}
        for name, item in value.items():
            if name not in _FIELDS:
                raise InputError(
                    path, f"[{key}] has unknown key {name!r}; allowed: {', '.join(_FIELDS)}"
                )
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise InputError(path, f"[{key}] {name} must be a number, got {item!r}")
            fields[name] = float(item)
        missing = {"frequency_mhz", "eirp_dbm", "threshold_dbm"} - set(fields)
        if missing:
            raise InputError(path, f"[{key}] needs {', '.join(sorted(missing))}")
        try:
            radios[key] = RadioParams(**fields)
        except ValueError as exc:
            raise InputError(path, f"[{key}]: {exc}") from exc
    return LinkBudget(radios=radios, k_factor=k_factor, source=str(path))
