"""``progress``: dark villages at several dates from one tower file, and their trend."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import coverage_gaps as cg
from coverage_gaps.cli.main import cli
from coverage_gaps.progress import progress_over_time, trends
from tests.helpers import X0, Y0, cell_row, most_decimals, run_args, saved_figures, write_cells

T2020 = 1_580_515_200  # 2020-02-01
T2023 = 1_675_209_600  # 2023-02-01


def test_trend_by_hand() -> None:
    table = pd.DataFrame(
        {
            "date": ["2024-01-01", "2024-07-01", "2025-01-01"],  # 182 and 184 days apart
            "province": "P",
            "dark": [100, 80, 60],
        }
    )
    got = trends(table, deadline=date(2025, 6, 30)).iloc[0]
    # least squares through (0, 100), (182, 80), (366, 60): slope -40/366 per day (exactly,
    # the points being on a line to within 0.04 villages)
    slope = -40 / 366
    assert got["rate_per_month"] == pytest.approx(-slope * 30.4375, abs=0.01)
    # the last 60 at 40/366 a day: 549 days after 2025-01-01
    expected_done = date.fromordinal(date(2025, 1, 1).toordinal() + 549)
    got_done = date.fromisoformat(got["projected_done"])
    assert abs(got_done.toordinal() - expected_done.toordinal()) <= 1
    # 2025-06-30 is after the last date: projected 180 days along the fit
    assert got["dark_at_deadline"] == pytest.approx(60 + slope * 180, abs=0.2)
    inside = trends(table, deadline=date(2024, 7, 1)).iloc[0]
    assert inside["dark_at_deadline"] == 80  # a measured date
    assert not got["on_track"]
    done = trends(table.assign(dark=[5, 2, 0])).iloc[0]
    assert done["projected_done"] == "done"
    flat = trends(table.assign(dark=[5, 5, 6])).iloc[0]
    assert flat["projected_done"] == "" and flat["rate_per_month"] < 0


def test_a_steady_count_or_a_glacial_rate_projects_no_date() -> None:
    """A count that does not change has a slope of exactly 0 (a fit on raw day numbers gave
    -8e-19 and a projected date past year 9999, an OverflowError); a real rate too slow to
    finish before 9999 projects no date either."""
    steady = pd.DataFrame({"date": ["2021-01-01", "2026-01-01"], "province": "P", "dark": 10})
    got = trends(steady, deadline=date(2025, 6, 30)).iloc[0]
    assert str(got["rate_per_month"]) == "0.0" and got["projected_done"] == ""  # not "-0.0"
    assert got["dark_at_deadline"] == 10 and not got["on_track"]
    glacial = steady.assign(dark=[100_000, 99_999])  # one village lit in five years
    got = trends(glacial).iloc[0]
    assert got["projected_done"] == "" and got["rate_per_month"] > 0


def test_progress_follows_the_towers_created_by_each_date(tiny_world: dict, tmp_path: Path) -> None:
    """Village 001 gets a site in 2020, village 002 in 2023: dark villages 2 in 2019, 1 in
    2021, 0 in 2024 (village 003 has no power)."""
    rows = [
        cell_row("LTE", 4, 1000 * 256 + s, X0 + 1000, Y0 + 1000, rng=1500, created=T2020)
        for s in (1, 2)
    ]
    rows += [
        cell_row("LTE", 4, 2000 * 256 + s, X0 + 5000, Y0 + 1000, rng=1500, created=T2023)
        for s in (1, 2)
    ]
    towers = write_cells(rows, tmp_path / "t.csv")
    config = cg.RunConfig(
        inputs=cg.Inputs(
            villages=tiny_world["villages"],
            towers=towers,
            electrified_raster=tiny_world["electrified"],
        ),
        outputs=cg.OutputOptions(out_dir=tmp_path / "o"),
    )
    days = [date(2019, 6, 1), date(2021, 6, 1), date(2024, 6, 1)]
    result = progress_over_time(config, days, deadline=date(2025, 6, 30))
    lao = result.table.loc[result.table["province"] == "Lào Cai"]
    assert lao["dark"].tolist() == [2, 1, 0]
    assert lao["not_electrified"].tolist() == [1, 1, 1]
    total = result.table.loc[result.table["province"] == "(all)"]
    assert total["dark"].tolist() == [2, 1, 0]
    trend = result.trends.set_index("province").loc["Lào Cai"]
    assert trend["projected_done"] == "done" and bool(trend["on_track"])
    with pytest.raises(cg.SettingsError, match="at least two --as-of dates"):
        progress_over_time(config, [date(2024, 1, 1)])


def test_cli_writes_the_table_the_trends_and_the_plot(tiny_world: dict, tmp_path: Path) -> None:
    out = tmp_path / "o"
    args = [a for a in run_args(tiny_world, out) if a != "run"]
    result = CliRunner().invoke(
        cli,
        [
            "-q",
            "progress",
            *args,
            "--as-of",
            "2019-01-01",
            "--as-of",
            "2021-01-01",
            "--deadline",
            "2020-06-30",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "progress-trends.csv",
        "progress.csv",
        "progress.png",
    ]
    assert (out / "progress.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert most_decimals(out / "progress.csv") <= 3  # 102.57000000000001 km² before
    # Into a run's folder: the run's outputs stay (progress writes no run record).
    run = CliRunner().invoke(cli, ["-q", *run_args(tiny_world, tmp_path / "r"), "--outputs", "csv"])
    assert run.exit_code == 0, run.output
    before = sorted(p.name for p in (tmp_path / "r").iterdir())
    again = CliRunner().invoke(
        cli,
        [
            "-q",
            "progress",
            *args[:-1],
            str(tmp_path / "r"),
            "--as-of",
            "2019-01-01",
            "--as-of",
            "2021-01-01",
        ],
    )
    assert again.exit_code == 0, again.output
    after = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert after == sorted([*before, "progress-trends.csv", "progress.csv", "progress.png"])
    bad = CliRunner().invoke(
        cli, ["progress", *args, "--as-of", "2019-13-01", "--as-of", "2020-01-01"]
    )
    assert bad.exit_code == 2 and "'2019-13-01' is not a date" in bad.output


def test_the_terminal_table_reads_without_a_deadline(tiny_world: dict, tmp_path: Path) -> None:
    """Without --deadline the terminal shows no deadline columns (it printed NaN and <NA>), and a
    province whose dark villages do not decrease says so in words."""
    args = [a for a in run_args(tiny_world, tmp_path / "o") if a != "run"]
    before = ["--as-of", "2010-01-01", "--as-of", "2011-01-01"]  # before any cell was created
    result = CliRunner().invoke(cli, ["-q", "progress", *args, *before])
    assert result.exit_code == 0, result.output
    assert "NaN" not in result.output and "<NA>" not in result.output
    assert "dark_at_deadline" not in result.output and "on_track" not in result.output
    assert "not at this rate" in result.output  # no cell yet: the dark villages stay dark
    trends_csv = pd.read_csv(tmp_path / "o" / "progress-trends.csv", encoding="utf-8-sig")
    assert {"dark_at_deadline", "on_track"} <= set(trends_csv.columns)  # the CSV keeps its columns
    dates = ["--as-of", "2019-01-01", "--as-of", "2021-01-01", "--deadline", "2020-06-30"]
    deadline = CliRunner().invoke(
        cli, ["-q", "progress", *args, *dates, "--out", str(tmp_path / "o2")]
    )
    assert deadline.exit_code == 0, deadline.output
    assert "dark_at_deadline" in deadline.output and "NaN" not in deadline.output
    lines = deadline.output.strip().splitlines()
    at = next(i for i, line in enumerate(lines) if line.split()[:1] == ["province"])
    assert lines[at].split()[-1] == "on_track"
    assert [line.split()[-1] for line in lines[at + 1 :]] == ["no", "no"]  # done 2023-01-02


def test_the_plot_draws_one_province_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A run of one province: its line is the total, so the plot has one line, not two on top
    of each other; two provinces get theirs and the total."""
    from coverage_gaps.outputs.progress import plot_progress
    from coverage_gaps.progress import ProgressResult

    figures = saved_figures(monkeypatch)

    def result(provinces: list[str]) -> ProgressResult:
        rows = [
            {"date": d, "province": p, "dark": dark}
            for d, dark in (("2024-01-01", 4), ("2025-01-01", 2))
            for p in provinces
        ]
        rows += [
            {"date": d, "province": "(all)", "dark": dark * len(provinces)}
            for d, dark in (("2024-01-01", 4), ("2025-01-01", 2))
        ]
        table = pd.DataFrame(rows)
        return ProgressResult(table=table, trends=trends(table), deadline=None, unit="commune")

    plot_progress(result(["Lào Cai"]), tmp_path / "one.png", lang="en")
    plot_progress(result(["Lào Cai", "Điện Biên"]), tmp_path / "two.png", lang="en")
    one, two = ([ln.get_label() for ln in f.axes[0].lines] for f in figures)
    assert one[0] == "Lào Cai" and "all provinces" not in one
    assert two[:3] == ["Lào Cai", "Điện Biên", "all provinces"]
    assert figures[0].axes[0].get_title() == "Dark communes (dead zones and partials)"
