"""Operator names from mobile country and network codes (MCC/MNC)."""

from __future__ import annotations

#: Known operators.  Vietnam (MCC 452): 03 S-Fone and 06/08 EVNTelecom are defunct
#: (../shared/DOMAIN.md).
OPERATORS: dict[tuple[int, int], str] = {
    (452, 1): "MobiFone",
    (452, 2): "VinaPhone",
    (452, 4): "Viettel",
    (452, 5): "Vietnamobile",
    (452, 7): "Gmobile",
}


def operator_name(mcc: int, net: int) -> str:
    """``"Viettel"`` for 452-04; an unknown code is shown as ``"452-NN"``."""
    return OPERATORS.get((int(mcc), int(net)), f"{int(mcc)}-{int(net):02d}")
