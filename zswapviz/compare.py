"""The same scenario under every kernel and reference strategy, side by side.

:func:`compare_variants` runs a scenario once per (kernel, refs) pair and
returns a pandas DataFrame, one row per variant: stored or not, each
counter, the ledger at the end and what the validators found.
:func:`batching_cost` is the cost model of the compress-batching series.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Iterable

from .errors import UsageError
from .ledger import file_block
from .profiles import KERNEL_NAMES, REF_STRATEGIES, check_refs, get_profile
from .scenario import Scenario, ledger

__all__ = ["batching_cost", "compare_variants", "variant_row"]

_COUNTERS = ("zswpout", "pswpout", "swpout_zero", "stored_incompressible_pages", "pool_limit_hit",
             "reject_compress_poor", "reject_compress_fail", "reject_alloc_fail",
             "reject_kmemcache_fail", "reject_reclaim_fail", "written_back_pages")


def compare_variants(scenario: Scenario, kernels: Iterable[str] | None = None,
                     refs: Iterable[str] | None = None):
    """Run *scenario* under each kernel x reference strategy; one row per variant.

    Pairs that do not exist (a ref strategy on 6.12 or v9) are left out.
    Columns: kernel, refs, unmerged, outcome (what ``swap_writepage``
    returned per folio), stored (all folios in zswap), the ledger, the
    counters, ``violations`` (a list) and ``ok``.
    """
    import pandas as pd

    rows = []
    for kernel in kernels or KERNEL_NAMES:
        for strategy in refs or REF_STRATEGIES:
            try:
                check_refs(strategy, kernel)
            except UsageError:
                continue
            rows.append(variant_row(replace(scenario, kernel=kernel, refs=strategy).run()))
    return pd.DataFrame(rows)


def variant_row(trace) -> dict:
    """One row of :func:`compare_variants` from a recorded trace (no run of its own)."""
    world = trace.world
    row = {"kernel": trace.meta["kernel"], "refs": trace.meta["refs"],
           "unmerged": get_profile(trace.meta["kernel"]).unmerged,
           "outcome": ",".join(str(r) for r in trace.results),
           "stored": all(r == "zswap" for r in trace.results), "steps": len(trace)}
    row.update(ledger(trace))
    row.update(file_block(trace))
    # a counter the release lacks stays out (None), as the kernel has no file for it
    row.update({k: world.stats.get(k) for k in _COUNTERS})
    row["violations"] = list(world.violations)
    row["ok"] = not world.violations
    return row


def batching_cost(per_page_us: list[float], batch_size: int = 8, batch_latency_us: float = 10.0,
                  per_page_overhead_us: float = 1.0) -> dict:
    """Compression time of one folio: software one page after another vs. a batching accelerator.

    The model (a teaching model of the unmerged compress-batching series,
    lore 20260125033537.334628-26-kanchana.p.sridhar@intel.com, not a
    measurement of hardware):

    * software: each page costs its measured compression time, one after
      another, plus *per_page_overhead_us* for allocation, xa_store, refs
      and LRU;
    * accelerator: each batch of up to *batch_size* pages is compressed in
      parallel in *batch_latency_us*, whatever its size; the same per-page
      overhead follows.

    Returns both totals in microseconds, the number of batches, and the
    speed-up (software / accelerator).
    """
    n = len(per_page_us)
    if n == 0 or batch_size < 1 or batch_latency_us < 0:
        raise UsageError("batching_cost needs at least one page, a batch size of 1 or more and a latency of 0 or more")
    batches = -(-n // batch_size)
    software = sum(per_page_us) + n * per_page_overhead_us
    accelerator = batches * batch_latency_us + n * per_page_overhead_us
    return {"pages": n, "batches": batches, "software_us": software, "accelerator_us": accelerator,
            "speedup": software / accelerator if accelerator else math.inf}
