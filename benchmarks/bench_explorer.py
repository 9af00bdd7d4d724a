"""How long one step of the explorer takes to redraw, for a 2 MiB (512-page) folio.

Run: .venv/bin/python benchmarks/bench_explorer.py [--steps N]

Prints, on the Agg backend, the median and 95th percentile over N steps
spread over the whole trace of:

* redraw: moving the figure's artists to the step and drawing it into the
  canvas (the budget is 50 ms);
* + PNG: the same plus encoding the PNG the explorer shows without ipympl;
* explorer.go: everything a step does in the explorer (figure, PNG, step
  sentence, counters table, badge).

The first draw of a trace (all panels, once per run) is printed apart. Tests
never assert these times; this script only reports them.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from zswapviz import Scenario  # noqa: E402
from zswapviz.plots import EXPLORER_FIGSIZE, draw_explorer  # noqa: E402
from zswapviz.widgets import Explorer  # noqa: E402

BUDGET_MS = 50.0


def measure(fn, ks) -> list[float]:
    out = []
    for k in ks:
        t = time.perf_counter()
        fn(int(k))
        out.append((time.perf_counter() - t) * 1000)
    return out


def summary(name: str, ms: list[float]) -> str:
    p95 = float(np.percentile(ms, 95))
    return f"{name:28s} median {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   max {max(ms):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="steps to time (default 200)")
    args = parser.parse_args()

    scenario = Scenario(title="2 MiB folio, zs_malloc failing at page 400",
                        pages={"kind": "mixed", "pages": 512, "seed": 1}, folio_pages=512,
                        faults={400: "alloc_fail"})
    t = time.perf_counter()
    trace = scenario.run()
    record_ms = (time.perf_counter() - t) * 1000
    rng = np.random.default_rng(0)
    ks = rng.integers(0, len(trace), size=args.steps)

    fig = Figure(figsize=EXPLORER_FIGSIZE, dpi=80)
    t = time.perf_counter()
    art = draw_explorer(fig, trace, 0)
    art.render()
    first_ms = (time.perf_counter() - t) * 1000

    def redraw(k):
        art.update(k)
        art.render()

    def redraw_png(k):
        redraw(k)
        buf = io.BytesIO()
        Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1) \
            .convert("RGB").save(buf, format="png", compress_level=1)

    ex = Explorer(scenario, live=False)
    redraw_ms = measure(redraw, ks)
    png_ms = measure(redraw_png, ks)
    go_ms = measure(ex.go, ks)

    w, h = fig.canvas.get_width_height()
    print(f"trace: {len(trace)} steps of a {scenario.folio_pages}-page folio, recorded in {record_ms:.0f} ms")
    print(f"figure: {w} x {h} px on Agg; first draw of all panels {first_ms:.0f} ms (once per run)")
    print(summary("redraw (update + draw)", redraw_ms))
    print(summary("redraw + PNG", png_ms))
    print(summary("explorer.go (all of a step)", go_ms))
    verdict = "within" if statistics.median(redraw_ms) <= BUDGET_MS else "OVER"
    print(f"budget: a step's redraw <= {BUDGET_MS:.0f} ms: median {statistics.median(redraw_ms):.1f} ms, {verdict} budget")


if __name__ == "__main__":
    main()
