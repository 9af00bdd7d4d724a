"""Layout of the reports and lessons in Debian's Chromium: sizes, themes, nothing cut, nothing fetched.

Each page is opened at 1366x768 and 1920x1080, in the light and the dark
colour scheme (``prefers-color-scheme``), with every request other than the
file itself blocked and counted (there must be none). At the start, the
failure and the end of the run, :func:`browser_util.layout_problems` must
find nothing in the player or the page around it: no element sticking out
of its panel, no control or panel on top of another, no text cut short, no
text below the minimum size (16 px at 1920x1080 and in presentation mode,
14 px otherwise), and text contrast of at least 4.5:1 (3:1 for chart
labels). Presenting a lesson at 1366x768 (every built-in lesson, every
stop) also fits the window: neither the page nor the presented player
scrolls, and the stop's text, its question and every control are on screen
whole, not in a box scrolled away. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import pytest
from browser_util import PAINTED, SCROLLS, layout_problems, open_offline, save_screenshot

from zswapviz.lessons import builtin_lessons
from zswapviz.report import export_comparison, export_html, export_lesson

pytestmark = pytest.mark.slow

SCREENS = [(1366, 768), (1920, 1080)]
SCHEMES = ["light", "dark"]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A report of a 16-page failure, of a 2 MiB THP, a comparison and a lesson."""
    out = tmp_path_factory.mktemp("layout")
    return {
        "demo": export_html("demo", out / "demo.html"),
        "thp-2m": export_html("thp-2m", out / "thp-2m.html"),
        "compare": export_comparison("bug-6.13", ["6.13", "6.14"], out / "compare.html"),
        "lesson": export_lesson("ref-debate", out / "lesson.html", answers=True),
    }


def _open(browser, path, size, scheme, fragment=""):
    return open_offline(browser, path, fragment, viewport=size, color_scheme=scheme, timeout=20_000)


def _problems(page, scope, size, present=False):
    min_font = 16 if present or size[0] >= 1920 else 14
    return layout_problems(page, scope, min_font=min_font, min_contrast=4.5)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["demo", "thp-2m", "compare"])
def test_a_report_reads_at_every_size_and_theme(browser, pages, name, size, scheme):
    """At the start, the failure and the end, nothing in the report is cut, overlapping, too small or too faint."""
    opened = _open(browser, pages[name], size, scheme)
    page = opened.page
    try:
        found = {}
        for where in ("start", "failure", "end"):
            if where != "start":
                for root in page.locator(".zvp-root").all():
                    button = root.locator(f"[data-act='{where}']")
                    if button.is_enabled():
                        button.click()
            found[where] = _problems(page, "main", size)
        save_screenshot(page, f"layout-{name}-{size[0]}x{size[1]}-{scheme}.png")
        assert opened.requests == [] and opened.log.unexpected() == []
        assert found == {"start": [], "failure": [], "end": []}
    finally:
        opened.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_lesson_presents_at_every_size_and_theme(browser, pages, size, scheme):
    """#present fills the window with the lesson; every frame fits, reads at 16 px or more and is not cut."""
    opened = _open(browser, pages["lesson"], size, scheme, "#present")
    page = opened.page
    try:
        root = page.locator(".zvp-root").first
        assert root.get_attribute("data-present") == "1"
        box = root.bounding_box()
        assert box["width"] >= size[0] - 1 and box["height"] >= size[1] - 1
        frames = int(page.evaluate("JSON.parse(document.getElementById('zv-data-0').textContent).frames.length"))
        found = {}
        for f in range(frames):
            assert root.get_attribute("data-frame") == str(f)
            page.evaluate(PAINTED)
            problems = _problems(page, ".zvp-root", size, present=True) + page.evaluate(SCROLLS)
            if problems:
                found[f] = problems
            if f == 2:
                save_screenshot(page, f"layout-lesson-present-{size[0]}x{size[1]}-{scheme}.png")
            page.keyboard.press("n")
        assert opened.requests == [] and opened.log.unexpected() == []
        assert found == {}
    finally:
        opened.close()


@pytest.fixture(scope="module")
def lessons(tmp_path_factory):
    """Every built-in lesson's page, the teacher's edition (the longest stops: the teacher's answers shown)."""
    out = tmp_path_factory.mktemp("lessons")
    return {name: export_lesson(name, out / f"{name}.html", answers=True) for name in sorted(builtin_lessons())}


@pytest.mark.parametrize("name", sorted(builtin_lessons()))
def test_every_lesson_presents_at_1366x768_without_scrolling(browser, lessons, name):
    """Presenting each built-in lesson at 1366x768: every frame fits the window, nothing cut, overlapping or below 16 px."""
    opened = _open(browser, lessons[name], (1366, 768), "light", "#present")
    page = opened.page
    try:
        root = page.locator(".zvp-root").first
        assert root.get_attribute("data-present") == "1"
        frames = int(page.evaluate("JSON.parse(document.getElementById('zv-data-0').textContent).frames.length"))
        found, longest = {}, 0.0
        for f in range(frames):
            assert root.get_attribute("data-frame") == str(f)
            page.evaluate(PAINTED)
            problems = _problems(page, ".zvp-root", (1366, 768), present=True) + page.evaluate(SCROLLS)
            if problems:
                found[f] = problems
            height = page.locator(".zvp-lesson").bounding_box()["height"]
            if height > longest:   # the longest stop so far, where space is tightest
                longest = height
                save_screenshot(page, f"layout-lesson-present-1366x768-{name}-longest.png")
            page.keyboard.press("n")
        assert opened.requests == [] and opened.log.unexpected() == []
        assert found == {}
    finally:
        opened.close()
