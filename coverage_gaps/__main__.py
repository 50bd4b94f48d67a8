"""``python -m coverage_gaps``: the command line, as ``coverage-gaps``."""

from coverage_gaps.cli.main import cli

cli(prog_name="coverage-gaps")
