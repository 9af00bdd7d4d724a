"""Unit tests of the store path against the oracles of docs/kernel-facts.md section 11.

One test (or one parametrised test) per oracle of the store path: 1, 3-26
and 32. Oracle 2 (the 6.12 early large-folio bail-out) and 27-31 (the
refs-before/after-publish designs debated in review, the variant profiles
and reference strategies) are tested in tests/test_variants.py.

Every test builds a :class:`~zswapviz.model.world.World` (or a
:class:`~zswapviz.scenario.Scenario`), drives the operation generators of
:mod:`zswapviz.store` through :func:`zswapviz.trace.record`, and checks the
counters, the trees, the LRU and the ledgers afterwards.
"""

from __future__ import annotations

import pytest

from zswapviz.actions import Operation
from zswapviz.compress import get_compressor
from zswapviz.constants import EEXIST, EIO, ENOENT, ENOMEM
from zswapviz.faults import FAULT_KINDS, Faults
from zswapviz.model.folio import Folio
from zswapviz.model.memcg import MemCgroup
from zswapviz.model.stats import mthp_key
from zswapviz.model.validate import check_world
from zswapviz.model.world import Params, World
from zswapviz.model.xarray import SWAP_ADDRESS_SPACE_PAGES, SwapZswapTrees
from zswapviz.pages import PAGE_SIZE, make_pages, split_pages
from zswapviz.scenario import Scenario, ledger
from zswapviz.store import (
    swap_writepage,
    zswap_compressor_switch,
    zswap_invalidate,
    zswap_load,
    zswap_writeback_entry,
    zswap_writeback_one,
)
from zswapviz.trace import record

# Oracles 2 (v6.12 refuses large folios before any check) and 27-31 (the
# reference-taking designs argued in review: batched refs after publish,
# refs before publish, Yosry's race) belong to a later issue and are not
# tested in this file.

KERNELS = ("6.13", "6.14", "6.18")
REJECT_COUNTERS = ("reject_compress_poor", "reject_compress_fail", "reject_alloc_fail",
                   "reject_kmemcache_fail", "reject_reclaim_fail")


# -- helpers -------------------------------------------------------------------


def text_pages(n: int, seed: int = 1) -> list[bytes]:
    """*n* compressible pages."""
    return split_pages(make_pages("text", n, seed=seed))


def random_pages(n: int, seed: int = 1) -> list[bytes]:
    """*n* incompressible pages."""
    return split_pages(make_pages("random", n, seed=seed))


def new_world(kernel: str = "6.14", *, memcg=True, **params) -> World:
    """A fresh world; *params* go to :class:`Params`."""
    return World(kernel, Params(**params), memcg)


def order_of(nr: int) -> int:
    """The folio order of *nr* pages."""
    return nr.bit_length() - 1


def store(world: World, pages, *, offset: int | None = None, faults: dict | None = None,
          first_page: int = 0):
    """Swap out one folio made of *pages*; return (folio, trace, outcome)."""
    nr = len(pages)
    off = world.alloc_swap_slots(nr) if offset is None else offset
    folio = Folio(off, order_of(nr), list(pages), first_page)
    trace = record(world, [swap_writepage(world, folio, Faults(faults) if faults else None)], (off, nr))
    return folio, trace, trace.results[0]


def store_lengths(world: World, lengths, *, faults: dict | None = None):
    """Swap out one folio given only per-page compressed lengths (bulk path)."""
    nr = len(lengths)
    off = world.alloc_swap_slots(nr)
    folio = Folio(off, order_of(nr), None, 0, list(lengths), False)
    trace = record(world, [swap_writepage(world, folio, Faults(faults) if faults else None)], (off, nr))
    return folio, trace, trace.results[0]


def run_op(world: World, op, window: tuple[int, int]):
    """Record one operation generator; return (trace, its return value)."""
    trace = record(world, [op], window)
    return trace, trace.results[0]


def entries_at(world: World, folio: Folio) -> list:
    """The tree entries at each slot of *folio* (None where empty)."""
    return [world.trees.xa_load(folio.offset + i) for i in range(folio.nr_pages)]


def plant_stale(world: World, offsets) -> dict[int, object]:
    """Store an order-0 page at each offset (an earlier swap-out); return the entries."""
    planted = {}
    for i, off in enumerate(offsets):
        _, _, outcome = store(world, text_pages(1, seed=100 + i), offset=off)
        assert outcome == "zswap"
        planted[off] = world.trees.xa_load(off)
    return planted


def pool_named(world: World, name: str):
    """The pool called *name* on the world's list, or None once released."""
    return next((p for p in world.pools if p.name == name), None)


def clear_referenced(world: World) -> None:
    """Give every entry its second chance now (the shrinker's first pass)."""
    for tree in world.trees.trees:
        for entry in tree.values():
            entry.referenced = False


# -- oracle 1 --------------------------------------------------------------------


def test_oracle01_disabled_erases_stale_entries():
    """Oracle 1: with zswap disabled the store fails and check_old frees the 3 stale entries."""
    world = new_world("6.14")
    off = world.alloc_swap_slots(16)
    stale = plant_stale(world, [off + 3, off + 7, off + 11])
    m = world.memcg
    assert world.stats["stored_pages"] == 3 and m.objcg_refs == 4
    zswpout_before = world.stats["zswpout"]
    pool = world.zswap_pool_current()
    world.params.enabled = False

    folio, trace, outcome = store(world, text_pages(16), offset=off)

    assert outcome == "disk" and trace.results == ["disk"]
    assert trace.find("zswap_is_enabled")
    assert all(e is None for e in entries_at(world, folio))
    assert len(world.trees) == 0 and world.lru_len() == 0
    assert world.stats["stored_pages"] == 0                  # -3
    assert m.zswap_b == 0 and m.zswapped == 0 and m.objcg_refs == 1
    assert pool.refcount == 1
    assert world.stats["zswpout"] == zswpout_before and m.zswpout == zswpout_before
    assert world.stats[mthp_key(4, "zswpout")] == 0
    freed = [trace.steps[i] for i in trace.find("xa_erase") if trace.steps[i].arg]
    assert sorted(s.page for s in freed) == [3, 7, 11]
    assert [s.arg for s in sorted(freed, key=lambda s: s.page)] == [stale[o].length for o in sorted(stale)]
    assert world.violations == []


def test_oracle01_scenario_disabled_with_stale_entries():
    """Oracle 1 through Scenario: enabled=False with stale pages must still plant and then erase them."""
    trace = Scenario(enabled=False, stale=[3, 7, 11], folio_pages=16,
                     pages={"kind": "text", "pages": 16}, compressor="zstd").run()
    freed = [s.page for s in trace.steps if s.fn == "xa_erase" and s.arg]
    assert freed == [3, 7, 11]
    assert trace.world.stats["pswpout"] == 16


def test_scenario_stale_entries_planted_despite_zswap_max_zero():
    """A stale entry comes from an earlier swap-out, so today's memory.zswap.max=0 must not prevent it."""
    trace = Scenario(zswap_max_pages=0, stale=[3], folio_pages=16,
                     pages={"kind": "text", "pages": 16}, compressor="zstd").run()
    freed = [s.page for s in trace.steps if s.fn == "xa_erase" and s.arg]
    assert freed == [3]


# -- oracles 3 and 4 -------------------------------------------------------------


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle03_order9_folio_success(kernel):
    """Oracle 3: a 512-page folio gives 512 referenced LRU entries and every ledger +512 (mTHP +1)."""
    world = new_world(kernel)
    pool = world.zswap_pool_current()
    m = world.memcg
    folio, trace, outcome = store(world, text_pages(512))

    assert outcome == "zswap"
    entries = entries_at(world, folio)
    assert all(e is not None for e in entries)
    assert [e.swpentry for e in entries] == [(0, folio.offset + i) for i in range(512)]
    assert all(e.referenced and e.on_lru and e.pool is pool and e.objcg is m for e in entries)
    assert world.lru_len() == 512
    s = world.stats
    assert s["stored_pages"] == 512
    assert s["zswpout"] == 512 and m.zswpout == 512
    assert s[mthp_key(9, "zswpout")] == 1 and s["mthp_2048kB_zswpout"] == 1
    assert s[mthp_key(9, "swpout")] == 0 and s["pswpout"] == 0
    assert pool.refcount == 1 + 512
    assert m.objcg_refs == 1 + 512
    assert m.zswap_b == sum(e.length for e in entries)
    assert all(0 < e.length < PAGE_SIZE for e in entries)
    if kernel == "6.13":
        # 6.13 charges once per folio: MEMCG_ZSWAPPED += 1 for the folio, the
        # only violation, faithful to the shipped obj_cgroup_charge_zswap
        assert world.violations == ["validate_charge: zswapped is 1, but the cgroup has 512 entries"]
    else:
        assert world.violations == []


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle04_order0_success(kernel):
    """Oracle 4: an order-0 store leaves every mTHP counter alone and adds one to everything else."""
    world = new_world(kernel)
    before = dict(world.stats)
    pool = world.zswap_pool_current()
    folio, trace, outcome = store(world, text_pages(1))
    assert outcome == "zswap"
    s = world.stats
    assert all(s[k] == before[k] for k in s if k.startswith("mthp_"))
    assert not trace.find("count_mthp_stat")
    assert s["stored_pages"] == 1 and s["zswpout"] == 1 and world.memcg.zswpout == 1
    assert pool.refcount == 2 and world.memcg.objcg_refs == 2
    assert world.memcg.zswapped == 1
    assert world.lru_len() == 1 and len(world.trees) == 1
    assert world.violations == []


# -- oracle 5 --------------------------------------------------------------------


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle05_restore_over_existing_entries(kernel):
    """Oracle 5: re-storing a folio frees each old entry as xa_store overwrites its slot."""
    world = new_world(kernel)
    folio, _, _ = store(world, text_pages(16, seed=1))
    old = entries_at(world, folio)
    m = world.memcg
    pool = world.zswap_pool_current()

    _, trace, outcome = store(world, text_pages(16, seed=2), offset=folio.offset)
    assert outcome == "zswap"
    new = entries_at(world, folio)
    assert all(n is not None and n is not o for n, o in zip(new, old))
    frees = trace.find("zswap_entry_free")
    assert [trace.steps[i].page for i in frees] == list(range(16))
    for i, k in enumerate(frees):
        step, snap = trace[k]
        assert step.phase == "publish" and step.arg == old[i].length
        assert trace.steps[k - 1].fn == "xa_store" and trace.steps[k - 1].page == i
        # the old length is uncharged and stored_pages drops as the old entry goes
        prev = trace.snapshots[k - 1]
        assert snap.stats["stored_pages"] == prev.stats["stored_pages"] - 1
        assert snap.memcg[0][2] == prev.memcg[0][2] - old[i].length
    if kernel != "6.13":
        for k in trace.find("atomic_long_inc(zswap_stored_pages)"):
            assert trace.snapshots[k].stats["stored_pages"] == trace.snapshots[k - 1].stats["stored_pages"] + 1
    assert world.stats["stored_pages"] == 16
    assert pool.refcount == 17 and m.objcg_refs == 17
    assert world.lru_len() == 16
    assert all(not o.on_lru and o.handle is None for o in old)
    if kernel != "6.13":
        assert m.zswap_b == sum(e.length for e in new)
        assert world.violations == []


# -- oracles 6 and 7 -------------------------------------------------------------


@pytest.mark.parametrize("kernel", ("6.13", "6.14"))
def test_oracle06_compress_fail_at_5_goes_to_disk(kernel):
    """Oracle 6: a compress error at page 5 of 16 counts once, empties all 16 slots, and goes to disk."""
    world = new_world(kernel)
    folio, trace, outcome = store(world, text_pages(16), faults={5: "compress_fail"})
    s = world.stats
    assert outcome == "disk"
    assert s["reject_compress_fail"] == 1
    assert all(s[k] == 0 for k in REJECT_COUNTERS if k != "reject_compress_fail")
    assert all(e is None for e in entries_at(world, folio))
    assert world.lru_len() == 0
    assert s["pswpout"] == 16 and s[mthp_key(4, "swpout")] == 1
    assert s["zswpout"] == 0 and s[mthp_key(4, "zswpout")] == 0
    assert world.on_disk == set(range(folio.offset, folio.offset + 16))
    # pages 6..15 are never attempted
    assert {trace.steps[i].page for i in trace.find("zswap_entry_cache_alloc")} == set(range(6))
    erases = trace.find("xa_erase", phase="rollback")
    assert [trace.steps[i].page for i in erases] == list(range(16))
    assert [bool(trace.steps[i].arg) for i in erases] == [True] * 5 + [False] * 11


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle06_refused_folio_activated_when_memcg_writeback_off(kernel):
    """Oracle 6: with memory.zswap.writeback=0 the refused folio stays in memory, nothing on disk."""
    world = new_world(kernel, memcg=MemCgroup(zswap_writeback=False))
    folio, trace, outcome = store(world, text_pages(16), faults={5: "compress_fail"})
    assert outcome == "activate"
    assert trace.find("folio_mark_dirty") and not trace.find("__swap_writepage")
    assert world.stats["pswpout"] == 0 and world.on_disk == set()
    assert world.in_memory == set(range(folio.offset, folio.offset + 16))
    assert world.stats["reject_compress_fail"] == 1
    assert all(e is None for e in entries_at(world, folio))


def test_oracle07_613_drift_after_failure_at_5():
    """Oracle 7 (6.13): failing at page 5 leaves stored_pages -5 and the charge -sum(L[0..5))."""
    world = new_world("6.13")
    folio, trace, outcome = store(world, text_pages(16), faults={5: "compress_fail"})
    lengths = [trace.steps[i].arg for i in trace.find("zpool_malloc")][:5]
    assert len(lengths) == 5 and all(x > 0 for x in lengths)
    assert world.stats["stored_pages"] == -5
    assert world.memcg.zswap_b == -sum(lengths)
    # refs are balanced even in 6.13
    assert world.zswap_pool_current().refcount == 1 and world.memcg.objcg_refs == 1
    assert any("validate_stored_pages" in v for v in world.violations)
    assert any("validate_charge" in v for v in world.violations)


@pytest.mark.parametrize("kernel", ("6.14", "6.18"))
def test_oracle07_614_no_drift_after_failure_at_5(kernel):
    """Oracle 7 (6.14+): failing at page 5 leaves stored_pages and the charge at 0, no violation."""
    world = new_world(kernel)
    store(world, text_pages(16), faults={5: "alloc_fail"})
    assert world.stats["stored_pages"] == 0
    assert world.memcg.zswap_b == 0 and world.memcg.zswapped == 0
    assert world.zswap_pool_current().refcount == 1 and world.memcg.objcg_refs == 1
    assert world.violations == []


# -- oracles 8 and 9 -------------------------------------------------------------


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle08_xa_store_enomem_keeps_stale_until_cleanup(kernel):
    """Oracle 8: xa_store -ENOMEM at page k frees k's handle; the stale entry at k goes only in check_old."""
    world = new_world(kernel)
    off = world.alloc_swap_slots(16)
    stale = plant_stale(world, [off + 5])[off + 5]
    pool = world.zswap_pool_current()
    folio, trace, outcome = store(world, text_pages(16), offset=off, faults={5: "xa_store_enomem"})

    assert outcome == "disk"
    assert world.stats["reject_alloc_fail"] == 1
    assert all(world.stats[k] == 0 for k in REJECT_COUNTERS if k != "reject_alloc_fail")
    fail = trace.failure_index
    assert trace.steps[fail].fn == "xa_store" and trace.steps[fail].page == 5 and trace.steps[fail].arg == ENOMEM
    # the stale entry is still in the tree right after the failed xa_store
    assert trace.snapshots[fail].cell(off + 5).state == "stale"
    free_fn = "zs_free" if kernel == "6.18" else "zpool_free"
    assert trace.steps[fail + 1].fn == free_fn and trace.steps[fail + 1].page == 5
    assert trace.steps[fail + 2].fn == "zswap_entry_cache_free"
    # ... and check_old is what frees it
    erase5 = [i for i in trace.find("xa_erase") if trace.steps[i].page == 5]
    assert len(erase5) == 1 and trace.steps[erase5[0]].arg == stale.length
    assert all(e is None for e in entries_at(world, folio))
    assert pool.zs_pool.objects_in_use() == 0 and pool.refcount == 1
    if kernel != "6.13":
        assert world.violations == []


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle09_slab_failure(kernel):
    """Oracle 9: a zswap_entry slab failure at page k counts reject_kmemcache_fail once."""
    world = new_world(kernel)
    folio, trace, outcome = store(world, text_pages(16), faults={9: "kmemcache"})
    assert outcome == "disk"
    assert world.stats["reject_kmemcache_fail"] == 1
    assert all(world.stats[k] == 0 for k in REJECT_COUNTERS if k != "reject_kmemcache_fail")
    step = trace.steps[trace.failure_index]
    assert step.fn == "zswap_entry_cache_alloc" and step.page == 9 and step.arg == ENOMEM
    assert all(e is None for e in entries_at(world, folio))


# -- oracles 10 and 11 -----------------------------------------------------------


@pytest.mark.parametrize("kernel", ("6.12", "6.13", "6.14"))
@pytest.mark.parametrize("compressor", ("lzo", "lzo-rle"))
def test_oracle10_unbounded_lzo_over_page_is_poor_exactly_page_is_stored(kernel, compressor):
    """Oracle 10: before cc47f07234f7 LZO returns 4097 bytes, zs_malloc says -ENOSPC: reject_compress_poor.

    A length of exactly 4096 is stored as a normal entry.
    """
    world = new_world(kernel, compressor=compressor)
    _, trace, outcome = store_lengths(world, [4097])
    assert outcome == "disk"
    assert world.stats["reject_compress_poor"] == 1
    assert world.stats["reject_compress_fail"] == 0
    failed = trace.steps[trace.failure_index]
    assert failed.fn in ("zpool_malloc", "zs_malloc") and failed.arg == -28   # -ENOSPC from the allocator

    folio, _, outcome = store_lengths(world, [4096] if kernel == "6.12" else [4096, 1000])
    assert outcome == "zswap"
    assert [e.length for e in entries_at(world, folio)][:1] == [4096]
    assert world.stats["reject_compress_poor"] == 1
    assert world.stats.get("stored_incompressible_pages", 0) == 0


@pytest.mark.parametrize("kernel", ("6.12", "v9", "6.13", "6.14"))
@pytest.mark.parametrize("compressor", ("zstd", "lz4", "deflate"))
def test_oracle10_bounded_compressor_over_page_is_compress_fail(kernel, compressor):
    """Oracle 10: zstd, lz4 and deflate given one page of output return -EINVAL: reject_compress_fail, no allocator call."""
    world = new_world(kernel, compressor=compressor)
    _, trace, outcome = store_lengths(world, [4097])
    assert outcome == "disk"
    assert world.stats["reject_compress_fail"] == 1
    assert world.stats["reject_compress_poor"] == 0
    failed = trace.steps[trace.failure_index]
    assert (failed.fn, failed.arg) == ("crypto_acomp_compress", -22)
    assert not trace.find(fn="zpool_malloc") and not trace.find(fn="zs_malloc")


@pytest.mark.parametrize("compressor, counter", (("zstd", "reject_compress_fail"),
                                                 ("lzo", "reject_compress_poor")))
@pytest.mark.parametrize("kernel", ("6.13", "6.14"))
def test_random_page_rejects_whole_folio_to_disk(kernel, compressor, counter):
    """6.13/6.14: a random page does not fit a page; its compressor decides the counter; whole folio to disk."""
    world = new_world(kernel, compressor=compressor)
    pages = text_pages(16)
    pages[3] = random_pages(1)[0]
    folio, _, outcome = store(world, pages)
    s = world.stats
    assert outcome == "disk"
    assert s[counter] == 1
    assert s["reject_compress_poor"] + s["reject_compress_fail"] == 1
    assert s["pswpout"] == 16 and s[mthp_key(4, "swpout")] == 1
    assert s["zswpout"] == 0 and s[mthp_key(4, "zswpout")] == 0
    assert all(e is None for e in entries_at(world, folio))


@pytest.mark.parametrize("compressor, counter", (("deflate", "reject_compress_poor"),
                                                 ("zstd", "reject_compress_fail"),
                                                 ("lzo", "reject_compress_fail")))
def test_618_writeback_off_keeps_the_compressors_errno(compressor, counter):
    """6.18, writeback off: deflate's -ENOSPC counts compress_poor, -EINVAL compress_fail."""
    world = new_world("6.18", compressor=compressor, memcg=MemCgroup(zswap_writeback=False))
    _, trace, outcome = store_lengths(world, [5000])
    assert outcome == "activate"
    assert world.stats[counter] == 1
    assert world.stats["reject_compress_poor"] + world.stats["reject_compress_fail"] == 1


@pytest.mark.parametrize("dlen", (0, 4096, 4097, 9000))
def test_oracle11_raw_store_of_incompressible_length(dlen):
    """Oracle 11 (6.18): dlen 0 or >= 4096 is stored as is with length 4096 and counted."""
    world = new_world("6.18")
    folio, _, outcome = store_lengths(world, [dlen, 1500])
    assert outcome == "zswap"
    assert [e.length for e in entries_at(world, folio)] == [PAGE_SIZE, 1500]
    assert world.stats["stored_incompressible_pages"] == 1
    assert world.memcg.zswap_b == PAGE_SIZE + 1500
    assert all(world.stats[k] == 0 for k in REJECT_COUNTERS)
    assert world.violations == []


def test_oracle11_raw_store_of_compressor_error_and_random_page():
    """Oracle 11 (6.18): a compressor error and a random page are both stored raw with writeback on."""
    world = new_world("6.18")
    pages = text_pages(16)
    pages[2] = random_pages(1)[0]
    folio, trace, outcome = store(world, pages, faults={7: "compress_fail"})
    assert outcome == "zswap"
    entries = entries_at(world, folio)
    assert [i for i, e in enumerate(entries) if e.length == PAGE_SIZE] == [2, 7]
    assert entries[2].data == pages[2] and entries[7].data == pages[7]
    assert world.stats["stored_incompressible_pages"] == 2
    assert world.stats["stored_pages"] == 16
    assert all(world.stats[k] == 0 for k in REJECT_COUNTERS)
    assert world.stats[mthp_key(4, "zswpout")] == 1
    assert world.violations == []
    # the raw entry is freed with its incompressible count
    trace, _ = run_op(world, zswap_invalidate(world, folio.offset + 2), (folio.offset, 16))
    assert world.stats["stored_incompressible_pages"] == 1
    assert world.violations == []


@pytest.mark.parametrize("fault", (None, "compress_fail", "compress_poor"))
def test_oracle11_incompressible_rejected_when_writeback_off(fault):
    """Oracle 11 (6.18): with memory.zswap.writeback=0 an incompressible page rejects the folio."""
    world = new_world("6.18", memcg=MemCgroup(zswap_writeback=False))
    pages = text_pages(16)
    if fault is None:
        pages[4] = random_pages(1)[0]
    folio, trace, outcome = store(world, pages, faults={4: fault} if fault else None)
    assert outcome == "activate"
    assert sum(world.stats[k] for k in REJECT_COUNTERS) == 1
    assert world.stats.get("stored_incompressible_pages", 0) == 0
    assert world.stats["pswpout"] == 0
    assert all(e is None for e in entries_at(world, folio))
    assert world.violations == []


# -- oracles 12 and 13 -----------------------------------------------------------


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle12_global_limit_once_per_folio(kernel):
    """Oracle 12: at the pool limit a 16-page folio counts pool_limit_hit once, is refused, queues the shrinker."""
    world = new_world(kernel, max_pool_percent=0)
    folio, trace, outcome = store(world, text_pages(16))
    assert outcome == "disk"
    assert world.stats["pool_limit_hit"] == 1
    assert world.zswap_pool_reached_full
    assert world.shrink_work_queued == 1 and len(trace.find("queue_work(shrink_wq)")) == 1
    assert not trace.find("zswap_entry_cache_alloc")
    assert world.stats["zswpout"] == 0 and world.stats["pswpout"] == 16
    assert world.zswap_pool_current().refcount == 1 and world.memcg.objcg_refs == 1
    assert len(trace.find("xa_erase", phase="rollback")) == 16


def test_oracle13_hysteresis():
    """Oracle 13: once full, stores are refused without pool_limit_hit until usage is <= 90 % of max."""
    world = new_world("6.18", total_ram_pages=100)          # max 20 pages, threshold 18
    assert world.zswap_max_pages() == 20 and world.zswap_accept_thr_pages() == 18
    offsets = []
    for i, page in enumerate(random_pages(20)):              # each raw page: one zspage page
        folio, _, outcome = store(world, [page])
        assert outcome == "zswap"
        offsets.append(folio.offset)
    assert world.zswap_total_pages() == 20 and world.stats["pool_limit_hit"] == 0

    _, _, outcome = store(world, random_pages(1, seed=2))
    assert outcome == "disk" and world.stats["pool_limit_hit"] == 1 and world.zswap_pool_reached_full

    run_op(world, zswap_invalidate(world, offsets.pop()), (1, 1))
    assert world.zswap_total_pages() == 19                    # 18 < 19 < 20
    _, _, outcome = store(world, random_pages(1, seed=3))
    assert outcome == "disk"
    assert world.stats["pool_limit_hit"] == 1                 # no new hit inside the band
    assert world.zswap_pool_reached_full
    assert world.shrink_work_queued == 2

    run_op(world, zswap_invalidate(world, offsets.pop()), (1, 1))
    assert world.zswap_total_pages() == 18                    # <= threshold
    _, _, outcome = store(world, random_pages(1, seed=4))
    assert outcome == "zswap"
    assert not world.zswap_pool_reached_full
    assert world.stats["pool_limit_hit"] == 1
    assert world.violations == []


# -- oracles 14 to 16 ------------------------------------------------------------


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle14_zswap_max_zero_without_entries(kernel):
    """Oracle 14: memory.zswap.max=0 with an empty memcg LRU: shrink_memcg -ENOENT, store refused."""
    world = new_world(kernel, memcg=MemCgroup(zswap_max_pages=0))
    folio, trace, outcome = store(world, text_pages(16))
    assert outcome == "disk"
    assert trace.find("obj_cgroup_may_zswap")
    shrink = [trace.steps[i] for i in trace.find("shrink_memcg")]
    assert [s.arg for s in shrink] == [ENOENT]
    assert not trace.find("zswap_check_limits")
    assert world.stats["zswpout"] == 0 and world.memcg.zswpout == 0
    assert world.memcg.objcg_refs == 1
    assert all(e is None for e in entries_at(world, folio))


def test_oracle14_quirk_writeback_lets_store_proceed_despite_max_zero():
    """Oracle 14 quirk: with an old unreferenced entry written back, shrink_memcg returns 0 and the store goes on."""
    world = new_world("6.14")
    old_folio, _, _ = store(world, text_pages(1, seed=9))
    clear_referenced(world)
    world.memcg.zswap_max_pages = 0
    folio, trace, outcome = store(world, text_pages(16))
    assert outcome == "zswap"
    assert [trace.steps[i].arg for i in trace.find("shrink_memcg")] == [0]
    assert world.stats["written_back_pages"] == 1 and world.stats["zswpwb"] == 1
    assert world.trees.xa_load(old_folio.offset) is None
    assert world.stats["zswpout"] == 1 + 16
    assert world.memcg.zswap_b // PAGE_SIZE > 0              # over max = 0 afterwards
    assert world.violations == []


def test_oracle15_over_limit_referenced_head_then_writeback():
    """Oracle 15: over memory.zswap.max, a referenced head only rotates (-EAGAIN, refused); later it is written back and the store proceeds."""
    world = new_world("6.18")
    first, _, _ = store(world, random_pages(1, seed=1))      # 4096 bytes each
    second, _, _ = store(world, random_pages(1, seed=2))
    world.memcg.zswap_max_pages = 1                            # 2 pages charged: over
    e1 = world.trees.xa_load(first.offset)
    e2 = world.trees.xa_load(second.offset)

    _, trace, outcome = store(world, text_pages(16, seed=3))
    assert outcome == "disk"
    assert [trace.steps[i].arg for i in trace.find("shrink_memcg")] == [-11]   # -EAGAIN
    assert trace.steps[trace.find("shrink_memcg_cb")[0]].arg == 0             # rotated
    assert not e1.referenced and e2.referenced
    assert world.stats["zswpwb"] == 0 and world.stats["zswpout"] == 2

    _, _, outcome = store(world, text_pages(16, seed=4))      # head is e2 now: rotate again
    assert outcome == "disk" and not e2.referenced

    _, trace, outcome = store(world, text_pages(16, seed=5))
    assert outcome == "zswap"
    assert [trace.steps[i].arg for i in trace.find("shrink_memcg")] == [0]
    assert world.trees.xa_load(first.offset) is None and world.trees.xa_load(second.offset) is e2
    assert world.stats["zswpwb"] == 1 and world.stats["written_back_pages"] == 1
    assert world.memcg.zswpwb == 1
    assert world.memcg.zswap_b // PAGE_SIZE >= 1               # still at/over the limit
    assert world.violations == []


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle16_single_check_lets_folio_overshoot(kernel):
    """Oracle 16: under memory.zswap.max at check time, a 512-page folio is stored past the limit."""
    world = new_world(kernel, memcg=MemCgroup(zswap_max_pages=10))
    folio, trace, outcome = store(world, text_pages(512))
    assert outcome == "zswap"
    assert not trace.find("shrink_memcg")
    assert world.memcg.zswap_b // PAGE_SIZE > 10
    assert world.stats["stored_pages"] == 512


# -- oracles 17 to 20: writeback -------------------------------------------------


def test_oracle17_second_chance():
    """Oracle 17: a referenced LRU entry is rotated on the first pass and written back on the second."""
    world = new_world("6.14")
    folio, _, _ = store(world, text_pages(1))
    entry = world.trees.xa_load(folio.offset)
    assert entry.referenced
    trace, result = run_op(world, zswap_writeback_one(world), (folio.offset, 1))
    assert result == "rotated" and not entry.referenced
    assert world.trees.xa_load(folio.offset) is entry and world.stats["zswpwb"] == 0
    trace, result = run_op(world, zswap_writeback_one(world), (folio.offset, 1))
    assert result == "removed"
    assert world.trees.xa_load(folio.offset) is None
    trace, result = run_op(world, zswap_writeback_one(world), (folio.offset, 1))
    assert result == "empty"


def test_no_shrinker_writeback_when_memcg_writeback_disabled():
    """With memory.zswap.writeback=0 shrinker passes never write the memcg's entries back."""
    world = new_world("6.18", memcg=MemCgroup(zswap_writeback=False))
    folio, _, _ = store(world, text_pages(4))
    trace = record(world, [zswap_writeback_one(world) for _ in range(5)], (folio.offset, 4))
    assert "removed" not in trace.results
    assert world.stats["zswpwb"] == 0 and world.stats["written_back_pages"] == 0
    assert all(e is not None for e in entries_at(world, folio))


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle18_writeback_of_slot_in_swap_cache_is_eexist(kernel):
    """Oracle 18: writeback of a slot whose folio is in the swap cache fails -EEXIST and touches nothing."""
    world = new_world(kernel)
    folio, _, _ = store(world, text_pages(16))
    pool = world.zswap_pool_current()
    m = world.memcg
    clear_referenced(world)
    head = next(iter(world.lru[m.name]))
    world.swap_cache.add(head.swpentry[1])
    before = (pool.refcount, m.objcg_refs, m.zswap_b, dict(world.stats), world.lru_len())

    trace, result = run_op(world, zswap_writeback_one(world), (folio.offset, 16))
    assert result == "skipped"
    assert [s.arg for s in trace.steps if s.fn == "__read_swap_cache_async"] == [EEXIST]
    assert world.stats["reject_reclaim_fail"] == before[3]["reject_reclaim_fail"] + 1
    assert world.trees.xa_load(head.swpentry[1]) is head and head.on_lru and head.handle is not None
    assert (pool.refcount, m.objcg_refs, m.zswap_b, world.lru_len()) == (before[0], before[1], before[2], before[4])
    assert world.stats["zswpwb"] == 0 and world.stats["written_back_pages"] == 0


@pytest.mark.parametrize("replace", (True, False), ids=("reused", "invalidated"))
def test_oracle19_writeback_after_slot_reused_or_invalidated(replace):
    """Oracle 19: writeback of an entry the tree no longer holds returns -ENOMEM and frees nothing."""
    world = new_world("6.14")
    folio, _, _ = store(world, text_pages(1, seed=1))
    old = world.trees.xa_load(folio.offset)
    if replace:
        store(world, text_pages(1, seed=2), offset=folio.offset)
    else:
        run_op(world, zswap_invalidate(world, folio.offset), (folio.offset, 1))
    now = world.trees.xa_load(folio.offset)
    pool = world.zswap_pool_current()
    before = (pool.refcount, world.memcg.objcg_refs, world.memcg.zswap_b, dict(world.stats))

    trace, ret = run_op(world, Operation("zswap_writeback_entry", zswap_writeback_entry(world, old)), (folio.offset, 1))
    assert ret == ENOMEM
    assert [s.arg for s in trace.steps if s.fn == "xa_cmpxchg"] == [ENOMEM]
    assert world.trees.xa_load(folio.offset) is now
    assert (pool.refcount, world.memcg.objcg_refs, world.memcg.zswap_b, world.stats) == before
    assert world.violations == []


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle20_successful_writeback_ledger(kernel):
    """Oracle 20: a written-back entry leaves tree and LRU and drops its pool ref, objcg ref and charge."""
    world = new_world(kernel)
    folio, _, _ = store(world, text_pages(4))
    pool = world.zswap_pool_current()
    m = world.memcg
    clear_referenced(world)
    head = next(iter(world.lru[m.name]))
    off, length = head.swpentry[1], head.length
    b = (pool.refcount, m.objcg_refs, m.zswap_b, dict(world.stats), world.lru_len())

    trace, result = run_op(world, zswap_writeback_one(world), (folio.offset, 4))
    assert result == "removed"
    assert world.trees.xa_load(off) is None and not head.on_lru
    assert world.lru_len() == b[4] - 1
    assert pool.refcount == b[0] - 1
    assert m.objcg_refs == b[1] - 1 and m.zswap_b == b[2] - length
    s = world.stats
    assert s["stored_pages"] == b[3]["stored_pages"] - 1
    assert s["zswpwb"] == b[3]["zswpwb"] + 1 and m.zswpwb == 1
    assert s["written_back_pages"] == b[3]["written_back_pages"] + 1
    assert off in world.on_disk
    if kernel != "6.13":
        assert world.violations == []


# -- oracles 21 to 24: load, invalidate ------------------------------------------


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle21_load_in_swap_cache_is_exclusive(kernel):
    """Oracle 21: a load with the folio in the swap cache erases and frees the entry, zswpin +1, folio dirty."""
    world = new_world(kernel)
    pages = text_pages(4)
    folio, _, _ = store(world, pages)
    off = folio.offset + 2
    pool = world.zswap_pool_current()
    refs = (pool.refcount, world.memcg.objcg_refs, world.stats["stored_pages"])
    trace, result = run_op(world, zswap_load(world, off, swapcache=True), (folio.offset, 4))
    assert (result.handled, result.uptodate, result.data, result.error) == (True, True, pages[2], 0)
    assert world.trees.xa_load(off) is None
    assert world.stats["zswpin"] == 1 and world.memcg.zswpin == 1
    assert trace.find("folio_mark_dirty") and off in world.in_memory
    assert (pool.refcount, world.memcg.objcg_refs, world.stats["stored_pages"]) == (refs[0] - 1, refs[1] - 1, refs[2] - 1)
    if kernel != "6.13":
        assert world.violations == []


def test_oracle22_load_without_swap_cache_keeps_entry():
    """Oracle 22: a load bypassing the swap cache keeps the entry and counts zswpin."""
    world = new_world("6.14")
    pages = text_pages(2)
    folio, _, _ = store(world, pages)
    entry = world.trees.xa_load(folio.offset + 1)
    trace, result = run_op(world, zswap_load(world, folio.offset + 1, swapcache=False), (folio.offset, 2))
    assert result.handled and result.data == pages[1]
    assert world.trees.xa_load(folio.offset + 1) is entry and entry.on_lru
    assert world.stats["zswpin"] == 1 and world.stats["stored_pages"] == 2
    assert not trace.find("folio_mark_dirty")
    assert world.violations == []


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle23_large_folio_load(kernel):
    """Oracle 23: a large-folio load WARNs, leaves the folio not uptodate (-EIO) and frees nothing."""
    world = new_world(kernel)
    folio, _, _ = store(world, text_pages(16))
    before = (world.stats["zswpin"], len(world.trees), list(world.violations))
    trace, result = run_op(world, zswap_load(world, folio.offset, True, nr_pages=16), (folio.offset, 16))
    assert (result.handled, result.uptodate, result.data, result.error) == (True, False, None, EIO)
    assert [s.fn for s in trace.steps] == ["folio_test_large"] and trace.steps[0].failed
    # nothing changes (6.13 already shows its zswapped drift from the store)
    assert (world.stats["zswpin"], len(world.trees), world.violations) == before


@pytest.mark.parametrize("kernel", KERNELS)
def test_oracle24_invalidate_frees_entry(kernel):
    """Oracle 24: freeing a swap slot frees its entry, every ledger -1 entry."""
    world = new_world(kernel)
    folio, _, _ = store(world, text_pages(1))
    entry = world.trees.xa_load(folio.offset)
    pool = world.zswap_pool_current()
    trace, freed = run_op(world, zswap_invalidate(world, folio.offset), (folio.offset, 1))
    assert freed is True
    assert world.trees.xa_load(folio.offset) is None and not entry.on_lru
    assert world.stats["stored_pages"] == 0
    assert pool.refcount == 1 and world.memcg.objcg_refs == 1
    assert world.memcg.zswap_b == 0 and world.memcg.zswapped == 0
    assert pool.zs_pool.objects_in_use() == 0
    assert world.violations == []
    trace, freed = run_op(world, zswap_invalidate(world, folio.offset), (folio.offset, 1))
    assert freed is False


# -- oracle 25 -------------------------------------------------------------------


def test_oracle25_tree_selection():
    """Oracle 25: offset 16383 is in tree 0, 16384 in tree 1."""
    trees = SwapZswapTrees(0)
    a, b = object(), object()
    trees.xa_store(16383, a)
    trees.xa_store(16384, b)
    assert SWAP_ADDRESS_SPACE_PAGES == 16384
    assert trees.trees[0] == {16383: a} and trees.trees[1] == {16384: b}
    assert trees.swap_zswap_tree(16383) is trees.trees[0]
    assert trees.swap_zswap_tree(16384) is trees.trees[1]


@pytest.mark.parametrize("nr", (16, 512))
def test_oracle25_aligned_folio_never_straddles_trees(nr):
    """Oracle 25: an aligned folio allocated just below a tree boundary lands wholly in one tree."""
    world = new_world("6.18")
    world.next_offset = SWAP_ADDRESS_SPACE_PAGES - nr // 2 - 1
    folio, _, outcome = store(world, text_pages(nr))
    assert outcome == "zswap"
    assert folio.offset % nr == 0
    assert (folio.offset >> 14) == ((folio.offset + nr - 1) >> 14)
    tree = world.trees.trees[folio.offset >> 14]
    assert all(folio.offset + i in tree for i in range(nr))


# -- oracle 26 -------------------------------------------------------------------


def test_oracle26_compressor_switch():
    """Oracle 26: the killed old pool lives while its entries do, is released with the last, and new stores use the new pool."""
    world = new_world("6.18", compressor="zstd")
    old_folio, _, _ = store(world, text_pages(4, seed=1))
    old_pool = world.zswap_pool_current()
    assert old_pool.refcount == 5

    trace, name = run_op(world, zswap_compressor_switch(world, "deflate"), (old_folio.offset, 4))
    new_pool = world.zswap_pool_current()
    assert name == new_pool.name and new_pool is not old_pool
    assert new_pool.tfm_name == "deflate"
    assert old_pool.dead and not old_pool.released and old_pool.refcount == 4
    assert old_pool in world.pools
    assert world.violations == []

    pages = text_pages(4, seed=2)
    new_folio, _, outcome = store(world, pages)
    assert outcome == "zswap"
    new_entries = entries_at(world, new_folio)
    assert all(e.pool is new_pool for e in new_entries)
    assert [e.length for e in new_entries] == [len(get_compressor(new_pool.tfm_name).compress(p)) for p in pages]
    assert new_pool.refcount == 5 and old_pool.refcount == 4

    for i in range(4):
        run_op(world, zswap_invalidate(world, old_folio.offset + i), (old_folio.offset, 4))
        if i < 3:
            assert not old_pool.released
    assert old_pool.refcount == 0 and old_pool.released
    assert old_pool not in world.pools
    assert old_pool.problems == []
    assert world.zswap_total_pages() == new_pool.zs_pool.pages_allocated
    assert world.violations == []


def test_oracle26_switch_with_empty_pool_releases_at_once():
    """Oracle 26: killing a pool no entry uses releases it immediately."""
    world = new_world("6.14")
    old = world.zswap_pool_current()
    run_op(world, zswap_compressor_switch(world, "lz4"), (1, 1))
    assert old.released and old not in world.pools and old.problems == []
    assert world.zswap_pool_current().tfm_name == "lz4"


# -- oracle 32 -------------------------------------------------------------------


@pytest.mark.parametrize("kernel", ("6.14", "6.18"))
def test_oracle32_stale_entries_release_their_own_pool_and_objcg(kernel):
    """Oracle 32: stale entries freed by cleanup drop refs/charge on their own pool and objcg, not the folio's."""
    old_memcg = MemCgroup(name="old")
    world = new_world(kernel, memcg=old_memcg)
    off = world.alloc_swap_slots(16)
    stale = plant_stale(world, [off + 2, off + 8, off + 9, off + 10])
    old_pool = world.zswap_pool_current()
    run_op(world, zswap_compressor_switch(world, "deflate"), (off, 16))
    new_pool = world.zswap_pool_current()
    new_memcg = MemCgroup(name="new")
    world.memcg = new_memcg
    assert old_pool.refcount == 4 and old_memcg.objcg_refs == 5

    folio, trace, outcome = store(world, text_pages(16), offset=off, faults={5: "alloc_fail"})
    assert outcome == "disk"
    # the stale entry at page 2 goes at xa_store, those at 8-10 in check_old
    assert trace.steps[trace.find("zswap_entry_free")[0]].page == 2
    assert sorted(trace.steps[i].page for i in trace.find("xa_erase") if trace.steps[i].arg) == [0, 1, 2, 3, 4, 8, 9, 10]
    assert old_pool.released and old_pool.refcount == 0 and old_pool.problems == []
    assert old_memcg.objcg_refs == 1 and old_memcg.zswap_b == 0 and old_memcg.zswapped == 0
    assert old_memcg.objcg_problems == []
    # the failing folio's own ledger is net zero
    assert new_pool.refcount == 1
    assert new_memcg.objcg_refs == 1 and new_memcg.zswap_b == 0 and new_memcg.zswapped == 0
    assert world.stats["stored_pages"] == 0
    assert check_world(world) == []
    assert all(e.pool is old_pool and e.objcg is old_memcg for e in stale.values())


# -- the swap layer and fault kinds ----------------------------------------------


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("nr", (1, 16))
def test_all_zero_folio_goes_to_zeromap(kernel, nr):
    """An all-zero folio is set in the zeromap: swpout_zero += nr, zswap not called, no I/O."""
    world = new_world(kernel)
    folio, trace, outcome = store(world, [bytes(PAGE_SIZE)] * nr)
    assert outcome == "zeromap"
    assert world.zeromap == set(range(folio.offset, folio.offset + nr))
    assert world.stats["swpout_zero"] == nr
    assert not trace.find("zswap_store")
    assert len(world.trees) == 0 and world.stats["zswpout"] == 0 and world.stats["pswpout"] == 0
    assert all(v == 0 for k, v in world.stats.items() if k.startswith("mthp_"))
    assert [s.fn for s in trace.steps] == [world.profile.writeout_fn, "swap_zeromap_folio_set"]


@pytest.mark.parametrize("kernel", KERNELS)
def test_partly_zero_folio_stored_whole(kernel):
    """A folio with some zero pages goes through zswap whole, zero pages included, and clears the zeromap."""
    world = new_world(kernel)
    off = world.alloc_swap_slots(16)
    world.zeromap.update(range(off, off + 16))                 # an earlier all-zero swap-out
    pages = text_pages(16)
    for i in (1, 2, 9):
        pages[i] = bytes(PAGE_SIZE)
    folio, _, outcome = store(world, pages, offset=off)
    assert outcome == "zswap"
    entries = entries_at(world, folio)
    assert all(e is not None for e in entries)
    assert all(0 < entries[i].length < 200 for i in (1, 2, 9))
    assert world.stats["swpout_zero"] == 0 and world.zeromap == set()
    assert world.stats["zswpout"] == 16 and world.stats[mthp_key(4, "zswpout")] == 1


def test_random_page_stored_raw_on_618():
    """6.18: a random page is stored as is and counted in stored_incompressible_pages."""
    world = new_world("6.18")
    pages = random_pages(4)
    folio, _, outcome = store(world, pages)
    assert outcome == "zswap"
    assert world.stats["stored_incompressible_pages"] == 4
    assert all(e.length == PAGE_SIZE for e in entries_at(world, folio))
    assert world.memcg.zswap_b == 4 * PAGE_SIZE
    assert world.violations == []


def _expected_fault_counter(kernel: str, kind: str) -> str | None:
    """The one reject counter a fault kind bumps (None: 6.18 stores the page raw)."""
    if kind in ("compress_fail", "compress_poor") and kernel == "6.18":
        return None
    return {"kmemcache": "reject_kmemcache_fail", "compress_fail": "reject_compress_fail",
            "compress_poor": "reject_compress_poor", "alloc_fail": "reject_alloc_fail",
            "xa_store_enomem": "reject_alloc_fail"}[kind]


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("kind", sorted(FAULT_KINDS))
def test_each_fault_kind_bumps_exactly_its_counter_once(kernel, kind):
    """Each fault kind at page 5 of 16 increments exactly its own reject counter, once."""
    world = new_world(kernel)
    folio, trace, outcome = store(world, text_pages(16), faults={5: kind})
    counter = _expected_fault_counter(kernel, kind)
    got = {k: world.stats[k] for k in REJECT_COUNTERS}
    if counter is None:
        assert outcome == "zswap"
        assert got == dict.fromkeys(REJECT_COUNTERS, 0)
        assert world.stats["stored_incompressible_pages"] == 1
        assert entries_at(world, folio)[5].length == PAGE_SIZE
    else:
        assert outcome == "disk"
        assert got == {k: int(k == counter) for k in REJECT_COUNTERS}
        assert all(e is None for e in entries_at(world, folio))
    if kernel != "6.13":
        assert world.violations == []


def test_root_cgroup_store_has_no_objcg():
    """Root-cgroup folios have no objcg: nothing charged, no objcg refs, entries still on the LRU."""
    world = new_world("6.14", memcg=None)
    folio, trace, outcome = store(world, text_pages(16))
    assert outcome == "zswap"
    assert world.memcg is None
    assert not trace.find("get_obj_cgroup_from_folio") and not trace.find("obj_cgroup_charge_zswap")
    assert all(e.objcg is None for e in entries_at(world, folio))
    assert world.lru_len() == 16
    assert world.violations == []
    trace, result = run_op(world, zswap_writeback_one(world), (folio.offset, 16))
    assert result == "rotated"


def test_scenario_ledger_of_stale_failure():
    """Scenario + ledger: a 4-page folio over stale pages 1 and 3 failing at page 2 ends with an empty, balanced ledger."""
    trace = Scenario(pages={"kind": "text", "pages": 4}, folio_pages=4, stale=[1, 3],
                     faults={2: "alloc_fail"}, compressor="deflate").run()
    led = ledger(trace)
    assert led["stored_pages"] == 0 and led["entries_in_trees"] == 0
    assert led["pool_refs"] == 0 and led["objcg_refs"] == 0 and led["zswap_b"] == 0
    assert led["lru_len"] == 0 and led["reject_alloc_fail"] == 1
    assert trace.results == ["disk"]
    assert trace.world.violations == []


def test_pool_shrinker_compacts_after_frees():
    """After half the entries are invalidated, zs_pool_shrink frees zspages and every entry still loads."""
    from zswapviz.store import zs_pool_shrink

    world = new_world("6.18")
    pages = split_pages(make_pages("ramp", 64, seed=3))
    folio, _, _ = store(world, pages)
    for i in range(0, 64, 2):
        run_op(world, zswap_invalidate(world, folio.offset + i), (folio.offset, 64))
    before = world.zswap_total_pages()
    trace, freed = run_op(world, zs_pool_shrink(world), (folio.offset, 64))
    assert freed > 0 and world.zswap_total_pages() == before - freed
    assert [s.fn for s in trace.steps] == ["zs_compact"]
    for i in range(1, 64, 2):
        _, result = run_op(world, zswap_load(world, folio.offset + i), (folio.offset, 64))
        assert result.data == pages[i]
    assert world.violations == []
