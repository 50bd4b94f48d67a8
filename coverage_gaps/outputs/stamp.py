"""When and by which version a run's files were made: one stamp for every file of a run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["RunStamp"]


@dataclass(frozen=True)
class RunStamp:
    """When and by which version a file was made (shown in the maps, workbooks and reports).

    A run makes one stamp when it starts (:attr:`coverage_gaps.runner.RunInputs.started`) and
    gives it to every writer, so that every file of the folder says the same date.
    """

    when: datetime
    version: str

    @classmethod
    def now(cls) -> RunStamp:
        """The current local time and the installed version."""
        from coverage_gaps import __version__

        return cls(datetime.now().replace(microsecond=0), __version__)

    @classmethod
    def at(cls, when: datetime) -> RunStamp:
        """``when`` and the installed version."""
        from coverage_gaps import __version__

        return cls(when.replace(microsecond=0), __version__)

    @property
    def day(self) -> date:
        return self.when.date()

    def text(self, lang: str) -> str:
        """ "Made by coverage-gaps 0.1.0 on 2025-09-30" in ``lang``."""
        from coverage_gaps.outputs import labels

        return labels.text("generated", lang, version=self.version, date=self.day.isoformat())
