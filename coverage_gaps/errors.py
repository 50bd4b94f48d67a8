"""Exceptions and warnings raised by coverage-gaps.

Every error the library raises on purpose derives from :class:`CoverageGapsError` and also from
the built-in exception it is a kind of, so that library users can catch it either way::

    try:
        cg.run(config)
    except ValueError:          # a bad input or setting
        ...

The classes carry no exit codes: the command line maps them to exit codes in one place
(``coverage_gaps.cli.main``).  Each message names the input, what was received and what to do.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BadRowsError",
    "CRSError",
    "ColumnError",
    "CoverageGapsError",
    "CoverageGapsWarning",
    "InputError",
    "LayerError",
    "NoOverlapError",
    "OutputError",
    "SelectionError",
    "SettingsError",
    "SizeError",
]


class CoverageGapsError(Exception):
    """Root of all coverage-gaps errors."""


class InputError(CoverageGapsError, ValueError):
    """An input file is missing, unreadable, or holds data that cannot be used.

    Parameters
    ----------
    path
        The file at fault (its name starts the message), or ``None`` when the fault is not in one
        file.
    message
        What was found and what to do.
    """

    def __init__(self, path: str | Path | None, message: str) -> None:
        self.path = None if path is None else Path(path)
        self.message = message
        prefix = f"{self.path}: " if self.path is not None else ""
        super().__init__(prefix + message)

    def __reduce__(self) -> tuple[object, ...]:
        # Picklable with its two arguments (errors cross process boundaries on a cluster).
        return (type(self), (self.path, self.message))


class ColumnError(InputError, LookupError):
    """A required column is missing from an input."""


class LayerError(InputError, LookupError):
    """A file holds several layers and none was chosen, or the chosen layer is not in it (a
    choice the user makes on the command: ``--layer``, ``FILE:LAYER``)."""


class CRSError(InputError):
    """An input has no coordinate reference system, or one that cannot be used."""


class NoOverlapError(InputError):
    """A raster or layer does not overlap the villages it should describe."""


class BadRowsError(InputError):
    """Rows of a table failed validation and the user asked to fail on bad rows."""


class SelectionError(CoverageGapsError, LookupError):
    """A selection (province, operator, radio, a filter of the towers) matched nothing."""


class SettingsError(CoverageGapsError, ValueError):
    """A setting has a value, or settings a combination, that cannot be used.

    Parameters
    ----------
    message
        What is wrong and what is allowed.
    fields
        The settings at fault, as ``"Class.field"`` (``"CoverageOptions.min_range_m"``), so
        that the command line can name its own options for them.
    """

    def __init__(self, message: str, *, fields: tuple[str, ...] = ()) -> None:
        self.message = message
        self.fields = tuple(fields)
        super().__init__(message + (f" [{', '.join(self.fields)}]" if self.fields else ""))

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_settings_error, (type(self), self.message, self.fields))


class SizeError(SettingsError):
    """A grid, table or raster would need more memory than the run may use."""


class OutputError(CoverageGapsError, OSError):
    """The outputs cannot be written (folder not writable, disk full, held by another run)."""


def _rebuild_settings_error(
    cls: type[SettingsError], message: str, fields: tuple[str, ...]
) -> SettingsError:
    return cls(message, fields=fields)


class CoverageGapsWarning(UserWarning):
    """Warnings about inputs that were repaired, skipped or look suspicious."""
