"""Tests of recorded traces: golden files, snapshots, lookups and the dataframe.

The golden files in ``tests/golden/`` hold ``trace.to_text()`` plus the final
ledger and the validators' verdict of five canonical scenarios. A change in
the model that alters any step, sentence or count shows up here as a diff.
When the change is intended, rewrite them with::

    ZSWAPVIZ_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_trace.py

and review the diff of ``tests/golden/`` before committing it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from zswapviz.actions import PHASES
from zswapviz.faults import Faults
from zswapviz.ledger import file_block
from zswapviz.model.folio import Folio
from zswapviz.model.memcg import MemCgroup
from zswapviz.model.world import Params, World
from zswapviz.pages import make_pages, split_pages
from zswapviz.scenario import Scenario, ledger
from zswapviz.snapshot import CELL_STATES
from zswapviz.store import (
    swap_writepage,
    zswap_compressor_switch,
    zswap_invalidate,
    zswap_load,
    zswap_writeback_one,
)
from zswapviz.trace import Step, Trace, record

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("ZSWAPVIZ_UPDATE_GOLDEN") == "1"

DEMO_NOTES = "Pages 0-4 are published, zs_malloc fails for page 5, and check_old erases all 16 slots."


def demo(kernel: str) -> Scenario:
    """The ``make demo`` scenario (data/scenarios/demo.json) on *kernel*."""
    return Scenario(title="A 64 KiB folio failing at page 5", notes=DEMO_NOTES,
                    pages={"kind": "text", "pages": 16, "seed": 1}, folio_pages=16,
                    kernel=kernel, compressor="zstd", faults={5: "alloc_fail"})


#: The canonical scenarios with a golden file each (deterministic compressors only).
GOLDEN = {
    "demo-6.13": lambda: demo("6.13"),
    "demo-6.14": lambda: demo("6.14"),
    "demo-6.18": lambda: demo("6.18"),
    "stale-4k-fail-at-2": lambda: Scenario(
        title="A 16 KiB folio over stale pages 1 and 3, failing at page 2",
        pages={"kind": "text", "pages": 4, "seed": 3}, folio_pages=4, kernel="6.18",
        compressor="deflate", stale=[1, 3], faults={2: "alloc_fail"}),
    "success-64k": lambda: Scenario(
        title="A 64 KiB folio stored whole", pages={"kind": "text", "pages": 16, "seed": 2},
        folio_pages=16, kernel="6.18", compressor="zstd"),
}

#: Every kernel function or counter update a step may name (mm/zswap.c,
#: mm/page_io.c, mm/memcontrol.c, lib/xarray.c, mm/zsmalloc.c, mm/zpool.c).
KERNEL_FNS = {
    "swap_writepage", "swap_writeout", "swap_zeromap_folio_set", "zswap_store", "zswap_is_enabled",
    "get_obj_cgroup_from_folio", "obj_cgroup_may_zswap", "shrink_memcg", "zswap_check_limits",
    "zswap_pool_current_get", "memcg_list_lru_alloc", "zswap_entry_cache_alloc",
    "crypto_acomp_compress", "mem_cgroup_zswap_writeback_enabled", "zswap_compress",
    "zs_malloc", "zpool_malloc", "zs_free", "zpool_free", "zswap_entry_cache_free", "xa_store",
    "zswap_entry_free", "zswap_pool_get", "obj_cgroup_get", "obj_cgroup_charge_zswap",
    "atomic_long_inc(zswap_stored_pages)", "atomic_long_add(zswap_stored_pages)",
    "zswap_lru_add", "count_objcg_events", "count_vm_events", "zswap_pool_put",
    "obj_cgroup_put", "queue_work(shrink_wq)", "xa_erase", "count_mthp_stat",
    "folio_mark_dirty", "__swap_writepage", "shrink_memcg_cb", "__read_swap_cache_async",
    "xa_cmpxchg", "zswap_decompress", "list_lru_walk_one", "xa_load", "count_vm_event",
    "zswap_load", "zswap_pool_create", "percpu_ref_kill", "folio_mark_uptodate", "page_counter_cancel",
    "zswap_compressor_switch", "zswap_pool_find_get", "percpu_ref_resurrect", "atomic_inc(zswap_stored_pages)",
    "count_objcg_event",
}


# -- golden traces -----------------------------------------------------------------


def render(trace: Trace) -> str:
    """A trace as its golden file holds it: meta, steps, ledger, verdict."""
    m = trace.meta
    faults = ", ".join(f"{k}: {v}" for k, v in sorted(m["faults"].items())) or "none"
    lines = [
        f"# {m['title']}",
        f"# kernel {m['kernel']}, compressor {m['compressor']}, {m['folios']} folio(s) of "
        f"{m['folio_pages']} page(s); faults {faults}; stale {m['stale'] or 'none'}",
        "",
        trace.to_text(),
        "",
        "ledger:",
    ]
    lines += [f"  {k:22s} {v}" for k, v in {**ledger(trace), **file_block(trace)}.items()]
    lines.append("violations:")
    lines += [f"  - {v}" for v in trace.world.violations] or ["  none"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_trace(name):
    """Re-recording a canonical scenario gives exactly its golden trace and ledger."""
    path = GOLDEN_DIR / f"{name}.txt"
    got = render(GOLDEN[name]().run())
    if UPDATE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(got)
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; create it with ZSWAPVIZ_UPDATE_GOLDEN=1 "
                    f"and review it before committing")
    want = path.read_text()
    if got != want:
        diff = list(difflib.unified_diff(want.splitlines(), got.splitlines(),
                                         f"golden/{name}.txt (expected)", f"{name} (re-recorded)",
                                         lineterm="", n=2))
        shown = "\n".join(diff[:80]) + ("\n... (diff cut)" if len(diff) > 80 else "")
        pytest.fail(f"the re-recorded trace of {name!r} differs from {path}.\n"
                    f"If the model change is intended, rerun with ZSWAPVIZ_UPDATE_GOLDEN=1 and "
                    f"review the diff of tests/golden/.\n{shown}", pytrace=False)


def test_golden_files_are_all_known():
    """Every file in tests/golden/ belongs to a scenario of this module (no orphans)."""
    names = {p.stem for p in GOLDEN_DIR.glob("*.txt")}
    assert names == set(GOLDEN)


def test_golden_demo_contents():
    """The demo goldens show the failure at page 5, 16 erases, and only 6.13 breaking invariants."""
    for kernel in ("6.13", "6.14", "6.18"):
        text = (GOLDEN_DIR / f"demo-{kernel}.txt").read_text()
        assert sum(" rollback  xa_erase " in line for line in text.splitlines()) == 16
        assert "p5" in text and "(-ENOMEM)" in text
        assert ("violations:\n  none" in text) == (kernel != "6.13")


# -- snapshots ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_trace() -> Trace:
    """The 6.18 demo, recorded once."""
    return demo("6.18").run()


def test_snapshot_k_reflects_step_k(demo_trace):
    """snapshots[k] is the state right after steps[k]: storing, stored, LRU, counters, erased."""
    t = demo_trace
    base = t.snapshots[0].base_offset
    for k, (step, snap) in enumerate(t):
        prev = t.snapshots[k - 1] if k else None
        cell = snap.cell(base + step.page) if step.page is not None else None
        if step.fn in ("zswap_entry_cache_alloc", "crypto_acomp_compress") and not step.failed:
            assert cell.state == "storing", (k, step)
        if step.fn == "zs_malloc" and not step.failed:
            assert cell.state == "storing"
        if step.fn == "xa_store":
            assert prev.cell(base + step.page).state == "storing"
            assert cell.state == "stored" and not cell.on_lru and not cell.referenced
        if step.fn == "zswap_lru_add":
            assert cell.on_lru and cell.referenced and not prev.cell(base + step.page).on_lru
        if step.fn == "atomic_long_inc(zswap_stored_pages)":
            assert snap.stats["stored_pages"] == prev.stats["stored_pages"] + 1
        if step.fn == "obj_cgroup_charge_zswap":
            assert snap.memcg[0][2] == prev.memcg[0][2] + step.arg
        if step.fn == "zswap_pool_get":
            assert snap.pools[-1][1] == prev.pools[-1][1] + 1
        if step.fn == "zswap_entry_cache_free":
            assert cell.state == "empty"
        if step.fn == "xa_erase":
            assert cell.state == ("erased" if step.arg else "empty"), (k, step)
            assert prev.nr_entries - snap.nr_entries == (1 if step.arg else 0)
    # the state of page 3 through the run
    states = [snap.cell(base + 3).state for snap in t.snapshots]
    seen = [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]
    assert seen == ["empty", "storing", "stored", "erased"]


def test_snapshot_after_zs_malloc_shows_length_and_handle(demo_trace):
    """After zs_malloc the in-flight cell shows the compressed length and its zsmalloc handle."""
    t = demo_trace
    base = t.snapshots[0].base_offset
    for k in t.find("zs_malloc", failed=False):
        cell = t.snapshots[k].cell(base + t.steps[k].page)
        assert cell.state == "storing"
        assert (cell.length, cell.handle is not None) == (t.steps[k].arg, True)


def _record_checking_cells(monkeypatch, scenario: Scenario):
    """Run *scenario*, comparing each snapshot's cells with the world just after its step.

    Every ``Snapshotter.take`` is followed by recomputing every cell of the
    window from the world; the differences are kept. Returns (trace,
    [(step number, cell index, snapshot cell, fresh cell)]).
    """
    from zswapviz.snapshot import Snapshotter

    real = Snapshotter.take
    found = []

    def take(self):
        snap = real(self)
        fresh = [self.cell_view(o) for o in range(self.first, self.first + self.count)]
        for i, (got, want) in enumerate(zip(snap.cells, fresh)):
            if got != want:
                found.append((len(found), i, got, want))
        return snap

    monkeypatch.setattr(Snapshotter, "take", take)
    return scenario.run(), found


def test_cell_check_catches_an_untracked_change(monkeypatch):
    """The incremental-cell check fails when a container stops noting its changes."""
    from zswapviz.model.entry import ZswapEntry

    for name in ("length", "handle"):     # an entry that no longer notes these two
        monkeypatch.setattr(ZswapEntry, name, property(lambda e, n=name: getattr(e, "_" + n),
                                                       lambda e, v, n=name: setattr(e, "_" + n, v)))
    _, found = _record_checking_cells(monkeypatch, CELL_CHECK_SCENARIOS["demo-6.18"]())
    assert found and {fresh.state for _, _, _, fresh in found} == {"storing"}


def test_entries_of_one_stored_folio_show_one_state():
    """After a later shrinker pass rotates one entry of a stored folio, all its cells still show the same state."""
    world = World("6.18", Params(), MemCgroup())
    pages = split_pages(make_pages("text", 8))
    a = Folio(world.alloc_swap_slots(4), 2, pages[:4], 0)
    b = Folio(world.alloc_swap_slots(4), 2, pages[4:], 4)
    trace = record(world, [swap_writepage(world, a), swap_writepage(world, b), zswap_writeback_one(world)],
                   (a.offset, 8))
    assert trace.results == ["zswap", "zswap", "rotated"]
    states = [c.state for c in trace.snapshots[-1].cells]
    assert len(set(states[:4])) == 1, states


CELL_CHECK_SCENARIOS = {
    "demo-6.18": lambda: demo("6.18"),
    "demo-6.13": lambda: demo("6.13"),
    "stale-xa-enomem": lambda: Scenario(pages={"kind": "text", "pages": 4}, folio_pages=4, stale=[1, 3],
                                        faults={2: "xa_store_enomem"}),
    "random-6.18": lambda: Scenario(pages={"kind": "random", "pages": 4}, folio_pages=4),
    "random-6.14": lambda: Scenario(pages={"kind": "random", "pages": 4}, folio_pages=4, kernel="6.14"),
    "zeros": lambda: Scenario(pages={"kind": "zeros", "pages": 4}, folio_pages=4),
    "writeback-off": lambda: Scenario(zswap_writeback=False, faults={2: "compress_fail"}),
    "two-folios": lambda: Scenario(pages={"kind": "text", "pages": 8}, folio_pages=4, faults={6: "kmemcache"}),
}


@pytest.mark.parametrize("name", sorted(CELL_CHECK_SCENARIOS))
def test_every_snapshot_matches_the_world_after_its_step(monkeypatch, name):
    """For every step, each snapshot cell's state, referenced bit, LRU bit and pool equal the world's right after it."""
    trace, found = _record_checking_cells(monkeypatch, CELL_CHECK_SCENARIOS[name]())
    assert len(trace) > 0
    wrong = [(step, i, got, fresh) for step, i, got, fresh in found if got != fresh]
    assert wrong == []


def test_snapshots_before_and_after_failure(demo_trace):
    """At the failure pages 0-4 are stored and 5 is storing; after check_old nothing is left in the trees."""
    t = demo_trace
    base = t.snapshots[0].base_offset
    snap = t.snapshots[t.failure_index]
    assert [snap.cell(base + i).state for i in range(16)] == ["stored"] * 5 + ["storing"] + ["empty"] * 10
    assert snap.nr_entries == 5 and snap.lru_len == 5 and snap.stats["stored_pages"] == 5
    last_erase = t.find("xa_erase")[-1]
    after = t.snapshots[last_erase]
    assert after.nr_entries == 0 and after.lru_len == 0 and after.stats["stored_pages"] == 0
    assert [after.cell(base + i).state for i in range(16)] == ["erased"] * 5 + ["empty"] * 11
    assert all(c.state in CELL_STATES for s in t.snapshots for c in s.cells)


def test_snapshots_share_unchanged_chunks():
    """Consecutive snapshots share the PVec chunks (and stats) of what did not change."""
    trace = Scenario(pages={"kind": "text", "pages": 64}, folio_pages=64, compressor="zstd").run()
    assert len(trace.snapshots[0].cells.chunks) == 2
    checked_chunk = checked_whole = 0
    for k in range(1, len(trace)):
        step = trace.steps[k]
        a, b = trace.snapshots[k - 1].cells, trace.snapshots[k].cells
        if step.page is not None and step.page < 32:
            assert b.chunks[1] is a.chunks[1], (k, step)
            checked_chunk += 1
        if step.page is not None and step.page >= 32:
            assert b.chunks[0] is a.chunks[0], (k, step)
        if step.fn in ("count_vm_events", "count_objcg_events", "memcg_list_lru_alloc"):
            assert b is a, (k, step)
            checked_whole += 1
        if step.fn in ("memcg_list_lru_alloc", "zswap_lru_add", "obj_cgroup_get"):
            assert trace.snapshots[k].stats is trace.snapshots[k - 1].stats
    assert checked_chunk > 100 and checked_whole == 3
    # but a changed cell makes a new chunk, leaving the earlier snapshot as it was
    k = trace.find("xa_store")[0]
    assert trace.snapshots[k].cells.chunks[0] is not trace.snapshots[k - 1].cells.chunks[0]
    assert trace.snapshots[k - 1].cell(trace.snapshots[k].base_offset).state == "storing"


# -- lookups, dataframe, text -------------------------------------------------------


def test_failure_and_rollback_indices(demo_trace):
    """failure_index is the failing zs_malloc of page 5; rollback_indices are all rollback steps after it."""
    t = demo_trace
    f = t.failure_index
    step = t.steps[f]
    assert (step.fn, step.page, step.arg, step.phase) == ("zs_malloc", 5, -12, "store")
    assert not any(s.failed for s in t.steps[:f])
    assert t.rollback_indices == [s.index for s in t.steps if s.phase == "rollback"]
    assert all(i > f for i in t.rollback_indices)
    fns = [t.steps[i].fn for i in t.rollback_indices]
    assert fns[:3] == ["zswap_entry_cache_free", "zswap_pool_put", "obj_cgroup_put"]
    assert fns[3:] == ["xa_erase"] * 16
    assert [t.steps[i].page for i in t.rollback_indices[3:]] == list(range(16))


def test_success_has_no_failure_and_no_rollback():
    """A stored folio has no failing step and no rollback step."""
    t = GOLDEN["success-64k"]().run()
    assert t.failure_index is None and t.rollback_indices == []
    assert t.results == ["zswap"]


def test_find_combines_criteria(demo_trace):
    """find() matches on every given criterion at once."""
    t = demo_trace
    assert t.find("xa_store") == [i for i, s in enumerate(t.steps) if s.fn == "xa_store"]
    assert len(t.find("xa_store")) == 5
    assert t.find("xa_erase", phase="rollback") == t.rollback_indices[3:]
    assert t.find(failed=True) == [t.failure_index]
    assert t.find("xa_erase", phase="store") == []


def test_to_dataframe_one_row_per_step(demo_trace):
    """to_dataframe() has one row per step, in order, with the counters after it."""
    df = demo_trace.to_dataframe()
    assert len(df) == len(demo_trace)
    assert list(df["step"]) == list(range(len(demo_trace)))
    assert list(df["fn"]) == [s.fn for s in demo_trace.steps]
    assert list(df["phase"]) == [s.phase for s in demo_trace.steps]
    assert list(df["stored_pages"]) == [snap.stats["stored_pages"] for snap in demo_trace.snapshots]
    assert df["stored_pages"].max() == 5 and df["stored_pages"].iloc[-1] == 0


def test_to_text_one_line_per_step(demo_trace):
    """to_text() has one line per step starting with its index, phase and function."""
    lines = demo_trace.to_text().splitlines()
    assert len(lines) == len(demo_trace)
    for line, step in zip(lines, demo_trace.steps):
        assert line.split()[:3] == [str(step.index), step.phase, step.fn]
        assert step.text and step.text in line


def test_trace_indexing(demo_trace):
    """trace[k] is (steps[k], snapshots[k]); len and iteration agree."""
    t = demo_trace
    assert len(t) == len(t.steps) == len(t.snapshots)
    assert t[7] == (t.steps[7], t.snapshots[7])
    assert all(isinstance(s, Step) and s.index == i for i, s in enumerate(t.steps))
    assert [op for op in {s.actor for s in t.steps}] == ["swap_writepage"]


# -- vocabulary --------------------------------------------------------------------


def _many_traces() -> list[Trace]:
    """Traces that between them reach every operation and branch of the store path."""
    traces = [GOLDEN[name]().run() for name in GOLDEN]
    traces.append(Scenario(pages={"kind": "zeros", "pages": 16}, folio_pages=16).run())
    traces.append(Scenario(pages={"kind": "random", "pages": 4}, folio_pages=4, kernel="6.14").run())
    traces.append(Scenario(pages={"kind": "random", "pages": 4}, folio_pages=4, zswap_writeback=False).run())
    traces.append(Scenario(pages={"kind": "text", "pages": 4}, folio_pages=4, max_pool_percent=0).run())
    traces.append(Scenario(pages={"kind": "text", "pages": 4}, folio_pages=4, zswap_max_pages=0).run())
    traces.append(Scenario(pages={"kind": "text", "pages": 4}, folio_pages=4, enabled=False).run())
    traces.append(Scenario(pages={"kind": "text", "pages": 8}, folio_pages=4, kernel="6.13",
                           faults={1: "kmemcache", 6: "xa_store_enomem"}).run())
    traces.append(Scenario(pages={"kind": "text", "pages": 8}, folio_pages=4, kernel="6.14",
                           faults={1: "compress_fail", 6: "compress_poor"}).run())
    traces.append(Scenario(pages={"kind": "text", "pages": 4}, folio_pages=4, kernel="6.13").run())
    traces.append(Scenario(pages={"kind": "text", "pages": 4}, folio_pages=4,
                           faults={1: "xa_store_enomem"}).run())
    # the other operations, on one world
    world = World("6.18", Params(), MemCgroup())
    pages = split_pages(make_pages("text", 4))
    off = world.alloc_swap_slots(4)
    folio = Folio(off, 2, pages, 0)
    rotate = [zswap_writeback_one(world) for _ in range(4)]
    traces.append(record(world, [swap_writepage(world, folio, Faults()), *rotate], (off, 4)))
    world.swap_cache.add(off)                       # head entry's slot cached: -EEXIST
    traces.append(record(world, [zswap_writeback_one(world)], (off, 4)))
    world.swap_cache.clear()
    ops = [zswap_writeback_one(world), zswap_load(world, off + 1, swapcache=True),
           zswap_load(world, off + 2, swapcache=False), zswap_load(world, off, swapcache=True),
           zswap_invalidate(world, off + 3), zswap_compressor_switch(world, "deflate"),
           zswap_writeback_one(world)]
    traces.append(record(world, ops, (off, 4)))
    world2 = World("6.18", Params(), MemCgroup(zswap_max_pages=0))
    traces.append(record(world2, [zswap_writeback_one(world2)], (1, 1)))
    # 6.12's single page; 6.14's writeback (xa_cmpxchg); the switch: same compressor, then back to a live pool
    traces.append(Scenario(pages={"kind": "text", "pages": 1}, folio_pages=1, kernel="6.12").run())
    world3 = World("6.14", Params(), MemCgroup())
    off3 = world3.alloc_swap_slots(1)
    folio3 = Folio(off3, 0, split_pages(make_pages("text", 1)), 0)
    traces.append(record(world3, [swap_writepage(world3, folio3, Faults()), zswap_writeback_one(world3),
                                  zswap_writeback_one(world3), zswap_compressor_switch(world3, "zstd")], (off3, 1)))
    world4 = World("6.18", Params(), MemCgroup())
    off4 = world4.alloc_swap_slots(1)
    folio4 = Folio(off4, 0, split_pages(make_pages("text", 1)), 0)
    traces.append(record(world4, [swap_writepage(world4, folio4, Faults()), zswap_compressor_switch(world4, "lzo"),
                                  zswap_compressor_switch(world4, "zstd")], (off4, 1)))
    return traces


def test_every_fn_is_a_known_kernel_identifier_and_every_phase_known():
    """Every step names a kernel function from the known list and one of PHASES."""
    fns = set()
    for trace in _many_traces():
        for step in trace.steps:
            assert step.fn in KERNEL_FNS, step
            assert step.phase in PHASES, step
            assert step.text and "{" not in step.text, step
            fns.add(step.fn)
    # the traces reach the whole vocabulary, so the check means something
    assert fns == KERNEL_FNS, sorted(KERNEL_FNS - fns)


def _counted_checks(monkeypatch):
    """Record each run of the world's validators: (steps recorded so far, entries stored then)."""
    from zswapviz.model import validate

    calls = []
    real = validate.check_world

    def counting(world, *args, **kwargs):
        calls.append(max(0, world.stats["stored_pages"]))
        return real(world, *args, **kwargs)

    monkeypatch.setattr(validate, "check_world", counting)
    return calls


def test_world_checks_run_after_every_operation_of_a_small_run(monkeypatch):
    """A teaching-sized run (four 16-page folios) is checked after each of its operations."""
    calls = _counted_checks(monkeypatch)
    trace = Scenario(pages={"kind": "text", "pages": 64}, folio_pages=16).run()
    assert len(calls) == len(trace.results) == 4


def test_world_checks_cost_linear_work_in_a_long_run(monkeypatch):
    """Order-0 folios: the entries the validators walk in all stay within a few per recorded step.

    Checking after each of 600 operations would walk 600 * 601 / 2 = 180,300
    entries for 600 stored pages; the cadence keeps it near
    STEPS_PER_CHECK_DIVISOR entries per step.
    """
    from zswapviz.trace import STEPS_PER_CHECK_DIVISOR

    calls = _counted_checks(monkeypatch)
    trace = Scenario(pages={"kind": "text", "pages": 600}, folio_pages=1).run()
    assert len(trace.results) == 600
    walked = sum(calls)
    assert walked <= STEPS_PER_CHECK_DIVISOR * len(trace) + 600, (walked, len(trace))
    assert walked < 600 * 601 // 2 // 4
    assert calls[-1] == 600  # the last operation is always checked


def test_a_broken_invariant_late_in_a_long_run_still_shows(monkeypatch):
    """6.13's failing folio after many stored ones: its violations reach the final snapshot."""
    faults = {str(16 * 40 + 5): "alloc_fail"}
    trace = Scenario(pages={"kind": "text", "pages": 16 * 41}, folio_pages=16, kernel="6.13",
                     faults=faults).run()
    assert any("validate_stored_pages" in v for v in trace.world.violations)
    assert trace.snapshots[-1].violations
