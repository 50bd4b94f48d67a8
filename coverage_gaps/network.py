"""The shared vocabulary of mobile networks: radios, generations, operators and their names.

Both the readers (``io/``) and the models (``coverage/``) import this module, so neither reaches
into the other.  Radio names are OpenCelliD's; an emitter's radio is an index into
:data:`RADIOS`.

>>> parse_radios("broadband")
('UMTS', 'LTE', 'NR')
>>> parse_radios(["GSM", "4G"])
('GSM', 'LTE')
>>> operator_name(452, 4)
'Viettel'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Literal

from coverage_gaps.errors import SelectionError, SettingsError

__all__ = [
    "BROADBAND",
    "GENERATIONS",
    "MAX_OPERATORS",
    "OPERATORS",
    "RADIOS",
    "RADIO_ALIASES",
    "SUNSETS",
    "Radio",
    "operator_name",
    "parse_generation",
    "parse_radios",
    "parse_sunsets",
    "resolve_operators",
    "retired_generations",
]

#: A radio technology as OpenCelliD names it.
Radio = Literal["GSM", "UMTS", "LTE", "NR", "CDMA"]
#: Radio technologies in OpenCelliD order; an emitter's ``radio`` is an index into this tuple.
RADIOS: tuple[Radio, ...] = ("GSM", "UMTS", "LTE", "NR", "CDMA")
#: The generation of each radio (CDMA2000 1x is counted with 2G, as coverage maps do).
GENERATIONS: Mapping[Radio, str] = {
    "GSM": "2G",
    "CDMA": "2G",
    "UMTS": "3G",
    "LTE": "4G",
    "NR": "5G",
}
#: Radios that count as mobile broadband (3G and newer).
BROADBAND: frozenset[str] = frozenset({"UMTS", "LTE", "NR"})
#: At most this many operators fit in the uint32 bitmasks of a coverage result.
MAX_OPERATORS = 32


def _by_generation(gen: str) -> tuple[Radio, ...]:
    return tuple(r for r in RADIOS if GENERATIONS[r] == gen)


#: Names people use for groups of radios (upper case): generations, ``broadband`` and ``all``.
RADIO_ALIASES: Mapping[str, tuple[Radio, ...]] = {
    "2G": _by_generation("2G"),
    "3G": _by_generation("3G"),
    "4G": _by_generation("4G"),
    "5G": _by_generation("5G"),
    "BROADBAND": tuple(r for r in RADIOS if r in BROADBAND),
    "ALL": RADIOS,
}


def parse_radios(value: str | Iterable[str]) -> tuple[Radio, ...]:
    """Radio names from what people write: names, generations, ``broadband`` or ``all``.

    Parameters
    ----------
    value
        A comma-separated string (``"GSM,4G"``) or an iterable of such tokens, any case.

    Returns
    -------
    tuple of str
        Radio names in the order first given, each once.

    Raises
    ------
    SettingsError
        A token is not a radio or alias, or nothing was given.
    """
    tokens = (
        value.split(",") if isinstance(value, str) else [t for v in value for t in v.split(",")]
    )
    out: list[Radio] = []
    for token in (t.strip().upper() for t in tokens if t.strip()):
        names = RADIO_ALIASES.get(token)
        if names is None:
            if token not in RADIOS:
                raise SettingsError(
                    f"{token!r} is not a radio; use {', '.join(RADIOS)}, 2G/3G/4G/5G, "
                    "broadband or all"
                )
            names = (token,)
        out += [n for n in names if n not in out]
    if not out:
        raise SettingsError("no radio given; use e.g. 'LTE', '4G', 'broadband' or 'all'")
    return tuple(out)


#: Known operators by (MCC, MNC).  Vietnam (MCC 452): 03 S-Fone and 06/08 EVNTelecom are
#: defunct (../shared/DOMAIN.md).
OPERATORS: Mapping[tuple[int, int], str] = {
    (452, 1): "MobiFone",
    (452, 2): "VinaPhone",
    (452, 4): "Viettel",
    (452, 5): "Vietnamobile",
    (452, 7): "Gmobile",
}


def operator_name(mcc: int, net: int) -> str:
    """``"Viettel"`` for 452-04; an unknown code is shown as ``"452-NN"``."""
    return OPERATORS.get((int(mcc), int(net)), f"{int(mcc)}-{int(net):02d}")


def resolve_operators(
    typed: Sequence[str], known: Iterable[str], *, source: object = "the towers file"
) -> tuple[str, ...]:
    """Operator names as the towers file has them, from names as people type them.

    Typed names match in any case or accents, and ``"452-04"`` style codes match the code of an
    unnamed operator.

    Raises
    ------
    SelectionError
        A typed name matches no operator of ``known``; the message lists those present.
    """
    from coverage_gaps.names import fold

    known = list(known)
    by_key = {fold(k): k for k in known}
    out: list[str] = []
    unknown = []
    for t in typed:
        name = by_key.get(fold(t))
        if name is None:
            unknown.append(t)
        elif name not in out:
            out.append(name)
    if unknown:
        raise SelectionError(
            f"--operator {', '.join(map(repr, unknown))} has no cells in {source}; operators "
            f"present: {', '.join(sorted(known)) or 'none'}"
        )
    return tuple(out)


#: Technology sunsets by mobile country code: the last day each generation serves anyone.
#: Vietnam (452): the 2G network was switched off in September 2026, when the 900/1800 MHz 2G
#: licences ended (Circulars 03/2024/TT-BTTTT and 04/2024/TT-BTTTT; the Spratly and Paracel
#: islands kept 2G until 15 September 2026, VietnamPlus, "MIC to turn off 2G technology by
#: September 16", and VietnamNet, "Vietnam's major carriers to end 2G-only services after
#: October 16", 2024: 2G-only phones were cut off from 16 October 2024, the network itself in
#: September 2026).  3G is planned to end by September 2028 (the ministry's roadmap of July
#: 2024, reported by SAMENA Daily News, September 2024): a plan, not yet a switch-off.
SUNSETS: Mapping[int, Mapping[str, date]] = {
    452: {"2G": date(2026, 9, 15), "3G": date(2028, 9, 30)},
}


def parse_generation(value: str) -> str:
    """``"2G"`` from ``"2g"``, ``"GSM"`` or ``"CDMA"``: the generation a sunset applies to.

    Raises
    ------
    SettingsError
        Not a generation or a radio of one generation.
    """
    token = value.strip().upper()
    if token in {"2G", "3G", "4G", "5G"}:
        return token
    if token in RADIOS:
        return GENERATIONS[token]
    raise SettingsError(f"{value!r} is not a generation; use 2G, 3G, 4G or 5G")


def parse_sunsets(items: Iterable[str]) -> dict[str, date]:
    """``["2G=2026-09-15", "3g=2028-09-30"]`` → ``{"2G": date(2026, 9, 15), ...}``.

    Raises
    ------
    SettingsError
        An item is not ``GEN=YYYY-MM-DD``.
    """
    out: dict[str, date] = {}
    for item in items:
        gen, sep, day = item.partition("=")
        try:
            when = date.fromisoformat(day.strip())
        except ValueError:
            sep = ""
        if not sep:
            raise SettingsError(f"{item!r} is not GEN=YYYY-MM-DD (e.g. 2G=2026-09-15)")
        out[parse_generation(gen)] = when
    return out


def retired_generations(
    mcc: int, as_of: date, overrides: Mapping[str, date], *, defaults: bool = True
) -> dict[str, date]:
    """The generations past their sunset at ``as_of`` for cells of country ``mcc``: the
    built-in :data:`SUNSETS` of that country (when ``defaults``), overridden by ``overrides``;
    a generation serves through its sunset day and is retired after it."""
    sunsets = dict(SUNSETS.get(int(mcc), {})) if defaults else {}
    sunsets.update(overrides)
    return {gen: day for gen, day in sunsets.items() if as_of > day}
