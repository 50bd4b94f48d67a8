"""``coverage-gaps provinces``."""

from __future__ import annotations

from click.testing import CliRunner

from coverage_gaps.cli.main import cli


def test_lists_provinces_with_counts(tiny_world: dict) -> None:
    result = CliRunner().invoke(cli, ["provinces", "--villages", str(tiny_world["villages"])])
    assert result.exit_code == 0
    assert result.output.split() == ["Lào", "Cai", "3"]


def test_missing_file_is_a_usage_error(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["provinces", "--villages", str(tmp_path / "x.gpkg")])
    assert result.exit_code == 2 and "does not exist" in result.output
