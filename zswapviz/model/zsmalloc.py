"""zsmalloc as zswap sees it: size classes, zspages and ``pool->pages_allocated``.

This models the allocator in ``mm/zsmalloc.c`` that zswap stores every
compressed page in since "mm: zswap: interact directly with zsmalloc"
(J. Weiner, lore ``20250829162212.208258-1-hannes@cmpxchg.org``, 6.18). The
rules were read from linux-mm/linux-mm ``mm/zsmalloc.c`` @ 1333a27565 and
are written out in ``docs/kernel-facts.md`` section 10; nothing here is
kernel code. Two objects:

* :class:`SizeClasses` is the class table built by ``zs_create_pool()``:
  255 nominal classes of 16-byte steps from 32 bytes, a zspage chain of
  1..``CONFIG_ZSMALLOC_CHAIN_SIZE`` pages chosen by least waste, and adjacent
  classes with equal (pages, objects) merged into one (``can_merge``). On
  4 KiB pages with a chain of 8 that leaves 119 distinct classes and
  ``huge_class_size`` 3625.
* :class:`ZsPool` replays ``zs_malloc()``/``zs_free()`` in allocation order:
  per class, twelve fullness-group lists with head insertion
  (``insert_zspage``), the group walk 10 down to 0 in ``find_get_zspage``,
  and freeing a zspage as soon as its last object goes (``free_zspage``).
  ``pages_allocated`` is the number zswap's debugfs ``pool_total_size``
  shows, divided by the page size.

What the doc's experiments (section 3, Linux 6.18.44) confirm: the class
boundaries of 3.2 (for example 1240 objects of 1017 bytes take 320 pages,
900 of 3625 bytes take 900), the empty-pool totals of 3.3 (4096 objects of
2773 bytes take 2870 pages), and the store/free histories of 3.4, which only
the allocation-order rules reproduce. Compaction (``zs_compact``, which the
pool shrinker runs) is modelled and matches the recorded free-and-refill
workloads page for page. Not modelled: deferred frees when
``trylock_zspage`` fails, concurrent stores racing on ``alloc_zspage``, and
where inside a zspage an object sits (it does not affect page counts).

>>> pool = ZsPool()
>>> handle = pool.zs_malloc(1017)
>>> pool.handle_class(handle).label, pool.pages_allocated
('1056:8/31', 8)
>>> pool.zs_free(handle)
>>> pool.pages_allocated
0
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterator, NamedTuple

__all__ = [
    "ClassUsage",
    "SizeClass",
    "SizeClasses",
    "ZS_HANDLE_SIZE",
    "ZsMallocNoSpace",
    "ZsPool",
    "ZsPoolSnapshot",
]

#: Bytes ``zs_malloc`` adds to every request before choosing a class
#: (``sizeof(unsigned long)``), huge classes included.
ZS_HANDLE_SIZE = 8

# Kernel constants on x86-64 (4-level or 5-level paging alike).
_BITS_PER_LONG = 64
_MAX_PHYSMEM_BITS = 52
# CLASS_BITS: the class delta is PAGE_SIZE >> CLASS_BITS.
_CLASS_BITS = 8

# Fullness groups: 0 (ZS_INUSE_RATIO_0, empty) .. 10 (ZS_INUSE_RATIO_99)
# are the partly used ones malloc may pick from; 11 is ZS_INUSE_RATIO_100.
_NR_FULLNESS_GROUPS = 12
_FULL_GROUP = 11
# Bits 0..10 of a class's non-empty-group mask: the groups malloc searches.
_SEARCH_MASK = (1 << _FULL_GROUP) - 1


class ZsMallocNoSpace(Exception):
    """``zs_malloc`` refused a size above ``ZS_MAX_ALLOC_SIZE`` (-ENOSPC).

    The check happens before the handle size is added, so on 4 KiB pages
    4096 is accepted and 4097 is not. zswap counts this as
    ``reject_compress_poor``.
    """

    #: The requested length that did not fit.
    length: int

    def __init__(self, length: int, max_alloc_size: int) -> None:
        super().__init__(
            f"zs_malloc: size {length} is larger than ZS_MAX_ALLOC_SIZE "
            f"{max_alloc_size} (-ENOSPC)"
        )
        self.length = length


@dataclass(frozen=True, slots=True)
class SizeClass:
    """One distinct zsmalloc size class (``struct size_class``).

    Merged classes are one object: *indices* is the range of nominal class
    indices that share it, and *index* is the largest of them, the one
    ``zs_create_pool`` allocated (``class->index``).
    """

    #: ``class->index``: the canonical (largest) nominal index.
    index: int
    #: ``class->size``: bytes per object slot, handle included.
    size: int
    #: ``class->pages_per_zspage``: pages in one zspage of this class.
    pages_per_zspage: int
    #: ``class->objs_per_zspage``: objects one zspage holds.
    objs_per_zspage: int
    #: One object per one-page zspage (``SetZsHugePage``).
    huge: bool
    #: Nominal indices merged into this class, ascending.
    indices: range

    @property
    def label(self) -> str:
        """Return the class as ``size:pages/objs``, e.g. ``'1056:8/31'``."""
        return f"{self.size}:{self.pages_per_zspage}/{self.objs_per_zspage}"


def _chain_size(size: int, page_size: int, max_chain: int) -> int:
    """Pages per zspage for *size*: a power of two gets one page; otherwise
    the chain length in 1..max_chain leaving the fewest unused bytes, the
    shortest on a tie (``calculate_zspage_chain_size``)."""
    if size & (size - 1) == 0:
        return 1
    best, best_waste = 1, page_size
    for pages in range(1, max_chain + 1):
        waste = pages * page_size % size
        if waste < best_waste:
            best, best_waste = pages, waste
    return best


class SizeClasses:
    """The size-class table of one zsmalloc configuration.

    *page_size* is ``PAGE_SIZE`` (a power of two, at least 4096) and
    *chain_size* is ``CONFIG_ZSMALLOC_CHAIN_SIZE`` (4..16, default 8: mm/Kconfig). The table is
    immutable, so pools may share one.

    >>> classes = SizeClasses()
    >>> len(classes), classes.huge_class_size
    (119, 3625)
    >>> classes.class_for_length(3624).label, classes.class_for_length(3625).label
    ('3632:8/9', '4096:1/1')
    """

    #: ``PAGE_SIZE``.
    page_size: int
    #: ``ZS_MAX_PAGES_PER_ZSPAGE`` (``CONFIG_ZSMALLOC_CHAIN_SIZE``).
    chain_size: int
    #: ``ZS_MIN_ALLOC_SIZE``: size of nominal class 0.
    min_alloc_size: int
    #: ``ZS_MAX_ALLOC_SIZE`` (= ``PAGE_SIZE``): largest length zs_malloc takes.
    max_alloc_size: int
    #: ``ZS_SIZE_CLASS_DELTA``: bytes between nominal classes.
    class_delta: int
    #: ``ZS_SIZE_CLASSES``: number of nominal classes (255 on 4 KiB pages).
    nr_nominal: int
    #: The distinct classes, ascending by size.
    classes: tuple[SizeClass, ...]
    #: ``zs_huge_class_size()``: compressed lengths from here up take a
    #: whole page each.
    huge_class_size: int

    def __init__(self, page_size: int = 4096, chain_size: int = 8) -> None:
        if page_size < 4096 or page_size & (page_size - 1):
            raise ValueError(f"page_size must be a power of two >= 4096, not {page_size}")
        if not 4 <= chain_size <= 16:
            raise ValueError(f"chain_size must be in 4..16 (CONFIG_ZSMALLOC_CHAIN_SIZE's range), not {chain_size}")
        self.page_size = page_size
        self.chain_size = chain_size
        page_shift = page_size.bit_length() - 1
        obj_index_bits = _BITS_PER_LONG - (_MAX_PHYSMEM_BITS - page_shift)
        self.min_alloc_size = max(32, (chain_size << page_shift) >> obj_index_bits)
        self.max_alloc_size = page_size
        self.class_delta = page_size >> _CLASS_BITS
        self.nr_nominal = -(-(page_size - self.min_alloc_size) // self.class_delta) + 1

        # Build from the largest nominal class down, as zs_create_pool does:
        # a class equal in (pages, objs) to the last one created joins it.
        # Each group is [top index, size, pages, objs, lowest index].
        groups: list[list[int]] = []
        huge_class_size = 0
        for i in range(self.nr_nominal - 1, -1, -1):
            size = min(self.min_alloc_size + i * self.class_delta, page_size)
            pages = _chain_size(size, page_size, chain_size)
            objs = pages * page_size // size
            # The first class from the top that spans several pages and
            # holds several objects bounds the huge range; the handle bytes
            # zs_malloc adds are taken off, so a length >= this lands huge.
            if pages != 1 and objs != 1 and not huge_class_size:
                huge_class_size = size - (ZS_HANDLE_SIZE - 1)
            if groups and groups[-1][2] == pages and groups[-1][3] == objs:
                groups[-1][4] = i
            else:
                groups.append([i, size, pages, objs, i])
        self.huge_class_size = huge_class_size
        self.classes = tuple(
            SizeClass(
                index=top,
                size=size,
                pages_per_zspage=pages,
                objs_per_zspage=objs,
                huge=pages == 1 and objs == 1,
                indices=range(low, top + 1),
            )
            for top, size, pages, objs, low in reversed(groups)
        )
        # Nominal index -> distinct class, then length -> class for every
        # length zs_malloc accepts (slot 0 unused), so lookups are one index.
        by_index: list[SizeClass] = [self.classes[0]] * self.nr_nominal
        for sc in self.classes:
            for i in sc.indices:
                by_index[i] = sc
        self._by_index = tuple(by_index)
        self._by_length: list[SizeClass | None] = [None] + [
            by_index[self._nominal_index(length + ZS_HANDLE_SIZE)]
            for length in range(1, page_size + 1)
        ]

    def _nominal_index(self, size: int) -> int:
        """``get_size_class_index``: nominal index for *size* (handle included)."""
        if size <= self.min_alloc_size:
            return 0
        index = -(-(size - self.min_alloc_size) // self.class_delta)
        return min(index, self.nr_nominal - 1)

    def class_for_length(self, compressed_length: int) -> SizeClass:
        """Return the class ``zs_malloc(pool, compressed_length, ...)`` uses.

        The handle size is added first, as ``zs_malloc`` does. Raise
        :class:`ZsMallocNoSpace` above ``ZS_MAX_ALLOC_SIZE`` and
        :class:`ValueError` for a length below 1 (-EINVAL).
        """
        if 0 < compressed_length <= self.max_alloc_size:
            return self._by_length[compressed_length]  # type: ignore[return-value]
        raise _bad_length(compressed_length, self.max_alloc_size)

    def class_for_index(self, index: int) -> SizeClass:
        """Return the distinct class nominal class *index* (0..254) maps to."""
        if not 0 <= index < self.nr_nominal:
            raise ValueError(f"nominal class index must be in 0..{self.nr_nominal - 1}, not {index}")
        return self._by_index[index]

    def __len__(self) -> int:
        return len(self.classes)

    def __iter__(self) -> Iterator[SizeClass]:
        return iter(self.classes)

    def __repr__(self) -> str:
        return (
            f"SizeClasses(page_size={self.page_size}, chain_size={self.chain_size}): "
            f"{len(self.classes)} classes, huge_class_size={self.huge_class_size}"
        )


def _bad_length(length: int, max_alloc_size: int) -> Exception:
    """The exception ``zs_malloc`` gives for a length it refuses."""
    if length > max_alloc_size:
        return ZsMallocNoSpace(length, max_alloc_size)
    return ValueError(f"zs_malloc: size must be at least 1, not {length} (-EINVAL)")


@functools.cache
def _default_size_classes() -> SizeClasses:
    """The 4 KiB, chain-8 table, built once per process."""
    return SizeClasses()


class ClassUsage(NamedTuple):
    """How much of one size class a pool uses."""

    #: The class.
    size_class: SizeClass
    #: Zspages of this class that exist (each holds at least one object).
    zspages: int
    #: Objects of this class in use (``ZS_OBJS_INUSE``).
    objs_in_use: int


@dataclass(frozen=True, slots=True)
class ZsPoolSnapshot:
    """An immutable picture of a :class:`ZsPool` at one moment."""

    #: ``pool->pages_allocated``.
    pages_allocated: int
    #: Handles allocated and not yet freed.
    objects_in_use: int
    #: Usage of every class that has a zspage, ascending by size.
    classes: tuple[ClassUsage, ...]


class _Zspage:
    """One zspage (``struct zspage``); list links are the fullness list."""

    __slots__ = ("id", "cls", "inuse", "fullness", "prev", "next")

    def __init__(self, zspage_id: int, cls: _ClassState, fullness: int, next_: _Zspage | None) -> None:
        # Model-only id, from 1, never reused within a pool.
        self.id = zspage_id
        # Owning class state; fixed for the zspage's life.
        self.cls = cls
        # zspage->inuse: +1 per object malloc'd here, -1 per zs_free.
        self.inuse = 1
        # zspage->fullness: the group list it is on; set by insert_zspage.
        self.fullness = fullness
        # Neighbours on that list (None at the ends); change on every
        # insert/remove of this zspage or of a neighbour.
        self.prev: _Zspage | None = None
        self.next = next_


class _ClassState:
    """A pool's mutable state for one distinct class (``struct size_class``)."""

    __slots__ = ("sc", "pos", "pages", "group_of", "heads", "mask", "zspages", "inuse", "dirty", "settled_full")

    def __init__(self, sc: SizeClass, pos: int) -> None:
        # The class; fixed.
        self.sc = sc
        # Position in SizeClasses.classes; fixed.
        self.pos = pos
        # pages_per_zspage, copied for the hot path; fixed.
        self.pages = sc.pages_per_zspage
        # get_fullness_group() for every inuse 0..objs, precomputed; fixed.
        self.group_of = [_fullness_group(n, sc.objs_per_zspage) for n in range(sc.objs_per_zspage + 1)]
        # fullness_list[]: head zspage of each group (None if empty);
        # changes when a zspage is inserted at or removed from a head.
        self.heads: list[_Zspage | None] = [None] * _NR_FULLNESS_GROUPS
        # Bit g set while group g's list is non-empty; changes with heads.
        self.mask = 0
        # Zspages of this class; +1 in zs_malloc's new-zspage path, -1 in
        # free_zspage.
        self.zspages = 0
        # ZS_OBJS_INUSE: +1 per zs_malloc, -1 per zs_free.
        self.inuse = 0
        # Changed since the last snapshot(); set by malloc/free, cleared by
        # snapshot().
        self.dirty = False
        # Full zspages taken off the full list by zs_settle_full (bulk runs):
        # still counted in zspages and inuse, no longer on any list.
        self.settled_full = 0


def _fullness_group(inuse: int, objs: int) -> int:
    """``get_fullness_group``: 0 empty, 11 full, else 1 + tenths of usage."""
    if inuse == 0:
        return 0
    if inuse == objs:
        return _FULL_GROUP
    return 100 * inuse // objs // 10 + 1


class ZsPool:
    """An allocation-order-exact zsmalloc pool (``struct zs_pool``).

    *size_classes* defaults to the 4 KiB, chain-8 table. Handles are ints
    from 1 that are never reused within a pool, so a trace can name them.

    >>> pool = ZsPool()
    >>> handles = [pool.zs_malloc(2773) for _ in range(4096)]
    >>> pool.pages_allocated, pool.total_size()
    (2870, 11755520)
    """

    #: ``pool->pages_allocated``: + pages_per_zspage when zs_malloc creates
    #: a zspage, - pages_per_zspage when free_zspage releases one.
    pages_allocated: int
    #: The class table; fixed.
    size_classes: SizeClasses

    __slots__ = (
        "pages_allocated",
        "size_classes",
        "_states",
        "_state_by_length",
        "_state_by_index",
        "_handles",
        "_settled",
        "_next_handle",
        "_next_zspage",
        "_dirty",
        "_usage",
        "_snapshot",
    )

    def __init__(self, size_classes: SizeClasses | None = None) -> None:
        sizes = size_classes if size_classes is not None else _default_size_classes()
        self.size_classes = sizes
        self.pages_allocated = 0
        # One state per distinct class, ascending; fixed.
        self._states = [_ClassState(sc, pos) for pos, sc in enumerate(sizes.classes)]
        by_index = {sc.index: st for sc, st in zip(sizes.classes, self._states)}
        # Canonical class index -> state; fixed.
        self._state_by_index = by_index
        # Length -> state for 1..max_alloc_size (slot 0 unused); fixed.
        self._state_by_length: list[_ClassState | None] = [
            None if sc is None else by_index[sc.index] for sc in sizes._by_length
        ]
        # Live handle -> its zspage: added by zs_malloc, removed by zs_free.
        self._handles: dict[int, _Zspage] = {}
        # Objects still allocated whose handles a bulk run dropped (zs_settle);
        # they count as in use but can no longer be freed or moved.
        self._settled = 0
        # Next handle / zspage id to hand out; only ever grow.
        self._next_handle = 1
        self._next_zspage = 1
        # Class states changed since the last snapshot(); appended by
        # malloc/free, emptied by snapshot().
        self._dirty: list[_ClassState] = []
        # Per class position: its ClassUsage as of the last snapshot, None
        # when it has no zspage; rebuilt for dirty classes by snapshot().
        self._usage: list[ClassUsage | None] = [None] * len(self._states)
        # The last snapshot; replaced by snapshot() when something changed.
        self._snapshot = ZsPoolSnapshot(0, 0, ())

    # -- main API ---------------------------------------------------------

    def zs_malloc(self, length: int) -> int:
        """Allocate an object for *length* compressed bytes; return its handle.

        Take the first zspage of the fullest non-full group (10 down to 0)
        of the class, or create a zspage if every group is empty, then move
        the zspage to the head of its new group if its group changed. Raise
        :class:`ZsMallocNoSpace` for a length above ``ZS_MAX_ALLOC_SIZE``
        and :class:`ValueError` for a length below 1.
        """
        if not 0 < length <= self.size_classes.max_alloc_size:
            raise _bad_length(length, self.size_classes.max_alloc_size)
        st: _ClassState = self._state_by_length[length]  # type: ignore[assignment]
        heads = st.heads
        partial = st.mask & _SEARCH_MASK
        if partial:
            # find_get_zspage: the highest non-empty group below full.
            group = partial.bit_length() - 1
            zspage: _Zspage = heads[group]  # type: ignore[assignment]
            inuse = zspage.inuse + 1
            zspage.inuse = inuse
            new_group = st.group_of[inuse]
            if new_group != group:
                # fix_fullness_group: it is the head of its old list.
                after = zspage.next
                heads[group] = after
                if after is None:
                    st.mask ^= 1 << group
                else:
                    after.prev = None
                first = heads[new_group]
                zspage.next = first
                if first is None:
                    st.mask |= 1 << new_group
                else:
                    first.prev = zspage
                heads[new_group] = zspage
                zspage.fullness = new_group
        else:
            # alloc_zspage, one object placed, then insert_zspage at the head.
            new_group = st.group_of[1]
            first = heads[new_group]
            zspage = _Zspage(self._next_zspage, st, new_group, first)
            self._next_zspage += 1
            if first is None:
                st.mask |= 1 << new_group
            else:
                first.prev = zspage
            heads[new_group] = zspage
            st.zspages += 1
            self.pages_allocated += st.pages
        st.inuse += 1
        if not st.dirty:
            st.dirty = True
            self._dirty.append(st)
        handle = self._next_handle
        self._next_handle = handle + 1
        self._handles[handle] = zspage
        return handle

    def zs_free(self, handle: int) -> None:
        """Free the object behind *handle*.

        The zspage moves to the head of its new group if its group changed;
        when its last object goes, the zspage and its pages are released.
        Raise :class:`ValueError` for a handle that is not live (double free
        or never allocated).
        """
        zspage = self._handles.pop(handle, None)
        if zspage is None:
            raise self._bad_handle(handle)
        st = zspage.cls
        st.inuse -= 1
        if not st.dirty:
            st.dirty = True
            self._dirty.append(st)
        inuse = zspage.inuse - 1
        zspage.inuse = inuse
        group = zspage.fullness
        new_group = st.group_of[inuse]
        if new_group == group:
            return
        # remove_zspage from its current list.
        heads = st.heads
        before, after = zspage.prev, zspage.next
        if before is None:
            heads[group] = after
            if after is None:
                st.mask ^= 1 << group
        else:
            before.next = after
        if after is not None:
            after.prev = before
        if inuse == 0:
            # free_zspage (never deferred here).
            zspage.prev = zspage.next = None
            st.zspages -= 1
            self.pages_allocated -= st.pages
            return
        self._putback(st, zspage)

    def zs_compact(self) -> int:
        """Move objects out of sparse zspages into dense ones; return pages freed.

        ``zs_compact``, run by the pool's shrinker under memory pressure
        (``zs_shrinker_scan``): for each distinct class from the largest
        down, while at least one zspage's worth of slots is wasted, take as
        destination the first zspage of the fullest group (ratio-99 down to
        ratio-10) and keep it until it is full, take as source the first
        zspage of the emptiest group (ratio-10 up), move as many objects as
        fit, put the source back at the head of its new group or free it
        when empty, and put the destination back when full or when the class
        is done. Reproduced the kernel's pool exactly on the four recorded
        free-and-refill workloads (data/kernel/workloads/). Which objects of
        a source move is not modelled by object index: the oldest handles go
        first.
        """
        if self._settled:
            raise ValueError("zs_compact: this pool's settled objects cannot be moved (a bulk run dropped their handles)")
        freed = 0
        by_zspage: dict[int, list[int]] | None = None
        for st in reversed(self._states):
            objs = st.sc.objs_per_zspage
            dst = None
            while (st.zspages * objs - st.inuse) // objs > 0:
                if dst is None:
                    dst = self._isolate(st, range(_FULL_GROUP - 1, 0, -1))
                    if dst is None:
                        break
                src = self._isolate(st, range(1, _FULL_GROUP))
                if src is None:
                    break
                if by_zspage is None:
                    by_zspage = {}
                    for handle, zspage in self._handles.items():
                        by_zspage.setdefault(zspage.id, []).append(handle)
                moving = min(objs - dst.inuse, src.inuse)
                handles = sorted(by_zspage.get(src.id, []))[:moving]
                for handle in handles:
                    self._handles[handle] = dst
                by_zspage[src.id] = sorted(set(by_zspage.get(src.id, [])) - set(handles))
                by_zspage.setdefault(dst.id, []).extend(handles)
                src.inuse -= moving
                dst.inuse += moving
                if src.inuse == 0:
                    st.zspages -= 1
                    self.pages_allocated -= st.pages
                    freed += st.pages
                else:
                    self._putback(st, src)
                if dst.inuse == objs:
                    self._putback(st, dst)
                    dst = None
            if dst is not None:
                self._putback(st, dst)
            if not st.dirty:
                st.dirty = True
                self._dirty.append(st)
        return freed

    def _isolate(self, st: _ClassState, groups) -> _Zspage | None:
        """Take the first zspage of the first non-empty group in *groups* off its list."""
        for group in groups:
            zspage = st.heads[group]
            if zspage is not None:
                after = zspage.next
                st.heads[group] = after
                if after is None:
                    st.mask ^= 1 << group
                else:
                    after.prev = None
                zspage.prev = zspage.next = None
                return zspage
        return None

    def _putback(self, st: _ClassState, zspage: _Zspage) -> None:
        """``putback_zspage``: insert *zspage* at the head of its fullness group."""
        group = st.group_of[zspage.inuse]
        first = st.heads[group]
        zspage.prev = None
        zspage.next = first
        if first is None:
            st.mask |= 1 << group
        else:
            first.prev = zspage
        st.heads[group] = zspage
        zspage.fullness = group

    def zs_settle(self, handle: int) -> None:
        """Drop *handle* from the handle table but keep its object allocated.

        For bulk runs (zswapviz.simulate) whose stored objects are never
        freed, looked up or moved again: the pool's pages, classes and
        object counts stay exactly as they are, only the per-handle record
        goes. A pool with settled objects refuses ``zs_compact``.
        """
        if self._handles.pop(handle, None) is None:
            raise self._bad_handle(handle)
        self._settled += 1

    def zs_settle_full(self) -> int:
        """Once every object is settled, forget the full zspages; return how many.

        zs_malloc never places an object in a full zspage and settled
        objects are never freed or moved, so a full zspage of settled
        objects cannot change again: only its class's counts keep it
        (``zspages``, ``inuse``, ``pages_allocated`` are unchanged). Does
        nothing while any handle is live.
        """
        if self._handles:
            return 0
        forgotten = 0
        for st in self._states:
            head = st.heads[_FULL_GROUP]
            n = 0
            while head is not None:
                n += 1
                head = head.next
            if n:
                st.heads[_FULL_GROUP] = None
                st.mask &= ~(1 << _FULL_GROUP)
                st.settled_full += n
                forgotten += n
        return forgotten

    def _bad_handle(self, handle: object) -> ValueError:
        """The error for freeing or looking up a handle that is not live."""
        if isinstance(handle, int) and 0 < handle < self._next_handle:
            return ValueError(f"zs_free: handle {handle} was already freed (double free)")
        return ValueError(f"handle {handle!r} was never allocated by this pool")

    def _zspage_of(self, handle: int) -> _Zspage:
        zspage = self._handles.get(handle)
        if zspage is None:
            raise self._bad_handle(handle)
        return zspage

    # -- inspection -------------------------------------------------------

    def total_size(self) -> int:
        """Return ``pages_allocated`` in bytes (debugfs ``pool_total_size``)."""
        return self.pages_allocated * self.size_classes.page_size

    def objects_in_use(self) -> int:
        """Return the number of objects allocated (live handles and settled objects)."""
        return len(self._handles) + self._settled

    def handle_class(self, handle: int) -> SizeClass:
        """Return the size class holding *handle*'s object."""
        return self._zspage_of(handle).cls.sc

    def handle_zspage(self, handle: int) -> int:
        """Return the id of the zspage holding *handle*'s object."""
        return self._zspage_of(handle).id

    def class_stats(self) -> list[ClassUsage]:
        """Return the usage of every distinct class, ascending by size."""
        return [ClassUsage(st.sc, st.zspages, st.inuse) for st in self._states]

    def fullness_lists(self, size_class: SizeClass) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Return *size_class*'s twelve fullness lists, head first.

        Entry g lists group g's zspages as ``(zspage id, inuse)``; the head
        is the zspage ``zs_malloc`` would pick from that group.
        """
        st = self._state_by_index.get(size_class.index)
        if st is None or st.sc != size_class:
            raise ValueError(f"{size_class!r} is not a class of this pool")
        lists = []
        for head in st.heads:
            entries = []
            while head is not None:
                entries.append((head.id, head.inuse))
                head = head.next
            lists.append(tuple(entries))
        return tuple(lists)

    def snapshot(self) -> ZsPoolSnapshot:
        """Return an immutable picture of the pool.

        Only classes changed since the previous call are rebuilt, and an
        unchanged pool returns the previous snapshot object itself.
        """
        dirty = self._dirty
        if dirty:
            usage = self._usage
            for st in dirty:
                st.dirty = False
                usage[st.pos] = ClassUsage(st.sc, st.zspages, st.inuse) if st.zspages else None
            dirty.clear()
            self._snapshot = ZsPoolSnapshot(
                self.pages_allocated, self.objects_in_use(), tuple(filter(None, usage))
            )
        return self._snapshot

    def validate(self) -> None:
        """Check every internal invariant; raise :class:`ValueError` on the first broken one.

        Slow (walks every list and handle): for tests and debugging.
        """
        pages = 0
        live: dict[int, int] = {}
        for zspage in self._handles.values():
            live[id(zspage)] = live.get(id(zspage), 0) + 1
        for st in self._states:
            objs = st.sc.objs_per_zspage
            zspages = inuse = 0
            for group, head in enumerate(st.heads):
                if bool(st.mask >> group & 1) != (head is not None):
                    raise ValueError(f"class {st.sc.label}: mask bit {group} disagrees with its list")
                before = None
                while head is not None:
                    if head.prev is not before:
                        raise ValueError(f"class {st.sc.label}: broken link at zspage {head.id}")
                    if head.cls is not st or head.fullness != group:
                        raise ValueError(f"zspage {head.id} is on the wrong list")
                    if not 1 <= head.inuse <= objs or st.group_of[head.inuse] != group:
                        raise ValueError(f"zspage {head.id}: inuse {head.inuse} does not fit group {group}")
                    if not self._settled and live.get(id(head), 0) != head.inuse:
                        raise ValueError(f"zspage {head.id}: inuse {head.inuse} but {live.get(id(head), 0)} live handles")
                    zspages += 1
                    inuse += head.inuse
                    before, head = head, head.next
            zspages += st.settled_full
            inuse += st.settled_full * objs
            if zspages != st.zspages or inuse != st.inuse:
                raise ValueError(f"class {st.sc.label}: counters disagree with its lists")
            pages += zspages * st.pages
        if sum(st.inuse for st in self._states) != self.objects_in_use():
            raise ValueError("per-class object counts disagree with the live handles")
        if pages != self.pages_allocated:
            raise ValueError(f"pages_allocated {self.pages_allocated} but zspages hold {pages} pages")

    def __repr__(self) -> str:
        return f"<ZsPool pages_allocated={self.pages_allocated} objects={self.objects_in_use()}>"
