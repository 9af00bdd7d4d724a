"""The whole modelled state: zswap's globals, pools, trees, LRU, memcg, swap.

:class:`World` holds what ``zswap_store()`` and its neighbours read and
write, named as mm/zswap.c names it, and the helpers that are shared by
every operation (``zswap_entry_free``, ``zswap_check_limits``, the LRU).
The operations themselves are generators in :mod:`zswapviz.store`.

The world holds no view state: the containers note what they change in
:attr:`World.changes`, and :mod:`zswapviz.snapshot` turns that into
immutable snapshots. Below the model there is only the base layer
(:mod:`zswapviz.constants`, :mod:`zswapviz.errors` and the release flags of
:mod:`zswapviz.profiles`, all standard library); compressors are named
(``tfm_name``), never imported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..constants import (
    DEFAULT_ACCEPT_THRESHOLD_PERCENT,
    DEFAULT_COMPRESSOR,
    DEFAULT_KERNEL,
    DEFAULT_MAX_POOL_PERCENT,
    DEFAULT_REFS,
    DEFAULT_TOTAL_RAM_PAGES,
    PAGE_SIZE,
)
from ..profiles import KernelProfile, RefStrategy, get_profile
from .changes import ChangeLog, InflightTable, TrackedSet
from .entry import ZswapEntry
from .memcg import MemCgroup
from .pool import ZswapPool
from .stats import new_stats
from .xarray import SwapZswapTrees

__all__ = ["Params", "Settled", "World"]


@dataclass
class Params:
    """zswap's module parameters and the machine facts the limits use."""

    #: /sys/module/zswap/parameters/enabled
    enabled: bool = True
    #: /sys/module/zswap/parameters/compressor
    compressor: str = DEFAULT_COMPRESSOR
    #: /sys/module/zswap/parameters/max_pool_percent (of total RAM pages)
    max_pool_percent: int = DEFAULT_MAX_POOL_PERCENT
    #: /sys/module/zswap/parameters/accept_threshold_percent (of the max)
    accept_threshold_percent: int = DEFAULT_ACCEPT_THRESHOLD_PERCENT
    #: totalram_pages(); the command line defaults it to this machine's MemTotal
    total_ram_pages: int = DEFAULT_TOTAL_RAM_PAGES
    #: cgroup v2 memory controller: obj_cgroup_charge_zswap does nothing on v1
    cgroup_v2: bool = True


class Settled:
    """What the entries settled by :meth:`World.settle_entries` still hold, in totals."""

    __slots__ = ("entries", "raw", "by_pool", "memcg_entries", "memcg_bytes")

    def __init__(self) -> None:
        # Entries settled; each still counts in stored_pages and holds one pool ref
        self.entries = 0
        # Of those, entries of length PAGE_SIZE (stored_incompressible_pages on 6.18)
        self.raw = 0
        # id(pool) -> entries settled with a ref and an object in that pool
        self.by_pool: dict[int, int] = {}
        # Entries charged to the world's memcg (each holds an objcg ref) and their bytes
        self.memcg_entries = 0
        self.memcg_bytes = 0


class World:
    """Everything the swap-out path reads and writes, named as the kernel names it."""

    def __init__(self, kernel: str | KernelProfile = DEFAULT_KERNEL, params: Params | None = None,
                 memcg: MemCgroup | None | bool = True) -> None:
        self.profile = get_profile(kernel)
        self.params = params or Params()
        # All counters a user can read, keyed by kernel name
        self.stats = new_stats(self.profile)
        # The offsets the containers below changed (off until a recorder starts it)
        self.changes = ChangeLog()
        # zswap_trees[0]: the xarrays of the one swap device
        self.trees = SwapZswapTrees(0, self.changes)
        # zswap_pools list; the last live one is current (__zswap_pool_current)
        self.pools: list[ZswapPool] = []
        # Pools released and taken off the list (kept so their errors stay visible)
        self.released_pools: list[ZswapPool] = []
        # zswap_pools_count: pools are named zswap%x of it, incremented first
        self._pool_seq = 0
        self.zswap_pool_create(self.params.compressor)
        # The folios' memcg: True makes the default one, None/False means root (no objcg)
        if memcg is True:
            memcg = MemCgroup()
        self.memcg: MemCgroup | None = memcg or None
        # zswap_list_lru: entries in LRU order (head = oldest), one list per memcg
        self.lru: dict = {}
        # How stores take per-entry refs (a RefStrategy; a string is converted)
        self.refs = DEFAULT_REFS
        # zswap_pool_reached_full: set at the limit, cleared at <= accept threshold
        self.zswap_pool_reached_full = False
        # shrink_worker queued on shrink_wq by refused stores while full
        self.shrink_work_queued = 0
        # Swap-layer state: slots whose folio is in the swap cache (locked), in
        # the zeromap, written to the device, or kept in memory (activated)
        self.swap_cache = TrackedSet(self.changes)
        self.zeromap = TrackedSet(self.changes)
        self.on_disk = TrackedSet(self.changes)
        self.in_memory = TrackedSet(self.changes)
        # Next free swap offset; slot 0 holds the swap header
        self.next_offset = 1
        # Problems the validators or refcount checks found, in order
        self.violations: list[str] = []
        # Sequence number of the operation in progress (1 for the first):
        # +1 when an operation starts (begin_operation)
        self.operation_seq = 0
        # Entries allocated but not yet in the tree (zswap_store_page's locals)
        self.inflight = InflightTable(self.changes)
        # Entries a bulk run settled (settle_entries): gone from the trees and
        # the LRU, but their refs, charge, counters and objects still held
        self.settled = Settled()

    def begin_operation(self) -> None:
        """Start a new operation: the next sequence number, no entry in flight."""
        self.operation_seq += 1
        self.inflight.clear()

    @property
    def refs(self) -> RefStrategy:
        """How stores take their per-entry pool and objcg refs."""
        return self._refs

    @refs.setter
    def refs(self, value: str) -> None:
        self._refs = RefStrategy(value)

    # -- pools ---------------------------------------------------------------

    def zswap_pool_create(self, compressor: str) -> ZswapPool:
        """Create a pool for *compressor* and make it current.

        Named ``zswap%x`` of a counter incremented first: zswap1, ..., zswapa.
        """
        self._pool_seq += 1
        pool = ZswapPool(f"zswap{self._pool_seq:x}", compressor)
        self.pools.append(pool)
        return pool

    def zswap_pool_find_get(self, compressor: str) -> ZswapPool | None:
        """``zswap_pool_find_get``: a pool of *compressor* still on the list whose ref can be taken."""
        for pool in self.pools:
            if pool.tfm_name == compressor and not pool.released and pool.refcount > 0:
                return pool
        return None

    def zswap_pool_resurrect(self, pool: ZswapPool) -> None:
        """``percpu_ref_resurrect``: a killed pool gets its base ref back and becomes current."""
        pool.resurrect()
        self.pools.remove(pool)
        self.pools.append(pool)

    def zswap_pool_current(self) -> ZswapPool | None:
        """``__zswap_pool_current``: the newest live pool."""
        for pool in reversed(self.pools):
            if not pool.dead:
                return pool
        return None

    def zswap_total_pages(self) -> int:
        """``zswap_total_pages``: zsmalloc pages over every pool on the list."""
        return sum(p.zs_pool.pages_allocated for p in self.pools if not p.released)

    def zswap_max_pages(self) -> int:
        """``zswap_max_pages``: totalram x max_pool_percent / 100."""
        return self.params.total_ram_pages * self.params.max_pool_percent // 100

    def zswap_accept_thr_pages(self) -> int:
        """``zswap_accept_thr_pages``: max pages x accept_threshold_percent / 100."""
        return self.zswap_max_pages() * self.params.accept_threshold_percent // 100

    def zswap_check_limits(self) -> bool:
        """``zswap_check_limits``: True (refuse) at the limit, with hysteresis."""
        cur = self.zswap_total_pages()
        if cur >= self.zswap_max_pages():
            self.stats["pool_limit_hit"] += 1
            self.zswap_pool_reached_full = True
        elif self.zswap_pool_reached_full and cur <= self.zswap_accept_thr_pages():
            self.zswap_pool_reached_full = False
        return self.zswap_pool_reached_full

    def zswap_pool_put(self, pool: ZswapPool, nr: int = 1) -> None:
        """``zswap_pool_put``: drop *nr* refs; a pool whose last ref went leaves the list."""
        pool.put(nr)
        if pool.released:
            self.release_pools()

    def zswap_pool_kill(self, pool: ZswapPool) -> None:
        """``percpu_ref_kill`` on *pool*: it stops being current and lives while referenced."""
        pool.kill()
        if pool.released:
            self.release_pools()

    def release_pools(self) -> None:
        """Take released pools off the list (``__zswap_pool_release``)."""
        self.released_pools.extend(p for p in self.pools if p.released)
        self.pools = [p for p in self.pools if not p.released]

    # -- memcg ---------------------------------------------------------------

    def writeback_enabled(self) -> bool:
        """``mem_cgroup_zswap_writeback_enabled`` of the folios' memcg (root: yes)."""
        return self.memcg is None or self.memcg.zswap_writeback

    def charging(self) -> bool:
        """Whether ``obj_cgroup_charge_zswap`` charges (cgroup v2 and an objcg)."""
        return self.memcg is not None and self.params.cgroup_v2

    # -- LRU -----------------------------------------------------------------

    def zswap_lru_add(self, entry: ZswapEntry) -> None:
        """Add *entry* at the LRU tail of its memcg's list."""
        key = entry.objcg.name if entry.objcg is not None else None
        lst = self.lru.get(key)
        if lst is None:
            lst = self.lru[key] = {}
        lst[entry] = None
        entry.on_lru = True

    def zswap_lru_del(self, entry: ZswapEntry) -> None:
        """Remove *entry* from its LRU list."""
        if entry.on_lru:
            key = entry.objcg.name if entry.objcg is not None else None
            del self.lru[key][entry]
            entry.on_lru = False

    def lru_len(self) -> int:
        """Entries on all LRU lists."""
        return sum(len(v) for v in self.lru.values())

    # -- entries -------------------------------------------------------------

    def zswap_entry_free(self, entry: ZswapEntry) -> None:
        """``zswap_entry_free``: undo everything a stored entry holds.

        LRU, zsmalloc handle, pool ref, objcg uncharge and ref, the
        incompressible count (6.18) and ``stored_pages``, in that order.
        """
        self.zswap_lru_del(entry)
        pool = entry.pool
        where = f"offset {entry.swpentry[1]}" if entry.swpentry else "an unpublished entry"
        if pool is not None:
            if entry.handle is not None:
                pool.zs_pool.zs_free(entry.handle)
                entry.handle = None
            if not entry.pool_ref:
                pool.problems.append(f"{pool.name}: put without a get (the entry at {where} was freed before its pool ref was taken)")
            self.zswap_pool_put(pool)
        if entry.objcg is not None:
            if not entry.objcg_ref:
                entry.objcg.objcg_problems.append(
                    f"objcg of {entry.objcg.name}: put without a get (the entry at {where} was freed before its objcg ref was taken)")
            if self.params.cgroup_v2:
                entry.objcg.obj_cgroup_uncharge_zswap(entry.length)
            entry.objcg.obj_cgroup_put()
        if self.profile.store_incompressible and entry.length == PAGE_SIZE:
            self.stats["stored_incompressible_pages"] -= 1
        self.stats["stored_pages"] -= 1

    def settle_entries(self) -> None:
        """Forget the stored entries and the slots' swap state, keeping everything they hold.

        For bulk runs (:func:`zswapviz.simulate.simulate`) between folios,
        once nothing will look at those slots again: each entry leaves the
        trees and the LRU and its zsmalloc handle is dropped (``zs_settle``),
        but its pool and objcg references, its charge, ``stored_pages`` and
        its zsmalloc object stay, and :attr:`settled` counts them so the
        validators still balance. The swap cache, zeromap, device and
        in-memory sets of finished folios are emptied too, and zsmalloc
        forgets its full zspages (``zs_settle_full``). Memory then no longer
        grows with the pages stored.
        """
        st = self.settled
        memcg = self.memcg
        for tree in self.trees.trees:
            for entry in tree.values():
                pool = entry.pool
                if entry.handle is not None:
                    pool.zs_pool.zs_settle(entry.handle)
                st.entries += 1
                st.by_pool[id(pool)] = st.by_pool.get(id(pool), 0) + 1
                if entry.length == PAGE_SIZE:
                    st.raw += 1
                if entry.objcg is not None and entry.objcg is memcg:
                    st.memcg_entries += 1
                    st.memcg_bytes += entry.length
            tree.clear()
        for pool in self.pools:
            pool.zs_pool.zs_settle_full()
        for lst in self.lru.values():
            lst.clear()
        for offsets in (self.zeromap, self.on_disk, self.in_memory):
            offsets.clear()

    def alloc_swap_slots(self, nr: int) -> int:
        """Allocate *nr* contiguous slots aligned to *nr*; return the first."""
        off = -(-self.next_offset // nr) * nr
        self.next_offset = off + nr
        return off
