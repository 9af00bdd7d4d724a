"""The code pane inside the one renderer (views/static/player.js), offline, in Chromium.

The player's own page (``zswapviz.views.assets.standalone_html``) is opened
with every other request blocked and counted: stepping the player moves
the pane's highlighted line to the line ``zswapviz.listings.code_lines``
gives for that step, clicking a line runs the player to the next step on
it, and nothing is requested.
"""

from __future__ import annotations

import pytest
from browser_util import open_offline

from zswapviz.listings import code_lines
from zswapviz.scenario import load_scenario

assets = pytest.importorskip("zswapviz.views.assets")
viewmodel = pytest.importorskip("zswapviz.views.viewmodel")

READ = """() => { const r = document.querySelector('.zvp-code');
  const c = r.querySelector('.zcp-current .zcp-text');
  return {fn: r.dataset.fn, line: r.dataset.line, text: c ? c.textContent : null,
          step: Number(document.querySelector('[data-step]').dataset.step)}; }"""


def test_the_players_pane_follows_the_step_and_fetches_nothing(browser, tmp_path):
    trace = load_scenario("stale-rollback").run()
    path = tmp_path / "player.html"
    path.write_text(assets.standalone_html(viewmodel.view_model(trace), "pane"), encoding="utf-8")
    opened = open_offline(browser, path, viewport=(1920, 1080))
    page = opened.page
    try:
        expected = code_lines(trace)
        texts = set()
        for k in range(len(trace.steps)):
            page.evaluate(f"window.zvp.show({k})")
            got = page.evaluate(READ)
            assert (got["fn"], int(got["line"])) == expected[k], k
            texts.add(got["text"])
        assert len(texts) > 10
        # run to here: from the first step, click check_old's xa_erase line
        first_erase = trace.find(fn="xa_erase")[0]
        page.evaluate(f"window.zvp.show({first_erase - 1})")
        if page.evaluate(READ)["fn"] != "zswap_store":
            page.evaluate(f"window.zvp.show({trace.find(fn='zswap_pool_put')[0]})")
        page.locator(".zvp-code .zcp-fn:visible .zcp-line", has_text="xa_erase(").first.click()
        assert page.evaluate(READ)["step"] == first_erase
        assert opened.requests == [] and opened.errors == []
    finally:
        opened.close()


def test_the_pair_view_aligns_the_two_releases_code(browser, tmp_path):
    """6.13 beside 6.14: each side's pane marks the lines its release has differently (the charge moved)."""
    from zswapviz.views.sidebyside import align

    a = load_scenario("bug-6.13").run()
    s = load_scenario("bug-6.13")
    s.kernel = "6.14"
    b = s.run()
    data = {"a": viewmodel.view_model(a, "6.13"), "b": viewmodel.view_model(b, "6.14"), "labels": ["6.13", "6.14"],
            "rows": [list(r) for r in align(a, b)], "counters": [], "notes": {}, "marks": {"failure": [], "rollback": []}}
    path = tmp_path / "pair.html"
    path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'></head><body><div id='h'></div>"
        f"<script type='application/json' id='d'>{assets.json_for_script(data)}</script>"
        f"<script type='module'>{assets.bundle()}\nconst data = JSON.parse(document.getElementById('d').textContent);\n"
        "window.zvp = createPair(document.getElementById('h'), {pair: data}); document.body.dataset.ready = '1';"
        "</script></body></html>", encoding="utf-8")
    opened = open_offline(browser, path, viewport=(1920, 1080))
    page = opened.page
    try:
        row = next(r for r, (i, _) in enumerate(data["rows"]) if i >= 0 and a.steps[i].fn == "zswap_lru_add")
        page.evaluate(f"window.zvp.show({row})")
        panes = page.evaluate("""() => Array.from(document.querySelectorAll('.zvp-code')).map(c => [
            c.dataset.fn, c.querySelectorAll('.zcp-fn:not([style*="none"]) .zcp-line').length,
            c.querySelectorAll('.zcp-fn:not([style*="none"]) .zcp-differs').length])""")
        assert [p[0] for p in panes] == ["zswap_store_page", "zswap_store_page"]
        assert panes[0][1] == panes[1][1]          # aligned row for row
        assert panes[0][2] >= 2 and panes[1][2] >= 2
        assert opened.requests == [] and opened.errors == []
    finally:
        opened.close()


def test_a_lesson_stop_marks_the_line_it_points_at(browser, tmp_path):
    """In a lesson page, each stop's listing line (the view model's ``line``) is marked in the pane."""
    from zswapviz.lessons import load_lesson

    lv = viewmodel.lesson_view(load_lesson("rollback-stale"))
    stops = lv["stops"]
    path = tmp_path / "lesson.html"
    path.write_text(assets.standalone_html(lv, "lesson"), encoding="utf-8")
    opened = open_offline(browser, path, viewport=(1920, 1080))
    page = opened.page
    try:
        frames = page.evaluate("window.zvp.lesson.frames")
        checked = 0
        for f, (i, _revealed) in enumerate(frames):
            line = stops[i].get("line")
            page.evaluate(f"window.zvp.showFrame({f})")
            pane = page.evaluate("""() => { const r = document.querySelector('.zvp-code');
                const p = r.querySelector('.zcp-pointed');
                return {fn: r.dataset.fn, pointed: p ? p.getAttribute('data-line') : null}; }""")
            if line and pane["fn"] == line[0]:
                assert pane["pointed"] == str(line[1]), (f, line)
                checked += 1
        assert checked >= len(stops) // 2
        assert opened.requests == [] and opened.errors == []
    finally:
        opened.close()
