"""The swap-out path into zswap, one step per action.

Each operation is an :class:`~zswapviz.actions.Operation` over a
:class:`~zswapviz.model.world.World`: it changes the world exactly as the
kernel function would and yields an :class:`~zswapviz.actions.Action`
(``fn``, ``offset``, ``phase``, ``arg``) after every kernel action, where
*fn* is the kernel identifier, *offset* the swap slot concerned (or None),
*phase* a :class:`~zswapviz.actions.Phase` and *arg* a small number (a
length, a count, or a negative errno). :func:`zswapviz.actions.drive` runs
one; :func:`zswapviz.trace.record` records every step of it.

The algorithm follows mm/zswap.c and mm/page_io.c as described in
``docs/kernel-facts.md``; every difference between kernel releases
is a flag of :class:`~zswapviz.profiles.KernelProfile`. Each page of a
store is :mod:`zswapviz.store_page`'s; an entry's later life (load,
invalidate, writeback, the shrinkers, the compressor switch) is
:mod:`zswapviz.lifetime`'s, re-exported here under the names it always had.
"""

from __future__ import annotations

from .actions import Action, Phase, SwapOutcome, operation
from .constants import ENOMEM
from .faults import Faults
from .lifetime import (
    compressor_switch_steps,
    invalidate_steps,
    shrink_memcg,
    shrink_memcg_cb,
    zs_pool_shrink,
    zswap_compressor_switch,
    zswap_invalidate,
    zswap_load,
    zswap_writeback_entry,
    zswap_writeback_one,
)
from .model.entry import ZswapEntry
from .model.folio import Folio
from .model.stats import mthp_key
from .model.world import World
from .store_page import xa_store_entry, zswap_compress, zswap_store_page, zswap_store_pages

#: The operations, and (from .lifetime and .store_page, named here where
#: callers always found them) the steps other actors and tests reuse.
__all__ = [
    "compressor_switch_steps",
    "invalidate_steps",
    "shrink_memcg",
    "shrink_memcg_cb",
    "swap_writepage",
    "zs_pool_shrink",
    "zswap_compress",
    "zswap_compressor_switch",
    "zswap_invalidate",
    "zswap_load",
    "zswap_store",
    "zswap_store_page",
    "zswap_store_pages",
    "zswap_writeback_entry",
    "zswap_writeback_one",
]

CHECK, STORE, PUBLISH, ACCOUNT, ROLLBACK, DONE = (
    Phase.CHECK, Phase.STORE, Phase.PUBLISH, Phase.ACCOUNT, Phase.ROLLBACK, Phase.DONE)


@operation
def swap_writepage(world: World, folio: Folio, faults: Faults | None = None):
    """Swap out *folio*: zeromap, zswap, or the swap device (mm/page_io.c).

    Called ``swap_writeout`` from 6.16 on. Returns a SwapOutcome: ZEROMAP,
    ZSWAP, DISK, or ACTIVATE (kept in memory when memcg writeback is off).
    """
    world.begin_operation()
    nr = folio.nr_pages
    first = folio.offset
    offsets = range(first, first + nr)
    stats = world.stats
    world.swap_cache.update(offsets)
    yield Action(world.profile.writeout_fn, None, CHECK, nr)

    if folio.is_zero_filled():
        # swap_zeromap_folio_set: no zswap call, no I/O (0ca0c24e3211, v6.12)
        world.zeromap.update(offsets)
        stats["swpout_zero"] += nr
        world.swap_cache.difference_update(offsets)
        yield Action("swap_zeromap_folio_set", None, DONE, nr)
        return SwapOutcome.ZEROMAP
    world.zeromap.difference_update(offsets)

    stored = yield from zswap_store(world, folio, faults)
    if stored:
        if folio.order:
            stats[mthp_key(folio.order, "zswpout")] += 1
            yield Action("count_mthp_stat", None, ACCOUNT, 1)
        outcome = SwapOutcome.ZSWAP
    elif not world.writeback_enabled():
        # AOP_WRITEPAGE_ACTIVATE: the folio is redirtied and stays in RAM
        world.in_memory.update(offsets)
        yield Action("folio_mark_dirty", None, DONE, nr)
        outcome = SwapOutcome.ACTIVATE
    else:
        # __swap_writepage -> count_swpout_vm_event: PSWPOUT + nr, mTHP swpout + 1
        world.on_disk.update(offsets)
        stats["pswpout"] += nr
        if folio.order:
            stats[mthp_key(folio.order, "swpout")] += 1
        yield Action("__swap_writepage", None, DONE, nr)
        outcome = SwapOutcome.DISK
    world.swap_cache.difference_update(offsets)
    return outcome


def zswap_store(world: World, folio: Folio, faults: Faults | None = None):
    """Store every page of *folio* in zswap, or none of them (mm/zswap.c).

    Limits are checked once per folio (b7c0ccdfbafd, v6.13). On any failure
    ``check_old`` erases every offset of the folio, stale entries included.
    Returns True when the folio is stored.
    """
    profile = world.profile
    stats = world.stats
    nr = folio.nr_pages
    first = folio.offset
    refs = world.refs
    ret = False
    yield Action("zswap_store", None, CHECK, nr)
    if not profile.large_folios and nr > 1:
        # v6.12: the very first check, before enabled and before check_old
        yield Action("folio_test_large", None, DONE, nr)
        return False
    if profile.single_page:
        return (yield from zswap_store_single_page(world, folio, faults))

    if world.params.enabled:
        objcg, refused = yield from _store_checks(world)
        pool = None
        if not refused:
            pool = world.zswap_pool_current()
            if pool is not None and not pool.tryget():
                pool = None
            yield Action("zswap_pool_current_get", None, CHECK, 0 if pool is None else 1)
            refused = pool is None
        if not refused:
            if objcg is not None:
                yield Action("memcg_list_lru_alloc", None, CHECK, 0)
            if refs.refs_up_front:
                # All n refs up front (review alternative, not merged)
                yield from _get_many(world, pool, objcg, nr)
            compressed_bytes = 0
            stored = 0
            batch = profile.batch_size
            while stored < nr:
                if batch > 1:
                    end = min(stored + batch, nr)
                    length, published = yield from zswap_store_pages(world, folio, stored, end, objcg, pool, faults)
                else:
                    length = yield from zswap_store_page(world, folio, stored, objcg, pool, faults)
                    published = 1 if length else 0
                stored += published
                if not length:
                    break
                compressed_bytes += length
            if stored == nr:
                if refs.refs_after_loop:
                    # percpu_ref_get_many(n) once every page is published
                    yield from _get_many(world, pool, objcg, nr)
                    for offset in range(first, first + nr):
                        entry = world.trees.xa_load(offset)
                        if entry is not None and entry.operation_seq == world.operation_seq:
                            entry.pool_ref = entry.objcg_ref = True
                # 6.13 (b7c0ccdfbafd): charge once per folio, only on success,
                # together with the cgroup's zswpout; then stored_pages; undone
                # per entry by zswap_entry_free. 6.14+: only the events remain.
                if objcg is not None:
                    if not profile.charge_in_store_page and world.params.cgroup_v2:
                        objcg.obj_cgroup_charge_zswap(compressed_bytes)
                        yield Action("obj_cgroup_charge_zswap", None, ACCOUNT, compressed_bytes)
                    objcg.zswpout += nr
                    yield Action("count_objcg_events", None, ACCOUNT, nr)
                if not profile.charge_in_store_page:
                    stats["stored_pages"] += nr
                    yield Action("atomic_long_add(zswap_stored_pages)", None, ACCOUNT, nr)
                stats["zswpout"] += nr
                yield Action("count_vm_events", None, ACCOUNT, nr)
                ret = True
            elif refs.refs_up_front:
                # Undo the refs of pages never published: n - k exactly
                # (drop-all and drop-none are the deliberately wrong versions)
                drop = refs.refs_to_drop(nr, stored)
                if drop:
                    yield from _put_many(world, pool, objcg, drop)
            # put_pool: the tryget ref; entries hold their own
            world.zswap_pool_put(pool)
            yield Action("zswap_pool_put", None, ACCOUNT if ret else ROLLBACK, 1)
        if objcg is not None:
            # put_objcg
            objcg.obj_cgroup_put()
            yield Action("obj_cgroup_put", None, ACCOUNT if ret else ROLLBACK, 1)
        if not ret and world.zswap_pool_reached_full:
            world.shrink_work_queued += 1
            yield Action("queue_work(shrink_wq)", None, ROLLBACK, 1)
    else:
        yield Action("zswap_is_enabled", None, CHECK, 0)

    if not ret:
        yield from _check_old(world, first, nr)
    yield Action("zswap_store", None, DONE, int(ret))
    return ret


def _store_checks(world: World):
    """The objcg ref and the limit checks that open every store; return (objcg, refused).

    ``get_obj_cgroup_from_folio`` takes one objcg ref for the whole store;
    over ``memory.zswap.max`` one ``shrink_memcg`` attempt is made, and its
    success lets the store go on without re-checking; then the global limit.
    """
    objcg = world.memcg
    if objcg is not None:
        objcg.obj_cgroup_get()
        yield Action("get_obj_cgroup_from_folio", None, CHECK, 1)
    refused = False
    if objcg is not None and not objcg.obj_cgroup_may_zswap(world.params.cgroup_v2):
        yield Action("obj_cgroup_may_zswap", None, CHECK, 0)
        refused = (yield from shrink_memcg(world, objcg)) != 0
    if not refused:
        refused = world.zswap_check_limits()
        yield Action("zswap_check_limits", None, CHECK, int(refused))
    return objcg, refused


def _check_old(world: World, first: int, nr: int):
    """``check_old``: erase every offset of a refused folio and free what was there.

    No stale entry may survive, or writeback could later overwrite the data
    the caller now sends to the swap device.
    """
    memcg = world.memcg
    for offset in range(first, first + nr):
        entry = world.trees.xa_erase(offset)
        warned = len(memcg.warnings) if memcg is not None else 0
        if entry is not None:
            world.zswap_entry_free(entry)
        yield Action("xa_erase", offset, ROLLBACK, 0 if entry is None else entry.length)
        if memcg is not None and len(memcg.warnings) > warned:
            # The stock now holds pages never charged: page_counter_cancel will warn
            yield Action("page_counter_cancel", offset, ROLLBACK, memcg.pages_owed)


def _get_many(world: World, pool, objcg, nr: int):
    """``percpu_ref_get_many`` on the pool and ``obj_cgroup_get_many``: *nr* refs each."""
    pool.get(nr)
    yield Action("percpu_ref_get_many", None, ACCOUNT, nr)
    if objcg is not None:
        objcg.obj_cgroup_get(nr)
        yield Action("obj_cgroup_get_many", None, ACCOUNT, nr)


def _put_many(world: World, pool, objcg, nr: int):
    """``percpu_ref_put_many`` and ``obj_cgroup_put_many``: drop *nr* refs each."""
    world.zswap_pool_put(pool, nr)
    yield Action("percpu_ref_put_many", None, ROLLBACK, nr)
    if objcg is not None:
        objcg.obj_cgroup_put(nr)
        yield Action("obj_cgroup_put_many", None, ROLLBACK, nr)


def zswap_store_single_page(world: World, folio: Folio, faults: Faults | None = None):
    """The pre-6.13 ``zswap_store`` of one order-0 folio; return success.

    The entry keeps the store's objcg ref and its tryget pool ref; limits
    and ``pool_limit_hit`` are per page. Order (v6.12): checks, allocate,
    pool, compress, fields, ``xa_store``, free old, charge, LRU add,
    ``stored_pages`` and ZSWPOUT.
    """
    stats = world.stats
    offset = folio.offset
    fault = faults.get(folio.first_page) if faults else None
    ret = False
    if not world.params.enabled:
        yield Action("zswap_is_enabled", None, CHECK, 0)
    else:
        objcg, refused = yield from _store_checks(world)
        entry = None
        if not refused and fault == "kmemcache":
            stats["reject_kmemcache_fail"] += 1
            yield Action("zswap_entry_cache_alloc", offset, STORE, ENOMEM)
            refused = True
        if not refused:
            entry = ZswapEntry(world.operation_seq)
            entry.page = 0
            world.inflight[offset] = entry
            yield Action("zswap_entry_cache_alloc", offset, STORE, 0)
            # "if entry is successfully added, it keeps the reference"
            pool = world.zswap_pool_current()
            if pool is not None and not pool.tryget():
                pool = None
            entry.pool = pool
            entry.pool_ref = pool is not None
            yield Action("zswap_pool_current_get", offset, STORE, 0 if pool is None else 1)
            ok = pool is not None
            if ok and objcg is not None:
                yield Action("memcg_list_lru_alloc", None, CHECK, 0)
            if ok:
                ok = yield from zswap_compress(world, folio, 0, entry, pool, fault)
            if ok and fault == "xa_store_enomem":
                stats["reject_alloc_fail"] += 1
                yield Action("xa_store", offset, PUBLISH, ENOMEM)
                pool.zs_pool.zs_free(entry.handle)
                entry.handle = None
                yield Action("zpool_free", offset, ROLLBACK, entry.length)
                ok = False
            if ok:
                entry.swpentry = (world.trees.type, offset)
                entry.objcg = objcg
                entry.objcg_ref = objcg is not None
                entry.referenced = True
                yield from xa_store_entry(world, offset, entry)
                if objcg is not None:
                    if world.params.cgroup_v2:
                        objcg.obj_cgroup_charge_zswap(entry.length)
                        entry.charged = True
                        yield Action("obj_cgroup_charge_zswap", offset, ACCOUNT, entry.length)
                    objcg.zswpout += 1
                    yield Action("count_objcg_event", offset, ACCOUNT, 1)
                world.zswap_lru_add(entry)
                yield Action("zswap_lru_add", offset, ACCOUNT, 0)
                stats["stored_pages"] += 1
                yield Action("atomic_inc(zswap_stored_pages)", offset, ACCOUNT, 1)
                stats["zswpout"] += 1
                yield Action("count_vm_event", None, ACCOUNT, 1)
                ret = True
            else:
                if pool is not None:
                    world.zswap_pool_put(pool)
                    yield Action("zswap_pool_put", offset, ROLLBACK, 1)
                world.inflight.pop(offset, None)
                yield Action("zswap_entry_cache_free", offset, ROLLBACK, 0)
        if not ret:
            if objcg is not None:
                objcg.obj_cgroup_put()
                yield Action("obj_cgroup_put", None, ROLLBACK, 1)
            if world.zswap_pool_reached_full:
                world.shrink_work_queued += 1
                yield Action("queue_work(shrink_wq)", None, ROLLBACK, 1)
    if not ret:
        yield from _check_old(world, offset, 1)
    yield Action("zswap_store", None, DONE, int(ret))
    return ret
