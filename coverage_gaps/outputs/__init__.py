"""The outputs: what a run writes, as registries of writers.

Per-area writers (:data:`AREA_WRITERS`) each write one kind of file for one analysed area;
run-level writers (:data:`RUN_WRITERS`) write once per run from the areas' summaries.  Every
file is written to a temporary name in its folder and renamed into place, so a failed run leaves
no half file.  A new output is one module plus one line here::

    "kmz": Writer("kmz", "<province>.kmz for Google Earth", "coverage_gaps.outputs.kmz:write"),

An area writer is ``f(result: AreaResult, target: AreaTarget) -> list[Path]``; a run writer is
``f(run: RunRecord) -> list[Path]``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coverage_gaps.outputs.stamp import RunStamp

if TYPE_CHECKING:
    import pandas as pd

    from coverage_gaps.settings import OutputOptions

__all__ = [
    "AREA_WRITERS",
    "INDEX_FILE",
    "RUN_WRITERS",
    "AreaTarget",
    "RunArea",
    "RunRecord",
    "Writer",
]


@dataclass(frozen=True)
class Writer:
    """One entry of an output registry.

    Attributes
    ----------
    kind
        The name users choose (``--outputs``).
    summary
        What it writes, for the command line's help.
    target
        ``"module:function"`` of the writer, imported when it first writes.
    """

    kind: str
    summary: str
    target: str

    @property
    def write(self) -> Callable[..., list[Path]]:
        module, _, attr = self.target.partition(":")
        function: Callable[..., list[Path]] = getattr(importlib.import_module(module), attr)
        return function


@dataclass(frozen=True)
class AreaTarget:
    """Where and how an area's files are written.

    Attributes
    ----------
    folder
        The folder to write into.
    slug
        The area's file-name stem (unique within the run).
    options
        The run's output options.
    stamp
        The run's date and version, stamped on every map, workbook and report (default: the
        time the target is made).
    index
        The run's front page (a file name in ``folder``) that the maps link back to, or
        ``None`` when the area is written outside a run.
    field_check_validity_days
        How long an official's check counts in the run that writes the field-check form
        (``--field-check-validity``; ``None``: the setting's default).
    unit
        What the area's features are, ``"village"`` or ``"commune"`` (the run's resolved
        ``--unit``): the words people read call them so (:attr:`lang`).
    """

    folder: Path
    slug: str
    options: OutputOptions
    stamp: RunStamp = field(default_factory=RunStamp.now)
    index: str | None = None
    field_check_validity_days: float | None = None
    unit: str = "village"

    @property
    def lang(self) -> str:
        """The language of what people read, worded for :attr:`unit`
        (:func:`coverage_gaps.outputs.labels.wording`): pass it wherever a ``lang`` goes."""
        from coverage_gaps.outputs.labels import wording

        return wording(self.options.lang, self.unit)

    def path(self, suffix: str) -> Path:
        """``folder / (slug + suffix)``, e.g. ``path("-villages.csv")``."""
        return self.folder / f"{self.slug}{suffix}"


@dataclass(frozen=True)
class RunArea:
    """One area of a run, as the run-level writers see it.

    Attributes
    ----------
    name, slug
        The area's name and file-name stem.
    files
        The area's files.
    outline
        The area's outline for the national map: a simplified (multi)polygon in EPSG:4326 as
        WKB, or ``None``.
    """

    name: str
    slug: str
    files: tuple[Path, ...] = ()
    outline: bytes | None = None


@dataclass
class RunRecord:
    """What the run-level writers are given.

    Attributes
    ----------
    folder
        The folder to write into.
    summary
        One row per area (:func:`coverage_gaps.outputs.summary.area_summary`).
    files
        The per-area files written so far.
    settings
        The resolved settings of the run (plain values).
    notes
        Notes on how names matched and what was resolved.
    areas
        The areas in the order of :attr:`summary`: names, files and outlines.
    inputs
        The input files: ``setting``, ``path``, ``bytes``, ``sha256`` (or ``None`` with a
        ``note`` saying why), as :func:`coverage_gaps.outputs.record.describe_inputs` gives them.
    stamp
        The run's date and version (default: the time the record is made).
    """

    folder: Path
    summary: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    settings: Mapping[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    areas: list[RunArea] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    stamp: RunStamp = field(default_factory=RunStamp.now)

    @property
    def lang(self) -> str:
        """The run's language (``settings["outputs"]["lang"]``, else the default), worded for
        its villages' unit (``settings["villages"]["unit"]``), as :attr:`AreaTarget.lang`."""
        from coverage_gaps.outputs.labels import wording
        from coverage_gaps.settings import OutputOptions, default_of

        lang = (self.settings.get("outputs") or {}).get("lang") or default_of(OutputOptions, "lang")
        unit = (self.settings.get("villages") or {}).get("unit") or "village"
        return wording(str(lang), "village" if unit == "auto" else str(unit))


#: Per-area outputs, by kind, in the order they are written.
AREA_WRITERS: Mapping[str, Writer] = {
    w.kind: w
    for w in (
        Writer(
            "csv",
            "<province>-villages.csv and <province>-to-fix.csv",
            "coverage_gaps.outputs.tables:write_area_tables",
        ),
        Writer(
            "xlsx",
            "<province>-to-fix.xlsx and <province>-villages.xlsx: workbooks in the run's language",
            "coverage_gaps.outputs.workbooks:write_area_workbooks",
        ),
        Writer(
            "gpkg",
            "<province>.gpkg: villages, sites and dead-zone layers",
            "coverage_gaps.outputs.geopackage:write_area_geopackage",
        ),
        Writer(
            "tif",
            "<province>-signal-<radio>.tif: best-server signal (propagation models)",
            "coverage_gaps.outputs.rasters:write_area_signals",
        ),
        Writer(
            "html",
            "<province>.html: the interactive map",
            "coverage_gaps.outputs.webmap:write_area_map",
        ),
        Writer(
            "kmz",
            "<province>.kmz for Google Earth: villages by status, dead-zone land, sites",
            "coverage_gaps.outputs.kmz:write_area_kmz",
        ),
        Writer(
            "pdf",
            "<province>.pdf: the printed A4 report (map, summary, villages to fix first)",
            "coverage_gaps.outputs.report:write_area_report",
        ),
        Writer(
            "field-check",
            "<province>-field-check.xlsx: the gaps as a form for field checks, to fill in and "
            "give back with --field-checks",
            "coverage_gaps.outputs.field_check:write_area_field_check",
        ),
    )
}

#: The run's front page (``index`` below), in the run's folder; the province maps link to it.
INDEX_FILE = "index.html"

#: Run-level outputs, always written after the areas; ``record`` (``run.json``) comes last.
RUN_WRITERS: Mapping[str, Writer] = {
    w.kind: w
    for w in (
        Writer(
            "summary",
            "summary.csv: villages by status and people uncovered per province",
            "coverage_gaps.outputs.summary:write_summary",
        ),
        Writer(
            "glossary",
            "glossary.csv (and glossary.xlsx): every column, status and reason, in English and "
            "Vietnamese",
            "coverage_gaps.outputs.glossary:write_glossary",
        ),
        Writer(
            "index",
            "index.html: the national map, the summary and links to every file",
            "coverage_gaps.outputs.index:write_index",
        ),
        Writer(
            "record",
            "run.json: what produced this folder (version, date, settings, files)",
            "coverage_gaps.outputs.record:write_record",
        ),
    )
}
