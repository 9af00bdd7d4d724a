"""The counters a user can read: zswap debugfs, vmstat and per-size mTHP stats.

Names are the files' own: ``/sys/kernel/debug/zswap/<name>``,
``/proc/vmstat`` fields, and
``/sys/kernel/mm/transparent_hugepage/hugepages-<N>kB/stats/<name>``
(here ``mthp_<N>kB_<name>``). Per-memcg counters live on
:class:`~zswapviz.model.memcg.MemCgroup`.
"""

from __future__ import annotations

__all__ = ["DEBUGFS_COUNTERS", "VMSTAT_COUNTERS", "mthp_key", "new_stats"]

#: ``/sys/kernel/debug/zswap/`` (mm/zswap.c, "statistics" section).
DEBUGFS_COUNTERS = {
    # Store failed because the pool was at or over max_pool_percent (zswap_check_limits)
    "pool_limit_hit": "store refused: global pool limit reached",
    # Writeback of an entry failed (-EEXIST, -ENOMEM; -EIO from 6.15) in shrink_memcg_cb, whoever asked
    "reject_reclaim_fail": "writeback of an entry failed (store at memory.zswap.max, shrink worker or shrinker)",
    # zs_malloc/zpool_malloc failed with an error other than -ENOSPC, or xa_store failed
    "reject_alloc_fail": "allocator or xarray could not get memory",
    # The zswap_entry slab allocation failed (zswap_entry_cache_alloc)
    "reject_kmemcache_fail": "zswap_entry allocation failed",
    # The compressor returned an error other than -ENOSPC
    "reject_compress_fail": "compressor returned an error",
    # Compressed page did not fit (-ENOSPC from compressor or allocator)
    "reject_compress_poor": "compressed page too large for the allocator",
    # Decompression failed on load or writeback (zswap_decompress)
    "decompress_fail": "decompression failed",
    # An entry was written back to the swap device (zswap_writeback_entry)
    "written_back_pages": "entries written back to the swap device",
    # Entries in all trees: +1 per stored page, -1 in zswap_entry_free
    "stored_pages": "pages held in zswap",
    # Entries of length PAGE_SIZE, stored uncompressed (6.18, S-raw)
    "stored_incompressible_pages": "pages held uncompressed",
}

#: ``/proc/vmstat`` events zswap and the swap-out path count.
VMSTAT_COUNTERS = {
    # Pages stored in zswap: + nr at the end of a successful zswap_store
    "zswpout": "pages stored in zswap",
    # Pages loaded back from zswap (zswap_load)
    "zswpin": "pages loaded from zswap",
    # Pages written back from zswap to the swap device
    "zswpwb": "pages written back from zswap",
    # Pages written to the swap device (__swap_writepage)
    "pswpout": "pages written to the swap device",
    # Pages of all-zero folios recorded in the swap zeromap instead
    "swpout_zero": "all-zero pages recorded in the zeromap",
}

_MTHP_EVENTS = ("zswpout", "swpout", "swpout_fallback")


def mthp_key(order: int, event: str) -> str:
    """Name of the per-size mTHP counter of *event* for folios of *order*.

    >>> mthp_key(4, "zswpout")
    'mthp_64kB_zswpout'
    """
    return f"mthp_{4 << order}kB_{event}"


def new_stats(profile=None) -> dict[str, int]:
    """Return all global counters, zeroed, as a flat dict keyed by kernel name.

    Per-size mTHP counters exist for orders 1..9 (8 kB .. 2048 kB);
    ``count_mthp_stat`` ignores order 0. Given a kernel *profile*, counters
    its release does not have are left out (zswapviz.profiles.COUNTER_SINCE),
    so no table, JSON or report shows them.
    """
    stats = {name: 0 for name in DEBUGFS_COUNTERS}
    stats.update({name: 0 for name in VMSTAT_COUNTERS})
    for order in range(1, 10):
        for event in _MTHP_EVENTS:
            stats[mthp_key(order, event)] = 0
    if profile is not None:
        from ..profiles import has_counter
        stats = {name: v for name, v in stats.items() if has_counter(profile, name)}
    return stats
