"""What the explorer costs on the Python side, for a 2 MiB (512-page) folio and eight of them.

Run: .venv/bin/python benchmarks/bench_explorer.py

Prints, for each run: recording it, computing its view model
(``zswapviz-view/1``), its size as JSON, a scenario change in the explorer
(run + view model + sending it, what the kernel does before the page can
draw), a step set from Python (``explorer.go``: only a synced number; the
page draws in the browser, see bench_browser.py), and "Save figure" (the
step drawn with matplotlib, ``trace.plot(k)``). Tests never assert these
times; this script only reports them.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zswapviz import Scenario
from zswapviz.views.stepper import dumps
from zswapviz.views.viewmodel import view_model
from zswapviz.widgets import Explorer


def ms(fn, repeat: int = 1) -> float:
    """Median wall time of *fn* over *repeat* calls, in milliseconds."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out)


def bench(name: str, scenario: Scenario) -> None:
    """Print the figures of one run."""
    t = time.perf_counter()
    trace = scenario.run()
    record = (time.perf_counter() - t) * 1000
    vm_ms = ms(lambda: view_model(trace), 3)
    text = dumps(view_model(trace))
    print(f"{name}: {len(trace)} steps, {len(trace.snapshots[0].cells)} pages; recorded in {record:.0f} ms")
    print(f"  view model {vm_ms:.0f} ms, {len(text) / 1024:.0f} KiB as JSON ({len(text) / len(trace):.0f} bytes a step)")
    ex = Explorer(scenario)
    page = 3 if scenario.faults else None
    change = ms(lambda: ex.set(fault_kind="compress_fail" if page else "none", fault_page=page or 5))
    print(f"  a scenario change in the explorer (run, view model, send): {change:.0f} ms")
    ks = list(range(0, len(ex.trace), max(1, len(ex.trace) // 200)))
    go = statistics.median([ms(lambda k=k: ex.go(k)) for k in ks])
    print(f"  explorer.go from Python: median {go:.2f} ms (the page draws the step itself)")
    k = len(ex.trace) // 2
    save = ms(lambda: ex.trace.plot(k).savefig(io.BytesIO(), format="png"))
    print(f"  Save figure (trace.plot(k) to PNG, matplotlib): {save:.0f} ms")


def main() -> None:
    bench("one 2 MiB folio, zs_malloc failing at page 400",
          Scenario(pages={"kind": "mixed", "pages": 512, "seed": 1}, folio_pages=512, faults={400: "alloc_fail"}))
    bench("eight 2 MiB folios", Scenario(pages={"kind": "text", "pages": 4096, "seed": 1}, folio_pages=512))


if __name__ == "__main__":
    main()
