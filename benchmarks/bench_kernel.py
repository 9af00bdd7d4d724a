"""The model's bulk ``simulate`` beside the kernel's ``MADV_PAGEOUT``, same pages, one run.

Run as root on a machine with zswap (the project's machines)::

    .venv/bin/python benchmarks/bench_kernel.py [--pages N] [--folio-size 2M --folio-size 64K ...]
                                                [--repeats R] [--compressor lzo] [--content text|realfiles]

For each folio size the kernel run (each in a fresh
:class:`~zswapviz.kernel.KernelLab`, so from an empty pool) and the model
run alternate *repeats* times on the same pages, so that load from other
processes slows both alike, and the best of each is kept:

* kernel: the ``madvise(MADV_PAGEOUT)`` call alone, which compresses and
  stores every page (one CPU);
* model: :func:`zswapviz.simulate.simulate` over the same pages with the
  kernel's compressor, limits and ``MemTotal``, from an empty pool (the
  numba compressor warmed up first); with all cores for the compressed
  lengths (the default) and, where ``simulate`` takes ``threads``, on one;
* the model's compressor alone (``lengths()``), to show what the rest of
  the model costs.

It prints microseconds per page and the ratio model / kernel (target: at
most 2), and whether the counters of the two runs were equal. Without root
or zswap it says why and prints the model's figures only. Nothing here is
asserted: tests never check wall-clock time.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from zswapviz.compress import get_compressor  # noqa: E402
from zswapviz.errors import UsageError  # noqa: E402
from zswapviz.kernel import KernelLab, differences, lab_problem, read_counters  # noqa: E402
from zswapviz.kernel.labrun import exposed_keys, swap_mib_for  # noqa: E402
from zswapviz.pages import PAGE_SIZE, make_pages  # noqa: E402
from zswapviz.simulate import simulate  # noqa: E402
from zswapviz.units import parse_folio_size  # noqa: E402

_HAS_THREADS = "threads" in inspect.signature(simulate).parameters


def make_content(kind: str, pages: int) -> bytes:
    """*pages* pages: 8192 distinct text pages (or the real files) repeated."""
    if kind == "realfiles":
        from zswapviz.kernel.realfiles import load_realfiles

        base = load_realfiles()
    else:
        base = make_pages("text", 4096, 1) + make_pages("text", 4096, 2)
    reps = -(-pages * PAGE_SIZE // len(base))
    return (base * reps)[:pages * PAGE_SIZE]


def model_once(pages: bytes, folio_pages: int, compressor: str, memtotal: int,
               max_pool_percent: int, accept: int, threads: int | None = None) -> tuple[float, dict]:
    kwargs = {"threads": threads} if _HAS_THREADS and threads is not None else {}
    t0 = time.perf_counter()
    result = simulate(pages, folio_pages, kernel="6.18", compressor=compressor,
                      max_pool_percent=max_pool_percent, accept_threshold_percent=accept,
                      total_ram_pages=memtotal, root_cgroup=True, **kwargs)
    return time.perf_counter() - t0, result


def lengths_once(pages: bytes, compressor: str) -> float:
    comp = get_compressor(compressor)
    arr = np.frombuffer(pages, np.uint8).reshape(-1, PAGE_SIZE)
    t0 = time.perf_counter()
    comp.lengths(arr)
    return time.perf_counter() - t0


def bench_size(pages: bytes, folio_pages: int, compressor: str, repeats: int,
               live: bool) -> dict:
    n = len(pages) // PAGE_SIZE
    memtotal = read_counters().get("memtotal_pages") or 6171023
    best = {"kernel": float("inf"), "model": float("inf"), "model_1": float("inf"),
            "lengths": float("inf")}
    equal = None

    def model_passes(max_pool: int, accept: int) -> dict:
        t, result = model_once(pages, folio_pages, compressor, memtotal, max_pool, accept)
        best["model"] = min(best["model"], t)
        if _HAS_THREADS:
            t1, _ = model_once(pages, folio_pages, compressor, memtotal, max_pool, accept, threads=1)
            best["model_1"] = min(best["model_1"], t1)
        best["lengths"] = min(best["lengths"], lengths_once(pages, compressor))
        return result

    if live:
        equal = True
        for _ in range(repeats):
            # A fresh lab (swapon) per kernel pass: an empty pool every time, even
            # if a folio of the last pass stayed in the swap cache.
            with KernelLab(folio_pages * 4, compressor=compressor, swap_mib=swap_mib_for(n)) as lab:
                max_pool = int(lab.params["max_pool_percent"])
                accept = int(lab.params["accept_threshold_percent"])
                run = lab.run_pages(pages)
            best["kernel"] = min(best["kernel"], run["elapsed_s"])
            kernel_counts = {k: run[k] for k in exposed_keys(folio_pages) if k in run}
            kernel_counts["folio_pages"] = folio_pages
            model = model_passes(max_pool, accept)
            equal = equal and differences(kernel_counts, model) == {}
            if run["check"]["warnings"]:
                print(f"  kernel lab warning: {run['check']['warnings']}", file=sys.stderr)
    else:
        for _ in range(repeats):
            model_passes(20, 90)
    return {k: (v / n * 1e6 if v != float("inf") else None) for k, v in best.items()} | {"equal": equal}


def main(argv: list[str] | None = None) -> int:
    """Measure and print; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=65536, help="pages per run (default 65536 = 256 MiB)")
    parser.add_argument("--folio-size", action="append", default=None, metavar="SIZE",
                        help="folio size (repeatable; default 2M, 64K and 4K)")
    parser.add_argument("--repeats", type=int, default=3, help="passes of each; the best is kept")
    parser.add_argument("--compressor", default="lzo")
    parser.add_argument("--content", choices=("text", "realfiles"), default="text")
    args = parser.parse_args(argv)
    try:
        sizes = [parse_folio_size(s) for s in (args.folio_size or ["2M", "64K", "4K"])]
    except UsageError as e:
        parser.error(str(e))
    from zswapviz.kernel.lab import allow_live

    allow_live()  # running this script is the request for live runs
    problem = lab_problem(max(sizes) * 4) or (None if all(lab_problem(s * 4) is None for s in sizes)
                                              else "a folio size asked for is not offered here")
    live = problem is None
    pages = make_content(args.content, args.pages)
    n = args.pages
    t0 = time.perf_counter()
    simulate(pages[:512 * PAGE_SIZE], 512, compressor=args.compressor, root_cgroup=True)  # numba warm-up
    warm = time.perf_counter() - t0
    print(f"{n} {args.content} pages ({n * PAGE_SIZE >> 20} MiB), compressor {args.compressor}, "
          f"best of {args.repeats}; kernel {os.uname().release}, {os.cpu_count()} CPUs; "
          f"model warm-up {warm:.2f} s")
    if not live:
        print(f"kernel not measured: {problem}")
    head = (f"{'folio':>6} {'kernel us/page':>15} {'model us/page':>14} {'model/kernel':>13} "
            f"{'model 1 thread':>15} {'ratio':>6} {'compress only':>14} {'counters':>9}")
    print(head)
    for folio_pages in sizes:
        r = bench_size(pages, folio_pages, args.compressor, args.repeats, live)
        fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
        ratio = r["model"] / r["kernel"] if r["kernel"] else None
        ratio1 = r["model_1"] / r["kernel"] if r["kernel"] and r["model_1"] else None
        label = f"{folio_pages * 4}K" if folio_pages < 256 else f"{folio_pages * 4 // 1024}M"
        counters = "-" if r["equal"] is None else ("equal" if r["equal"] else "DIFFER")
        print(f"{label:>6} {fmt(r['kernel']):>15} {fmt(r['model']):>14} {fmt(ratio):>13} "
              f"{fmt(r['model_1']):>15} {fmt(ratio1):>6} {fmt(r['lengths']):>14} {counters:>9}",
              flush=True)
    print("target: model/kernel <= 2 (issue 6); 'compress only' is the model's compressor "
          "alone on the same pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
