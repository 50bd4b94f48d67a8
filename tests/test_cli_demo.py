"""``coverage-gaps demo`` on the bundled data, and the data's reproducibility."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from coverage_gaps.cli.main import cli
from coverage_gaps.synthetic.demo import DemoFiles, make_demo_data

DATA = Path(__file__).resolve().parents[1] / "data"


def test_demo_runs_on_the_bundled_data(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--data", str(DATA), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for slug in ("lai-chau", "lao-cai"):
        for suffix in ("-villages.csv", "-to-fix.csv", ".gpkg", ".html"):
            assert (tmp_path / f"{slug}{suffix}").stat().st_size > 0
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert set(summary["province"]) == {"Lai Châu", "Lào Cai"}
    assert summary["dead_zone"].sum() > 0 and summary["covered"].sum() > 0
    assert summary["uncovered_population"].sum() > 0
    assert "skipped 2 of" in result.output  # the two bad rows planted in the demo towers
    check_the_readme_shows_this_demo(tmp_path, summary)


README = Path(__file__).resolve().parents[1] / "README.md"


def check_the_readme_shows_this_demo(out: Path, summary: pd.DataFrame) -> None:
    """The README's tables of the demo (the run's page and the first rows to fix) are this
    run's figures, as the Vietnamese pages and workbooks write them."""
    from coverage_gaps.outputs import labels

    lines = README.read_text(encoding="utf-8").splitlines()
    for _, p in summary.iterrows():
        shown = [
            p["villages"],
            p["dead_zone"],
            p["partial"],
            p["covered"],
            p["not_electrified"],
        ]
        row = (
            f"| [{p['province']}](#) | "
            + " | ".join(labels.format_number(v, 0, "vi") for v in shown)
            + f" | {labels.format_number(p['uncovered_electrified_km2'], 1, 'vi')}"
            + f" | {labels.format_number(p['uncovered_population'], 0, 'vi')} | {p['sites']} |"
        )
        assert any(line.startswith(row) for line in lines), row
    fix = pd.read_csv(out / "lao-cai-to-fix.csv", dtype={"village_id": str}).head(3)
    for _, v in fix.iterrows():
        row = (
            f"| {v['priority']} | {v['village_id']} | {v['village_name']} | {v['commune']} | "
            f"{labels.status_label(v['status'], 'vi')} | {labels.reasons_text(v['reason'], 'vi')} |"
        )
        assert any(line.startswith(row) for line in lines), row


def test_demo_data_is_made_by_the_code(tmp_path: Path) -> None:
    files = make_demo_data(tmp_path)
    assert not files.missing()
    bundled = DemoFiles(DATA)
    # same seed, same towers and villages as committed
    assert files.towers.read_bytes() == bundled.towers.read_bytes()
    import geopandas as gpd

    a = gpd.read_file(files.villages, layer="villages")
    b = gpd.read_file(bundled.villages, layer="villages")
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
