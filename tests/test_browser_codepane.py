"""The code pane (``zswapviz/views/static/codepane.js``) in a real browser, offline.

A page holding a recorded trace's view model and the pane is opened from a
file:// URL with every other request blocked and counted: there must be
none. Stepping moves the highlighted line; the failing line is red, rollback
lines are marked, clicking a line runs to the next step on it, the two
releases of a side-by-side view are aligned with their differing lines
marked, and in present mode at 1920x1080 the type is large and the current
line in view.
"""

from __future__ import annotations

import json
from pathlib import Path

from browser_util import open_offline

from zswapviz.listings import code_lines, code_view
from zswapviz.scenario import load_scenario

PANE = Path(__file__).resolve().parents[1] / "zswapviz" / "views" / "static" / "codepane.js"


def pane_vm(trace) -> dict:
    """The parts of a view model the pane reads: steps (phase, failed, operation_index), code, listings."""
    try:
        from zswapviz.views.viewmodel import view_model
    except ImportError:
        view_model = None
    if view_model is not None:
        vm = view_model(trace)
        if "code" in vm and "call" in vm["code"]:
            return vm
    view = code_view(trace)
    names = [f["name"] for f in view["listing"]["functions"]]
    phases = sorted({str(s.phase) for s in trace.steps})
    return {
        "n": len(trace.steps),
        "steps": {"phase": [phases.index(str(s.phase)) for s in trace.steps], "phases": phases,
                  "operation_index": [s.operation_index for s in trace.steps], "failed": [s.index for s in trace.steps if s.failed]},
        "code": {"functions": names, "fn": [r[0] for r in view["steps"]], "line": [r[1] for r in view["steps"]],
                 "call": [r[2] for r in view["steps"]]},
        "listings": view["listing"],
    }


def write_page(path: Path, vms: list[dict]) -> Path:
    """One offline page: the pane's script, the view models, one root per view model."""
    data = json.dumps(vms).replace("</", "<\\/")
    roots = "".join(f'<div id="pane{i}"></div>' for i in range(len(vms)))
    path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>pane</title></head><body>"
        f"{roots}<script>{PANE.read_text().replace('export function drawCodePane', 'function drawCodePane')}</script>"
        f"<script>window.VMS = {data}; window.JUMPS = [];"
        "document.body.dataset.ready = '1';</script></body></html>",
        encoding="utf-8")
    return path


DRAW = """([i, k, opts]) => {
  const root = document.getElementById('pane' + i);
  const o = Object.assign({goto: j => window.JUMPS.push(j)}, opts || {});
  if (o.otherIndex !== undefined) o.other = window.VMS[o.otherIndex];
  const r = drawCodePane(root, window.VMS[i], k, o);
  const cur = root.querySelector('.zcp-current');
  if (root.dataset.fn !== (r.fn || '') || root.dataset.line !== (r.fn ? String(r.line) : '')) throw new Error('dataset');
  return {fn: r.fn, line: r.line, text: cur ? cur.querySelector('.zcp-text').textContent : null,
          classes: cur ? cur.className : '', done: root.querySelectorAll('.zcp-done').length,
          rollback: root.querySelectorAll('.zcp-rollback').length,
          differs: root.querySelectorAll('.zcp-fn:not([style*="none"]) .zcp-differs').length,
          font: cur ? parseFloat(getComputedStyle(cur).fontSize) : 0,
          top: cur ? cur.getBoundingClientRect().top : -1, bottom: cur ? cur.getBoundingClientRect().bottom : -1};
}"""


def test_the_highlighted_line_follows_the_step(browser, tmp_path):
    trace = load_scenario("demo").run()
    page_path = write_page(tmp_path / "pane.html", [pane_vm(trace)])
    opened = open_offline(browser, page_path)
    page = opened.page
    try:
        expected = code_lines(trace)
        seen = []
        for k in range(len(trace.steps)):
            r = page.evaluate(DRAW, [0, k, {}])
            assert (r["fn"], r["line"]) == expected[k], k      # the pane shows the step's line
            seen.append((r["fn"], r["text"]))
        assert len(set(seen)) > 10  # the line moves
        # the failing step: zs_malloc in zswap_compress, red
        fail = trace.failure_index
        r = page.evaluate(DRAW, [0, fail, {}])
        assert r["fn"] == "zswap_compress" and "zs_malloc" in r["text"] and "zcp-failed" in r["classes"]
        # a rollback step of check_old: marked as rollback, earlier lines of the call marked as run
        rb = trace.rollback_indices[-1]
        r = page.evaluate(DRAW, [0, rb, {}])
        assert r["fn"] == "zswap_store" and "xa_erase" in r["text"] and "zcp-rollback" in r["classes"]
        assert r["done"] >= 5 and r["rollback"] >= 2
        # clicking the xa_store line from page 0's allocation runs to the first xa_store
        page.evaluate(DRAW, [0, trace.find(fn="zswap_entry_cache_alloc")[0], {}])
        page.locator("#pane0 .zcp-fn:visible .zcp-line", has_text="xa_store(").first.click()
        jumps = page.evaluate("window.JUMPS")
        assert jumps == [trace.find(fn="xa_store")[0]]
        assert opened.requests == [] and opened.errors == []
    finally:
        opened.close()


def test_side_by_side_and_present_mode(browser, tmp_path):
    a = load_scenario("bug-6.13").run()
    s = load_scenario("bug-6.13")
    s.kernel = "6.14"
    b = s.run()
    page_path = write_page(tmp_path / "pair.html", [pane_vm(a), pane_vm(b)])
    opened = open_offline(browser, page_path, viewport=(1920, 1080))
    page = opened.page
    try:
        ka = a.find(fn="zswap_lru_add")[0]
        kb = b.find(fn="zswap_lru_add")[0]
        ra = page.evaluate(DRAW, [0, ka, {"otherIndex": 1, "present": True}])
        rb = page.evaluate(DRAW, [1, kb, {"otherIndex": 0, "present": True}])
        assert ra["fn"] == rb["fn"] == "zswap_store_page"
        assert ra["differs"] >= 2 and rb["differs"] >= 2   # the charge and stored_pages moved
        assert ra["font"] >= 16 and 0 <= ra["top"] and ra["bottom"] <= 1080
        rows_a = page.locator("#pane0 .zcp-fn:visible .zcp-line").count()
        rows_b = page.locator("#pane1 .zcp-fn:visible .zcp-line").count()
        assert rows_a == rows_b                             # aligned row for row
        assert opened.requests == [] and opened.errors == []
    finally:
        opened.close()
