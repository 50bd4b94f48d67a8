"""The memory budget: every grid, table and raster window is estimated before it is allocated.

A run refuses, with one line naming what is too big and which option or input to change, any
allocation beyond its budget, instead of being killed by the kernel half-way.  The budget is
``AnalysisOptions.memory_budget_gb`` when given, else the environment variable
``COVERAGE_GAPS_MEMORY_GB``, else 60 % of the machine's physical memory; areas analysed side by
side on one machine share it.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from contextvars import ContextVar

from coverage_gaps.errors import SizeError

__all__ = [
    "DEFAULT_FRACTION",
    "area_budget",
    "check_bytes",
    "human_bytes",
    "memory_budget_bytes",
]

#: The budget of the area being analysed, for the readers deep in the pipeline.
_AREA_BUDGET: ContextVar[int | None] = ContextVar("coverage_gaps_area_budget", default=None)

#: Share of the physical memory a run may plan to use when no budget is given.
DEFAULT_FRACTION = 0.6
ENV_VAR = "COVERAGE_GAPS_MEMORY_GB"


def physical_memory_bytes() -> int:
    """The machine's physical memory (16 GiB when it cannot be read)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 16 * 2**30


def memory_budget_bytes(gb: float | None = None, *, shared_by: int = 1) -> int:
    """The bytes one area may use: ``gb`` GiB when given, else ``$COVERAGE_GAPS_MEMORY_GB``,
    else :data:`DEFAULT_FRACTION` of the physical memory; divided among ``shared_by`` areas
    analysed at the same time on this machine.  Inside :func:`area_budget` (an area being
    analysed), that area's budget when no ``gb`` is given."""
    if gb is None and shared_by == 1 and _AREA_BUDGET.get() is not None:
        return int(_AREA_BUDGET.get())  # type: ignore[arg-type]
    if gb is None:
        env = os.environ.get(ENV_VAR)
        if env:
            try:
                gb = float(env)
            except ValueError:
                gb = None
    total = gb * 2**30 if gb is not None and math.isfinite(gb) and gb > 0 else None
    if total is None:
        total = DEFAULT_FRACTION * physical_memory_bytes()
    return int(total / max(1, shared_by))


def human_bytes(n: float) -> str:
    """``1.5 GB``, ``728 TB``: a size for a message (powers of 1024)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1024 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} EB"  # pragma: no cover


def check_bytes(what: str, needed: float, budget: int, *, fix: str) -> None:
    """Raise :class:`SizeError` when ``needed`` bytes exceed ``budget``.

    The message says what would be too big, by how much, and ``fix``: the option or input to
    change.
    """
    if not math.isfinite(needed) or needed > budget:
        raise SizeError(
            f"{what} would need about {human_bytes(needed)}, more than the memory budget of "
            f"{human_bytes(budget)} (--memory-budget); {fix}"
        )


@contextlib.contextmanager
def area_budget(nbytes: int) -> Iterator[None]:
    """Within the block, :func:`memory_budget_bytes` without arguments returns ``nbytes`` (the
    readers of one area's rasters check their windows against the area's budget)."""
    token = _AREA_BUDGET.set(int(nbytes))
    try:
        yield
    finally:
        _AREA_BUDGET.reset(token)
