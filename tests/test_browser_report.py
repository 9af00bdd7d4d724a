"""Reports in a real browser: Debian's Chromium driven by Playwright, offline.

Every page is opened from a file:// URL with every request other than the
file itself blocked and counted: there must be none, and no console error,
page error or dialog. The player (the explorer's renderer,
``zswapviz/views/static/player.js``) is then driven (buttons, jumps,
slider, keys, play) and what it shows — step, title line, sentence, every
cell's state, the framed page, the badge and the counters — must equal
``View(view_model(trace)).frame(k)``; a lesson is run to its end in
presentation mode in lockstep with the Python
:class:`~zswapviz.lessons.LessonRunner`.

Chromium is Debian's (``/usr/bin/chromium``), never ``playwright install``,
launched through ``tests/browser_util.py``, which fails (never skips) saying
what to install when it or Playwright is missing. Requests are checked more
strictly than its ``RequestGuard``: not even another local file may load.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from browser_util import PLAYER_SHOWN, OfflinePage

from zswapviz.lessons import Lesson, load_lesson, resolve_scenario
from zswapviz.report import Variant, export_all
from zswapviz.scenario import SCENARIO_DIR
from zswapviz.views.frames import View
from zswapviz.views.viewmodel import view_model

PROBE = ("<script>alert(1)</script> \"><img src=x onerror=alert(1)> </script><script>alert(2)</script> "
         "{{ {{js}} }} ' onmouseover='alert(3)' x=' ünïcødé 🐧")

#: Reads what a player shows (browser_util.PLAYER_SHOWN) from its host element.
READ_PLAYER = f"host => ({PLAYER_SHOWN})(host.querySelector('.zvp-root'))"

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "id": "c1", "metadata": {}, "source": ["# Offline figures\n"]},
        {"cell_type": "code", "id": "c2", "metadata": {}, "execution_count": None, "outputs": [], "source": [
            "import matplotlib.pyplot as plt\n", "fig, ax = plt.subplots(figsize=(3, 2))\n",
            "ax.plot([1, 3, 2]); plt.show()\n"]},
        {"cell_type": "code", "id": "c3", "metadata": {}, "execution_count": None, "outputs": [], "source": [
            "import ipywidgets as w\n", "out = w.Output()\n", "with out:\n",
            "    fig, ax = plt.subplots(figsize=(3, 2)); ax.bar([0, 1], [2, 1]); plt.show()\n",
            "w.VBox([w.IntSlider(3, description='step'), out])\n"]},
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


class Opened(OfflinePage):
    """A report page opened offline (see ``browser_util.OfflinePage``), with readers of its players."""

    def player(self, index: int = 0):
        """The index-th player's root (the renderer's .zvp-root)."""
        return self.page.locator("[data-zv-player]").nth(index).locator(".zvp-root")

    def read(self, index: int = 0) -> dict:
        return self.page.locator("[data-zv-player]").nth(index).evaluate(READ_PLAYER)


@pytest.fixture()
def open_page(browser):
    """Open a local file with every other request blocked and counted; close it afterwards."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})

    def open_(path: Path, fragment: str = "", ready: bool = True) -> Opened:
        return Opened(ctx, path, fragment, ready=ready)

    yield open_
    ctx.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`export_all` over a few scenarios (the 512-page one and a probe one), a comparison, lessons and a notebook."""
    root = tmp_path_factory.mktemp("site")
    scen = root / "scen"
    scen.mkdir()
    for name in ("demo", "stale-rollback", "thp-2m"):
        shutil.copy(SCENARIO_DIR / f"{name}.json", scen)
    (scen / "probe.json").write_text(json.dumps({"title": PROBE, "notes": PROBE, "folio_size": "16K",
                                                 "faults": {"3": "compress_fail"}}))
    les = root / "les"
    les.mkdir()
    for name in ("walkthrough-64k", "ref-debate"):
        shutil.copy(Path(load_lesson(name).origin), les)
    (les / "probe.json").write_text(json.dumps({
        "title": PROBE, "summary": PROBE,
        "scenario": {"title": PROBE, "notes": PROBE, "folio_size": "16K", "faults": {"3": "alloc_fail"}},
        "variants": {PROBE: {"kernel": "6.13"}},
        "stops": [{"at": "start", "title": PROBE, "note": PROBE, "question": PROBE, "answer": PROBE},
                  {"at": "failure", "variant": PROBE, "title": PROBE, "note": PROBE}]}))
    nbs = root / "nbs"
    nbs.mkdir()
    (nbs / "figures.ipynb").write_text(json.dumps(NOTEBOOK))
    out = root / "out"
    items = export_all(out, notebook_dir=nbs, scenario_dir=scen, lesson_dir=les,
                       comparisons={"bug-6.13": [Variant(kernel="6.13"), Variant(kernel="6.14")]})
    assert not [i for i in items if i["error"]], items
    return out


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def view_of(name: str, kernel: str | None = None) -> View:
    """The view model of a built-in scenario (optionally on another kernel), decoded in Python."""
    scenario = resolve_scenario(name)
    if kernel:
        scenario.kernel = kernel
    return View(view_model(scenario.run()))


def assert_shows(opened: Opened, view: View, k: int, index: int = 0) -> None:
    """The player shows frame *k* of *view*: title line, sentence, badge, cells, framed page and every counter."""
    shown = opened.read(index)
    frame = view.frame(k)
    assert shown["step"] == k
    assert shown["call"] == frame["title"] and shown["text"] == frame["sentence"]
    assert shown["ok"] == ("1" if frame["badge"]["ok"] else "0") and frame["badge"]["summary"] in shown["badge"]
    assert shown["cells"] == frame["cells"], k
    assert shown["here"] == ("" if frame["page"] is None else str(frame["page"]))
    assert {"stored_pages", "entries_in_trees", "pool_refs", "objcg_refs"} <= set(shown["counters"]), shown["counters"]
    assert {key: _number(v) for key, v in shown["counters"].items()} == \
        {key: frame["values"][key] for key in shown["counters"]}, k


def test_every_page_makes_no_request_and_logs_no_error(site, open_page):
    """The index, every report, comparison, lesson (both editions) and the exported notebook open clean offline."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 1 + 4 + 1 + 3 * 2 + 1
    for path in pages:
        opened = open_page(path, ready=path.parent.name != "notebooks")
        opened.page.wait_for_load_state("load")
        opened.check_clean()
        if path.parent.name != "notebooks" and path.name != "index.html":
            assert opened.page.locator(".zvp-root").count() >= 1, path


def test_next_steps_through_the_whole_trace(site, open_page):
    """Clicking next shows each step in turn, as Python's view model of the trace decodes it."""
    view = view_of("demo")
    opened = open_page(site / "scenarios" / "demo.html")
    assert_shows(opened, view, 0)
    nxt = opened.player().locator("[data-act='next']")
    for k in range(1, view.n):
        nxt.click()
        assert_shows(opened, view, k)
    nxt.click()
    assert opened.read()["step"] == view.n - 1
    opened.check_clean()


def test_jumps_to_failure_rollback_page_and_end(site, open_page):
    """The failure, rollback, page and end jumps land where the view model's one jump rule says."""
    view = view_of("stale-rollback")
    opened = open_page(site / "scenarios" / "stale-rollback.html")
    p = opened.player()
    k = 0
    for kind in ("failure", "rollback", "rollback", "failure"):
        p.locator(f"[data-act='{kind}']").click()
        k = view.jump(kind, k)
        assert k is not None
        assert_shows(opened, view, k)
        if kind == "failure":
            assert p.get_attribute("data-failed") == "1"
    p.locator("[data-act='end']").click()
    assert_shows(opened, view, view.n - 1)
    assert opened.read()["cells"].count("disk") >= 6  # the erased slots: the folio went to the swap device
    p.locator(".zvp-page").fill("9")
    p.locator("[data-act='page']").click()
    assert_shows(opened, view, view.vm["marks"]["page_first"][9])
    p.locator(".zvp-page").fill("99")
    p.locator("[data-act='page']").click()
    assert opened.read()["step"] == view.vm["marks"]["page_first"][9]
    assert "no step on page 99" in p.locator(".zvp-status").text_content()
    opened.check_clean()


def test_keys_step_the_player(site, open_page):
    """With the player focused: arrows step, End/Home, f to the failure, digits then g to a page."""
    view = view_of("demo")
    opened = open_page(site / "scenarios" / "demo.html")
    opened.player().focus()
    kb = opened.page.keyboard
    for _ in range(12):
        kb.press("ArrowRight")
    assert_shows(opened, view, 12)
    kb.press("ArrowLeft")
    kb.press("ArrowLeft")
    assert_shows(opened, view, 10)
    kb.press("End")
    assert_shows(opened, view, view.n - 1)
    kb.press("Home")
    assert_shows(opened, view, 0)
    kb.press("f")
    assert_shows(opened, view, view.jump("failure", 0))
    kb.press("7")
    kb.press("g")
    assert_shows(opened, view, view.vm["marks"]["page_first"][7])
    opened.check_clean()


def test_keys_outside_the_player_step_the_last_one_used(site, open_page):
    """Arrow keys pressed with the focus on the page (not in a player) still step the report's player."""
    view = view_of("demo")
    opened = open_page(site / "scenarios" / "demo.html")
    opened.page.locator("h1").click()
    opened.page.keyboard.press("ArrowRight")
    opened.page.keyboard.press("ArrowRight")
    assert_shows(opened, view, 2)
    opened.check_clean()


def test_slider_and_play(site, open_page):
    """The slider sets the step; play advances by itself and pause stops it."""
    view = view_of("demo")
    opened = open_page(site / "scenarios" / "demo.html")
    p = opened.player()
    p.locator(".zvp-slider").fill("40")
    assert_shows(opened, view, 40)
    p.locator(".zvp-speed").select_option("30")
    p.locator("[data-act='play']").click()
    opened.page.wait_for_function("() => Number(document.querySelector('.zvp-root').dataset.step) >= 44")
    p.locator("[data-act='play']").click()
    stopped = opened.read()["step"]
    assert 44 <= stopped < view.n - 1
    opened.page.wait_for_timeout(150)
    assert opened.read()["step"] == stopped and p.get_attribute("data-playing") is None
    assert_shows(opened, view, stopped)
    opened.check_clean()


def test_a_512_page_folio_steps_offline(site, open_page):
    """The 2 MiB THP report shows 512 cells, jumps to a page and ends with every slot stored; a figure click picks a step."""
    view = view_of("thp-2m")
    opened = open_page(site / "scenarios" / "thp-2m.html")
    p = opened.player()
    assert len(opened.read()["cells"]) == 512
    p.locator(".zvp-page").fill("300")
    p.locator("[data-act='page']").click()
    first = view.vm["marks"]["page_first"][300]
    assert_shows(opened, view, first)
    p.focus()
    opened.page.keyboard.press("ArrowRight")
    assert_shows(opened, view, first + 1)
    p.locator("[data-act='end']").click()
    shown = opened.read()
    assert shown["cells"] == ["stored"] * 512 and shown["counters"]["stored_pages"] == "512"
    opened.page.locator("figure[data-zv-fig] img").first.click(position={"x": 450, "y": 100})
    k = opened.read()["step"]
    assert 0 < k < view.n - 1
    assert_shows(opened, view, k)
    marker = opened.page.locator("figure[data-zv-fig] .zv-marker").first.bounding_box()
    assert marker and abs(marker["x"] - (opened.page.locator("figure[data-zv-fig] img").first.bounding_box()["x"] + 450)) < 4
    opened.check_clean()


def test_comparison_steps_every_variant_together(site, open_page):
    """The comparison's 'to failure' button and the arrow keys (outside the players) move every variant's player."""
    views = [view_of("bug-6.13", "6.13"), view_of("bug-6.13", "6.14")]
    opened = open_page(site / "compare" / "bug-6.13.html")
    opened.page.locator("[data-zv-all='failure']").click()
    for i, view in enumerate(views):
        assert_shows(opened, view, view.jump("failure", 0), index=i)
    opened.page.locator("h1").click()
    opened.page.keyboard.press("ArrowRight")
    for i, view in enumerate(views):
        assert_shows(opened, view, view.jump("failure", 0) + 1, index=i)
    opened.page.locator("[data-zv-all='end']").click()
    assert opened.read(0)["counters"]["stored_pages"] == "-5"
    assert opened.read(1)["counters"]["stored_pages"] == "0"
    opened.check_clean()


def test_a_code_line_click_in_a_comparison_moves_every_variant(site, open_page):
    """A click on a line of one variant's code pane runs it there and moves the other to the same kernel event.

    Where the other variant goes is where the side-by-side stepper puts it at
    that step's alignment row (``SideBySide.go(row).steps``).
    """
    from zswapviz.listings import code_lines
    from zswapviz.widgets import SideBySide

    sb = SideBySide("bug-6.13", {"kernel": "6.13"}, {"kernel": "6.14"})
    lines = [code_lines(side.trace) for side in sb.sides]
    views = [view_of("bug-6.13", "6.13"), view_of("bug-6.13", "6.14")]
    assert [v.n for v in views] == [len(x) for x in lines]
    opened = open_page(site / "compare" / "bug-6.13.html")
    for side in (0, 1):
        other = 1 - side
        opened.page.locator("[data-zv-all='start']").click()
        here = 0
        # the next step on a later line of step 0's function whose row has the other variant at another step
        run_to = [next(u for u in range(here + 1, len(lines[side])) if lines[side][u] == lines[side][j])
                  for j in range(here + 1, len(lines[side]))
                  if lines[side][j][0] == lines[side][here][0] and lines[side][j][1] != lines[side][here][1]]
        row_of = {rw[side]: r for r, rw in enumerate(sb.rows) if rw[side] >= 0}
        target = next(t for t in run_to if sb.rows[row_of[t]][other] > 0)
        sb.go(row_of[target])
        assert sb.steps[side] == target and sb.steps[other] > 0
        pane = opened.page.locator("[data-zv-player]").nth(side).locator(".zvp-code")
        pane.locator(f".zcp-fn:visible .zcp-line[data-line='{lines[side][target][1]}']").first.click()
        for i in (0, 1):
            assert_shows(opened, views[i], sb.steps[i], index=i)
    opened.check_clean()


def _lesson_shown(opened) -> dict:
    return opened.player().evaluate("""r => ({
      present: r.dataset.present === '1', frame: Number(r.dataset.frame), stop: r.dataset.stop, step: Number(r.dataset.step),
      note: r.querySelector('.zvp-lesson-note').textContent,
      title: r.querySelector('.zvp-lesson-title').textContent,
      q: r.querySelector('.zvp-lesson-q').hidden ? null : r.querySelector('.zvp-lesson-q').textContent,
      a: r.querySelector('.zvp-lesson-a').hidden ? null : r.querySelector('.zvp-lesson-a').textContent,
      t: r.querySelector('.zvp-lesson-t').hidden ? null : r.querySelector('.zvp-lesson-t').textContent,
      cells: Array.from(r.querySelectorAll('svg[data-panel=grid] rect.zvp-cell')).map(c => c.getAttribute('data-state')),
      last: r.querySelector('[data-act="lesson:next"]').disabled,
    })""")


@pytest.mark.parametrize("name", ["walkthrough-64k", "ref-debate"])
def test_a_lesson_runs_to_its_end_in_presentation_mode(site, open_page, name):
    """Presentation mode shows each stop, then its answer, in step with LessonRunner, to the last stop."""
    lesson = load_lesson(name)
    run = lesson.runner()
    views = {key: View(view_model(trace)) for key, trace in lesson.traces.items()}
    opened = open_page(site / "lessons" / f"{name}.html")
    page = opened.page
    page.locator("[data-zv-present]").click()
    while True:
        stop, shown = run.stop, _lesson_shown(opened)
        assert shown["present"] and shown["frame"] == run.frame
        assert shown["stop"] == str(run.number) and shown["step"] == run.step
        assert shown["title"] == stop.title and shown["note"] == stop.note
        assert shown["cells"] == views[run.variant].frame(run.step)["cells"]
        assert shown["q"] == (f"Question: {stop.question}" if stop.question else None)
        assert shown["a"] == (f"Answer: {run.answer}" if run.answer is not None else None)
        assert shown["t"] is None  # the class's edition: no teacher's answer before the reveal
        if not run.next():
            break
        page.keyboard.press("n" if run.frame % 2 else "Shift+ArrowRight")
    assert _lesson_shown(opened)["last"]
    page.keyboard.press("n")
    assert _lesson_shown(opened)["stop"] == str(len(lesson.stops))
    page.keyboard.press("b")
    run.previous()
    assert _lesson_shown(opened)["frame"] == run.frame
    page.keyboard.press("Escape")
    assert not _lesson_shown(opened)["present"]
    opened.check_clean()


def test_the_teachers_edition_shows_the_answer_before_the_class_sees_it(site, open_page):
    """lessons/NAME-answers.html shows the teacher's answer at a question, before the reveal."""
    lesson = load_lesson("walkthrough-64k")
    run = lesson.runner()
    while not run.question:
        run.next()
    opened = open_page(site / "lessons" / "walkthrough-64k-answers.html")
    opened.page.locator(f"[data-zv-frame='{run.frame}']").click()
    shown = _lesson_shown(opened)
    assert shown["frame"] == run.frame and shown["a"] is None
    assert shown["t"] is not None and run.stop.answer in shown["t"]
    opened.check_clean()


def test_a_lesson_opened_with_present_in_its_address_starts_presenting(site, open_page):
    """A lesson opened as FILE#present starts in presentation mode at its first stop."""
    opened = open_page(site / "lessons" / "walkthrough-64k.html", "#present")
    shown = _lesson_shown(opened)
    assert shown["present"] and shown["stop"] == "1"
    opened.player().locator("[data-act='lesson:next']").click()
    assert _lesson_shown(opened)["a"] is not None
    opened.check_clean()


def test_markup_probes_pop_up_nothing(site, open_page):
    """Probe texts in a scenario, a lesson (presented to its end) and the index show as text and open no dialog."""
    opened = open_page(site / "scenarios" / "probe.html")
    assert opened.page.locator("h1").text_content() == PROBE
    assert opened.page.locator(".zv-notes").text_content() == PROBE
    opened.player().focus()
    opened.page.keyboard.press("End")
    opened.check_clean()
    lesson = Lesson.from_dict(json.loads((site.parent / "les" / "probe.json").read_text()))
    opened = open_page(site / "lessons" / "probe.html")
    assert opened.page.locator("h1").text_content() == PROBE
    opened.page.locator("[data-zv-present]").click()
    run = lesson.runner()
    while True:
        shown = _lesson_shown(opened)
        assert shown["stop"] == str(run.number) and shown["note"] == PROBE and shown["title"] == PROBE
        assert shown["q"] == (f"Question: {PROBE}" if run.question else None)
        assert shown["a"] == (f"Answer: {PROBE}" if run.answer is not None else None)
        if run.variant:
            assert PROBE in opened.player().locator(".zvp-lesson-where").text_content()
        if not run.next():
            break
        opened.page.keyboard.press("n")
    assert run.number == 2 and not run.revealed  # the probe lesson ends on its second stop, which asks nothing
    opened.check_clean()
    opened = open_page(site / "index.html")
    assert PROBE in opened.page.locator("body").text_content()
    assert opened.page.locator("img").count() == 0
    opened.check_clean()


def test_the_exported_notebook_shows_its_figures_offline(site, open_page):
    """The notebook's plain figure and the figure inside an Output widget both show; no widget area is empty."""
    opened = open_page(site / "notebooks" / "figures.html", ready=False)
    page = opened.page
    page.wait_for_load_state("load")
    loaded = page.locator("img").evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
    assert loaded == [True, True]
    assert page.locator(".jupyter-widgets, .widget-area").count() == 0
    assert "step" in page.locator("body").text_content()
    opened.check_clean()


def test_no_handout_names_a_folder_of_this_machine(site):
    """No report, lesson, index or exported notebook holds the project's, Python's, home or output folder."""
    folders = {str(Path(__file__).resolve().parents[1]), sys.prefix, os.path.expanduser("~"), str(site.parent)}
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for folder in folders:
            assert folder not in text, (path.name, folder)
