"""``run.json``: what produced an output folder, written last (its file list is the folder's)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coverage_gaps.outputs.atomic import atomic_path

if TYPE_CHECKING:
    from coverage_gaps.outputs import RunRecord

__all__ = ["write_record"]


def _file_entry(path: Path) -> dict[str, Any]:
    return {"name": path.name, "bytes": path.stat().st_size}


def write_record(run: RunRecord) -> list[Path]:
    """``run.json``: the version, the date, the resolved settings, the notes, the counts per
    province and the files written."""
    from coverage_gaps import __version__

    doc = {
        "coverage_gaps": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": run.settings,
        "notes": run.notes,
        "provinces": json.loads(run.summary.to_json(orient="records", force_ascii=False)),
        "files": [_file_entry(p) for p in run.files],
    }
    path = run.folder / "run.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [path]
