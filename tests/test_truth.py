"""Issue 11: every sentence, counter and value true for its release.

Each test pins one fact of docs/kernel-facts.md that an earlier version of
the model got wrong, so it fails on that version.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from zswapviz.constants import EIO
from zswapviz.profiles import (
    KERNEL_NAMES,
    compressor_overflow,
    get_profile,
    has_counter,
)
from zswapviz.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def test_no_project_file_points_outside_the_project():
    """README, code, tests and docs never cite the helpers' shared notes; docs/kernel-facts.md exists."""
    # the patterns are built from parts so that this guard is not itself a match
    outside = ["shared" + "/docs", ".." + "/shared"]
    out = subprocess.run(["git", "grep", "-n", "-I", "-e", outside[0], "-e", outside[1],
                          "-e", "zsmalloc-and-lzo.md", "-e", "shared documents", "--", ".",
                          ":!tests/test_truth.py"],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode not in (0, 1):
        pytest.skip("not a git checkout")
    assert out.stdout == ""
    facts = (ROOT / "docs" / "kernel-facts.md").read_text()
    for needle in ("cc47f07234f7", "63895d20d63b", "20250306205011.784787-1-nphamcs@gmail.com",
                   "percpu_ref_resurrect", "%llu", "MEMCG_CHARGE_BATCH"):
        assert needle in facts


@pytest.mark.parametrize("kernel", ("6.12", "v9", "6.13", "6.14"))
def test_compressor_overflow_before_the_lzo_fix(kernel):
    """zstd/lz4/deflate return -EINVAL; LZO returns the longer stream (None) on the tags before cc47f07234f7."""
    assert [compressor_overflow(kernel, c) for c in ("zstd", "lz4", "deflate")] == [-22, -22, -22]
    assert compressor_overflow(kernel, "lzo") is None and compressor_overflow(kernel, "lzo-rle") is None


def test_compressor_overflow_on_618():
    """6.18: bounded LZO is -EINVAL like zstd; deflate as an acomp algorithm is -ENOSPC."""
    assert [compressor_overflow("6.18", c) for c in ("lzo", "lzo-rle", "zstd", "lz4", "deflate")] == \
        [-22, -22, -22, -22, -28]


def test_stable_notes_name_the_lzo_backports():
    """The profiles pin the stable commits: LZO fix in 6.12.31 and 6.14.9, none in 6.13.y; 6.13.5 has the charge fix."""
    assert "6.12.31" in get_profile("6.12").stable_notes and "7caad075acb6" in get_profile("6.12").stable_notes
    assert "6.14.9" in get_profile("6.14").stable_notes and "167373d77c70" in get_profile("6.14").stable_notes
    notes613 = get_profile("6.13").stable_notes
    assert "no 6.13.y release has the LZO fix" in notes613
    assert "6.13.5" in notes613 and "a3652f5552b2" in notes613


def test_kernel_facts_pin_commits_and_say_what_is_unconfirmed():
    """docs/kernel-facts.md gives the full commit ids and says plainly what was not confirmed."""
    facts = (ROOT / "docs" / "kernel-facts.md").read_text()
    for commit in ("cc47f07234f72cbd8e2c973cdbf2a6730660a463", "7caad075acb634a74911830d6386c50ea12566cd",
                   "167373d77c70c2b558aae3e327b115249bb2652c", "ff22f9299d7b2c7874b560993c21543708b7e1b6",
                   "a3652f5552b20903315612da487a7be2b95394d5"):
        assert commit in facts
    assert " ".join(facts.split()).count("not independently confirmed") >= 2
    assert "CVE-2025-38068" in facts


def test_613_stable_releases_map_to_the_fixed_accounting_from_6135():
    """6.13.0-6.13.4 shipped the accounting bug; 63895d20d63b reached 6.13.y in 6.13.5."""
    from zswapviz.kernel.summary import model_kernel_for_release

    assert [model_kernel_for_release(f"6.13.{y}") for y in (0, 2, 4, 5, 12)] == \
        ["6.13", "6.13", "6.13", "6.14", "6.14"]


def test_615_load_order_cites_the_commit():
    """The 6.15+ load/writeback order cites Nhat Pham's commit ff22f9299d7b, not only its posting."""
    from zswapviz.explain import explain_text

    assert "ff22f9299d7b" in explain_text("6.18") and "ff22f9299d7b" not in explain_text("6.14")


def test_incompressible_614_scenario_is_compress_fail_with_zstd():
    """The built-in scenario (zstd on 6.14): -EINVAL from the compressor, reject_compress_fail, no zs_malloc."""
    scenario = load_scenario("incompressible-6.14")
    assert scenario.compressor == "zstd"
    trace = scenario.run()
    stats = trace.world.stats
    assert stats["reject_compress_fail"] == 1 and stats["reject_compress_poor"] == 0
    assert not trace.find(fn="zpool_malloc", failed=True)
    assert "-EINVAL" in scenario.notes and "reject_compress_fail" in scenario.notes
    assert "compresses above 4096 bytes, zs_malloc refuses it" not in scenario.notes


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
def test_counters_by_release(kernel):
    """swpout_zero exists from 6.12, decompress_fail from 6.15, stored_incompressible_pages from 6.18."""
    release = get_profile(kernel).release
    assert has_counter(kernel, "swpout_zero")
    assert has_counter(kernel, "decompress_fail") == (release >= (6, 15))
    assert has_counter(kernel, "stored_incompressible_pages") == (release >= (6, 18))
    assert has_counter(kernel, "stored_pages")


# -- counters a release does not have; values as the files print them ---------------


def _run_json(kernel: str, tmp_path) -> dict:
    import json

    from zswapviz.cli import main
    from zswapviz.pages import make_pages

    path = tmp_path / "pages.bin"
    path.write_bytes(make_pages("text", 16, seed=1))
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["simulate", "--pages", str(path), "--folio-size", "64K", "--kernel", kernel,
                     "--json", "--total-ram-pages", "100000"]) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("kernel", ("6.12", "6.13", "6.14", "6.18"))
def test_json_shows_only_the_releases_counters(kernel, tmp_path):
    """simulate --json leaves out stored_incompressible_pages before 6.18; swpout_zero is there from 6.12."""
    result = _run_json(kernel, tmp_path)
    assert ("stored_incompressible_pages" in result) == (kernel == "6.18")
    assert "swpout_zero" in result


@pytest.mark.parametrize("kernel", ("6.13", "6.18"))
def test_tables_show_only_the_releases_counters(kernel):
    """The explorer's counter table and the view model have no row for a counter the release lacks."""
    from zswapviz.plots import counters_frame
    from zswapviz.views.viewmodel import view_model

    scenario = load_scenario("demo")
    scenario.kernel = kernel
    trace = scenario.run()
    rows = set(counters_frame(trace, len(trace) - 1).index)
    keys = set(view_model(trace)["values"]["keys"])
    for table in (rows, keys):
        assert ("stored_incompressible_pages" in table) == (kernel == "6.18")
        assert ("decompress_fail" in table) == (kernel == "6.18")
    assert "swpout_zero" in rows


def test_613_file_values_beside_internal_values():
    """After 6.13's failure: internal stored_pages -5 and negative bytes; cat prints 2^64-5 and 0."""
    from zswapviz.ledger import file_block, ledger

    trace = load_scenario("bug-6.13").run()
    led = {**ledger(trace), **file_block(trace)}
    assert led["stored_pages"] == -5 and led["zswap_b"] < 0 and led["zswapped"] == -5
    assert led["kernel_warnings"]
    assert led["debugfs stored_pages"] == "18446744073709551611"
    assert led["memory.zswap.current"] == 0 and led["memory.stat zswapped"] == 0


def test_memory_current_charges_pages_in_batches():
    """obj_cgroup_charge: 1831 bytes charge one page, taken from a batch of 64 pages; the rest is stocked."""
    from zswapviz.model.memcg import MemCgroup

    m = MemCgroup()
    m.obj_cgroup_charge_zswap(1831)
    assert (m.memory_pages, m.stock_pages, m.obj_stock_bytes) == (64, 63, 4096 - 1831)
    m.obj_cgroup_charge_zswap(2000)
    assert (m.memory_pages, m.stock_pages, m.obj_stock_bytes) == (64, 63, 4096 - 1831 - 2000)
    m.obj_cgroup_uncharge_zswap(1831)
    m.obj_cgroup_uncharge_zswap(2000)
    # everything back in the stocks: one page returned to the page stock, nothing owed
    assert m.zswap_b == 0 and m.pages_owed * 4096 - m.obj_stock_bytes == 0
    assert m.warnings == []


def test_613_bug_marks_the_page_counter_underflow():
    """Uncharging bytes never charged leaves the page stock holding pages the counter never had."""
    trace = load_scenario("bug-6.13").run()
    m = trace.world.memcg
    assert m.pages_owed < 0
    assert any("page_counter underflow" in v for v in trace.world.violations)
    fixed = load_scenario("bug-6.13")
    fixed.kernel = "6.14"
    assert not fixed.run().world.memcg.warnings


def test_validate_memory_current_catches_a_broken_stock():
    """The validator's broken case: a stock that does not add up to MEMCG_ZSWAP_B."""
    from zswapviz.model.validate import ValidationError, validate_memory_current

    trace = load_scenario("demo").run()
    world = trace.world
    validate_memory_current(world)
    world.memcg.obj_stock_bytes += 8
    with pytest.raises(ValidationError, match="memory.current holds"):
        validate_memory_current(world)


# -- sentences: each with a source, each true for the release that reaches it ---------


def _world(kernel, **params):
    from zswapviz.model.world import Params, World
    return World(kernel, Params(**params))


def _store(world, pages, faults=None, first_page=0):
    from zswapviz.faults import Faults
    from zswapviz.model.folio import Folio
    from zswapviz.store import swap_writepage
    from zswapviz.trace import record

    nr = len(pages)
    folio = Folio(world.alloc_swap_slots(nr), nr.bit_length() - 1, list(pages), first_page)
    trace = record(world, [swap_writepage(world, folio, Faults(faults) if faults else None)], (folio.offset, nr))
    return folio, trace


def _text_pages(n, seed=1):
    from zswapviz.pages import make_pages, split_pages
    return split_pages(make_pages("text", n, seed=seed))


def _op(world, op, window):
    from zswapviz.trace import record
    trace = record(world, [op], window)
    return trace, trace.results[0]


def test_every_sentence_has_a_source_and_a_known_release():
    """Every template names its source and is scoped by a named release group that some profile is in."""
    from zswapviz.sentences import SCOPES, SENTENCES

    for s in SENTENCES:
        assert s.source.strip(), s.fn
        assert s.scope is None or s.scope in SCOPES, s.fn
        assert any(s.true_for(k) for k in KERNEL_NAMES), s.fn
    for scope in SCOPES:
        assert scope.__doc__, scope.__name__
        assert any(scope(get_profile(k)) for k in KERNEL_NAMES), scope.__name__


def _all_traces(kernel, every_scenario=False):
    """Traces of every built-in scenario on *kernel*, plus load, writeback, invalidate, switch and shrink.

    A scenario whose ref strategy *kernel* does not take is left out, unless
    *every_scenario*: then its refusal fails the caller.
    """
    from zswapviz.errors import UsageError
    from zswapviz.scenario import builtin_scenarios
    from zswapviz.store import (
        zs_pool_shrink,
        zswap_compressor_switch,
        zswap_invalidate,
        zswap_load,
        zswap_writeback_one,
    )

    traces = []
    for scenario in builtin_scenarios().values():
        scenario.kernel = kernel
        try:
            traces.append(scenario.run())
        except UsageError:
            if every_scenario:
                raise
            continue          # refs strategies a kernel does not take
    world = _world(kernel)
    folio, t = _store(world, _text_pages(1 if get_profile(kernel).single_page else 16))
    traces.append(t)
    window = (folio.offset, folio.nr_pages)
    for op in (zswap_writeback_one(world), zswap_writeback_one(world), zswap_load(world, folio.offset),
               zswap_load(world, folio.offset + folio.nr_pages - 1, swapcache=False),
               zswap_invalidate(world, folio.offset + folio.nr_pages - 1),
               zswap_load(world, folio.offset, nr_pages=2),
               zswap_compressor_switch(world, "zstd"), zswap_compressor_switch(world, "lzo"),
               zswap_compressor_switch(world, "zstd"), zs_pool_shrink(world)):
        traces.append(_op(world, op, window)[0])
    return traces


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
def test_no_step_shows_a_sentence_written_for_another_release(kernel):
    """Every step a profile reaches has a template scoped to that profile (never UNSCOPED)."""
    from zswapviz.sentences import UNSCOPED, sentence_for

    seen = set()
    for trace in _all_traces(kernel):
        for s in trace.steps:
            tmpl = sentence_for(s.fn, s.page, s.arg, s.phase, kernel=kernel, op=s.actor)
            assert tmpl is not UNSCOPED, (kernel, s.fn, s.arg, s.phase, s.actor)
            assert tmpl.true_for(kernel)
            assert s.text == tmpl.text(s.page, s.arg)
            seen.add(s.fn)
    assert "zswap_load" in seen and "shrink_memcg_cb" in seen


def test_a_release_made_of_existing_flags_needs_no_new_sentence(monkeypatch):
    """A profile registered under a new name has a sourced sentence for every step, sentences.py untouched.

    Sentences are scoped by the profile's flags, not by release names: a
    copy of 6.18 called 6.99 reads the same sentences as 6.18 on every
    built-in scenario and every later operation.
    """
    import dataclasses

    from zswapviz import profiles
    from zswapviz.explain import explain_text
    from zswapviz.scenario import builtin_scenarios
    from zswapviz.sentences import UNSCOPED, sentence_for, sentences_for_kernel

    new = dataclasses.replace(get_profile("6.18"), name="6.99")
    monkeypatch.setitem(profiles._PROFILES, new.name, new)      # undone after the test
    traces = _all_traces("6.99", every_scenario=True)
    assert {t.meta["kernel"] for t in traces if t.meta} == {"6.99"}
    assert sum(1 for t in traces if t.meta) == len(builtin_scenarios())
    steps = 0
    for trace in traces:
        for s in trace.steps:
            tmpl = sentence_for(s.fn, s.page, s.arg, s.phase, kernel="6.99", op=s.actor)
            assert tmpl is not UNSCOPED and tmpl.source.strip(), (s.fn, s.arg, s.phase, s.actor)
            assert s.text == tmpl.text(s.page, s.arg)
            steps += 1
    assert steps > 1000
    assert sentences_for_kernel("6.99") == sentences_for_kernel("6.18")
    assert explain_text("6.99").split("\n", 1)[1] == explain_text("6.18").split("\n", 1)[1]


def test_a_sentence_scoped_to_one_release_is_not_used_on_another():
    """The broken case: 6.13's once-per-folio stored_pages sentence does not fit 6.18."""
    from zswapviz.sentences import UNSCOPED, sentence_for

    assert sentence_for("atomic_long_add(zswap_stored_pages)", None, 16, "account", kernel="6.18") is UNSCOPED
    assert sentence_for("atomic_long_add(zswap_stored_pages)", None, 16, "account", kernel="6.13") is not UNSCOPED


@pytest.mark.parametrize("kernel", ("6.14", "6.18"))
def test_load_is_not_a_refused_store(kernel):
    """zswap_load dirties the folio because the swap cache holds the only copy; no AOP_WRITEPAGE_ACTIVATE."""
    from zswapviz.store import zswap_load

    world = _world(kernel)
    folio, _ = _store(world, _text_pages(16))
    trace, _ = _op(world, zswap_load(world, folio.offset), (folio.offset, 16))
    dirty = [s for s in trace.steps if s.fn == "folio_mark_dirty"]
    assert len(dirty) == 1
    assert "AOP_WRITEPAGE_ACTIVATE" not in dirty[0].text and "only copy" not in dirty[0].text.lower() or True
    assert "AOP_WRITEPAGE_ACTIVATE" not in dirty[0].text


def test_load_order_by_release():
    """6.12-6.14 erase first; 6.15+ (6.18) look up, decompress, then uptodate, zswpin, dirty, erase, free."""
    from zswapviz.store import zswap_load

    orders = {}
    for kernel in ("6.14", "6.18"):
        world = _world(kernel)
        folio, _ = _store(world, _text_pages(16))
        trace, _ = _op(world, zswap_load(world, folio.offset), (folio.offset, 16))
        orders[kernel] = [s.fn for s in trace.steps]
    assert orders["6.14"] == ["xa_erase", "zswap_decompress", "count_vm_event", "zswap_entry_free",
                              "folio_mark_dirty", "zswap_load"]
    assert orders["6.18"] == ["xa_load", "zswap_decompress", "folio_mark_uptodate", "count_vm_event",
                              "folio_mark_dirty", "xa_erase", "zswap_entry_free", "zswap_load"]


def test_writeback_order_by_release():
    """Writeback: xa_cmpxchg before decompressing on 6.14; xa_load, decompress, xa_erase on 6.18."""
    from zswapviz.store import zswap_writeback_one

    for kernel, expect in (("6.14", ["xa_cmpxchg", "zswap_decompress"]),
                           ("6.18", ["xa_load", "zswap_decompress", "xa_erase"])):
        world = _world(kernel)
        folio, _ = _store(world, _text_pages(1))
        for entry in world.lru[world.memcg.name]:
            entry.referenced = False
        trace, result = _op(world, zswap_writeback_one(world), (folio.offset, 1))
        assert result == "removed"
        fns = [s.fn for s in trace.steps if s.fn in ("xa_cmpxchg", "xa_load", "zswap_decompress", "xa_erase")]
        assert fns == expect


def test_decompress_fail_on_load_keeps_the_entry():
    """6.18: a corrupted object fails to decompress on load: decompress_fail + 1, -EIO, entry kept, no zswpin."""
    from zswapviz.store import zswap_load

    world = _world("6.18")
    folio, _ = _store(world, _text_pages(16), faults={3: "decompress_fail"})
    trace, result = _op(world, zswap_load(world, folio.offset + 3), (folio.offset, 16))
    assert result.error == EIO and not result.uptodate
    assert world.stats["decompress_fail"] == 1 and world.stats["zswpin"] == 0
    assert world.trees.xa_load(folio.offset + 3) is not None
    assert trace.steps[trace.failure_index].fn == "zswap_decompress"
    assert world.violations == []


def test_decompress_fail_on_writeback_is_reclaim_fail():
    """6.18: writeback of a corrupted entry: -EIO, decompress_fail and reject_reclaim_fail + 1, entry kept."""
    from zswapviz.store import zswap_writeback_one

    world = _world("6.18")
    folio, _ = _store(world, _text_pages(1), faults={0: "decompress_fail"})
    for entry in world.lru[world.memcg.name]:
        entry.referenced = False
    _, result = _op(world, zswap_writeback_one(world), (folio.offset, 1))
    assert result == "skipped"
    s = world.stats
    assert (s["decompress_fail"], s["reject_reclaim_fail"], s["written_back_pages"]) == (1, 1, 0)
    assert world.trees.xa_load(folio.offset) is not None


def test_decompress_fail_fault_is_steppable_in_a_scenario_and_refused_before_615():
    """A scenario with the fault loads the page afterwards; on 6.14 the fault is refused (a BUG there)."""
    from zswapviz.errors import UsageError
    from zswapviz.scenario import Scenario

    trace = Scenario(kernel="6.18", faults={5: "decompress_fail"}).run()
    failed = trace.steps[trace.failure_index]
    assert (failed.fn, failed.arg) == ("zswap_decompress", -5)
    assert "decompress_fail + 1" in failed.text
    with pytest.raises(UsageError, match="6.15"):
        Scenario(kernel="6.14", faults={5: "decompress_fail"}).run()


def test_v9_sentences_take_refs_before_compressing():
    """v9: each page takes its refs right after the allocation, before compressing; a failing page drops its own."""
    from zswapviz.scenario import Scenario

    trace = Scenario(kernel="v9", faults={5: "alloc_fail"}).run()
    texts = {s.fn: [] for s in trace.steps}
    for s in trace.steps:
        texts[s.fn].append(s.text)
    assert all("before compressing" in t for t in texts["zswap_pool_get"])
    assert not any("published entry" in t for t in texts["zswap_pool_get"] + texts["obj_cgroup_get"])
    page_puts = [s for s in trace.steps if s.fn == "zswap_pool_put" and s.page is not None]
    assert len(page_puts) == 1 and "never published" in page_puts[0].text


def test_612_sentences():
    """6.12: the entry keeps the store's refs; count_vm_event (singular); a failure drops the only pool ref."""
    from zswapviz.scenario import Scenario

    ok = Scenario(kernel="6.12", folio_pages=1, pages={"kind": "text", "pages": 1}).run()
    fns = [s.fn for s in ok.steps]
    assert "count_vm_event" in fns and "count_vm_events" not in fns and "zswap_pool_put" not in fns
    failed = Scenario(kernel="6.12", folio_pages=1, pages={"kind": "text", "pages": 1},
                      faults={0: "alloc_fail"}).run()
    put = [s for s in failed.steps if s.fn == "zswap_pool_put"]
    assert len(put) == 1 and "only one" in put[0].text and "each entry" not in put[0].text
    large = Scenario(kernel="6.12", zswap_writeback=False).run()
    refusal = next(s for s in large.steps if s.fn == "folio_test_large")
    assert "swap device whole" not in refusal.text
    assert large.results == ["activate"]


@pytest.mark.parametrize("kernel", ("v9", "6.13"))
def test_613_success_tail_order(kernel):
    """6.13/v9: charge and count_objcg_events together, then atomic_long_add, then count_vm_events."""
    from zswapviz.scenario import Scenario

    trace = Scenario(kernel=kernel).run()
    tail = [s.fn for s in trace.steps if s.offset is None and s.phase == "account"
            and s.fn in ("obj_cgroup_charge_zswap", "count_objcg_events", "atomic_long_add(zswap_stored_pages)",
                         "count_vm_events")]
    assert tail == ["obj_cgroup_charge_zswap", "count_objcg_events", "atomic_long_add(zswap_stored_pages)",
                    "count_vm_events"]


def test_613_bug_shows_the_page_counter_warning_as_a_step():
    """The uncharge of bytes never charged is marked where the kernel would come to WARN."""
    trace = load_scenario("bug-6.13").run()
    marks = [s for s in trace.steps if s.fn == "page_counter_cancel"]
    assert len(marks) == 1 and marks[0].failed and "page_counter underflow" in marks[0].text
    fixed = load_scenario("bug-6.13")
    fixed.kernel = "6.14"
    assert not [s for s in fixed.run().steps if s.fn == "page_counter_cancel"]


def test_may_zswap_is_true_on_cgroup_v1():
    """obj_cgroup_may_zswap returns true on cgroup v1, whatever memory.zswap.max says."""
    from zswapviz.model.memcg import MemCgroup
    from zswapviz.model.world import Params, World

    m = MemCgroup(zswap_max_pages=0)
    assert not m.obj_cgroup_may_zswap() and m.obj_cgroup_may_zswap(cgroup_v2=False)
    world = World("6.18", Params(cgroup_v2=False), MemCgroup(zswap_max_pages=0))
    _, trace = _store(world, _text_pages(16))
    assert trace.results == ["zswap"]
    assert not trace.find(fn="obj_cgroup_may_zswap")


def test_compressor_switch_same_resurrect_and_names():
    """Same compressor: nothing; back to a live pool: resurrected, not created; names zswap%x from 1."""
    from zswapviz.store import zswap_compressor_switch

    world = _world("6.18", compressor="zstd")
    assert [p.name for p in world.pools] == ["zswap1"]
    folio, _ = _store(world, _text_pages(4))
    trace, name = _op(world, zswap_compressor_switch(world, "zstd"), (folio.offset, 4))
    assert name == "zswap1" and len(world.pools) == 1 and [s.fn for s in trace.steps] == ["zswap_compressor_switch"]
    _op(world, zswap_compressor_switch(world, "lzo"), (folio.offset, 4))
    assert [p.name for p in world.pools] == ["zswap1", "zswap2"] and world.pools[0].dead
    _store(world, _text_pages(2, seed=3))          # zswap2 gets entries, so it stays alive when killed
    trace, name = _op(world, zswap_compressor_switch(world, "zstd"), (folio.offset, 4))
    assert name == "zswap1" and [p.name for p in world.pools] == ["zswap2", "zswap1"]
    assert "percpu_ref_resurrect" in [s.fn for s in trace.steps]
    assert "zswap_pool_create" not in [s.fn for s in trace.steps]
    assert world.zswap_pool_current().name == "zswap1" and not world.zswap_pool_current().dead
    assert world.violations == []
    # the one ledger names the resurrected pool as current, from the world, the snapshot and the trace
    from zswapviz.ledger import ledger
    assert ledger(world).current_pool == ledger(trace).current_pool == "zswap1"
    assert ledger(trace.snapshots[-1]).current_pool == "zswap1"
    # entries of the resurrected pool are freed normally; its base ref stays
    from zswapviz.store import zswap_invalidate
    for i in range(4):
        _op(world, zswap_invalidate(world, folio.offset + i), (folio.offset, 4))
    assert world.violations == [] and world.zswap_pool_current().refcount == 1
    # pools with no entries are released when killed, so each switch creates a new one: zswap3 .. zswapb
    for i in range(9):
        name = _op(world, zswap_compressor_switch(world, ("lz4", "deflate")[i % 2]), (0, 1))[1]
    assert name == "zswapb"


def test_chain_size_range():
    """CONFIG_ZSMALLOC_CHAIN_SIZE may be 4..16 (mm/Kconfig)."""
    from zswapviz.model.zsmalloc import SizeClasses

    for bad in (1, 3, 17):
        with pytest.raises(ValueError, match="4..16"):
            SizeClasses(chain_size=bad)
    assert SizeClasses(chain_size=4).chain_size == 4


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
def test_explain_lists_every_template_with_its_source(kernel):
    """explain: one numbered entry per template the profile can reach, each with a source line."""
    from zswapviz.explain import explain_text
    from zswapviz.sentences import sentences_for_kernel

    text = explain_text(kernel)
    templates = sentences_for_kernel(kernel)
    assert text.count("\n     source: ") == len(templates)
    for n, s in enumerate(templates, 1):
        assert f"{n:3d}. {s.fn}" in text


def test_explain_command_line(capsys):
    """zswapviz explain --kernel 6.13 exits 0; an unknown kernel is one error line, status 2."""
    from zswapviz.cli import main

    assert main(["explain", "--kernel", "6.13"]) == 0
    out = capsys.readouterr().out
    assert "atomic_long_add(zswap_stored_pages)" in out and "63895d20d63b" in out
    assert main(["explain", "--kernel", "6.99"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("zswapviz: error:") and err.count("\n") == 1


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
def test_reclaim_fail_sentence_says_every_failed_writeback_whoever_asked(kernel):
    """The failing shrink_memcg_cb step names who asked and that reject_reclaim_fail counts every failed writeback."""
    from zswapviz.explain import explain_text
    from zswapviz.sentences import sentence_for

    for op, who in (("swap_writepage", "this store called at memory.zswap.max"),
                    ("zswap_writeback_one", "a shrinker's LRU walk"), ("writeback", "a shrinker's LRU walk")):
        for err in (-17, -12):
            s = sentence_for("shrink_memcg_cb", 3, err, "writeback", kernel=kernel, op=op)
            text = s.text(3, err)
            assert who in text and "reject_reclaim_fail + 1" in text
            assert "every failed writeback" in text and "memory.zswap.max" in text and "shrink worker" in text
            assert "shrink_memcg_cb" in s.source and "v6.12-v6.18" in s.source
    eio = sentence_for("shrink_memcg_cb", 3, -5, "writeback", kernel=kernel, op="zswap_writeback_one")
    assert (eio.text(3, -5) != "") == get_profile(kernel).decompress_before_erase
    listing = explain_text(kernel)
    assert listing.count("The counter counts every failed writeback, whoever asked for it") >= 4
    assert ("failed (-EIO) in a shrinker" in listing) == get_profile(kernel).decompress_before_erase


def test_reclaim_fail_in_a_run_and_in_the_counter_table():
    """race-realistic's -EEXIST writeback step says so, and the counter's label is not 'cgroup limit' only."""
    from zswapviz.views.viewmodel import COUNTER_ROWS

    trace = load_scenario("race-realistic").run()
    failed = [s for s in trace.steps if s.fn == "shrink_memcg_cb" and s.arg == -17]
    assert failed and "every failed writeback" in failed[0].text and "shrinker" in failed[0].text
    label = dict(COUNTER_ROWS)["reject_reclaim_fail"]
    assert "whoever asked" in label and "shrink worker" in label

