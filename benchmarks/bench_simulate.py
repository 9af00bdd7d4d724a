"""Speed and memory of the model, measured in one run.

Prints, on the same pages:
  * bulk ``simulate`` cost per page with ``lzo`` (one thread and all threads
    for the compressed lengths) beside python-lzo compressing the same pages
    alone, and their ratios (target: at most 1.5);
  * the time and peak memory to record the full trace of a 512-page folio
    (targets: at most 0.5 s and 100 MB).

Run: make bench   (or .venv/bin/python benchmarks/bench_simulate.py [PAGES])
"""

import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lzo  # noqa: E402

from zswapviz import Scenario  # noqa: E402
from zswapviz.pages import make_pages  # noqa: E402
from zswapviz.simulate import simulate  # noqa: E402


def best_of(repeats, fn):
    """The fastest of *repeats* timings of fn(), in seconds."""
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 32768
    pages = make_pages("text", n, seed=7)
    views = [pages[i:i + 4096] for i in range(0, len(pages), 4096)]
    simulate(pages[: 4096 * 512], 512, compressor="lzo", threads=1)  # compile and warm up
    simulate(pages[: 4096 * 512], 512, compressor="lzo", threads=None)

    def py_lzo():
        for v in views:
            lzo.compress(v, 1, False)

    rows = []
    t_lzo = best_of(3, py_lzo)
    for label, folio, threads in (("simulate 2M folios, 1 thread", 512, 1),
                                  ("simulate 64K folios, 1 thread", 16, 1),
                                  ("simulate 4K folios, 1 thread", 1, 1),
                                  ("simulate 2M folios, all threads", 512, None)):
        t = best_of(3, lambda: simulate(pages, folio, compressor="lzo", threads=threads, root_cgroup=True))
        rows.append((label, t))
    t_lzo = min(t_lzo, best_of(2, py_lzo))

    print(f"pages: {n} text pages, compressor lzo")
    print(f"{'python-lzo compress alone':36s} {t_lzo / n * 1e6:7.2f} us/page   1.00x")
    for label, t in rows:
        print(f"{label:36s} {t / n * 1e6:7.2f} us/page   {t / t_lzo:4.2f}x  (target <= 1.5x)")

    scenario = Scenario(pages={"kind": "mixed", "pages": 512}, folio_pages=512, compressor="lzo")
    scenario.pages = scenario.page_bytes()
    scenario.run()
    tracemalloc.start()
    t = time.perf_counter()
    trace = scenario.run()
    dt = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"trace of a 512-page folio: {len(trace)} steps in {dt:.3f} s (target <= 0.5 s), "
          f"peak {peak / 1e6:.1f} MB traced (target <= 100 MB)")


if __name__ == "__main__":
    main()
