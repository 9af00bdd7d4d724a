"""The walkthrough notebook in a real JupyterLab, driven through Debian's Chromium.

JupyterLab runs on 127.0.0.1 with a token and fresh settings
(:mod:`lab_util`) on a copy of ``notebooks/01-walkthrough.ipynb``.
Playwright runs all cells through the menu and drives the explorer as a
class would: the step buttons, the keyboard (arrows, f, End, Home, a page
number then g), the "your kernel" panel, "Export HTML", and the lesson
explorer to its last stop. What the page shows is compared with the view
model Python computed for the same run. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_util import (
    PAINTED,
    SCROLLS,
    ConsoleLog,
    RequestGuard,
    chromium,
    chromium_path,
    layout_problems,
    save_screenshot,
)
from lab_util import Lab, open_and_run_all, start_lab

from zswapviz import builtin_scenarios
from zswapviz.lessons import load_lesson
from zswapviz.views.frames import View
from zswapviz.views.viewmodel import view_model

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01-walkthrough.ipynb"
UI_TIMEOUT_MS = 60_000
STEP_TIMEOUT_MS = 20_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a copy of notebook 01; always stopped afterwards."""
    chromium_path()  # fail early and clearly when the browser is missing
    with start_lab(tmp_path_factory.mktemp("lab"), [NOTEBOOK]) as server:
        yield server


def _shown(player) -> dict:
    """What one player shows now: step, title line, sentence, cell states, the framed cell's place."""
    return player.evaluate("""root => ({
        step: Number(root.dataset.step),
        call: root.querySelector('.zvp-call').textContent,
        text: root.querySelector('.zvp-text').textContent,
        badge: root.querySelector('.zvp-badge-text').textContent,
        cells: Array.from(root.querySelectorAll('svg[data-panel=grid] rect.zvp-cell')).map(r => r.getAttribute('data-state')),
        here: root.querySelector('.zvp-here').getAttribute('data-page'),
    })""")


def _check(player, view: View, k: int) -> dict:
    shown = _shown(player)
    frame = view.frame(k)
    assert shown["step"] == k
    assert shown["call"] == frame["title"] and shown["text"] == frame["sentence"]
    assert shown["cells"] == frame["cells"]
    assert frame["badge"]["summary"] in shown["badge"]
    assert shown["here"] == ("" if frame["page"] is None else str(frame["page"]))
    return shown


def _wait_step(page, player, k: int) -> None:
    page.wait_for_function("([el, k]) => el.dataset.step === String(k)", arg=[player.element_handle(), k],
                           timeout=STEP_TIMEOUT_MS)


def test_walkthrough_explorer_steps_in_jupyterlab(lab):
    """Run All on notebook 01 shows the explorer; buttons and keys step it in the browser, frame by frame as the view model says."""
    trace = builtin_scenarios()["demo"].run()
    view = View(view_model(trace))
    failure = trace.failure_index
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 2000})
        guard = RequestGuard(page, allow=(lab.url, lab.url.replace("http", "ws")))
        log = ConsoleLog(page)
        page.set_default_timeout(UI_TIMEOUT_MS)
        open_and_run_all(lab, page, NOTEBOOK.name)
        player = page.locator(".zswapviz-explorer .zvp-root").first
        try:
            player.wait_for(state="attached", timeout=90_000)
        except Exception:
            save_screenshot(page, "explorer-lab-failed.png")
            raise
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
        player.scroll_into_view_if_needed()
        first = _check(player, view, 0)

        player.locator("[data-act=next]").click()
        _wait_step(page, player, 1)
        _check(player, view, 1)
        player.locator("[data-act=failure]").click()
        _wait_step(page, player, failure)
        at_failure = _check(player, view, failure)
        assert at_failure["here"] == str(trace.steps[failure].page) != first["here"]
        assert trace.steps[failure].text == at_failure["text"]
        save_screenshot(page.locator(".zswapviz-explorer").first, "explorer-lab.png")

        player.focus()
        page.keyboard.press("Home")
        _wait_step(page, player, 0)
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        _wait_step(page, player, 2)
        _check(player, view, 2)
        page.keyboard.press("f")
        _wait_step(page, player, failure)
        page.keyboard.press("End")
        _wait_step(page, player, len(trace) - 1)
        end = _check(player, view, len(trace) - 1)
        assert set(end["cells"]) == {"disk"}  # where each page went after the failed store
        page.keyboard.press("9")
        page.keyboard.press("g")
        target = view.vm["marks"]["page_first"][9]
        _wait_step(page, player, target)
        _check(player, view, target)

        _your_kernel_and_export(lab, page)
        _lesson_to_its_end(page)
        _lesson_presents_at_1366x768(page)

        errors = log.unexpected(ignore=("net::ERR_FAILED", "Failed to load resource"))
        assert not log.page_errors, log.page_errors
        assert not [e for e in errors if "widget" in e.lower() or "zswapviz" in e.lower()], errors
        assert guard.allowed > 0 and not guard.blocked, guard.blocked


def _your_kernel_and_export(lab: Lab, page) -> None:
    """The first explorer's "your kernel" toggle shows this machine's kernel; Export HTML writes the report and says where."""
    explorer = page.locator(".zswapviz-explorer").first
    explorer.locator(".zswapviz-kernel-toggle").click()
    panel = explorer.locator(".zswapviz-kernel-panel")
    panel.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    text = panel.inner_text()
    assert f"Your kernel: {os.uname().release}" in text and "Refresh" in text
    name = explorer.locator(".zswapviz-export-name input")
    name.fill("from-the-browser.html")
    name.press("Enter")
    explorer.locator(".zswapviz-export").click()
    status = explorer.locator(".zswapviz-export-status")
    page.wait_for_function("el => el.innerText.includes('Wrote')", arg=status.element_handle(),
                           timeout=STEP_TIMEOUT_MS)
    written = lab.root / "from-the-browser.html"
    assert written.is_file() and str(written.resolve()) in status.inner_text()
    assert written.read_bytes().startswith(b"<!DOCTYPE html")
    save_screenshot(explorer, "explorer-lab-kernel.png")



def _lesson_to_its_end(page) -> None:
    """The notebook's lesson explorer: next stop reveals each answer, then moves on, to the lesson's last stop."""
    lesson = load_lesson("walkthrough-64k")
    ref = lesson.runner()
    views = {key: View(view_model(t)) for key, t in lesson.traces.items()}
    player = page.locator(".zswapviz-explorer").nth(1).locator(".zvp-root")
    box = player.locator(".zvp-lesson")
    box.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    box.scroll_into_view_if_needed()
    assert ref.note in box.inner_text() and ref.question in box.inner_text()
    _check(player, views[ref.variant], ref.step)
    save_screenshot(player, "explorer-lab-lesson.png")
    while ref.next():
        player.locator("[data-act='lesson:next']").click()
        page.wait_for_function("([el, f]) => el.dataset.frame === String(f)", arg=[player.element_handle(), ref.frame],
                               timeout=STEP_TIMEOUT_MS)
        text = box.inner_text()
        assert ref.note in text and f"stop {ref.number} of {len(lesson.stops)}" in text
        assert (ref.answer is not None) == (f"Answer: {ref.answer}" in text)
        _check(player, views[ref.variant], ref.step)
    assert player.locator("[data-act='lesson:next']").is_disabled()
    save_screenshot(player, "explorer-lab-lesson-end.png")


def _lesson_presents_at_1366x768(page) -> None:
    """Presenting the notebook's lesson at 1366x768 fills the window (not only the notebook panel); every stop fits unscrolled."""
    player = page.locator(".zswapviz-explorer").nth(1).locator(".zvp-root")
    page.set_viewport_size({"width": 1366, "height": 768})
    last = int(player.get_attribute("data-frame"))
    player.evaluate("root => root.parentNode.__zvp.act('present')")   # the notebook's lesson has no control bars
    shown = page.locator(".zvp-root[data-present='1']")
    found = {}
    for f in range(last, -1, -1):
        page.wait_for_function("([el, f]) => el.dataset.frame === String(f)", arg=[shown.element_handle(), f],
                               timeout=STEP_TIMEOUT_MS)
        page.evaluate(PAINTED)
        problems = page.evaluate(SCROLLS) + layout_problems(page, ".zvp-root[data-present='1']", min_font=16)
        if problems:
            found[f] = problems
        if f == last:
            save_screenshot(page, "explorer-lab-lesson-present-1366x768.png")
        page.keyboard.press("b")
    page.keyboard.press("Escape")
    page.wait_for_function("el => el.dataset.present === undefined && el.closest('.zswapviz-explorer') !== null",
                           arg=player.element_handle(), timeout=STEP_TIMEOUT_MS)
    page.set_viewport_size({"width": 1500, "height": 2000})
    assert found == {}
