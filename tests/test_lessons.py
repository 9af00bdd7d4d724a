"""Tests of classroom lessons: stop selectors, validation naming the bad stop, and the runner.

The built-in lessons must load (every stop resolves and every ``expect`` holds
against the current model), a malformed lesson must fail with a sentence that
names the file and the stop, and :class:`~zswapviz.lessons.LessonRunner` must
walk stop, answer, next stop and back exactly as the presentation mode does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zswapviz.errors import UsageError
from zswapviz.lessons import (
    LESSON_DIR,
    MARKS,
    Lesson,
    builtin_lessons,
    find_step,
    load_lesson,
    resolve_scenario,
    snapshot_ledger,
    trace_marks,
)
from zswapviz.scenario import SCENARIO_DIR, ledger

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_trace():
    """The demo scenario's trace: 16 pages, zs_malloc fails at page 5."""
    return resolve_scenario("demo").run()


@pytest.fixture(scope="module")
def lessons():
    """Every built-in lesson, loaded once."""
    return builtin_lessons()


def _lesson(**over) -> dict:
    base = {"title": "T", "scenario": "demo",
            "stops": [{"at": "start", "note": "n1"}, {"at": "failure", "note": "n2"}]}
    base.update(over)
    return base


def test_builtin_lessons_cover_the_three_required_walkthroughs(lessons):
    """The 64 KiB walkthrough, the rollback with stale entries and the reference debate ship and load."""
    assert {"walkthrough-64k", "rollback-stale", "ref-debate"} <= set(lessons)
    assert all(len(lesson.stops) >= 5 for lesson in lessons.values())
    assert sum(1 for lesson in lessons.values() for s in lesson.stops if s.question) >= 6


def test_rollback_lesson_fails_in_the_middle_with_stale_entries(lessons):
    """The rollback lesson's scenario fails at a middle page and has stale entries after it."""
    lesson = lessons["rollback-stale"]
    trace = lesson.trace()
    failure = trace.steps[trace.failure_index]
    assert 0 < failure.page < lesson.scenario.folio_pages - 1
    assert any(p > failure.page for p in lesson.scenario.stale)
    assert any(s.step == trace_marks(trace)["last_rollback"] for s in lesson.stops)


def test_ref_debate_shows_batched_refs_breaking_and_per_page_holding(lessons):
    """In the reference debate the batched-after variant ends with violations and per-page with none."""
    lesson = lessons["ref-debate"]
    used = {s.variant for s in lesson.stops}
    assert {"batch-after", "per-page"} <= used
    assert lesson.trace("batch-after").world.violations
    assert not lesson.trace("per-page").world.violations


@pytest.mark.parametrize("at, fn, page", [
    ({"fn": "xa_store"}, "xa_store", 0),
    ({"fn": "xa_store", "which": "last"}, "xa_store", 4),
    ({"fn": "xa_store", "which": 3}, "xa_store", 2),
    ({"fn": "xa_erase", "phase": "rollback", "which": "last"}, "xa_erase", 15),
    ({"phase": "account", "page": 2}, "zswap_pool_get", 2),
    ("failure", "zs_malloc", 5),
    ({"failed": True}, "zs_malloc", 5),
    ("first_rollback", "zswap_entry_cache_free", 5),
])
def test_find_step_picks_a_step_by_what_happens(demo_trace, at, fn, page):
    """A selector by function, phase, page, failure or mark picks the step where that happens."""
    k = find_step(demo_trace, at)
    assert demo_trace.steps[k].fn == fn
    assert demo_trace.steps[k].page == page


def test_find_step_by_index_and_marks(demo_trace):
    """Indices, {"step": k} and the start/end marks resolve; a step past the end matches nothing."""
    n = len(demo_trace)
    assert find_step(demo_trace, 7) == 7 == find_step(demo_trace, {"step": 7})
    assert find_step(demo_trace, "start") == 0
    assert find_step(demo_trace, "end") == n - 1
    assert find_step(demo_trace, n) is None
    assert find_step(demo_trace, {"fn": "xa_store", "which": 99}) is None
    assert find_step(demo_trace, {"fn": "no_such_fn"}) is None
    assert set(trace_marks(demo_trace)) == set(MARKS)


@pytest.mark.parametrize("at, words", [
    (-1, "negative"),
    ("somewhere", "unknown mark"),
    ({"fn": "xa_store", "colour": 1}, "unknown criterion 'colour'"),
    ({"step": 3, "fn": "xa_store"}, "cannot be combined"),
    ({"fn": "xa_store", "which": 0}, "'which'"),
    ({"page": "two"}, "'page'"),
    ([], "'at' must be"),
    (True, "'at' must be"),
])
def test_find_step_rejects_malformed_selectors(demo_trace, at, words):
    """A malformed selector raises UsageError saying what is wrong."""
    with pytest.raises(UsageError, match=words):
        find_step(demo_trace, at)


@pytest.mark.parametrize("stops, words", [
    ([{"at": "start", "note": "a"}, {"at": {"fn": "xa_store", "page": 12}, "note": "b"}],
     r"stop 2: 'at' \{\"fn\": \"xa_store\", \"page\": 12\} matches no step"),
    ([{"at": "start", "note": "a"}, {"at": "start", "note": "b"}, {"at": 5000, "note": "c"}], "stop 3: 'at' 5000 matches no step"),
    ([{"at": "start"}], "stop 1: field 'note'"),
    ([{"note": "x"}], "stop 1: field 'at' is missing"),
    ([{"at": "start", "note": "x", "question": "why?"}], "stop 1: give both 'question' and 'answer'"),
    ([{"at": "start", "note": "x", "hint": "h"}], "stop 1: unknown field 'hint'"),
    ([{"at": "start", "note": "x", "variant": "6.13"}], "stop 1: unknown variant '6.13'"),
    ([{"at": "end", "note": "x", "expect": {"stored_pages": 3}}], r"stop 1: field 'expect': stored_pages is 0 at step \d+, not 3"),
    ([{"at": "end", "note": "x", "expect": {"bogus": 3}}], "stop 1: field 'expect': unknown ledger name 'bogus'"),
    ([{"at": {"fn": 5}, "note": "x"}], "stop 1: field 'at': 'fn' must be text"),
    ([], "field 'stops' must be a non-empty list"),
    ("start", "field 'stops' must be a non-empty list"),
])
def test_a_bad_stop_is_an_error_naming_the_stop(stops, words):
    """Validation fails with a message naming the lesson and the bad stop."""
    with pytest.raises(UsageError, match=words) as info:
        Lesson.from_dict(_lesson(stops=stops), where="my-lesson.json")
    assert str(info.value).startswith("my-lesson.json: ")


@pytest.mark.parametrize("over, words", [
    ({"title": ""}, "field 'title'"),
    ({"colour": "red"}, "unknown field 'colour'"),
    ({"scenario": "no-such-scenario"}, "no scenario 'no-such-scenario'"),
    ({"scenario": {"folio_size": "3K"}}, "field 'scenario'.*folio_size"),
    ({"variants": {"x": {"kernel": "9.99"}}}, "variant 'x'.*kernel"),
    ({"variants": {"x": {"pages": 3}}}, "variant 'x' must be an object of"),
])
def test_a_bad_lesson_field_is_named(over, words):
    """A bad lesson field, scenario or variant raises UsageError naming it."""
    with pytest.raises(UsageError, match=words):
        Lesson.from_dict(_lesson(**over), where="my-lesson.json")


def test_load_lesson_errors_are_sentences(tmp_path):
    """Unknown names list the built-in lessons; a bad file says it is not valid JSON."""
    with pytest.raises(UsageError, match="built-in ones are .*walkthrough-64k"):
        load_lesson("no-such-lesson")
    bad = tmp_path / "bad.json"
    bad.write_text("{ nope")
    with pytest.raises(UsageError, match="is not valid JSON"):
        load_lesson(bad)
    with pytest.raises(UsageError, match="does not exist"):
        load_lesson(tmp_path / "missing.json")


def test_inline_and_relative_scenarios_and_a_dotted_builtin_name(tmp_path):
    """A lesson may give its scenario inline, as a file beside it (with a page file beside that), or by a dotted built-in name."""
    from zswapviz.pages import make_pages

    (tmp_path / "sc").mkdir()
    (tmp_path / "sc" / "pages.bin").write_bytes(make_pages("text", 4))
    (tmp_path / "sc" / "mine.json").write_text(json.dumps({"title": "mine", "folio_size": "16K",
                                                           "pages": {"file": "pages.bin"}}))
    lesson_file = tmp_path / "sc" / "l.json"
    lesson_file.write_text(json.dumps(_lesson(scenario="mine.json", variants={"old": {"kernel": "6.13"}},
                                              stops=[{"at": "end", "note": "x"}, {"at": "end", "variant": "old", "note": "y"}])))
    lesson = load_lesson(lesson_file)
    assert lesson.scenario.title == "mine" and lesson.variants["old"].kernel == "6.13"
    assert len(lesson.trace("old").snapshots[0].cells) == 4
    inline = Lesson.from_dict(_lesson(scenario={"folio_size": "8K", "faults": {"1": "kmemcache"}}))
    assert inline.trace().steps[inline.stops[1].step].fn == "zswap_entry_cache_alloc"
    assert resolve_scenario("bug-6.13").kernel == "6.13"


def test_runner_reveals_the_answer_then_moves_on():
    """next() shows a question's answer first, then the next stop; previous() undoes one next()."""
    lesson = Lesson.from_dict(_lesson(stops=[
        {"at": "start", "note": "first", "question": "q1?", "answer": "a1"},
        {"at": "failure", "note": "second"},
        {"at": "end", "note": "third", "question": "q3?", "answer": "a3"},
    ]))
    run = lesson.runner()
    seen = [(run.number, run.note, run.question, run.answer)]
    while run.next():
        seen.append((run.number, run.note, run.question, run.answer))
    assert seen == [(1, "first", "q1?", None), (1, "first", "q1?", "a1"), (2, "second", "", None),
                    (3, "third", "q3?", None), (3, "third", "q3?", "a3")]
    assert run.at_end and not run.next()
    back = []
    while run.previous():
        back.append((run.number, run.answer))
    assert back == [(3, None), (2, None), (1, "a1"), (1, None)]
    assert run.at_start and not run.previous()
    run.go(2)
    assert (run.number, run.answer) == (3, None)
    run.reveal()
    assert run.answer == "a3"
    assert run.step == len(run.trace) - 1
    with pytest.raises(UsageError, match="out of range"):
        run.go(3)


def test_runner_follows_variants(lessons):
    """A stop in a variant points the runner at that variant's trace."""
    run = lessons["ref-debate"].runner()
    variants = set()
    while True:
        variants.add(run.variant)
        assert 0 <= run.step < len(run.trace)
        assert run.trace is lessons["ref-debate"].trace(run.variant)
        if not run.next():
            break
    assert {"batch-after", "per-page"} <= variants


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIO_DIR.glob("*.json")))
def test_snapshot_ledger_at_the_last_step_is_the_final_ledger(name):
    """The per-step ledger the player shows agrees with ledger(trace) at the end of every built-in scenario."""
    trace = resolve_scenario(name).run()
    final = ledger(trace)
    at_end = snapshot_ledger(trace.snapshots[-1])
    # text values stay in the final ledger only: the pool's name, the kernel warnings
    # due, and debugfs stored_pages as %llu prints it (2^64 - k is not exact in JSON)
    for key, value in final.items():
        if key not in ("current_pool", "kernel_warnings", "debugfs stored_pages"):
            assert at_end[key] == value, key


def test_lessons_module_imports_no_presentation_library():
    """Importing zswapviz.lessons loads neither matplotlib, ipywidgets nor pandas (the explorer imports it)."""
    code = ("import sys, zswapviz.lessons; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_every_lesson_file_is_valid_json_with_notes():
    """Each file in data/lessons/ parses and every stop has a teacher's note."""
    files = sorted(LESSON_DIR.glob("*.json"))
    assert len(files) >= 3
    for f in files:
        data = json.loads(f.read_text())
        assert all(stop["note"].strip() for stop in data["stops"]), f


def test_eight_lessons_cover_notebooks_01_to_05_and_the_race(lessons):
    """At least 8 lessons ship; together they go with notebooks 01-05, and one runs the writeback race."""
    assert len(lessons) >= 8
    assert {lesson.notebook[:2] for lesson in lessons.values()} >= {"01", "02", "03", "04", "05"}
    race = [lesson for lesson in lessons.values()
            if any(t.meta and any(s.phase == "writeback" for s in t.steps) for t in lesson.traces.values())]
    assert race, "no lesson runs writeback between the steps of a store"
    assert any(lesson.trace(v).world.violations for lesson in race for v in lesson.traces)
    assert any(not lesson.trace(v).world.violations for lesson in race for v in lesson.traces)


def test_every_question_of_every_lesson_has_an_answer_in_the_teachers_edition(lessons):
    """Lesson.answers lists each stop that asks a question, with its answer; most carry a claim the model checks."""
    answers = [a for lesson in lessons.values() for a in lesson.answers]
    questions = [s for lesson in lessons.values() for s in lesson.stops if s.question]
    assert len(answers) == len(questions) >= 20
    assert all(a.answer.strip() and a.question.strip() for a in answers)
    assert sum(1 for a in answers if a.claims) >= 0.75 * len(answers)


def _lesson_claims():
    from zswapviz.lessons import LESSON_DIR

    out = []
    for path in sorted(LESSON_DIR.glob("*.json")):
        for stop in json.loads(path.read_text())["stops"]:
            if stop.get("answer_check"):
                out.append(pytest.param(path.stem, stop, id=f"{path.stem}-{stop.get('title', '')[:30]}"))
    return out


@pytest.mark.parametrize("name, raw", _lesson_claims())
def test_each_lesson_answer_claim_holds_and_a_changed_value_is_caught(lessons, name, raw):
    """Each answer's claim is run against the model; the same claim with one value changed must fail."""
    from zswapviz.lessons import check_claim

    lesson = lessons[name]
    stop = next(s for s in lesson.stops if s.at == raw["at"] and s.note == raw["note"])
    claim = dict(stop.answer_check)
    check_claim(claim, lesson.traces, where=name)
    key, value = next(iter(claim["expect"].items()))
    wrong = dict(claim, expect={key: (value + 1) if isinstance(value, int) else ["not", value]})
    with pytest.raises(UsageError, match=f"{key} is"):
        check_claim(wrong, lesson.traces, where=name)


@pytest.mark.parametrize("claim, words", [
    ({"at": "end"}, "field 'expect'"),
    ({"scenario": "demo", "expect": {"nope": 1}}, "unknown name 'nope'"),
    ({"scenario": "demo", "at": {"fn": "no_such"}, "expect": {"stored_pages": 0}}, "matches no step"),
    ({"expect": {"stored_pages": 0}}, "give a 'scenario'"),
    ({"scenario": "demo", "expect": {"stored_pages": 0}, "colour": 1}, "unknown field 'colour'"),
])
def test_a_malformed_claim_is_a_sentence(claim, words):
    """A claim without values, with an unknown name or a selector that matches nothing is a UsageError."""
    from zswapviz.lessons import check_claim

    with pytest.raises(UsageError, match=words):
        check_claim(claim)


def test_an_answer_check_that_does_not_hold_stops_the_lesson_loading():
    """A lesson whose answer claims a wrong value fails to load, naming the stop."""
    stops = [{"at": "failure", "note": "n", "question": "q?", "answer": "a",
              "answer_check": {"at": "end", "expect": {"pswpout": 3}}}]
    with pytest.raises(UsageError, match=r"stop 1: field 'answer_check'.*pswpout is 16"):
        Lesson.from_dict(_lesson(stops=stops), where="my-lesson.json")


def test_a_variant_may_change_the_faults_and_limits():
    """Variants override faults and limits as well as kernel, refs and compressor."""
    lesson = Lesson.from_dict(_lesson(variants={"kmem": {"faults": {"2": "kmemcache"}},
                                                "full": {"faults": {}, "max_pool_percent": 0}},
                                      stops=[{"at": "failure", "variant": "kmem", "note": "x",
                                              "expect": {"fn": "zswap_entry_cache_alloc", "page": 2}},
                                             {"at": "end", "variant": "full", "note": "y",
                                              "expect": {"pool_limit_hit": 1, "result": "disk"}}]))
    assert lesson.variants["kmem"].faults == {2: "kmemcache"}


def test_operation_selects_by_operation_index_and_op_is_its_older_name():
    """``"operation": k`` picks steps of the k-th operation; ``"op"`` (lesson files before) means the same."""
    trace = resolve_scenario({"folio_size": "16K", "pages": {"kind": "text", "pages": 12}}).run()
    picked = find_step(trace, {"fn": "zswap_store", "operation": 2, "phase": "done"})
    assert picked is not None and trace.steps[picked].operation_index == 2
    assert picked != find_step(trace, {"fn": "zswap_store", "operation": 0, "phase": "done"})
    assert find_step(trace, {"fn": "zswap_store", "op": 2, "phase": "done"}) == picked
    with pytest.raises(UsageError, match="not both"):
        find_step(trace, {"op": 1, "operation": 1})
    with pytest.raises(UsageError, match="'operation' must be a whole number"):
        find_step(trace, {"operation": -1})


def test_the_resolver_takes_every_form_and_lessons_use_the_same_function():
    """One resolver: a name, a path, a dict and a Scenario give the same checked scenario; lessons re-export it."""
    import zswapviz.lessons as lessons
    import zswapviz.scenario as scenario

    assert lessons.resolve_scenario is scenario.resolve_scenario
    by_name = resolve_scenario("demo")
    by_path = resolve_scenario(SCENARIO_DIR / "demo.json")
    by_dict = resolve_scenario(by_name.to_dict())
    assert by_name.to_dict() == by_path.to_dict() == by_dict.to_dict()
    assert resolve_scenario(by_name) is by_name
    assert scenario.load_scenario("demo").to_dict() == by_name.to_dict()
    with pytest.raises(UsageError, match=r"^lesson x: a scenario is a built-in name"):
        resolve_scenario(3, where="lesson x")
    by_name.max_pool_percent = 101
    with pytest.raises(UsageError, match="max_pool_percent"):
        resolve_scenario(by_name)


def test_a_variant_does_not_inherit_the_base_note():
    """The failures lesson's variants (another fault, another kernel) show no note written for the base run."""
    from zswapviz.lessons import load_lesson

    lesson = load_lesson("failures")
    assert lesson.scenario.notes
    for label, variant in lesson.variants.items():
        assert variant.notes == "", label
