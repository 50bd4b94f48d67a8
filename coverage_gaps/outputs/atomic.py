"""Write-then-rename, so that no reader ever sees a half-written output."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: Temporary files start with this, so that a later run can sweep those a killed run left.
TEMP_PREFIX = ".cg-tmp-"

__all__ = ["TEMP_PREFIX", "atomic_path"]


@contextlib.contextmanager
def atomic_path(final: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; on success rename it to ``final``.

    The temporary file keeps ``final``'s suffix (drivers pick formats by it).  On any exception
    the temporary file is removed and ``final`` is left as it was.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f"{TEMP_PREFIX}{final.stem}-", suffix=final.suffix, dir=final.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # let the writer create it (some drivers refuse an existing empty file)
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException:
        for leftover in (
            tmp,
            Path(str(tmp) + "-journal"),
            Path(str(tmp) + "-wal"),
            Path(str(tmp) + "-shm"),
        ):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise
