"""The one ledger: every consumer of every built-in scenario reads the same numbers.

Each built-in scenario (``data/scenarios/``) is run once; its final ledger
(:func:`zswapviz.ledger.ledger`) is then compared with what each consumer
shows at the end: the per-step ledger of lessons, the plots' series and
counters table, the trace's dataframe, the variant comparison, and (for
the scenarios the bulk path can run) ``simulate``'s totals.
"""

from __future__ import annotations

import pickle

import pytest

from zswapviz import Faults, Scenario, builtin_scenarios
from zswapviz import ledger as package_ledger
from zswapviz.ledger import OLD_NAMES, Ledger, ledger
from zswapviz.scenario import SCENARIO_DIR

NAMES = sorted(p.stem for p in SCENARIO_DIR.glob("*.json"))
#: The numeric fields every consumer shows.
NUMBERS = ("stored_pages", "entries_in_trees", "pool_refs", "objcg_refs", "zswap_b", "zswapped",
           "pool_total_size", "zswpout", "pswpout", "lru_len")


@pytest.fixture(scope="module")
def runs():
    """Each built-in scenario and its recorded trace."""
    return {name: (s, s.run()) for name, s in builtin_scenarios().items()}


def test_every_builtin_scenario_is_covered(runs):
    """The comparison below runs over every file in data/scenarios/."""
    assert sorted(runs) == NAMES and len(NAMES) >= 10


@pytest.mark.parametrize("name", NAMES)
def test_world_trace_and_last_snapshot_give_one_ledger(runs, name):
    """ledger() of the final world, of the trace and of its last snapshot are equal."""
    _, trace = runs[name]
    final = ledger(trace)
    assert isinstance(final, Ledger)
    assert ledger(trace.world) == final
    assert ledger(trace.snapshots[-1]) == final
    assert package_ledger(trace) == final


@pytest.mark.parametrize("name", NAMES)
def test_every_consumer_reads_the_same_ledger(runs, name):
    """Lessons, plots, the counters table, the dataframe and compare_variants end on the final ledger."""
    from zswapviz.compare import compare_variants
    from zswapviz.lessons import snapshot_ledger
    from zswapviz.plots import counters_frame, ledger_series

    scenario, trace = runs[name]
    final = ledger(trace)
    last = len(trace) - 1
    at_end = snapshot_ledger(trace.snapshots[-1])
    series = ledger_series(trace)
    table = counters_frame(trace, last)["value"]
    frame = trace.to_dataframe().iloc[-1]
    row = compare_variants(scenario, kernels=[scenario.kernel], refs=[scenario.refs]).iloc[0]
    for key in NUMBERS:
        want = final[key]
        assert at_end[key] == want, ("lessons", key)
        assert row[key] == want, ("compare", key)
        if key in series:
            assert series[key][-1] == want, ("ledger_series", key)
        if key in table.index:
            assert table[key] == want, ("counters_frame", key)
        if key in frame.index:
            assert frame[key] == want, ("to_dataframe", key)
    # the consumers show the refs and the charge at least
    assert {"pool_refs", "objcg_refs", "zswap_b"} <= set(series) & set(table.index) & set(frame.index)


def _beyond_simulate(scenario: Scenario) -> list[str]:
    """What of *scenario* the bulk path cannot run: it swaps out plain folios only."""
    return [what for what, has in (
        ("stale entries", scenario.stale), ("other actors", scenario.interleave),
        ("zswap disabled", not scenario.enabled), ("memory.zswap.max", scenario.zswap_max_pages is not None),
        ("memory.zswap.writeback 0", not scenario.zswap_writeback)) if has]


#: The built-in scenarios simulate can run (chosen when the tests are collected).
SIMULATED = sorted(name for name, s in builtin_scenarios().items() if not _beyond_simulate(s))


def test_simulate_leaves_out_only_what_it_cannot_run():
    """The scenarios left out of the simulate comparison are exactly these four, each for a named reason.

    A new built-in scenario is compared with simulate unless it uses a
    feature simulate lacks; then it must be added here, not drop out unseen.
    """
    left_out = {name: _beyond_simulate(s) for name, s in builtin_scenarios().items() if name not in SIMULATED}
    assert left_out == {"memcg-writeback-off": ["memory.zswap.max", "memory.zswap.writeback 0"],
                        "race-naive": ["other actors"], "race-realistic": ["other actors"],
                        "stale-rollback": ["stale entries"]}
    assert len(SIMULATED) + len(left_out) == len(NAMES)


@pytest.mark.parametrize("name", SIMULATED)
def test_simulate_gives_the_scenarios_ledger(runs, name):
    """The bulk path's totals equal the recorded run's ledger, for every scenario the bulk path can run."""
    from zswapviz.simulate import simulate

    scenario, trace = runs[name]
    out = simulate(scenario.page_bytes(), scenario.folio_pages, kernel=scenario.kernel, refs=scenario.refs,
                   compressor=scenario.compressor, max_pool_percent=scenario.max_pool_percent,
                   accept_threshold_percent=scenario.accept_threshold_percent,
                   total_ram_pages=scenario.total_ram_pages, root_cgroup=scenario.root_cgroup,
                   faults=Faults(scenario.faults) if scenario.faults else None)
    final = ledger(trace)
    for key in ("stored_pages", "pool_refs", "objcg_refs", "zswap_b", "pool_total_size", "zswpout", "pswpout"):
        assert out[key] == final[key], key


def test_refs_leave_out_the_base_references():
    """After a 16-page store, pool_refs and objcg_refs are 16 (the entries'), not 17, everywhere."""
    trace = Scenario().run()
    final = ledger(trace)
    assert (final.stored_pages, final.pool_refs, final.objcg_refs) == (16, 16, 16)
    frame = trace.to_dataframe()
    assert frame["pool_refs"].iloc[-1] == 16 and frame["objcg_refs"].iloc[-1] == 16
    # during the store the store's own tryget ref shows on top of the entries'
    assert frame["pool_refs"].max() == 17


def test_a_killed_pool_has_no_base_ref_to_leave_out():
    """A switch during a store: the killed pool's entries all count, the new current pool adds nothing."""
    s = Scenario.from_dict({"pages": {"kind": "text", "pages": 4}, "folio_pages": 4,
                            "interleave": [{"actor": "compressor_switch", "after_fn": "zswap_pool_current_get"}]})
    final = ledger(s.run())
    assert final.pool_refs == final.stored_pages == 4
    assert final.current_pool == "zswap2"  # pools are named zswap%x from 1: the first is zswap1


def test_ledger_reads_like_the_old_dict():
    """Old key names still read, a ledger is a read-only dict and survives pickling."""
    led = ledger(Scenario(faults={5: "alloc_fail"}).run())
    for old, new in OLD_NAMES.items():
        assert led[old] == led[new] == getattr(led, new)
    assert led["reject_alloc_fail"] == 1 and "reject_alloc_fail" in led
    assert list(led)[:3] == ["stored_pages", "entries_in_trees", "pool_refs"]
    with pytest.raises(TypeError):
        led["pool_refs"] = 3
    assert pickle.loads(pickle.dumps(led)) == led
