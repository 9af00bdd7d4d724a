"""The sentence each step shows, with its source and the releases it is true for.

Every template is a :class:`Sentence`: the kernel function it describes,
the operation it belongs to, the releases whose code it was written from
(``scope``: a predicate over a :class:`~zswapviz.profiles.KernelProfile`,
reading the same flags the store reads; None means every profile), an
optional condition on the step (its page, argument, phase and operation),
the text, and the source of the fact (a commit with its release, or a lore
message id). A new release that only combines existing flags needs nothing
here. :func:`sentence_for` picks the first template that fits a step on a
given release; :func:`describe` returns its text. ``python -m zswapviz
explain`` prints the table in the order of the code. docs/kernel-facts.md
has the facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .constants import EEXIST, EIO, ENOMEM, ENOSPC, errno_name
from .profiles import KernelProfile, get_profile

__all__ = ["SCOPES", "SENTENCES", "UNSCOPED", "Sentence", "describe", "sentence_for", "sentences_for_kernel"]

#: A group of releases: whether a profile's code has what a sentence says.
Scope = Callable[[KernelProfile], bool]

# Release groups, each named by what the code does and read from the
# profile's flags (zswapviz.profiles cites where each flag comes from).
ALL = None


def single_page(p: KernelProfile) -> bool:
    """The pre-6.13 store of one page: the entry keeps the store's refs (6.12)."""
    return p.single_page


def refuses_large_folios(p: KernelProfile) -> bool:
    """zswap_store refuses every large folio before any check (up to 6.12)."""
    return not p.large_folios


def folio_loop(p: KernelProfile) -> bool:
    """The folio loop: limits once per folio, then one store per page (b7c0ccdfbafd)."""
    return not p.single_page


def refs_before_compress(p: KernelProfile) -> bool:
    """Each page's refs taken right after its entry is allocated (the v9 posting)."""
    return p.refs_before_compress


def refs_after_publish(p: KernelProfile) -> bool:
    """The folio loop with each entry's refs after xa_store (ed882add6ded), or the review's batches."""
    return folio_loop(p) and not p.refs_before_compress


def charge_per_folio(p: KernelProfile) -> bool:
    """The folio loop charging and counting stored_pages once, after the loop (v9, 6.13)."""
    return folio_loop(p) and not p.charge_in_store_page


def charge_when_published(p: KernelProfile) -> bool:
    """Every entry in the tree was charged when it was published (all but charge_per_folio)."""
    return not charge_per_folio(p)


def charge_per_page(p: KernelProfile) -> bool:
    """The folio loop charging and counting each page in zswap_store_page (63895d20d63b)."""
    return folio_loop(p) and p.charge_in_store_page


def lzo_ignores_capacity(p: KernelProfile) -> bool:
    """LZO/LZO-RLE return a stream longer than a page (before cc47f07234f7)."""
    return p.lzo_unbounded


def lzo_bounded(p: KernelProfile) -> bool:
    """Every compressor keeps to the one page of output it is given (cc47f07234f7)."""
    return not p.lzo_unbounded


def stores_incompressible(p: KernelProfile) -> bool:
    """A page that does not compress below a page is stored as it is (v6.18)."""
    return p.store_incompressible


def rejects_incompressible(p: KernelProfile) -> bool:
    """A compressor error is a reject counted in zswap_compress (before v6.18)."""
    return not p.store_incompressible


def via_zpool(p: KernelProfile) -> bool:
    """zswap_compress allocates through the zpool API."""
    return p.allocator == "zpool"


def direct_zsmalloc(p: KernelProfile) -> bool:
    """zswap_compress calls zsmalloc directly (v6.18)."""
    return p.allocator == "zsmalloc"


def erase_before_decompress(p: KernelProfile) -> bool:
    """Load and writeback take the entry out of the tree first; a failure is a BUG (6.12-6.14)."""
    return not p.decompress_before_erase


def decompress_before_erase(p: KernelProfile) -> bool:
    """Load and writeback decompress before erasing; a failure is -EIO (ff22f9299d7b, v6.15)."""
    return p.decompress_before_erase


def batched(p: KernelProfile) -> bool:
    """zswap_store_pages stores a batch of pages at a time (the unmerged batching series)."""
    return p.batch_size > 1


def calls_swap_writepage(p: KernelProfile) -> bool:
    """Reclaim enters the swap-out path through swap_writepage."""
    return p.writeout_fn == "swap_writepage"


def calls_swap_writeout(p: KernelProfile) -> bool:
    """Reclaim enters the swap-out path through swap_writeout."""
    return p.writeout_fn == "swap_writeout"


#: Every release group a sentence may be scoped by.
SCOPES: tuple[Scope, ...] = (
    single_page, refuses_large_folios, folio_loop, refs_before_compress, refs_after_publish,
    charge_per_folio, charge_when_published, charge_per_page, lzo_ignores_capacity, lzo_bounded,
    stores_incompressible, rejects_incompressible, via_zpool, direct_zsmalloc,
    erase_before_decompress, decompress_before_erase, batched, calls_swap_writepage, calls_swap_writeout,
)

# Sources
S612 = "Linux v6.12 mm/zswap.c: the '-' side of lore 20241001053222.6944-7-kanchana.p.sridhar@intel.com"
SV9 = ("lore 20240930221221.6981-7-kanchana.p.sridhar@intel.com ([PATCH v9 6/7], as quoted in "
       "CAJD7tkZh6ufHQef5HjXf_F5b5LC1EATexgseD=4WvrO+a6Ni6w@mail.gmail.com)")
S613 = "b7c0ccdfbafd and ed882add6ded (v6.13)"
STAIL = "the 6.13 success tail: the '-' side of 63895d20d63b (lore 20250129100844.2935-1-42.hyeyoo@gmail.com)"
SFIX = "63895d20d63b (v6.14)"
S618 = "lore 20250829162212.208258-1-hannes@cmpxchg.org (v6.18)"
SRAW = "lore 20250730234059.4603-1-sj@kernel.org (v6.18)"
SIO15 = ("ff22f9299d7b \"page_io: zswap: do not crash the kernel on decompression failure\" "
         "(v6.15; lore 20250306205011.784787-1-nphamcs@gmail.com)")
SIO = "mm/zswap.c zswap_load and zswap_writeback_entry (v6.12-v6.14)"
SZERO = "0ca0c24e3211 (v6.12); SWPOUT_ZERO: lore 20241107011246.59137-1-21cnbao@gmail.com (v6.12)"
SPAGEIO = "mm/page_io.c swap_writepage (v6.12-v6.14); swap_writeout in the 6.18-era code (lore 20250730234059.4603-1-sj@kernel.org)"
SMTHP = "0c560dd86040 (v6.13)"
SLZO = ("cc47f07234f7 \"crypto: lzo - Fix compression buffer overrun\" (v6.15; stable 6.12.31 as "
        "7caad075acb6 and 6.14.9 as 167373d77c70, none in 6.13.y: record of CVE-2025-38068)")
SCOMP = "crypto/zstd.c, crypto/lz4.c, crypto/deflate.c; zswap_compress's one-page dlen (mm/zswap.c)"
SCOMP_OLD = f"{SCOMP} (v6.12-v6.14)"
SCOMP_NEW = f"{SCOMP} (v6.18; deflate as acomp: 08cabc7d3c86)"
SZSM = "c7e6f17b52e9 \"zsmalloc: zs_malloc: return ERR_PTR on failure\" (v6.0)"
SMEMCG = "obj_cgroup_charge_zswap, mm/memcontrol.c (v6.12-v6.18)"
SWARN = "the warnings quoted in 63895d20d63b (page_counter_cancel, mm/page_counter.c)"
SLIMITS = "zswap_check_limits, mm/zswap.c (v6.12-v6.18); seen: data/kernel/pool-limit-2m.json"
SSHRINK = "shrink_memcg and shrink_memcg_cb, mm/zswap.c (v6.12-v6.18)"
SRECLAIM = ("shrink_memcg_cb, mm/zswap.c (v6.12-v6.18): its failed-writeback branch is the only "
            "zswap_reject_reclaim_fail++; shrink_memcg() (the store at memory.zswap.max, the shrink "
            "worker) and zswap_shrinker_scan() all walk the LRU with it (the branch as quoted in lore "
            "CAKEwX=OP_32757xb6ogZ5OaDk_6bhkm--F4akhQ-tj_WTzA4CA@mail.gmail.com)")
SPOOL = ("__zswap_param_set (v6.12-v6.14) and zswap_compressor_param_set "
         "(lore 20250829162212.208258-2-hannes@cmpxchg.org); zswap_pool_create")
SPERCPU = "percpu_ref_put_many and percpu_ref_kill, include/linux/percpu-refcount.h (v6.12-v6.18)"
SAFTER = "lore CAKEwX=PBaioXK2iBjzjUHVeCReqCCNG3+qyhLcb6SDixbYbaLw@mail.gmail.com (Nhat Pham; not merged)"
SBEFORE = "lore CAJD7tkadrmzUHMXRbeScq+ekY1AJhjrSZ_mZtt4H7x1Z=Ad=UQ@mail.gmail.com (Yosry Ahmed; not merged)"
SBATCH = "lore 20260125033537.334628-26-kanchana.p.sridhar@intel.com (v14 zswap_store_pages; not merged)"
SCOMPACT = "zs_shrinker_scan and zs_compact, mm/zsmalloc.c (v6.12-v6.18); seen: data/kernel/workloads/"
SINVAL = "zswap_invalidate, mm/zswap.c (v6.12-v6.18); the swap cache keeps a slot of a locked folio busy"
SLARGE_LOAD = "zswap_load's WARN on a large folio, mm/zswap.c (v6.12-v6.18)"
SWB = "zswap_writeback_entry, mm/zswap.c (v6.12-v6.18)"


def _err(arg: int | None) -> str:
    return errno_name(arg)


def _p(page) -> str:
    return "the folio" if page is None else f"page {page}"


def _P(page) -> str:
    return _p(page)[0].upper() + _p(page)[1:]


def _neg(a) -> bool:
    return a is not None and a < 0


@dataclass(frozen=True)
class Sentence:
    """One sentence template: what a step means on the releases it was written for."""

    #: The kernel function or counter update, by its kernel name.
    fn: str
    #: The operation it belongs to, for ordering (``explain``).
    op: str
    #: The text, from the step's page (within the window, or None) and argument.
    text: Callable[[int | None, int | None], str]
    #: Where the fact comes from: a commit with its release, or a lore message id.
    source: str
    #: The releases whose code this was written from; None: every profile.
    scope: Scope | None = ALL
    #: Further condition on (page, arg, phase, op); None: always.
    when: Callable[[int | None, int | None, str, str], bool] | None = None
    #: One line for ``explain`` when the condition matters.
    case: str = ""

    def true_for(self, kernel: str | KernelProfile) -> bool:
        """Whether the code of *kernel* (a profile or its name) has what this template says."""
        return self.scope is None or self.scope(get_profile(kernel))

    def fits(self, kernel: str | KernelProfile | None, page, arg, phase: str, op: str) -> bool:
        """Whether this template describes the step on *kernel* (None: any release)."""
        if kernel is not None and not self.true_for(kernel):
            return False
        return self.when is None or bool(self.when(page, arg, phase, op))


def _S(fn, op, text, source, scope=ALL, when=None, case=""):
    return Sentence(fn, op, text, source, scope, when, case)


_OUT = "swap-out"
_LOAD = "load"
_WB = "writeback"
_INV = "invalidate"
_SW = "compressor switch"
_SHR = "pool shrinker"

_in_load = lambda p, a, ph, op: op == "zswap_load"
_not_load = lambda p, a, ph, op: op != "zswap_load"
_page = lambda p, a, ph, op: p is not None
_folio = lambda p, a, ph, op: p is None
_wb_phase = lambda p, a, ph, op: ph == "writeback"
_not_wb = lambda p, a, ph, op: ph != "writeback"
_fail = lambda p, a, ph, op: _neg(a)
_ok = lambda p, a, ph, op: not _neg(a)


def _wb_failed(a, eio: bool) -> bool:
    # -EEXIST and -ENOMEM on every release; -EIO (failed decompression) only from 6.15
    return a in (EEXIST, ENOMEM) or (eio and a == EIO)


def _by_store(eio: bool):
    return lambda p, a, ph, op: _wb_failed(a, eio) and op == "swap_writepage"


def _by_shrinker(eio: bool):
    return lambda p, a, ph, op: _wb_failed(a, eio) and op != "swap_writepage"


#: What reject_reclaim_fail counts, said wherever a writeback fails.
_RECLAIM_ANY = ("The counter counts every failed writeback, whoever asked for it: a store over "
                "memory.zswap.max, the shrink worker at the pool limit, or the memory shrinker.")


def _reclaim_fail_by_store(p, a) -> str:
    return (f"Writeback of {_p(p)} failed ({_err(a)}) in the shrink_memcg() this store called at "
            f"memory.zswap.max: reject_reclaim_fail + 1. {_RECLAIM_ANY}")


def _reclaim_fail_by_shrinker(p, a) -> str:
    return (f"Writeback of {_p(p)} failed ({_err(a)}) in a shrinker's LRU walk: reject_reclaim_fail + 1. "
            f"{_RECLAIM_ANY}" + (" From the memory shrinker, -EEXIST also ends its walk." if a == EEXIST else ""))

#: Every template, in the order of the code: swap-out (swap_writepage,
#: zswap_store, zswap_store_page, zswap_compress, the success tail, the
#: failure ladder and check_old), then load, writeback, invalidation, the
#: compressor switch and the pool shrinker.
SENTENCES: tuple[Sentence, ...] = (
    # -- swap_writepage --------------------------------------------------------
    _S("swap_writepage", _OUT, lambda p, a: f"Reclaim asks to swap out a folio of {a} page(s); it is locked in the swap cache.",
       SPAGEIO, calls_swap_writepage),
    _S("swap_writeout", _OUT, lambda p, a: f"Reclaim asks to swap out a folio of {a} page(s) (swap_writeout); it is locked in the swap cache.",
       SPAGEIO, calls_swap_writeout),
    _S("swap_zeromap_folio_set", _OUT, lambda p, a: f"Every byte of the folio is zero: its {a} slot(s) are marked in the swap zeromap and swpout_zero + {a}; zswap is not called and nothing is written.",
       SZERO),
    # -- zswap_store: the checks ----------------------------------------------
    _S("zswap_store", _OUT, lambda p, a: f"zswap_store() starts on a folio of {a} page(s).", S613, ALL,
       lambda p, a, ph, op: ph != "done", "start"),
    _S("folio_test_large", _OUT, lambda p, a: f"A large folio ({a} pages): 6.12's zswap refuses it before any check, so nothing is counted and no slot is erased; the caller decides where it goes next.",
       S612, refuses_large_folios, _ok, "store of a large folio"),
    _S("zswap_is_enabled", _OUT, lambda p, a: "zswap is disabled: nothing is stored, but stale entries of these slots must still go (check_old).", S613),
    _S("get_obj_cgroup_from_folio", _OUT, lambda p, a: "Take a reference on the folio's obj_cgroup; if the page is stored, its entry keeps this reference.",
       S612, single_page),
    _S("get_obj_cgroup_from_folio", _OUT, lambda p, a: "Take a reference on the folio's obj_cgroup for the duration of the store.", S613, folio_loop),
    _S("obj_cgroup_may_zswap", _OUT, lambda p, a: "The cgroup is at its memory.zswap.max: try to make room by writing one of its entries back.",
       "obj_cgroup_may_zswap, mm/memcontrol.c (v6.12-v6.18) (true without a check on cgroup v1)"),
    _S("shrink_memcg", _OUT, lambda p, a: ("shrink_memcg() wrote an entry back: the store goes on without checking the limit again." if a == 0 else f"shrink_memcg() returned {_err(a)}: the store is refused."),
       SSHRINK),
    _S("zswap_check_limits", _OUT, lambda p, a: ("The pool is at max_pool_percent (or still above the accept threshold after hitting it): the store is refused." if a else "The pool is under its limit: go on."),
       SLIMITS),
    _S("zswap_entry_cache_alloc", _OUT, lambda p, a: (f"Allocating the zswap_entry for {_p(p)} failed (-ENOMEM): reject_kmemcache_fail + 1." if a else f"Allocate a zswap_entry for {_p(p)}."),
       S613),
    _S("zswap_pool_current_get", _OUT, lambda p, a: ("Take a reference on the current pool (tryget) for the entry: if the page is stored, the entry keeps it." if a else "No usable pool: the store is refused."),
       S612, single_page),
    _S("zswap_pool_current_get", _OUT, lambda p, a: ("Take a reference on the current pool (percpu_ref_tryget) for the whole store." if a else "No usable pool: the store is refused."),
       S613, folio_loop),
    _S("memcg_list_lru_alloc", _OUT, lambda p, a: "Make sure the cgroup has its zswap LRU lists.", S613),
    _S("percpu_ref_get_many", _OUT, lambda p, a: f"Take {a} pool references in one go (percpu_ref_get_many).",
       f"{SAFTER}; {SBEFORE}", refs_after_publish, None, "batched reference strategies"),
    _S("obj_cgroup_get_many", _OUT, lambda p, a: f"Take {a} obj_cgroup references in one go.",
       f"{SAFTER}; {SBEFORE}", refs_after_publish, None, "batched reference strategies"),
    # -- zswap_store_page / zswap_store_pages ----------------------------------
    _S("kmem_cache_alloc_bulk", _OUT, lambda p, a: ("Allocating the batch's zswap_entries failed (-ENOMEM): reject_kmemcache_fail + 1." if _neg(a) else f"Allocate {a} zswap_entries in one go for a batch (kmem_cache_alloc_bulk)."),
       SBATCH, batched),
    _S("obj_cgroup_get", _OUT, lambda p, a: f"{_P(p)}'s new entry takes an obj_cgroup reference right after its allocation, before compressing; nothing is published yet.",
       SV9, refs_before_compress),
    _S("zswap_pool_get", _OUT, lambda p, a: f"{_P(p)}'s new entry takes a pool reference right after its allocation, before compressing; nothing is published yet.",
       SV9, refs_before_compress),
    _S("crypto_acomp_compress", _OUT, lambda p, a: (f"The compressor returns {_err(a)} for {_p(p)}: an error, or an output that does not fit the one page it was given." if _neg(a)
                                                    else f"Compress {_p(p)}: 4096 bytes become {a}, more than the one page of output it was given (LZO before cc47f07234f7 does not check)." if a is not None and a > 4096
                                                    else f"Compress {_p(p)}: 4096 bytes become {a}."),
       f"{SCOMP_OLD}; {SLZO}", lzo_ignores_capacity),
    _S("crypto_acomp_compress", _OUT, lambda p, a: (f"The compressor returns {_err(a)} for {_p(p)}: an error, or an output that does not fit one page." if _neg(a) else f"Compress {_p(p)}: 4096 bytes become {a}."),
       f"{SCOMP_NEW}; {SRAW}", lzo_bounded),
    _S("mem_cgroup_zswap_writeback_enabled", _OUT, lambda p, a: (f"{_P(p)} does not compress below a page and the cgroup forbids writeback: rejected, keeping the compressor's errno ({_err(a)}: reject_compress_{'poor' if a == ENOSPC else 'fail'} + 1)." if _neg(a)
                                                                 else f"{_P(p)} does not compress below a page: it is stored as is, 4096 bytes (stored_incompressible_pages)."),
       SRAW, stores_incompressible, _not_wb, "incompressible page"),
    _S("zswap_compress", _OUT, lambda p, a: (f"The compressor's -ENOSPC for {_p(p)} means it did not fit: reject_compress_poor + 1." if a == ENOSPC else f"Compression of {_p(p)} failed ({_err(a)}): reject_compress_fail + 1; the allocator is never called."),
       f"{SCOMP_OLD}; zswap_compress's reject counters, mm/zswap.c (v6.12-v6.14)", rejects_incompressible),
    _S("zpool_malloc", _OUT, lambda p, a: (f"zpool_malloc() refuses more than 4096 bytes for {_p(p)} (-ENOSPC from zs_malloc) before allocating anything: reject_compress_poor + 1." if a == ENOSPC
                                           else f"zpool_malloc() for {_p(p)} fails ({_err(a)}): reject_alloc_fail + 1." if _neg(a)
                                           else f"zpool_malloc() places {a} bytes (+8 for the handle) in a zsmalloc size class."),
       f"{S613}; {SZSM}", via_zpool),
    _S("zs_malloc", _OUT, lambda p, a: (f"zs_malloc() refuses more than 4096 bytes for {_p(p)} (-ENOSPC) before allocating anything: reject_compress_poor + 1." if a == ENOSPC
                                        else f"zs_malloc() for {_p(p)} fails ({_err(a)}): reject_alloc_fail + 1." if _neg(a)
                                        else f"zs_malloc() places {a} bytes (+8 for the handle) in a zsmalloc size class."),
       f"{S618}; {SZSM}", direct_zsmalloc),
    _S("xa_store", _OUT, lambda p, a: (f"xa_store() for {_p(p)} cannot allocate a node (-ENOMEM): reject_alloc_fail + 1." if a else f"Publish {_p(p)}'s entry in the xarray at its swap offset (xa_store)."),
       S613),
    _S("zpool_free", _OUT, lambda p, a: f"Free {_p(p)}'s zsmalloc object again.", S613, via_zpool),
    _S("zs_free", _OUT, lambda p, a: f"Free {_p(p)}'s zsmalloc object again." if p is not None else f"Free {a} zsmalloc object(s) of the batch again.",
       S618, direct_zsmalloc),
    _S("zswap_entry_free", _OUT, lambda p, a: f"Free the stale entry that was at {_p(p)}'s slot ({a} bytes): its LRU place, zsmalloc object, pool ref, charge and stored_pages go.",
       S613, ALL, lambda p, a, ph, op: ph == "publish", "the old entry xa_store replaced"),
    _S("zswap_pool_get", _OUT, lambda p, a: "The published entry takes its own pool reference (zswap_pool_get); not on the LRU yet, so writeback cannot see it.",
       S613, refs_after_publish),
    _S("obj_cgroup_get", _OUT, lambda p, a: "The published entry takes its own obj_cgroup reference.", S613, refs_after_publish),
    _S("obj_cgroup_charge_zswap", _OUT, lambda p, a: f"Charge {a} compressed bytes for {_p(p)}: memory.zswap.current + {a}, zswapped + 1 entry, and the bytes to memory.current.",
       f"{SFIX}; {SMEMCG}", charge_per_page, _page, "per page"),
    _S("atomic_long_inc(zswap_stored_pages)", _OUT, lambda p, a: "stored_pages + 1.", SFIX, charge_per_page),
    _S("zswap_lru_add", _OUT, lambda p, a: f"Put {_p(p)}'s entry on the LRU: from now on writeback can find it.", S613, folio_loop),
    _S("kmem_cache_free_bulk", _OUT, lambda p, a: f"Free the batch's {a} unpublished entries; entries already in the tree are left to check_old.", SBATCH, batched),
    # -- 6.12's single page ----------------------------------------------------
    _S("obj_cgroup_charge_zswap", _OUT, lambda p, a: f"Charge {a} compressed bytes: memory.zswap.current + {a}, zswapped + 1 entry, and the bytes to memory.current.",
       f"{S612}; {SMEMCG}", single_page),
    _S("count_objcg_event", _OUT, lambda p, a: "The cgroup's zswpout + 1 (count_objcg_event).", S612, single_page),
    _S("zswap_lru_add", _OUT, lambda p, a: f"Put {_p(p)}'s entry on the LRU: from now on writeback can find it.", S612, single_page),
    _S("atomic_inc(zswap_stored_pages)", _OUT, lambda p, a: "stored_pages + 1.", S612, single_page),
    _S("count_vm_event", _OUT, lambda p, a: "vmstat zswpout + 1 (count_vm_event): the page is stored; the entry keeps the store's pool and obj_cgroup references.",
       S612, single_page, _not_load, "store"),
    # -- the success tail ------------------------------------------------------
    _S("obj_cgroup_charge_zswap", _OUT, lambda p, a: f"Charge the folio's {a} compressed bytes in one call: memory.zswap.current + {a} and memory.current, but zswapped only + 1 (one call).",
       f"{STAIL}; {SMEMCG}", charge_per_folio, _folio, "once per folio"),
    _S("count_objcg_events", _OUT, lambda p, a: f"The cgroup's zswpout + {a}.", S613, folio_loop),
    _S("atomic_long_add(zswap_stored_pages)", _OUT, lambda p, a: f"stored_pages + {a}, once for the whole folio.", STAIL, charge_per_folio),
    _S("count_vm_events", _OUT, lambda p, a: f"vmstat zswpout + {a}: the folio is stored.", S613, folio_loop),
    _S("count_mthp_stat", _OUT, lambda p, a: "The per-size mTHP zswpout counter + 1 for this folio.", SMTHP, folio_loop),
    # -- failure ladder, put_pool/put_objcg, check_old -------------------------
    _S("percpu_ref_put_many", _OUT, lambda p, a: f"Drop {a} pool references in one go (percpu_ref_put_many).",
       SBEFORE, refs_after_publish, None, "batch-before strategies"),
    _S("obj_cgroup_put_many", _OUT, lambda p, a: f"Drop {a} obj_cgroup references in one go.", SBEFORE, refs_after_publish, None, "batch-before strategies"),
    _S("zswap_pool_put", _OUT, lambda p, a: f"{_P(p)} drops the pool reference it took before compressing; it was never published.",
       SV9, refs_before_compress, _page, "the failing page"),
    _S("obj_cgroup_put", _OUT, lambda p, a: f"{_P(p)} drops the obj_cgroup reference it took before compressing.",
       SV9, refs_before_compress, _page, "the failing page"),
    _S("zswap_pool_put", _OUT, lambda p, a: "The store failed: drop the pool reference the entry would have kept, the only one this store took.",
       S612, single_page),
    _S("zswap_entry_cache_free", _OUT, lambda p, a: f"Free {_p(p)}'s unpublished zswap_entry: it was never in the tree, never charged.", S612, single_page),
    _S("obj_cgroup_put", _OUT, lambda p, a: "The store failed: drop the obj_cgroup reference the entry would have kept.", S612, single_page),
    _S("zswap_entry_cache_free", _OUT, lambda p, a: f"Free {_p(p)}'s unpublished zswap_entry: it was never in the tree, never referenced, never charged.",
       S613, refs_after_publish),
    _S("zswap_entry_cache_free", _OUT, lambda p, a: f"Free {_p(p)}'s unpublished zswap_entry: never in the tree, never charged; its own references are already dropped.",
       SV9, refs_before_compress),
    _S("zswap_pool_put", _OUT, lambda p, a: "Drop the store's own pool reference (the tryget); each published entry holds its own.", S613, folio_loop),
    _S("obj_cgroup_put", _OUT, lambda p, a: "Drop the store's own obj_cgroup reference; each published entry holds its own.", S613, folio_loop),
    _S("queue_work(shrink_wq)", _OUT, lambda p, a: "The pool is full: queue the shrink worker to write entries back.", S613),
    _S("xa_erase", _OUT, lambda p, a: (f"check_old: erase {_p(p)}'s slot and free the entry there ({a} bytes); zswap_entry_free drops its refs and also uncharges it and takes 1 off stored_pages, which for an entry of this failed folio were never added." if a else f"check_old: erase {_p(p)}'s slot: nothing there."),
       f"{STAIL}; {SFIX}", charge_per_folio, _not_wb, "check_old"),
    _S("xa_erase", _OUT, lambda p, a: (f"check_old: erase {_p(p)}'s slot and free the entry there ({a} bytes)." if a else f"check_old: erase {_p(p)}'s slot: nothing there."),
       S613, charge_when_published, lambda p, a, ph, op: ph == "rollback" and op != "zswap_invalidate", "check_old"),
    _S("page_counter_cancel", _OUT, lambda p, a: f"The kernel will WARN: the pages returned to the CPU's stock include {-a} never charged to memory.current, so draining the stock takes the page_counter below zero (\"page_counter underflow\").",
       SWARN, charge_per_folio),
    _S("folio_mark_dirty", _OUT, lambda p, a: "Refused, and the cgroup forbids writeback: the folio is redirtied and stays in memory (AOP_WRITEPAGE_ACTIVATE).",
       SPAGEIO, ALL, _not_load, "refused, writeback off"),
    _S("__swap_writepage", _OUT, lambda p, a: f"Write {a} page(s) to the swap device: pswpout + {a}.", SPAGEIO, ALL, _not_wb, "refused"),
    _S("zswap_store", _OUT, lambda p, a: "The folio is stored in zswap." if a else "zswap_store() fails: no slot of the folio holds a zswap entry now.",
       S613, ALL, lambda p, a, ph, op: ph == "done", "outcome"),
    # -- zswap_load --------------------------------------------------------------
    _S("folio_test_large", _LOAD, lambda p, a: "zswap cannot load into a large folio: WARN, the folio is not uptodate and the fault gets an I/O error.",
       SLARGE_LOAD, ALL, _fail, "load of a large folio"),
    _S("xa_erase", _LOAD, lambda p, a: (f"The folio is in the swap cache: take {_p(p)}'s entry out of the tree first (xa_erase, {a} bytes)." if a else f"Look up {_p(p)}'s slot: not in zswap."),
       SIO, erase_before_decompress, lambda p, a, ph, op: op == "zswap_load" and ph == "check", "swap cache, erase first"),
    _S("xa_load", _LOAD, lambda p, a: (f"Look up {_p(p)}'s slot: an entry of {a} bytes (xa_load); it stays in the tree." if a else f"Look up {_p(p)}'s slot: not in zswap."),
       SIO, erase_before_decompress, lambda p, a, ph, op: ph != "writeback", "load"),
    _S("xa_load", _LOAD, lambda p, a: (f"Look up {_p(p)}'s slot: an entry of {a} bytes (xa_load); it stays in the tree until the page is safely decompressed." if a else f"Look up {_p(p)}'s slot: not in zswap."),
       SIO15, decompress_before_erase, lambda p, a, ph, op: ph != "writeback", "load"),
    _S("zswap_decompress", _LOAD, lambda p, a: f"Decompress {a} bytes back into a 4096-byte page (a failure here is a BUG on this release).",
       SIO, erase_before_decompress, lambda p, a, ph, op: ph != "writeback" and not _neg(a)),
    _S("zswap_decompress", _LOAD, lambda p, a: (f"Decompression of {_p(p)} fails: decompress_fail + 1; the folio stays not uptodate, the fault gets -EIO, and the entry is kept." if _neg(a) else f"Decompress {a} bytes back into a 4096-byte page."),
       SIO15, decompress_before_erase, lambda p, a, ph, op: ph != "writeback"),
    _S("folio_mark_uptodate", _LOAD, lambda p, a: "Only now, with the data safe, mark the folio uptodate.", SIO15, decompress_before_erase),
    _S("count_vm_event", _LOAD, lambda p, a: "vmstat zswpin + 1 (and the cgroup's zswpin).", SIO, ALL, _in_load, "load"),
    _S("zswap_entry_free", _LOAD, lambda p, a: f"The swap cache now holds the only copy: free {_p(p)}'s entry ({a} bytes) with its refs and charge.",
       SIO, ALL, _in_load, "load"),
    _S("folio_mark_dirty", _LOAD, lambda p, a: "Dirty the folio: zswap no longer holds its data, so a later reclaim must write it out again.",
       SIO, ALL, _in_load, "load into the swap cache"),
    _S("xa_erase", _LOAD, lambda p, a: f"Now erase {_p(p)}'s slot (xa_erase) and free its entry.",
       SIO15, decompress_before_erase, lambda p, a, ph, op: op == "zswap_load"),
    _S("zswap_load", _LOAD, lambda p, a: "Loaded from zswap." if a else "Not in zswap: the page is read from the swap device.",
       SIO, ALL, _ok),
    _S("zswap_load", _LOAD, lambda p, a: "zswap owns the slot but could not decompress it: the folio is not uptodate and the fault gets -EIO.",
       SIO15, decompress_before_erase, _fail, "failed decompression"),
    # -- writeback (shrinker, shrink_memcg, shrink worker) ----------------------
    _S("list_lru_walk_one", _WB, lambda p, a: (f"The shrinker cannot reach {_p(p)}'s entry: it is not on the LRU (yet)." if p is not None else "The LRU is empty: nothing to write back."),
       SSHRINK),
    _S("mem_cgroup_zswap_writeback_enabled", _WB, lambda p, a: "The cgroup's memory.zswap.writeback is 0: the shrinker skips it.",
       "mem_cgroup_zswap_writeback_enabled, mm/memcontrol.c (v6.8)", ALL, _wb_phase, "shrinker"),
    _S("shrink_memcg_cb", _WB, lambda p, a: (f"{_P(p)}'s entry was referenced: clear the bit and rotate it (second chance)." if a == 0
                                              else f"{_P(p)}'s entry was written back: written_back_pages + 1."),
       SSHRINK, ALL, _ok, "second chance or written back"),
    _S("shrink_memcg_cb", _WB, _reclaim_fail_by_store, SRECLAIM, erase_before_decompress, _by_store(False),
       "writeback failed, asked by the store (memory.zswap.max)"),
    _S("shrink_memcg_cb", _WB, _reclaim_fail_by_shrinker, SRECLAIM, erase_before_decompress, _by_shrinker(False),
       "writeback failed, asked by a shrinker"),
    _S("shrink_memcg_cb", _WB, _reclaim_fail_by_store, f"{SRECLAIM}; -EIO: {SIO15}", decompress_before_erase, _by_store(True),
       "writeback failed, asked by the store (memory.zswap.max)"),
    _S("shrink_memcg_cb", _WB, _reclaim_fail_by_shrinker, f"{SRECLAIM}; -EIO: {SIO15}", decompress_before_erase, _by_shrinker(True),
       "writeback failed, asked by a shrinker"),
    _S("__read_swap_cache_async", _WB, lambda p, a: (f"{_P(p)}'s slot is already in the swap cache: writeback gives up (-EEXIST)." if a else f"Allocate a swap-cache folio for {_p(p)}'s slot."),
       SWB),
    _S("xa_cmpxchg", _WB, lambda p, a: ("The tree no longer holds that entry: writeback gives up (-ENOMEM)." if a else f"Take {_p(p)}'s entry out of the tree (xa_cmpxchg), before decompressing."),
       SIO, erase_before_decompress),
    _S("xa_load", _WB, lambda p, a: ("The tree no longer holds that entry: writeback gives up (-ENOMEM)." if _neg(a) else f"Check that the tree still holds {_p(p)}'s entry (xa_load); it stays there until the page is decompressed."),
       SIO15, decompress_before_erase, _wb_phase),
    _S("zswap_decompress", _WB, lambda p, a: f"Decompress {a} bytes into the new swap-cache folio (a failure here is a BUG on this release).",
       SIO, erase_before_decompress, lambda p, a, ph, op: ph == "writeback" and not _neg(a)),
    _S("zswap_decompress", _WB, lambda p, a: (f"Decompression of {_p(p)} fails: decompress_fail + 1; writeback returns -EIO and the entry stays." if _neg(a) else f"Decompress {a} bytes into the new swap-cache folio."),
       SIO15, decompress_before_erase, _wb_phase),
    _S("xa_erase", _WB, lambda p, a: f"Now take {_p(p)}'s entry out of the tree (xa_erase).", SIO15, decompress_before_erase, _wb_phase),
    _S("zswap_entry_free", _WB, lambda p, a: f"zswpwb + 1; free {_p(p)}'s entry ({a} bytes): its LRU place, zsmalloc object, pool ref, charge and stored_pages go.",
       SWB, ALL, _wb_phase),
    _S("__swap_writepage", _WB, lambda p, a: f"Write {_p(p)} to the swap device: pswpout + {a}.", SWB, ALL, _wb_phase, "writeback"),
    _S("swap_entry_free", _WB, lambda p, a: f"Freeing {_p(p)}'s swap slot must wait: the folio being stored holds it in the swap cache.", SINVAL),
    # -- invalidation -----------------------------------------------------------
    _S("xa_erase", _INV, lambda p, a: (f"The swap slot is freed: erase {_p(p)}'s slot and free the entry there ({a} bytes)." if a else f"The swap slot is freed: {_p(p)}'s slot holds no entry."),
       SINVAL),
    _S("zswap_entry_free", _INV, lambda p, a: f"Free the entry that was at {_p(p)}'s slot ({a} bytes): its LRU place, zsmalloc object, pool ref, charge and stored_pages go.",
       SINVAL),
    # -- compressor switch -----------------------------------------------------
    _S("zswap_compressor_switch", _SW, lambda p, a: "The compressor asked for is the current one: nothing changes.", SPOOL, ALL,
       lambda p, a, ph, op: a == 0, "same compressor"),
    _S("zswap_pool_find_get", _SW, lambda p, a: "A pool for this compressor is still alive (killed, entries left): find it instead of creating one.", SPOOL),
    _S("percpu_ref_resurrect", _SW, lambda p, a: f"Bring that pool back: percpu mode again with its base reference ({a} ref(s) now); it becomes current.", SPOOL),
    _S("zswap_pool_create", _SW, lambda p, a: "Create a pool for the new compressor (named zswap%x of a counter from 1); it becomes current.", SPOOL),
    _S("percpu_ref_kill", _SW, lambda p, a: f"Kill the old pool's base reference: atomic mode, so the count is exact from now on; it lives while its entries do ({a} ref(s) left).",
       f"{SPOOL}; {SPERCPU}"),
    # -- pool shrinker ---------------------------------------------------------
    _S("zs_compact", _SHR, lambda p, a: f"The pool shrinker compacts zsmalloc: objects move into fuller zspages and {a} page(s) are freed.", SCOMPACT),
)

#: The template used when none fits: no source, no release (a test forbids reaching it).
UNSCOPED = Sentence("?", "?", lambda p, a: "", "", lambda p: False)

_BY_FN: dict[str, list[Sentence]] = {}
for _s in SENTENCES:
    _BY_FN.setdefault(_s.fn, []).append(_s)


def sentence_for(fn: str, page: int | None, arg: int | None, phase: str = "", *,
                 kernel: str | KernelProfile | None = None, op: str = "") -> Sentence:
    """The template for a step of *fn* on *kernel* (a profile or its name), or :data:`UNSCOPED` when none fits."""
    if kernel is not None:
        kernel = get_profile(kernel)
    for s in _BY_FN.get(fn, ()):
        if s.fits(kernel, page, arg, phase, op):
            return s
    return UNSCOPED


def describe(fn: str, page: int | None, arg: int | None, phase: str = "", *,
             kernel: str | KernelProfile | None = None, op: str = "") -> str:
    """One plain sentence for a step, as the explorer shows it."""
    s = sentence_for(fn, page, arg, phase, kernel=kernel, op=op)
    if s is UNSCOPED:
        return f"{fn}."
    return s.text(page, arg)


def sentences_for_kernel(kernel: str | KernelProfile) -> list[Sentence]:
    """Every template a profile (or the profile of that name) can reach, in the order of the code."""
    profile = get_profile(kernel)
    return [s for s in SENTENCES if s.true_for(profile)]
