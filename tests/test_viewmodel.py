"""The view model (zswapviz-view/1): decoded again, it equals the recorded trace, step by step."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zswapviz import Scenario, builtin_scenarios
from zswapviz.lessons import load_lesson, snapshot_ledger
from zswapviz.views.viewmodel import (
    FORMAT,
    View,
    _template,
    fill,
    grid_columns,
    lesson_view,
    view_model,
)

BUILTINS = builtin_scenarios()


@pytest.fixture(scope="module")
def runs():
    return {name: s.run() for name, s in BUILTINS.items()}


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_decoded_view_equals_the_trace_at_every_step(name, runs):
    trace = runs[name]
    vm = json.loads(json.dumps(view_model(trace)))  # what the browser gets
    view = View(vm)
    assert vm["format"] == FORMAT and vm["n"] == len(trace)
    for k in range(len(trace)):
        frame = view.frame(k)
        step, snap = trace[k]
        assert frame["sentence"] == step.text
        assert frame["fn"] == step.fn and frame["page"] == step.page and frame["failed"] == step.failed
        ledger = snapshot_ledger(snap)
        assert {key: ledger.get(key, 0) for key in frame["values"]} == frame["values"]
        for i, cell in enumerate(snap.cells):
            shown = frame["cells"][i]
            if cell.state == "erased":
                assert shown in ("erased", "disk", "memory"), (k, i, shown)
            else:
                assert (shown, frame["lengths"][i]) == (cell.state, cell.length or 0), (k, i)
        ok = not snap.violations
        assert frame["badge"]["ok"] == ok
        if not ok:
            assert frame["badge"]["details"] == list(snap.violations)
            assert "\n" not in frame["badge"]["summary"]


@pytest.mark.parametrize("name,where", [("demo", "disk"), ("stale-rollback", "disk"), ("bug-6.13", "disk"),
                                        ("memcg-writeback-off", "memory")])
def test_final_frame_after_a_failed_store_shows_where_each_page_went(name, where, runs):
    trace = runs[name]
    view = View(view_model(trace))
    last = view.frame(len(trace) - 1)
    assert set(last["cells"]) == {where}
    # during the rollback, before the folio went anywhere, the erased slots show as erased
    rb = [i for i in trace.rollback_indices if trace.steps[i].fn == "xa_erase" and trace.steps[i].arg]
    if rb:
        assert "erased" in view.frame(rb[-1])["cells"]
    assert name == "memcg-writeback-off" or rb


def test_jumps_go_to_the_next_mark_after_the_step_and_wrap(runs):
    trace = runs["pool-limit"]
    view = View(view_model(trace))
    marks = view.vm["marks"]
    assert marks["failure"] == trace.find(failed=True)
    for kind in ("failure", "rollback", "end"):
        m = marks[kind]
        if not m:
            assert view.jump(kind, 0) is None
            continue
        assert view.jump(kind, -1) == m[0]
        assert view.jump(kind, m[-1]) == m[0]  # wraps
        if len(m) > 1:
            assert view.jump(kind, m[0]) == m[1]


def test_page_first_is_the_first_step_on_each_page(runs):
    trace = runs["thp-2m"]
    vm = view_model(trace)
    first = vm["marks"]["page_first"]
    for p in (0, 7, 511):
        assert first[p] == min(s.index for s in trace.steps if s.page == p)


def test_size_grows_with_steps_not_pages_times_steps(runs):
    small = runs["success-64k"]
    big = runs["thp-2m"]  # 32 x the pages, 30 x the steps
    per_step = {name: len(json.dumps(view_model(t), separators=(",", ":"))) / len(t)
                for name, t in (("small", small), ("big", big))}
    # a pages x steps matrix would cost 512 cells per step for the 2 MiB folio
    assert per_step["big"] < 80, per_step
    vm = view_model(big)
    assert len(vm["cells"]["changes"]["step"]) < 8 * len(big.snapshots[0].cells)
    assert all(len(v) <= len(big) for v in vm["steps"].values() if isinstance(v, list))


def test_grid_layout_is_one_rule():
    assert grid_columns(16) == 16 and grid_columns(512) == 32
    vm = view_model(Scenario(pages={"kind": "text", "pages": 32}, folio_pages=16).run())
    assert vm["grid"] == {"columns": 16, "rows": 2, "folio_pages": 16}


@given(st.text(max_size=60), st.one_of(st.none(), st.integers(0, 600)), st.one_of(st.none(), st.integers(-30, 5000)))
def test_templated_texts_fill_back_to_the_text(text, page, arg):
    assert fill(_template(text, page, arg), page, arg) == text


def test_templating_keeps_the_table_small(runs):
    vm = view_model(runs["thp-2m"])
    assert len(vm["steps"]["texts"]) < 200 and len(vm["steps"]["calls"]) < 100


def test_lesson_view_has_the_runner_frames_and_a_view_per_trace():
    lesson = load_lesson("accounting-6.13")
    lv = lesson_view(lesson)
    assert lv["frames"] == [list(f) for f in lesson.runner().frames]
    assert set(lv["views"]) == {"" if k is None else k for k in lesson.traces}
    for stop, item in zip(lesson.stops, lv["stops"]):
        assert item["step"] == stop.step < lv["views"][item["variant"]]["n"]
        assert "teacher" not in item
    assert all("teacher" in s for s in lesson_view(lesson, teacher=True)["stops"])


def test_a_trace_without_steps_and_a_wrong_format_are_refused():
    with pytest.raises(ValueError, match="no steps"):
        view_model(type("T", (), {"steps": [], "snapshots": [], "meta": {}})())
    with pytest.raises(ValueError, match="zswapviz-view/1"):
        View({"format": "zswapviz-view/0"})
