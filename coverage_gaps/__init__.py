"""coverage-gaps: find electrified villages with no mobile signal.

The package is laid out as the pipeline runs:

``io/``        read the inputs (towers, villages, electrification, population, elevation)
``grid``       the metric analysis grid every layer is put on
``sites``      cells collapsed into sites
``coverage/``  which grid cells each operator serves (disc model, propagation, terrain)
``gaps``       per-village figures, statuses and priorities
``outputs/``   CSV, GeoPackage and Folium map writers
``pipeline``   one province (or any area) from inputs to outputs
``cli/``       the ``coverage-gaps`` command, thin over the above
"""

from coverage_gaps.errors import CoverageGapsError, CoverageGapsWarning

__version__ = "0.1.0"
__all__ = ["CoverageGapsError", "CoverageGapsWarning", "__version__"]
