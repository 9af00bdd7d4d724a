"""The explorer widgets driven without a browser: the values, the synced step, the view model they send.

The browser renderer is tested in tests/test_browser_player.py (the page
against the view model) and tests/test_browser_lab.py (JupyterLab). Here the
front end is stood in for the way it talks to Python: by setting the synced
traitlets ``step``, ``lesson_frame`` and ``row`` as a click in the page does.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import ipywidgets as W
import pytest

from zswapviz import Scenario, builtin_scenarios
from zswapviz.compress import COMPRESSOR_NAMES
from zswapviz.errors import UsageError
from zswapviz.faults import ALL_FAULT_KINDS
from zswapviz.profiles import KERNEL_NAMES, REF_STRATEGIES
from zswapviz.views.frames import View
from zswapviz.views.viewmodel import view_model
from zswapviz.widgets import (
    Explorer,
    KernelPanel,
    SideBySide,
    align,
    folio_size_label,
    page_files,
    status_of,
)


@pytest.fixture
def demo():
    return Explorer("demo")


@pytest.fixture
def count_runs(monkeypatch):
    """Count Scenario.run calls."""
    calls = []
    real = Scenario.run

    def run(self):
        calls.append(self)
        return real(self)

    monkeypatch.setattr(Scenario, "run", run)
    return calls


def test_the_view_model_is_sent_once_per_run_and_stepping_never_runs(demo, count_runs):
    """The page gets the run's view model once; steps the page reports (clicks, slider, play) only move the step."""
    trace, sent = demo.trace, demo.player.view
    assert json.loads(sent) == json.loads(json.dumps(view_model(trace)))
    for k in (1, 2, 1, 20, 30, len(trace) - 1):
        demo.player.step = k  # what the page sends when the class clicks or drags
        assert demo.step == k
    demo.player.step = 10_000
    assert demo.step == len(trace) - 1
    assert count_runs == [] and demo.trace is trace and demo.player.view is sent


def test_python_moves_the_page(demo):
    """go, forward, back and the jumps set the synced step the page shows."""
    demo.go(7)
    assert demo.player.step == 7
    demo.forward()
    demo.back()
    demo.back()
    assert demo.step == demo.player.step == 6
    demo.go(-5)
    assert demo.player.step == 0


def test_changing_a_value_runs_the_scenario_once_and_sends_a_new_view(demo, count_runs):
    """A scenario control's change runs Scenario.run exactly once and sends the new run's view model."""
    before = demo.player.view
    demo.controls["kernel"].value = "6.13"
    assert len(count_runs) == 1
    assert demo.trace.meta["kernel"] == "6.13" and demo.params["kernel"] == "6.13"
    assert demo.player.view != before and json.loads(demo.player.view)["meta"]["kernel"] == "6.13"
    assert demo.set(fault_kind="none")
    assert len(count_runs) == 2 and demo.trace.failure_index is None


def test_set_keeps_values_apart_from_widgets(demo):
    """set() changes the plain values and the controls follow; unknown value names are a programming error."""
    assert demo.set(folio_pages=32, kernel="6.14")
    assert demo.controls["folio_pages"].value == 32 and demo.controls["kernel"].value == "6.14"
    assert demo.trace.meta["folio_pages"] == 32
    with pytest.raises(TypeError):
        demo.set(colour="red")


def test_jumps_go_to_the_next_mark_and_wrap(demo):
    """to failure, to rollback, next page, go_page and to end land on the steps the view model marks."""
    trace = demo.trace
    assert demo.to_failure() and demo.step == trace.failure_index and trace.steps[demo.step].failed
    assert demo.to_failure() and demo.step == trace.failure_index  # one failure: wraps to itself
    assert demo.to_rollback() and demo.step == trace.rollback_indices[0]
    demo.go(0)
    demo.next_page()
    assert trace.steps[demo.step].page == 0
    demo.next_page()
    assert trace.steps[demo.step].page == 1 and trace.steps[demo.step - 1].page == 0
    assert demo.go_page(9) and demo.step == min(s.index for s in trace.steps if s.page == 9)
    assert demo.go_page(16) is False and "pages 0 to 15" in demo.message
    demo.to_end()
    assert demo.step == len(trace) - 1


def test_jumps_report_false_without_a_failure():
    """A run without a failure has no failure or rollback marks, and the jumps report False."""
    ex = Explorer("success-64k")
    vm = json.loads(ex.player.view)
    assert vm["marks"]["failure"] == [] and vm["marks"]["rollback"] == []
    assert ex.to_failure() is False and ex.to_rollback() is False
    assert ex.set(fault_kind="kmemcache", fault_page=3)
    assert json.loads(ex.player.view)["marks"]["failure"]


@pytest.mark.parametrize("values, words", [
    ({"fault_page": 99}, "page 99 is out of range"),
    ({"stale": "3, x"}, "field 'stale' must be a list of page numbers"),
    ({"stale": [40]}, "page 40 is out of range"),
    ({"max_pool_percent": 150}, "from 0 to 100"),
    ({"accept_threshold_percent": -1}, "from 0 to 100"),
    ({"total_ram_pages": 0}, "field 'total_ram_pages'"),
    ({"zswap_max_pages": "lots"}, "field 'zswap_max_pages'"),
    ({"folios": 0}, "page count must be a whole number"),
    ({"folio_pages": 3}, "field 'folio_pages'"),
    ({"folio_pages": 512, "folios": 256}, "page count must be a whole number from 1 to"),
    ({"kernel": "2.6"}, "no kernel '2.6'"),
    ({"contents": "file:nothing.bin"}, "does not exist"),
])
def test_invalid_values_show_one_sentence_and_keep_the_last_run(demo, values, words):
    """An invalid value shows the one validator's plain sentence (no traceback); the last good run stays."""
    trace, step, sent = demo.trace, demo.step, demo.player.view
    assert demo.set(**values) is False
    assert words in demo.message
    assert "\n" not in demo.message and "Traceback" not in demo.message and demo.message.endswith(".")
    assert html.escape(demo.message) in demo.message_html.value
    assert demo.trace is trace and demo.step == step and demo.player.view is sent


def test_the_form_validates_through_scenario_from_dict(demo, monkeypatch):
    """The form has no range checks of its own: every value goes through Scenario.from_dict."""
    seen = []
    real = Scenario.from_dict.__func__

    def spy(cls, data, where="scenario"):
        seen.append(data)
        return real(cls, data, where)

    monkeypatch.setattr(Scenario, "from_dict", classmethod(spy))
    assert demo.set(max_pool_percent=150) is False
    assert seen and seen[-1]["max_pool_percent"] == 150
    assert demo.set(max_pool_percent=30)
    assert seen[-1]["max_pool_percent"] == 30 and demo.scenario.max_pool_percent == 30


def test_invalid_widget_value_then_valid_one_recovers(demo):
    """Typing a fault page past the folio shows the sentence; a valid page clears it and runs."""
    demo.controls["fault_page"].value = 16
    assert "out of range" in demo.message_html.value
    demo.controls["fault_page"].value = 2
    assert demo.message == "" and demo.message_html.value == ""
    assert demo.trace.steps[demo.trace.failure_index].page == 2


def test_unexpected_error_in_a_run_is_one_sentence(demo, monkeypatch):
    """An unexpected exception during a run shows as one sentence; the exception is kept for developers."""
    def boom(self):
        raise RuntimeError("kaput\nsecond line")

    monkeypatch.setattr(Scenario, "run", boom)
    assert demo.set(kernel="6.14") is False
    assert demo.message == "The run failed: RuntimeError: kaput."
    assert isinstance(demo.last_error, RuntimeError)


def test_callback_errors_never_escape_as_tracebacks(demo, monkeypatch):
    """An error inside a control's callback (a real change of the control) shows as a sentence instead of raising."""
    def broken():
        raise ValueError("no such form")

    monkeypatch.setattr(demo.form, "build", broken)
    demo.controls["kernel"].value = "6.13"  # the widget machinery calls the observer
    assert "That did not work: ValueError: no such form" in demo.message
    assert isinstance(demo.last_error, ValueError)


def test_a_bad_step_from_the_page_is_one_sentence(demo, monkeypatch):
    """A failure while following the page's step shows one sentence, never a traceback into the comm."""
    monkeypatch.setattr(type(demo), "trace", property(lambda self: (_ for _ in ()).throw(KeyError("gone"))), raising=False)
    demo.player.step = 3
    assert "That did not work: KeyError" in demo.message


def test_big_runs_show_running_while_recording(demo, monkeypatch):
    """While a 2 MiB folio records, the message area says running..., and it is cleared afterwards."""
    seen = []
    real = Scenario.run

    def run(self):
        seen.append(demo.message_html.value)
        return real(self)

    monkeypatch.setattr(Scenario, "run", run)
    assert demo.set(folio_pages=512, fault_page=300)
    assert "running" in seen[0] and "big run" in seen[0]
    assert demo.message_html.value == ""
    assert demo.trace.meta["folio_pages"] == 512


def test_badge_is_ok_or_names_the_broken_invariant_on_one_line():
    """The badge is ok while the validators are silent; at 6.13's end it names the broken invariants on one line, details apart."""
    ex = Explorer("bug-6.13")
    ex.go(0)
    assert ex.status[0] and ex.badge["ok"]
    ex.to_end()
    ok, text = ex.status
    assert not ok and "validate_stored_pages" in text and "validate_charge" in text
    badge = ex.badge
    assert not badge["ok"] and "\n" not in badge["summary"] and "validate_charge" in badge["summary"]
    assert badge["details"] == list(ex.trace.snapshots[-1].violations)
    assert status_of(ex.trace.snapshots[-1]) == ex.status


def test_sentence_and_counters_follow_the_step(demo):
    """The step sentence and the counters show the current step's function, sentence and values."""
    trace = demo.trace
    demo.player.step = trace.failure_index
    step, snap = trace[demo.step]
    assert step.fn in demo.sentence and step.text in demo.sentence
    assert demo.counters.loc["stored_pages", "value"] == snap.stats["stored_pages"]
    assert demo.frame["sentence"] == step.text and demo.frame["step"] == demo.step


def test_save_figure_draws_the_current_step_with_matplotlib(demo, tmp_path):
    """Save figure writes the current step as PNG or SVG by the name's suffix; another suffix is one sentence."""
    demo.to_failure()
    out = demo.save_figure(tmp_path / "step.png")
    assert out.read_bytes().startswith(b"\x89PNG") and demo.saved == (out, out.stat().st_size)
    assert f"step {demo.step}" in demo.export_message
    demo.figure_name.value = str(tmp_path / "step.svg")
    demo.figure_button.click()
    assert (tmp_path / "step.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    with pytest.raises(UsageError, match="must end in .png, .svg or .pdf"):
        demo.save_figure(tmp_path / "step.bmp")
    assert not (tmp_path / "step.bmp").exists()


def test_choices_are_read_from_the_core():
    """Kernel, refs, compressor, fault and page-content choices come from the core's lists."""
    ex = Explorer()
    c = ex.controls
    assert tuple(c["kernel"].options) == tuple(KERNEL_NAMES)
    assert tuple(c["refs"].options) == tuple(REF_STRATEGIES)
    assert tuple(c["compressor"].options) == tuple(COMPRESSOR_NAMES)
    assert tuple(c["fault_kind"].options) == ("none", *ALL_FAULT_KINDS)
    assert {"zeros", "text", "random", "mixed", "ramp"} <= set(c["contents"].options)
    assert [v for _, v in c["folio_pages"].options] == [1 << o for o in range(10)]
    assert folio_size_label(1) == "4 KiB (1 page)"


def test_every_kernel_and_reference_strategy_runs():
    """Every kernel profile and reference strategy the core lists runs in the explorer without a message."""
    ex = Explorer()
    for kernel in KERNEL_NAMES:
        assert ex.set(kernel=kernel, fault_kind="alloc_fail", fault_page=3), ex.message
    for refs in REF_STRATEGIES:
        assert ex.set(refs=refs), ex.message


def test_builtin_scenario_loads_its_values(demo):
    """Choosing a built-in scenario loads its values into the controls and runs it."""
    demo.controls["scenario"].value = "stale-rollback"
    s = builtin_scenarios()["stale-rollback"]
    assert demo.params["stale"] == s.stale and demo.controls["stale"].value == "2, 9, 12"
    assert demo.params["fault_kind"] == "compress_fail" and demo.params["fault_page"] == 6
    assert demo.trace.meta["title"] == s.title
    demo.set(kernel="6.18")
    assert demo.trace.meta["title"] != s.title


def test_scenario_with_page_mix_keeps_its_pages():
    """A scenario whose pages are a list of recipes is explored with those pages, and a folio size they do not fill is refused."""
    ex = Explorer("incompressible-6.14")
    assert ex.params["contents"] == "scenario"
    assert ex.trace.failure_index is not None
    assert ex.set(folio_pages=32) is False
    assert "16 pages do not fill whole folios of 32 pages" in ex.message
    assert ex.set(folio_pages=16) and ex.message == ""


def test_page_file_from_the_data_directory(tmp_path):
    """Page files in the data directory are offered and explored; one too short for the folio is refused in a sentence."""
    from zswapviz.pages import make_pages

    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "heap.bin").write_bytes(make_pages("mixed", 32))
    (tmp_path / "notes.json").write_text("{}")
    assert page_files(tmp_path) == ["pages/heap.bin"]
    ex = Explorer(data_dir=tmp_path)
    assert "file:pages/heap.bin" in ex.controls["contents"].options
    assert ex.set(contents="file:pages/heap.bin", folio_pages=16, folios=2)
    assert ex.trace.meta["folios"] == 2
    assert ex.set(folio_pages=64) is False and "has 32 page(s)" in ex.message


def test_realfiles_page_file_is_offered():
    """The project's compressed page file of real files is offered and runs."""
    files = page_files()
    xz = [f for f in files if f.endswith(".pages.xz")]
    if not xz:
        pytest.fail(f"no *.pages.xz page file found under data/: {files}")
    ex = Explorer()
    assert ex.set(contents=f"file:{xz[0]}", folio_pages=16), ex.message


def test_side_by_side_aligns_by_kernel_event():
    """Rows pair the same kernel event; where 6.14 counts per page and 6.13 does not, a plain note names the step."""
    sb = SideBySide("bug-6.13", {"kernel": "6.13"}, {"kernel": "6.14"})
    left, right = sb.sides
    for i, j in sb.rows:
        if i >= 0 and j >= 0:
            a, b = left.trace.steps[i], right.trace.steps[j]
            assert (a.operation_index, a.fn, a.page) == (b.operation_index, b.fn, b.page)
    assert [i for i, _ in sb.rows if i >= 0] == list(range(len(left.trace)))
    assert [j for _, j in sb.rows if j >= 0] == list(range(len(right.trace)))
    gaps = [r for r, (i, j) in enumerate(sb.rows) if i < 0]
    assert gaps and all(right.trace.steps[sb.rows[r][1]].fn in ("obj_cgroup_charge_zswap",
                                                                "atomic_long_inc(zswap_stored_pages)") for r in gaps)
    sb.go(gaps[0])
    assert sb.note.startswith("Only 6.14 has this step (obj_cgroup_charge_zswap(page 0)") and not sb.aligned
    df = sb.counters
    assert not df["differs"].any() and not df["compared"].any()


def test_side_by_side_to_failure_puts_both_sides_on_the_same_event():
    """After 'to failure' both sides are at the same kernel event, and the counters compare only there."""
    sb = SideBySide("bug-6.13", {"kernel": "6.13"}, {"kernel": "6.14"})
    assert sb.to_failure()
    (i, j), (a, b) = sb.rows[sb.row], sb.steps
    left, right = sb.sides
    assert (i, j) == (a, b) and left.trace.steps[a].failed and right.trace.steps[b].failed
    assert left.trace.steps[a].fn == right.trace.steps[b].fn and left.trace.steps[a].page == right.trace.steps[b].page
    assert sb.aligned and sb.counters.loc["stored_pages", "differs"]
    sb.pair.row = len(sb.rows) - 1  # the page's slider at its end
    assert sb.steps == (len(left.trace) - 1, len(right.trace) - 1) and left.step == len(left.trace) - 1


def test_side_by_side_per_page_and_batch_after():
    """per-page against batch-after: the end differs in pool_refs, and each side's own badge."""
    sb = SideBySide("demo", {"refs": "per-page"}, {"refs": "batch-after"})
    left, right = sb.sides
    assert left.trace.meta["refs"] == "per-page" and right.trace.meta["refs"] == "batch-after"
    sb.to_end()
    df = sb.counters
    assert sb.labels == ("per-page", "batch-after")
    assert df.loc["pool_refs", "batch-after"] == -5 and df.loc["pool_refs", "per-page"] == 0
    assert df.loc["pool_refs", "differs"] and not df.loc["pswpout", "differs"]
    assert not right.status[0] and left.status[0]
    data = json.loads(sb.pair.pair)
    assert data["rows"] == [list(r) for r in align(left.trace, right.trace)]
    assert isinstance(sb.widget, W.VBox)


def test_side_by_side_set_reruns_both():
    sb = SideBySide("demo", {"kernel": "6.13"}, {"kernel": "6.14"})
    assert sb.set(fault_page=2)
    assert all(s.trace.steps[s.trace.failure_index].page == 2 for s in sb.sides)


def test_bad_variant_is_refused():
    """A variant with an unknown kernel raises UsageError with the plain sentence."""
    with pytest.raises(UsageError, match="no kernel"):
        SideBySide("demo", {"kernel": "9.99"}, {})


def test_explorer_displays_as_a_widget(demo):
    """The explorer shows as its widget box, with the player widget in it."""
    bundle = demo._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert demo.widget.model_id == bundle["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert "zswapviz-explorer" in demo.widget._dom_classes and demo.player in demo.widget.children
    assert "createPlayer" in demo.player._esm and "drawCodePane" in demo.player._esm


# -- Export HTML -------------------------------------------------------------------


def test_export_html_writes_the_report_of_the_run_shown(demo, tmp_path, monkeypatch):
    """export_html passes the explorer's current trace to the report and returns the path, with its size in the message."""
    from zswapviz import report

    seen = []
    real = report.export_html

    def spy(source, path, **kw):
        seen.append(source)
        return real(source, path, **kw)

    monkeypatch.setattr(report, "export_html", spy)
    assert demo.set(kernel="6.14")
    out = demo.export_html(tmp_path / "run.html")
    assert seen == [demo.trace] and out == tmp_path / "run.html"
    data = out.read_bytes()
    assert data.startswith(b"<!DOCTYPE html") and html.escape(demo.trace.meta["title"]).encode() in data
    assert demo.exported == (out, len(data))
    assert demo.export_message == f"Wrote {out.resolve()} ({len(data) / 1024:.1f} KiB)."
    assert "zswapviz-export-ok" in demo.export_status.value and str(out) in demo.export_status.value


@pytest.mark.parametrize("where, words", [
    ("missing/report.html", "the folder"),
    (".", "it is a folder"),
    ("", "Give a file name"),
])
def test_export_errors_are_a_usage_error_in_python_and_a_sentence_under_the_button(demo, tmp_path, where, words):
    """An unwritable report path raises UsageError from Python and shows the same one sentence when the button is pressed."""
    path = str(tmp_path / where) if where else ""
    with pytest.raises(UsageError, match=words) as info:
        demo.export_html(path)
    sentence = str(info.value)
    assert sentence.endswith(".") and sentence[0].isupper() and "\n" not in sentence
    demo.export_status.value = ""
    demo.export_name.value = path
    demo.export_button.click()
    assert demo.export_message == sentence
    assert "zswapviz-export-failed" in demo.export_status.value and html.escape(sentence) in demo.export_status.value
    assert demo.exported is None and demo.message == "" and list(tmp_path.iterdir()) == []


def test_export_button_writes_the_file_named(demo, tmp_path, monkeypatch):
    """The Export HTML button writes the file typed in its text box (relative to the working folder) and says where."""
    monkeypatch.chdir(tmp_path)
    assert demo.export_name.value == "zswapviz-report.html"
    demo.export_name.value = " lesson.html "
    demo.export_button.click()
    written = tmp_path / "lesson.html"
    assert written.is_file() and demo.exported == (Path("lesson.html"), written.stat().st_size)
    assert str(written) in demo.export_status.value and "KiB" in demo.export_status.value


def test_unexpected_export_failure_is_one_sentence_under_the_button(demo, tmp_path, monkeypatch):
    """A bug inside the report writer shows one sentence under the button and is kept for developers."""
    from zswapviz import report

    def broken(source, path, **kw):
        raise RuntimeError("ledger\nmore")

    monkeypatch.setattr(report, "export_html", broken)
    demo.export_name.value = str(tmp_path / "x.html")
    demo.export_button.click()
    assert demo.export_message == "That could not be written: RuntimeError: ledger."
    assert isinstance(demo.last_error, RuntimeError)


# -- lessons -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["walkthrough-64k", "rollback-stale", "ref-debate", "accounting-6.13"])
def test_lesson_clicks_follow_the_runner_to_the_end(name, count_runs):
    """Clicking next stop in the page through a whole lesson follows each stop's step, trace and answer, without running a scenario."""
    from zswapviz.lessons import load_lesson

    lesson = load_lesson(name)
    ex = Explorer()
    runs = len(count_runs)
    assert ex.lesson(lesson) is ex
    lv = json.loads(ex.player.lesson_view)
    assert lv["frames"] == [list(f) for f in lesson.runner().frames]
    ref = lesson.runner()
    seen_answers = 0

    def check():
        trace = lesson.trace(ref.variant)
        assert ex.trace is trace and ex.step == ref.step
        assert View(lv["views"][ref.variant or ""]).sentence(ref.step) == trace.steps[ref.step].text
        assert ref.note in ex.lesson_text and f"stop {ref.number} of {len(lesson.stops)}" in ex.lesson_text
        if ref.variant:
            assert ex.params["refs"] == lesson.variants[ref.variant].refs
            assert ex.params["kernel"] == lesson.variants[ref.variant].kernel
        if ref.question:
            assert ref.question in ex.lesson_text
        assert (ref.answer is not None) == ("Answer:" in ex.lesson_text)

    check()
    while not ref.at_end:
        ex.player.lesson_frame = ex.player.lesson_frame + 1  # the page's "next stop" click
        ref.next()
        seen_answers += ref.answer is not None
        check()
    assert ex.runner.at_end and ex.next_stop() is False
    assert seen_answers == sum(1 for s in lesson.stops if s.question)
    assert len(count_runs) == runs


def test_previous_stop_walks_back_across_variants():
    """previous_stop undoes each click back to the start, switching back to each stop's variant trace."""
    from zswapviz.lessons import load_lesson

    lesson = load_lesson("ref-debate")
    ex = Explorer().lesson(lesson)
    ref = lesson.runner()
    ex.go_stop(len(lesson.stops) - 1)
    ref.go(len(lesson.stops) - 1)
    assert ex.player.lesson_frame == ref.frame
    variants = set()
    while not ref.at_start:
        ex.previous_stop()
        ref.previous()
        variants.add(ref.variant)
        assert ex.trace is lesson.trace(ref.variant) and ex.step == ref.step
        assert ex.player.lesson_frame == ref.frame and ex.player.step == ref.step
    assert ex.previous_stop() is False
    assert variants == {"batch-after", "per-page", "batch-before"}


def test_reveal_shows_the_answer_then_next_moves_on():
    """reveal shows the stop's answer once; next_stop then goes to the next stop."""
    ex = Explorer().lesson("walkthrough-64k")
    first = ex.runner.stop
    assert first.question and first.answer
    assert first.answer not in ex.lesson_text
    ex.reveal()
    assert ex.runner.answer == first.answer and first.answer in ex.lesson_text
    ex.next_stop()
    assert ex.runner.number == 2 and ex.step == ex.runner.stop.step
    ex.go_stop(len(ex.runner.lesson.stops) - 1)
    assert ex.step == len(ex.trace) - 1 and ex.runner.answer is None


def test_lessons_hide_the_future_and_teacher_mode_sends_the_answers():
    """A lesson is drawn without spoilers by default; teacher=True sends the teacher's answers."""
    ex = Explorer().lesson("walkthrough-64k")
    assert ex.player.spoilers is None and "teacher" not in json.loads(ex.player.lesson_view)["stops"][0]
    teacher = Explorer(teacher=True).lesson("walkthrough-64k")
    stops = json.loads(teacher.player.lesson_view)["stops"]
    assert teacher.player.teacher and stops[0]["teacher"] == teacher.runner.lesson.stops[0].answer


def test_lesson_loads_its_scenario_into_the_controls():
    """A lesson's built-in scenario shows in the scenario control."""
    ex = Explorer().lesson("accounting-6.13")
    assert ex.params["scenario"] == "bug-6.13" and ex.controls["scenario"].value == "bug-6.13"
    assert ex.controls["kernel"].value == "6.13"
    ex.go_stop(4)  # the first stop in the 6.14 variant: not a built-in scenario as it is
    assert ex.params["kernel"] == "6.14" and ex.params["scenario"] is None
    assert ex.trace is ex.runner.lesson.trace("6.14")


def test_changing_a_value_during_a_lesson_then_next_returns_to_the_lesson(count_runs):
    """A control changed mid-lesson runs the learner's own scenario; the next stop shows the lesson's run again."""
    ex = Explorer().lesson("rollback-stale")
    lesson_trace, runs = ex.trace, len(count_runs)
    ex.controls["kernel"].value = "6.14"
    assert ex.trace is not lesson_trace and len(count_runs) == runs + 1
    assert ex.own_run and ex.player.lesson_view == "" and json.loads(ex.player.view)["meta"]["kernel"] == "6.14"
    ex.next_stop()
    assert ex.trace is lesson_trace and ex.step == ex.runner.step and len(count_runs) == runs + 1
    assert not ex.own_run and ex.player.lesson_view


def test_leaving_a_lesson_and_lesson_errors():
    """leave_lesson goes back to the run; stop methods without a lesson and an unknown lesson raise one sentence."""
    ex = Explorer()
    assert ex.player.lesson_view == ""
    with pytest.raises(UsageError, match="No lesson is running"):
        ex.next_stop()
    with pytest.raises(UsageError, match="no lesson 'nonsense'"):
        ex.lesson("nonsense")
    ex.lesson("walkthrough-64k")
    step, trace = ex.step, ex.trace
    ex.leave_lesson()
    assert ex.runner is None and ex.player.lesson_view == "" and ex.lesson_text == ""
    assert ex.step == step and ex.trace is trace and json.loads(ex.player.view)["n"] == len(trace)
    with pytest.raises(UsageError):
        ex.go_stop(0)


# -- your kernel -----------------------------------------------------------------------

PROBE = '<script>alert("x")</script>'


def _no_zswap_summary() -> dict:
    return {
        "time": "2025-01-01T00:00:00+00:00", "kernel_release": "5.10.0-probe" + PROBE, "model_kernel": None,
        "is_root": False,
        "zswap": {"available": False, "enabled": None, "compressor": None, "max_pool_percent": None,
                  "accept_threshold_percent": None, "shrinker_enabled": None, "params": {}},
        "memtotal_pages": 1000, "max_pool_pages": None, "pool": {}, "swap": {"pswpout": 7}, "mthp": {},
        "unreadable": [{"what": "/sys/module/zswap/parameters", "why": "zswap is not built into this kernel"},
                       {"what": "/proc/vmstat zswpout", "why": "this kernel has no such event"}],
        "notes": ["This kernel has no zswap (no /sys/module/zswap/parameters): nothing to show.",
                  "Not read: /proc/vmstat zswpout: this kernel has no such event."],
    }


def test_kernel_panel_without_zswap_shows_the_notes_and_what_was_not_read():
    """A machine without zswap or root gets the notes, each unreadable thing with its reason, and no markup from the data."""
    panel = KernelPanel(read=_no_zswap_summary)
    text = panel.html.value
    assert panel.summary["kernel_release"].startswith("5.10.0-probe") and panel.message == ""
    assert "zswap is not in this kernel" in text
    assert "<li>This kernel has no zswap (no /sys/module/zswap/parameters): nothing to show.</li>" in text
    assert "/sys/module/zswap/parameters" in text and "zswap is not built into this kernel" in text
    assert "this kernel has no such event" in text and "read as a user (not root)" in text
    assert ">7<" in text and "the model's profile: none" in text
    assert PROBE not in text and html.escape(PROBE) in text


def test_kernel_panel_shows_pool_swap_and_mthp_values_and_refresh_reads_again():
    """The table shows the summary's pool, swap and per-size mTHP counters; Refresh reads a new summary."""
    from zswapviz.kernel import format_kernel_summary

    count = {"reads": 0}

    def read():
        count["reads"] += 1
        s = _no_zswap_summary()
        s.update(kernel_release="6.18.1", model_kernel="6.18", is_root=True, max_pool_pages=200,
                 pool={"stored_pages": 16 * count["reads"], "pool_total_size": 40960, "pool_pages": 10},
                 swap={"zswpout": 123456, "pswpout": 0}, mthp={64: {"zswpout": 3, "swpout": 0, "swpout_fallback": 1}},
                 unreadable=[], notes=["The pool holds 16 pages in 10 pool pages right now."])
        s["zswap"] = {"available": True, "enabled": True, "compressor": "lzo", "max_pool_percent": 20,
                      "accept_threshold_percent": 90, "shrinker_enabled": False, "params": {}}
        return s

    panel = KernelPanel(read=read)
    text = panel.html.value
    assert "<code>stored_pages</code></td><td" in text and ">16<" in text and ">40\u2009960<" in text
    assert ">123\u2009456<" in text and "64 KiB (16 pages)" in text and ">lzo<" in text and ">yes<" in text
    assert "<li>The pool holds 16 pages in 10 pool pages right now.</li>" in text and "Could not read" not in text
    assert html.escape(format_kernel_summary(panel.summary)) in text
    panel.refresh_button.click()
    assert count["reads"] == 2 and ">32<" in panel.html.value


def test_kernel_panel_read_failure_is_one_sentence_and_keeps_the_last_summary():
    """A read that raises shows one sentence above the last good summary instead of a traceback."""
    answers = [_no_zswap_summary()]

    def read():
        if answers:
            return answers.pop()
        raise PermissionError("no access\nto /proc")

    panel = KernelPanel(read=read)
    good = panel.summary
    assert panel.refresh() is False
    assert panel.message == "This machine's zswap could not be read: PermissionError: no access."
    assert panel.summary is good and "This kernel has no zswap" in panel.html.value
    assert isinstance(panel.last_error, PermissionError)


def test_your_kernel_toggle_reads_this_machine_through_kernel_summary(demo, monkeypatch):
    """The explorer's "your kernel" toggle shows a panel filled by zswapviz.kernel's kernel_summary, read once, hidden again on a second click."""
    from zswapviz.kernel import summary as kernel_summary_module

    calls = []
    monkeypatch.setattr(kernel_summary_module, "kernel_summary", lambda: calls.append(1) or _no_zswap_summary())
    assert demo.kernel_panel is None and demo.kernel_box.layout.display == "none"
    demo.kernel_toggle.value = True
    assert demo.kernel_shown and demo.kernel_box.layout.display == "flex"
    assert demo.kernel_box.children == (demo.kernel_panel.widget,) and calls == [1]
    assert "5.10.0-probe" in demo.kernel_panel.html.value
    demo.kernel_toggle.value = False
    assert not demo.kernel_shown and demo.kernel_box.layout.display == "none"
    assert demo.show_kernel() is demo.kernel_panel and demo.kernel_toggle.value and calls == [1]


def test_kernel_panel_reads_the_real_kernel():
    """A real read of this machine (root or not, zswap or not) names its kernel release and every note and unreadable item."""
    import os

    panel = KernelPanel()
    s = panel.summary
    assert panel.message == "" and s["kernel_release"] == os.uname().release
    text = panel.html.value
    assert html.escape(s["kernel_release"]) in text
    for note in s["notes"]:
        if not note.startswith("Not read:"):
            assert f"<li>{html.escape(note)}</li>" in text
    for item in s["unreadable"]:
        assert html.escape(item["why"]) in text
    assert ("zswap is not in this kernel" in text) != s["zswap"]["available"]


def test_every_explorer_reaches_the_glossary(demo):
    """A student's explorer (not only the teacher's) has the glossary, folded, with every term."""
    from zswapviz.glossary import terms

    assert demo.glossary in demo.widget.children
    assert demo.glossary.selected_index is None
    text = demo.glossary.children[0].value
    for t in terms():
        assert html.escape(t.term) in text


def test_the_form_offers_the_decompress_fault_where_the_release_has_it():
    """decompress_fail (6.15+) is in the fault menu: on 6.18 the run shows the failed load; on 6.14 one sentence refuses it."""
    ex = Explorer("demo")
    assert "decompress_fail" in ex.form.controls["fault_kind"].options
    assert ex.set(kernel="6.18", fault_kind="decompress_fail", fault_page=3)
    failed = [(s.fn, s.arg, s.page) for s in ex.trace.steps if s.failed]
    assert failed[0] == ("zswap_decompress", -5, 3) and ex.trace.results[-1].error == -5
    assert not ex.set(kernel="6.14")
    assert "decompress_fail" in ex.message
