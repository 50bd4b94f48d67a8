"""``run.json``: what produced an output folder, written last (its file list is the folder's).

It holds the version and the date of the run, the resolved settings (with the as-of date and
the sunsets that applied), the notes, the counts per province, the input files with their sizes
and SHA-256 hashes (so that a folder can be traced to the exact files that made it), and every
file written with its size.

Hashing reads every input once more.  SHA-256 runs at several hundred MB/s on one core, so a
multi-GB towers file takes seconds; :func:`coverage_gaps.runner.run` hashes in a background
thread while the areas are analysed (hashlib and file reads release the GIL), so it costs no
time unless the run is shorter than the hashing.  Files above :data:`HASH_LIMIT_BYTES` are not
hashed (their size and modification time are recorded, with a note).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coverage_gaps.outputs.atomic import atomic_path

if TYPE_CHECKING:
    from coverage_gaps.outputs import RunRecord

__all__ = [
    "CHUNK_BYTES",
    "HASH_LIMIT_BYTES",
    "InputDigests",
    "describe_input",
    "describe_inputs",
    "sha256_file",
    "write_record",
]

#: Inputs larger than this are not hashed (about a minute of reading at 300 MB/s).
HASH_LIMIT_BYTES = 16 * 2**30
#: Bytes read at a time when hashing.
CHUNK_BYTES = 4 * 2**20


class _StoppedError(Exception):
    """Hashing was asked to stop."""


def sha256_file(path: str | Path, *, stop: threading.Event | None = None) -> str:
    """The SHA-256 of a file, read in :data:`CHUNK_BYTES` chunks (never whole into memory)."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
            if stop is not None and stop.is_set():
                raise _StoppedError
    return digest.hexdigest()


def describe_input(
    setting: str,
    path: str | Path,
    *,
    limit: int = HASH_LIMIT_BYTES,
    stop: threading.Event | None = None,
) -> dict[str, Any]:
    """One input file as ``run.json`` records it: ``setting``, ``path``, ``bytes``,
    ``modified`` (UTC), ``sha256`` and ``hash_seconds``; ``sha256`` is ``None`` with a ``note``
    for a folder, a missing file or one above ``limit`` bytes."""
    path = Path(path)
    entry: dict[str, Any] = {"setting": setting, "path": str(path), "bytes": None, "sha256": None}
    try:
        stat = path.stat()
    except OSError as exc:
        entry["note"] = f"cannot be read ({exc.strerror or exc})"
        return entry
    entry["modified"] = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")
    if path.is_dir():
        entry["note"] = "a folder: not hashed"
        return entry
    entry["bytes"] = stat.st_size
    if stat.st_size > limit:
        entry["note"] = (
            f"not hashed: larger than {limit / 2**30:g} GiB (SHA-256 reads about 0.3 to 1 GB/s)"
        )
        return entry
    t0 = time.perf_counter()
    try:
        entry["sha256"] = sha256_file(path, stop=stop)
    except OSError as exc:
        entry["note"] = f"cannot be read ({exc.strerror or exc})"
    entry["hash_seconds"] = round(time.perf_counter() - t0, 3)
    return entry


def describe_inputs(
    paths: Mapping[str, Path],
    *,
    limit: int = HASH_LIMIT_BYTES,
    stop: threading.Event | None = None,
) -> list[dict[str, Any]]:
    """:func:`describe_input` of every ``setting: path`` (e.g. ``Inputs.paths``)."""
    return [describe_input(k, p, limit=limit, stop=stop) for k, p in paths.items()]


class InputDigests:
    """The inputs described (hashed) in a background thread, started at once.

    >>> digests = InputDigests(config.inputs.paths)   # doctest: +SKIP
    >>> ...                                            # the run goes on meanwhile
    >>> digests.result()                               # waits for the hashing to finish

    Parameters
    ----------
    paths
        Input files by the setting that names them.
    limit
        Files above this many bytes are not hashed.
    """

    def __init__(self, paths: Mapping[str, Path], *, limit: int = HASH_LIMIT_BYTES) -> None:
        self._paths = dict(paths)
        self._limit = limit
        self._stop = threading.Event()
        self._entries: list[dict[str, Any]] | None = None
        self._error: BaseException | None = None
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._work, name="coverage-gaps-hash", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        t0 = time.perf_counter()
        try:
            self._entries = describe_inputs(self._paths, limit=self._limit, stop=self._stop)
        except _StoppedError:
            self._entries = None
        except BaseException as exc:  # pragma: no cover - reported by result()
            self._error = exc
        self.seconds = time.perf_counter() - t0

    def result(self) -> list[dict[str, Any]]:
        """The inputs described, once the hashing is done (waits for it)."""
        self._thread.join()
        if self._error is not None:  # pragma: no cover - describe_input catches OSError
            raise self._error
        if self._entries is None:
            raise RuntimeError("the hashing of the inputs was stopped")
        return self._entries

    def stop(self) -> None:
        """Stop hashing (a failed run): the thread ends at its next chunk."""
        self._stop.set()


def _file_entry(path: Path) -> dict[str, Any]:
    return {"name": path.name, "bytes": path.stat().st_size}


def write_record(run: RunRecord) -> list[Path]:
    """``run.json``: the version, the date, the inputs (sizes and hashes), the resolved
    settings, the notes, the counts per province and the files written."""
    stamp = run.stamp
    doc = {
        "coverage_gaps": stamp.version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_date": stamp.day.isoformat(),
        "started": stamp.when.isoformat(timespec="seconds"),
        "inputs": list(run.inputs),
        "settings": run.settings,
        "notes": run.notes,
        "provinces": json.loads(run.summary.to_json(orient="records", force_ascii=False)),
        "files": [_file_entry(p) for p in run.files],
    }
    path = run.folder / "run.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [path]
