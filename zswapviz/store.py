"""The swap-out path into zswap and an entry's later life, one step per action.

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
is a flag of :class:`~zswapviz.profiles.KernelProfile`.
"""

from __future__ import annotations

from .actions import Action, LoadResult, Phase, ShrinkResult, SwapOutcome, operation
from .compress import get_compressor
from .constants import EAGAIN, EEXIST, EINVAL, EIO, ENOENT, ENOMEM, ENOSPC, PAGE_SIZE
from .errors import UsageError
from .faults import Faults
from .model.entry import ZswapEntry
from .model.folio import Folio
from .model.memcg import MemCgroup
from .model.stats import mthp_key
from .model.world import World
from .profiles import KERNEL_NAMES, compressor_overflow, get_profile

__all__ = [
    "shrink_memcg",
    "swap_writepage",
    "zs_pool_shrink",
    "zswap_compressor_switch",
    "zswap_invalidate",
    "zswap_load",
    "zswap_store",
    "zswap_store_page",
    "zswap_writeback_one",
]

CHECK, STORE, PUBLISH, ACCOUNT, ROLLBACK, WRITEBACK, DONE = (
    Phase.CHECK, Phase.STORE, Phase.PUBLISH, Phase.ACCOUNT, Phase.ROLLBACK, Phase.WRITEBACK, Phase.DONE)


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


def zswap_store_page(world: World, folio: Folio, index: int, objcg: MemCgroup | None,
                     pool, faults: Faults | None):
    """Store page *index* of *folio*; return its length, or 0 on failure.

    Order (ed882add6ded, v6.13): allocate, compress, ``xa_store``, free the
    old entry, then the pool and objcg refs, then (6.14+, 63895d20d63b) the
    charge and ``stored_pages``, and last the LRU add, which is when
    writeback can first see the entry. The v9 posting took the refs right
    after allocating instead, and a failing page dropped its own pair.
    """
    profile = world.profile
    stats = world.stats
    offset = folio.offset + index
    fault = faults.get(folio.first_page + index) if faults else None
    early_refs = profile.refs_before_compress

    if fault == "kmemcache":
        stats["reject_kmemcache_fail"] += 1
        yield Action("zswap_entry_cache_alloc", offset, STORE, ENOMEM)
        return 0
    entry = ZswapEntry(world.operation_seq)
    entry.page = index
    world.inflight[offset] = entry
    yield Action("zswap_entry_cache_alloc", offset, STORE, 0)
    if early_refs:
        # v9: "zswap_store() already holds a ref on 'objcg' and 'pool'"
        if objcg is not None:
            objcg.obj_cgroup_get()
            entry.objcg_ref = True
            yield Action("obj_cgroup_get", offset, STORE, 1)
        pool.get()
        entry.pool = pool
        entry.pool_ref = True
        yield Action("zswap_pool_get", offset, STORE, 1)

    if not (yield from zswap_compress(world, folio, index, entry, pool, fault)):
        yield from _drop_unpublished(world, offset, pool, objcg, early_refs)
        return 0

    if fault == "xa_store_enomem":
        # The previous occupant stays; check_old removes it later
        stats["reject_alloc_fail"] += 1
        yield Action("xa_store", offset, PUBLISH, ENOMEM)
        pool.zs_pool.zs_free(entry.handle)
        entry.handle = None
        yield Action("zs_free" if profile.allocator == "zsmalloc" else "zpool_free", offset, ROLLBACK, entry.length)
        yield from _drop_unpublished(world, offset, pool, objcg, early_refs)
        return 0

    yield from _publish(world, entry, offset, pool, objcg, take_refs=not early_refs)
    return entry.length


def _publish(world: World, entry: ZswapEntry, offset: int, pool, objcg, take_refs: bool = True):
    """Publish a compressed entry: ``xa_store``, free the old one, refs, charge, LRU.

    Shared by ``zswap_store_page`` and the batched ``zswap_store_pages``.
    Published but not yet on the LRU, the entry cannot be found by
    writeback, and the folio lock excludes loads and invalidations, so its
    refs can come after ``xa_store`` (ed882add6ded, v6.13).
    """
    old = world.trees.xa_store(offset, entry)
    del world.inflight[offset]
    yield Action("xa_store", offset, PUBLISH, 0)
    if old is not None:
        # A stale copy from an earlier swap-out of this slot
        world.zswap_entry_free(old)
        yield Action("zswap_entry_free", offset, PUBLISH, old.length)
    refs = world.refs
    if refs.refs_per_page:
        if take_refs:
            pool.get()
            entry.pool_ref = True
            yield Action("zswap_pool_get", offset, ACCOUNT, 1)
            if objcg is not None:
                objcg.obj_cgroup_get()
                entry.objcg_ref = True
                yield Action("obj_cgroup_get", offset, ACCOUNT, 1)
    elif refs.refs_up_front:
        # Its refs were taken up front, before anything was published
        entry.pool_ref = entry.objcg_ref = True
    if world.profile.charge_in_store_page:
        # 6.14+ (63895d20d63b): charge the length and count the entry, per page
        if objcg is not None and world.params.cgroup_v2:
            objcg.obj_cgroup_charge_zswap(entry.length)
            entry.charged = True
            yield Action("obj_cgroup_charge_zswap", offset, ACCOUNT, entry.length)
        stats = world.stats
        stats["stored_pages"] += 1
        if world.profile.store_incompressible and entry.length == PAGE_SIZE:
            stats["stored_incompressible_pages"] += 1
        yield Action("atomic_long_inc(zswap_stored_pages)", offset, ACCOUNT, 1)
    _publish_to_lru(world, entry, offset, pool, objcg)
    yield Action("zswap_lru_add", offset, ACCOUNT, 0)


def _drop_unpublished(world: World, offset: int, pool, objcg, early_refs: bool):
    """Free an entry that never reached the tree (and, in v9, its own refs)."""
    if early_refs:
        world.zswap_pool_put(pool)
        yield Action("zswap_pool_put", offset, ROLLBACK, 1)
        if objcg is not None:
            objcg.obj_cgroup_put()
            yield Action("obj_cgroup_put", offset, ROLLBACK, 1)
    world.inflight.pop(offset, None)
    yield Action("zswap_entry_cache_free", offset, ROLLBACK, 0)


def _publish_to_lru(world: World, entry: ZswapEntry, offset: int, pool, objcg) -> None:
    """Fill the entry's fields and add it to the LRU: writeback can now find it.

    The caller yields the ``zswap_lru_add`` step right after.
    """
    entry.pool = pool
    entry.swpentry = (world.trees.type, offset)
    entry.objcg = objcg
    entry.referenced = True
    world.zswap_lru_add(entry)


def zswap_store_pages(world: World, folio: Folio, start: int, end: int,
                      objcg: MemCgroup | None, pool, faults: Faults | None):
    """Store pages [start, end) as one batch; return (total length or 0, pages published).

    The unmerged compress-batching series (v13/v14, ``zswap_store_pages``):
    bulk-allocate the batch's entries, compress the batch, then publish and
    account each entry as 6.18 does. On a failure only the entries never
    published are freed here; those already in the tree are left to
    ``check_old``.
    """
    stats = world.stats
    first = folio.offset + start
    run_first = folio.first_page
    kinds = [faults.get(run_first + i) if faults else None for i in range(start, end)]
    if "kmemcache" in kinds:
        stats["reject_kmemcache_fail"] += 1
        yield Action("kmem_cache_alloc_bulk", first, STORE, ENOMEM)
        return 0, 0
    entries = []
    for i in range(start, end):
        entry = ZswapEntry(world.operation_seq)
        entry.page = i
        entries.append(entry)
        world.inflight[folio.offset + i] = entry
    yield Action("kmem_cache_alloc_bulk", first, STORE, end - start)

    for j, i in enumerate(range(start, end)):
        if not (yield from zswap_compress(world, folio, i, entries[j], pool, kinds[j])):
            # Nothing of this batch is published: free its objects and entries
            for k in range(j):
                pool.zs_pool.zs_free(entries[k].handle)
                entries[k].handle = None
            yield Action("zs_free", first, ROLLBACK, j)
            for k in range(start, end):
                world.inflight.pop(folio.offset + k, None)
            yield Action("kmem_cache_free_bulk", first, ROLLBACK, end - start)
            return 0, 0

    total = 0
    for j, i in enumerate(range(start, end)):
        offset = folio.offset + i
        entry = entries[j]
        if kinds[j] == "xa_store_enomem":
            stats["reject_alloc_fail"] += 1
            yield Action("xa_store", offset, PUBLISH, ENOMEM)
            # Free only [i, end): the published ones are check_old's
            for k in range(j, end - start):
                pool.zs_pool.zs_free(entries[k].handle)
                entries[k].handle = None
                world.inflight.pop(folio.offset + start + k, None)
            yield Action("zs_free", offset, ROLLBACK, end - start - j)
            yield Action("kmem_cache_free_bulk", offset, ROLLBACK, end - start - j)
            return 0, j
        yield from _publish(world, entry, offset, pool, objcg)
        total += entry.length
    return total, end - start


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
                old = world.trees.xa_store(offset, entry)
                del world.inflight[offset]
                yield Action("xa_store", offset, PUBLISH, 0)
                if old is not None:
                    world.zswap_entry_free(old)
                    yield Action("zswap_entry_free", offset, PUBLISH, old.length)
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


def zswap_compress(world: World, folio: Folio, index: int, entry: ZswapEntry, pool, fault):
    """Compress page *index* into a zsmalloc object; return success.

    The compressor is given one page of output (docs/kernel-facts.md
    section 4): a page that does not fit makes zstd, lz4 and deflate fail
    (-EINVAL; deflate -ENOSPC once it is an acomp algorithm), while LZO
    before cc47f07234f7 returns the longer stream and zs_malloc refuses it
    with -ENOSPC. -ENOSPC from either counts ``reject_compress_poor``, any
    other compressor error ``reject_compress_fail``. 6.18 (S-raw): a
    compressor error or a length >= PAGE_SIZE stores the page as is,
    PAGE_SIZE bytes, when the memcg allows writeback; otherwise the page is
    rejected keeping the compressor's errno (-EINVAL if it had none).
    """
    profile = world.profile
    stats = world.stats
    offset = folio.offset + index
    data = None
    if fault == "decompress_fail" and not profile.decompress_before_erase:
        raise UsageError(
            f"fault decompress_fail needs a kernel that survives a failed decompression (6.15+: "
            f"{', '.join(n for n in KERNEL_NAMES if get_profile(n).decompress_before_erase)}); "
            f"on {profile.name} zswap_decompress BUGs (lore 20250306205011.784787-1-nphamcs@gmail.com)")
    # The compressor's return value: 0, or a negative errno
    comp_ret = EINVAL if fault == "compress_fail" else ENOSPC if fault == "compress_poor" else 0
    if comp_ret:
        dlen = 0
    elif folio.lengths is not None:
        dlen = int(folio.lengths[index])
    else:
        data = get_compressor(pool.tfm_name).compress(folio.pages[index])
        dlen = len(data)
    if dlen > PAGE_SIZE:
        overflow = compressor_overflow(profile, pool.tfm_name)
        if overflow is not None:
            comp_ret, dlen, data = overflow, 0, None
    yield Action("crypto_acomp_compress", offset, STORE, comp_ret or dlen)

    if profile.store_incompressible:
        if comp_ret or dlen == 0 or dlen >= PAGE_SIZE:
            if not world.writeback_enabled():
                ret = comp_ret or EINVAL
                stats["reject_compress_poor" if ret == ENOSPC else "reject_compress_fail"] += 1
                yield Action("mem_cgroup_zswap_writeback_enabled", offset, STORE, ret)
                return False
            dlen = PAGE_SIZE
            data = None if folio.pages is None else bytes(folio.pages[index])
            yield Action("mem_cgroup_zswap_writeback_enabled", offset, STORE, PAGE_SIZE)
    elif comp_ret:
        stats["reject_compress_poor" if comp_ret == ENOSPC else "reject_compress_fail"] += 1
        yield Action("zswap_compress", offset, STORE, comp_ret)
        return False

    alloc = "zs_malloc" if profile.allocator == "zsmalloc" else "zpool_malloc"
    if dlen > PAGE_SIZE:
        # zs_malloc refuses sizes above ZS_MAX_ALLOC_SIZE with -ENOSPC before
        # it allocates anything, so an allocation failure cannot come first
        stats["reject_compress_poor"] += 1
        yield Action(alloc, offset, STORE, ENOSPC)
        return False
    if fault == "alloc_fail":
        stats["reject_alloc_fail"] += 1
        yield Action(alloc, offset, STORE, ENOMEM)
        return False
    entry.handle = pool.zs_pool.zs_malloc(dlen)
    entry.length = dlen
    entry.data = data
    entry.corrupt = fault == "decompress_fail"
    yield Action(alloc, offset, STORE, dlen)
    return True


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
