"""Issue 13: simulate's memory does not grow with the file.

A bulk run settles the entries of finished folios (World.settle_entries):
their records go, their counters, references, charge and zsmalloc pages
stay. These tests pin that the totals are the same as without settling,
that the validators still balance (and still catch a broken total), and
that nothing per entry is left behind.
"""

from __future__ import annotations

import pytest

from zswapviz.faults import Faults
from zswapviz.ledger import ledger
from zswapviz.model.folio import Folio
from zswapviz.model.validate import ValidationError, check_world, validate_charge, validate_stored_pages
from zswapviz.model.world import Params, World
from zswapviz.model.zsmalloc import ZsPool
from zswapviz.pages import make_pages
from zswapviz.simulate import simulate


def _chunks(data: bytes, pages: int = 256):
    for i in range(0, len(data), pages * 4096):
        yield data[i:i + pages * 4096]


_DATA = make_pages("mixed", 1024, seed=3) + make_pages("zeros", 64) + make_pages("random", 192, seed=5)


@pytest.mark.parametrize("kernel, folio_pages, compressor, ram, faults", [
    ("6.18", 16, "lzo", 10**6, None),
    ("6.18", 64, "zstd", 3000, {5: "alloc_fail", 700: "compress_fail"}),
    ("6.13", 16, "lzo", 10**6, {5: "alloc_fail", 300: "xa_store_enomem"}),
    ("6.12", 1, "deflate", 2500, {3: "kmemcache"}),
    ("batch8", 16, "lz4", 10**6, {33: "alloc_fail"}),
])
def test_settling_keeps_every_total(monkeypatch, kernel, folio_pages, compressor, ram, faults):
    """simulate gives the same counters, charge, refs, pool size and violations with and without settling."""
    def run():
        return simulate(_chunks(_DATA), folio_pages, kernel=kernel, compressor=compressor,
                        total_ram_pages=ram, faults=Faults(faults) if faults else None,
                        total_pages=len(_DATA) // 4096)

    settled = run()
    monkeypatch.setattr(World, "settle_entries", lambda self: None)
    kept = run()
    assert settled == kept
    assert settled["zswpout"] + settled["pswpout"] > 0


def _stored_world(kernel="6.18", folios=4, nr=16):
    from zswapviz.actions import drive
    from zswapviz.store import swap_writepage

    world = World(kernel, Params(compressor="lzo"))
    pages = make_pages("text", folios * nr, seed=2)
    for f in range(folios):
        chunk = pages[f * nr * 4096:(f + 1) * nr * 4096]
        folio = Folio(world.alloc_swap_slots(nr), nr.bit_length() - 1,
                      [chunk[i * 4096:(i + 1) * 4096] for i in range(nr)], f * nr)
        drive(swap_writepage(world, folio, None))
    return world


def test_settle_leaves_nothing_per_entry_and_the_books_balance():
    """After settling: empty trees, LRU and handle table, no full zspage listed; same ledger numbers."""
    world = _stored_world()
    before = ledger(world)
    zs = world.pools[-1].zs_pool
    objects, pages = zs.objects_in_use(), zs.pages_allocated
    world.settle_entries()
    after = ledger(world)
    assert len(world.trees) == 0 and world.lru_len() == 0
    assert zs._handles == {} and all(st.heads[-1] is None for st in zs._states)
    assert (zs.objects_in_use(), zs.pages_allocated) == (objects, pages)
    zs.validate()
    for key in ("stored_pages", "pool_refs", "objcg_refs", "zswap_b", "zswapped", "pool_total_size", "zswpout"):
        assert after[key] == before[key], key
    assert world.settled.entries == before["stored_pages"] == 64
    assert check_world(world) == []


def test_validators_still_catch_a_broken_total_after_settling():
    """The broken cases: a stored_pages or a charge that disagrees with the settled totals is reported."""
    world = _stored_world()
    world.settle_entries()
    world.stats["stored_pages"] += 1
    with pytest.raises(ValidationError, match="stored_pages is 65, but the trees hold 64 entries"):
        validate_stored_pages(world)
    world.stats["stored_pages"] -= 1
    world.settled.memcg_bytes -= 8
    with pytest.raises(ValidationError, match="zswap_b is"):
        validate_charge(world)


def test_zsmalloc_settled_objects_stay_allocated_and_cannot_move():
    """zs_settle keeps the object counted; an unknown handle is refused; compaction is refused."""
    zs = ZsPool()
    handles = [zs.zs_malloc(n) for n in (100, 100, 3000, 4096)]
    zs.zs_free(handles[1])
    for h in (handles[0], handles[2], handles[3]):
        zs.zs_settle(h)
    assert zs.objects_in_use() == 3 and zs.zs_settle_full() >= 1
    zs.validate()
    with pytest.raises(ValueError):
        zs.zs_settle(handles[1])
    with pytest.raises(ValueError, match="settled"):
        zs.zs_compact()


def test_recorded_actions_are_bounded_together():
    """Pages, stale entries, later loads and interleavings share the 16384 bound of a recorded trace."""
    from zswapviz import Scenario
    from zswapviz.errors import UsageError

    Scenario(folio_pages=1, pages={"kind": "text", "pages": 8}, stale=[0, 1],
             faults={2: "decompress_fail"}, interleave=[{"actor": "writeback", "after_page": 3}])
    with pytest.raises(UsageError, match=r"16385 recorded actions \(16384 pages, 1 stale entries.*at most 16384"):
        Scenario(folio_pages=512, pages={"kind": "text", "pages": 16384}, stale=[0])
    with pytest.raises(UsageError, match=r"8192 loads of decompress_fail pages, 1 interleaved actions\)"):
        Scenario(folio_pages=1, pages={"kind": "text", "pages": 8192},
                 faults={p: "decompress_fail" for p in range(8192)},
                 interleave=[{"actor": "invalidate", "after_page": 1}])
