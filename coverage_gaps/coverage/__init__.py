"""Coverage models: which analysis-grid cells each operator serves.

``base``         the :class:`Emitters` and :class:`CoverageResult` every model shares
``discs``        the disc (range) model: a site covers a disc of its range
``propagation``  path-loss formulas (free space, Okumura-Hata / COST-231, 3GPP above 2 GHz)
``linkbudget``   per-radio link-budget parameters and their TOML overrides
``terrain``      line of sight and diffraction over an elevation model (numba kernels)
``signal``       best-server received signal on the grid from the above
"""
