"""The explorer's layout in a real JupyterLab, in its light and its dark theme, at 1366x768 and 1920x1080.

Notebook 01 is run in JupyterLab (``lab_util``); the explorer is stepped to
its start, its failure and its end, and at each :func:`browser_util.layout_problems`
must find nothing in it: nothing sticking out of its panel, on top of
another control, cut, below 16 px at 1920x1080 (14 px at 1366x768), or
without contrast against JupyterLab's theme (4.5:1, 3:1 for chart labels).
The theme is switched with JupyterLab's own menu (Settings, Theme), live.
No request may leave the machine. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_util import (
    ConsoleLog,
    RequestGuard,
    chromium,
    chromium_path,
    layout_problems,
    save_screenshot,
)
from lab_util import open_and_run_all, start_lab

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01-walkthrough.ipynb"
EXPLORER = ".zswapviz-explorer .zvp-root"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a copy of notebook 01; always stopped afterwards."""
    chromium_path()
    with start_lab(tmp_path_factory.mktemp("lablayout"), [NOTEBOOK]) as server:
        yield server


def _theme(page, name: str) -> None:
    """Pick a theme in JupyterLab's Settings menu and wait until the page uses it."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").first.click()
    page.locator(".lm-Menu-item:visible", has_text="Theme").first.hover()
    page.locator(".lm-Menu-item:visible", has_text=name).first.click()
    page.wait_for_function("name => document.body.dataset.jpThemeName === name", arg=name, timeout=30_000)
    page.wait_for_timeout(500)


def test_the_explorer_reads_in_both_themes_at_both_sizes(lab):
    """Light and dark, 1366x768 and 1920x1080: at the start, the failure and the end nothing is cut, too small or too faint."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        guard = RequestGuard(page, allow=(lab.url, lab.url.replace("http", "ws")))
        log = ConsoleLog(page)
        page.set_default_timeout(60_000)
        open_and_run_all(lab, page, NOTEBOOK.name)
        player = page.locator(EXPLORER).first
        player.wait_for(state="attached", timeout=120_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
        found = {}
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            _theme(page, theme)
            for width, height in ((1366, 768), (1920, 1080)):
                page.set_viewport_size({"width": width, "height": height})
                page.wait_for_timeout(400)
                player.scroll_into_view_if_needed()
                for act in ("start", "failure", "end"):
                    player.locator(f"[data-act='{act}']").click()
                    page.wait_for_timeout(100)
                    problems = layout_problems(page, EXPLORER, min_font=16 if width >= 1920 else 14)
                    if problems:
                        found[(theme, width, act)] = problems
                save_screenshot(player, f"explorer-{theme.split()[-1].lower()}-{width}x{height}.png")
        assert guard.blocked == [], guard.blocked
        assert log.unexpected(("Failed to load resource",)) == []
        assert not found, "\n".join(f"{k}: {p}" for k, ps in found.items() for p in ps)
