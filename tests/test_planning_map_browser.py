"""The plan's map opened in headless Chromium with the network off: the proposed sites are drawn,
numbered in rank order, with their layers and legend, and nothing fails.  Skipped without the
``playwright`` package or Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from coverage_gaps.outputs import AreaTarget
from coverage_gaps.planning import plan_area
from coverage_gaps.planning.outputs import write_plan_map
from coverage_gaps.settings import CoverageOptions, OutputOptions, PlanOptions
from tests import browser_support as bs
from tests.test_planning_geo import RADIUS, analysed

pytestmark = pytest.mark.browser
pytest.importorskip("highspy", reason="planning needs the extra 'plan'")


def test_plan_map_draws_the_proposed_sites(tmp_path: Path) -> None:
    browser = bs.browser_or_skip()
    try:
        plan = plan_area(
            analysed(),
            PlanOptions(n_sites=3, candidate_spacing_m=1400, curve_points=0),
            coverage=CoverageOptions(fixed_radii_m={"LTE": RADIUS}),
        )
        target = AreaTarget(tmp_path, "tinh", OutputOptions(out_dir=tmp_path, lang="en"))
        (path,) = write_plan_map(plan, target)
        with browser.open(path) as page:
            assert page.problems() == {"page_errors": [], "dialogs": [], "errors": []}
            assert not page.failed_resources() or all(
                u.startswith("http") for u in page.failed_resources()
            )  # only the optional tiles, offline
            labels = page.evaluate(
                "Array.from(document.querySelectorAll('.cg-plan-site')).map(e => e.textContent)"
            )
            assert labels == ["1", "2", "3"]
            assert page.evaluate("window.cgLayers.plan.getLayers().length") == 3
            assert page.evaluate("!!window.cgLayers['plan-coverage']")
            legend = page.evaluate(
                "document.querySelector('#coverage-gaps-legend section[data-layer=plan]')"
                ".textContent"
            )
            assert "new mast" in legend
            tip = page.evaluate(
                "(() => { const m = window.cgLayers.plan.getLayers()[0]; m.openTooltip();"
                " return m.getTooltip().getElement().textContent; })()"
            )
            assert "Proposed site 1" in tip and str(plan.sites["site_id"].iloc[0]) in tip
    finally:
        browser.close()
