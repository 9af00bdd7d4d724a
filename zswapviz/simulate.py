"""Bulk runs: swap out a whole page file folio by folio, keeping only counters.

The same generators as a trace (:mod:`zswapviz.store`) run here with no
snapshots; compressed lengths are computed per chunk of pages in one
compiled call before the folios are stored, and no compressed bytes are
kept. After each chunk the stored entries are settled
(:meth:`~zswapviz.model.world.World.settle_entries`): every counter,
reference, charge and zsmalloc page stays, the per-entry records go, so
memory does not grow with the file. This is the path for workloads of
hundreds of thousands of pages.
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from .actions import drive
from .compress import get_compressor
from .constants import (
    DEFAULT_ACCEPT_THRESHOLD_PERCENT,
    DEFAULT_COMPRESSOR,
    DEFAULT_KERNEL,
    DEFAULT_MAX_POOL_PERCENT,
    DEFAULT_REFS,
    DEFAULT_TOTAL_RAM_PAGES,
    PAGE_SIZE,
)
from .errors import UsageError
from .faults import Faults
from .ledger import ledger
from .model.folio import Folio, folio_order_for_pages, make_folios
from .model.stats import mthp_key
from .model.validate import check_world
from .model.world import Params, World
from .profiles import check_refs, get_profile
from .store import swap_writepage

__all__ = ["SUMMARY_KEYS", "bulk_folios", "simulate", "summarize"]

#: Keys of :func:`summarize`'s result besides the per-size mTHP ones.
SUMMARY_KEYS = (
    "zswpout", "pswpout", "zswpwb", "stored_pages", "pool_total_size",
    "stored_incompressible_pages", "pool_limit_hit", "reject_compress_poor",
    "reject_compress_fail", "reject_alloc_fail", "reject_kmemcache_fail",
    "reject_reclaim_fail", "written_back_pages", "swpout_zero",
    "zswap_b", "pool_refs", "objcg_refs", "violations",
)

_CHUNK = 8192


def summarize(world: World, folio_pages: int, folios: int) -> dict:
    """The run's totals under the kernel's counter names, plus what ran."""
    s = world.stats
    out = {key: s[key] for key in SUMMARY_KEYS if key in s}
    order = folio_order_for_pages(folio_pages)
    if order:
        out[mthp_key(order, "zswpout")] = s[mthp_key(order, "zswpout")]
        out[mthp_key(order, "swpout")] = s[mthp_key(order, "swpout")]
    led = ledger(world)
    for key in ("pool_total_size", "zswap_b", "pool_refs", "objcg_refs"):
        out[key] = led[key]
    out["violations"] = list(world.violations)
    out["kernel"] = world.profile.name
    out["compressor"] = world.params.compressor
    out["folio_pages"] = folio_pages
    out["folios"] = folios
    return out


def simulate(pages: bytes | Iterable[bytes], folio_pages: int, *, kernel: str = DEFAULT_KERNEL,
             refs: str = DEFAULT_REFS, compressor: str = DEFAULT_COMPRESSOR,
             max_pool_percent: int = DEFAULT_MAX_POOL_PERCENT,
             accept_threshold_percent: int = DEFAULT_ACCEPT_THRESHOLD_PERCENT,
             total_ram_pages: int = DEFAULT_TOTAL_RAM_PAGES, faults: Faults | None = None,
             root_cgroup: bool = False, progress: Callable[[int, int], None] | None = None,
             threads: int | None = None, total_pages: int | None = None) -> dict:
    """Swap out *pages* in folios of *folio_pages* from an empty pool; return totals.

    *pages* is bytes, or an iterable of chunks of whole folios (such as
    :func:`zswapviz.pages.iter_page_file` yields) with *total_pages* saying
    how many pages they hold in all: then only one chunk is in memory at a
    time.

    The pages belong to one non-root memory cgroup unless *root_cgroup*.
    *progress*, if given, is called with (pages done, pages total).
    *threads* bounds the threads that compute compressed lengths (None:
    all cores); the model itself runs on one.
    """
    profile = get_profile(kernel)
    check_refs(refs, profile)
    comp = get_compressor(compressor)
    if isinstance(pages, (bytes, bytearray, memoryview)):
        if len(pages) % PAGE_SIZE or not pages:
            raise UsageError(f"the pages must be a non-empty multiple of {PAGE_SIZE} bytes, not {len(pages)} bytes")
        arr = np.frombuffer(pages, dtype=np.uint8).reshape(-1, PAGE_SIZE)
        total = len(arr)
        chunks: Iterable = (arr[i:i + _CHUNK] for i in range(0, total, _CHUNK))
    else:
        if not isinstance(total_pages, int) or total_pages < 1:
            raise UsageError("streamed pages need total_pages, the number of pages they hold")
        total = total_pages
        chunks = (np.frombuffer(c, dtype=np.uint8).reshape(-1, PAGE_SIZE) for c in pages)
    try:
        folio_order_for_pages(folio_pages)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if total % folio_pages:
        raise UsageError(
            f"{total} pages do not fill whole folios of {folio_pages} pages; "
            f"give a multiple of {folio_pages} pages"
        )
    if faults:
        faults.check_range(total)
    else:
        faults = None
    params = Params(compressor=comp.name, max_pool_percent=max_pool_percent,
                    accept_threshold_percent=accept_threshold_percent,
                    total_ram_pages=total_ram_pages)
    world = World(profile, params, memcg=not root_cgroup)
    world.refs = refs
    folios = total // folio_pages
    start = 0
    for chunk in chunks:
        if len(chunk) % folio_pages:
            raise UsageError(f"a chunk of {len(chunk)} pages does not hold whole folios of {folio_pages} pages")
        for folio in bulk_folios(world, chunk, folio_pages, comp, start, threads):
            drive(swap_writepage(world, folio, faults))
            if faults and any(faults.get(p) for p in range(folio.first_page, folio.first_page + folio_pages)):
                _note(world, check_world(world))
        # Nothing here touches a stored folio again: keep its totals, not its entries
        world.settle_entries()
        start += len(chunk)
        if progress is not None:
            progress(min(start, total), total)
    if start != total:
        raise UsageError(f"the pages held {start} pages, not the {total} announced")
    _note(world, check_world(world))
    return summarize(world, folio_pages, folios)


def bulk_folios(world: World, chunk: np.ndarray, folio_pages: int, comp, first_page: int = 0,
                threads: int | None = None) -> list[Folio]:
    """Cut a chunk of pages (one row of PAGE_SIZE bytes each) into folios that carry lengths, not bytes.

    The compressed length of every page comes from one compiled call of
    *comp* (``Compressor.lengths``), and each folio learns whether it is all
    zero; then :func:`~zswapviz.model.folio.make_folios` puts them on fresh
    swap slots of *world*. The bulk path and the kernel replay both use it.
    """
    zero = ~chunk.any(axis=1).reshape(-1, folio_pages).any(axis=1)
    return make_folios(world, folio_pages, lengths=comp.lengths(chunk, threads).tolist(),
                       zero=zero.tolist(), first_page=first_page)


def _note(world: World, problems: list[str]) -> None:
    """Add new validator messages to the world's violations."""
    for p in problems:
        if p not in world.violations:
            world.violations.append(p)
