"""Per-page cost of the own LZO1X-1 (numba) against python-lzo, on text pages.

Run: ``.venv/bin/python benchmarks/bench_compress.py [pages] [repeats]``.
Every figure is the best of *repeats* passes over the same pages, the
candidates' passes interleaved and all measured in this one run, so the
ratios compare like with like on this machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lzo  # noqa: E402
import numpy as np  # noqa: E402

from zswapviz.compress.lzo1x import (  # noqa: E402
    KERNEL_D_BITS,
    LIBLZO2_D_BITS,
    lzo1x_1_compress,
    lzo1x_1_compress_lengths,
    warm_up,
)
from zswapviz.pages import PAGE_SIZE, make_pages, split_pages  # noqa: E402


def best_per_page(runs: list[Callable[[], object]], pages: int, repeats: int) -> list[float]:
    """Time each of *runs* *repeats* times, interleaved, and return each one's best in us per page.

    Interleaving the passes means a burst of load from another process slows
    every candidate alike instead of one of them.
    """
    best = [float("inf")] * len(runs)
    for _ in range(repeats):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - start)
    return [b / pages * 1e6 for b in best]


def main(argv: list[str]) -> None:
    """Print python-lzo's per-page cost, the own compressor's, and their ratios."""
    n = int(argv[1]) if len(argv) > 1 else 4096
    repeats = int(argv[2]) if len(argv) > 2 else 7
    data = make_pages("text", n, seed=1)
    pages = split_pages(data)
    array = np.frombuffer(data, np.uint8).reshape(-1, PAGE_SIZE)

    start = time.perf_counter()
    warm_up()
    warm = time.perf_counter() - start

    candidates = [
        ("python-lzo lzo.compress(p, 1, False)",
         lambda: [lzo.compress(p, 1, False) for p in pages]),
        (f"own lengths(), batched, d_bits {LIBLZO2_D_BITS}",
         lambda: lzo1x_1_compress_lengths(array, LIBLZO2_D_BITS)),
        (f"own lengths(), batched, d_bits {KERNEL_D_BITS}",
         lambda: lzo1x_1_compress_lengths(array, KERNEL_D_BITS)),
        (f"own lengths(), batched, d_bits {KERNEL_D_BITS}, rle",
         lambda: lzo1x_1_compress_lengths(array, KERNEL_D_BITS, True)),
        (f"own compress() per call, d_bits {LIBLZO2_D_BITS}",
         lambda: [lzo1x_1_compress(p, LIBLZO2_D_BITS) for p in pages]),
        (f"own compress() per call, d_bits {KERNEL_D_BITS}",
         lambda: [lzo1x_1_compress(p, KERNEL_D_BITS) for p in pages]),
    ]
    costs = best_per_page([run for _, run in candidates], n, repeats)
    reference = costs[0]
    print(f"{n} text pages, best of {repeats}; warm_up() took {warm:.2f} s")
    print(f"{'what':<44} {'us/page':>8} {'x python-lzo':>13}")
    for (label, _), cost in zip(candidates, costs):
        print(f"{label:<44} {cost:8.2f} {cost / reference:13.2f}")


if __name__ == "__main__":
    main(sys.argv)
