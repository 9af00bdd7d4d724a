"""The listings: every step has a line, every line is reached or marked context, diff and text mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zswapviz import listings
from zswapviz.cli import main
from zswapviz.errors import UsageError
from zswapviz.listings import (
    code_lines,
    code_view,
    diff_rows,
    diff_text,
    get_listing,
    listing_json,
    locate,
    reached_lines,
)
from zswapviz.profiles import KERNEL_NAMES, check_refs
from zswapviz.scenario import SCENARIO_DIR, Scenario, builtin_scenarios, load_scenario
from zswapviz.search import _scenarios, variants

ROOT = Path(__file__).resolve().parents[1]
COUNTEREXAMPLES = sorted((ROOT / "data" / "counterexamples").glob("*.json"))


def _builtin_runs():
    """Every built-in scenario under every release (its own refs where that release takes them)."""
    runs = []
    for name in builtin_scenarios():
        for kernel in KERNEL_NAMES:
            s = load_scenario(name)
            s.kernel = kernel
            try:
                check_refs(s.refs, kernel)
            except UsageError:
                s.refs = "per-page"
            runs.append((f"{name}@{kernel}", s.run()))
    return runs


@pytest.fixture(scope="module")
def builtin_runs():
    return _builtin_runs()


def _unmapped(trace) -> list[str]:
    return [f"step {s.index} {getattr(s, 'actor', None) or getattr(s, 'op', '')}/{s.fn}/{s.phase}/{s.arg}"
            for s, hit in zip(trace.steps, code_lines(trace)) if hit is None]


def test_every_builtin_step_has_a_line(builtin_runs):
    """Every step of every built-in scenario, under every release, maps to a line."""
    missing = {name: _unmapped(t)[:3] for name, t in builtin_runs if _unmapped(t)}
    assert not missing, missing


@pytest.mark.parametrize("path", COUNTEREXAMPLES, ids=lambda p: p.stem)
def test_every_counterexample_step_has_a_line(path):
    trace = load_scenario(path).run()
    assert not _unmapped(trace)


def test_every_step_line_is_reached_or_context(builtin_runs):
    """A line that holds steps is reached by a built-in scenario, or marked as context."""
    reached = reached_lines(t for _, t in builtin_runs)
    unreached = []
    for kernel in KERNEL_NAMES:
        for refs in ("per-page", "batch-after", "batch-before", "batch-before-drop-all", "batch-before-drop-none"):
            try:
                listing = get_listing(kernel, refs)
            except UsageError:
                continue
            unreached += [ln.where for f in listing.functions for ln in f.lines
                          if ln.kind == "code" and ln.where not in reached]
    assert not unreached, sorted(set(unreached))


def test_reach_check_catches_a_missing_scenario(builtin_runs):
    """Without the zero-folio scenario, the zeromap line is reached by nothing."""
    reached = reached_lines(t for name, t in builtin_runs if not name.startswith("zero-folio@"))
    zeromap = [ln.where for ln in get_listing("6.18").function("swap_writeout").lines
               if "swap_zeromap_folio_set" in ln.text]
    assert zeromap and zeromap[0] not in reached


def _op_runs(kernel: str, refs: str, data) -> object:
    """A recorded run of random operations after one store: load, invalidate, writeback, switch, shrink."""
    from zswapviz.model.folio import Folio
    from zswapviz.pages import split_pages
    from zswapviz.store import (
        swap_writepage,
        zs_pool_shrink,
        zswap_compressor_switch,
        zswap_invalidate,
        zswap_load,
        zswap_writeback_one,
    )
    from zswapviz.trace import record

    s = Scenario(pages={"kind": data.draw(st.sampled_from(["text", "random", "zeros"])), "pages": 4, "seed": 1},
                 folio_pages=data.draw(st.sampled_from([1, 4])), kernel=kernel, refs=refs,
                 zswap_writeback=data.draw(st.booleans()))
    world = s.world()
    pages = split_pages(s.page_bytes())
    nr = s.folio_pages
    folios = [Folio(world.alloc_swap_slots(nr), (nr - 1).bit_length(), pages[i:i + nr], i)
              for i in range(0, len(pages), nr)]
    first = folios[0].offset
    ops = [swap_writepage(world, f) for f in folios]
    for kind in data.draw(st.lists(st.sampled_from(["load", "load-nocache", "load-large", "invalidate",
                                                    "writeback", "switch", "shrink"]), max_size=8)):
        off = first + data.draw(st.integers(0, 3))
        ops.append({"load": lambda o=off: zswap_load(world, o), "load-nocache": lambda o=off: zswap_load(world, o, False),
                    "load-large": lambda o=off: zswap_load(world, o, True, 4),
                    "invalidate": lambda o=off: zswap_invalidate(world, o), "writeback": lambda: zswap_writeback_one(world),
                    "switch": lambda: zswap_compressor_switch(world, "lz4"), "shrink": lambda: zs_pool_shrink(world)}[kind]())
    return record(world, ops, (first, len(pages)), {"kernel": kernel, "refs": refs}, lambda w, i, r: [])


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_generated_step_has_a_line(data):
    """Hypothesis: the search's scenarios of every variant, and every later operation, map to lines."""
    kernel, refs = data.draw(st.sampled_from(variants()))
    scenario = data.draw(_scenarios(kernel, refs))
    assert not _unmapped(scenario.run())
    assert not _unmapped(_op_runs(kernel, refs, data))


def test_locate_names_the_function_and_line():
    trace = load_scenario("demo").run()
    failing = trace.steps[trace.failure_index]
    fn, line = locate("6.18", failing)
    assert fn == "zswap_compress"
    assert "zs_malloc" in get_listing("6.18").function(fn).lines[line].text
    assert locate("6.18", ("no_such_kernel_function", None, "check", 0)) is None


def test_the_charge_moved_from_6_13_to_6_14():
    """6.13 vs 6.14: the folio-wide charge disappears from zswap_store, a per-page one appears in zswap_store_page."""
    a, b = get_listing("6.13"), get_listing("6.14")
    rows = diff_rows(a, b)
    only_left = [a.function(r["function"]).lines[r["left"]].text for r in rows if r["right"] is None]
    only_right = [b.function(r["function"]).lines[r["right"]].text for r in rows if r["left"] is None]
    assert any("obj_cgroup_charge_zswap(objcg, compressed_bytes)" in t for t in only_left)
    assert any("obj_cgroup_charge_zswap(objcg, entry->length)" in t for t in only_right)
    assert not [r for r in diff_rows(a, a) if not r["same"]]
    text = diff_text("6.13", "6.14")
    assert re.search(r"compressed_bytes\);\s+<", text)


def test_per_page_vs_batch_after_shows_where_the_refs_move():
    rows = diff_rows(get_listing("6.18"), get_listing("6.18", "batch-after"))
    moved = {(r["function"], r["left"] is None) for r in rows if not r["same"]}
    assert ("zswap_store", True) in moved        # get_many appears in zswap_store
    assert ("zswap_store_page", False) in moved  # the per-page gets disappear


def test_listing_json_has_files_links_and_sourced_notes():
    for kernel in KERNEL_NAMES:
        data = listing_json(kernel)
        names = [f["name"] for f in data["functions"]]
        assert "zswap_store" in names and "zswap_compress" in names and "zswap_load" in names
        for f in data["functions"]:
            assert f["file"].startswith("mm/") and f["url"].startswith("https://")
            for ln in f["lines"]:
                assert ln["kind"] in ("code", "context", "label")
                assert (ln["why"] is None) == (ln["source"] is None)
    assert "zswap_store_pages" in [f["name"] for f in listing_json("batch8")["functions"]]
    assert listing_json("v9")["functions"][2]["url"].startswith("https://lore.kernel.org/")
    entry = [f for f in listing_json("6.18")["functions"] if f["name"] == "swap_writeout"]
    assert entry and "v6.18" in entry[0]["url"]


def test_malformed_data_is_refused(tmp_path):
    bad = tmp_path / "bad.lst"
    bad.write_text("@function f mm/zswap.c\n  x;   //@ =fn:maybe\n")
    with pytest.raises(ValueError, match="bad.lst:2"):
        listings._parse(bad)
    bad.write_text("  x;\n")
    with pytest.raises(ValueError, match="before any @function"):
        listings._parse(bad)
    bad.write_text("@function f mm/zswap.c ops=swapin\n")
    with pytest.raises(ValueError, match="unknown operation"):
        listings._parse(bad)


def test_bad_sides_are_usage_errors():
    with pytest.raises(UsageError):
        listings.parse_side("7.0")
    with pytest.raises(UsageError):
        listings.parse_side("v9:batch-after")


def test_code_view_calls_and_executed_lines():
    trace = load_scenario("demo").run()
    view = code_view(trace)
    steps = view["steps"]
    assert len(steps) == len(trace.steps) and all(s[0] >= 0 for s in steps)
    funcs = [f["name"] for f in view["listing"]["functions"]]
    # two pages' zswap_store_page calls are different calls; zswap_store is one call
    page_calls = {steps[k][2] for k, s in enumerate(trace.steps)
                  if funcs[steps[k][0]] == "zswap_store_page"}
    assert len(page_calls) == 6   # pages 0-5: page 5 fails inside its own call
    store_calls = {steps[k][2] for k, s in enumerate(trace.steps) if funcs[steps[k][0]] == "zswap_store"}
    assert len(store_calls) == 1


def test_text_mode_prints_the_line_beside_each_step(capsys):
    trace = load_scenario("demo").run()
    text = trace.to_text(source=True)
    assert len(text.splitlines()) == len(trace.steps)
    assert "zswap_compress: handle = zs_malloc(" in text
    assert main(["demo", "--kernel", "6.13", "--source"]) == 0
    out = capsys.readouterr().out
    assert "zswap_store_page: zswap_pool_get(pool);" in out


def test_diff_command(capsys):
    assert main(["diff", "6.13", "6.14", "--context", "1"]) == 0
    out = capsys.readouterr().out
    assert "obj_cgroup_charge_zswap(objcg, compressed_bytes);" in out
    for argv in (["diff", "6.13"], ["diff", "6.13", "6.99"], ["diff", "v9:batch-after", "6.14"],
                 ["diff", "6.13", "6.14", "--context", "x"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("zswapviz: error:"), (argv, err)


def test_no_machine_paths_or_private_notes_in_the_data():
    for path in Path(listings.__file__).parent.iterdir():
        if path.suffix in (".lst", ".txt", ".py"):
            text = path.read_text()
            assert "/work/" not in text and "kernel-facts" not in text, path.name


def test_scenario_dir_is_the_corpus():
    assert SCENARIO_DIR.is_dir() and list(SCENARIO_DIR.glob("*.json"))


def test_the_view_model_carries_the_runs_listing_and_lines():
    """The view model's code part is the run's own listing (release and refs) and every step's line."""
    from zswapviz.views.viewmodel import view_model

    trace = load_scenario("race-realistic").run()
    vm = view_model(trace)
    assert vm["listings"]["kernel"] == "6.18" and vm["listings"]["refs"] == "batch-after"
    code = vm["code"]
    got = [None if f < 0 else (code["functions"][f], ln) for f, ln in zip(code["fn"], code["line"])]
    assert got == code_lines(trace)
    assert len(code["call"]) == len(trace.steps)


def test_lesson_stops_point_at_their_line():
    from zswapviz.lessons import load_lesson
    from zswapviz.views.viewmodel import lesson_view

    lesson = load_lesson("walkthrough-64k")
    view = lesson_view(lesson)
    for stop, item in zip(lesson.stops, view["stops"]):
        trace = lesson.traces[stop.variant]
        assert tuple(item["line"]) == code_lines(trace)[stop.step]
