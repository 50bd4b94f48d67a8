"""The analysis grid: a north-up raster in a metric CRS that every layer is put on.

Every input is brought onto one :class:`AnalysisGrid` (electrification, population, elevation,
coverage) so that the per-village figures are sums over the same cells.  The grid is chosen from
the data: the UTM zone of the area's centre unless the user names a CRS.
"""

from __future__ import annotations

import functools
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from affine import Affine
from numba import njit
from pyproj import CRS, Transformer

from coverage_gaps.errors import CRSError

__all__ = [
    "WGS84",
    "AnalysisGrid",
    "check_metric",
    "choose_metric_crs",
    "disc_row_span",
    "disc_rows",
    "metric_crs_problem",
    "project",
    "step_threads",
    "transformer",
    "utm_crs_for",
]

#: Longitude/latitude on WGS 84, the CRS of tower positions and of the outputs.
WGS84 = CRS.from_epsg(4326)


@functools.lru_cache(maxsize=32)
def transformer(src: CRS, dst: CRS) -> Transformer:
    """An ``always_xy`` transformer from ``src`` to ``dst``, built once per pair of CRSs.

    Building one can take tens of milliseconds (PROJ searches its database for the best
    pipeline); a country run asks for the same few pairs once per province.
    """
    return Transformer.from_crs(src, dst, always_xy=True)


def step_threads() -> int:
    """The threads one step of an area may use (PROJ, GDAL's warper): numba's thread count,
    which a run sets to its share of the cores (:func:`coverage_gaps.runner.run`)."""
    import numba

    return max(1, int(numba.get_num_threads()))


#: Below this many vertices a thread's share, :func:`project` uses fewer threads.
PROJECT_CHUNK = 250_000

_LOCAL = threading.local()


@functools.lru_cache(maxsize=4)
def _pool(size: int) -> ThreadPoolExecutor:
    """The threads of :func:`project`, started once: a new thread opens PROJ's database anew
    (tens of milliseconds)."""
    return ThreadPoolExecutor(size, thread_name_prefix="coverage-gaps-project")


def _thread_transformer(src: CRS, dst: CRS) -> Transformer:
    """:func:`transformer` for the calling thread: a Transformer must not be shared."""
    own: dict[tuple[CRS, CRS], Transformer] = getattr(_LOCAL, "transformers", None) or {}
    _LOCAL.transformers = own
    if (src, dst) not in own:
        own[(src, dst)] = Transformer.from_crs(src, dst, always_xy=True)
    return own[(src, dst)]


def project(geoms: np.ndarray, src: CRS, dst: CRS, *, threads: int | None = None) -> np.ndarray:
    """Shapely geometries ``geoms`` from ``src`` to ``dst``: the same coordinates as
    ``GeoSeries.to_crs`` (the same ``always_xy`` PROJ pipeline, point by point), their
    vertices split among ``threads`` (default numba's thread count, which a run sets to its
    share of the cores), as PROJ releases the GIL while it works."""
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    src, dst = CRS.from_user_input(src), CRS.from_user_input(dst)
    if src == dst:
        return geoms.copy()
    if threads is None:
        threads = step_threads()
    has_z = np.asarray(shapely.has_z(geoms), dtype=bool)
    out = geoms.copy()
    for z, chosen in ((False, ~has_z), (True, has_z)):
        if not chosen.any():
            continue
        coords = shapely.get_coordinates(geoms[chosen], include_z=z)
        parts = max(1, min(threads, coords.shape[0] // PROJECT_CHUNK))
        bounds = np.linspace(0, coords.shape[0], parts + 1).astype(np.int64)
        columns = [np.ascontiguousarray(coords[:, i]) for i in range(coords.shape[1])]

        def part(k: int, columns: list[np.ndarray] = columns, bounds: np.ndarray = bounds) -> None:
            a, b = bounds[k], bounds[k + 1]
            own = _thread_transformer(src, dst)
            # in place: each block is a view of the columns' own memory
            if len(columns) == 3:
                own.transform(columns[0][a:b], columns[1][a:b], columns[2][a:b], inplace=True)
            else:
                own.transform(columns[0][a:b], columns[1][a:b], inplace=True)

        if parts == 1:
            part(0)
        else:
            list(_pool(parts).map(part, range(parts)))
        out[chosen] = shapely.set_coordinates(geoms[chosen].copy(), np.column_stack(columns))
    return out


@dataclass(frozen=True)
class AnalysisGrid:
    """A north-up grid of square cells in a projected, metric CRS.

    Parameters
    ----------
    crs
        A projected CRS whose axis unit is the metre.
    transform
        Affine transform from (col, row) to (x, y) of the cell's upper-left corner.
    width, height
        Number of columns and rows.
    """

    crs: CRS
    transform: Affine
    width: int
    height: int

    @property
    def resolution(self) -> float:
        """Cell size in metres."""
        return float(self.transform.a)

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``, the shape of arrays on this grid."""
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the grid's outer edges."""
        xmin, ymax = self.transform.c, self.transform.f
        return (
            xmin,
            ymax - self.height * self.resolution,
            xmin + self.width * self.resolution,
            ymax,
        )

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell in square metres."""
        return self.resolution * self.resolution

    def to_colrow(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fractional (col, row) of map coordinates; cell ``(c, r)`` spans ``[c, c+1)``."""
        xmin, ymax = self.transform.c, self.transform.f
        res = self.resolution
        return (np.asarray(x, dtype="f8") - xmin) / res, (ymax - np.asarray(y, dtype="f8")) / res

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """1-D arrays of the x of each column's centre and the y of each row's centre."""
        xmin, ymax = self.transform.c, self.transform.f
        res = self.resolution
        xs = xmin + (np.arange(self.width) + 0.5) * res
        ys = ymax - (np.arange(self.height) + 0.5) * res
        return xs, ys

    def refined(self, resolution: float) -> AnalysisGrid:
        """A grid of smaller cells with the same origin, covering at least the same extent."""
        width = math.ceil(self.width * self.resolution / resolution)
        height = math.ceil(self.height * self.resolution / resolution)
        transform = Affine(resolution, 0.0, self.transform.c, 0.0, -resolution, self.transform.f)
        return AnalysisGrid(crs=self.crs, transform=transform, width=width, height=height)

    @classmethod
    def covering(
        cls,
        bounds: tuple[float, float, float, float],
        *,
        resolution: float,
        crs: CRS,
        margin: float = 0.0,
    ) -> AnalysisGrid:
        """The grid of ``resolution``-metre cells, aligned to multiples of the resolution, that
        covers ``bounds`` (in ``crs``) plus ``margin`` metres on every side."""
        if not resolution > 0:
            raise ValueError(f"resolution must be positive, got {resolution!r}")
        xmin, ymin, xmax, ymax = bounds
        xmin = math.floor((xmin - margin) / resolution) * resolution
        ymin = math.floor((ymin - margin) / resolution) * resolution
        xmax = math.ceil((xmax + margin) / resolution) * resolution
        ymax = math.ceil((ymax + margin) / resolution) * resolution
        width = max(1, round((xmax - xmin) / resolution))
        height = max(1, round((ymax - ymin) / resolution))
        transform = Affine(resolution, 0.0, xmin, 0.0, -resolution, ymax)
        return cls(crs=crs, transform=transform, width=width, height=height)


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS 84 / UTM CRS of the zone that holds ``(lon, lat)``."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"({lon!r}, {lat!r}) is not a longitude/latitude pair")
    zone = min(60, int((lon + 180) // 6) + 1)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def choose_metric_crs(
    bounds: tuple[float, float, float, float], crs: CRS | str | None, *, user_crs: str | None = None
) -> CRS:
    """The CRS the analysis runs in.

    ``user_crs`` (e.g. ``"EPSG:3405"``) wins when given; it must be projected and in metres.
    Otherwise the UTM zone of the centre of ``bounds`` (given in ``crs``).
    """
    if user_crs is not None:
        try:
            chosen = CRS.from_user_input(user_crs)
        except Exception as exc:
            raise CRSError(None, f"--crs {user_crs!r} is not a CRS pyproj knows ({exc})") from exc
        check_metric(chosen, what=f"--crs {user_crs!r}")
        return chosen
    if crs is None:
        raise CRSError(None, "cannot choose a UTM zone: the villages have no CRS")
    src = CRS.from_user_input(crs)
    cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    lon, lat = transformer(src, WGS84).transform(cx, cy)
    return utm_crs_for(float(lon), float(lat))


def metric_crs_problem(crs: CRS) -> str | None:
    """Why ``crs`` cannot be the analysis CRS (not projected, or axes not in metres), or
    ``None`` when it can."""
    if not crs.is_projected:
        return "is not a projected CRS; give one in metres such as a UTM zone"
    units = {ax.unit_name for ax in crs.axis_info}
    if not units <= {"metre", "meter"}:
        return f"has axis units {sorted(units)}; the analysis needs metres"
    return None


def check_metric(crs: CRS, *, what: str) -> None:
    """Raise :class:`CRSError` unless ``crs`` is projected with metre axes."""
    problem = metric_crs_problem(crs)
    if problem is not None:
        raise CRSError(None, f"{what} {problem}")


# The cell-centre rule of discs on the grid, shared by coverage discs and point villages.


@njit(cache=True)
def disc_rows(cy: float, r: float, height: int) -> tuple[int, int]:  # pragma: no cover
    """First and last grid row (inclusive, clipped) whose centre line ``row + 0.5`` is within
    ``r`` of a disc centred at row coordinate ``cy`` (all in cell units); empty when last <
    first."""
    return max(int(np.ceil(cy - r - 0.5)), 0), min(int(np.floor(cy + r - 0.5)), height - 1)


@njit(cache=True)
def disc_row_span(
    cx: float, cy: float, r: float, row: int, width: int
) -> tuple[int, int]:  # pragma: no cover
    """Columns ``[lo, hi)`` of ``row`` whose cell centres lie within ``r`` of ``(cx, cy)`` (cell
    units), clipped to the grid: the rule every disc on the grid follows (coverage discs and
    point villages alike)."""
    dy = row + 0.5 - cy
    half = np.sqrt(max(r * r - dy * dy, 0.0))
    lo = max(int(np.ceil(cx - half - 0.5)), 0)
    hi = min(int(np.floor(cx + half - 0.5)) + 1, width)
    return lo, hi
