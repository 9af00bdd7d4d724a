"""How long the code pane takes to follow one step, in Chromium, for a 2 MiB (512-page) folio.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_codepane.py [--steps N]

Opens an offline page holding the thp-2m trace's view model (its ``code``
and ``listings`` parts) and ``codepane.js``, then times ``drawCodePane`` in
the page (performance.now, so no Playwright round trip is counted): the
first draw (building the pane), stepping forward one step at a time, and
random jumps across the whole trace, each followed by a forced layout
(reading ``offsetHeight``) so the browser's style and layout work counts.
Prints the median and 95th percentile against the explorer's 50 ms redraw
budget. With ``--player`` it then measures the whole renderer's offline page
(``benchmarks/bench_browser.py``'s clicks, slider drag and play) twice, with
the code pane on and with the view model's code part removed (pane off).
Tests never assert these times; this script only reports them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from browser_util import launch_chromium, sync_playwright  # noqa: E402
from test_browser_codepane import pane_vm, write_page  # noqa: E402

from zswapviz.scenario import load_scenario  # noqa: E402

BUDGET_MS = 50.0

TIME = """([mode, count]) => {
  const root = document.getElementById('pane0'), vm = window.VMS[0], n = vm.n;
  const t0 = performance.now(); drawCodePane(root, vm, 0, {}); root.offsetHeight;
  const first = performance.now() - t0;
  const out = [];
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 1; i <= count; i++) {
    const k = mode === 'forward' ? i % n : Math.floor(rnd() * n);
    const t = performance.now();
    drawCodePane(root, vm, k, {});
    root.offsetHeight;
    out.push(performance.now() - t);
  }
  return {first, times: out};
}"""


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--player", action="store_true", help="also the player's offline page, pane on and off")
    args = ap.parse_args()
    trace = load_scenario("thp-2m").run()
    vm = pane_vm(trace)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        page_path = write_page(Path(tmp) / "bench.html", [vm])
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(page_path.as_uri())
        page.wait_for_selector("body[data-ready='1']", state="attached")
        print(f"thp-2m: {len(trace.steps)} steps, {len(vm['listings']['functions'])} functions in the listing")
        for mode in ("forward", "random"):
            page.reload()
            page.wait_for_selector("body[data-ready='1']", state="attached")
            r = page.evaluate(TIME, [mode, args.steps])
            t = r["times"]
            print(f"{mode:8s} first draw {r['first']:6.2f} ms; per step median {pct(t, .5):6.3f} ms, "
                  f"p95 {pct(t, .95):6.3f} ms, max {max(t):6.2f} ms over {len(t)} steps (budget {BUDGET_MS:.0f} ms)")
        if args.player:
            _player(browser, vm, Path(tmp))
        browser.close()


def _player(browser, vm: dict, tmp: Path) -> None:
    """The player's offline page with the pane on and off: click, drag and play figures."""
    from bench_browser import _figures

    from zswapviz.views.assets import standalone_html

    off = {k: v for k, v in vm.items() if k not in ("code", "listings")}
    for label, data in (("pane on", vm), ("pane off", off)):
        html = tmp / f"player-{label.replace(' ', '-')}.html"
        html.write_text(standalone_html(data, "bench"), encoding="utf-8")
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(html.as_uri())
        page.wait_for_selector(".zvp-root[data-step]", state="attached")
        _figures(page, page.locator(".zvp-root").first, f"offline player, {label}")
        page.close()


if __name__ == "__main__":
    main()
