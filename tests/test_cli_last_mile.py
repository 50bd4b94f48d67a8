"""The command line's last mile: quiet libraries, the first-run note, progress, what to open."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from coverage_gaps.cli import common
from coverage_gaps.cli.main import cli
from coverage_gaps.errors import CoverageGapsWarning

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
LIBRARIES = ("distributed.scheduler", "rasterio._env", "pyogrio._io", "fiona", "numba.core")
#: A log line as the command line writes it: "LEVEL logger: message".
LOG_LINE = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+): ")


@pytest.fixture
def verbosity() -> Iterator[None]:
    yield
    common.configure_logging(0)


def _emit_everywhere() -> None:
    for name in LIBRARIES:
        lib = logging.getLogger(name)
        lib.debug("lib debug %s", name)
        lib.info("lib info %s", name)
        lib.warning("lib warning %s", name)
    ours = logging.getLogger("coverage_gaps.runner")
    ours.debug("ours debug")
    ours.info("ours info")
    ours.warning("ours warning")


def test_other_libraries_log_lines_stay_out(
    capsys: pytest.CaptureFixture[str], verbosity: None
) -> None:
    for level, shown in (
        (0, {"ours warning"}),
        (1, {"ours warning", "ours info"}),
        (2, {"ours warning", "ours info", "ours debug"}),
    ):
        common.configure_logging(level)
        _emit_everywhere()
        err = capsys.readouterr().err
        assert "lib " not in err, (level, err)
        assert {m for m in ("ours debug", "ours info", "ours warning") if m in err} == shown
    # their errors still show (they may explain a failure), and -vvv shows everything
    common.configure_logging(2)
    logging.getLogger("rasterio._env").error("lib error")
    assert "ERROR rasterio._env: lib error" in capsys.readouterr().err
    common.configure_logging(3)
    logging.getLogger("numba.core").debug("lib debug numba")
    assert "lib debug numba" in capsys.readouterr().err


def test_other_libraries_warnings_only_at_vv(
    capsys: pytest.CaptureFixture[str], verbosity: None
) -> None:
    common.configure_logging(1)
    common.show_warning(UserWarning("Port 8787 is already in use"), UserWarning, "node.py", 196)
    common.show_warning(
        CoverageGapsWarning("3 villages in no province"), CoverageGapsWarning, "a", 1
    )
    err = capsys.readouterr().err
    assert "8787" not in err and "Warning: 3 villages in no province" in err
    common.configure_logging(2)
    common.show_warning(UserWarning("Port 8787 is already in use"), UserWarning, "node.py", 196)
    assert "Warning (UserWarning, node.py:196): Port 8787" in capsys.readouterr().err


def test_first_run_says_it_compiles(
    tiny_world: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import run_args

    for cached, said in ((False, True), (True, False), (None, False)):
        monkeypatch.setattr(common, "kernels_cached", lambda c=cached: c)
        result = CliRunner().invoke(cli, run_args(tiny_world, tmp_path / str(cached)))
        assert result.exit_code == 0, result.output
        assert (common.FIRST_RUN in result.stderr) is said
    monkeypatch.setattr(common, "kernels_cached", lambda: False)
    quiet = CliRunner().invoke(cli, ["-q", *run_args(tiny_world, tmp_path / "q")])
    assert common.FIRST_RUN not in quiet.stderr


def test_kernels_cached_reads_numba_s_cache(tiny_world: dict, tmp_path: Path) -> None:
    from tests.helpers import run_args

    # a run compiles (and caches) every kernel it uses
    result = CliRunner().invoke(cli, ["-q", *run_args(tiny_world, tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert common.kernels_cached() is True
    # a process whose numba cache folder is empty has nothing compiled yet
    code = "from coverage_gaps.cli.common import kernels_cached; print(kernels_cached())"
    empty = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")},
        check=True,
    )
    assert empty.stdout.strip() == "False"


def test_demo_with_workers_at_vv(tmp_path: Path) -> None:
    """A real run on two worker processes at -vv: the areas are counted with the elapsed time,
    our debug lines show, no other library's log line or port warning does."""
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "coverage_gaps", "-vv", "demo", "--model", "disc",
         "--outputs", "csv", "--workers", "2", "--out", str(out), "--data", str(DATA)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.splitlines()
    names = {m[2] for m in map(LOG_LINE.match, err) if m}
    assert names and all(n.startswith("coverage_gaps") for n in names), names
    assert any(line.startswith("DEBUG coverage_gaps.runner") for line in err)
    assert "Starting 2 local workers ..." in err
    done = [
        line for line in err if re.match(r"\[[12]/2\] .+ done in [\d.]+ s \(\d+ s elapsed\)", line)
    ]
    assert len(done) == 2, err
    assert not [line for line in err if "8787" in line or "distributed" in line]
    # the run's page and what to open next
    assert any(line.strip().endswith(str(out / "index.html")) for line in err)


def test_demo_says_what_to_open(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--model", "disc", "--outputs", "csv,xlsx,html", "--out", str(tmp_path),
              "--data", str(DATA)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("Wrote ")))
    shown = [line.split()[-1] for line in lines[start + 1 : start + 4]]
    assert shown == [
        str(tmp_path / "index.html"),
        str(tmp_path / "lai-chau.html"),  # the province with the most dead zones
        str(tmp_path / "lai-chau-to-fix.xlsx"),
    ]
    assert all(Path(p).is_file() for p in shown)
    # serial progress: each area announced, then done, with the elapsed time
    assert any(re.match(r"\[1/2\] Lai Châu \(\d+ villages\) \.\.\.", line) for line in lines)
    assert any(
        re.match(r"\[2/2\] Lào Cai done in [\d.]+ s \(\d+ s elapsed\)", line) for line in lines
    )


def test_files_to_open_follow_the_names_the_files_were_written_under() -> None:
    """Two provinces whose names give one slug: the second's files are ``lao-cai-2*``, and the
    province with more dead zones is the one whose map the run points to."""
    import pandas as pd

    from coverage_gaps.runner import RunSummary

    folder = Path("/out")
    names = ["lao-cai.html", "lao-cai-to-fix.xlsx", "lao-cai-2.html", "lao-cai-2-to-fix.xlsx"]
    summary = RunSummary(
        summary=pd.DataFrame({"province": ["Lào Cai", "Lao Cai"], "dead_zone": [1, 5]}),
        files=[folder / n for n in [*names, "index.html"]],
        notes=[],
        slugs=["lao-cai", "lao-cai-2"],
    )
    shown = [(label, path.name) for label, path in common.files_to_open(summary)]
    assert shown == [
        ("Open the run's page in a browser:", "index.html"),
        ("The map of Lao Cai:", "lao-cai-2.html"),
        ("Its villages to fix first:", "lao-cai-2-to-fix.xlsx"),
    ]
