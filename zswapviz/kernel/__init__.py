"""The running kernel as an oracle: counters, a zswap lab and a zram probe.

* :func:`read_counters` and :func:`delta` read zswap, swap and mTHP counters
  under the kernel's own names (:mod:`.counters`; no root needed, it just sees
  less without it);
* :class:`KernelLab` prepares zswap, a swap device and the folio size, runs
  pages through ``MADV_PAGEOUT`` and restores every setting (:mod:`.lab`;
  root);
* :func:`zram_compressed_lengths` reads the kernel compressor's length of
  single pages through zram (:mod:`.zram`; root).

Recorded runs live in ``data/kernel/*.json`` (``tools/record_kernel_runs.py``).
"""

from .counters import delta, read_counters
from .lab import KernelLab, lab_problem, system_snapshot
from .zram import zram_compressed_lengths, zram_problem

__all__ = [
    "KernelLab",
    "delta",
    "lab_problem",
    "read_counters",
    "system_snapshot",
    "zram_compressed_lengths",
    "zram_problem",
]
