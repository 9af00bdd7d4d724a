"""Stateful tests: whole zswap operations on one World, against a plain reference.

The machine (Hypothesis ``RuleBasedStateMachine``, as in ``docs/stateful.rst``'s
``DatabaseComparison``) swaps folios out, loads, invalidates, writes back and
switches compressors on one :class:`~zswapviz.model.world.World`; between
rules it checks the validators and compares everything a user can read with
:class:`Reference`, which writes the rules of ``docs/kernel-facts.md``
out in the plainest way: a dict of offset -> (content, compressed length) and
counters bumped by hand. The reference never calls the model's store code;
it only borrows two substrates tested elsewhere: the compressors (for a
page's compressed length) and zsmalloc (for the pool's page count, which the
global limit reads).

The ``quality`` tests at the end break the model on purpose and check that
the machine notices.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

import zswapviz.store as store
from zswapviz.actions import Action, drive
from zswapviz.compress import get_compressor
from zswapviz.constants import EAGAIN, ENOENT
from zswapviz.faults import FAULT_KINDS, Faults
from zswapviz.model.folio import Folio
from zswapviz.model.memcg import MemCgroup
from zswapviz.model.validate import check_world, validate_all_or_nothing
from zswapviz.model.world import Params, World
from zswapviz.model.xarray import SwapZswapTrees
from zswapviz.model.zsmalloc import ZsPool
from zswapviz.pages import make_pages
from zswapviz.store import (
    swap_writepage,
    zswap_compressor_switch,
    zswap_invalidate,
    zswap_load,
    zswap_writeback_one,
)

PAGE = 4096
#: Examples of the main machine; ZSWAPVIZ_STATEFUL_EXAMPLES overrides (e.g. 100 locally).
MAIN_EXAMPLES = int(os.environ.get("ZSWAPVIZ_STATEFUL_EXAMPLES", "2000"))
#: Rules per example of the stateful machines.
STEPS = int(os.environ.get("ZSWAPVIZ_STATEFUL_STEPS", "20"))
DEFAULT_RAM = Params().total_ram_pages


def run(op):
    """Run one operation to the end (through the one driver) and return its value."""
    def check(action):
        assert isinstance(action, Action) and action.actor is None, action
    return drive(op, check)


def mthp(order: int, event: str) -> str:
    """The per-size mTHP counter name (hugepages-<size>kB/stats/<event>)."""
    return f"mthp_{4 << order}kB_{event}"


@functools.lru_cache(maxsize=8192)
def clen(compressor: str, page: bytes) -> int:
    """The whole stream length *compressor* makes of *page*."""
    return len(get_compressor(compressor).compress(page))


@functools.lru_cache(maxsize=64)
def cached_pages(kind: str, nr: int, seed: int) -> tuple[bytes, ...]:
    """make_pages split into pages, cached (text pages are slow to make)."""
    data = make_pages(kind, nr, seed)
    return tuple(data[i:i + PAGE] for i in range(0, len(data), PAGE))


# --------------------------------------------------------------------------
# The reference model


@dataclass(eq=False)
class RefPool:
    """A pool: its compressor, its entries and a zsmalloc for page counts."""

    name: str
    compressor: str
    zs: ZsPool
    users: int = 0
    dead: bool = False


@dataclass(eq=False)
class RefEntry:
    """One stored page: what it holds and where."""

    content: bytes
    length: int
    pool: RefPool
    handle: int
    referenced: bool = True


class Reference:
    """docs/kernel-facts.md sections 2-9 as plain bookkeeping, one kernel at a time.

    ``entries`` maps offset -> RefEntry, ``lru`` is the offsets oldest first,
    and the ledgers are bumped exactly where the facts say the kernel bumps
    them, including 6.13's once-per-folio charge and stored_pages.
    """

    def __init__(self, kernel: str, memcg: bool, zswap_max: int | None,
                 total_ram_pages: int, compressor: str = "zstd") -> None:
        self.kernel = kernel
        # 6.13 charges and counts stored_pages once per folio after the loop
        self.per_page_charge = kernel != "6.13"
        # 6.18 (S-raw) stores pages that do not compress below a page as is
        self.raw = kernel == "6.18"
        self.memcg = memcg
        self.zswap_max = zswap_max
        self.writeback = True
        self.enabled = True
        self.max_pages = total_ram_pages * 20 // 100
        self.accept_pages = self.max_pages * 90 // 100
        self.reached_full = False
        self.shrink_work = 0
        self.pools: list[RefPool] = []
        self.seq = 0
        self._new_pool(compressor)
        self.entries: dict[int, RefEntry] = {}
        self.lru: dict[int, None] = {}
        self.stats: Counter = Counter()
        self.zswap_b = self.zswapped = self.zswpout = self.zswpin = self.zswpwb = 0
        self.zeromap: set[int] = set()
        # Pages the last store published before it failed (0 on success)
        self.published = 0
        # What happened, for the machine's Hypothesis events
        self.notes: list[str] = []

    # -- helpers ---------------------------------------------------------------

    def _new_pool(self, compressor: str) -> None:
        # zswap_pool_create: named zswap%x of a counter incremented first
        self.seq += 1
        self.pools.append(RefPool(f"zswap{self.seq:x}", compressor, ZsPool()))

    def current(self) -> RefPool:
        return [p for p in self.pools if not p.dead][-1]

    def writeback_enabled(self) -> bool:
        return not self.memcg or self.writeback

    def _free(self, off: int) -> None:
        """zswap_entry_free: LRU, handle, pool ref, uncharge, stored_pages."""
        e = self.entries.pop(off)
        del self.lru[off]
        e.pool.zs.zs_free(e.handle)
        e.pool.users -= 1
        if e.pool.dead and e.pool.users == 0:
            self.pools.remove(e.pool)
            self.notes.append("killed pool released by its last entry")
        if self.memcg:
            self.zswap_b -= e.length
            self.zswapped -= 1
        if self.raw and e.length == PAGE:
            self.stats["stored_incompressible_pages"] -= 1
        self.stats["stored_pages"] -= 1

    def _rotate_head(self) -> int:
        off = next(iter(self.lru))
        del self.lru[off]
        self.lru[off] = None
        return off

    def _writeback(self, off: int) -> None:
        self.stats["zswpwb"] += 1
        if self.memcg:
            self.zswpwb += 1
        self._free(off)
        self.stats["pswpout"] += 1
        self.stats["written_back_pages"] += 1

    # -- operations --------------------------------------------------------------

    def swap_writepage(self, first: int, order: int, pages, faults: dict) -> str:
        nr = 1 << order
        offs = range(first, first + nr)
        if not any(any(p) for p in pages):
            self.zeromap.update(offs)
            self.stats["swpout_zero"] += nr
            return "zeromap"
        self.zeromap.difference_update(offs)
        if self.zswap_store(first, nr, pages, faults):
            if order:
                self.stats[mthp(order, "zswpout")] += 1
            return "zswap"
        if not self.writeback_enabled():
            return "activate"
        self.stats["pswpout"] += nr
        if order:
            self.stats[mthp(order, "swpout")] += 1
        return "disk"

    def zswap_store(self, first: int, nr: int, pages, faults: dict) -> bool:
        offs = range(first, first + nr)
        ret = False
        self.published = 0
        if self.enabled:
            refused = False
            if self.memcg and not self._may_zswap():
                refused = self._shrink_memcg(offs) != 0
            if not refused:
                refused = self._check_limits()
            if not refused:
                pool = self.current()
                lengths = []
                for i in range(nr):
                    length = self._store_page(first + i, pages[i], faults.get(i), pool)
                    if length is None:
                        break
                    lengths.append(length)
                    self.published += 1
                else:
                    if not self.per_page_charge:
                        if self.memcg:
                            self.zswap_b += sum(lengths)
                            self.zswapped += 1
                        self.stats["stored_pages"] += nr
                    if self.memcg:
                        self.zswpout += nr
                    self.stats["zswpout"] += nr
                    ret = True
            if not ret and self.reached_full:
                self.shrink_work += 1
        if not ret:
            for off in offs:
                if off in self.entries:
                    self._free(off)
        else:
            self.published = 0
        return ret

    def _may_zswap(self) -> bool:
        if self.zswap_max is None:
            return True
        if self.zswap_max == 0:
            return False
        return self.zswap_b // PAGE < self.zswap_max

    def _shrink_memcg(self, folio_offs) -> int:
        if not self.writeback or not self.lru:
            self.notes.append("shrink_memcg: -ENOENT")
            return ENOENT
        off = self._rotate_head()
        e = self.entries[off]
        if e.referenced:
            e.referenced = False
            self.notes.append("shrink_memcg: rotated")
            return EAGAIN
        if off in folio_offs:
            # The slot belongs to the folio being stored: -EEXIST
            self.stats["reject_reclaim_fail"] += 1
            self.notes.append("shrink_memcg: -EEXIST")
            return EAGAIN
        self._writeback(off)
        self.notes.append("shrink_memcg: wrote back")
        return 0

    def _check_limits(self) -> bool:
        cur = sum(p.zs.pages_allocated for p in self.pools)
        if cur >= self.max_pages:
            self.stats["pool_limit_hit"] += 1
            self.reached_full = True
        elif self.reached_full and cur <= self.accept_pages:
            self.reached_full = False
        return self.reached_full

    def _store_page(self, off: int, page: bytes, fault: str | None, pool: RefPool) -> int | None:
        if fault == "kmemcache":
            self.stats["reject_kmemcache_fail"] += 1
            return None
        # The compressor's errno: the faults, or a page that does not fit the
        # one page of output it is given (kernel facts 4.1-4.4)
        err = {"compress_fail": -22, "compress_poor": -28}.get(fault, 0)
        dlen = 0 if err else clen(pool.compressor, page)
        newer = self.kernel in ("6.18", "batch8")
        if dlen > PAGE and (newer or pool.compressor not in ("lzo", "lzo-rle")):
            err, dlen = (-28 if newer and pool.compressor == "deflate" else -22), 0
        if self.raw:
            if err or dlen == 0 or dlen >= PAGE:
                if not self.writeback_enabled():
                    self.stats["reject_compress_poor" if err == -28 else "reject_compress_fail"] += 1
                    return None
                dlen = PAGE
        elif err:
            self.stats["reject_compress_poor" if err == -28 else "reject_compress_fail"] += 1
            return None
        if dlen > PAGE:
            # zs_malloc: size > ZS_MAX_ALLOC_SIZE is -ENOSPC, checked first
            self.stats["reject_compress_poor"] += 1
            return None
        if fault == "alloc_fail":
            self.stats["reject_alloc_fail"] += 1
            return None
        handle = pool.zs.zs_malloc(dlen)
        if fault == "xa_store_enomem":
            self.stats["reject_alloc_fail"] += 1
            pool.zs.zs_free(handle)
            return None
        if off in self.entries:
            self._free(off)
        self.entries[off] = RefEntry(page, dlen, pool, handle)
        self.lru[off] = None
        pool.users += 1
        if self.per_page_charge:
            if self.memcg:
                self.zswap_b += dlen
                self.zswapped += 1
            self.stats["stored_pages"] += 1
            if self.raw and dlen == PAGE:
                self.stats["stored_incompressible_pages"] += 1
        return dlen

    def load(self, off: int, swapcache: bool) -> bytes | None:
        e = self.entries.get(off)
        if e is None:
            return None
        self.stats["zswpin"] += 1
        if self.memcg:
            self.zswpin += 1
        if swapcache:
            self._free(off)
        return e.content

    def invalidate(self, off: int) -> bool:
        if off not in self.entries:
            return False
        self._free(off)
        return True

    def writeback_one(self) -> str:
        if self.memcg and not self.writeback:
            # memory.zswap.writeback = 0: the shrinkers skip the cgroup
            return "skipped"
        if not self.lru:
            return "empty"
        off = self._rotate_head()
        e = self.entries[off]
        if e.referenced:
            e.referenced = False
            return "rotated"
        self._writeback(off)
        return "removed"

    def compressor_switch(self, name: str) -> str:
        old = self.current()
        if old.compressor == name:
            return old.name                       # the current compressor: nothing changes
        alive = [p for p in self.pools if p.compressor == name]
        if alive:
            # zswap_pool_find_get + percpu_ref_resurrect: current again
            pool = alive[0]
            pool.dead = False
            self.pools.remove(pool)
            self.pools.append(pool)
        else:
            self._new_pool(name)
        old.dead = True
        if old.users == 0:
            self.pools.remove(old)
        return self.pools[-1].name

    def expected_problems(self) -> set[str]:
        """Validators that must fail: only where a ledger drifted (6.13)."""
        problems = set()
        if self.stats["stored_pages"] != len(self.entries):
            problems.add("validate_stored_pages")
        if self.memcg and (self.zswap_b != sum(e.length for e in self.entries.values())
                           or self.zswapped != len(self.entries)):
            problems.add("validate_charge")
        return problems


# --------------------------------------------------------------------------
# Comparing a World with the Reference (between operations only)


def check_validators(world: World, ref: Reference) -> None:
    """check_world is clean, or (6.13) fails exactly where a ledger drifted."""
    problems = check_world(world)
    if world.profile.name != "6.13":
        assert problems == [], problems
    names = {p.split(":")[0] for p in problems}
    want = ref.expected_problems()
    if "validate_charge" in want or "validate_memory_current" in names and world.profile.name == "6.13":
        # 6.13's uncharges of bytes never charged also leave memory.current's page
        # stock owing pages (the page_counter warning): it depends on the stock, so
        # the reference allows it wherever 6.13's charge went wrong at some point
        names.discard("validate_memory_current")
    assert names == want, problems


def check_counters(world: World, ref: Reference) -> None:
    """Every global counter equals the reference's; none moves unexpectedly."""
    stats, want = world.stats, ref.stats
    wrong = {k: (stats.get(k, 0), want.get(k, 0)) for k in set(stats) | set(want)
             if stats.get(k, 0) != want.get(k, 0)}
    assert not wrong, f"counter: (model, reference) {wrong}"


def check_entries(world: World, ref: Reference) -> None:
    """Same offsets in the right trees, same lengths, pools, bits and LRU order."""
    seen = {}
    for index, tree in enumerate(world.trees.trees):
        for off, e in tree.items():
            assert off >> 14 == index, f"offset {off} sits in tree {index}"
            seen[off] = e
    assert set(seen) == set(ref.entries), (
        f"entries only in the model {sorted(set(seen) - set(ref.entries))}, "
        f"only in the reference {sorted(set(ref.entries) - set(seen))}")
    for off, e in seen.items():
        r = ref.entries[off]
        assert e.swpentry == (world.trees.type, off), (off, e.swpentry)
        got = (e.length, e.pool.name, e.referenced, e.on_lru)
        want = (r.length, r.pool.name, r.referenced, True)
        assert got == want, f"entry at {off}: (length, pool, referenced, on_lru) {got} != {want}"
        assert e.objcg is world.memcg, f"entry at {off} has objcg {e.objcg!r}"
    key = world.memcg.name if world.memcg is not None else None
    lru = [e.swpentry[1] for e in world.lru.get(key, {})]
    assert lru == list(ref.lru), f"LRU order {lru} != {list(ref.lru)}"
    assert world.lru_len() == len(lru), "entries on another memcg's LRU list"


def check_pools(world: World, ref: Reference) -> None:
    """Pool list, refs (base + one per entry), zsmalloc objects and pages, limit state."""
    names = [p.name for p in world.pools]
    assert names == [p.name for p in ref.pools], f"pools {names} != {[p.name for p in ref.pools]}"
    for p, r in zip(world.pools, ref.pools):
        want = (0 if r.dead else 1) + r.users
        assert p.dead == r.dead and not p.released, f"{p.name}: dead {p.dead}, released {p.released}"
        assert p.refcount == want, f"{p.name}: refcount {p.refcount}, reference {want}"
        assert p.zs_pool.objects_in_use() == r.users, f"{p.name}: {p.zs_pool.objects_in_use()} objects, {r.users} entries"
        assert p.zs_pool.pages_allocated == r.zs.pages_allocated, f"{p.name}: zsmalloc pages differ"
        assert p.tfm_name == r.compressor, p.name
    assert world.zswap_pool_reached_full == ref.reached_full, "zswap_pool_reached_full"
    assert world.shrink_work_queued == ref.shrink_work, "shrink_worker queued"


def check_memcg(world: World, ref: Reference) -> None:
    """objcg refs = base + one per entry; charge, zswapped and events as the reference."""
    m = world.memcg
    if m is None:
        return
    got = (m.objcg_refs, m.zswap_b, m.zswapped, m.zswpout, m.zswpin, m.zswpwb)
    want = (1 + len(ref.entries), ref.zswap_b, ref.zswapped, ref.zswpout, ref.zswpin, ref.zswpwb)
    assert got == want, f"(refs, zswap_b, zswapped, zswpout, zswpin, zswpwb): {got} != {want}"


def check_swap_layer(world: World, ref: Reference) -> None:
    """No folio is left in the swap cache, and the zeromap is as the reference's."""
    assert not world.swap_cache, f"left in the swap cache: {sorted(world.swap_cache)}"
    assert world.zeromap == ref.zeromap, "zeromap differs"


def check_all(world: World, ref: Reference) -> None:
    """Every comparison above."""
    for check in (check_validators, check_counters, check_entries, check_pools,
                  check_memcg, check_swap_layer):
        check(world, ref)


# --------------------------------------------------------------------------
# Strategies


ORDERS = st.sampled_from((0, 0, 1, 2, 2, 3, 4, 4, 5, 0, 1, 3, 9))
PAGE_KINDS = ("text", "random", "mixed", "zeros", "same", "halfzero", "ramp", "pattern")


@st.composite
def folio_pages(draw, nr: int) -> tuple[bytes, ...]:
    """Page contents for a folio: a generated kind, or drawn byte patterns, plus tweaks."""
    kind = draw(st.sampled_from(PAGE_KINDS), label="kind")
    if kind == "pattern":
        patterns = draw(st.lists(st.binary(min_size=1, max_size=24), min_size=1, max_size=4))
        tiles = [(p * (PAGE // len(p) + 1))[:PAGE] for p in patterns]
        pages = [tiles[i % len(tiles)] for i in range(nr)]
    else:
        pages = list(cached_pages(kind, nr, draw(st.integers(0, 3), label="seed")))
    tweaks = draw(st.lists(st.tuples(st.integers(0, nr - 1), st.integers(0, PAGE - 1),
                                     st.integers(0, 255)), max_size=2), label="tweaks")
    for index, pos, value in tweaks:
        # value 0 zeroes the whole page, anything else patches one byte
        if value == 0:
            pages[index] = bytes(PAGE)
        else:
            page = bytearray(pages[index])
            page[pos] = value
            pages[index] = bytes(page)
    return tuple(pages)


def fault_maps(nr: int):
    """No fault, or one or two faults at folio page indices."""
    return st.one_of(
        st.just({}),
        st.dictionaries(st.integers(0, nr - 1), st.sampled_from(tuple(FAULT_KINDS)),
                        min_size=1, max_size=2),
    )


# --------------------------------------------------------------------------
# The machine


class ZswapMachine(RuleBasedStateMachine):
    """Swap-out, load, invalidate, writeback and compressor switches on one World."""

    #: Kernels the world is drawn from.
    KERNELS: tuple[str, ...] = ("6.14", "6.18")
    #: Kernel the reference follows; None means the world's own.
    REFERENCE_KERNEL: str | None = None
    #: How stores take per-entry refs (zswapviz.profiles.REF_STRATEGIES): the
    #: merged order and the correct alternative argued in review, which must
    #: leave exactly the same ledgers behind.
    REFS: tuple[str, ...] = ("per-page", "per-page", "batch-before")

    def __init__(self) -> None:
        super().__init__()
        self.world: World | None = None
        self.ref: Reference | None = None
        # Slot ranges allocated so far, (first offset, order); stores reuse them
        self.regions: list[tuple[int, int]] = []
        self.run_pages = 0

    @initialize(data=st.data(),
                cgroup=st.sampled_from(("memcg", "memcg", "root")),
                zswap_max=st.sampled_from((None, None, 0, 3, 40)),
                ram=st.sampled_from((DEFAULT_RAM, DEFAULT_RAM, 60, 400)),
                start=st.sampled_from((1, 16384 - 40)))
    def setup(self, data, cgroup, zswap_max, ram, start):
        """A fresh world: kernel, cgroup, memory.zswap.max, RAM size and first offset."""
        kernel = data.draw(st.sampled_from(type(self).KERNELS), label="kernel")
        memcg = MemCgroup(zswap_max_pages=zswap_max) if cgroup == "memcg" else None
        self.world = World(kernel, Params(total_ram_pages=ram), memcg)
        self.world.next_offset = start
        self.world.refs = data.draw(st.sampled_from(type(self).REFS), label="refs")
        self.ref = Reference(self.REFERENCE_KERNEL or kernel, memcg is not None,
                             zswap_max, ram)

    # -- rules -----------------------------------------------------------------

    @rule(data=st.data())
    def store(self, data):
        """swap_writepage of a folio over new slots or over slots already used."""
        world, ref = self.world, self.ref
        order = data.draw(ORDERS, label="order")
        nr = 1 << order
        wider = [(base, o) for base, o in self.regions if o >= order]
        if wider and data.draw(st.booleans(), label="reuse slots"):
            base, o = data.draw(st.sampled_from(wider), label="region")
            offset = base + nr * data.draw(st.integers(0, (1 << (o - order)) - 1), label="part")
        else:
            offset = world.alloc_swap_slots(nr)
            self.regions.append((offset, order))
        pages = data.draw(folio_pages(nr), label="pages")
        fmap = data.draw(fault_maps(nr), label="faults")
        folio = Folio(offset, order, pages=list(pages), first_page=self.run_pages)
        faults = Faults({self.run_pages + i: k for i, k in fmap.items()}) if fmap else None
        self.run_pages += nr

        stale = sum(off in ref.entries for off in range(offset, offset + nr))
        limit_hits = ref.stats["pool_limit_hit"]
        outcome = run(swap_writepage(world, folio, faults))
        expected = ref.swap_writepage(offset, order, pages, fmap)
        event(f"store: {outcome}")
        if ref.published:
            event("store: failed after publishing pages")
        if stale:
            event(f"store: over stale entries ({outcome})")
        if ref.stats["pool_limit_hit"] > limit_hits:
            event("store: pool_limit_hit")
        if offset + nr > 16384 and ref.entries and min(ref.entries) < 16384:
            event("entries in two trees")
        assert outcome == expected, f"swap_writepage returned {outcome!r}, reference says {expected!r}"
        if outcome != "zeromap":
            # An all-zero folio never reaches zswap_store, so stale entries may stay
            validate_all_or_nothing(world, folio, outcome == "zswap")
        if world.profile.name == "6.13" and outcome != "zswap" and ref.published:
            # The shipped bug: what was published but never charged is uncharged
            names = {p.split(":")[0] for p in check_world(world)}
            assert "validate_stored_pages" in names, names
            if world.memcg is not None:
                assert "validate_charge" in names, names

    def _offsets(self, data) -> int:
        """An offset with an entry, or any slot allocated so far (maybe empty)."""
        used = {b for b, o in self.regions} | {b + (1 << o) - 1 for b, o in self.regions}
        used |= set(self.ref.entries)
        return data.draw(st.sampled_from(sorted(used) or [0]), label="offset")

    @rule(data=st.data(), swapcache=st.booleans())
    def load(self, data, swapcache):
        """zswap_load of one slot returns exactly the page stored there."""
        offset = self._offsets(data)
        result = run(zswap_load(self.world, offset, swapcache))
        expected = self.ref.load(offset, swapcache)
        assert result.handled == (expected is not None) and result.data == expected, f"zswap_load({offset}) returned the wrong page"

    @rule(data=st.data())
    def invalidate(self, data):
        """zswap_invalidate of one slot frees the entry there, if any."""
        offset = self._offsets(data)
        assert run(zswap_invalidate(self.world, offset)) == self.ref.invalidate(offset)

    @rule(passes=st.integers(1, 8))
    def writeback_one(self, passes):
        """Shrinker passes: each LRU head gets its second chance or is written back."""
        for _ in range(passes):
            result = run(zswap_writeback_one(self.world))
            event(f"writeback: {result}")
            assert result == self.ref.writeback_one()

    @rule(name=st.sampled_from(("zstd", "deflate", "lz4")))
    def compressor_switch(self, name):
        """A new current pool; the old one lives while its entries do."""
        assert run(zswap_compressor_switch(self.world, name)) == self.ref.compressor_switch(name)

    @rule(enabled=st.booleans())
    def set_enabled(self, enabled):
        """Toggle /sys/module/zswap/parameters/enabled."""
        self.world.params.enabled = enabled
        self.ref.enabled = enabled

    @rule(writeback=st.booleans())
    def set_memcg_writeback(self, writeback):
        """Toggle memory.zswap.writeback of the folios' cgroup (root: no such knob)."""
        if self.world.memcg is None:
            return
        self.world.memcg.zswap_writeback = writeback
        self.ref.writeback = writeback

    @rule(pages=st.sampled_from((None, 0, 1, 3)))
    def set_zswap_max(self, pages):
        """Change memory.zswap.max of the folios' cgroup (root: no such knob)."""
        if self.world.memcg is None:
            return
        self.world.memcg.zswap_max_pages = pages
        self.ref.zswap_max = pages

    # -- invariants --------------------------------------------------------------

    @invariant()
    def validators_agree(self):
        """check_world finds nothing, except the ledgers 6.13 really gets wrong."""
        check_validators(self.world, self.ref)

    @invariant()
    def counters_match_reference(self):
        """Every global counter equals the reference's; none moves unexpectedly."""
        check_counters(self.world, self.ref)

    @invariant()
    def entries_match_reference(self):
        """Same offsets in the right trees, same lengths, pools, bits and LRU order."""
        check_entries(self.world, self.ref)

    @invariant()
    def pools_match_reference(self):
        """Pool list, refs (base + one per entry), zsmalloc objects and pages."""
        check_pools(self.world, self.ref)

    @invariant()
    def memcg_matches_reference(self):
        """objcg refs = base + one per entry; charge, zswapped and events as the reference."""
        check_memcg(self.world, self.ref)

    @invariant()
    def swap_layer_between_operations(self):
        """No folio is left in the swap cache, and the zeromap is as the reference's."""
        check_swap_layer(self.world, self.ref)

    @invariant()
    def report_events(self):
        """Not a check: tell Hypothesis's statistics what the last rule exercised."""
        for note in self.ref.notes:
            event(note)
        self.ref.notes.clear()


_SETTINGS = dict(
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class TestZswapStore(ZswapMachine.TestCase):
    """On 6.14 and 6.18 every operation sequence keeps the world valid and equal to the reference."""

    settings = settings(max_examples=MAIN_EXAMPLES, **_SETTINGS)


class ZswapMachine613(ZswapMachine):
    """The same machine on 6.13, whose reference keeps the shipped ledgers."""

    KERNELS = ("6.13",)


class TestZswapStore613(ZswapMachine613.TestCase):
    """On 6.13 the validators flag exactly the charge and stored_pages drift the kernel really has."""

    settings = settings(max_examples=max(50, MAIN_EXAMPLES // 6), **_SETTINGS)


class Pair:
    """A World and a Reference driven by the same operations, compared after each."""

    def __init__(self, kernel: str, memcg: bool = True, zswap_max: int | None = None,
                 ram: int = DEFAULT_RAM, compressor: str = "zstd") -> None:
        cgroup = MemCgroup(zswap_max_pages=zswap_max) if memcg else None
        self.world = World(kernel, Params(total_ram_pages=ram, compressor=compressor), cgroup)
        self.ref = Reference(kernel, memcg, zswap_max, ram, compressor)
        self.run_pages = 0

    def _agree(self, got, want):
        assert got == want, f"model {got!r}, reference {want!r}"
        check_all(self.world, self.ref)
        return got

    def alloc(self, order: int) -> int:
        return self.world.alloc_swap_slots(1 << order)

    def store(self, offset: int, order: int, pages, faults: dict | None = None) -> str:
        folio = Folio(offset, order, list(pages), self.run_pages)
        fl = Faults({self.run_pages + i: k for i, k in faults.items()}) if faults else None
        self.run_pages += 1 << order
        got = run(swap_writepage(self.world, folio, fl))
        if got != "zeromap":
            validate_all_or_nothing(self.world, folio, got == "zswap")
        return self._agree(got, self.ref.swap_writepage(offset, order, pages, faults or {}))

    def load(self, offset: int, swapcache: bool = True):
        return self._agree(run(zswap_load(self.world, offset, swapcache)).data, self.ref.load(offset, swapcache))

    def invalidate(self, offset: int) -> bool:
        return self._agree(run(zswap_invalidate(self.world, offset)), self.ref.invalidate(offset))

    def writeback_one(self) -> str:
        return self._agree(run(zswap_writeback_one(self.world)), self.ref.writeback_one())

    def switch(self, name: str) -> str:
        return self._agree(run(zswap_compressor_switch(self.world, name)), self.ref.compressor_switch(name))

    def set_zswap_max(self, pages: int | None) -> None:
        self.world.memcg.zswap_max_pages = pages
        self.ref.zswap_max = pages


def test_lzo_round_trip_against_reference():
    """Folios stored with lzo (numba) load back byte for byte and match the reference."""
    pair = Pair("6.14")
    pair.switch("lzo")
    for order, kind in ((2, "text"), (0, "halfzero"), (3, "same")):
        pages = cached_pages(kind, 1 << order, 1)
        off = pair.alloc(order)
        assert pair.store(off, order, pages) == "zswap"
        for i, page in enumerate(pages):
            assert pair.load(off + i, swapcache=False) == page
    assert pair.world.pools[-1].tfm_name == "lzo"


@pytest.mark.parametrize("kernel", ["6.14", "6.18"])
def test_store_time_shrink_memcg_matches_reference(kernel):
    """Over memory.zswap.max a store rotates, then writes back, and meets -EEXIST on its own slots (oracles 14, 15, 18)."""
    pair = Pair(kernel)
    text = cached_pages("text", 4, 3)
    a, c = pair.alloc(0), pair.alloc(0)
    assert pair.store(a, 0, text[:1]) == "zswap"
    pair.set_zswap_max(0)
    # The LRU head is referenced: shrink_memcg only rotates it, -EAGAIN, refused
    assert pair.store(c, 0, text[1:2]) == "disk"
    assert pair.world.stats["zswpwb"] == 0 and not pair.world.trees.xa_load(a).referenced
    # Next attempt writes it back, and the store proceeds although max is 0
    assert pair.store(c, 0, text[1:2]) == "zswap"
    assert pair.world.stats["zswpwb"] == pair.world.stats["written_back_pages"] == 1
    assert pair.world.trees.xa_load(a) is None
    # A 2-page folio whose own (unreferenced) entries head the LRU: -EEXIST
    pair.set_zswap_max(None)
    d = pair.alloc(1)
    assert pair.store(d, 1, text[2:4]) == "zswap"
    pair.invalidate(c)
    assert [pair.writeback_one() for _ in range(2)] == ["rotated", "rotated"]
    pair.set_zswap_max(0)
    assert pair.store(d, 1, text[:2]) == "disk"
    assert pair.world.stats["reject_reclaim_fail"] == 1
    assert len(pair.world.trees) == 0


def test_pool_limit_hit_and_hysteresis_match_reference():
    """The global limit refuses at max, keeps refusing above the accept threshold, then accepts (oracles 12, 13)."""
    pair = Pair("6.14", ram=400)
    world = pair.world
    assert (world.zswap_max_pages(), world.zswap_accept_thr_pages()) == (80, 72)
    stored, i = [], 0
    kinds = ("text", "ramp", "same", "halfzero")
    while world.stats["pool_limit_hit"] == 0:
        off = pair.alloc(2)
        if pair.store(off, 2, cached_pages(kinds[i % 4], 4, i)) == "zswap":
            stored += range(off, off + 4)
        i += 1
    assert world.zswap_pool_reached_full and world.shrink_work_queued == 1
    seen = set()
    page = cached_pages("text", 1, 99)
    for off in stored:
        pair.invalidate(off)
        cur, hits = world.zswap_total_pages(), world.stats["pool_limit_hit"]
        out = pair.store(pair.alloc(0), 0, page)
        if cur >= 80:
            seen.add("at max")
            assert out == "disk" and world.stats["pool_limit_hit"] == hits + 1
        elif cur > 72:
            seen.add("hysteresis")
            assert out == "disk" and world.stats["pool_limit_hit"] == hits
        else:
            seen.add("accepted")
            assert out == "zswap" and not world.zswap_pool_reached_full
            break
    assert seen == {"at max", "hysteresis", "accepted"}


@pytest.mark.parametrize("kernel", ["6.13", "6.14"])
def test_alloc_fail_on_oversized_page_is_compress_poor(kernel):
    """An injected zs_malloc -ENOMEM cannot happen for a page zs_malloc refuses with -ENOSPC (unbounded LZO)."""
    pair = Pair(kernel, compressor="lzo")
    page = cached_pages("random", 1, 0)
    assert clen("lzo", page[0]) > PAGE
    assert pair.store(pair.alloc(0), 0, page, {0: "alloc_fail"}) == "disk"
    assert pair.world.stats["reject_compress_poor"] == 1
    assert pair.world.stats["reject_alloc_fail"] == 0


@pytest.mark.parametrize("kernel", ["6.13", "6.14"])
def test_alloc_fail_on_oversized_zstd_page_never_reaches_the_allocator(kernel):
    """zstd refuses a page that does not fit (-EINVAL) before zs_malloc: reject_compress_fail, no alloc_fail."""
    pair = Pair(kernel)
    page = cached_pages("random", 1, 0)
    assert clen("zstd", page[0]) > PAGE
    assert pair.store(pair.alloc(0), 0, page, {0: "alloc_fail"}) == "disk"
    assert pair.world.stats["reject_compress_fail"] == 1
    assert pair.world.stats["reject_alloc_fail"] == 0


# --------------------------------------------------------------------------
# Quality: the machine must catch deliberately broken models


_QUALITY = settings(max_examples=600, database=None, phases=(Phase.generate,),
                    report_multiple_bugs=False, **_SETTINGS)


class _Machine614(ZswapMachine):
    KERNELS = ("6.14",)


class _Machine613AsIf614(ZswapMachine):
    KERNELS = ("6.13",)
    REFERENCE_KERNEL = "6.14"


def _expect_caught(machine) -> AssertionError:
    with pytest.raises(AssertionError) as info:
        run_state_machine_as_test(machine, settings=_QUALITY)
    return info.value


def test_quality_catches_entry_free_without_pool_put(monkeypatch):
    """A zswap_entry_free that forgets the pool put is caught."""
    real = World.zswap_entry_free

    def entry_free_forgetting_put(self, entry):
        if entry.pool is not None:
            entry.pool.refcount += 1  # cancels the put real() does
        real(self, entry)

    monkeypatch.setattr(World, "zswap_entry_free", entry_free_forgetting_put)
    _expect_caught(_Machine614)


def test_quality_catches_check_old_skipping_stale_entries(monkeypatch):
    """A check_old that erases only this store's entries, leaving stale ones, is caught."""
    real_store = store.zswap_store
    real_erase = SwapZswapTrees.xa_erase

    def zswap_store_keeping_stale(world, folio, faults=None):
        def erase_new_only(trees, offset):
            e = trees.xa_load(offset)
            if e is not None and e.operation_seq != world.operation_seq:
                return None
            return real_erase(trees, offset)

        SwapZswapTrees.xa_erase = erase_new_only
        try:
            return (yield from real_store(world, folio, faults))
        finally:
            SwapZswapTrees.xa_erase = real_erase

    monkeypatch.setattr(store, "zswap_store", zswap_store_keeping_stale)
    _expect_caught(_Machine614)


def test_quality_catches_stale_entry_not_freed_on_overwrite(monkeypatch):
    """An xa_store that drops the old entry without zswap_entry_free is caught."""
    real = SwapZswapTrees.xa_store
    monkeypatch.setattr(SwapZswapTrees, "xa_store", lambda self, off, e: (real(self, off, e), None)[1])
    _expect_caught(_Machine614)


@pytest.mark.parametrize("refs", ["batch-after", "batch-before-drop-all", "batch-before-drop-none"])
def test_quality_catches_wrong_ref_strategies(refs):
    """Each deliberately wrong ref strategy argued in review is caught (oracles 28, 30)."""
    machine = type(f"_Machine_{refs}", (_Machine614,), {"REFS": (refs,)})
    error = _expect_caught(machine)
    assert "ref" in str(error) or "objcg" in str(error), error


def test_quality_catches_613_against_the_614_reference():
    """The shipped 6.13 charge/stored_pages bug fails the 6.14 reference."""
    _expect_caught(_Machine613AsIf614)
