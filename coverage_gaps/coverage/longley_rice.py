"""The attenuation of the Longley-Rice Irregular Terrain Model (ITM 1.2.2), compiled for the sweep.

Hufford, "The ITS Irregular Terrain Model, version 1.2.2: the Algorithm" (NTIA/ITS, 1995) and
Hufford, Longley and Kissick, NTIA Report 82-100 (1982), sections 4 (``lrprop``, ``adiff``,
``alos``, ``fht``, ``aknfe``) and 43 (``qlrpfl``): given a path's distance, the antennas'
structural and effective heights, the two horizons (elevation angles and distances) and the
terrain irregularity ``dh``, the reference attenuation relative to free space is

* beyond the smooth-Earth horizon distance ``dlsa``: the *diffraction line* ``aed + emd d``
  through ``A(d3)`` and ``A(d4)``, where ``A`` is ITM's blend of a double knife edge (the two
  horizons, the total bending angle shared between them) and the three-radii rounded-Earth
  diffraction, weighted by the terrain's roughness, plus the clutter term ``afo``;
* within it: ITM's line-of-sight curve ``ael + ak1 d + ak2 ln d``, fitted through the
  two-ray (rough-earth reflection) attenuation at ``d0`` and ``d1`` and the diffraction line at
  ``dlsa``.

The profile itself is not walked here: the caller supplies the parameters ITM's ``qlrpfl`` would
take from it (the terrain sweep of :mod:`coverage_gaps.coverage.terrain` carries them outwards
from the site).  Left out, as they never matter for the paths of this project (1-35 km at
0.8-4 GHz): tropospheric scatter (ITM switches to it beyond ``dx``, at least ``dla + 0.3 xae
ln(47.7 wn)`` ~ 30 km past both horizons) and the climate's median adjustment ``vmd`` of
``avar`` (under 0.2 dB below 40 km).  ``tests/test_itm.py`` checks this function against
``itmlogic`` with the parameters ``itmlogic`` itself extracted.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["GME_301", "itm_reference_attenuation", "itm_surface"]

_THIRD = 1.0 / 3.0


def itm_surface(
    frequency_mhz: float, *, eps: float = 15.0, sgm: float = 0.005, vertical: bool = True
) -> tuple[float, float, float]:
    """(wave number ``wn`` in 1/m, real and imaginary part of the surface impedance ``zgnd``)."""
    wn = frequency_mhz / 47.7
    zq = complex(eps, 376.62 * sgm / wn)
    zg = np.sqrt(zq - 1)
    if vertical:
        zg = zg / zq
    return wn, float(zg.real), float(zg.imag)


def _gme(ens0: float = 301.0) -> float:
    return 157e-9 * (1 - 0.04665 * math.exp(ens0 / 179.3))


#: ITM's effective Earth curvature (1/m) for the surface refractivity N0 = 301 (k = 4/3).
GME_301 = _gme(301.0)


@njit(cache=True, error_model="numpy")
def _cbrt(x: float) -> float:
    """Cube root of x > 0: exp(log(x) / 3), refined by one Newton step (pow is slower)."""
    y = math.exp(math.log(x) * _THIRD)
    return y - (y - x / (y * y)) * _THIRD


@njit(cache=True, error_model="numpy")
def _aknfe(v2: float) -> float:
    if v2 < 5.76:
        if v2 <= 0.0:
            v2 = 1e-5
        return 6.02 + 9.11 * math.sqrt(v2) - 1.27 * v2
    return 12.953 + 4.343 * math.log(v2)


@njit(cache=True, error_model="numpy")
def _fht(x: float, pk: float) -> float:
    if x < 200.0:
        w = -math.log(pk)
        if pk < 1e-5 or x * w * w * w > 5495.0:
            f = -117.0
            if x > 1.0:
                f += 17.372 * math.log(x)
            return f
        return 2.5e-5 * x * x / pk - 8.686 * w - 15.0
    f = 0.05751 * x - 4.343 * math.log(x)
    if x < 2000.0:
        w = 0.0134 * x * math.exp(-0.005 * x)
        f = (1.0 - w) * f + w * (17.372 * math.log(x) - 117.0)
    return f


@njit(cache=True, error_model="numpy")
def _adiff(
    d: float,
    tha: float,
    dla: float,
    dl0: float,
    dl1: float,
    gme: float,
    wn: float,
    qk: float,
    xht: float,
    aht: float,
    wd1: float,
    xd1: float,
    dh: float,
    afo: float,
) -> float:
    th = tha + d * gme
    ds = d - dla
    q = 0.0795775 * wn * ds * th * th
    ake = _aknfe(q * dl0 / (ds + dl0)) + _aknfe(q * dl1 / (ds + dl1))
    a = ds / th
    wa = _cbrt(a * wn)
    pk = qk / wa
    q = (1.607 - pk) * 151.0 * wa * th + xht
    ar = 0.05751 * q - 4.343 * math.log(q) - aht
    q = (wd1 + xd1 / d) * min((1.0 - 0.8 * math.exp(-d / 50e3)) * dh * wn, 6283.2)
    wd = 25.1 / (25.1 + math.sqrt(q))
    return ar * wd + (1.0 - wd) * ake + afo


@njit(cache=True, error_model="numpy")
def _alos(
    d: float,
    he0: float,
    he1: float,
    dh: float,
    wn: float,
    zre: float,
    zim: float,
    aed: float,
    emd: float,
    wis: float,
) -> float:
    q = (1.0 - 0.8 * math.exp(-d / 50e3)) * dh
    s = 0.78 * q * math.exp(-math.sqrt(math.sqrt(q / 16.0)))
    q = he0 + he1
    sps = q / math.sqrt(d * d + q * q)
    # r = (sps - zgnd) / (sps + zgnd) * exp(-min(10, wn s sps)), complex
    nr, ni = sps - zre, -zim
    dr, di = sps + zre, zim
    den = dr * dr + di * di
    rr = (nr * dr + ni * di) / den
    ri = (ni * dr - nr * di) / den
    f = math.exp(-min(10.0, wn * s * sps))
    rr *= f
    ri *= f
    q = rr * rr + ri * ri
    if q < 0.25 or q < sps:
        g = math.sqrt(sps / q)
        rr *= g
        ri *= g
    line = emd * d + aed
    q = wn * he0 * he1 * 2.0 / d
    if q > 1.57:
        q = 3.14 - 2.4649 / q
    cr = math.cos(q) + rr
    ci = -math.sin(q) + ri
    return (-4.343 * math.log(cr * cr + ci * ci) - line) * wis + line


@njit(cache=True, error_model="numpy")
def _itm_attenuation(
    d: float,
    hg0: float,
    hg1: float,
    he0: float,
    he1: float,
    the0: float,
    the1: float,
    dl0: float,
    dl1: float,
    dh: float,
    wn: float,
    gme: float,
    zre: float,
    zim: float,
) -> float:
    """ITM's reference attenuation over free space (dB, >= 0) in point-to-point mode."""
    dls0 = math.sqrt(2.0 * he0 / gme)
    dls1 = math.sqrt(2.0 * he1 / gme)
    dlsa = dls0 + dls1
    dla = dl0 + dl1
    tha = max(the0 + the1, -dla * gme)
    # adiff(0): set-up
    q = hg0 * hg1
    qk = he0 * he1 - q
    q += 10.0  # point-to-point mode
    wd1 = math.sqrt(1.0 + qk / q)
    xd1 = dla + tha / gme
    q = (1.0 - 0.8 * math.exp(-dlsa / 50e3)) * dh
    q = 0.78 * q * math.exp(-math.sqrt(math.sqrt(q / 16.0)))
    afo = min(15.0, 2.171 * math.log(1.0 + 4.77e-4 * hg0 * hg1 * wn * q))
    qk = 1.0 / math.sqrt(zre * zre + zim * zim)
    aht = 20.0
    xht = 0.0
    for j in range(2):
        dlj = dl0 if j == 0 else dl1
        hej = he0 if j == 0 else he1
        a = 0.5 * dlj * dlj / hej
        wa = _cbrt(a * wn)
        pk = qk / wa
        q = (1.607 - pk) * 151.0 * wa * dlj / a
        xht += q
        aht += _fht(q, pk)
    xae = (wn * gme * gme) ** (-_THIRD)
    d3 = max(dlsa, 1.3787 * xae + dla)
    d4 = d3 + 2.7574 * xae
    a3 = _adiff(d3, tha, dla, dl0, dl1, gme, wn, qk, xht, aht, wd1, xd1, dh, afo)
    a4 = _adiff(d4, tha, dla, dl0, dl1, gme, wn, qk, xht, aht, wd1, xd1, dh, afo)
    emd = (a4 - a3) / (d4 - d3)
    aed = a3 - emd * d3
    if d >= dlsa:
        return max(aed + emd * d, 0.0)
    # line of sight: ITM's curve through the two-ray attenuation at d0, d1 and the
    # diffraction line at d2 = dlsa
    wis = 0.021 / (0.021 + wn * dh / max(10e3, dlsa))
    d2 = dlsa
    a2 = aed + d2 * emd
    d0 = 1.908 * wn * he0 * he1
    if aed >= 0.0:
        d0 = min(d0, 0.5 * dla)
        d1 = d0 + 0.25 * (dla - d0)
    else:
        d1 = max(-aed / emd, 0.25 * dla)
    a1 = _alos(d1, he0, he1, dh, wn, zre, zim, aed, emd, wis)
    ak1 = 0.0
    ak2 = 0.0
    ok = False
    if d0 < d1:
        a0 = _alos(d0, he0, he1, dh, wn, zre, zim, aed, emd, wis)
        q = math.log(d2 / d0)
        ak2 = max(
            0.0,
            ((d2 - d0) * (a1 - a0) - (d1 - d0) * (a2 - a0))
            / ((d2 - d0) * math.log(d1 / d0) - (d1 - d0) * q),
        )
        ok = aed >= 0.0 or ak2 > 0.0
        if ok:
            ak1 = (a2 - a0 - ak2 * q) / (d2 - d0)
            if ak1 < 0.0:
                ak1 = 0.0
                ak2 = max(a2 - a0, 0.0) / q
                if ak2 == 0.0:
                    ak1 = emd
    if not ok:
        ak1 = max(a2 - a1, 0.0) / (d2 - d1)
        ak2 = 0.0
        if ak1 == 0.0:
            ak1 = emd
    ael = a2 - ak1 * d2 - ak2 * math.log(d2)
    return max(ael + ak1 * d + ak2 * math.log(d), 0.0)


@njit(cache=True, error_model="numpy")
def _itm_los_geometry(
    d: float, he0: float, he1: float, dh: float, gme: float
) -> tuple[float, float, float, float, float, float]:
    """``qlrpfl``'s line-of-sight branch: smooth-Earth horizons of the effective heights,
    shortened by the terrain's roughness; returns (he0, he1, dl0, dl1, the0, the1)."""
    dl0 = math.sqrt(2.0 * he0 / gme) * math.exp(-0.07 * math.sqrt(dh / max(he0, 5.0)))
    dl1 = math.sqrt(2.0 * he1 / gme) * math.exp(-0.07 * math.sqrt(dh / max(he1, 5.0)))
    q = dl0 + dl1
    if q <= d:
        q = (d / q) ** 2
        he0 *= q
        he1 *= q
        dl0 = math.sqrt(2.0 * he0 / gme) * math.exp(-0.07 * math.sqrt(dh / max(he0, 5.0)))
        dl1 = math.sqrt(2.0 * he1 / gme) * math.exp(-0.07 * math.sqrt(dh / max(he1, 5.0)))
    q0 = math.sqrt(2.0 * he0 / gme)
    q1 = math.sqrt(2.0 * he1 / gme)
    the0 = (0.65 * dh * (q0 / dl0 - 1.0) - 2.0 * he0) / q0
    the1 = (0.65 * dh * (q1 / dl1 - 1.0) - 2.0 * he1) / q1
    return he0, he1, dl0, dl1, the0, the1


def itm_reference_attenuation(
    distance_m: float,
    *,
    structural_heights_m: tuple[float, float],
    effective_heights_m: tuple[float, float],
    horizon_angles_rad: tuple[float, float],
    horizon_distances_m: tuple[float, float],
    dh_m: float,
    frequency_mhz: float,
    gme: float = GME_301,
) -> float:
    """ITM's reference attenuation over free space (dB) from the parameters ``qlrpfl`` leaves
    (after its line-of-sight re-computation of heights and horizons, when it made one)."""
    wn, zre, zim = itm_surface(frequency_mhz)
    return float(
        _itm_attenuation(
            float(distance_m),
            float(structural_heights_m[0]),
            float(structural_heights_m[1]),
            float(effective_heights_m[0]),
            float(effective_heights_m[1]),
            float(horizon_angles_rad[0]),
            float(horizon_angles_rad[1]),
            float(horizon_distances_m[0]),
            float(horizon_distances_m[1]),
            float(dh_m),
            wn,
            float(gme),
            zre,
            zim,
        )
    )
