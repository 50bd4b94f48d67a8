"""Line of sight and terrain-aware received signal over an elevation model.

Both computations use one sweep per site, the algorithm of GDAL's ``gdal_viewshed`` (Wang, Robinson
and White, "Generating viewsheds without using sightlines", PE&RS 66(1), 2000, as modified in
GDAL's ``alg/viewshed.cpp``, "edge" cell mode, the default):

* heights are made relative to the observer's eye and lowered for Earth curvature,
  ``z = dem - zobs - c r^2 / (2 R)``, with ``c = 1 / k`` (GDAL's ``-cc`` is this ``c``: its
  default 0.85714 = 6/7 is ``1/k`` for the optical ``k = 7/6``; radio uses ``k = 4/3``, so
  ``c = 0.75``);
* rows are processed outwards from the observer's row, each row outwards from the observer's
  column; the *horizon height* ``Z`` of a cell is the height the sight line over the highest
  obstacle so far reaches at that cell, interpolated (on the plane through the observer) from the
  two already-processed neighbours on the observer's side that straddle the ray; a cell is
  visible when ``z + target >= Z``, and it passes ``max(z, Z)`` on to the cells behind it.

The sweep does O(1) work per cell and keeps only two rows of state, so a site costs a fixed
amount per cell of its disc and needs no per-site raster.

Terrain loss (the coverage kernel): Longley-Rice along true rays
-----------------------------------------------------------------
The signal sweep walks rays from the site: per octant a fan of rays of slopes ``b / n``, the
fan doubling outwards (level ``l`` of a fan has about twice the rays of level ``l - 1``, and
each ray continues the inner ray nearest to it in slope, so the state at the end of an inner
segment is shared by the rays that continue it).  At every column neighbouring rays are at most
one step apart, so every cell lies on a ray; the ground at a ray's point is interpolated
between the two lattice points that straddle it (the ray stays on the true bearing, where a
chain of nearest neighbours drifts off it at shallow angles).  Along each ray the state carries,
in registers and O(1) per step:

* the transmitter's horizon (largest elevation angle over the curvature-lowered ground, its
  distance and the profile sums up to it);
* the last :data:`HULL_VERTICES` vertices of the upper convex hull of the profile behind that
  horizon: the candidates of the receiver's horizon, which is the hull vertex (or the
  transmitter's horizon) seen highest from the receiver;
* running sums of the ground heights (``sum z``, ``sum i z``, ``sum z^2``) from ``15 h_tx``
  on, for ITM's least-squares terrain fits (effective antenna heights over the whole path, or
  over each end's foreground up to its horizon) and for the terrain irregularity ``dh``
  (2.563 standard deviations of the detrended profile: the normal interdecile range, where ITM
  takes the interdecile range itself).

From these the cell's path gets the parameters ITM's ``qlrpfl`` takes from a profile, and
:mod:`coverage_gaps.coverage.longley_rice` turns them into ITM 1.2.2's reference attenuation
(the double knife edge over the two horizons blended with rounded-Earth diffraction by the
terrain's roughness; ITM's line-of-sight curve inside the smooth-Earth horizon).  The loss is
free space + that attenuation + the environment's clutter correction
(:func:`~coverage_gaps.coverage.propagation.clutter_correction_db`, 0 in ``open``).

Computing ITM's attenuation costs about 1.5 us, tens of times the rest of a cell's work, so (1)
it is skipped where even the last value computed on the ray less :data:`SKIP_MARGIN_DB` could
neither beat the cell's best signal nor set a missing serving bit (free space alone is the exact
bound: ITM never predicts less than free space), and (2) a value serves the next
:data:`REUSE_CELLS` - 1 cells of its ray while they stay in (or out of) sight at about the same
depth under the horizon.  (3) ITM's path parameters are integrals along the profile and its
attenuation changes slowly far from the site, so the sweep runs in levels
(:data:`SWEEP_LEVELS`): every cell within 2 km; beyond, rays stepping 90 m on a lattice of the
DEM box-averaged over 90 m and taken every 90 m, writing one value per block of 90 m x 90 m to
10 km and 270 m x 270 m to 20 km, and beyond 20 km rays stepping 180 m writing blocks of
540 m (each block's value is the ITM loss at its centre, on the centre's ground).
``signal_grids(..., exact=True)`` turns all three off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from affine import Affine
from numba import njit, prange

from coverage_gaps.coverage.longley_rice import (
    _aknfe,
    _itm_attenuation,
    _itm_los_geometry,
    itm_surface,
)
from coverage_gaps.coverage.propagation import SPEED_OF_LIGHT

#: Mean Earth radius, m (IUGG), used for the effective radius ``k R``.
EARTH_RADIUS_M = 6_371_000.0
#: GDAL takes the semi-major axis of the DEM's ellipsoid (WGS 84 for UTM): use this to match it.
WGS84_SEMI_MAJOR_M = 6_378_137.0

_MODE_VIEWSHED = 0
_MODE_VIEWSHED_GDAL36 = 2
#: Grids too small for tile colouring to keep two workers busy split the emitters into
#: :data:`PRIVATE_SLOTS` groups (round robin), each writing its own copy of the outputs, when
#: the copies take at most this many extra bytes; otherwise one shared copy, scheduled by tile
#: colour (faster when there are enough tiles: fewer bytes to touch).
PRIVATE_COPY_BYTES = 64 * 2**20
#: The number of private copies, fixed rather than one per thread: the sweep's early-out reads
#: the best signal so far in its own copy, so the groups, and not the threads that run them,
#: decide the result (a run with 1, 2 or 8 threads, or on dask workers, writes the same bytes).
PRIVATE_SLOTS = 2


# --------------------------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _half_widths(rc2: float) -> np.ndarray:
    """hw[dy] = largest dx >= 0 with dx^2 + dy^2 <= rc2 (in cells), -1 when none."""
    rci = math.floor(math.sqrt(rc2))
    while (rci + 1) * (rci + 1) <= rc2:
        rci += 1
    while rci * rci > rc2:
        rci -= 1
    hw = np.empty(rci + 1, dtype=np.int64)
    for dy in range(rci + 1):
        w = math.floor(math.sqrt(max(rc2 - dy * dy, 0.0)))
        while (w + 1) * (w + 1) + dy * dy <= rc2:
            w += 1
        while w > 0 and w * w + dy * dy > rc2:
            w -= 1
        hw[dy] = w
    return hw


@njit(cache=True)
def _sweep_row(
    dem: np.ndarray,
    cx: int,
    cy: int,
    dy: int,
    hw: np.ndarray,
    rci: int,
    zobs: float,
    adj_res2: float,
    zl: np.ndarray,
    zt: np.ndarray,
    mode: int,
    target_h: float,
    vis: np.ndarray,
    inv: np.ndarray,
) -> None:
    """Viewshed: process the row at offset ``dy`` from the observer (``zl``: the row before)."""
    width = dem.shape[1]
    y = cy + dy
    ady = abs(dy)
    half = hw[ady]
    for side in range(3):
        # side 0: the observer's column; 1: leftwards; 2: rightwards
        if side == 0:
            s = 0
            n = 1
        else:
            s = -1 if side == 1 else 1
            n = half + 1
        start = 0 if side == 0 else 1
        for adx in range(start, n):
            x = cx + s * adx
            if x < 0 or x >= width:
                break
            i = rci + s * adx
            ip = i - s
            d2 = adx * adx + ady * ady
            h = dem[y, x] - zobs - adj_res2 * d2
            if adx <= 1 and ady <= 1:
                # GDAL <= 3.8 gives the observer's ground as the horizon of the 3 cells of the
                # next rows; GDAL 3.9 and we give them their own height
                zz = dem[cy, cx] - zobs if mode == _MODE_VIEWSHED_GDAL36 and ady == 1 else h
            elif ady == 0:
                zz = zt[ip] * adx * inv[adx - 1]
            elif adx == 0:
                zz = zl[i] * ady * inv[ady - 1]
            elif adx == ady:
                zz = zl[ip] * adx * inv[adx - 1]
            elif adx > ady:
                zz = (zl[ip] * ady + zt[ip] * (adx - ady)) * inv[adx - 1]
            else:
                zz = (zl[ip] * adx + zl[i] * (ady - adx)) * inv[ady - 1]
            vis[y, x] = 1 if h + target_h >= zz else 0
            zt[i] = h if h > zz else zz


@njit(cache=True)
def _viewshed_site(
    dem: np.ndarray,
    cx: int,
    cy: int,
    hw: np.ndarray,
    zobs: float,
    adj_res2: float,
    mode: int,
    target_h: float,
    vis: np.ndarray,
) -> None:
    """One observer: the first row, then the rows above, then the rows below."""
    height = dem.shape[0]
    rci = hw.shape[0] - 1
    n = 2 * rci + 1
    z0 = np.empty(n)
    za = np.empty(n)
    zb = np.empty(n)
    inv = np.empty(rci + 2)  # reciprocals: multiplications instead of divisions in the sweep
    inv[0] = 0.0
    for k in range(1, rci + 2):
        inv[k] = 1.0 / k
    _sweep_row(dem, cx, cy, 0, hw, rci, zobs, adj_res2, z0, z0, mode, target_h, vis, inv)
    for direction in (-1, 1):
        last_z, this_z = z0, za
        for ady in range(1, rci + 1):
            y = cy + direction * ady
            if y < 0 or y >= height:
                break
            _sweep_row(dem, cx, cy, direction * ady, hw, rci, zobs, adj_res2, last_z, this_z,
                       mode, target_h, vis, inv)  # fmt: skip
            if ady == 1:
                last_z, this_z = za, zb
            else:
                last_z, this_z = this_z, last_z


# --------------------------------------------------------------------------------------------
# the signal sweep: ITM's path parameters carried along each ray
# --------------------------------------------------------------------------------------------

#: Hull vertices kept behind the transmitter's horizon (the candidates of the receiver's horizon).
HULL_VERTICES = 3
# state of a ray's point (float64), as left by the ray's walk from the site to it (kept in
# registers along a ray; stored in this layout at the ends of a fan's levels and for ITM)
_T_SLOPE = 0  # transmitter horizon: largest h/s so far (h: height over the eye, curvature-lowered)
_T_S = 1  # its distance
_T_H = 2  # its h
_T_S0 = 3  # sums of the ground heights up to and including it (see _S0, _S1)
_T_S1 = 4
_T_I = 5  # its chain index
_S0 = 6  # sum of ground heights (relative to the site's ground) of the points summed
_S1 = 7  # sum of index * height
_S2 = 8  # sum of height^2
_A0 = 9  # chain index of the first point summed (-1: none yet)
_NV = 10  # number of hull vertices kept
_A_EST = 11  # ITM's attenuation at the last cell of the chain where it was computed
_N_EST = 12  # that cell's chain index (-1: none yet)
_PHI_EST = 13  # that cell's angle under the transmitter's horizon (-1: it was in sight)
_V = 14  # vertices: (s, h, S0, S1, index) each
_VW = 5
N_STATE = _V + _VW * HULL_VERTICES
#: Early-out of the signal sweep.  ITM's attenuation is computed (about 1.5 us) only where it can
#: matter: where the signal, taking the attenuation as the last value computed on the cell's
#: ray less ``SKIP_MARGIN_DB``, could still beat the cell's best or set a missing
#: serving bit.  It is computed regardless when the cell comes into or out of sight, when it is
#: markedly less deep under the transmitter's horizon than where the value was computed (the
#: angle under the horizon below ``SKIP_ANGLE_RATIO`` of it), and every ``SKIP_REFRESH_CELLS``
#: cells along the ray.
SKIP_MARGIN_DB = 12.0
#: ITM's attenuation computed at a cell serves the next ``REUSE_CELLS - 1`` cells of its chain
#: as it is (unless they come into or out of sight, or get markedly less deep under the
#: horizon): the attenuation changes little over 90 m of a ray and costs ~1.5 us to compute.
REUSE_CELLS = 4
#: ... and over ``REUSE_LOS_CELLS`` cells in line of sight (where ITM's attenuation over rough
#: ground is mostly nil and changes slowly).
REUSE_LOS_CELLS = 4
#: ... and only while the angle under the horizon stays within [SKIP_ANGLE_RATIO,
#: REUSE_ANGLE_RATIO] times the one where it was computed (deeper cells lose more).
REUSE_ANGLE_RATIO = 1.15
SKIP_ANGLE_RATIO = 0.7
SKIP_REFRESH_CELLS = 64
#: The levels of the terrain sweep: (outer radius, step along the rays, block), in metres.  ITM's
#: path parameters are integrals along the profile, and its attenuation changes slowly with the
#: receiver's position far from the site: every cell within 2 km; beyond, rays stepping 90 m,
#: and one value per block of 90 m x 90 m to 10 km, of 270 m x 270 m to 20 km, and beyond 20 km
#: (2G's reach) rays stepping 180 m with blocks of 540 m (on a 30 m grid; a length under the
#: grid's resolution is one cell).
SWEEP_LEVELS: tuple[tuple[float, float, float], ...] = (
    (2_000.0, 0.0, 0.0),
    (10_000.0, 90.0, 90.0),
    (20_000.0, 90.0, 270.0),
    (math.inf, 180.0, 540.0),
)
#: Normal interdecile range in standard deviations (2 x 1.2816): ITM's terrain irregularity
#: ``dh`` is the interdecile range of the detrended profile; the sweep has its variance.
_INTERDECILE_SIGMAS = 2.5631


@njit(cache=True, error_model="numpy")
def _lsq_ends(
    s0: float, s1: float, a: int, b: int, at0: int, at1: int
) -> tuple[float, float, bool]:
    """Least-squares line through heights summed over chain indices ``a..b`` (``s0`` = sum z,
    ``s1`` = sum i z), evaluated at indices ``at0`` and ``at1``; False when under 2 points."""
    n = b - a + 1
    if n < 2:
        return 0.0, 0.0, False
    si = 0.5 * (a + b) * n
    sii = (b * (b + 1.0) * (2.0 * b + 1.0) - (a - 1.0) * a * (2.0 * a - 1.0)) / 6.0
    den = n * sii - si * si
    beta = (n * s1 - si * s0) / den
    alpha = (s0 - beta * si) / n
    return alpha + beta * at0, alpha + beta * at1, True


@njit(cache=True, error_model="numpy")
def _chain_loss(
    st: np.ndarray,
    i: int,
    n: int,
    dist: float,
    h: float,
    zg: float,
    hg0: float,
    hg1: float,
    qc: float,
    wn: float,
    zre: float,
    zim: float,
) -> float:
    """ITM's attenuation (dB over free space) of the path to this cell, from the state ``st[i]`` of
    its parent with this cell's height already added to the sums."""
    gme = 2.0 * qc
    hrx = h + hg1
    a0 = int(st[i, _A0])
    # the whole path's trend and roughness (ITM's dlthx / zlsq1 over [xl0, d])
    dh = 0.0
    he0_all = hg0
    he1_all = hg1
    if a0 >= 0:
        f0, f1, ok = _lsq_ends(st[i, _S0], st[i, _S1], a0, n, 0, n)
        if ok:
            m = n - a0 + 1
            si = 0.5 * (a0 + n) * m
            sii = (n * (n + 1.0) * (2.0 * n + 1.0) - (a0 - 1.0) * a0 * (2.0 * a0 - 1.0)) / 6.0
            beta = (m * st[i, _S1] - si * st[i, _S0]) / (m * sii - si * si)
            alpha = (st[i, _S0] - beta * si) / m
            ssr = st[i, _S2] - alpha * st[i, _S0] - beta * st[i, _S1]
            if ssr > 0.0:
                dh = _INTERDECILE_SIGMAS * math.sqrt(ssr / m)
            dh /= 1.0 - 0.8 * math.exp(-dist / 50e3)
            he0_all = hg0 + max(-f0, 0.0)
            he1_all = hg1 + max(zg - f1, 0.0)
    los = st[i, _T_SLOPE] * dist <= hrx
    if not los:
        # the transmitter's horizon
        the0 = st[i, _T_SLOPE]
        dl0 = st[i, _T_S]
        # the receiver's horizon: the kept hull vertex (or the transmitter's horizon) seen
        # highest from the receiver
        best = (st[i, _T_H] - hrx) / (dist - st[i, _T_S])
        k_best = -1
        for k in range(int(st[i, _NV])):
            b = _V + _VW * k
            sl = (st[i, b + 1] - hrx) / (dist - st[i, b])
            if sl > best:
                best = sl
                k_best = k
        the1 = best - 2.0 * qc * dist
        if k_best < 0:
            dl1 = dist - st[i, _T_S]
            vs0, vs1, vi = st[i, _T_S0], st[i, _T_S1], int(st[i, _T_I])
        else:
            b = _V + _VW * k_best
            dl1 = dist - st[i, b]
            vs0, vs1, vi = st[i, b + 2], st[i, b + 3], int(st[i, b + 4])
        if dl0 + dl1 < 1.5 * dist:
            # ITM's trans-horizon heights: each end's foreground up to its horizon
            he0 = hg0
            ti = int(st[i, _T_I])
            if a0 >= 0:
                f0, _f, ok = _lsq_ends(st[i, _T_S0], st[i, _T_S1], a0, ti, 0, 0)
                if ok:
                    he0 = hg0 + max(-f0, 0.0)
            he1 = hg1
            lo = max(vi + 1, a0)
            if a0 >= 0 and vi >= a0:
                _f, f1, ok = _lsq_ends(st[i, _S0] - vs0, st[i, _S1] - vs1, lo, n, 0, n)
            elif a0 >= 0:
                _f, f1, ok = _lsq_ends(st[i, _S0], st[i, _S1], lo, n, 0, n)
            else:
                ok = False
                f1 = 0.0
            if ok:
                he1 = hg1 + max(zg - f1, 0.0)
            return _itm_attenuation(
                dist, hg0, hg1, he0, he1, the0, the1, dl0, dl1, dh, wn, gme, zre, zim
            )
    he0, he1, dl0, dl1, the0, the1 = _itm_los_geometry(dist, he0_all, he1_all, dh, gme)
    return _itm_attenuation(dist, hg0, hg1, he0, he1, the0, the1, dl0, dl1, dh, wn, gme, zre, zim)


# --------------------------------------------------------------------------------------------
# the ray sweep: one profile walked per ray, its state in registers
# --------------------------------------------------------------------------------------------

#: The rays of the innermost level reach this many cells (Chebyshev); each level out doubles it.
RAY_LEVEL0_CELLS = 8


@njit(cache=True)
def _ray_tree(rci: int, spacing: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fan of rays of one octant out to Chebyshev radius ``rci`` (in steps), as a tree.

    Level ``l`` covers the columns ``radii[0, l-1] + 1 .. radii[0, l]`` (``radii[0, -1] =
    rci``, each level about twice the one inside it), with the rays of slopes ``b / n``, ``b =
    0 .. n``, ``n = radii[1, l] = ceil(radii[0, l] / spacing)``: at every column of the level
    neighbouring rays are at most ``spacing`` steps apart.  A ray of level ``l + 1`` continues
    the ray of level ``l`` nearest to it in slope.  Returns ``radii``, ``anc[l, b]`` (the ray of
    level ``l`` that the outermost ray ``b`` continues) and ``first[b]`` (the first level where
    ray ``b``'s chain differs from ray ``b - 1``'s).
    """
    n_levels = 1
    r = rci
    while r > RAY_LEVEL0_CELLS * spacing:
        r = (r + 1) // 2
        n_levels += 1
    radii = np.empty((2, n_levels), dtype=np.int64)
    r = rci
    for lev in range(n_levels - 1, -1, -1):
        radii[0, lev] = r
        radii[1, lev] = max(-(-r // spacing), 1)
        r = (r + 1) // 2
    n_rays = radii[1, n_levels - 1]
    anc = np.empty((n_levels, n_rays + 1), dtype=np.int64)
    for b in range(n_rays + 1):
        anc[n_levels - 1, b] = b
        for lev in range(n_levels - 2, -1, -1):
            anc[lev, b] = math.floor(anc[lev + 1, b] * radii[1, lev] / radii[1, lev + 1] + 0.5)
    first = np.zeros(n_rays + 1, dtype=np.int64)
    for b in range(1, n_rays + 1):
        lev = 0
        while lev < n_levels and anc[lev, b] == anc[lev, b - 1]:
            lev += 1
        first[b] = lev
    return radii, anc, first


@njit(cache=True, error_model="numpy")
def _signal_site_level(
    prof: np.ndarray,
    centre: np.ndarray,
    width: int,
    height: int,
    cx: int,
    cy: int,
    ms: int,
    mb: int,
    radii: np.ndarray,
    anc: np.ndarray,
    first: np.ndarray,
    rin2: float,
    rout2: float,
    zobs: float,
    adj_res2: float,
    res: float,
    hg0: float,
    hg1: float,
    wn: float,
    zre: float,
    zim: float,
    eirp: float,
    thr: float,
    table: np.ndarray,
    bit: np.uint32,
    is_bb: bool,
    layer: int,
    slot: int | np.int64,
    signal: np.ndarray,
    serving: np.ndarray,
    broadband: np.ndarray,
    knobs: np.ndarray,
) -> None:
    """One emitter, one level of the sweep: the eight octants' fans of rays in steps of ``ms``
    cells, writing the blocks of ``mb x mb`` cells (``signal``, ``serving``, ``broadband`` on
    the grid of blocks) whose centres lie between ``sqrt(rin2)`` and ``sqrt(rout2)`` cells.

    ``prof`` is the DEM taken every ``ms`` cells on the lattice through the site (``prof[j, i] =
    dem[j * ms + cy % ms, i * ms + cx % ms]``), ``centre`` the ground at the blocks' centres
    (both the DEM itself when ``ms = mb = 1``); ``width`` and ``height`` are the DEM's."""
    hc, wc = serving.shape[1], serving.shape[2]
    hp, wp = prof.shape
    pcx, pcy = cx // ms, cy // ms  # the site on the profile lattice
    n_levels = radii.shape[1]
    n_rays = radii[1, n_levels - 1]
    sig2 = signal[slot, layer]
    srv2 = serving[slot]
    bb2 = broadband[slot]
    qc = adj_res2 / (res * res)
    z_site = prof[pcy, pcx]
    xl0 = 15.0 * hg0  # ITM leaves the first min(15 hg, dl / 10) out of the terrain fits
    skip_margin = knobs[0]  # see _knobs
    reuse = skip_margin >= 0.0
    reuse_steps = math.ceil(knobs[1] / ms)
    reuse_los_steps = math.ceil(knobs[2] / ms)
    reuse_ratio = knobs[3]
    skip_ratio = knobs[4]
    refresh_steps = max(knobs[5] // ms, 1.0)
    n_table = table.shape[0]
    half = mb // 2
    # ray points beyond this (in steps^2) cannot fall into a block to write
    rlim = (math.sqrt(rout2) + mb) / ms
    rlim2 = rlim * rlim
    if rin2 < 0.0:
        # the site's own cell
        sig = eirp - table[0]
        if sig > sig2[cy, cx]:
            sig2[cy, cx] = sig
        if sig >= thr:
            srv2[cy, cx] |= bit
            if is_bb:
                bb2[cy, cx] |= bit
    inv_mb = 1.0 / mb
    # the state at the end of each level of the current ray's chain
    stk = np.empty((n_levels, N_STATE), dtype=np.float64)
    scratch = np.empty((1, N_STATE), dtype=np.float64)
    for octant in range(8):
        swap = octant >= 4
        sx = 1 if (octant & 1) == 0 else -1
        sy = 1 if (octant & 2) == 0 else -1
        done = -1  # levels of the previous ray whose end state is in stk
        for bl in range(n_rays + 1):
            l0 = first[bl] if bl > 0 else 0
            if l0 > done + 1:
                continue  # the chain it shares with the previous ray left the disc
            if l0 == 0:
                t_sl = -1e30
                t_s = 0.0
                t_h = 0.0
                t_s0 = 0.0
                t_s1 = 0.0
                t_i = 0.0
                s0 = 0.0
                s1 = 0.0
                s2 = 0.0
                a0 = -1.0
                nv = 0
                v0s = v0h = v0s0 = v0s1 = v0i = 0.0
                v1s = v1h = v1s0 = v1s1 = v1i = 0.0
                v2s = v2h = v2s0 = v2s1 = v2i = 0.0
                a_est = 0.0
                n_est = -1.0
                p_est = -1.0
            else:
                st = stk[l0 - 1]
                t_sl, t_s, t_h, t_s0, t_s1, t_i = st[0], st[1], st[2], st[3], st[4], st[5]
                s0, s1, s2, a0 = st[6], st[7], st[8], st[9]
                nv = int(st[10])
                a_est, n_est, p_est = st[11], st[12], st[13]
                v0s, v0h, v0s0, v0s1, v0i = st[14], st[15], st[16], st[17], st[18]
                v1s, v1h, v1s0, v1s1, v1i = st[19], st[20], st[21], st[22], st[23]
                v2s, v2h, v2s0, v2s1, v2i = st[24], st[25], st[26], st[27], st[28]
            alive = True
            lev = l0
            while lev < n_levels:
                tt = anc[lev, bl] / radii[1, lev]
                a_from = radii[0, lev - 1] + 1 if lev > 0 else 1
                a_to = radii[0, lev]
                step = ms * res * math.sqrt(1.0 + tt * tt)
                adj_t = adj_res2 * ms * ms * (1.0 + tt * tt)
                for a in range(a_from, a_to + 1):
                    pos = a * tt  # along the minor axis, steps
                    if a * a + pos * pos > rlim2:
                        alive = False
                        break
                    b0 = int(pos)
                    f = pos - b0
                    # the ray's point: between the lattice points b0 and b0 + 1 of the minor axis
                    if swap:
                        qx, qy = pcx + sx * b0, pcy + sy * a
                    else:
                        qx, qy = pcx + sx * a, pcy + sy * b0
                    if qx < 0 or qy < 0 or qx >= wp or qy >= hp:
                        alive = False
                        break
                    z = prof[qy, qx]
                    if f > 0.0:
                        if swap:
                            qx = min(max(qx + sx, 0), wp - 1)
                        else:
                            qy = min(max(qy + sy, 0), hp - 1)
                        z += f * (prof[qy, qx] - z)
                    # the cell nearest to the point, its block and the block's centre
                    am = ms * a
                    bn = int(ms * pos + 0.5)
                    if swap:
                        px, py = cx + sx * bn, cy + sy * am
                    else:
                        px, py = cx + sx * am, cy + sy * bn
                    if px < 0 or py < 0:
                        alive = False
                        break
                    if mb == 1:
                        jx, jy = px, py
                        rx, ry = px, py
                    else:  # px // mb without an integer division
                        jx, jy = int((px + 0.5) * inv_mb), int((py + 0.5) * inv_mb)
                        rx = min(jx * mb + half, width - 1)
                        ry = min(jy * mb + half, height - 1)
                    if jx >= wc or jy >= hc:
                        alive = False
                        break
                    d2 = (rx - cx) * (rx - cx) + (ry - cy) * (ry - cy)
                    # a block longer than the step is written by the point nearest its centre
                    writer = mb == ms or 2 * abs(py - ry if swap else px - rx) <= ms
                    if writer and rin2 < d2 <= rout2:
                        ub = eirp - table[min(d2, n_table - 1)]  # free space: ITM never less
                        best = sig2[jy, jx]
                        srv = srv2[jy, jx] & bit
                        if ub > best or (ub >= thr and srv == 0):
                            dist = math.sqrt(d2) * res
                            zr = centre[jy, jx]
                            h_r = zr - zobs - adj_res2 * d2
                            hrx = h_r + hg1
                            in_sight = t_sl * dist <= hrx
                            phi = -1.0 if in_sight else t_sl - hrx / dist
                            usable = (
                                reuse
                                and n_est >= 0.0
                                and ((p_est < 0.0) == in_sight)
                                and (in_sight or phi >= skip_ratio * p_est)
                            )
                            age = a - n_est
                            if usable and (
                                (in_sight and age < reuse_los_steps)
                                or (age < reuse_steps and phi <= reuse_ratio * p_est)
                            ):
                                att = a_est
                            else:
                                need = True
                                if reuse:
                                    # a guess of the attenuation, less the margin: the last
                                    # value of the ray, or one knife edge on its horizon
                                    if usable and age < refresh_steps:
                                        lo = a_est - skip_margin
                                    elif not in_sight and dist > t_s:
                                        v2 = phi * phi * t_s * dist * wn / (math.pi * (dist - t_s))
                                        lo = _aknfe(v2) - skip_margin
                                    else:
                                        lo = 0.0
                                    guess = ub - max(lo, 0.0)
                                    need = guess > best or (guess >= thr and srv == 0)
                                if need:
                                    zg_r = zr - z_site
                                    sc = scratch[0]
                                    sc[0] = t_sl
                                    sc[1] = t_s
                                    sc[2] = t_h
                                    sc[3] = t_s0
                                    sc[4] = t_s1
                                    sc[5] = t_i
                                    if dist >= xl0:
                                        sc[6] = s0 + zg_r
                                        sc[7] = s1 + a * zg_r
                                        sc[8] = s2 + zg_r * zg_r
                                        sc[9] = a0 if a0 >= 0.0 else a
                                    else:
                                        sc[6] = s0
                                        sc[7] = s1
                                        sc[8] = s2
                                        sc[9] = a0
                                    sc[10] = nv
                                    sc[14], sc[15], sc[16], sc[17] = v0s, v0h, v0s0, v0s1
                                    sc[18], sc[19], sc[20], sc[21] = v0i, v1s, v1h, v1s0
                                    sc[22], sc[23], sc[24], sc[25] = v1s1, v1i, v2s, v2h
                                    sc[26], sc[27], sc[28] = v2s0, v2s1, v2i
                                    att = _chain_loss(scratch, 0, a, dist, h_r, zg_r, hg0, hg1,
                                                      qc, wn, zre, zim)  # fmt: skip
                                    a_est = att
                                    n_est = a
                                    p_est = phi
                                else:
                                    att = math.inf
                            sig = ub - att
                            if sig > best:
                                sig2[jy, jx] = sig
                            if sig >= thr:
                                srv2[jy, jx] |= bit
                                if is_bb:
                                    bb2[jy, jx] |= bit
                    # the ray's point: an obstacle of the cells behind it
                    ds = a * step
                    h = z - zobs - adj_t * a * a
                    if ds >= xl0:
                        zg = z - z_site
                        if a0 < 0.0:
                            a0 = a
                        s0 += zg
                        s1 += a * zg
                        s2 += zg * zg
                    if h > t_sl * ds:
                        t_sl = h / ds
                        t_s = ds
                        t_h = h
                        t_s0 = s0
                        t_s1 = s1
                        t_i = a
                        nv = 0
                    else:
                        # upper hull: drop the last vertex while it lies on or under the
                        # segment from the one before it (or the horizon) to the new point
                        while nv > 0:
                            if nv == 3:
                                bs, bh, as_, ah = v2s, v2h, v1s, v1h
                            elif nv == 2:
                                bs, bh, as_, ah = v1s, v1h, v0s, v0h
                            else:
                                bs, bh, as_, ah = v0s, v0h, t_s, t_h
                            if (h - ah) * (bs - as_) >= (bh - ah) * (ds - as_):
                                nv -= 1
                            else:
                                break
                        if nv == 3:
                            v0s, v0h, v0s0, v0s1, v0i = v1s, v1h, v1s0, v1s1, v1i
                            v1s, v1h, v1s0, v1s1, v1i = v2s, v2h, v2s0, v2s1, v2i
                            nv = 2
                        if nv == 0:
                            v0s, v0h, v0s0, v0s1, v0i = ds, h, s0, s1, a
                        elif nv == 1:
                            v1s, v1h, v1s0, v1s1, v1i = ds, h, s0, s1, a
                        else:
                            v2s, v2h, v2s0, v2s1, v2i = ds, h, s0, s1, a
                        nv += 1
                if not alive:
                    break
                st = stk[lev]
                st[0], st[1], st[2], st[3], st[4], st[5] = t_sl, t_s, t_h, t_s0, t_s1, t_i
                st[6], st[7], st[8], st[9] = s0, s1, s2, a0
                st[10] = nv
                st[11], st[12], st[13] = a_est, n_est, p_est
                st[14], st[15], st[16], st[17], st[18] = v0s, v0h, v0s0, v0s1, v0i
                st[19], st[20], st[21], st[22], st[23] = v1s, v1h, v1s0, v1s1, v1i
                st[24], st[25], st[26], st[27], st[28] = v2s, v2h, v2s0, v2s1, v2i
                lev += 1
            done = lev - 1


@njit(cache=True, parallel=True)
def _reach_kernel(
    cols: np.ndarray, rows: np.ndarray, reach_r2: np.ndarray, bits: np.ndarray, reach: np.ndarray
) -> None:
    """``reach |= bit`` over each emitter's disc of ``reach_r2`` (cells^2), row by row (each
    row written by one worker)."""
    height, width = reach.shape
    for y in prange(height):
        for e in range(cols.shape[0]):
            dy = y - rows[e]
            r2 = reach_r2[e]
            if dy * dy > r2:
                continue
            w = math.floor(math.sqrt(max(r2 - dy * dy, 0.0)))
            while (w + 1) * (w + 1) + dy * dy <= r2:
                w += 1
            while w > 0 and w * w + dy * dy > r2:
                w -= 1
            bit = bits[e]
            for x in range(max(cols[e] - w, 0), min(cols[e] + w + 1, width)):
                reach[y, x] |= bit


@njit(cache=True, parallel=True)
def _block_floor(
    signal: np.ndarray,
    serving: np.ndarray,
    broadband: np.ndarray,
    m: int,
    sig_b: np.ndarray,
    srv_b: np.ndarray,
    bb_b: np.ndarray,
) -> None:
    """Blocks of ``m x m`` cells: the least signal of each layer and the bits every cell has.
    A coarser level starts from these, so that its early-out sees what the finer levels found
    (and merging it back can change nothing that they set)."""
    n_layers, height, width = signal.shape
    wc = srv_b.shape[1]
    for jy in prange(srv_b.shape[0]):
        for jx in range(wc):
            s_and = np.uint32(0xFFFFFFFF)
            b_and = np.uint32(0xFFFFFFFF)
            for y in range(jy * m, min(jy * m + m, height)):
                for x in range(jx * m, min(jx * m + m, width)):
                    s_and &= serving[y, x]
                    b_and &= broadband[y, x]
            srv_b[jy, jx] = s_and
            bb_b[jy, jx] = b_and
            for lay in range(n_layers):
                lo = np.float32(np.inf)
                for y in range(jy * m, min(jy * m + m, height)):
                    for x in range(jx * m, min(jx * m + m, width)):
                        lo = min(lo, signal[lay, y, x])
                sig_b[lay, jy, jx] = lo


@njit(cache=True, parallel=True)
def _block_merge(
    sig_b: np.ndarray,
    srv_b: np.ndarray,
    bb_b: np.ndarray,
    m: int,
    signal: np.ndarray,
    serving: np.ndarray,
    broadband: np.ndarray,
) -> None:
    """Every cell takes the best of its value and its block's, and the block's bits."""
    n_layers, height, width = signal.shape
    for y in prange(height):
        jy = y // m
        for x in range(width):
            jx = x // m
            serving[y, x] |= srv_b[jy, jx]
            broadband[y, x] |= bb_b[jy, jx]
            for lay in range(n_layers):
                v = sig_b[lay, jy, jx]
                if v > signal[lay, y, x]:
                    signal[lay, y, x] = v


@njit(cache=True)
def _viewshed_kernel(
    dem: np.ndarray,
    cx: int,
    cy: int,
    zobs: float,
    adj_res2: float,
    rc2: float,
    target_h: float,
    mode: int,
) -> np.ndarray:
    vis = np.zeros(dem.shape, dtype=np.uint8)
    hw = _half_widths(rc2)
    _viewshed_site(dem, cx, cy, hw, zobs, adj_res2, mode, target_h, vis)
    return vis


@njit(cache=True)
def _disc_site(
    cx: int,
    cy: int,
    hw: np.ndarray,
    eirp: float,
    thr: float,
    table: np.ndarray,
    bit: np.uint32,
    is_bb: bool,
    layer: int,
    slot: int | np.int64,
    signal: np.ndarray,
    serving: np.ndarray,
    broadband: np.ndarray,
) -> None:
    """Distance-only prediction (no terrain) over the disc; the site may lie off the grid."""
    height, width = serving.shape[1], serving.shape[2]
    rci = hw.shape[0] - 1
    for y in range(max(cy - rci, 0), min(cy + rci + 1, height)):
        ady = abs(y - cy)
        half = hw[ady]
        for x in range(max(cx - half, 0), min(cx + half + 1, width)):
            adx = x - cx
            sig = eirp - table[adx * adx + ady * ady]
            if sig > signal[slot, layer, y, x]:
                signal[slot, layer, y, x] = sig
            if sig >= thr:
                serving[slot, y, x] |= bit
                if is_bb:
                    broadband[slot, y, x] |= bit


@njit(cache=True, parallel=True)
def _disc_kernel(
    rc2: float,
    cols: np.ndarray,
    rows: np.ndarray,
    eirp: np.ndarray,
    thr: np.ndarray,
    table_idx: np.ndarray,
    tables: np.ndarray,
    bits: np.ndarray,
    is_bb: np.ndarray,
    layer: np.ndarray,
    order: np.ndarray,
    offsets: np.ndarray,
    private: bool,
    signal: np.ndarray,
    serving: np.ndarray,
    broadband: np.ndarray,
) -> None:
    """Distance only, all emitters; ``order[offsets[c, t]:offsets[c, t + 1]]`` are the emitters
    of colour ``c`` run by worker ``t`` (see :func:`_schedule`)."""
    hw = _half_widths(rc2)
    n_workers = offsets.shape[1] - 1
    for c in range(offsets.shape[0]):
        for t in prange(n_workers):
            for k in range(offsets[c, t], offsets[c, t + 1]):
                e = order[k]
                slot = np.int64(t) if private else np.int64(0)
                _disc_site(cols[e], rows[e], hw, eirp[e], thr[e], tables[table_idx[e]], bits[e],
                           is_bb[e], layer[e], slot, signal, serving, broadband)  # fmt: skip


@njit(cache=True, parallel=True, error_model="numpy")
def _terrain_kernel(
    dem: np.ndarray,
    profiles: np.ndarray,
    centre: np.ndarray,
    res: float,
    adj_res2: float,
    ms: int,
    mb: int,
    radii: np.ndarray,
    anc: np.ndarray,
    first: np.ndarray,
    rin2: float,
    rout2: float,
    cols: np.ndarray,
    rows: np.ndarray,
    antenna_h: np.ndarray,
    rx_h: np.ndarray,
    eirp: np.ndarray,
    thr: np.ndarray,
    table_idx: np.ndarray,
    tables: np.ndarray,
    wn: np.ndarray,
    zre: np.ndarray,
    zim: np.ndarray,
    bits: np.ndarray,
    is_bb: np.ndarray,
    layer: np.ndarray,
    order: np.ndarray,
    offsets: np.ndarray,
    private: bool,
    signal: np.ndarray,
    serving: np.ndarray,
    broadband: np.ndarray,
    knobs: np.ndarray,
) -> None:
    """One level of the terrain sweep, all emitters, scheduled as :func:`_disc_kernel`.  Emitters
    of one colour lie in tiles at least a disc diameter apart, so their discs never overlap and
    the workers write to disjoint blocks."""
    n_workers = offsets.shape[1] - 1
    for c in range(offsets.shape[0]):
        for t in prange(n_workers):
            for k in range(offsets[c, t], offsets[c, t + 1]):
                e = order[k]
                slot = np.int64(t) if private else np.int64(0)
                cx = cols[e]
                cy = rows[e]
                prof = profiles[(cy % ms) * ms + cx % ms]
                _signal_site_level(prof, centre, dem.shape[1], dem.shape[0], cx, cy, ms, mb,
                                   radii, anc, first, rin2, rout2, dem[cy, cx] + antenna_h[e],
                                   adj_res2, res, antenna_h[e], rx_h[e], wn[e], zre[e],
                                   zim[e], eirp[e], thr[e], tables[table_idx[e]], bits[e],
                                   is_bb[e], layer[e], slot, signal, serving, broadband,
                                   knobs)  # fmt: skip


# --------------------------------------------------------------------------------------------
# public wrappers
# --------------------------------------------------------------------------------------------


def _resolution_of(transform_or_res: Affine | float) -> tuple[float, float, float]:
    """(resolution, x of the left edge, y of the top edge) of a north-up, square-pixel raster."""
    if isinstance(transform_or_res, Affine):
        t = transform_or_res
        if t.b != 0 or t.d != 0 or t.e >= 0 or not math.isclose(t.a, -t.e, rel_tol=1e-9):
            raise ValueError(f"the DEM must be north-up with square pixels; transform is {t!r}")
        return float(t.a), float(t.c), float(t.f)
    res = float(transform_or_res)
    if not (math.isfinite(res) and res > 0):
        raise ValueError(f"resolution must be positive, got {transform_or_res!r}")
    return res, 0.0, 0.0


def curvature_factor(k_factor: float | None, earth_radius_m: float = EARTH_RADIUS_M) -> float:
    """``1 / (2 k R)``: the height drop per squared metre of distance, 0 when ``k_factor`` is None.

    GDAL's ``-cc`` curvature coefficient equals ``1 / k``."""
    if k_factor is None:
        return 0.0
    if not (math.isfinite(k_factor) and k_factor > 0):
        raise ValueError(f"k_factor must be positive, got {k_factor!r}")
    return 1.0 / (2.0 * k_factor * earth_radius_m)


def _check_dem(dem: np.ndarray) -> np.ndarray:
    arr = np.asarray(dem)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"the DEM must be a 2-D array, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"the DEM must be numeric, got {arr.dtype}")
    out = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.all(np.isfinite(out)):
        raise ValueError("the DEM has NaN or infinite cells; fill its voids first")
    return out


def viewshed(
    dem: np.ndarray,
    transform_or_res: Affine | float,
    *,
    observer_xy: tuple[float, float] | None = None,
    observer_colrow: tuple[int, int] | None = None,
    observer_height: float,
    target_height: float = 0.0,
    max_distance: float | None = None,
    k_factor: float | None = None,
    earth_radius_m: float = EARTH_RADIUS_M,
    gdal36: bool = False,
) -> np.ndarray:
    """Cells of ``dem`` visible from an observer, by GDAL's viewshed algorithm.

    Parameters
    ----------
    dem
        2-D elevation array (metres), north-up, square cells.
    transform_or_res
        The raster's affine transform, or just its cell size when the observer is given as
        ``observer_colrow``.
    observer_xy, observer_colrow
        The observer as map coordinates (the cell containing it is used, as GDAL does) or as
        ``(col, row)``; give exactly one.
    observer_height
        Eye height above the DEM at the observer's cell, metres.
    target_height
        Height above the DEM of the point looked at, metres.
    max_distance
        Radius in metres (centre to centre); cells beyond it are not visible.  None: no limit.
    k_factor
        Effective Earth radius factor (``4/3`` for radio, ``7/6`` for light, GDAL's ``-cc`` is
        ``1/k``); None ignores curvature.
    earth_radius_m
        Earth radius; GDAL uses the semi-major axis of the DEM's ellipsoid
        (:data:`WGS84_SEMI_MAJOR_M` for UTM).
    gdal36
        Reproduce GDAL 3.1-3.8 exactly: there the cell straight above/below the observer and the
        four diagonal neighbours take the observer's *ground* as their horizon, so from a mast on
        a summit the slopes just below it, and every cell behind them that is lower than the
        summit's ground, look hidden.  GDAL 3.9 gives these neighbours their own height (they
        are always visible), as do we by default; ``tests/test_terrain.py`` shows on a hand-built
        summit that the default is the geometrically right answer.

    Returns
    -------
    numpy.ndarray
        bool array of ``dem.shape``.
    """
    arr = _check_dem(dem)
    res, x0, y0 = _resolution_of(transform_or_res)
    if (observer_xy is None) == (observer_colrow is None):
        raise ValueError("give exactly one of observer_xy and observer_colrow")
    if observer_xy is not None:
        if not isinstance(transform_or_res, Affine):
            raise ValueError("observer_xy needs the raster's transform, not just its resolution")
        col = math.floor((observer_xy[0] - x0) / res)
        row = math.floor((y0 - observer_xy[1]) / res)
    else:
        assert observer_colrow is not None
        col, row = int(observer_colrow[0]), int(observer_colrow[1])
    if not (0 <= row < arr.shape[0] and 0 <= col < arr.shape[1]):
        raise ValueError(f"observer cell (col {col}, row {row}) is outside the DEM {arr.shape}")
    if max_distance is None:
        rc2 = float(arr.shape[0] ** 2 + arr.shape[1] ** 2)
    else:
        if not max_distance > 0:
            raise ValueError(f"max_distance must be positive, got {max_distance!r}")
        rc2 = (max_distance / res) ** 2
    adj = curvature_factor(k_factor, earth_radius_m) * res * res
    zobs = float(arr[row, col]) + float(observer_height)
    mode = _MODE_VIEWSHED_GDAL36 if gdal36 else _MODE_VIEWSHED
    vis = _viewshed_kernel(arr, col, row, zobs, adj, rc2, float(target_height), mode)
    return vis.view(bool)


@dataclass(frozen=True)
class SiteArrays:
    """Per-emitter inputs of :func:`signal_grids`, one entry per emitter.

    Attributes
    ----------
    col, row
        Cell of the site on the grid (int64); must be on the grid for the terrain model.
    antenna_height_m, receiver_height_m
        Heights above ground, metres.
    eirp_dbm, threshold_dbm
        EIRP and service threshold.
    reach_radius_m
        Distance to which the base model alone serves over flat open ground (the ``reach``
        mask); only the terrain model uses it.
    table
        Row of the loss tables (one per distinct radio parameter set) this emitter uses.
    wavelength_m
        Carrier wavelength.
    bit
        ``1 << operator`` (uint32).
    broadband
        Whether the emitter counts for the broadband mask.
    layer
        Output layer (e.g. one per radio) whose best-server signal the emitter competes for.
    """

    col: np.ndarray
    row: np.ndarray
    antenna_height_m: np.ndarray
    receiver_height_m: np.ndarray
    eirp_dbm: np.ndarray
    threshold_dbm: np.ndarray
    reach_radius_m: np.ndarray
    table: np.ndarray
    wavelength_m: np.ndarray
    bit: np.ndarray
    broadband: np.ndarray
    layer: np.ndarray


@dataclass
class SignalGrids:
    """Outputs of :func:`signal_grids`.

    Attributes
    ----------
    signal
        float32 ``(n_layers, rows, cols)`` best-server signal, dBm, NaN where no emitter reaches.
    serving, broadband
        uint32 operator bitmasks (signal >= threshold).
    reach
        uint32 bitmask of emitters whose base-model loss alone would serve (flat open ground);
        all zero when ``terrain`` is false.
    """

    signal: np.ndarray
    serving: np.ndarray
    broadband: np.ndarray
    reach: np.ndarray


def _schedule(
    cols: np.ndarray, rows: np.ndarray, tile: int, n_workers: int
) -> tuple[np.ndarray, np.ndarray]:
    """Group emitters by tile (``tile >= R + 1`` cells), colour the tiles 3 x 3 so that tiles of
    one colour are two tiles apart and their discs cannot overlap, and share each colour's tiles
    among the workers (largest first onto the least loaded)."""
    tx = cols // tile
    ty = rows // tile
    colour = (tx % 3) + 3 * (ty % 3)
    offsets = np.zeros((9, n_workers + 1), dtype=np.int64)
    order: list[int] = []
    for c in range(9):
        sel = np.flatnonzero(colour == c)
        tiles: dict[tuple[int, int], list[int]] = {}
        for e in sel.tolist():
            tiles.setdefault((int(tx[e]), int(ty[e])), []).append(e)
        buckets: list[list[int]] = [[] for _ in range(n_workers)]
        loads = [0] * n_workers
        for members in sorted(tiles.values(), key=len, reverse=True):
            w = loads.index(min(loads))
            buckets[w].extend(members)
            loads[w] += len(members)
        offsets[c, 0] = len(order)
        for w in range(n_workers):
            order.extend(buckets[w])
            offsets[c, w + 1] = len(order)
    return np.asarray(order, dtype=np.int64), offsets


def _knobs(exact: bool) -> np.ndarray:
    """The early-out and reuse settings, as the kernels take them (read at each call, so that
    tests and benchmarks can change them)."""
    return np.array(
        [
            -1.0 if exact else SKIP_MARGIN_DB,
            REUSE_CELLS,
            REUSE_LOS_CELLS,
            REUSE_ANGLE_RATIO,
            SKIP_ANGLE_RATIO,
            SKIP_REFRESH_CELLS,
        ],
        dtype=np.float64,
    )


def _level_grids(
    dem: np.ndarray,
    ms: int,
    mb: int,
    cols: np.ndarray,
    rows: np.ndarray,
    lattices: dict[int, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A level's compact copies of the DEM: every ``ms``-th cell on the lattices through the
    sites (``ms x ms`` offsets, only those of some site), and the ground at the centres of the
    ``mb x mb`` blocks (edge blocks: the centre clamped to the grid).  Small arrays keep the
    coarse levels' walks in cache.  ``lattices`` keeps the lattices by step for the levels
    that follow (two levels of one step and different blocks share theirs).

    A lattice point holds the mean of the ``ms x ms`` cells around it (a box filter before the
    sub-sample: a plain sub-sample misses ridges narrower than the step), except at the sites'
    own cells, which keep their ground (the antenna's height over it)."""
    if ms == 1:  # every cell: the DEM itself
        profiles = dem[None]
    elif lattices is not None and ms in lattices:
        profiles = lattices[ms]
    else:
        profiles = _lattice(dem, ms, cols, rows)
        if lattices is not None:
            lattices[ms] = profiles
    if mb == 1:
        return profiles, dem
    height, width = dem.shape
    ys = np.minimum(np.arange(-(-height // mb)) * mb + mb // 2, height - 1)
    xs = np.minimum(np.arange(-(-width // mb)) * mb + mb // 2, width - 1)
    return profiles, np.ascontiguousarray(dem[np.ix_(ys, xs)])


def _lattice(dem: np.ndarray, ms: int, cols: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The box-filtered lattices of step ``ms`` through the sites (see :func:`_level_grids`)."""
    from scipy.ndimage import uniform_filter

    height, width = dem.shape
    smooth = uniform_filter(dem.astype(np.float64), size=ms, mode="nearest").astype(dem.dtype)
    hp, wp = -(-height // ms), -(-width // ms)
    profiles = np.empty((ms * ms, hp, wp), dtype=dem.dtype)
    used = np.zeros(ms * ms, dtype=bool)
    used[(rows % ms) * ms + cols % ms] = True
    for k in np.flatnonzero(used).tolist():
        oy, ox = divmod(k, ms)
        part = smooth[oy::ms, ox::ms]
        profiles[k, : part.shape[0], : part.shape[1]] = part
        profiles[k, part.shape[0] :, : part.shape[1]] = part[-1:]
        profiles[k, :, part.shape[1] :] = profiles[k, :, part.shape[1] - 1 : part.shape[1]]
    profiles[(rows % ms) * ms + cols % ms, rows // ms, cols // ms] = dem[rows, cols]
    return profiles


def _reduce_slots(signal: np.ndarray, serving: np.ndarray, broadband: np.ndarray) -> None:
    """Fold the workers' copies of the outputs into the first (max of the signal, or of bits)."""
    for w in range(1, signal.shape[0]):
        np.maximum(signal[0], signal[w], out=signal[0])
        np.bitwise_or(serving[0], serving[w], out=serving[0])
        np.bitwise_or(broadband[0], broadband[w], out=broadband[0])


@dataclass(frozen=True)
class SweepLevel:
    """One level of the terrain sweep (see :data:`SWEEP_LEVELS`).

    Attributes
    ----------
    step_cells
        Its rays step ``step_cells`` cells at a time (1: every cell).
    block_cells
        It writes one value per block of ``block_cells`` squared cells (a multiple of the step).
    rin2, rout2
        It writes the blocks whose centres lie in ``(sqrt(rin2), sqrt(rout2)]`` cells of the
        site (``rin2 < 0``: from the site's own cell).
    """

    step_cells: int
    block_cells: int
    rin2: float
    rout2: float


def sweep_levels(
    resolution: float, max_range_m: float, *, full_resolution: bool = False
) -> list[SweepLevel]:
    """The levels of the terrain sweep on a grid of ``resolution`` metres out to
    ``max_range_m`` (:data:`SWEEP_LEVELS`; consecutive levels of the same step and block in
    cells are merged).  ``full_resolution``: one level, every cell, to the disc's edge."""
    rc = max_range_m / resolution
    if full_resolution:
        return [SweepLevel(1, 1, -1.0, rc * rc)]
    steps: list[tuple[float, int, int]] = []  # (outer radius, step, block), in cells
    for outer_m, step_m, block_m in SWEEP_LEVELS:
        ms = max(1, round(step_m / resolution))
        mb = max(1, round(block_m / resolution) // ms) * ms
        if steps and (ms, mb) == steps[-1][1:]:
            steps[-1] = (outer_m / resolution, ms, mb)
        else:
            steps.append((outer_m / resolution, ms, mb))
    levels: list[SweepLevel] = []
    inner, prev_slack = 0.0, 0.0
    for outer, ms, mb in steps:
        slack = (mb - 1) / math.sqrt(2.0)  # the furthest a cell is from its block's centre
        last = outer >= rc
        rout = rc + slack if last else outer
        rin = inner - prev_slack - slack - 1e-6
        levels.append(SweepLevel(ms, mb, -1.0 if not levels else rin * rin, rout * rout))
        if last:
            break
        inner, prev_slack = outer, slack
    return levels


def signal_grids(
    dem: np.ndarray | None,
    shape: tuple[int, int],
    resolution: float,
    sites: SiteArrays,
    *,
    loss_tables: np.ndarray,
    n_layers: int,
    max_range_m: float,
    k_factor: float | None,
    terrain: bool,
    exact: bool = False,
) -> SignalGrids:
    """Best-server signal of many emitters on a grid, with or without terrain.

    Parameters
    ----------
    dem
        float elevation on the grid (``shape``), required when ``terrain``.
    shape, resolution
        Grid shape and cell size (m).
    sites
        Per-emitter inputs.
    loss_tables
        ``(n_tables, m)`` loss (dB) indexed by the squared distance in cells,
        ``m > (max_range_m / resolution)^2``; entry 0 is the loss in the site's own cell.
        Without terrain: the whole path loss.  With terrain: the free-space loss plus any
        distance-independent term (clutter); the sweep adds ITM's terrain attenuation.
    n_layers
        Number of output signal layers.
    max_range_m
        Disc radius around every site, metres.
    k_factor
        Effective Earth radius factor (None: no curvature).
    terrain
        Sweep the DEM and add ITM's terrain attenuation (see the module's notes); otherwise
        distance only.
    exact
        Compute ITM's attenuation at every cell where free space alone could matter, without
        the early-out guess (:data:`SKIP_MARGIN_DB`), the reuse along a ray or the coarser
        levels far out (:data:`SWEEP_LEVELS`): slower, for checking those shortcuts.

    Notes
    -----
    Work is O(cells of the disc) per emitter; memory is the output grids plus a few rows per
    worker (no per-site raster).  Emitters are run in parallel over workers.  On large grids each
    worker takes whole tiles of ``R + 1`` cells, nine colours in turn, so that no two workers
    write to one cell; on small grids (copies within :data:`PRIVATE_COPY_BYTES`) the emitters
    are split into :data:`PRIVATE_SLOTS` groups, each writing to its own copy of the outputs,
    reduced at the end.  The result does not depend on the number of threads.
    """
    height, width = int(shape[0]), int(shape[1])
    if not resolution > 0:
        raise ValueError(f"resolution must be positive, got {resolution!r}")
    if not max_range_m > 0:
        raise ValueError(f"max_range_m must be positive, got {max_range_m!r}")
    rc2 = (max_range_m / resolution) ** 2
    tables = np.ascontiguousarray(loss_tables, dtype=np.float64)
    if tables.ndim != 2 or tables.shape[1] <= int(rc2):
        raise ValueError(f"loss_tables must be (n, > {int(rc2)}), got {tables.shape}")
    n = len(sites.col)
    cols = np.asarray(sites.col, dtype=np.int64)
    rows = np.asarray(sites.row, dtype=np.int64)
    layer = np.asarray(sites.layer, dtype=np.int64)
    table_idx = np.asarray(sites.table, dtype=np.int64)
    if n and (layer.min() < 0 or layer.max() >= n_layers):
        raise ValueError(f"layer indices must be in [0, {n_layers})")
    if n and (table_idx.min() < 0 or table_idx.max() >= tables.shape[0]):
        raise ValueError(f"table indices must be in [0, {tables.shape[0]})")
    if terrain:
        if dem is None:
            raise ValueError("the terrain model needs a DEM")
        dem_arr = _check_dem(dem)
        if dem_arr.shape != (height, width):
            raise ValueError(f"the DEM has shape {dem_arr.shape}, the grid {(height, width)}")
        if n and (cols.min() < 0 or rows.min() < 0 or cols.max() >= width or rows.max() >= height):
            raise ValueError("with terrain every site must lie on the grid")
    else:
        dem_arr = np.zeros((1, 1), dtype=np.float32)
    rci = math.floor(math.sqrt(rc2))
    n_workers = max(1, numba.get_num_threads())
    slot_bytes = height * width * (4 * n_layers + 4 * (3 if terrain else 2))
    tiles = math.ceil(height / (rci + 1)) * math.ceil(width / (rci + 1))
    private = (
        tiles < 18 * PRIVATE_SLOTS  # fewer than two tiles per group and colour
        and (PRIVATE_SLOTS - 1) * slot_bytes <= PRIVATE_COPY_BYTES
    )
    n_slots = PRIVATE_SLOTS if private else 1
    signal = np.full((n_slots, n_layers, height, width), -np.inf, dtype=np.float32)
    serving = np.zeros((n_slots, height, width), dtype=np.uint32)
    broadband = np.zeros((n_slots, height, width), dtype=np.uint32)
    reach = np.zeros((height, width), dtype=np.uint32)
    if n:
        if private:
            order = np.argsort(np.arange(n) % n_slots, kind="stable").astype(np.int64)
            per_slot = [(n + n_slots - 1 - w) // n_slots for w in range(n_slots)]
            offsets = np.concatenate([[0], np.cumsum(per_slot)])[None, :].astype(np.int64)
        else:
            order, offsets = _schedule(cols, rows, rci + 1, n_workers)
        bits = np.asarray(sites.bit, dtype=np.uint32)
        is_bb = np.asarray(sites.broadband, dtype=np.bool_)
        eirp = np.asarray(sites.eirp_dbm, dtype=np.float64)
        thr = np.asarray(sites.threshold_dbm, dtype=np.float64)
        if not terrain:
            _disc_kernel(rc2, cols, rows, eirp, thr, table_idx, tables, bits, is_bb, layer,
                         order, offsets, private, signal, serving, broadband)  # fmt: skip
        else:
            reach_r2 = np.minimum(
                (np.asarray(sites.reach_radius_m, dtype=np.float64) / resolution) ** 2, rc2
            )
            _reach_kernel(cols, rows, reach_r2, bits, reach)
            lam = np.asarray(sites.wavelength_m, dtype=np.float64)
            surface = [itm_surface(SPEED_OF_LIGHT / lam_e / 1e6) for lam_e in lam.tolist()]
            per_emitter = (
                np.asarray(sites.antenna_height_m, dtype=np.float64),
                np.asarray(sites.receiver_height_m, dtype=np.float64),
                eirp,
                thr,
                table_idx,
                tables,
                2.0 * np.pi / lam,
                np.array([z[1] for z in surface], dtype=np.float64),
                np.array([z[2] for z in surface], dtype=np.float64),
                bits,
                is_bb,
                layer,
            )
            adj = curvature_factor(k_factor) * resolution * resolution
            knobs = _knobs(exact)
            lattices: dict[int, np.ndarray] = {}
            for lev in sweep_levels(resolution, max_range_m, full_resolution=exact):
                ms, m = lev.step_cells, lev.block_cells
                radii, anc, first = _ray_tree(
                    math.ceil((math.sqrt(lev.rout2) + m) / ms) + 1, m // ms
                )
                if m == 1:
                    out = (signal, serving, broadband)
                else:
                    _reduce_slots(signal, serving, broadband)
                    hc, wc = -(-height // m), -(-width // m)
                    out = (
                        np.empty((n_slots, n_layers, hc, wc), dtype=np.float32),
                        np.empty((n_slots, hc, wc), dtype=np.uint32),
                        np.empty((n_slots, hc, wc), dtype=np.uint32),
                    )
                    _block_floor(signal[0], serving[0], broadband[0], m, out[0][0], out[1][0],
                                 out[2][0])  # fmt: skip
                    for arr in out:
                        arr[1:] = arr[0]
                profiles, centre = _level_grids(dem_arr, ms, m, cols, rows, lattices)
                _terrain_kernel(dem_arr, profiles, centre, float(resolution), adj, ms, m, radii,
                                anc, first, lev.rin2, lev.rout2, cols, rows, *per_emitter,
                                order, offsets, private, *out, knobs)  # fmt: skip
                if m > 1:
                    _reduce_slots(*out)
                    _block_merge(out[0][0], out[1][0], out[2][0], m, signal[0], serving[0],
                                 broadband[0])  # fmt: skip
                    del out
    _reduce_slots(signal, serving, broadband)
    out_signal, out_serving, out_broadband = signal[0], serving[0], broadband[0]
    del signal, serving, broadband
    out_signal[np.isneginf(out_signal)] = np.nan
    out_reach = reach
    return SignalGrids(
        signal=out_signal, serving=out_serving, broadband=out_broadband, reach=out_reach
    )
