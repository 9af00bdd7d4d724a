"""How fast the explorer answers in a real JupyterLab, in Debian's Chromium (figures only; nothing asserts).

Starts JupyterLab on 127.0.0.1 (fresh settings, a temporary notebook that
opens ``Explorer("thp-2m")``: one 2 MiB folio, 512 pages, about 4750 steps)
and measures, in the page:

- opening: from the start of the cell (its ``time.time()``) to the first
  frame drawn (the player's ``data-step`` set), in seconds;
- click to frame: a step button or jump clicked, until the next animation
  frame after the page changed (median and 95th percentile over many
  clicks of next, back, to failure/end/start and random slider positions);
- slider drag: 40 input events 16 ms apart across the range, then the time
  from the last one until its frame is on screen;
- play: frames drawn per second while playing at 120 steps/s.

The same figures for the offline page (the renderer without Jupyter) follow.
Targets (issue "One player everywhere"): click median <= 50 ms, p95 <= 100 ms,
drag settles within 100 ms, play >= 30 frames/s, opening <= 2 s.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_browser.py`` (``make bench``).
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from browser_util import launch_chromium, sync_playwright  # noqa: E402 (after the sys.path line above)
from lab_util import start_lab, wait_kernel_idle  # noqa: E402

SCENARIO = "thp-2m"
CLICKS = 80

MEASURE = """async ([root, clicks]) => {
  const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const n = Number(root.querySelector('.zvp-slider').max) + 1;
  const acts = ['next', 'next', 'prev', 'failure', 'end', 'start', 'next', 'rollback'];
  const out = [];
  for (let i = 0; i < clicks; i++) {
    const t0 = performance.now();
    if (i % 5 === 4) {
      const s = root.querySelector('.zvp-slider');
      s.value = String(Math.floor(Math.random() * n));
      s.dispatchEvent(new Event('input', {bubbles: true}));
    } else {
      const b = root.querySelector('[data-act=' + acts[i % acts.length] + ']');
      if (b.disabled) continue;
      b.click();
    }
    await frame();
    out.push(performance.now() - t0);
  }
  return out;
}"""

DRAG = """async (root) => {
  const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const s = root.querySelector('.zvp-slider');
  const n = Number(s.max);
  let worst = 0;
  for (let i = 0; i <= 40; i++) {
    const t = performance.now();
    s.value = String(Math.round(n * i / 40));
    s.dispatchEvent(new Event('input', {bubbles: true}));
    worst = Math.max(worst, performance.now() - t);
    await new Promise(r => setTimeout(r, 16));
  }
  const t0 = performance.now();
  s.value = String(Math.round(n / 3));
  s.dispatchEvent(new Event('input', {bubbles: true}));
  await frame();
  return [performance.now() - t0, worst, root.dataset.step === String(Math.round(n / 3))];
}"""

PLAY = """async ([root, seconds]) => {
  root.querySelector('[data-act=start]').click();
  root.querySelector('.zvp-speed').value = '120';
  root.querySelector('.zvp-speed').dispatchEvent(new Event('change', {bubbles: true}));
  let frames = 0, last = root.dataset.step;
  root.querySelector('[data-act=play]').click();
  const t0 = performance.now();
  await new Promise(done => {
    const tick = () => {
      if (root.dataset.step !== last) { frames++; last = root.dataset.step; }
      if (performance.now() - t0 < seconds * 1000) requestAnimationFrame(tick); else done();
    };
    requestAnimationFrame(tick);
  });
  root.querySelector('[data-act=play]').click();
  return [frames / ((performance.now() - t0) / 1000), Number(root.dataset.step)];
}"""

WATCH = """() => { window.__zvpSeen = null; const o = new MutationObserver(() => {
  const r = document.querySelector('.zvp-root[data-step]');
  if (r && !window.__zvpSeen) { window.__zvpSeen = Date.now(); o.disconnect(); } });
  o.observe(document.body, {subtree: true, childList: true, attributes: true}); }"""


def _notebook(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("import time\nfrom zswapviz.widgets import Explorer\nfrom zswapviz import load_scenario\n"
                                  "load_scenario('demo').run();"),
        nbformat.v4.new_code_cell(f"print(f'T0={{time.time():.3f}}')\nex = Explorer({SCENARIO!r})\nex"),
    ]
    nbformat.write(nb, path)


def _figures(page, root, label: str) -> None:
    times = page.evaluate(MEASURE, [root.element_handle(), CLICKS])
    times.sort()
    med = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    settle, worst, ok = page.evaluate(DRAG, root.element_handle())
    fps, reached = page.evaluate(PLAY, [root.element_handle(), 3])
    print(f"{label}: click to frame median {med:.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms "
          f"({len(times)} clicks/jumps/slider moves)")
    print(f"{label}: slider drag settles {settle:.1f} ms after the last move (slowest input handled in {worst:.1f} ms)"
          f"{'' if ok else ' - WRONG STEP'}")
    print(f"{label}: play at 120 steps/s draws {fps:.1f} frames/s (reached step {reached})")


def main() -> int:
    from zswapviz import load_scenario
    from zswapviz.views.assets import standalone_html
    from zswapviz.views.viewmodel import view_model

    with tempfile.TemporaryDirectory(prefix="zswapviz-bench-") as tmp:
        tmp = Path(tmp)
        nb = tmp / "bench-explorer.ipynb"
        _notebook(nb)
        t = time.perf_counter()
        trace = load_scenario(SCENARIO).run()
        vm = view_model(trace)
        print(f"{SCENARIO}: {len(trace)} steps, {vm['pages']} pages; view model computed in "
              f"{time.perf_counter() - t:.2f} s with the run")
        with start_lab(tmp / "lab", [nb]) as lab, sync_playwright() as pw:
            browser = launch_chromium(pw)
            try:
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.set_default_timeout(120_000)
                page.goto(f"{lab.url}lab/tree/{nb.name}?token={lab.token}&reset")
                page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
                page.evaluate(WATCH)
                wait_kernel_idle(lab, page)
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
                page.wait_for_function("() => window.__zvpSeen", timeout=120_000)
                seen = page.evaluate("() => window.__zvpSeen") / 1000
                out = page.locator(".jp-OutputArea-output", has_text="T0=").first.inner_text()
                t0 = float(re.search(r"T0=([0-9.]+)", out).group(1))
                print(f"JupyterLab: opening the {SCENARIO} explorer: first frame {seen - t0:.2f} s after the cell started")
                root = page.locator(".zvp-root").first
                root.scroll_into_view_if_needed()
                _figures(page, root, "JupyterLab")
            finally:
                browser.close()
        html = tmp / "offline.html"
        html.write_text(standalone_html(vm, SCENARIO), encoding="utf-8")
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            try:
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                t = time.perf_counter()
                page.goto(html.as_uri())
                page.wait_for_selector(".zvp-root[data-step]", state="attached")
                print(f"offline page: {html.stat().st_size / 1024:.0f} KiB, first frame {time.perf_counter() - t:.2f} s after load")
                _figures(page, page.locator(".zvp-root").first, "offline page")
            finally:
                browser.close()
    print("targets: click median <= 50 ms, p95 <= 100 ms; drag settles <= 100 ms; play >= 30 frames/s; opening <= 2 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
