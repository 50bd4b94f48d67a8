"""Wall clock, CPU time and peak memory of a child process, measured from a small launcher.

A child forked from a large benchmark process starts with the parent's resident memory as its
high-water mark, and Linux carries that mark across ``exec`` into ``ru_maxrss``: every child of
a benchmark that has made 1.7 GB of inputs reports a peak of at least 1.7 GB.  So the command is
started by a fresh, small Python process (the launcher), which forks and execs it and reports
its ``os.wait4`` usage; the figures then are the command's own.  The wall clock is taken in the
launcher, around the fork and the wait, and leaves the launcher's own start-up out.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["measure"]

LAUNCHER = """
import json, os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump({"wall_s": time.perf_counter() - t0, "status": os.waitstatus_to_exitcode(status),
               "user_s": usage.ru_utime, "sys_s": usage.ru_stime,
               "peak_gb": usage.ru_maxrss / 1024**2}, f)
"""


def measure(cmd: list[str], **popen: Any) -> dict[str, Any]:
    """Run ``cmd`` to its end; ``wall_s``, ``user_s``, ``sys_s``, ``peak_gb`` (its own peak
    resident memory), ``returncode``, ``stdout`` and ``stderr`` (text).  ``popen`` goes to
    :class:`subprocess.Popen` (``cwd``, ``env``)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "usage.json"
        proc = subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(report), *cmd],
            capture_output=True,
            check=False,
            **popen,
        )
        if not report.exists():  # the launcher itself failed (the command could not start)
            return {"returncode": proc.returncode or 1, "stdout": "",
                    "stderr": proc.stderr.decode(errors="replace"), "wall_s": float("nan"),
                    "user_s": 0.0, "sys_s": 0.0, "peak_gb": float("nan")}  # fmt: skip
        usage = json.loads(report.read_text())
    return {
        "wall_s": usage["wall_s"],
        "user_s": usage["user_s"],
        "sys_s": usage["sys_s"],
        "peak_gb": usage["peak_gb"],
        "returncode": usage["status"],
        "stdout": proc.stdout.decode(errors="replace"),
        "stderr": proc.stderr.decode(errors="replace"),
    }


if __name__ == "__main__":  # a check: a child that touches 200 MB reports about 0.2 GB
    touch = "b = bytearray(200 * 2**20)\nfor i in range(0, len(b), 4096): b[i] = 1"
    r = measure([sys.executable, "-c", touch])
    print(json.dumps({k: v for k, v in r.items() if k not in ("stdout", "stderr")}))
