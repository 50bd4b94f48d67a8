"""The output folder as a unit: a lock, a staging folder, and one move into place.

A run writes every file into a staging folder inside the output folder; only when all areas and
the run-level files are written are they moved into place, the run record (``run.json``) last.
A run that fails leaves the output folder as it was.  A lock file keeps two runs out of one
folder (the second says who holds it), stale staging folders and temporary files of killed runs
are swept, and the files of an earlier run that this run did not write again are removed, so
that the folder never holds a map that contradicts its CSVs.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from coverage_gaps.errors import OutputError
from coverage_gaps.outputs.atomic import TEMP_PREFIX

__all__ = [
    "LOCK_NAME",
    "RECORD_NAME",
    "STAGING_PREFIX",
    "TEMP_PREFIX",
    "OutputFolder",
    "output_error",
]

log = logging.getLogger(__name__)

LOCK_NAME = ".coverage-gaps.lock"
STAGING_PREFIX = ".coverage-gaps-staging-"
#: The run record, written last: the files it lists are this folder's outputs.
RECORD_NAME = "run.json"


def output_error(path: Path, exc: OSError) -> OutputError:
    """One line for a failure to write ``path``, with what to do."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        hint = "free some space or choose another --out folder"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "choose a folder you can write to with --out"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        hint = "a file is in the way of the output folder; choose another --out"
    else:
        hint = "check the --out folder"
    return OutputError(f"cannot write {path}: {reason}; {hint}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OutputFolder:
    """The output folder of one run, locked for the run's duration.

    Use as a context manager; inside it, write into :attr:`staging` and call :meth:`commit`
    with the staged files.  Leaving the block without committing (an error) removes the staging
    folder and leaves the output folder as it was: a folder this run created for it is removed
    again, with any parents it created, when nothing else was put in them.

    ``record`` names the record file of this kind of run (``run.json``; ``plan.json`` for
    ``coverage-gaps plan``): it is moved into place last, and the files of the previous record
    of that name that this run did not write again are removed (another kind's files stay).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        record: str = RECORD_NAME,
        inputs: Mapping[str, Path] | None = None,
    ) -> None:
        self.path = Path(path)
        self.record = record
        #: The run's input files by the option that gives them: never replaced or removed.
        self.inputs = dict(inputs or {})
        self.staging = self.path / f"{STAGING_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._lock = self.path / LOCK_NAME
        self._locked = False
        self._created: list[Path] = []  # the folders this run made, deepest first
        self._committed = False

    def __enter__(self) -> OutputFolder:
        missing = self.path
        while not missing.exists() and missing != missing.parent:
            self._created.append(missing)
            missing = missing.parent
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise OutputError(
                f"--out {self.path} is a file, not a folder; choose another --out"
            ) from None
        except OSError as exc:
            raise output_error(self.path, exc) from None
        self._take_lock()
        try:
            self.sweep()
            self.staging.mkdir()
        except OSError as exc:
            self._release()
            raise output_error(self.staging, exc) from None
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            shutil.rmtree(self.staging)
        self._release()
        if not self._committed:
            for folder in self._created:
                try:
                    folder.rmdir()  # only when empty
                except OSError:
                    break

    # -- the lock ------------------------------------------------------------------------------

    def _take_lock(self) -> None:
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        for _ in range(2):
            try:
                fd = os.open(self._lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder is not None and self._stale(holder):
                    log.warning("removing the stale lock of pid %s in %s", holder["pid"], self.path)
                    with contextlib.suppress(FileNotFoundError):
                        self._lock.unlink()
                    continue
                who = (
                    f"pid {holder['pid']} on {holder['host']}, since "
                    f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(holder['started']))}"
                    if holder
                    else "another run"
                )
                raise OutputError(
                    f"{self.path} is being written by another run ({who}); wait for it to "
                    f"finish, choose another --out, or remove {self._lock} if that run is gone"
                ) from None
            except OSError as exc:
                raise output_error(self._lock, exc) from None
            with os.fdopen(fd, "w") as fh:
                json.dump(me, fh)
            self._locked = True
            return
        raise OutputError(f"could not lock {self.path}; remove {self._lock} and try again")

    def _holder(self) -> dict[str, Any] | None:
        try:
            holder = json.loads(self._lock.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(holder, dict) or not {"pid", "host", "started"} <= set(holder):
            return None
        return holder

    @staticmethod
    def _stale(holder: dict[str, Any]) -> bool:
        """A lock of this host whose process is gone."""
        return holder["host"] == socket.gethostname() and not _pid_alive(int(holder["pid"]))

    def _release(self) -> None:
        if self._locked:
            with contextlib.suppress(FileNotFoundError):
                self._lock.unlink()
            self._locked = False

    # -- sweeping and committing ---------------------------------------------------------------

    def sweep(self) -> list[Path]:
        """Remove the staging folders and temporary files that killed runs left behind (the
        folder is locked, so none belongs to a live run)."""
        removed = []
        for entry in self.path.iterdir():
            if entry.name.startswith(STAGING_PREFIX) and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
            elif entry.name.startswith(TEMP_PREFIX) and entry.is_file():
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
        if removed:
            log.info("removed %d leftovers of earlier runs in %s", len(removed), self.path)
        return removed

    def previous_files(self) -> list[Path]:
        """The files the last completed run of this kind into this folder wrote (from its
        record)."""
        try:
            record = json.loads((self.path / self.record).read_text(encoding="utf-8"))
            names = [f["name"] if isinstance(f, dict) else f for f in record.get("files", [])]
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            return []
        return [self.path / str(n) for n in names if _plain_name(str(n)) and str(n) != self.record]

    def input_at(self, path: Path) -> str | None:
        """The option whose input file ``path`` is (the same file, through any link), or
        ``None``."""
        try:
            st = path.stat()
        except OSError:
            return None
        for key, given in self.inputs.items():
            try:
                same = os.path.samestat(st, Path(given).stat())
            except OSError:
                continue
            if same:
                return "--" + key.split("[")[0].replace("_", "-")
        return None

    def commit(self, staged: Iterable[Path]) -> tuple[list[Path], list[Path]]:
        """Move the ``staged`` files into the output folder (the run record last), and remove
        the previous run's files that this run did not write.

        Returns
        -------
        written, removed
            The final paths of the files, and the earlier outputs removed.
        """
        staged = list(staged)
        self._committed = True
        for f in staged:
            if f.parent != self.staging:
                raise ValueError(f"{f} is not in the staging folder {self.staging}")
        record = [f for f in staged if f.name == self.record]
        # Only a run that writes a record replaces the files of the record before it (the
        # progress files written beside a run leave the run's files alone).
        previous = self.previous_files() if record else []
        for f in staged:
            option = self.input_at(self.path / f.name)
            if option is not None:
                raise OutputError(
                    f"{self.path / f.name} is the {option} input; this run would replace it "
                    "with an output of the same name: move the input out of the folder or "
                    "choose another --out (nothing was written)"
                )
        ordered = [f for f in staged if f.name != self.record] + record
        written: list[Path] = []
        for f in ordered:
            final = self.path / f.name
            try:
                os.replace(f, final)
            except OSError as exc:
                raise output_error(final, exc) from None
            written.append(final)
        names = {f.name for f in written}
        removed = []
        for old in previous:
            if old.name not in names and old.is_file() and self.input_at(old) is None:
                with contextlib.suppress(OSError):
                    old.unlink()
                    removed.append(old)
        return written, removed


def _plain_name(name: str) -> bool:
    """Whether ``name`` is a plain file name inside the folder on any system (no separator of
    POSIX or Windows, no drive, not ``.``/``..``, not the run record)."""
    return (
        bool(name) and not any(c in name for c in "/\\:") and name not in (".", "..", RECORD_NAME)
    )
