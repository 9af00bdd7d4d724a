"""A recorded run: every kernel step with its sentence and the state after it.

:func:`record` runs the operations of :mod:`zswapviz.store` through the
one driver (:func:`zswapviz.actions.drive`) and keeps a snapshot after
every step; the explorer, plots, reports and tests only replay the
:class:`Trace` it returns, so stepping back and scrubbing cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .actions import PHASES, Action, Operation, Phase, drive
from .constants import ENOSPC, errno_name
from .model.world import World
from .snapshot import Snapshot, Snapshotter

__all__ = ["Step", "Trace", "describe", "record"]


@dataclass(frozen=True, slots=True)
class Step:
    """One kernel action: which function, on which slot, in which phase."""

    #: Position in the trace.
    index: int
    #: Who acted: the operation's kernel entry point ("swap_writepage",
    #: "zswap_load", ...) or an interleaved actor ("writeback", ...).
    actor: str
    #: Which operation of the run (0 for the first folio swapped out, ...).
    operation_index: int
    #: The kernel function or counter update, by its kernel name.
    fn: str
    #: Swap offset concerned, or None for folio-wide or global steps.
    offset: int | None
    #: Page index within the trace's window (offset - window start), or None.
    page: int | None
    #: Which part of the operation (a zswapviz.actions.Phase, equal to its string).
    phase: Phase
    #: A length, a count or a negative errno, depending on *fn*.
    arg: int | None
    #: One plain sentence for a learner.
    text: str

    @property
    def failed(self) -> bool:
        """Whether this step is a kernel call returning an error."""
        return self.arg is not None and self.arg < 0


def _err(arg: int) -> str:
    return errno_name(arg)


def _p(page) -> str:
    return "the folio" if page is None else f"page {page}"


def _alloc_fail(fn: str, page, arg: int) -> str:
    if arg == ENOSPC:
        return f"{fn}() refuses more than 4096 bytes for {_p(page)} (-ENOSPC) before allocating anything: reject_compress_poor + 1."
    return f"{fn}() for {_p(page)} fails ({_err(arg)}): reject_alloc_fail + 1."


_SENTENCES: dict[str, Callable[[int | None, int | None], str]] = {
    "swap_writepage": lambda p, a: f"Reclaim asks to swap out a folio of {a} page(s); it is locked in the swap cache.",
    "swap_writeout": lambda p, a: f"Reclaim asks to swap out a folio of {a} page(s) (swap_writeout); it is locked in the swap cache.",
    "swap_zeromap_folio_set": lambda p, a: f"Every byte of the folio is zero: its {a} slot(s) are marked in the swap zeromap; zswap is not called and nothing is written.",
    "zswap_store": lambda p, a: f"zswap_store() starts on a folio of {a} page(s).",
    "zswap_is_enabled": lambda p, a: "zswap is disabled: nothing is stored, but stale entries of these slots must still go (check_old).",
    "get_obj_cgroup_from_folio": lambda p, a: "Take a reference on the folio's obj_cgroup for the duration of the store.",
    "obj_cgroup_may_zswap": lambda p, a: "The cgroup is at its memory.zswap.max: try to make room by writing one of its entries back.",
    "shrink_memcg": lambda p, a: ("shrink_memcg() wrote an entry back: the store may go on." if a == 0 else f"shrink_memcg() returned {_err(a)}: the store is refused."),
    "zswap_check_limits": lambda p, a: ("The pool is at max_pool_percent (or still above the accept threshold after hitting it): the folio is refused." if a else "The pool is under its limit: go on."),
    "zswap_pool_current_get": lambda p, a: ("Take a reference on the current pool (percpu_ref_tryget) for the whole store." if a else "No usable pool: the store is refused."),
    "memcg_list_lru_alloc": lambda p, a: "Make sure the cgroup has its zswap LRU lists.",
    "zswap_entry_cache_alloc": lambda p, a: (f"Allocating the zswap_entry for {_p(p)} failed (-ENOMEM): reject_kmemcache_fail + 1." if a else f"Allocate a zswap_entry for {_p(p)}."),
    "crypto_acomp_compress": lambda p, a: (f"The compressor fails on {_p(p)} ({_err(a)})." if a is not None and a < 0 else f"Compress {_p(p)}: 4096 bytes become {a}, more than the one page of output it was given (LZO before cc47f07234f7 does not check)." if a is not None and a > 4096 else f"Compress {_p(p)}: 4096 bytes become {a}."),
    "mem_cgroup_zswap_writeback_enabled": lambda p, a: (f"{_p(p).capitalize()} does not compress below a page and the cgroup forbids writeback: rejected ({_err(a)}: reject_compress_{'poor' if a == ENOSPC else 'fail'} + 1)." if a is not None and a < 0 else f"{_p(p).capitalize()} does not compress below a page: it is stored as is, 4096 bytes (stored_incompressible_pages)." if a else "The cgroup's memory.zswap.writeback is 0: the shrinker skips it."),
    "zswap_compress": lambda p, a: (f"The compressor's -ENOSPC for {_p(p)} means it did not fit: reject_compress_poor + 1." if a == ENOSPC else f"Compression of {_p(p)} failed ({_err(a)}): reject_compress_fail + 1; the allocator is never called."),
    "zs_malloc": lambda p, a: (_alloc_fail("zs_malloc", p, a) if a is not None and a < 0 else f"zs_malloc() places {a} bytes (+8 for the handle) in a zsmalloc size class."),
    "zpool_malloc": lambda p, a: (_alloc_fail("zpool_malloc", p, a) if a is not None and a < 0 else f"zpool_malloc() places {a} bytes (+8 for the handle) in a zsmalloc size class."),
    "zs_free": lambda p, a: f"Free {_p(p)}'s zsmalloc object again." if p is not None else f"Free {a} zsmalloc object(s) of the batch again.",
    "zpool_free": lambda p, a: f"Free {_p(p)}'s zsmalloc object again.",
    "zswap_entry_cache_free": lambda p, a: f"Free {_p(p)}'s unpublished zswap_entry: it was never in the tree, never referenced, never charged.",
    "xa_store": lambda p, a: (f"xa_store() for {_p(p)} cannot allocate a node (-ENOMEM): reject_alloc_fail + 1." if a else f"Publish {_p(p)}'s entry in the xarray at its swap offset (xa_store)."),
    "zswap_entry_free": lambda p, a: f"Free the entry that was at {_p(p)}'s slot ({a} bytes): its LRU place, zsmalloc object, pool ref, charge and stored_pages go.",
    "zswap_pool_get": lambda p, a: "The published entry takes its own pool reference (zswap_pool_get).",
    "obj_cgroup_get": lambda p, a: "The entry takes its own obj_cgroup reference.",
    "obj_cgroup_charge_zswap": lambda p, a: f"Charge {a} compressed bytes to the cgroup (memory.zswap.current).",
    "atomic_long_inc(zswap_stored_pages)": lambda p, a: "stored_pages + 1.",
    "atomic_long_add(zswap_stored_pages)": lambda p, a: f"stored_pages + {a}, once for the whole folio (6.13).",
    "zswap_lru_add": lambda p, a: f"Put {_p(p)}'s entry on the LRU: from now on writeback can find it.",
    "count_objcg_events": lambda p, a: f"The cgroup's zswpout + {a}.",
    "count_vm_events": lambda p, a: f"vmstat zswpout + {a}: the folio is stored.",
    "zswap_pool_put": lambda p, a: "Drop the store's own pool reference; each entry keeps its own.",
    "obj_cgroup_put": lambda p, a: "Drop the store's own obj_cgroup reference.",
    "queue_work(shrink_wq)": lambda p, a: "The pool is full: queue the shrink worker to write entries back.",
    "xa_erase": lambda p, a: (f"Erase {_p(p)}'s slot from the xarray and free the entry there ({a} bytes)." if a else f"Erase {_p(p)}'s slot from the xarray: nothing there."),
    "count_mthp_stat": lambda p, a: "The per-size mTHP zswpout counter + 1 for this folio.",
    "folio_mark_dirty": lambda p, a: "Refused, and the cgroup forbids writeback: the folio stays in memory (AOP_WRITEPAGE_ACTIVATE).",
    "__swap_writepage": lambda p, a: f"Write {a} page(s) to the swap device: pswpout + {a}.",
    "shrink_memcg_cb": lambda p, a: ({0: f"{_p(p).capitalize()}'s entry was referenced: clear the bit and rotate it (second chance).",
                                      1: f"{_p(p).capitalize()}'s entry was written back: written_back_pages + 1."}.get(a, f"Writeback of {_p(p)} failed ({_err(a)}): reject_reclaim_fail + 1.")),
    "__read_swap_cache_async": lambda p, a: (f"{_p(p).capitalize()}'s slot is in the swap cache: writeback gives up (-EEXIST)." if a else f"Allocate a swap-cache folio for {_p(p)}'s slot."),
    "xa_cmpxchg": lambda p, a: ("The tree no longer holds that entry: writeback gives up." if a else f"Take {_p(p)}'s entry out of the tree (xa_cmpxchg)."),
    "zswap_decompress": lambda p, a: f"Decompress {a} bytes back into a 4096-byte page.",
    "list_lru_walk_one": lambda p, a: (f"The shrinker cannot reach {_p(p)}'s entry: it is not on the LRU (yet)." if p is not None else "The LRU is empty: nothing to write back."),
    "swap_entry_free": lambda p, a: f"Freeing {_p(p)}'s swap slot must wait: the folio being stored holds it in the swap cache.",
    "xa_load": lambda p, a: (f"Look up {_p(p)}'s slot: an entry of {a} bytes." if a else f"Look up {_p(p)}'s slot: not in zswap."),
    "count_vm_event": lambda p, a: "vmstat zswpin + 1.",
    "zswap_load": lambda p, a: ("Loaded from zswap." if a else "Not in zswap: the page is read from the swap device."),
    "folio_test_large": lambda p, a: ("zswap cannot load into a large folio: WARN, the folio is not uptodate and the fault gets an I/O error." if a is not None and a < 0 else f"A large folio ({a} pages): this kernel's zswap refuses it before any check; it goes to the swap device whole."),
    "count_objcg_event": lambda p, a: "The cgroup's zswpout + 1.",
    "atomic_inc(zswap_stored_pages)": lambda p, a: "stored_pages + 1.",
    "percpu_ref_get_many": lambda p, a: f"Take {a} pool references in one go (percpu_ref_get_many).",
    "obj_cgroup_get_many": lambda p, a: f"Take {a} obj_cgroup references in one go.",
    "percpu_ref_put_many": lambda p, a: f"Drop {a} pool references in one go (percpu_ref_put_many).",
    "obj_cgroup_put_many": lambda p, a: f"Drop {a} obj_cgroup references in one go.",
    "kmem_cache_alloc_bulk": lambda p, a: ("Allocating the batch's zswap_entries failed (-ENOMEM): reject_kmemcache_fail + 1." if a is not None and a < 0 else f"Allocate {a} zswap_entries in one go for a batch (kmem_cache_alloc_bulk)."),
    "kmem_cache_free_bulk": lambda p, a: f"Free the batch's {a} unpublished entries; entries already in the tree are left to check_old.",
    "zs_compact": lambda p, a: f"The pool shrinker compacts zsmalloc: objects move into fuller zspages and {a} page(s) are freed.",
    "zswap_pool_create": lambda p, a: "Create a pool for the new compressor; it becomes current.",
    "percpu_ref_kill": lambda p, a: f"Kill the old pool's base reference; it lives while its entries do ({a} ref(s) left).",
}


def describe(fn: str, page: int | None, arg: int | None, phase: str = "") -> str:
    """One plain sentence for a step, as the explorer shows it."""
    if fn == "zswap_store" and phase == "done":
        return "The folio is stored in zswap." if arg else "zswap_store() fails: no slot of the folio holds a zswap entry now."
    sentence = _SENTENCES.get(fn)
    return f"{fn}." if sentence is None else sentence(page, arg)


class Trace:
    """Recorded steps and the snapshot after each; index ``trace[k]``."""

    def __init__(self, steps: list[Step], snapshots: list[Snapshot], world: World,
                 results: list, meta: dict | None = None) -> None:
        #: The steps, in order.
        self.steps = steps
        #: snapshots[k] is the state after steps[k].
        self.snapshots = snapshots
        #: The world after the last step (mutable; do not change it).
        self.world = world
        #: What each operation returned, in order.
        self.results = results
        #: What the run was: scenario name, kernel, compressor, folio size ...
        self.meta = dict(meta or {})

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k: int) -> tuple[Step, Snapshot]:
        return self.steps[k], self.snapshots[k]

    def __iter__(self) -> Iterator[tuple[Step, Snapshot]]:
        return zip(self.steps, self.snapshots)

    def find(self, fn: str | None = None, phase: str | None = None, failed: bool | None = None) -> list[int]:
        """Indices of steps matching every given criterion."""
        return [s.index for s in self.steps
                if (fn is None or s.fn == fn) and (phase is None or s.phase == phase)
                and (failed is None or s.failed == failed)]

    @property
    def failure_index(self) -> int | None:
        """Index of the first step that returned an error, or None."""
        hits = self.find(failed=True)
        return hits[0] if hits else None

    @property
    def rollback_indices(self) -> list[int]:
        """Indices of the rollback steps."""
        return self.find(phase="rollback")

    def plot(self, step: int | None = None, path=None):
        """Draw *step* (default: the last) with matplotlib; save it to *path* (.png/.svg/.pdf) if given; return the figure."""
        from .plots import plot_step, save_step_figure

        if path is not None:
            save_step_figure(self, len(self) - 1 if step is None else step, path)
        return plot_step(self, step)

    def to_text(self, source: bool = False) -> str:
        """The steps as readable lines: index, phase, function, page, sentence.

        With *source*, each step's line of its release's listing
        (:mod:`zswapviz.listings`) comes between the page and the sentence.
        """
        code = None
        if source:
            from .listings import source_column
            code = [c if len(c) <= 72 else c[:71] + "~" for c in source_column(self)]
        lines = []
        for k, s in enumerate(self.steps):
            page = "" if s.page is None else f"p{s.page}"
            middle = "" if code is None else f"{code[k]:72s}  "
            lines.append(f"{s.index:4d}  {s.phase:9s} {s.fn:37s} {page:4s} {middle}{s.text}")
        return "\n".join(lines)

    def to_dataframe(self):
        """One row per step: the step, then the ledger's numbers after it (needs pandas)."""
        import pandas as pd

        from .ledger import LEDGER_NUMBERS, ledger

        rows = []
        for s, snap in self:
            led = ledger(snap)
            rows.append({
                "step": s.index, "actor": s.actor, "operation_index": s.operation_index, "fn": s.fn, "page": s.page,
                "offset": s.offset, "phase": str(s.phase), "arg": s.arg, "text": s.text,
                **{key: led[key] for key in LEDGER_NUMBERS},
                "violations": len(snap.violations),
            })
        return pd.DataFrame(rows)


def record(world: World, operations: Iterable[Operation], window: tuple[int, int],
           meta: dict | None = None, check: Callable[[World, int, object], list[str]] | None = None,
           between: Callable[[Action], Iterable[Action] | None] | None = None) -> Trace:
    """Run *operations* (zswapviz.actions.Operation over *world*) and record every step.

    An operation may also be one's own generator composing the store's
    operations with ``yield from`` (named after its function then).

    *window* is (first offset, count): the slots the snapshots show. After
    each operation ``check(world, operation_index, result)`` (by default the
    validators) runs and whatever it reports is added to
    ``world.violations``, so it shows in the snapshots. *between* runs
    other actors between two steps (zswapviz.interleave.interleaver).
    """
    if check is None:
        from .model.validate import check_world
        check = lambda w, i, r: check_world(w)  # noqa: E731
    first, count = window
    snapshotter = Snapshotter(world, first, count)
    steps: list[Step] = []
    snaps: list[Snapshot] = []
    results = []
    for operation_index, op in enumerate(operations):
        op = Operation.of(op)
        name = op.name

        def on_step(action: Action, name=name, operation_index=operation_index) -> None:
            fn, offset, phase, arg, actor = action
            page = None if offset is None or not first <= offset < first + count else offset - first
            steps.append(Step(len(steps), actor or name, operation_index, fn, offset, page, phase, arg,
                              describe(fn, page, arg, phase)))
            snaps.append(snapshotter.take())

        results.append(drive(op, on_step, between))
        for problem in check(world, operation_index, results[-1]):
            if problem not in world.violations:
                world.violations.append(problem)
        if steps:
            snaps[-1] = snapshotter.take()
    assert all(p in PHASES for p in {s.phase for s in steps})
    return Trace(steps, snaps, world, results, meta)
