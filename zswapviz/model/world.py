"""The whole modelled state: zswap's globals, pools, trees, LRU, memcg, swap.

:class:`World` holds what ``zswap_store()`` and its neighbours read and
write, named as mm/zswap.c names it, and the helpers that are shared by
every operation (``zswap_entry_free``, ``zswap_check_limits``, the LRU).
The operations themselves are generators in :mod:`zswapviz.store`.

:meth:`World.snapshot` returns an immutable view that shares structure with
the previous one, so a trace can keep one after every step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..compress import get_compressor
from ..profiles import KernelProfile, get_profile
from .entry import ZswapEntry
from .memcg import MemCgroup
from .pool import ZswapPool
from .stats import new_stats
from .xarray import SwapZswapTrees

__all__ = ["CELL_STATES", "CellView", "PVec", "Params", "Snapshot", "World"]

PAGE_SIZE = 4096


@dataclass
class Params:
    """zswap's module parameters and the machine facts the limits use."""

    #: /sys/module/zswap/parameters/enabled
    enabled: bool = True
    #: /sys/module/zswap/parameters/compressor
    compressor: str = "zstd"
    #: /sys/module/zswap/parameters/max_pool_percent (of total RAM pages)
    max_pool_percent: int = 20
    #: /sys/module/zswap/parameters/accept_threshold_percent (of the max)
    accept_threshold_percent: int = 90
    #: totalram_pages(); the command line defaults it to this machine's MemTotal
    total_ram_pages: int = 6171023
    #: cgroup v2 memory controller: obj_cgroup_charge_zswap does nothing on v1
    cgroup_v2: bool = True


#: A slot's state as the explorer draws it.
CELL_STATES = ("empty", "stale", "storing", "stored", "erased", "zeromap", "disk", "memory")


@dataclass(frozen=True, slots=True)
class CellView:
    """One swap slot at one step: its state and the entry there, if any."""

    state: str
    length: int = 0
    handle: int | None = None
    referenced: bool = False
    on_lru: bool = False
    pool: str | None = None


_EMPTY = CellView("empty")


class PVec:
    """An immutable vector whose ``set`` copies one 32-cell chunk, not all."""

    __slots__ = ("chunks", "n")
    _BITS = 5

    def __init__(self, chunks: tuple, n: int) -> None:
        self.chunks = chunks
        self.n = n

    @classmethod
    def filled(cls, n: int, value) -> "PVec":
        """A vector of *n* copies of *value*."""
        size = 1 << cls._BITS
        chunk = (value,) * size
        return cls(tuple(chunk for _ in range((n + size - 1) // size)), n)

    def __getitem__(self, i: int):
        return self.chunks[i >> 5][i & 31]

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        n = self.n
        for c, chunk in enumerate(self.chunks):
            yield from chunk[: max(0, min(32, n - c * 32))]

    def set_many(self, changes: dict[int, object]) -> "PVec":
        """A new vector with *changes* (index -> value) applied."""
        chunks = list(self.chunks)
        by_chunk: dict[int, list] = {}
        for i, v in changes.items():
            c = i >> 5
            if c not in by_chunk:
                by_chunk[c] = list(chunks[c])
            by_chunk[c][i & 31] = v
        for c, cells in by_chunk.items():
            chunks[c] = tuple(cells)
        return PVec(tuple(chunks), self.n)


@dataclass(frozen=True)
class Snapshot:
    """The state after one step, for drawing and checking; immutable."""

    #: Global counters (debugfs, vmstat, mTHP), keyed by kernel name.
    stats: dict
    #: The trace's window of swap offsets, one CellView each.
    cells: PVec
    #: First offset of the window.
    base_offset: int
    #: Per pool: (name, refcount, dead, released, zspage pages).
    pools: tuple
    #: Per memcg (or empty for root): (name, objcg refs, zswap bytes, zswapped, zswpout).
    memcg: tuple
    #: zswap_total_pages() and zswap_pool_reached_full at this step.
    total_pages: int
    reached_full: bool
    #: Entries on the LRU and in the trees.
    lru_len: int
    nr_entries: int
    #: Violations recorded so far (the list only grows).
    violations: tuple = field(default=())

    def cell(self, offset: int) -> CellView:
        """The cell of swap *offset*."""
        return self.cells[offset - self.base_offset]

    @property
    def pool_total_size(self) -> int:
        """debugfs ``pool_total_size``: zspage pages x PAGE_SIZE."""
        return self.total_pages * PAGE_SIZE


class World:
    """Everything the swap-out path reads and writes, named as the kernel names it."""

    def __init__(self, kernel: str | KernelProfile = "6.18", params: Params | None = None,
                 memcg: MemCgroup | None | bool = True) -> None:
        self.profile = get_profile(kernel)
        self.params = params or Params()
        # All counters a user can read, keyed by kernel name
        self.stats = new_stats()
        # zswap_trees[0]: the xarrays of the one swap device
        self.trees = SwapZswapTrees(0)
        # zswap_pools list; the last live one is current (__zswap_pool_current)
        self.pools: list[ZswapPool] = []
        # Pools released and taken off the list (kept so their errors stay visible)
        self.released_pools: list[ZswapPool] = []
        self._pool_seq = 0
        self.zswap_pool_create(self.params.compressor)
        # The folios' memcg: True makes the default one, None/False means root (no objcg)
        if memcg is True:
            memcg = MemCgroup()
        self.memcg: MemCgroup | None = memcg or None
        # zswap_list_lru: entries in LRU order (head = oldest), one list per memcg
        self.lru: dict = {}
        # How stores take per-entry refs (zswapviz.profiles.REF_STRATEGIES)
        self.refs = "per-page"
        # zswap_pool_reached_full: set at the limit, cleared at <= accept threshold
        self.zswap_pool_reached_full = False
        # shrink_worker queued on shrink_wq by refused stores while full
        self.shrink_work_queued = 0
        # Swap-layer state: slots whose folio is in the swap cache (locked), in
        # the zeromap, written to the device, or kept in memory (activated)
        self.swap_cache: set[int] = set()
        self.zeromap: set[int] = set()
        self.on_disk: set[int] = set()
        self.in_memory: set[int] = set()
        # Next free swap offset; slot 0 holds the swap header
        self.next_offset = 1
        # Problems the validators or refcount checks found, in order
        self.violations: list[str] = []
        # Operation counter and per-operation display state: unpublished
        # entries (a local variable in zswap_store_page) and erased slots
        self.op = 0
        self.inflight: dict[int, ZswapEntry] = {}
        self.erased: set[int] = set()
        # Slots of the folio being swapped out by the current operation
        self.storing: range = range(0)
        # Offsets changed since the last snapshot (None: not tracing)
        self.touched: set[int] | None = None
        self._snap: Snapshot | None = None
        self._window: tuple[int, int] | None = None

    # -- pools ---------------------------------------------------------------

    def zswap_pool_create(self, compressor: str) -> ZswapPool:
        """Create a pool for *compressor* and make it current."""
        pool = ZswapPool(f"zswap{self._pool_seq}", get_compressor(compressor))
        self._pool_seq += 1
        self.pools.append(pool)
        return pool

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
        if self.touched is not None and entry.swpentry is not None:
            self.touched.add(entry.swpentry[1])

    def alloc_swap_slots(self, nr: int) -> int:
        """Allocate *nr* contiguous slots aligned to *nr*; return the first."""
        off = -(-self.next_offset // nr) * nr
        self.next_offset = off + nr
        return off

    # -- snapshots -------------------------------------------------------------

    def set_window(self, first: int, count: int) -> None:
        """Choose the swap offsets snapshots show, and start tracking changes."""
        self._window = (first, count)
        self.touched = set(range(first, first + count))
        self._snap = None

    def cell_view(self, offset: int) -> CellView:
        """The state of swap *offset* now, as the explorer draws it."""
        entry = self.trees.xa_load(offset)
        if entry is not None:
            # Stale: left by an earlier swap-out in a slot being stored again now
            state = "stale" if entry.op != self.op and offset in self.storing else "stored"
            return CellView(state, entry.length, entry.handle, entry.referenced,
                            entry.on_lru, entry.pool.name if entry.pool else None)
        entry = self.inflight.get(offset)
        if entry is not None:
            return CellView("storing", entry.length, entry.handle, False, False,
                            entry.pool.name if entry.pool else None)
        if offset in self.erased:
            return CellView("erased")
        if offset in self.zeromap:
            return CellView("zeromap")
        if offset in self.on_disk:
            return CellView("disk")
        if offset in self.in_memory:
            return CellView("memory")
        return _EMPTY

    def snapshot(self) -> Snapshot:
        """An immutable view of now, sharing unchanged parts with the last one."""
        if self._window is None:
            raise RuntimeError("call set_window() before taking snapshots")
        first, count = self._window
        prev = self._snap
        touched = self.touched
        if prev is None:
            cells = PVec.filled(count, _EMPTY)
        else:
            cells = prev.cells
        changes = {o - first: self.cell_view(o) for o in touched if first <= o < first + count}
        if changes:
            cells = cells.set_many(changes)
        touched.clear()
        stats = self.stats
        stats_view = prev.stats if prev is not None and prev.stats == stats else dict(stats)
        pools = tuple((p.name, p.refcount, p.dead, p.released, p.zs_pool.pages_allocated)
                      for p in self.pools)
        m = self.memcg
        memcg = () if m is None else ((m.name, m.objcg_refs, m.zswap_b, m.zswapped, m.zswpout),)
        violations = (prev.violations if prev is not None and len(prev.violations) == len(self.violations)
                      else tuple(self.violations))
        snap = Snapshot(
            stats=stats_view, cells=cells, base_offset=first, pools=pools, memcg=memcg,
            total_pages=self.zswap_total_pages(), reached_full=self.zswap_pool_reached_full,
            lru_len=self.lru_len(), nr_entries=len(self.trees), violations=violations,
        )
        self._snap = snap
        return snap
