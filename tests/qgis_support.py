"""Run a few lines of PyQGIS in Debian's own Python (``python3-qgis``), when it is installed.

QGIS is the reader the GeoPackage styles and raster styles are written for, so the tests ask
QGIS itself what it makes of them.  The project's Python is not Debian's, so the check runs in
a subprocess of ``/usr/bin/python3``.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from pathlib import Path

import pytest

QGIS_PYTHON = Path("/usr/bin/python3")

_PRELUDE = """
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import QgsApplication, QgsRasterLayer, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
out = {}
"""


@functools.lru_cache(maxsize=1)
def has_qgis() -> bool:
    if not QGIS_PYTHON.exists():
        return False
    probe = subprocess.run(
        [str(QGIS_PYTHON), "-c", "import qgis.core"], capture_output=True, timeout=60
    )
    return probe.returncode == 0


requires_qgis = pytest.mark.skipif(
    not has_qgis(), reason="QGIS's Python bindings (Debian python3-qgis) are not installed"
)


def run_qgis(script: str, home: Path) -> dict:
    """Run ``script`` after the prelude (``out`` is a dict it fills) and return ``out``."""
    code = _PRELUDE + script + "\nprint('JSON' + json.dumps(out))\n"
    done = subprocess.run(
        [str(QGIS_PYTHON), "-c", code],
        capture_output=True,
        text=True,
        timeout=180,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
             "LANG": os.environ.get("LANG", "C.UTF-8")},
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("JSON")]
    assert done.returncode == 0 and lines, done.stderr[-2000:]
    return json.loads(lines[-1][4:])
