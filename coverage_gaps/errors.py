"""Exceptions and warnings raised by coverage-gaps.

Every error the library raises on purpose derives from :class:`CoverageGapsError`; the CLI turns it
into one clear line and a non-zero exit code.  Each message names the input, what was received and
what to do about it.
"""

from __future__ import annotations

from pathlib import Path


class CoverageGapsError(Exception):
    """Root of all coverage-gaps errors."""

    exit_code = 1


class InputError(CoverageGapsError):
    """An input file is missing, unreadable, or holds data that cannot be used."""

    def __init__(self, path: str | Path | None, message: str) -> None:
        self.path = None if path is None else Path(path)
        prefix = f"{self.path}: " if self.path is not None else ""
        super().__init__(prefix + message)


class ColumnError(InputError):
    """A required column is missing from an input."""


class CRSError(InputError):
    """An input has no coordinate reference system, or one that cannot be used."""


class NoOverlapError(InputError):
    """A raster or layer does not overlap the villages it should describe."""


class BadRowsError(InputError):
    """Rows of a table failed validation and the user asked to fail on bad rows."""


class SelectionError(CoverageGapsError):
    """A selection (province, operator, radio) matched nothing."""

    exit_code = 2


class CoverageGapsWarning(UserWarning):
    """Warnings about inputs that were repaired, skipped or look suspicious."""
