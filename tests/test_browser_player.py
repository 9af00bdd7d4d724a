"""The one renderer against Python's view model, in Debian's Chromium, on every built-in scenario.

Each scenario's view model is drawn by ``zswapviz/views/static/player.js``
in an offline page (:func:`zswapviz.views.assets.standalone_html`); the page
is stepped with its buttons, slider and keys, and at every frame visited
what it shows (step, title line, sentence, every cell's state, the framed
cell, the badge, the counter values) must equal
``View(view_model(trace)).frame(k)``. No request may leave the page.
"""

from __future__ import annotations

import pytest
from browser_util import PLAYER_SHOWN, open_offline, save_screenshot

from zswapviz import builtin_scenarios
from zswapviz.lessons import load_lesson
from zswapviz.views.assets import standalone_html
from zswapviz.views.viewmodel import View, lesson_view, view_model

pytestmark = pytest.mark.slow

BUILTINS = builtin_scenarios()



def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _check(page, view: View, k: int) -> None:
    shown = page.locator(".zvp-root").evaluate(PLAYER_SHOWN)
    frame = view.frame(k)
    assert shown["step"] == k
    assert shown["call"] == frame["title"]
    assert shown["text"] == frame["sentence"]
    assert shown["cells"] == frame["cells"], k
    assert shown["here"] == ("" if frame["page"] is None else str(frame["page"]))
    assert shown["ok"] == ("1" if frame["badge"]["ok"] else "0") and frame["badge"]["summary"] in shown["badge"]
    for key, value in shown["counters"].items():
        assert _number(value) == frame["values"][key], (k, key)


def _open(browser, tmp_path, data, name, **kw):
    """*data* drawn in an offline page at 1366x768 (every request but the file blocked and counted)."""
    path = tmp_path / f"{name}.html"
    path.write_text(standalone_html(data, name, counters=True, **kw), encoding="utf-8")
    opened = open_offline(browser, path, viewport=(1366, 768), timeout=20_000)
    return opened.page, opened


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_the_page_shows_the_view_models_frames(name, browser, tmp_path):
    """Buttons, jumps, slider and keys move the page; every frame it shows equals the view model's frame."""
    trace = BUILTINS[name].run()
    vm = view_model(trace)
    view = View(vm)
    page, opened = _open(browser, tmp_path, vm, name)
    try:
        n = len(trace)
        _check(page, view, 0)
        page.click("[data-act=next]")
        _check(page, view, 1)
        for kind in ("failure", "rollback"):
            k = 1
            for _ in range(2):
                target = view.jump(kind, k)
                if target is None:
                    assert page.locator(f"[data-act={kind}]").is_disabled()
                    page.focus(".zvp-root")
                    page.keyboard.press(kind[0])
                    assert page.locator(".zvp-status").inner_text() == f"no {kind} in this run"
                    break
                page.click(f"[data-act={kind}]")
                _check(page, view, target)
                k = target
        page.locator(".zvp-slider").fill(str(n // 2))
        _check(page, view, n // 2)
        page.focus(".zvp-root")
        page.keyboard.press("End")
        _check(page, view, n - 1)
        page.keyboard.press("Home")
        page.keyboard.press("ArrowRight")
        _check(page, view, 1)
        last = max(p for p in range(vm["pages"]) if vm["marks"]["page_first"][p] >= 0)
        for key in str(last):
            page.keyboard.press(key)
        page.keyboard.press("g")
        _check(page, view, vm["marks"]["page_first"][last])
        # stepping one by one from a checkpoint applies the same changes as jumping
        for k in range(max(0, n - 70), n, 7):
            page.locator(".zvp-slider").fill(str(k))
            _check(page, view, k)
        if name == "demo":
            save_screenshot(page, "player-demo-1366.png")
        assert not opened.requests and not opened.log.unexpected(), (opened.requests, opened.log.unexpected())
    finally:
        opened.close()


def test_no_spoilers_hides_the_future_and_the_failure_note(browser, tmp_path):
    """With no spoilers the refs and rollback panels draw only up to the step, and the failure is not named before it happens."""
    trace = BUILTINS["demo"].run()
    page, opened = _open(browser, tmp_path, view_model(trace), "spoilers")
    try:
        panel = page.locator(".zvp-panel", has=page.locator("[data-panel=rollback]"))
        note = panel.locator(".zvp-note")
        future = panel.locator(".zvp-future")
        assert "failure at step" in note.inner_text()  # spoilers on by default outside lessons
        assert future.get_attribute("data-hide") == "0"
        page.click("[data-act=spoilers]")
        assert note.inner_text() == "no failure so far"
        assert future.get_attribute("data-hide") == "1"
        assert page.evaluate("el => getComputedStyle(el).opacity", future.element_handle()) == "1"
        page.click("[data-act=failure]")
        assert "failure at step" in note.inner_text()
    finally:
        opened.close()


def test_lesson_frames_reveal_the_answer_on_the_next_click(browser, tmp_path):
    """A lesson view: each click shows the stop's step in its trace, the question, then the answer; teacher mode shows it at once."""
    lesson = load_lesson("accounting-6.13")
    lv = lesson_view(lesson, teacher=True)
    page, opened = _open(browser, tmp_path, lv, "lesson")
    try:
        ref = lesson.runner()
        box = page.locator(".zvp-lesson")
        while True:
            _check(page, View(lv["views"][ref.variant or ""]), ref.step)
            text = box.inner_text()
            assert ref.note in text and f"stop {ref.number} of {len(lesson.stops)}" in text
            assert (ref.answer is not None) == (f"Answer: {ref.answer}" in text)
            if ref.question and ref.answer is None:
                assert "Teacher's answer:" in text
            if not ref.next():
                break
            page.click("[data-act='lesson:next']")
        assert page.locator("[data-act='lesson:next']").is_disabled()
        assert not opened.requests
    finally:
        opened.close()


def test_text_is_at_least_16px_and_the_explorer_fits_1366x768(browser, tmp_path):
    """At 1366x768 the whole player (controls, sentence, badge, four panels) fits the screen; no text is below 16 px at 1920x1080."""
    trace = BUILTINS["demo"].run()
    page, opened = _open(browser, tmp_path, view_model(trace), "fit")
    try:
        page.set_viewport_size({"width": 1366, "height": 768})
        page.click("[data-act=counters]")  # the counters go beside the panels, not below
        box = page.locator(".zvp-root").bounding_box()
        assert box["width"] <= 1366 and box["y"] + box["height"] <= 768, box
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.wait_for_timeout(100)
        small = page.evaluate("""() => Array.from(document.querySelectorAll('.zvp-root *'))
            .filter(e => e.childNodes.length && Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()))
            .filter(e => e.getClientRects().length)
            .map(e => [e.tagName, parseFloat(getComputedStyle(e).fontSize), e.textContent.slice(0, 30)])
            .filter(x => x[1] < 16)""")
        assert small == []
        page.click("[data-act=present]")
        box = page.locator(".zvp-root").bounding_box()
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 1920, 1080)
        assert page.evaluate("getComputedStyle(document.querySelector('.zvp-call')).fontSize") == "20px"
        page.keyboard.press("Escape")
        assert page.locator(".zvp-root").get_attribute("data-present") is None
    finally:
        opened.close()


def test_side_by_side_pair_steps_by_kernel_event(browser, tmp_path):
    """The pair page: both sides at the row's steps, the plain note at a gap, counters compared only at aligned rows."""
    import json

    from zswapviz.widgets import SideBySide

    sb = SideBySide("bug-6.13", {"kernel": "6.13"}, {"kernel": "6.14"})
    data = json.loads(sb.pair.pair)
    path = _pair_page(tmp_path, data)
    opened = open_offline(browser, path, viewport=(1366, 768), timeout=30_000)
    page = opened.page
    try:
        pair = page.locator(".zvp-pair")
        views = [View(data["a"]), View(data["b"])]

        def check(row):
            sb.go(row)
            assert pair.get_attribute("data-row") == str(row)
            a, b = sb.steps
            assert (pair.get_attribute("data-step-a"), pair.get_attribute("data-step-b")) == (str(a), str(b))
            sides = page.locator(".zvp-pair-side .zvp-root")
            for i, k in enumerate((a, b)):
                assert sides.nth(i).locator(".zvp-call").inner_text() == views[i].title(k)
            assert page.locator(".zvp-pair-note").inner_text() == sb.note
            summary = page.locator(".zvp-pair summary").inner_text()
            assert ("not compared" in summary) == (not sb.aligned)
            if sb.aligned:
                assert summary.startswith(f"counters: {int(sb.counters['differs'].sum())} differ")

        pair.focus()
        page.keyboard.press("f")
        check(sb.marks["failure"][0])
        gap = next(r for r, (i, j) in enumerate(sb.rows) if i < 0)
        page.locator(".zvp-pair .zvp-slider").first.fill(str(gap))
        check(gap)
        page.keyboard.press("End")
        check(len(sb.rows) - 1)
        assert not opened.requests
    finally:
        opened.close()


def _run_to(lines, here: int, target: int) -> int:
    """The step a code-pane click on step *target*'s line runs to from step *here*: the next one there, wrapping."""
    n = len(lines)
    return next((here + d) % n for d in range(1, n + 1) if lines[(here + d) % n] == lines[target])


def _click_plan(sb, lines, side):
    """A row to start at and the step of *side* a click on a later line of the same function runs to.

    The click's row is aligned and puts the other side at another step than the start, so the other side must move.
    """
    other = 1 - side
    row_of = {rw[side]: r for r, rw in enumerate(sb.rows) if rw[side] >= 0}
    for start, rw in enumerate(sb.rows):
        here = rw[side]
        if here < 0 or rw[other] < 0 or lines[side][here][0] is None:
            continue
        for u in range(here + 1, len(lines[side])):
            if lines[side][u][0] != lines[side][here][0] or lines[side][u][1] == lines[side][here][1]:
                continue
            t = _run_to(lines[side], here, u)
            if sb.rows[row_of[t]][other] >= 0 and sb.rows[row_of[t]][other] != rw[other]:
                return start, t, row_of[t]
    raise AssertionError("no line to click")


def test_a_code_line_click_in_the_pair_moves_both_sides(browser, tmp_path):
    """A click on a line of either side's code pane runs that side there and moves the other to the same row (kernel event)."""
    import json

    from zswapviz.listings import code_lines
    from zswapviz.widgets import SideBySide

    sb = SideBySide("bug-6.13", {"kernel": "6.13"}, {"kernel": "6.14"})
    data = json.loads(sb.pair.pair)
    lines = [code_lines(s.trace) for s in sb.sides]
    path = _pair_page(tmp_path, data)
    opened = open_offline(browser, path, viewport=(1920, 1080), timeout=30_000)
    page = opened.page
    try:
        pair = page.locator(".zvp-pair")
        sides = page.locator(".zvp-pair-side .zvp-root")
        for side in (0, 1):
            other = 1 - side
            start, target, row = _click_plan(sb, lines, side)
            sb.go(start)
            page.evaluate(f"window.zvp.show({start})")
            here, before = sb.steps[side], sb.steps[other]
            pane = sides.nth(side).locator(".zvp-code")
            pane.locator(f".zcp-fn:visible .zcp-line[data-line='{lines[side][target][1]}']").first.click()
            sb.go(row)   # where the stepper puts both sides at that row
            assert sb.steps[side] == target and sb.steps[other] != before and here != target
            assert pair.get_attribute("data-row") == str(row)
            assert (pair.get_attribute("data-step-a"), pair.get_attribute("data-step-b")) == tuple(map(str, sb.steps))
            assert [sides.nth(i).get_attribute("data-step") for i in (0, 1)] == [str(k) for k in sb.steps]
            assert pair.get_attribute("data-aligned") == "1"
            assert [(sides.nth(i).locator(".zvp-code").get_attribute("data-fn"), int(sides.nth(i).locator(".zvp-code")
                     .get_attribute("data-line"))) for i in (0, 1)] == [lines[i][k] for i, k in enumerate(sb.steps)]
            save_screenshot(page, f"pair-code-click-{'left' if side == 0 else 'right'}.png")
        assert not opened.requests and opened.errors == []
    finally:
        opened.close()


def _pair_page(tmp_path, data: dict):
    """An offline page that draws *data* (a SideBySide's pair) with createPair; its path."""
    from zswapviz.views.assets import bundle, json_for_script

    path = tmp_path / "pair.html"
    path.write_text("<!doctype html><html><head><meta charset='utf-8'></head><body><div id='h'></div>"
                    f"<script type='application/json' id='d'>{json_for_script(data)}</script>"
                    f"<script type='module'>{bundle()}\nwindow.zvp = createPair(document.getElementById('h'), "
                    "{pair: JSON.parse(document.getElementById('d').textContent)}); document.body.dataset.ready = '1';"
                    "</script></body></html>", encoding="utf-8")
    return path
