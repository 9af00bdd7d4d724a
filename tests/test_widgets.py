"""The explorer's plain values, controls and step buttons, without a browser."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import html  # noqa: E402
from pathlib import Path  # noqa: E402

import ipywidgets as W  # noqa: E402
import pytest  # noqa: E402

from zswapviz import Scenario, builtin_scenarios  # noqa: E402
from zswapviz.compress import COMPRESSOR_NAMES  # noqa: E402
from zswapviz.errors import UsageError  # noqa: E402
from zswapviz.faults import FAULT_KINDS  # noqa: E402
from zswapviz.profiles import KERNEL_NAMES, REF_STRATEGIES  # noqa: E402
from zswapviz.widgets import Explorer, KernelPanel, SideBySide, folio_size_label, page_files, status_of  # noqa: E402


@pytest.fixture
def demo():
    return Explorer("demo", live=False)


@pytest.fixture
def count_runs(monkeypatch):
    """Count Scenario.run calls (and record what the message area said during each)."""
    calls = []
    real = Scenario.run

    def run(self):
        calls.append(self)
        return real(self)

    monkeypatch.setattr(Scenario, "run", run)
    return calls


def test_stepping_only_indexes_the_trace(demo, count_runs):
    """Buttons, slider and play move through the recorded trace without running the scenario again."""
    trace = demo.trace
    demo.buttons["forward"].click()
    demo.buttons["forward"].click()
    demo.buttons["back"].click()
    assert demo.step == 1
    demo.slider.value = 20
    assert demo.step == 20
    demo.play.value = 30
    assert demo.step == 30 and demo.slider.value == 30
    demo.buttons["end"].click()
    assert demo.step == len(trace) - 1
    demo.speed.value = 20
    assert demo.play.interval == 50 and demo.play.max == len(trace) - 1
    assert count_runs == [] and demo.trace is trace


def test_changing_a_value_runs_the_scenario_once(demo, count_runs):
    """A scenario control's change runs Scenario.run exactly once and shows the new trace."""
    demo.controls["kernel"].value = "6.13"
    assert len(count_runs) == 1
    assert demo.trace.meta["kernel"] == "6.13" and demo.params["kernel"] == "6.13"
    assert demo.set(fault_kind="none")
    assert len(count_runs) == 2 and demo.trace.failure_index is None


def test_set_keeps_values_apart_from_widgets(demo):
    """set() changes the plain values and the controls follow; unknown value names are a programming error."""
    assert demo.set(folio_pages=32, kernel="6.14")
    assert demo.controls["folio_pages"].value == 32 and demo.controls["kernel"].value == "6.14"
    assert demo.trace.meta["folio_pages"] == 32
    with pytest.raises(TypeError):
        demo.set(colour="red")


def test_step_buttons_jump_to_failure_rollback_next_page_and_end(demo):
    """to failure, to rollback, next page and to end land on the steps the trace names."""
    trace = demo.trace
    demo.buttons["failure"].click()
    assert demo.step == trace.failure_index and trace.steps[demo.step].failed
    demo.buttons["rollback"].click()
    assert demo.step == trace.rollback_indices[0]
    demo.go(0)
    demo.buttons["next_page"].click()
    assert trace.steps[demo.step].page == 0
    demo.buttons["next_page"].click()
    assert trace.steps[demo.step].page == 1 and trace.steps[demo.step - 1].page == 0
    demo.buttons["end"].click()
    assert demo.step == len(trace) - 1
    demo.back()
    demo.go(-5)
    assert demo.step == 0
    demo.back()
    assert demo.step == 0


def test_failure_and_rollback_buttons_are_disabled_without_them():
    """A run without a failure disables the failure and rollback buttons, and the jumps report False."""
    ex = Explorer("success-64k", live=False)
    assert ex.buttons["failure"].disabled and ex.buttons["rollback"].disabled
    assert ex.to_failure() is False and ex.to_rollback() is False
    assert ex.set(fault_kind="kmemcache", fault_page=3)
    assert not ex.buttons["failure"].disabled


@pytest.mark.parametrize("values, words", [
    ({"fault_page": 99}, "fault page 99 is beyond the run"),
    ({"stale": "3, x"}, "stale page must be a whole number"),
    ({"stale": [40]}, "stale page 40 is beyond the run"),
    ({"max_pool_percent": 150}, "from 0 to 100"),
    ({"accept_threshold_percent": -1}, "from 0 to 100"),
    ({"total_ram_pages": 0}, "at least 1"),
    ({"zswap_max_pages": "lots"}, "memory.zswap.max"),
    ({"folios": 0}, "number of folios"),
    ({"folio_pages": 3}, "1, 2, 4, ... 512"),
    ({"folio_pages": 512, "folios": 64}, "too many"),
    ({"kernel": "2.6"}, "no kernel '2.6'"),
    ({"contents": "file:nothing.bin"}, "does not exist"),
])
def test_invalid_values_show_one_sentence_and_keep_the_last_run(demo, values, words):
    """An invalid value shows one plain sentence (no traceback) and the last good trace stays."""
    trace, step = demo.trace, demo.step
    assert demo.set(**values) is False
    assert words in demo.message
    assert "\n" not in demo.message and "Traceback" not in demo.message and demo.message.endswith(".")
    assert html.escape(demo.message) in demo.message_html.value
    assert demo.trace is trace and demo.step == step


def test_invalid_widget_value_then_valid_one_recovers(demo):
    """Typing a fault page past the folio shows the sentence; a valid page clears it and runs."""
    demo.controls["fault_page"].value = 16
    assert "beyond the run" in demo.message_html.value
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
    """An error inside a button callback is shown as a sentence instead of raising into the widget machinery."""
    def broken():
        raise ValueError("no such step")

    monkeypatch.setattr(demo, "forward", broken)
    guarded = demo._guard(lambda: demo.forward())
    guarded()
    assert "That did not work: ValueError: no such step" in demo.message


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


def test_badge_is_green_or_names_the_broken_invariant():
    """The status badge is green while the validators are silent and names the invariant 6.13 breaks."""
    ex = Explorer("bug-6.13", live=False)
    ex.go(0)
    assert ex.status[0] and "zswapviz-status-ok" in ex.badge_html.value
    ex.to_end()
    ok, text = ex.status
    assert not ok and "validate_stored_pages" in text and "validate_charge" in text
    assert "zswapviz-status-broken" in ex.badge_html.value and "validate_charge" in ex.badge_html.value
    assert status_of(ex.trace.snapshots[-1]) == ex.status


def test_sentence_and_counters_follow_the_step(demo):
    """The step sentence and the counters table show the current step's function, sentence and values."""
    trace = demo.trace
    demo.to_failure()
    step, snap = trace[demo.step]
    assert step.fn in demo.sentence and step.text in demo.sentence
    assert step.text in demo.sentence_html.value
    assert demo.counters.loc["stored_pages", "value"] == snap.stats["stored_pages"]
    assert f">{snap.stats['stored_pages']}<" in demo.counters_html.value
    assert 'class="zswapviz-counter"' in demo.counters_html.value


def test_each_step_renders_a_new_png(demo):
    """In image mode every step puts a new PNG of the figure into the image widget."""
    first = bytes(demo.image.value)
    demo.forward()
    assert bytes(demo.image.value) != first and bytes(demo.image.value).startswith(b"\x89PNG")
    assert demo.png == bytes(demo.image.value)


def test_choices_are_read_from_the_core():
    """Kernel, refs, compressor, fault and page-content choices come from the core's lists."""
    ex = Explorer(live=False)
    c = ex.controls
    assert tuple(c["kernel"].options) == tuple(KERNEL_NAMES)
    assert tuple(c["refs"].options) == tuple(REF_STRATEGIES)
    assert tuple(c["compressor"].options) == tuple(COMPRESSOR_NAMES)
    assert tuple(c["fault_kind"].options) == ("none", *FAULT_KINDS)
    assert {"zeros", "text", "random", "mixed", "ramp"} <= set(c["contents"].options)
    assert [v for _, v in c["folio_pages"].options] == [1 << o for o in range(10)]
    assert folio_size_label(1) == "4 KiB (1 page)"


def test_every_kernel_and_reference_strategy_runs():
    """Every kernel profile and reference strategy the core lists runs in the explorer without a message."""
    ex = Explorer(live=False)
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
    ex = Explorer("incompressible-6.14", live=False)
    assert ex.params["contents"] == "scenario"
    assert ex.trace.failure_index is not None
    assert ex.set(folio_pages=32) is False
    assert "The scenario's 16 pages do not fill whole folios of 32 pages" in ex.message
    assert ex.set(folio_pages=16) and ex.message == ""


def test_page_file_from_the_data_directory(tmp_path):
    """Page files in the data directory are offered and explored; one too short for the folio is refused in a sentence."""
    from zswapviz.pages import make_pages

    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "heap.bin").write_bytes(make_pages("mixed", 32))
    (tmp_path / "notes.json").write_text("{}")
    assert page_files(tmp_path) == ["pages/heap.bin"]
    ex = Explorer(live=False, data_dir=tmp_path)
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
    ex = Explorer(live=False)
    assert ex.set(contents=f"file:{xz[0]}", folio_pages=16), ex.message


def test_live_mode_uses_an_ipympl_canvas():
    """With live=True the figure is an ipympl canvas that steps by blitting, without a new figure."""
    pytest.importorskip("ipympl")
    try:
        from ipympl.backend_nbagg import Canvas

        ex = Explorer("demo", live=True)
        assert isinstance(ex.image, Canvas) and ex.image is ex.figure.canvas
        fig = ex.figure
        ex.to_failure()
        assert ex.figure is fig and ex.artists.current == ex.trace.failure_index
        assert ex.png == b""
    finally:
        matplotlib.use("Agg")  # importing ipympl made it the backend


def test_side_by_side_steps_two_variants_together():
    """Two variants share the step controls; each jumps to its own failure; the counters table marks differences."""
    sb = SideBySide("demo", {"refs": "per-page"}, {"refs": "batch-after"})
    left, right = sb.sides
    assert left.trace.meta["refs"] == "per-page" and right.trace.meta["refs"] == "batch-after"
    sb.buttons["forward"].click()
    assert left.step == right.step == 1
    sb.slider.value = 40
    assert left.step == right.step == 40
    sb.buttons["failure"].click()
    assert left.step == left.trace.failure_index and right.step == right.trace.failure_index
    sb.buttons["end"].click()
    df = sb.counters
    assert sb.labels == ("per-page", "batch-after")
    assert df.loc["pool_refs", "batch-after"] == -5 and df.loc["pool_refs", "per-page"] == 0
    assert df.loc["pool_refs", "differs"] and not df.loc["pswpout", "differs"]
    assert not right.status[0] and left.status[0]
    assert isinstance(sb.widget, W.VBox)


def test_side_by_side_clamps_the_shorter_trace():
    """Stepping past the shorter variant's end leaves it on its last step while the other goes on."""
    sb = SideBySide("demo", {"kernel": "6.13"}, {"kernel": "6.14"})
    short, long_ = sorted(sb.sides, key=lambda s: len(s.trace))
    sb.go(len(long_.trace) - 1)
    assert short.step == len(short.trace) - 1 and long_.step == len(long_.trace) - 1
    assert sb.set(fault_page=2)
    assert all(s.trace.steps[s.trace.failure_index].page == 2 for s in sb.sides)


def test_bad_variant_is_refused():
    """A variant with an unknown kernel raises UsageError with the plain sentence."""
    with pytest.raises(UsageError, match="no kernel"):
        SideBySide("demo", {"kernel": "9.99"}, {})


def test_explorer_displays_as_a_widget(demo):
    """The explorer shows as its widget box, with the figure image and the step controls in it."""
    bundle = demo._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert demo.widget.model_id == bundle["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert "zswapviz-explorer" in demo.widget._dom_classes


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
    assert demo.export_message == "The report could not be written: RuntimeError: ledger."
    assert isinstance(demo.last_error, RuntimeError)


# -- lessons -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["walkthrough-64k", "rollback-stale", "ref-debate", "accounting-6.13"])
def test_lesson_buttons_follow_the_runner_to_the_end(name, count_runs):
    """Clicking next stop through a whole lesson shows each stop's step, trace, note and (on the next click) answer, without running a scenario."""
    from zswapviz.lessons import load_lesson
    from zswapviz.plots import step_title

    lesson = load_lesson(name)
    ex = Explorer(live=False)
    runs = len(count_runs)
    assert ex.lesson(lesson) is ex
    ref = lesson.runner()
    seen_answers = 0

    def check():
        trace = lesson.trace(ref.variant)
        assert ex.trace is trace and ex.step == ref.step
        assert html.escape(step_title(trace, ref.step)) in ex.sentence_html.value
        assert html.escape(ref.note) in ex.lesson_html.value
        assert f"stop {ref.number} of {len(lesson.stops)}" in ex.lesson_html.value
        if ref.variant:
            assert ex.params["refs"] == lesson.variants[ref.variant].refs
            assert ex.params["kernel"] == lesson.variants[ref.variant].kernel
        if ref.question:
            assert html.escape(ref.question) in ex.lesson_html.value
        if ref.answer is not None:
            assert html.escape(ref.answer) in ex.lesson_html.value
        else:
            assert "zswapviz-lesson-answer" not in ex.lesson_html.value
        assert ex.lesson_buttons["next"].disabled == ref.at_end
        assert ex.lesson_buttons["previous"].disabled == ref.at_start

    check()
    assert ex.lesson_box.layout.display == "flex"
    while not ref.at_end:
        ex.lesson_buttons["next"].click()
        ref.next()
        seen_answers += ref.answer is not None
        check()
    assert ex.runner.at_end and ex.next_stop() is False
    assert seen_answers == sum(1 for s in lesson.stops if s.question)
    assert len(count_runs) == runs


def test_previous_stop_walks_back_across_variants():
    """previous stop undoes each click back to the start, switching back to each stop's variant trace and hiding answers again."""
    from zswapviz.lessons import load_lesson

    lesson = load_lesson("ref-debate")
    ex = Explorer(live=False).lesson(lesson)
    ref = lesson.runner()
    ex.go_stop(len(lesson.stops) - 1)
    ref.go(len(lesson.stops) - 1)
    variants = set()
    while not ref.at_start:
        ex.lesson_buttons["previous"].click()
        ref.previous()
        variants.add(ref.variant)
        assert ex.trace is lesson.trace(ref.variant) and ex.step == ref.step
        assert (ref.answer is not None) == ("zswapviz-lesson-answer" in ex.lesson_html.value)
    assert ex.previous_stop() is False and ex.lesson_buttons["previous"].disabled
    assert variants == {"batch-after", "per-page", "batch-before"}


def test_reveal_shows_the_answer_then_next_moves_on():
    """Reveal answer shows the stop's answer once and disables itself; next stop then goes to the next stop."""
    ex = Explorer(live=False).lesson("walkthrough-64k")
    first = ex.runner.stop
    assert first.question and first.answer
    assert html.escape(first.answer) not in ex.lesson_html.value and not ex.lesson_buttons["reveal"].disabled
    ex.lesson_buttons["reveal"].click()
    assert ex.runner.answer == first.answer and html.escape(first.answer) in ex.lesson_html.value
    assert ex.lesson_buttons["reveal"].disabled
    ex.lesson_buttons["next"].click()
    assert ex.runner.number == 2 and ex.step == ex.runner.stop.step
    assert not ex.runner.question and ex.lesson_buttons["reveal"].disabled
    ex.go_stop(len(ex.runner.lesson.stops) - 1)
    assert ex.step == len(ex.trace) - 1 and ex.runner.answer is None


def test_lesson_loads_its_scenario_into_the_controls():
    """A lesson's built-in scenario shows in the scenario control and its title in the header."""
    ex = Explorer(live=False).lesson("accounting-6.13")
    assert ex.params["scenario"] == "bug-6.13" and ex.controls["scenario"].value == "bug-6.13"
    assert ex.controls["kernel"].value == "6.13"
    assert html.escape(ex.runner.lesson.scenario.title) in ex.header_html.value
    ex.go_stop(4)  # the first stop in the 6.14 variant: not a built-in scenario as it is
    assert ex.params["kernel"] == "6.14" and ex.params["scenario"] is None
    assert ex.trace is ex.runner.lesson.trace("6.14")


def test_changing_a_value_during_a_lesson_then_next_returns_to_the_lesson(count_runs):
    """A control changed mid-lesson runs the learner's own scenario and says so; the next stop shows the lesson's run again."""
    ex = Explorer(live=False).lesson("rollback-stale")
    lesson_trace, runs = ex.trace, len(count_runs)
    ex.controls["kernel"].value = "6.14"
    assert ex.trace is not lesson_trace and len(count_runs) == runs + 1
    assert "a run of your own" in ex.lesson_html.value
    ex.next_stop()
    assert ex.trace is lesson_trace and ex.step == ex.runner.step and len(count_runs) == runs + 1
    assert "a run of your own" not in ex.lesson_html.value


def test_leaving_a_lesson_and_lesson_errors():
    """leave lesson hides the panel; stop methods without a lesson and an unknown lesson raise one sentence."""
    ex = Explorer(live=False)
    assert ex.lesson_box.layout.display == "none"
    with pytest.raises(UsageError, match="No lesson is running"):
        ex.next_stop()
    with pytest.raises(UsageError, match="no lesson 'nonsense'"):
        ex.lesson("nonsense")
    ex.lesson("walkthrough-64k")
    step, trace = ex.step, ex.trace
    ex.lesson_buttons["leave"].click()
    assert ex.runner is None and ex.lesson_box.layout.display == "none" and ex.lesson_html.value == ""
    assert ex.step == step and ex.trace is trace
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
