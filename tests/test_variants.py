"""The review debate, runnable: kernel profiles, reference strategies, interleavings."""

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from zswapviz import Scenario, ledger, load_scenario
from zswapviz.compare import batching_cost, compare_variants
from zswapviz.errors import UsageError
from zswapviz.interleave import Interleaving
from zswapviz.profiles import KERNEL_NAMES, REF_STRATEGIES
from zswapviz.search import COUNTEREXAMPLE_DIR, expected_broken, find_counterexample, variants

ROOT = Path(__file__).resolve().parents[1]


def run(**kw):
    """Record a scenario of 16 text pages (one 64 KiB folio) with *kw* changed."""
    base = dict(pages={"kind": "text", "pages": 16}, folio_pages=16, compressor="zstd")
    base.update(kw)
    return Scenario(**base).run()


def fns(trace, op="swap_writepage"):
    """The kernel functions of one actor's steps, in order."""
    return [s.fn for s in trace.steps if s.actor == op]


# -- kernel profiles ------------------------------------------------------------


def test_profiles_cover_the_issue():
    """Every kernel the issue names exists, oldest first."""
    assert KERNEL_NAMES == ("6.12", "v9", "6.13", "6.14", "6.18", "batch8")


def test_612_refuses_large_folio_before_any_check():
    """6.12 returns false for a large folio first thing: no check_old, stale entries stay, no counters."""
    t = run(kernel="6.12", stale=[3])
    assert fns(t)[:3] == ["swap_writepage", "zswap_store", "folio_test_large"]
    assert "xa_erase" not in fns(t) and "zswap_check_limits" not in fns(t)
    assert t.results == ["disk"]
    world = t.world
    stale_offset = min(o for tree in world.trees.trees for o in tree)
    assert len(world.trees) == 1 and world.trees.xa_load(stale_offset).operation_seq != world.operation_seq
    assert world.stats["pswpout"] == 16 and world.stats["mthp_64kB_swpout"] == 1
    # zswpout 1 is the earlier order-0 store that left the stale entry
    assert world.stats["pool_limit_hit"] == 0 and world.stats["zswpout"] == 1


def test_612_order0_keeps_the_tryget_ref_and_counts_limit_per_page():
    """6.12's single-page store: the entry keeps the tryget ref; pool_limit_hit counts each refused page."""
    t = run(kernel="6.12", folio_pages=1)
    assert t.results == ["zswap"] * 16
    first = fns(t)[: fns(t).index("zswap_lru_add") + 1]
    assert "zswap_pool_get" not in first and first.index("zswap_pool_current_get") < first.index("crypto_acomp_compress")
    assert ledger(t)["pool_refs"] == 16 and not t.world.violations
    full = run(kernel="6.12", folio_pages=1, max_pool_percent=0)
    assert full.world.stats["pool_limit_hit"] == 16 and full.world.stats["pswpout"] == 16


def test_v9_takes_refs_before_compressing_and_drops_its_own_on_failure():
    """v9 takes the pool and objcg refs right after allocating; the failing page drops its pair."""
    t = run(kernel="v9", faults={5: "alloc_fail"})
    page5 = [s.fn for s in t.steps if s.page == 5]
    assert page5[:4] == ["zswap_entry_cache_alloc", "obj_cgroup_get", "zswap_pool_get", "crypto_acomp_compress"]
    assert "zswap_pool_put" in page5 and "obj_cgroup_put" in page5
    led = ledger(t)
    assert led["pool_refs"] == 0 and led["objcg_refs"] == 0
    # ...but the accounting of v9 is 6.13's: charged once at the end, uncharged per entry
    assert led["stored_pages"] == -5 and led["zswap_b"] < 0 and t.world.violations


def test_613_zswapped_counts_one_per_folio():
    """6.13 charges once per folio: memcg zswapped +1 for 16 entries (obj_cgroup_charge_zswap adds 1 per call)."""
    t = run(kernel="6.13")
    assert t.world.memcg.zswapped == 1 and len(t.world.trees) == 16
    assert any("zswapped" in v for v in t.world.violations)
    assert run(kernel="6.14").world.memcg.zswapped == 16


def test_batch8_allocates_in_bulk_and_frees_only_unpublished_entries():
    """batch8 stores 8 pages per batch; an xa_store failure at page 10 frees 10-15 locally, check_old the rest."""
    t = run(kernel="batch8", faults={10: "xa_store_enomem"})
    steps = fns(t)
    assert steps.count("kmem_cache_alloc_bulk") == 2
    free_bulk = [s for s in t.steps if s.fn == "kmem_cache_free_bulk"]
    assert len(free_bulk) == 1 and free_bulk[0].arg == 6
    erased = [s for s in t.steps if s.fn == "xa_erase" and s.arg]
    assert [s.page for s in erased] == list(range(10))
    assert t.results == ["disk"] and not t.world.violations
    # a compression failure inside a batch frees the whole batch before anything is published
    t2 = run(kernel="batch8", faults={12: "compress_fail"}, pages=[{"kind": "text", "pages": 12}, {"kind": "random", "pages": 4}])
    assert t2.results == ["zswap"]  # 6.18 rules: compress_fail with writeback on is stored as is


def test_batching_cost_model():
    """Software compression costs the sum of pages; the accelerator one latency per batch of 8."""
    cost = batching_cost([20.0] * 16, batch_size=8, batch_latency_us=10.0, per_page_overhead_us=1.0)
    assert cost["batches"] == 2
    assert cost["software_us"] == 16 * 21 and cost["accelerator_us"] == 2 * 10 + 16
    assert cost["speedup"] == pytest.approx(336 / 36)
    with pytest.raises(UsageError):
        batching_cost([], batch_size=8)


# -- reference strategies ------------------------------------------------------


@pytest.mark.parametrize("kernel", ["6.14", "6.18"])
@pytest.mark.parametrize("refs,pool_refs,flagged", [
    ("per-page", 0, False),
    ("batch-before", 0, False),
    ("batch-after", -5, True),
    ("batch-before-drop-all", -5, True),
    ("batch-before-drop-none", 11, True),
])
def test_reference_strategies_on_failure_at_page_5(kernel, refs, pool_refs, flagged):
    """Failing at page 5 of 16: batch-before drops n-k, drop-all over-releases k, drop-none leaks n-k."""
    t = run(kernel=kernel, refs=refs, faults={5: "alloc_fail"})
    led = ledger(t)
    assert led["pool_refs"] == pool_refs and led["objcg_refs"] == pool_refs
    assert bool(t.world.violations) is flagged


@pytest.mark.parametrize("refs", list(REF_STRATEGIES))
def test_every_strategy_balances_on_success(refs):
    """Without a failure every strategy ends with one pool and one objcg ref per entry."""
    t = run(kernel="6.18", refs=refs)
    assert ledger(t)["pool_refs"] == 16 == ledger(t)["objcg_refs"] and not t.world.violations


def test_batch_after_publishes_before_taking_refs():
    """batch-after adds entries to the LRU first and takes percpu_ref_get_many(16) at the end."""
    steps = fns(run(kernel="6.18", refs="batch-after"))
    assert "zswap_pool_get" not in steps
    assert steps.index("percpu_ref_get_many") > max(i for i, f in enumerate(steps) if f == "zswap_lru_add")


def test_refs_strategy_refused_for_612_and_v9():
    """6.12 and v9 take their refs their own way: another strategy is a clear error."""
    for kernel in ("6.12", "v9"):
        with pytest.raises(UsageError, match="use per-page"):
            run(kernel=kernel, refs="batch-after")


# -- interleavings ------------------------------------------------------------


def test_realistic_writeback_of_a_locked_folio_fails_with_eexist():
    """In realistic mode the shrinker reaching page 3 mid-store gets -EEXIST: reject_reclaim_fail + 1."""
    t = run(kernel="6.18", refs="batch-after",
            interleave=[{"actor": "writeback", "after_fn": "zswap_lru_add", "after_page": 3}])
    wb = [s for s in t.steps if s.actor == "writeback"]
    assert [s.fn for s in wb] == ["shrink_memcg_cb", "__read_swap_cache_async", "shrink_memcg_cb"]
    assert wb[1].arg == -17 and t.world.stats["reject_reclaim_fail"] == 1
    assert t.results == ["zswap"] and not t.world.violations


def test_naive_writeback_race_is_a_put_without_a_get():
    """In naive mode batch-after's entry 3 is written back before its batched ref: a put without a get."""
    t = run(kernel="6.18", refs="batch-after",
            interleave=[{"actor": "writeback", "after_fn": "zswap_lru_add", "after_page": 3, "mode": "naive"}])
    assert t.world.stats["written_back_pages"] == 1
    assert any("put without a get" in v for v in t.world.violations)


def test_naive_race_with_killed_pool_releases_it_under_the_store():
    """After a compressor switch, the naive race frees the old pool while the store still uses it."""
    t = run(kernel="6.18", refs="batch-after", interleave=[
        {"actor": "compressor_switch", "after_fn": "zswap_pool_current_get"},
        {"actor": "writeback", "after_fn": "zswap_lru_add", "after_page": 3, "mode": "naive"}])
    assert any("ref taken after release" in v for v in t.world.violations)


def test_per_page_survives_naive_writeback_and_compressor_switch():
    """The merged per-page refs hold their ledger even when writeback and a switch interleave naively."""
    t = run(kernel="6.18", interleave=[
        {"actor": "compressor_switch", "after_fn": "zswap_pool_current_get"},
        {"actor": "writeback", "after_fn": "zswap_lru_add", "after_page": 3, "mode": "naive"}])
    assert not t.world.violations and t.world.stats["written_back_pages"] == 1
    assert [p.name for p in t.world.pools] == ["zswap1", "zswap2"]


def test_realistic_invalidation_waits_for_the_swap_cache():
    """A slot of the folio being stored cannot be freed in realistic mode; naive mode frees it."""
    real = run(interleave=[{"actor": "invalidate", "after_fn": "zswap_lru_add", "after_page": 2}])
    assert [s.arg for s in real.steps if s.actor == "invalidate"] == [-17] and not real.world.violations
    naive = run(refs="batch-after", interleave=[{"actor": "invalidate", "after_fn": "zswap_lru_add", "after_page": 2, "mode": "naive"}])
    assert any("put without a get" in v for v in naive.world.violations)


@pytest.mark.parametrize("bad,match", [
    ({"actor": "gremlin"}, "actor"),
    ({"actor": "writeback", "mode": "chaotic", "after_page": 1}, "mode"),
    ({"actor": "writeback"}, "target_page"),
    ({"actor": "writeback", "after_page": -1}, "after_page"),
    ({"actor": "compressor_switch", "compressor": "zip"}, "compressor"),
    ({"actor": "writeback", "after_page": 1, "when": 3}, "unknown field"),
])
def test_bad_interleavings_are_clear_errors(bad, match):
    """A malformed interleaving in a scenario file names what is wrong."""
    with pytest.raises(UsageError, match=match):
        Scenario.from_dict({"folio_size": "16K", "interleave": [bad]})


def test_interleaving_roundtrips_through_a_scenario_file(tmp_path):
    """A scenario with an interleaving saves and loads back to the same trace."""
    s = Scenario(pages={"kind": "text", "pages": 4}, folio_pages=4, refs="batch-after",
                 interleave=[Interleaving("writeback", after_page=1, mode="naive").to_dict()])
    path = tmp_path / "race.json"
    s.save(path)
    again = load_scenario(path)
    assert [st.fn for st in again.run().steps] == [st.fn for st in s.run().steps]


# -- finding the bugs ------------------------------------------------------------


@pytest.mark.parametrize("kernel,refs", variants(), ids=[f"{k}-{r}" for k, r in variants()])
def test_search_finds_exactly_the_broken_variants(kernel, refs):
    """Hypothesis finds a counterexample for every broken variant and none for the correct ones."""
    found = find_counterexample(kernel, refs, max_examples=150)
    assert (found is not None) is expected_broken(kernel, refs), found
    if found is not None:
        assert found.run().world.violations and found.folio_pages <= 2


def test_saved_counterexamples_open_and_still_break():
    """Every file in data/counterexamples/ is a valid scenario whose run breaks a validator."""
    paths = sorted(COUNTEREXAMPLE_DIR.glob("*.json"))
    assert len(paths) == sum(expected_broken(k, r) for k, r in variants())
    for path in paths:
        assert load_scenario(path).run().world.violations, path.name


# -- comparison table and command line ------------------------------------------


def test_compare_variants_table():
    """One row per valid variant; the ok column matches the validators on the demo."""
    df = compare_variants(load_scenario("demo"))
    assert len(df) == len(variants())
    ok = dict(zip(zip(df.kernel, df.refs), df.ok))
    assert ok[("6.14", "per-page")] and ok[("6.18", "batch-before")]
    assert not ok[("6.13", "per-page")] and not ok[("6.18", "batch-after")]
    assert {"stored_pages", "pool_refs", "zswap_b", "violations", "outcome"} <= set(df.columns)


def test_issue_example_on_the_command_line(tmp_path):
    """simulate --kernel 6.13 vs 6.14, 16-page folio failing at page 5 with compress_fail."""
    from zswapviz.pages import make_pages

    pages = tmp_path / "text.bin"
    pages.write_bytes(make_pages("text", 16))
    out = {}
    for kernel in ("6.13", "6.14"):
        r = subprocess.run([sys.executable, "-m", "zswapviz", "simulate", "--pages", str(pages),
                            "--folio-size", "64K", "--kernel", kernel, "--fail", "5:compress_fail", "--json"],
                           capture_output=True, text=True, cwd=ROOT, check=True)
        out[kernel] = json.loads(r.stdout)
    assert out["6.13"]["stored_pages"] == -5 and out["6.13"]["zswap_b"] < 0 and out["6.13"]["violations"]
    assert out["6.14"]["stored_pages"] == 0 and out["6.14"]["zswap_b"] == 0 and out["6.14"]["violations"] == []


def test_unmerged_series_is_labelled_everywhere(tmp_path, capsys):
    """batch8 is called a model of unmerged code in the trace, the text outputs and the report."""
    from zswapviz.cli import main
    from zswapviz.report import export_html

    trace = run(kernel="batch8")
    assert trace.meta["unmerged"] and "unmerged" in trace.meta["kernel_title"]
    assert main(["demo", "--kernel", "batch8"]) == 0
    assert "never merged" in capsys.readouterr().out
    html = export_html(Scenario(kernel="batch8"), tmp_path / "b8.html").read_text()
    assert "never merged" in html
    assert "never merged" not in export_html(Scenario(kernel="6.18"), tmp_path / "618.html").read_text()


def test_builtin_race_scenarios_show_both_sides():
    """race-realistic balances (-EEXIST from the swap cache); race-naive breaks the pool under the store."""
    real = load_scenario("race-realistic").run()
    assert not real.world.violations and real.world.stats["reject_reclaim_fail"] == 1
    naive = load_scenario("race-naive").run()
    assert any("put without a get" in v for v in naive.world.violations)
    assert any("ref taken after release" in v for v in naive.world.violations)
    merged = replace(load_scenario("race-naive"), refs="per-page").run()
    assert not merged.world.violations
