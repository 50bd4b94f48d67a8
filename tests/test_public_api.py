"""The public API's shape: every ``__all__`` names what exists, the package ships its types and
its version, and nothing outside the package (tests, benchmarks) reaches into a private name."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import coverage_gaps as cg

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> list[str]:
    names = ["coverage_gaps"]
    for info in pkgutil.walk_packages(cg.__path__, "coverage_gaps."):
        if info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_every_all_names_public_things_that_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        return
    assert len(exported) == len(set(exported)), f"{name}.__all__ lists a name twice"
    for attr in exported:
        private = attr.startswith("_") and not attr.startswith("__")
        assert not private, f"{name}.__all__ exports the private {attr}"
        assert hasattr(module, attr), f"{name}.__all__ names {attr}, which it does not define"


def test_the_top_level_api() -> None:
    for attr in ("run", "RunConfig", "read_villages", "read_towers", "collapse_sites"):
        assert attr in cg.__all__
    for sub in ("io", "coverage", "outputs"):
        assert sub in cg.__all__ and getattr(cg, sub).__all__
    assert cg.__version__ == importlib.metadata.version("coverage-gaps")
    assert (Path(cg.__file__).parent / "py.typed").is_file()


def test_planning_loads_on_first_use() -> None:
    """``import coverage_gaps`` and the CLI leave the planning core unloaded until a planning
    name is used, and the lazy names are the planning module's own."""
    code = (
        "import sys, coverage_gaps as cg, coverage_gaps.cli.main\n"
        "assert 'coverage_gaps.planning' not in sys.modules\n"
        "assert {'planning', 'plan_area', 'AreaPlan'} <= set(dir(cg))\n"
        "from coverage_gaps import plan_area\n"
        "import coverage_gaps.planning.geo as geo\n"
        "assert plan_area is geo.plan_area and cg.AreaPlan is geo.AreaPlan\n"
        "assert cg.planning is sys.modules['coverage_gaps.planning']\n"
        "try:\n"
        "    cg.no_such_name\n"
        "except AttributeError as exc:\n"
        "    assert 'no_such_name' in str(exc)\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _private_reaches(source: str) -> list[str]:
    """Each use of a private coverage_gaps name in ``source``: ``from coverage_gaps.x import
    _y``, a private module in a dotted path, ``module._y`` on an imported coverage_gaps module,
    and a private name in a string that names a coverage_gaps path (``monkeypatch.setattr``'s
    ``"coverage_gaps.x._y"``, code run in a subprocess)."""

    def private(part: str) -> bool:
        return part.startswith("_") and not part.startswith("__")

    tree = ast.parse(source)
    found: list[str] = []
    modules: set[str] = set()  # local names bound to coverage_gaps modules or objects
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coverage_gaps"):
            assert node.module is not None
            if any(private(p) for p in node.module.split(".")):
                found.append(node.module)
            for alias in node.names:
                if private(alias.name):
                    found.append(f"{node.module}.{alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("coverage_gaps"):
                    if any(private(p) for p in alias.name.split(".")):
                        found.append(alias.name)
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in modules:
                found.append(ast.unparse(node))
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("setattr"):
            args = node.args
            if (
                len(args) >= 2
                and isinstance(args[0], ast.Name)
                and args[0].id in modules
                and isinstance(args[1], ast.Constant)
                and isinstance(args[1].value, str)
                and private(args[1].value)
            ):
                found.append(f"{args[0].id}.{args[1].value}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for word in node.value.replace(":", " ").replace("(", " ").split():
                if word.startswith("coverage_gaps.") and any(private(p) for p in word.split(".")):
                    found.append(word)
    return found


def test_the_private_name_finder_finds_each_kind_of_reach() -> None:
    source = """
import coverage_gaps.cli._common
from coverage_gaps.planning.core import _Kernel, max_covering
from coverage_gaps.outputs import webmap
from coverage_gaps import zonal as z
webmap._encode(None)
z._reduce._cache
monkeypatch.setattr(webmap, "_has_matplotlib", lambda: False)
monkeypatch.setattr("coverage_gaps.runner._read", None)
webmap.encode_geometry(None)
other._private()
"""
    assert set(_private_reaches(source)) == {
        "coverage_gaps.cli._common",
        "coverage_gaps.planning.core._Kernel",
        "webmap._encode",
        "z._reduce._cache",
        "z._reduce",
        "webmap._has_matplotlib",
        "coverage_gaps.runner._read",
    }


def test_tests_and_benchmarks_use_only_public_names() -> None:
    files = sorted([*(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")])
    assert len(files) > 20
    reaches = {
        f"{path.relative_to(ROOT)}: {reach}"
        for path in files
        if path.name != Path(__file__).name
        for reach in _private_reaches(path.read_text(encoding="utf-8"))
    }
    assert not reaches, "private names used outside the package:\n" + "\n".join(sorted(reaches))


#: Private modules a subpackage keeps for its own modules (not part of any face).
PACKAGE_PRIVATE_MODULES = {"coverage_gaps.io._vector"}


def test_modules_share_only_public_names_and_compiled_kernels() -> None:
    """Inside the package a module uses another's private name only for a numba kernel (a
    private function on plain arrays that other kernels call, as xarray-spatial does) or from
    a subpackage's own private module; every other shared helper is public."""
    from numba.core.registry import CPUDispatcher

    odd = []
    for path in sorted((ROOT / "coverage_gaps").rglob("*.py")):
        for reach in _private_reaches(path.read_text(encoding="utf-8")):
            if reach in PACKAGE_PRIVATE_MODULES:
                continue
            module, _, name = reach.rpartition(".")
            try:
                shared = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                shared = None
            if not isinstance(shared, CPUDispatcher):
                odd.append(f"{path.relative_to(ROOT)}: {reach}")
    assert not odd, "private names shared between modules:\n" + "\n".join(odd)
