"""The explorer's plain values, controls and step buttons, without a browser."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import html  # noqa: E402

import ipywidgets as W  # noqa: E402
import pytest  # noqa: E402

from zswapviz import Scenario, builtin_scenarios  # noqa: E402
from zswapviz.compress import COMPRESSOR_NAMES  # noqa: E402
from zswapviz.errors import UsageError  # noqa: E402
from zswapviz.faults import FAULT_KINDS  # noqa: E402
from zswapviz.profiles import KERNEL_NAMES, REF_STRATEGIES  # noqa: E402
from zswapviz.widgets import Explorer, SideBySide, folio_size_label, page_files, status_of  # noqa: E402


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
