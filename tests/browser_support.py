"""Headless Chromium for the map tests, through Playwright, with the network off.

The map is one self-contained file, so nothing is rewritten: the page is opened as it is, every
request other than ``file:`` and ``data:`` is aborted (and recorded), script errors and dialogs
are recorded, and ``window.alert``/``confirm``/``prompt`` are hooked before the page's scripts run.

Needs the ``playwright`` Python package (the ``test`` extra) and a Chromium executable (Debian's
``chromium``; ``COVERAGE_GAPS_CHROMIUM`` names another).  :func:`browser_or_skip` says why a test
cannot run when either is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

#: Put before the page's own scripts: records dialogs and script errors.
INIT_SCRIPT = """
(() => {
  window.__cgDialogs = [];
  window.__cgErrors = [];
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = function (msg) { window.__cgDialogs.push(name + ":" + String(msg)); };
  }
  window.__cgFailedResources = [];
  window.addEventListener("error", (e) => {
    if (e instanceof ErrorEvent) {
      window.__cgErrors.push(String(e.message) + " " + (e.filename || ""));
    } else if (e.target && (e.target.src || e.target.href)) {
      window.__cgFailedResources.push(String(e.target.src || e.target.href));
    }
  }, true);
})();
"""


def find_chromium() -> str | None:
    """The Chromium executable: ``$COVERAGE_GAPS_CHROMIUM`` or one on the PATH."""
    env = os.environ.get("COVERAGE_GAPS_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class OpenedPage:
    """A map opened offline, with what it tried to fetch and what went wrong."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def evaluate(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def problems(self) -> dict[str, list[str]]:
        """Uncaught exceptions, dialogs (and calls of the hooked ``alert``...), script errors."""
        recorded = self.page.evaluate("[window.__cgDialogs || [], window.__cgErrors || []]")
        return {
            "page_errors": self.page_errors,
            "dialogs": self.dialogs + recorded[0],
            "errors": recorded[1],
        }

    def failed_resources(self) -> list[str]:
        """URLs of images, scripts or style sheets that did not load."""
        failed: list[str] = self.page.evaluate("window.__cgFailedResources || []")
        return failed


class Browser:
    """One Chromium for a test module; :meth:`open` gives a fresh offline page."""

    def __init__(self, executable: str) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )

    def close(self) -> None:
        self._browser.close()
        self._pw.stop()

    @contextmanager
    def open(
        self, path: Path, *, width: int = 1280, height: int = 900, phone: bool = False
    ) -> Iterator[OpenedPage]:
        ctx = self._browser.new_context(
            viewport={"width": width, "height": height},
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=1,
        )
        page = ctx.new_page()
        opened = OpenedPage(page)

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
            else:
                opened.blocked.append(url)
                r.abort()

        page.route("**/*", route)
        page.add_init_script(INIT_SCRIPT)
        page.on("pageerror", lambda e: opened.page_errors.append(str(e)))
        page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(Path(path).resolve().as_uri(), wait_until="load")
            page.wait_for_function("window.cgPainted !== undefined", timeout=20_000)
            yield opened
        finally:
            ctx.close()


def browser_or_skip() -> Browser:
    """A :class:`Browser`, or skip the test with the reason."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")
    exe = find_chromium()
    if exe is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    return Browser(exe)


def png_pixels(png: bytes) -> Any:
    """A PNG (a screenshot) as an ``(height, width, 3)`` uint8 array, decoded by GDAL."""
    import numpy as np
    from rasterio.io import MemoryFile

    with MemoryFile(png) as mem, mem.open() as src:
        return np.moveaxis(src.read()[:3], 0, -1)
