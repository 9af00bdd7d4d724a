"""One page of a store: allocate its entry, compress it, publish it, account it.

``zswap_store_page`` (one page, 6.13+), the batched ``zswap_store_pages`` of
the unmerged compress-batching series, and ``zswap_compress``, which the
pre-6.13 single-page store shares. :func:`zswapviz.store.zswap_store` calls
them once per page of a folio; a page that fails returns 0 and leaves the
rollback to ``check_old`` there. ``from zswapviz.store import
zswap_store_page`` still works.
"""

from __future__ import annotations

from .actions import Action, Phase
from .compress import get_compressor
from .constants import EINVAL, ENOMEM, ENOSPC, PAGE_SIZE
from .errors import UsageError
from .faults import Faults
from .model.entry import ZswapEntry
from .model.folio import Folio
from .model.memcg import MemCgroup
from .model.world import World
from .profiles import KERNEL_NAMES, compressor_overflow, get_profile

__all__ = ["zswap_compress", "zswap_store_page", "zswap_store_pages"]

STORE, PUBLISH, ACCOUNT, ROLLBACK = Phase.STORE, Phase.PUBLISH, Phase.ACCOUNT, Phase.ROLLBACK


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


def xa_store_entry(world: World, offset: int, entry: ZswapEntry):
    """Store *entry* in its slot of the xarray (``xa_store``), freeing a stale copy the slot held."""
    old = world.trees.xa_store(offset, entry)
    del world.inflight[offset]
    yield Action("xa_store", offset, PUBLISH, 0)
    if old is not None:
        # A stale copy from an earlier swap-out of this slot
        world.zswap_entry_free(old)
        yield Action("zswap_entry_free", offset, PUBLISH, old.length)


def _publish(world: World, entry: ZswapEntry, offset: int, pool, objcg, take_refs: bool = True):
    """Publish a compressed entry: ``xa_store``, free the old one, refs, charge, LRU.

    Shared by ``zswap_store_page`` and the batched ``zswap_store_pages``.
    Published but not yet on the LRU, the entry cannot be found by
    writeback, and the folio lock excludes loads and invalidations, so its
    refs can come after ``xa_store`` (ed882add6ded, v6.13).
    """
    yield from xa_store_entry(world, offset, entry)
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


