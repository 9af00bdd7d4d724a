"""The running kernel as an oracle: counters, a zswap lab, recorded runs, a zram probe.

* :func:`read_counters` and :func:`delta` read zswap, swap and mTHP counters
  under the kernel's own names (:mod:`.counters`; no root needed, it just sees
  less without it); :func:`kernel_summary` and :func:`format_kernel_summary`
  shape them for a "your kernel" panel (:mod:`.summary`);
* :class:`KernelLab` prepares zswap, a swap device and the folio size, runs
  pages through ``MADV_PAGEOUT`` and restores every setting (:mod:`.lab`;
  root); :func:`lab_run` does one such run with the results under
  ``zswapviz simulate --json``'s keys and :func:`model_run` runs the model
  the same way (:mod:`.labrun`); :func:`format_comparison` and
  :func:`plot_comparison` put them side by side (:mod:`.compare`);
* :func:`recorded_runs` and friends give the runs recorded on this project's
  6.18 kernel (``data/kernel/``) to machines without one (:mod:`.recorded`,
  :mod:`.realfiles`);
* :func:`zram_compressed_lengths` reads the kernel compressor's length of
  single pages through zram (:mod:`.zram`; root).

``zswapviz lab ...`` is the command line (:mod:`.cli`). Nothing here imports
matplotlib until a plot is drawn.
"""

from .compare import compare_results, differences, format_comparison, plot_comparison
from .counters import delta, read_counters
from .lab import KernelLab, lab_problem, system_snapshot
from .labrun import lab_refusal, lab_run, memcg_of_process, model_run
from .recorded import (
                       as_kernel_result,
                       recorded_run,
                       recorded_runs,
                       recorded_workloads,
                       recording_pages,
                       replay_workload,
)
from .summary import format_kernel_summary, kernel_summary, model_kernel_for_release
from .zram import zram_compressed_lengths, zram_problem

__all__ = [
    "KernelLab",
    "as_kernel_result",
    "compare_results",
    "delta",
    "differences",
    "format_comparison",
    "format_kernel_summary",
    "kernel_summary",
    "lab_problem",
    "lab_refusal",
    "lab_run",
    "memcg_of_process",
    "model_kernel_for_release",
    "model_run",
    "plot_comparison",
    "read_counters",
    "recorded_run",
    "recorded_runs",
    "recorded_workloads",
    "recording_pages",
    "replay_workload",
    "system_snapshot",
    "zram_compressed_lengths",
    "zram_problem",
]
