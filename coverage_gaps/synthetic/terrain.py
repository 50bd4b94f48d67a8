"""Elevation models with realistic relief, made in code, for tests, benchmarks and the demo.

No public Vietnamese DEM is bundled with the project, so terrain with mountain-like statistics is
synthesised: fractional Brownian surface by spectral synthesis (2-D power spectrum ``~ k^-beta``,
``beta = 4.4``, rolled off above a 25 km wavelength so that one grid does not become one slope),
plus ridged noise (``(1 - |n|)^2`` of a band-limited field, which gives sharp crests and V
valleys like the karst and granite ranges of the northern provinces).  At 30 m and the
default relief (0-2500 m over a few tens of km) the median slope is about 22 % and the 90th
percentile about 90 %, as in steep mountain country.
"""

from __future__ import annotations

import numpy as np


def _spectral_field(
    shape: tuple[int, int],
    resolution: float,
    rng: np.random.Generator,
    *,
    beta: float,
    longest_m: float,
    shortest_m: float,
) -> np.ndarray:
    """Zero-mean, unit-variance Gaussian field with a ``k^-beta`` power spectrum."""
    h, w = shape
    ky = np.fft.fftfreq(h, d=resolution)[:, None]
    kx = np.fft.rfftfreq(w, d=resolution)[None, :]
    k2 = kx * kx + ky * ky
    k0 = 1.0 / longest_m
    amp = (k2 + k0 * k0) ** (-beta / 4.0)
    amp *= np.exp(-k2 * (shortest_m / 2.0) ** 2)
    amp[0, 0] = 0.0
    noise = rng.standard_normal((h, w))
    field = np.fft.irfft2(np.fft.rfft2(noise) * amp, s=(h, w))
    std = float(field.std())
    return field / std if std > 0 else field


def fractal_dem(
    shape: tuple[int, int],
    resolution: float,
    *,
    seed: int,
    relief: tuple[float, float] = (0.0, 2500.0),
    ridges: bool = True,
) -> np.ndarray:
    """A float32 elevation grid with mountain-like relief.

    Parameters
    ----------
    shape
        ``(rows, cols)``.
    resolution
        Cell size in metres; sets the physical scale of the features (ridges a few km apart).
    seed
        Seed of the random generator: the same seed gives the same terrain.
    relief
        ``(lowest, highest)`` elevation in metres; the field is rescaled to span exactly this.
    ridges
        Mix in ridged noise (sharp crests) with the smooth fractal surface.

    Returns
    -------
    numpy.ndarray
        float32 array of ``shape``.
    """
    h, w = (int(shape[0]), int(shape[1]))
    if h < 2 or w < 2:
        raise ValueError(f"shape must be at least 2 x 2, got {shape!r}")
    if not resolution > 0:
        raise ValueError(f"resolution must be positive, got {resolution!r}")
    lo, hi = float(relief[0]), float(relief[1])
    if not hi > lo:
        raise ValueError(f"relief must be (low, high) with high > low, got {relief!r}")
    rng = np.random.default_rng(seed)
    base = _spectral_field(
        (h, w), resolution, rng, beta=4.4, longest_m=25_000.0, shortest_m=2 * resolution
    )
    dem = base
    if ridges:
        band = _spectral_field(
            (h, w),
            resolution,
            rng,
            beta=5.0,
            longest_m=8_000.0,
            shortest_m=max(300.0, 3 * resolution),
        )
        ridged = (1.0 - np.abs(np.tanh(band))) ** 2
        ridged = (ridged - ridged.mean()) / max(float(ridged.std()), 1e-12)
        # ridges count more where the smooth surface is high (mountains, not plains)
        weight = 1.0 / (1.0 + np.exp(-1.5 * base))
        dem = base + 0.8 * weight * ridged
    dmin, dmax = float(dem.min()), float(dem.max())
    dem = (dem - dmin) / (dmax - dmin) * (hi - lo) + lo
    return dem.astype(np.float32)
