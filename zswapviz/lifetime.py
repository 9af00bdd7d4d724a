"""An entry's later life, one step per action: load, invalidate, writeback, shrinkers, compressor switch.

What happens to a ``zswap_entry`` after :mod:`zswapviz.store` published it:
the page is swapped in (``zswap_load``), its slot freed
(``zswap_invalidate``), it is written back to the swap device by the
shrinker (``shrink_memcg_cb``, ``zswap_writeback_entry``), its zsmalloc
pages compacted (``zs_pool_shrink``), or its pool retired by a compressor
switch. Same contract as the store: each function is a generator over a
:class:`~zswapviz.model.world.World` yielding one
:class:`~zswapviz.actions.Action` per kernel action (``docs/kernel-facts.md``).
``from zswapviz.store import zswap_load`` (and the others) still works.
"""

from __future__ import annotations

from .actions import Action, LoadResult, Phase, ShrinkResult, operation
from .compress import get_compressor
from .constants import EAGAIN, EEXIST, EINVAL, EIO, ENOENT, ENOMEM, PAGE_SIZE
from .model.entry import ZswapEntry
from .model.memcg import MemCgroup
from .model.world import World

__all__ = [
    "compressor_switch_steps",
    "invalidate_steps",
    "shrink_memcg",
    "shrink_memcg_cb",
    "zs_pool_shrink",
    "zswap_compressor_switch",
    "zswap_invalidate",
    "zswap_load",
    "zswap_writeback_entry",
    "zswap_writeback_one",
]

CHECK, STORE, ACCOUNT, ROLLBACK, WRITEBACK, DONE = (
    Phase.CHECK, Phase.STORE, Phase.ACCOUNT, Phase.ROLLBACK, Phase.WRITEBACK, Phase.DONE)


def shrink_memcg(world: World, memcg: MemCgroup):
    """Try to write back one entry of *memcg* at store time; return 0 or -errno.

    -ENOENT when writeback is off or the memcg's LRU is empty, -EAGAIN when
    the head entry only lost its referenced bit, 0 when one was written back.
    """
    if not memcg.zswap_writeback:
        yield Action("shrink_memcg", None, CHECK, ENOENT)
        return ENOENT
    lst = world.lru.get(memcg.name)
    if not lst:
        yield Action("shrink_memcg", None, CHECK, ENOENT)
        return ENOENT
    entry = next(iter(lst))
    result = yield from shrink_memcg_cb(world, entry)
    ret = 0 if result is ShrinkResult.REMOVED else EAGAIN
    yield Action("shrink_memcg", None, CHECK, ret)
    return ret


def shrink_memcg_cb(world: World, entry: ZswapEntry, respect_swapcache: bool = True):
    """Give *entry* its second chance or write it back; return what happened.

    Returns a ShrinkResult: ROTATED (referenced bit cleared), REMOVED
    (written back) or SKIPPED (writeback failed, ``reject_reclaim_fail``).
    *respect_swapcache* False is the naive model of the review race.
    """
    key = entry.objcg.name if entry.objcg is not None else None
    lst = world.lru[key]
    offset = entry.swpentry[1]
    # Rotate to the tail first, whichever way this ends
    del lst[entry]
    lst[entry] = None
    if entry.referenced:
        entry.referenced = False
        yield Action("shrink_memcg_cb", offset, WRITEBACK, 0)
        return ShrinkResult.ROTATED
    ret = yield from zswap_writeback_entry(world, entry, respect_swapcache)
    if ret:
        world.stats["reject_reclaim_fail"] += 1
        yield Action("shrink_memcg_cb", offset, WRITEBACK, ret)
        return ShrinkResult.SKIPPED
    world.stats["written_back_pages"] += 1
    yield Action("shrink_memcg_cb", offset, WRITEBACK, 1)
    return ShrinkResult.REMOVED


def zswap_writeback_entry(world: World, entry: ZswapEntry, respect_swapcache: bool = True):
    """Write *entry* back to the swap device; return 0 or -errno.

    -EEXIST when the slot's folio is in the swap cache (a large folio being
    stored holds all its slots there), -ENOMEM when the tree no longer holds
    this entry (invalidated or replaced meanwhile); nothing is freed then.
    """
    offset = entry.swpentry[1]
    if respect_swapcache and offset in world.swap_cache:
        yield Action("__read_swap_cache_async", offset, WRITEBACK, EEXIST)
        return EEXIST
    yield Action("__read_swap_cache_async", offset, WRITEBACK, 0)
    if world.profile.decompress_before_erase:
        # 6.15+: check the entry, decompress, and only then erase it
        if world.trees.xa_load(offset) is not entry:
            yield Action("xa_load", offset, WRITEBACK, ENOMEM)
            return ENOMEM
        yield Action("xa_load", offset, WRITEBACK, entry.length)
        if entry.corrupt:
            world.stats["decompress_fail"] += 1
            yield Action("zswap_decompress", offset, WRITEBACK, EIO)
            return EIO
        yield Action("zswap_decompress", offset, WRITEBACK, entry.length)
        world.trees.xa_erase(offset)
        yield Action("xa_erase", offset, WRITEBACK, entry.length)
    else:
        # 6.12-6.14: take the entry out first (xa_cmpxchg), then decompress
        if world.trees.xa_cmpxchg(offset, entry, None) is not entry:
            yield Action("xa_cmpxchg", offset, WRITEBACK, ENOMEM)
            return ENOMEM
        yield Action("xa_cmpxchg", offset, WRITEBACK, 0)
        yield Action("zswap_decompress", offset, WRITEBACK, entry.length)
    world.stats["zswpwb"] += 1
    if entry.objcg is not None:
        entry.objcg.zswpwb += 1
    world.zswap_entry_free(entry)
    yield Action("zswap_entry_free", offset, WRITEBACK, entry.length)
    world.on_disk.add(offset)
    world.stats["pswpout"] += 1
    yield Action("__swap_writepage", offset, WRITEBACK, 1)
    return 0


@operation
def zswap_writeback_one(world: World, memcg: MemCgroup | None = None):
    """One shrinker pass over the head of an LRU list; return what happened.

    The LRU of *memcg* (default: the world's memcg, or the root list); a
    cgroup with ``memory.zswap.writeback`` 0 is skipped. Returns a
    ShrinkResult.
    """
    world.begin_operation()
    memcg = memcg if memcg is not None else world.memcg
    if memcg is not None and not memcg.zswap_writeback:
        # memory.zswap.writeback = 0: the shrinkers skip this cgroup (v6.8+)
        yield Action("mem_cgroup_zswap_writeback_enabled", None, WRITEBACK, 0)
        return ShrinkResult.SKIPPED
    key = memcg.name if memcg is not None else None
    lst = world.lru.get(key)
    if not lst:
        yield Action("list_lru_walk_one", None, WRITEBACK, 0)
        return ShrinkResult.EMPTY
    entry = next(iter(lst))
    result = yield from shrink_memcg_cb(world, entry)
    return result


@operation
def zswap_load(world: World, offset: int, swapcache: bool = True, nr_pages: int = 1):
    """Load the page at *offset*; return a LoadResult (handled, uptodate, the page).

    6.12-6.14: with the folio in the swap cache the entry is erased first,
    then decompressed (a failure is a BUG), zswpin counted, the entry freed
    and the folio dirtied, since the swap cache now holds the only copy.
    6.15+ (lore 20250306205011.784787-1-nphamcs@gmail.com): look the entry
    up, decompress, and only on success mark the folio uptodate, count
    zswpin and (swap cache) dirty the folio, erase the slot and free the
    entry; a failure counts ``decompress_fail``, keeps the entry and gives
    the fault -EIO. Without the swap cache (a synchronous-I/O device) the
    entry stays. zswap cannot load into a large folio (*nr_pages* > 1): it
    warns and the fault gets an I/O error (docs/kernel-facts.md section 5).
    """
    world.begin_operation()
    stats = world.stats
    new_order = world.profile.decompress_before_erase
    if nr_pages > 1:
        # Large-folio swap-in is avoided once zswap was enabled, so this is a WARN
        yield Action("folio_test_large", offset, DONE, EINVAL)
        return LoadResult(handled=True, uptodate=False)
    if swapcache and not new_order:
        entry = world.trees.xa_erase(offset)
        yield Action("xa_erase", offset, CHECK, 0 if entry is None else entry.length)
    else:
        entry = world.trees.xa_load(offset)
        yield Action("xa_load", offset, CHECK, 0 if entry is None else entry.length)
    if entry is None:
        yield Action("zswap_load", offset, DONE, 0)
        return LoadResult(handled=False, uptodate=False)
    if new_order and entry.corrupt:
        stats["decompress_fail"] += 1
        yield Action("zswap_decompress", offset, STORE, EIO)
        yield Action("zswap_load", offset, DONE, EIO)
        return LoadResult(handled=True, uptodate=False)
    page = _decompress(world, entry)
    yield Action("zswap_decompress", offset, STORE, entry.length)
    if new_order:
        yield Action("folio_mark_uptodate", offset, ACCOUNT, 1)
    stats["zswpin"] += 1
    if entry.objcg is not None:
        entry.objcg.zswpin += 1
    yield Action("count_vm_event", offset, ACCOUNT, 1)
    if swapcache:
        if new_order:
            world.in_memory.add(offset)
            yield Action("folio_mark_dirty", offset, ACCOUNT, 1)
            world.trees.xa_erase(offset)
            yield Action("xa_erase", offset, ACCOUNT, entry.length)
            world.zswap_entry_free(entry)
            yield Action("zswap_entry_free", offset, ACCOUNT, entry.length)
        else:
            world.zswap_entry_free(entry)
            yield Action("zswap_entry_free", offset, ACCOUNT, entry.length)
            world.in_memory.add(offset)
            yield Action("folio_mark_dirty", offset, DONE, 1)
    yield Action("zswap_load", offset, DONE, 1)
    return LoadResult(handled=True, uptodate=True, data=page)


def _decompress(world: World, entry: ZswapEntry) -> bytes | None:
    """The page an entry holds (None when a bulk run kept only lengths)."""
    if entry.data is None:
        return None
    if world.profile.store_incompressible and entry.length == PAGE_SIZE:
        return entry.data
    return get_compressor(entry.pool.tfm_name).decompress(entry.data)


@operation
def zswap_invalidate(world: World, offset: int):
    """Free the entry at *offset* when its swap slot is freed."""
    world.begin_operation()
    return (yield from invalidate_steps(world, offset, ROLLBACK))


def invalidate_steps(world: World, offset: int, phase: Phase = ROLLBACK):
    """Erase *offset* and free its entry, without starting an operation; return if one was there."""
    entry = world.trees.xa_erase(offset)
    yield Action("xa_erase", offset, phase, 0 if entry is None else entry.length)
    if entry is not None:
        world.zswap_entry_free(entry)
        yield Action("zswap_entry_free", offset, phase, entry.length)
    return entry is not None


@operation
def zs_pool_shrink(world: World):
    """The zsmalloc pool shrinker: compact every pool; return the pages freed.

    ``zs_shrinker_scan`` -> ``zs_compact`` under memory pressure (e.g.
    ``echo 2 > /proc/sys/vm/drop_caches``); entries keep their handles, only
    the pages behind them shrink, so ``pool_total_size`` drops.
    """
    world.begin_operation()
    freed = 0
    for pool in world.pools:
        pages = pool.zs_pool.zs_compact()
        freed += pages
        yield Action("zs_compact", None, ACCOUNT, pages)
    return freed


@operation
def zswap_compressor_switch(world: World, compressor: str):
    """Set ``zswap.compressor`` to *compressor*; return the current pool's name.

    The current compressor again: nothing changes. A compressor whose old
    pool is still alive (killed, entries left): that pool is found
    (``zswap_pool_find_get``), resurrected (``percpu_ref_resurrect``) and made
    current. Otherwise a new pool is created. The pool that was current is
    killed (``percpu_ref_kill``) and lives, counted in ``zswap_total_pages``,
    until its last entry is freed (docs/kernel-facts.md section 7).
    """
    world.begin_operation()
    return (yield from compressor_switch_steps(world, compressor))


def compressor_switch_steps(world: World, compressor: str):
    """The switch itself, without starting a new operation (for interleavings)."""
    get_compressor(compressor)  # an unknown name is a UsageError before anything changes
    old = world.zswap_pool_current()
    if old is not None and world.params.compressor == compressor:
        yield Action("zswap_compressor_switch", None, CHECK, 0)
        return old.name
    pool = world.zswap_pool_find_get(compressor)
    if pool is not None:
        yield Action("zswap_pool_find_get", None, CHECK, 1)
        world.zswap_pool_resurrect(pool)
        yield Action("percpu_ref_resurrect", None, ACCOUNT, pool.refcount)
    else:
        pool = world.zswap_pool_create(compressor)
        yield Action("zswap_pool_create", None, CHECK, len(world.pools))
    world.params.compressor = compressor
    if old is not None:
        world.zswap_pool_kill(old)
        yield Action("percpu_ref_kill", None, ACCOUNT, old.refcount)
    return pool.name
