"""Run pages through the real ``zswap_store()`` of the running kernel.

:class:`KernelLab` is a context manager that, as root, prepares what a
measurement needs and puts every setting back on the way out:

1. debugfs mounted at ``/sys/kernel/debug`` (for the zswap counters);
2. the zswap module parameters asked for (``compressor``,
   ``max_pool_percent``, ...) and ``enabled=Y``;
3. the transparent huge page ``enabled`` files that make anonymous memory
   fault in folios of the chosen size;
4. its own swap device: a loop device over a temporary file, marked
   non-rotational (large folios are only swapped out whole to a
   non-rotational block device), at the highest swap priority.

:meth:`KernelLab.run_pages` then fills an anonymous private mapping aligned
to 2 MiB with the pages, calls ``madvise(MADV_PAGEOUT)`` (reclaim runs in the
calling thread, so the counters move before it returns) and returns the
change of every counter of :func:`~zswapviz.kernel.counters.read_counters`.

>>> with KernelLab(64) as lab:                        # doctest: +SKIP
...     run = lab.run_pages(make_pages("text", 64))
>>> run["zswpout"], run["mthp_64kB_zswpout"]          # doctest: +SKIP
(64, 4)

Restoring. Each change is pushed on an undo list *before* it is made, and the
list is also written to :data:`JOURNAL_PATH`. ``__exit__`` undoes the list in
reverse order whatever ended the block (an exception, ``KeyboardInterrupt``,
or ``SIGTERM``/``SIGHUP``, which the lab turns into ``SystemExit`` while it is
active in the main thread). While the lab sets up and while it restores,
``SIGINT``, ``SIGTERM`` and ``SIGHUP`` are *deferred* (:func:`signals_deferred`):
blocked in the calling thread, and, because a process-directed signal can be
delivered to any other thread that does not block it (numpy's OpenBLAS
workers do not), also caught by a handler that only notes it, so no
exception can be raised inside the set-up or the undo; each one noted is
delivered again right after. The undo loop itself goes on past any failure.
Only ``SIGKILL`` or a crash can leave settings behind: the next lab (or
``zswapviz lab recover``) finds the journal and restores it first, saying so
in one plain line on stderr; ``zswapviz lab status`` says when one waits.

Where. The journal and the lab's swap file live together in :data:`LAB_DIR`
(``/var/lib/zswapviz``, root's, persistent), so they share one lifetime: a
crash leaves both, and recovery removes both. The journal records the boot
it was written in; after a reboot (which reset every kernel setting) the
recovery only detaches and deletes the swap file and writes no setting.

Empty pool. The fresh ``swapon`` of the lab's own loop device starts an empty
zswap tree for that device, but entries of *other* swap devices share the
zsmalloc pool and would change ``pool_total_size`` deltas. With
``require_empty_pool=True`` (the default) the lab refuses to run when
``stored_pages`` is not 0 when it starts or before a run; with ``False`` it
only warns, and the run's ``check`` says the pool was not empty. Each run
unmaps its pages afterwards, which frees their zswap entries, so runs in one
lab each start from an empty pool again.

Only when asked. A lab changes this machine's settings, so it runs only
when the user asked for it explicitly: the ``zswapviz lab run``, ``compare``
and ``recover`` commands (and the recording and benchmark scripts) say so
with :func:`allow_live`; anywhere else (a notebook, a report, a test) the
environment variable :data:`LIVE_ENV` (``ZSWAPVIZ_LIVE_LAB=1``) must be set.
Without either, :func:`lab_problem` says why in one sentence and
:func:`exclusive` refuses, so no code path of a report or an unattended run
can reach the kernel.

Runs are serialised machine-wide by a lock file (:data:`LOCK_PATH`): two labs
(or a lab and :func:`~zswapviz.kernel.zram.zram_compressed_lengths`) never
change the kernel at the same time.

Parts. The code lives in four modules of this package, one job each:
:mod:`.settings` (the live-run permission, root, reading and writing the
host's settings, :func:`lab_problem`, :func:`system_snapshot`),
:mod:`.signals` (:func:`signals_deferred`, the test hook), :mod:`.journal`
(the undo list, the journal, the lock, :func:`recover`) and :mod:`.session`
(:class:`KernelLab`). The public names are importable from here. The parts
call each other through their modules (``settings.is_root()``,
``journal.exclusive()``), as do :mod:`..labrun` and :mod:`..zram`, and read
the host's paths through :mod:`..counters` (``counters.ZSWAP_PARAMS``), so
a test or a notebook check replaces a name on the module that defines it
(``monkeypatch.setattr(lab.settings, "is_root", ...)``) and every caller
sees the replacement; ``tests/test_lab_parts.py`` checks that every
replacement in the tests, notebooks and tools is made there.
"""

from __future__ import annotations

from .journal import LOCK_PATH, exclusive, journal_waiting, recover, settled_snapshot
from .session import SWAP_PRIORITY, KernelLab
from .settings import (
    JOURNAL_PATH,
    LIVE_ENV,
    allow_live,
    anon_folio_sizes_kb,
    is_root,
    lab_problem,
    live_allowed,
    live_request,
    system_snapshot,
)
from .signals import HOOK_ENV, signals_blocked, signals_deferred

__all__ = [
    "HOOK_ENV",
    "JOURNAL_PATH",
    "LIVE_ENV",
    "KernelLab",
    "LOCK_PATH",
    "SWAP_PRIORITY",
    "allow_live",
    "anon_folio_sizes_kb",
    "exclusive",
    "is_root",
    "lab_problem",
    "live_allowed",
    "live_request",
    "recover",
    "settled_snapshot",
    "journal_waiting",
    "signals_blocked",
    "signals_deferred",
    "system_snapshot",
]
