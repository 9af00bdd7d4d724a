"""Tests for zswapviz.model.validate: one deliberately corrupted world per failure.

As drgn's test kernel module builds broken fixtures
(``drgn_test_rbtree_with_red_violation``), each test here builds a healthy
world by storing a 16-page folio, corrupts exactly one thing, and checks
that the validator responsible catches it with a message naming the
problem, while the healthy world passes. The last tests run the 6.13
profile's shipped bug (docs/kernel-facts.md section 3.2, oracles 6 and 7).
"""

from __future__ import annotations

import pytest

from zswapviz.compress import get_compressor
from zswapviz.faults import Faults
from zswapviz.model.entry import ZswapEntry
from zswapviz.model.folio import Folio
from zswapviz.model.memcg import MemCgroup
from zswapviz.model.validate import (
    ValidationError,
    check_world,
    validate_all_or_nothing,
    validate_charge,
    validate_handles,
    validate_lru,
    validate_objcg_refs,
    validate_pool_refs,
    validate_stored_pages,
    validate_world,
)
from zswapviz.model.world import Params, World
from zswapviz.pages import make_pages, split_pages
from zswapviz.store import swap_writepage, zswap_invalidate

NR = 16
VALIDATORS = (validate_pool_refs, validate_objcg_refs, validate_charge,
              validate_stored_pages, validate_handles, validate_lru)


def run(op):
    """Exhaust one operation generator and return its value."""
    while True:
        try:
            next(op)
        except StopIteration as stop:
            return stop.value


def store_folio(world: World, offset: int | None = None, faults: dict | None = None,
                seed: int = 1) -> tuple[Folio, str]:
    """Swap out a 16-page text folio; return it and swap_writepage's outcome."""
    if offset is None:
        offset = world.alloc_swap_slots(NR)
    folio = Folio(offset, 4, split_pages(make_pages("text", NR, seed)))
    return folio, run(swap_writepage(world, folio, Faults(faults) if faults else None))


def entries(world: World) -> list[ZswapEntry]:
    """The world's entries in offset order."""
    return [e for _, e in world.trees.entries()]


@pytest.fixture(params=["6.14", "6.18"])
def healthy(request):
    """A world (6.14 or 6.18, with a memcg) holding one stored 16-page folio."""
    world = World(request.param, Params(), MemCgroup())
    folio, outcome = store_folio(world)
    assert outcome == "zswap"
    return world, folio


def names(world: World) -> set[str]:
    """Names of the validators check_world reports."""
    return {p.split(":")[0] for p in check_world(world)}


# -- the healthy world -----------------------------------------------------------


@pytest.mark.parametrize("validate", VALIDATORS, ids=lambda v: v.__name__)
def test_healthy_world_passes(healthy, validate):
    """Every validator passes on a world that only ran the kernel's own operations."""
    world, folio = healthy
    validate(world)
    validate_all_or_nothing(world, folio, True)


def test_healthy_world_check_world_is_empty(healthy):
    """check_world reports nothing and validate_world does not raise on a healthy world."""
    world, _ = healthy
    assert check_world(world) == []
    validate_world(world)


def test_healthy_world_after_every_kind_of_free(healthy):
    """A load, an invalidation and a refused re-store leave a world the validators accept."""
    world, folio = healthy
    run(zswap_invalidate(world, folio.offset + 1))
    _, outcome = store_folio(world, folio.offset, {5: "alloc_fail"}, seed=2)
    assert outcome == "disk" and len(world.trees) == 0
    validate_all_or_nothing(world, folio, False)
    assert check_world(world) == []


# -- validate_pool_refs --------------------------------------------------------------


def test_pool_refs_catches_an_extra_put(healthy):
    """One zswap_pool_put too many leaves the count one under base + entries."""
    world, _ = healthy
    pool = world.pools[0]
    pool.put()
    with pytest.raises(ValidationError, match=rf"{pool.name}: refcount {NR}, expected {NR + 1}"):
        validate_pool_refs(world)
    assert names(world) == {"validate_pool_refs"}


def test_pool_refs_catches_a_missing_put(healthy):
    """A ref taken and never dropped (a leak) shows as one over base + entries."""
    world, _ = healthy
    world.pools[0].get()
    with pytest.raises(ValidationError, match=rf"refcount {NR + 2}, expected {NR + 1}"):
        validate_pool_refs(world)


def test_pool_refs_catches_a_killed_pool_released_under_its_entries(healthy):
    """Puts that take a killed pool to zero while entries still use it are recorded and reported."""
    world, _ = healthy
    pool = world.pools[0]
    pool.kill()
    pool.put(NR)
    with pytest.raises(ValidationError, match=rf"{pool.name}: refcount 0, expected {NR}"):
        validate_pool_refs(world)


# -- validate_objcg_refs --------------------------------------------------------------


def test_objcg_refs_catches_a_missing_ref(healthy):
    """An entry whose objcg ref was never taken leaves the count one short."""
    world, _ = healthy
    world.memcg.objcg_refs -= 1
    with pytest.raises(ValidationError, match=rf"objcg of zswapviz: refcount {NR}, expected {NR + 1}"):
        validate_objcg_refs(world)
    assert names(world) == {"validate_objcg_refs"}


def test_objcg_refs_catches_a_put_below_the_base_ref(healthy):
    """A put that drops the memcg's own base ref is recorded as a put without a get."""
    world, _ = healthy
    world.memcg.obj_cgroup_put(NR + 1)
    with pytest.raises(ValidationError, match="put without a get|below the base ref"):
        validate_objcg_refs(world)


# -- validate_charge ---------------------------------------------------------------------


def test_charge_catches_bytes_off(healthy):
    """memory.zswap.current 24 bytes under the entries' lengths is caught, naming both numbers."""
    world, _ = healthy
    total = sum(e.length for e in entries(world))
    world.memcg.zswap_b -= 24
    with pytest.raises(ValidationError, match=rf"zswap_b is {total - 24}, .* hold {total} bytes"):
        validate_charge(world)
    assert names(world) == {"validate_charge"}


def test_charge_catches_zswapped_off(healthy):
    """A memcg zswapped count that disagrees with the number of entries is caught."""
    world, _ = healthy
    world.memcg.zswapped += 1
    with pytest.raises(ValidationError, match=rf"zswapped is {NR + 1}, but the cgroup has {NR} entries"):
        validate_charge(world)


# -- validate_stored_pages -------------------------------------------------------------


def test_stored_pages_catches_off_by_one(healthy):
    """stored_pages one over the entries in the trees is caught."""
    world, _ = healthy
    world.stats["stored_pages"] += 1
    with pytest.raises(ValidationError, match=rf"stored_pages is {NR + 1}, but the trees hold {NR} entries"):
        validate_stored_pages(world)
    assert names(world) == {"validate_stored_pages"}


def test_stored_incompressible_pages_is_checked_on_618():
    """On 6.18 stored_incompressible_pages must equal the entries stored as is."""
    world = World("6.18", Params(), MemCgroup())
    folio = Folio(world.alloc_swap_slots(4), 2, split_pages(make_pages("random", 4, 1)))
    assert run(swap_writepage(world, folio)) == "zswap"
    assert world.stats["stored_incompressible_pages"] == 4
    validate_stored_pages(world)
    world.stats["stored_incompressible_pages"] -= 1
    with pytest.raises(ValidationError, match="stored_incompressible_pages is 3, but 4 entries"):
        validate_stored_pages(world)


# -- validate_handles ------------------------------------------------------------------------


def test_handles_catches_a_leaked_handle(healthy):
    """A zsmalloc object no entry owns is a leaked handle."""
    world, _ = healthy
    world.pools[0].zs_pool.zs_malloc(100)
    with pytest.raises(ValidationError, match=rf"{NR + 1} zsmalloc objects in use for {NR} entries \(leaked handles\)"):
        validate_handles(world)
    assert names(world) == {"validate_handles"}


def test_handles_catches_a_freed_handle_still_referenced(healthy):
    """An entry whose object was freed behind its back holds a freed handle."""
    world, folio = healthy
    e = world.trees.xa_load(folio.offset + 3)
    world.pools[0].zs_pool.zs_free(e.handle)
    with pytest.raises(ValidationError, match=rf"entry at offset {folio.offset + 3} holds freed handle {e.handle}"):
        validate_handles(world)


def test_handles_catches_an_entry_without_a_handle(healthy):
    """A published entry with no handle is reported."""
    world, folio = healthy
    world.trees.xa_load(folio.offset).handle = None
    with pytest.raises(ValidationError, match="has no handle or pool"):
        validate_handles(world)


# -- validate_lru -----------------------------------------------------------------------------


def test_lru_catches_an_entry_missing_from_the_lru(healthy):
    """An entry in the tree that writeback cannot find (not on the LRU) is caught."""
    world, folio = healthy
    world.zswap_lru_del(world.trees.xa_load(folio.offset + 7))
    with pytest.raises(ValidationError, match=rf"{NR} entries in the trees but {NR - 1} on the LRU"):
        validate_lru(world)
    assert names(world) == {"validate_lru"}


def test_lru_catches_an_lru_entry_not_in_any_tree(healthy):
    """An entry left on the LRU after leaving the tree (writeback could free it twice) is caught."""
    world, folio = healthy
    world.trees.xa_erase(folio.offset + 2)
    with pytest.raises(ValidationError, match=rf"LRU holds an entry no tree has \(offset {folio.offset + 2}\)"):
        validate_lru(world)


# -- validate_all_or_nothing ----------------------------------------------------------------


def test_all_or_nothing_catches_an_entry_left_after_a_refused_store(healthy):
    """A refused folio with one slot still holding an entry breaks all-or-nothing."""
    world, folio = healthy
    _, outcome = store_folio(world, folio.offset, {5: "alloc_fail"}, seed=2)
    assert outcome == "disk"
    validate_all_or_nothing(world, folio, False)
    leftover = ZswapEntry(world.operation_seq)
    leftover.swpentry = (0, folio.offset + 9)
    world.trees.xa_store(folio.offset + 9, leftover)
    with pytest.raises(ValidationError, match=rf"refused, yet offset {folio.offset + 9} still has an entry"):
        validate_all_or_nothing(world, folio, False)


def test_all_or_nothing_catches_a_stale_entry_in_a_stored_folio(healthy):
    """A stored folio with one slot still holding the previous store's entry is caught."""
    world, folio = healthy
    stale = world.trees.xa_load(folio.offset + 4)
    _, outcome = store_folio(world, folio.offset, seed=3)
    assert outcome == "zswap"
    validate_all_or_nothing(world, folio, True)
    world.trees.xa_store(folio.offset + 4, stale)
    with pytest.raises(ValidationError, match=rf"offset {folio.offset + 4} holds a stale entry"):
        validate_all_or_nothing(world, folio, True)


def test_all_or_nothing_catches_a_stored_folio_with_a_hole(healthy):
    """A folio reported stored but missing one slot's entry is caught."""
    world, folio = healthy
    world.trees.xa_erase(folio.offset + 15)
    with pytest.raises(ValidationError, match=rf"only {NR - 1} of {NR} slots have entries"):
        validate_all_or_nothing(world, folio, True)


# -- the 6.13 shipped bug ---------------------------------------------------------------------


def test_613_failure_at_page_5_is_flagged():
    """6.13, fault at page 5 of 16: stored_pages -5 and a negative charge, both flagged (oracle 7)."""
    world = World("6.13", Params(), MemCgroup())
    folio, outcome = store_folio(world, faults={5: "alloc_fail"})
    assert outcome == "disk"
    lengths = [len(get_compressor(world.zswap_pool_current().tfm_name).compress(p)) for p in folio.pages[:5]]
    assert len(world.trees) == 0
    assert world.stats["stored_pages"] == -5
    assert world.stats["reject_alloc_fail"] == 1 and world.stats["zswpout"] == 0
    assert world.memcg.zswap_b == -sum(lengths) < 0
    assert world.memcg.zswapped == -5
    with pytest.raises(ValidationError, match="stored_pages is -5, but the trees hold 0 entries"):
        validate_stored_pages(world)
    with pytest.raises(ValidationError, match=rf"zswap_b is {-sum(lengths)}, but the cgroup's entries hold 0 bytes"):
        validate_charge(world)
    # Refs were taken per page and dropped per entry: those ledgers are right; the
    # bytes uncharged but never charged also owe pages to memory.current's page_counter
    assert names(world) == {"validate_stored_pages", "validate_charge", "validate_memory_current"}


@pytest.mark.parametrize("kernel", ["6.14", "6.18"])
def test_fixed_kernels_pass_the_same_failure(kernel):
    """6.14 and 6.18, fault at page 5 of 16: every ledger nets to zero and nothing is flagged (oracle 7)."""
    world = World(kernel, Params(), MemCgroup())
    folio, outcome = store_folio(world, faults={5: "alloc_fail"})
    assert outcome == "disk"
    assert world.stats["stored_pages"] == 0 and world.stats["reject_alloc_fail"] == 1
    assert (world.memcg.zswap_b, world.memcg.zswapped, world.memcg.objcg_refs) == (0, 0, 1)
    assert world.pools[0].refcount == 1
    validate_all_or_nothing(world, folio, False)
    assert check_world(world) == []


@pytest.mark.parametrize("kind", ["kmemcache", "compress_fail", "xa_store_enomem"])
def test_613_other_faults_at_page_5_are_flagged_too(kind):
    """Whatever fails at page 5, 6.13 uncharges the five pages it never charged."""
    world = World("6.13", Params(), MemCgroup())
    store_folio(world, faults={5: kind})
    assert world.stats["stored_pages"] == -5
    assert names(world) == {"validate_stored_pages", "validate_charge", "validate_memory_current"}


def test_613_zswapped_drifts_after_a_successful_store_then_free():
    """6.13 adds MEMCG_ZSWAPPED once per folio but removes it per entry, so it drifts to -15."""
    world = World("6.13", Params(), MemCgroup())
    folio, outcome = store_folio(world)
    assert outcome == "zswap"
    total = sum(e.length for e in entries(world))
    assert (world.memcg.zswap_b, world.memcg.zswapped) == (total, 1)
    assert world.stats["stored_pages"] == NR
    with pytest.raises(ValidationError, match=rf"zswapped is 1, but the cgroup has {NR} entries"):
        validate_charge(world)
    for off in range(folio.offset, folio.offset + NR):
        assert run(zswap_invalidate(world, off))
    assert (world.memcg.zswap_b, world.memcg.zswapped) == (0, 1 - NR)
    with pytest.raises(ValidationError, match=rf"zswapped is {1 - NR}, but the cgroup has 0 entries"):
        validate_charge(world)
    assert names(world) == {"validate_charge"}


@pytest.mark.parametrize("kernel", ["6.14", "6.18"])
def test_fixed_kernels_keep_zswapped_per_entry(kernel):
    """6.14 and 6.18 count zswapped per entry: 16 after the store, 0 after freeing."""
    world = World(kernel, Params(), MemCgroup())
    folio, _ = store_folio(world)
    assert world.memcg.zswapped == NR
    for off in range(folio.offset, folio.offset + NR):
        run(zswap_invalidate(world, off))
    assert (world.memcg.zswap_b, world.memcg.zswapped) == (0, 0)
    assert check_world(world) == []


def test_root_cgroup_has_no_charge_to_check():
    """Without a memcg (root), the objcg and charge validators have nothing to check and pass."""
    world = World("6.13", Params(), None)
    store_folio(world, faults={5: "alloc_fail"})
    assert names(world) == {"validate_stored_pages"}


def test_check_world_collects_every_failure(healthy):
    """check_world returns one message per broken validator; validate_world joins them."""
    world, _ = healthy
    world.stats["stored_pages"] -= 1
    world.memcg.zswap_b += 8
    assert names(world) == {"validate_stored_pages", "validate_charge"}
    with pytest.raises(ValidationError, match="validate_charge: .*; validate_stored_pages: "):
        validate_world(world)
