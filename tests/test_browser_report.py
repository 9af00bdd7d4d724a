"""Reports in a real browser: Debian's Chromium driven by Playwright, offline.

Every page is opened from a file:// URL with every request other than the
file itself blocked and counted: there must be none, and no console error,
page error or dialog. The player is then driven (buttons, jumps, slider,
arrow keys, play) and what it shows — step, kernel function, sentence,
every cell's state and the ledger — is compared with the recorded trace; a
lesson is run to its end in presentation mode in lockstep with the Python
:class:`~zswapviz.lessons.LessonRunner`.

Chromium is Debian's (``/usr/bin/chromium``), never ``playwright install``,
launched through ``tests/browser_util.py``, which fails (never skips) saying
what to install when it or Playwright is missing. Requests are checked more
strictly than its ``RequestGuard``: not even another local file may load.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from browser_util import ConsoleLog, launch_chromium, sync_playwright

from zswapviz.lessons import (
    LEDGER_KEYS,
    Lesson,
    load_lesson,
    resolve_scenario,
    snapshot_ledger,
)
from zswapviz.report import Variant, export_all
from zswapviz.scenario import SCENARIO_DIR

PROBE = ("<script>alert(1)</script> \"><img src=x onerror=alert(1)> </script><script>alert(2)</script> "
         "{{ {{js}} }} ' onmouseover='alert(3)' x=' ünïcødé 🐧")

#: Reads what a player shows: step, function, sentence, cell states, ledger.
READ_PLAYER = """root => ({
  step: Number(root.dataset.step),
  fn: root.querySelector('.zv-fn').textContent,
  text: root.querySelector('.zv-text').textContent,
  states: Array.from(root.querySelectorAll('.zv-grid .zv-cell')).map(c => c.dataset.state),
  here: Array.from(root.querySelectorAll('.zv-grid .zv-cell')).findIndex(c => c.classList.contains('zv-here')),
  ledger: Object.fromEntries(Array.from(root.querySelectorAll('tr[data-key]')).map(
    r => [r.dataset.key, r.querySelector('.zv-v').textContent])),
})"""

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


class Opened:
    """A page opened offline, with what it tried to fetch, logged and popped up."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.log = ConsoleLog(page)
        self.dialogs: list[str] = []

    @property
    def errors(self) -> list[str]:
        return self.log.errors + self.log.page_errors

    def check_clean(self) -> None:
        assert self.requests == [], f"requests made: {self.requests}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.dialogs == [], f"dialogs: {self.dialogs}"

    def player(self, index: int = 0):
        return self.page.locator("[data-zv-player]").nth(index)

    def read(self, index: int = 0) -> dict:
        return self.player(index).evaluate(READ_PLAYER)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, shared by the module."""
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture()
def open_page(browser):
    """Open a local file with every other request blocked and counted; close it afterwards."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})

    def open_(path: Path, fragment: str = "", ready: bool = True) -> Opened:
        page = ctx.new_page()
        opened = Opened(page)
        url = path.resolve().as_uri()

        def route(r):
            if r.request.url.split("#")[0] == url:
                r.continue_()
            else:
                opened.requests.append(r.request.url)
                r.abort()

        page.route("**/*", route)

        def dialog(d):
            opened.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.goto(url + fragment)
        if ready:
            page.wait_for_selector("body[data-ready='1']", state="attached", timeout=15000)
        return opened

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


def _ledger_text(values: dict) -> dict:
    return {k: f"{v:,}" for k, v in values.items()}


def assert_shows(opened: Opened, trace, k: int, index: int = 0) -> None:
    """The player shows step *k* of *trace*: function, sentence, cells, highlighted page and ledger."""
    shown = opened.read(index)
    step, snap = trace[k]
    assert shown["step"] == k
    assert shown["fn"] == step.fn and shown["text"] == step.text
    assert shown["states"] == [c.state for c in snap.cells]
    assert shown["here"] == (-1 if step.page is None else step.page)
    want = _ledger_text(snapshot_ledger(snap))
    assert set(LEDGER_KEYS) <= set(shown["ledger"]), f"ledger rows shown: {sorted(shown['ledger'])}"
    assert shown["ledger"] == {key: want[key] for key in shown["ledger"]}


def test_every_page_makes_no_request_and_logs_no_error(site, open_page):
    """The index, every report, comparison and lesson, and the exported notebook open clean offline."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 1 + 4 + 1 + 3 + 1
    for path in pages:
        opened = open_page(path, ready=path.parent.name != "notebooks")
        opened.page.wait_for_load_state("load")
        opened.check_clean()


def test_next_steps_through_the_whole_trace(site, open_page):
    """Clicking next shows each step in turn, its cells and its ledger as the trace recorded them."""
    trace = resolve_scenario("demo").run()
    opened = open_page(site / "scenarios" / "demo.html")
    assert_shows(opened, trace, 0)
    nxt = opened.player().locator("[data-act='next']")
    for k in range(1, len(trace)):
        nxt.click()
        assert_shows(opened, trace, k)
    nxt.click()
    assert opened.read()["step"] == len(trace) - 1
    opened.check_clean()


def test_jumps_to_failure_rollback_page_and_end(site, open_page):
    """The failure, rollback, last-erase, page and end jumps land where the trace says."""
    trace = resolve_scenario("stale-rollback").run()
    opened = open_page(site / "scenarios" / "stale-rollback.html")
    p = opened.player()
    p.locator("[data-act='mark:failure']").click()
    assert_shows(opened, trace, trace.failure_index)
    assert "zv-failed" in p.get_attribute("class")
    p.locator("[data-act='mark:first_rollback']").click()
    assert_shows(opened, trace, trace.rollback_indices[0])
    p.locator("[data-act='mark:last_rollback']").click()
    assert_shows(opened, trace, trace.rollback_indices[-1])
    before = opened.read()["states"]
    assert before.count("erased") >= 6  # the new entries 0-5 and the stale ones at 9 and 12
    p.locator(".zv-page-input").fill("9")
    p.locator("[data-act='page']").click()
    assert_shows(opened, trace, next(s.index for s in trace.steps if s.page == 9))
    p.locator("[data-act='mark:end']").click()
    assert_shows(opened, trace, len(trace) - 1)
    p.locator(".zv-page-input").fill("99")
    p.locator("[data-act='page']").click()
    assert opened.read()["step"] == len(trace) - 1
    assert "no step at page 99" in p.locator(".zv-status").text_content()
    opened.check_clean()


def test_arrow_keys_home_and_end_step_the_player(site, open_page):
    """Right and left arrows step by one; End and Home go to the last and first step."""
    trace = resolve_scenario("demo").run()
    opened = open_page(site / "scenarios" / "demo.html")
    kb = opened.page.keyboard
    for k in range(1, 13):
        kb.press("ArrowRight")
    assert_shows(opened, trace, 12)
    kb.press("ArrowLeft")
    kb.press("ArrowLeft")
    assert_shows(opened, trace, 10)
    kb.press("End")
    assert_shows(opened, trace, len(trace) - 1)
    kb.press("ArrowLeft")
    assert_shows(opened, trace, len(trace) - 2)
    kb.press("Home")
    assert_shows(opened, trace, 0)
    opened.check_clean()


def test_slider_and_play(site, open_page):
    """The slider sets the step; play advances by itself and pause stops it."""
    trace = resolve_scenario("demo").run()
    opened = open_page(site / "scenarios" / "demo.html")
    p = opened.player()
    p.locator(".zv-slider").fill("40")
    assert_shows(opened, trace, 40)
    p.locator(".zv-speed").select_option("25")
    p.locator("[data-act='play']").click()
    opened.page.wait_for_function("() => Number(document.querySelector('[data-zv-player]').dataset.step) >= 44")
    p.locator("[data-act='play']").click()
    stopped = opened.read()["step"]
    assert 44 <= stopped < len(trace) - 1
    opened.page.wait_for_timeout(150)
    assert opened.read()["step"] == stopped and p.get_attribute("data-playing") is None
    assert_shows(opened, trace, stopped)
    opened.check_clean()


def test_a_512_page_folio_steps_offline(site, open_page):
    """The 2 MiB THP report shows 512 cells, jumps to a page and ends with every slot stored."""
    trace = resolve_scenario("thp-2m").run()
    opened = open_page(site / "scenarios" / "thp-2m.html")
    p = opened.player()
    assert len(opened.read()["states"]) == 512
    p.locator(".zv-page-input").fill("300")
    p.locator("[data-act='page']").click()
    assert_shows(opened, trace, next(s.index for s in trace.steps if s.page == 300))
    opened.page.keyboard.press("ArrowRight")
    assert_shows(opened, trace, next(s.index for s in trace.steps if s.page == 300) + 1)
    p.locator("[data-act='end']").click()
    shown = opened.read()
    assert shown["states"] == ["stored"] * 512 and shown["ledger"]["stored_pages"] == "512"
    opened.page.locator("figure[data-zv-fig] img").first.click(position={"x": 450, "y": 100})
    assert 0 < opened.read()["step"] < len(trace) - 1
    opened.check_clean()


def test_comparison_steps_every_variant_together(site, open_page):
    """The comparison's 'failure' button and the arrow keys move every variant's player."""
    traces = [resolve_scenario("bug-6.13").run()]
    s = resolve_scenario("bug-6.13")
    s.kernel = "6.14"
    traces.append(s.run())
    opened = open_page(site / "compare" / "bug-6.13.html")
    opened.page.locator("[data-zv-all='mark:failure']").click()
    for i, trace in enumerate(traces):
        assert_shows(opened, trace, trace.failure_index, index=i)
    opened.page.keyboard.press("ArrowRight")
    for i, trace in enumerate(traces):
        assert_shows(opened, trace, trace.failure_index + 1, index=i)
    opened.page.locator("[data-zv-all='end']").click()
    assert opened.read(0)["ledger"]["stored_pages"] == "-5"
    assert opened.read(1)["ledger"]["stored_pages"] == "0"
    opened.check_clean()


@pytest.mark.parametrize("name", ["walkthrough-64k", "ref-debate"])
def test_a_lesson_runs_to_its_end_in_presentation_mode(site, open_page, name):
    """Presentation mode shows each stop, then its answer, in step with LessonRunner, to the last stop."""
    lesson = load_lesson(name)
    run = lesson.runner()
    opened = open_page(site / "lessons" / f"{name}.html")
    page = opened.page
    page.keyboard.press("p")
    pres = page.locator(".zv-present")
    assert pres.is_visible()
    while True:
        stop = run.stop
        assert pres.get_attribute("data-stop") == str(run.number)
        assert pres.get_attribute("data-step") == str(run.step)
        assert pres.locator(".zv-p-h").text_content() == (stop.title or f"Stop {stop.number}")
        assert pres.locator(".zv-p-note").text_content() == stop.note
        assert pres.locator(".zv-p-fn").text_content() == run.trace.steps[run.step].fn
        cells = pres.locator(".zv-cell").evaluate_all("cs => cs.map(c => c.dataset.state)")
        assert cells == [c.state for c in run.trace.snapshots[run.step].cells]
        assert pres.locator(".zv-p-q").is_visible() == bool(stop.question)
        assert pres.locator(".zv-p-a").is_visible() == (run.answer is not None)
        if run.answer is not None:
            assert pres.locator(".zv-p-a").text_content() == f"Answer: {run.answer}"
        if not run.next():
            break
        page.keyboard.press("ArrowRight" if run.frame % 2 else "PageDown")
    assert pres.get_attribute("data-last") == "1"
    assert pres.locator("[data-act='p-next']").is_disabled()
    page.keyboard.press("ArrowRight")
    assert pres.get_attribute("data-stop") == str(len(lesson.stops))
    page.keyboard.press("ArrowLeft")
    run.previous()
    assert pres.get_attribute("data-stop") == str(run.number)
    page.keyboard.press("Escape")
    assert not pres.is_visible()
    opened.check_clean()


def test_a_lesson_opened_with_present_in_its_address_starts_presenting(site, open_page):
    """A lesson opened as FILE#present starts in presentation mode at its first stop."""
    opened = open_page(site / "lessons" / "walkthrough-64k.html", "#present")
    pres = opened.page.locator(".zv-present")
    assert pres.is_visible() and pres.get_attribute("data-stop") == "1"
    opened.page.locator("[data-act='p-next']").click()
    assert pres.locator(".zv-p-a").is_visible()
    opened.check_clean()


def test_markup_probes_pop_up_nothing(site, open_page):
    """Probe texts in a scenario, a lesson (presented to its end) and the index show as text and open no dialog."""
    opened = open_page(site / "scenarios" / "probe.html")
    assert opened.page.locator("h1").text_content() == PROBE
    assert opened.page.locator(".zv-notes").text_content() == PROBE
    opened.page.keyboard.press("End")
    opened.check_clean()
    lesson = Lesson.from_dict(json.loads((site.parent / "les" / "probe.json").read_text()))
    opened = open_page(site / "lessons" / "probe.html")
    assert opened.page.locator("h1").text_content() == PROBE
    opened.page.keyboard.press("p")
    pres = opened.page.locator(".zv-present")
    run = lesson.runner()
    while True:
        assert pres.get_attribute("data-stop") == str(run.number)
        assert pres.locator(".zv-p-note").text_content() == PROBE
        assert pres.locator(".zv-p-q").is_visible() == bool(run.question)
        assert pres.locator(".zv-p-a").is_visible() == (run.answer is not None)
        if run.answer is not None:
            assert pres.locator(".zv-p-a").text_content() == f"Answer: {PROBE}"
        if run.variant:
            assert PROBE in pres.locator(".zv-p-where").text_content()
        if not run.next():
            break
        opened.page.keyboard.press("ArrowRight")
    assert run.revealed is False and run.number == 2  # the probe lesson ends on its second stop
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
