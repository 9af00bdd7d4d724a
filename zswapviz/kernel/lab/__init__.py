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
(:class:`KernelLab`). Every name stays importable from here, private ones
included, and a name *set* here (``lab.is_root = ...``,
``monkeypatch.setattr(lab, "JOURNAL_PATH", ...)``, as the tests and the
notebook checks do) is set in every part that uses it, so the replacement
reaches the code that reads it.
"""

from __future__ import annotations

import sys
import types

from . import journal, session, settings, signals
from .journal import LOCK_PATH, exclusive, journal_waiting, recover, settled_snapshot
from .session import KernelLab
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

#: The parts, in import order.
_PARTS = (settings, signals, journal, session)


class _LabModule(types.ModuleType):
    """This module: setting a name sets it in every part that binds it (see the module docstring)."""

    def __setattr__(self, name: str, value) -> None:
        if name in vars(self):  # a name imported here (the public ones): the parts that use it get it too
            for part in _PARTS:
                if name in vars(part):
                    setattr(part, name, value)
        super().__setattr__(name, value)  # the other names of the parts: _forward's setter


def _forward(name: str) -> property:
    """*name* of the parts (a private helper, ``os``, ``ZSWAP_PARAMS``, ...) as an attribute of this module.

    Read from the first part that binds it; set in every part that binds it.
    A property (a data descriptor), so ``monkeypatch`` reads the current
    value to restore and restores it by setting it again.
    """
    def get(module):
        return next(vars(part)[name] for part in _PARTS if name in vars(part))

    def put(module, value) -> None:
        for part in _PARTS:
            if name in vars(part):
                setattr(part, name, value)

    return property(get, put, doc=f"{name} of the lab's parts")


for _name in sorted({name for part in _PARTS for name in vars(part) if not name.startswith("__")} - set(globals())):
    setattr(_LabModule, _name, _forward(_name))
del _name

sys.modules[__name__].__class__ = _LabModule
