"""Immutable views of a World after each step: what a trace keeps and renderers draw.

A :class:`Snapshotter` watches one window of swap offsets of a world. The
world's containers note which offsets they change (:mod:`zswapviz.model.changes`);
:meth:`Snapshotter.take` recomputes only those cells and shares every
unchanged part with the previous :class:`Snapshot`, so a trace can keep one
after every step. The per-operation display states (``erased``, ``stale``)
are kept here, not in the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from .constants import PAGE_SIZE
from .model.world import World

__all__ = ["CELL_STATES", "CellView", "MemcgView", "PVec", "PoolView", "Snapshot", "Snapshotter"]

#: A slot's state as the explorer draws it.
CELL_STATES = ("empty", "stale", "storing", "stored", "erased", "zeromap", "disk", "memory")


@dataclass(frozen=True, slots=True)
class CellView:
    """One swap slot at one step: its state and the entry there, if any."""

    #: One of CELL_STATES.
    state: str
    #: The entry's compressed length in bytes (0: no entry).
    length: int = 0
    #: The entry's zsmalloc handle, if it has one.
    handle: int | None = None
    #: The entry's second-chance bit.
    referenced: bool = False
    #: Whether the entry is on the LRU (writeback can find it).
    on_lru: bool = False
    #: The name of the entry's pool ("zswap0", ...).
    pool: str | None = None


_EMPTY = CellView("empty")


class PVec:
    """An immutable vector whose ``set_many`` copies the touched chunks, not all."""

    __slots__ = ("chunks", "n")
    #: log2 of the cells per chunk.
    CHUNK_BITS = 5
    #: Cells per chunk.
    CHUNK = 1 << CHUNK_BITS

    def __init__(self, chunks: tuple, n: int) -> None:
        self.chunks = chunks
        self.n = n

    @classmethod
    def filled(cls, n: int, value) -> "PVec":
        """A vector of *n* copies of *value*."""
        size = cls.CHUNK
        chunk = (value,) * size
        return cls(tuple(chunk for _ in range((n + size - 1) // size)), n)

    def __getitem__(self, i: int):
        return self.chunks[i >> self.CHUNK_BITS][i & (self.CHUNK - 1)]

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        n, size = self.n, self.CHUNK
        for c, chunk in enumerate(self.chunks):
            yield from chunk[: max(0, min(size, n - c * size))]

    def diff(self, before: "PVec"):
        """(index, value) of every cell in the chunks not shared with *before* (a same-length vector)."""
        size, n = self.CHUNK, self.n
        for c, (a, b) in enumerate(zip(before.chunks, self.chunks)):
            if a is not b:
                base = c * size
                for j, value in enumerate(b[: max(0, min(size, n - base))]):
                    yield base + j, value

    def set_many(self, changes: dict[int, object]) -> "PVec":
        """A new vector with *changes* (index -> value) applied."""
        bits, mask = self.CHUNK_BITS, self.CHUNK - 1
        chunks = list(self.chunks)
        by_chunk: dict[int, list] = {}
        for i, v in changes.items():
            c = i >> bits
            if c not in by_chunk:
                by_chunk[c] = list(chunks[c])
            by_chunk[c][i & mask] = v
        for c, cells in by_chunk.items():
            chunks[c] = tuple(cells)
        return PVec(tuple(chunks), self.n)


class PoolView(NamedTuple):
    """One zswap pool at one step."""

    #: "zswap<N>".
    name: str
    #: percpu_ref count, the base ref included while the pool is current.
    refcount: int
    #: percpu_ref_kill done: no longer current, no base ref.
    dead: bool
    #: __zswap_pool_empty ran: the count reached zero.
    released: bool
    #: zsmalloc pages the pool holds (zs_get_total_pages).
    pages: int

    @property
    def entry_refs(self) -> int:
        """References besides the base ref (the entries' and the stores' own)."""
        return self.refcount - (0 if self.dead else 1)


class MemcgView(NamedTuple):
    """The folios' memory cgroup at one step."""

    #: The cgroup's name.
    name: str
    #: obj_cgroup refcount, the base ref held by the memcg included.
    objcg_refs: int
    #: MEMCG_ZSWAP_B (memory.zswap.current): compressed bytes charged.
    zswap_b: int
    #: MEMCG_ZSWAPPED: entries charged.
    zswapped: int
    #: The cgroup's ZSWPOUT event count.
    zswpout: int
    #: memory.current pages (zswap's share of the page_counter).
    memory_pages: int = 0
    #: Pages held in the per-CPU page stock.
    stock_pages: int = 0
    #: Bytes held in the per-CPU object stock.
    obj_stock_bytes: int = 0
    #: page_counter warnings due so far.
    warnings: int = 0


@dataclass(frozen=True)
class Snapshot:
    """The state after one step, for drawing and checking; immutable."""

    #: Global counters (debugfs, vmstat, mTHP), keyed by kernel name.
    stats: dict
    #: The trace's window of swap offsets, one CellView each.
    cells: PVec
    #: First offset of the window.
    base_offset: int
    #: Every pool on the list, oldest first (the last live one is current).
    pools: tuple[PoolView, ...]
    #: The folios' memcg, or empty for the root cgroup.
    memcg: tuple[MemcgView, ...]
    #: zswap_total_pages(): zsmalloc pages over every pool.
    total_pages: int
    #: zswap_pool_reached_full.
    reached_full: bool
    #: Entries on the LRU lists.
    lru_len: int
    #: Entries in the xarrays.
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


class Snapshotter:
    """Takes snapshots of a window of a world's swap offsets, step after step."""

    def __init__(self, world: World, first: int, count: int) -> None:
        self.world = world
        self.first = first
        self.count = count
        world.changes.start()
        # The operation the per-operation states below belong to
        self._seq = world.operation_seq
        # Slots whose entry this operation erased, and slots of the folio it stores
        self._erased: set[int] = set()
        self._storing: set[int] = set()
        # Offsets to recompute at the next take (all of them the first time)
        self._pending = set(range(first, first + count))
        self._last: Snapshot | None = None

    def cell_view(self, offset: int) -> CellView:
        """The state of swap *offset* now, as the explorer draws it."""
        world = self.world
        entry = world.trees.xa_load(offset)
        if entry is not None:
            # Stale: left by an earlier swap-out in a slot being stored again now
            state = ("stale" if entry.operation_seq != world.operation_seq and offset in self._storing
                     else "stored")
            return CellView(state, entry.length, entry.handle, entry.referenced,
                            entry.on_lru, entry.pool.name if entry.pool else None)
        entry = world.inflight.get(offset)
        if entry is not None:
            return CellView("storing", entry.length, entry.handle, False, False,
                            entry.pool.name if entry.pool else None)
        if offset in self._erased:
            return CellView("erased")
        if offset in world.zeromap:
            return CellView("zeromap")
        if offset in world.on_disk:
            return CellView("disk")
        if offset in world.in_memory:
            return CellView("memory")
        return _EMPTY

    def take(self) -> Snapshot:
        """An immutable view of now, sharing unchanged parts with the last one."""
        world = self.world
        changed, erased = world.changes.take()
        pending = self._pending
        pending |= changed
        if world.operation_seq != self._seq:
            # A new operation: last one's erased and storing slots look different now
            pending |= self._erased
            pending |= self._storing
            self._erased, self._storing = set(), set()
            self._seq = world.operation_seq
        self._erased |= erased
        self._storing |= world.swap_cache
        first, count = self.first, self.count
        prev = self._last
        cells = PVec.filled(count, _EMPTY) if prev is None else prev.cells
        changes = {o - first: self.cell_view(o) for o in pending if first <= o < first + count}
        if changes:
            cells = cells.set_many(changes)
        pending.clear()
        stats = world.stats
        stats_view = prev.stats if prev is not None and prev.stats == stats else dict(stats)
        pools = tuple(PoolView(p.name, p.refcount, p.dead, p.released, p.zs_pool.pages_allocated)
                      for p in world.pools)
        m = world.memcg
        memcg = () if m is None else (MemcgView(
            m.name, m.objcg_refs, m.zswap_b, m.zswapped, m.zswpout,
            m.memory_pages, m.stock_pages, m.obj_stock_bytes, len(m.warnings)),)
        violations = (prev.violations if prev is not None and len(prev.violations) == len(world.violations)
                      else tuple(world.violations))
        snap = Snapshot(
            stats=stats_view, cells=cells, base_offset=first, pools=pools, memcg=memcg,
            total_pages=world.zswap_total_pages(), reached_full=world.zswap_pool_reached_full,
            lru_len=world.lru_len(), nr_entries=len(world.trees), violations=violations,
        )
        self._last = snap
        return snap
