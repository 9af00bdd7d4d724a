"""Classroom walkthroughs: a scenario plus the stops a teacher makes in it.

A lesson file (``data/lessons/*.json``) names a scenario (built-in, by file,
or inline), optionally variants of it (the same run on another kernel or
reference strategy), and a list of *stops*. A stop picks one step of the
recorded trace, by index or by what happens there (the first ``xa_store``,
the failure, the last rollback erase), and carries the teacher's note and
optionally a question whose answer is revealed on the next click. A stop may
also state what the ledger holds there (``expect``), so a lesson that stops
being true after a change in the model fails to load instead of misleading
a class.

Loading a lesson runs its traces and resolves every stop; a stop that
matches no step, or whose ``expect`` does not hold, raises
:class:`~zswapviz.errors.UsageError` naming the file and the stop.

A lesson file's fields: ``title``, ``summary``, ``notebook`` (the notebook
it goes with, e.g. ``"02-failures-and-rollback"``), ``scenario``,
``variants`` (label -> what to change: kernel, refs, compressor, faults,
stale, interleave, limits, writeback) and ``stops``. A stop's fields:
``at``, ``variant``, ``title``, ``note``, ``question`` + ``answer``,
``expect`` (ledger or step values, see :func:`claim_values`),
``answer_check`` (the answer's testable claim, see :func:`check_claim`)
and ``sources`` (commit and release, or lore id). Any other field is an
error, so a field another part adds (a code line for the listing pane, say)
must be added to ``_STOP_KEYS`` and kept optional.

The teacher's edition, for the explorer (``teacher=True``), the reports and
``zswapviz lessons --answers``:

* :attr:`Lesson.answers`: one :class:`Answer` per stop that asks a question
  (``where``, ``question``, ``answer``, ``claims``, ``sources``); the
  per-stop data is also on :class:`Stop` (``answer``, ``answer_check``,
  ``sources``), and :attr:`LessonRunner.answer` is the answer once revealed;
* :func:`zswapviz.teacher.notebook_answers`: the same :class:`Answer` for
  each notebook's "Questions for a teacher" (``data/lessons/teacher/``);
* :func:`zswapviz.teacher.teacher_edition` / ``teacher_edition_text``: all
  of them, grouped by notebook and lesson;
* :func:`check_claim`: runs one claim (data: a scenario or variant, a step,
  the values stated) against the model; the tests run every one.

:meth:`Lesson.runner` gives the pure-Python cursor the explorer and the
report's presentation mode share: each stop is one frame, or two when it asks
a question (the question, then the same stop with the answer revealed).

>>> lesson = load_lesson("walkthrough-64k")
>>> run = lesson.runner()
>>> run.number, run.trace.steps[run.step].fn
(1, 'swap_writeout')
>>> while run.next():
...     pass
>>> run.at_end
True

No matplotlib, ipywidgets or pandas here: the explorer imports this module.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .ledger import LEDGER_NUMBERS, OLD_NAMES, ledger
from .resources import data_path
from .scenario import SCENARIO_DIR, Scenario, _show, load_scenario, read_json_file
from .trace import Trace

__all__ = [
    "CLAIM_KEYS",
    "LEDGER_KEYS",
    "LESSON_DIR",
    "MARKS",
    "Answer",
    "Lesson",
    "LessonRunner",
    "Stop",
    "builtin_lessons",
    "check_claim",
    "claim_values",
    "find_step",
    "load_lesson",
    "resolve_scenario",
    "scenario_data",
    "snapshot_ledger",
    "trace_marks",
]

#: Where the built-in lesson files live.
LESSON_DIR = data_path("lessons")

#: The ledger shown at every step, in display order (zswapviz.ledger.Ledger's numbers).
LEDGER_KEYS = LEDGER_NUMBERS

#: Named steps a stop can point at with ``"at": NAME``.
MARKS = ("start", "failure", "first_rollback", "last_rollback", "end")

_SELECTOR_KEYS = {"step", "fn", "phase", "page", "op", "failed", "which"}
#: At most this many stops and variants in one lesson (each variant is a run).
_MAX_STOPS = 1000
_MAX_VARIANTS = 16
_STOP_KEYS = {"at", "variant", "title", "note", "question", "answer", "expect", "answer_check", "sources"}
_LESSON_KEYS = {"title", "summary", "scenario", "variants", "stops", "notebook"}
#: What a variant may change in the lesson's scenario (any other field stays).
_VARIANT_KEYS = {"kernel", "refs", "compressor", "title", "faults", "stale", "interleave", "enabled",
                 "max_pool_percent", "accept_threshold_percent", "total_ram_pages", "zswap_max_pages",
                 "zswap_writeback", "root_cgroup"}
#: Names a claim's ``expect`` may use besides the ledger's (see :func:`claim_values`).
CLAIM_KEYS = ("fn", "page", "arg", "phase", "failed", "steps", "result", "results", "violations")


def snapshot_ledger(snapshot) -> dict:
    """The ledger's numbers at one step (zswapviz.ledger.ledger), then every counter of its ``stats``."""
    led = ledger(snapshot)
    out = {key: led[key] for key in LEDGER_NUMBERS}
    # What cat prints for the memcg files (numbers; debugfs stored_pages, printed
    # %llu, is text in zswapviz.ledger.file_block: 2^64 - k is not exact in JSON)
    if snapshot.memcg:
        from .files import file_values
        out.update({k: v for k, v in file_values(out).items() if k != "debugfs stored_pages"})
    for key, value in snapshot.stats.items():
        out.setdefault(key, value)
    return out


def trace_marks(trace: Trace) -> dict:
    """The named steps of a trace: start, failure, first/last rollback, end (None if absent)."""
    rollback = trace.rollback_indices
    n = len(trace)
    return {
        "start": 0 if n else None,
        "failure": trace.failure_index,
        "first_rollback": rollback[0] if rollback else None,
        "last_rollback": rollback[-1] if rollback else None,
        "end": n - 1 if n else None,
    }


def find_step(trace: Trace, at) -> int | None:
    """The step a stop's ``at`` selector picks, or None when nothing matches.

    *at* is a step index, a name from :data:`MARKS`, or an object of
    criteria ``fn``, ``phase``, ``page``, ``op`` (operation index) and
    ``failed``, with ``which`` = ``"first"`` (default), ``"last"`` or *n*
    (the n-th match, from 1); ``{"step": k}`` is the same as *k*. Raises
    :class:`UsageError` for a malformed selector.

    >>> from zswapviz import load_scenario
    >>> trace = load_scenario("demo").run()
    >>> trace.steps[find_step(trace, {"fn": "xa_erase", "which": "last"})].page
    15
    """
    n = len(trace)
    if isinstance(at, bool):
        raise UsageError(f"'at' must be a step number, one of {', '.join(MARKS)}, or an object of criteria; not {_show(at)}")
    if isinstance(at, int):
        if at < 0:
            raise UsageError(f"step {at} is negative; steps count from 0")
        return at if at < n else None
    if isinstance(at, str):
        if at not in MARKS:
            raise UsageError(f"unknown mark {_show(at)}; accepted: {', '.join(MARKS)}")
        return trace_marks(trace)[at]
    if not isinstance(at, dict) or not at:
        raise UsageError(f"'at' must be a step number, one of {', '.join(MARKS)}, or an object of criteria; not {_show(at)}")
    unknown = sorted(set(at) - _SELECTOR_KEYS)
    if unknown:
        raise UsageError(f"unknown criterion {_show(unknown[0])}; accepted: {', '.join(sorted(_SELECTOR_KEYS))}")
    if "step" in at:
        if set(at) != {"step"}:
            raise UsageError("'step' picks a step by its index and cannot be combined with other criteria")
        step = at["step"]
        if not isinstance(step, int) or isinstance(step, bool):
            raise UsageError(f"'step' must be a whole number, not {_show(step)}")
        return find_step(trace, step)
    for key in ("page", "op"):
        value = at.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise UsageError(f"{_show(key)} must be a whole number of 0 or more, not {_show(value)}")
    for key in ("fn", "phase"):
        if key in at and not isinstance(at[key], str):
            raise UsageError(f"{_show(key)} must be text, not {_show(at[key])}")
    if "failed" in at and not isinstance(at["failed"], bool):
        raise UsageError(f"'failed' must be true or false, not {_show(at['failed'])}")
    which = at.get("which", "first")
    if which not in ("first", "last") and (not isinstance(which, int) or isinstance(which, bool) or which < 1):
        raise UsageError(f"'which' must be \"first\", \"last\" or a whole number from 1, not {_show(which)}")
    hits = [s.index for s in trace.steps
            if ("fn" not in at or s.fn == at["fn"]) and ("phase" not in at or s.phase == at["phase"])
            and ("page" not in at or s.page == at["page"]) and ("op" not in at or s.operation_index == at["op"])
            and ("failed" not in at or s.failed == at["failed"])]
    if not hits:
        return None
    if which == "first":
        return hits[0]
    if which == "last":
        return hits[-1]
    return hits[which - 1] if which <= len(hits) else None


def resolve_scenario(spec, where: str = "scenario") -> Scenario:
    """A scenario from a built-in name, a file path or an inline object."""
    if isinstance(spec, Scenario):
        return spec
    if isinstance(spec, dict):
        return Scenario.from_dict(spec, where=where)
    if not isinstance(spec, (str, os.PathLike)) or not str(spec):
        raise UsageError(f"{where}: a scenario is a built-in name, a file path or an object of fields, not {_show(spec)}")
    text = str(spec)
    builtin = SCENARIO_DIR / f"{text}.json"
    if os.sep not in text and not text.endswith(".json") and not Path(text).exists() and builtin.exists():
        return load_scenario(builtin)
    return load_scenario(text)


@dataclass(frozen=True)
class Stop:
    """One stop of a lesson: a step of one trace and what the teacher says there."""

    #: Position in the lesson, from 1 (as error messages and the screen name it).
    number: int
    #: The step shown, an index into the trace of *variant*.
    step: int
    #: The note shown with the step.
    note: str
    #: A short heading (may be empty).
    title: str = ""
    #: A question for the class, or empty; its answer shows on the next click.
    question: str = ""
    answer: str = ""
    #: Which trace: None for the lesson's scenario, else a variant's label.
    variant: str | None = None
    #: Ledger values the lesson claims hold at this step (checked at load).
    expect: dict = field(default_factory=dict)
    #: The selector as written in the file.
    at: object = None
    #: The answer's testable claim as written (``{"at", "variant", "expect"}``),
    #: checked at load against the lesson's traces; empty when the answer
    #: makes no claim the model can test.
    answer_check: dict = field(default_factory=dict)
    #: Where the note and answer come from: commits with their release, or lore message ids.
    sources: tuple = ()


@dataclass(frozen=True)
class Answer:
    """One question of the teacher's edition with its answer and the claim that tests it."""

    #: Where the question is asked: "walkthrough-64k, stop 3" or "01-walkthrough, question 2".
    where: str
    question: str
    answer: str
    #: Claims the model checks (each: scenario or variant, ``at``, ``expect``); may be empty.
    claims: tuple = ()
    #: Commits with their release, or lore message ids, the answer rests on.
    sources: tuple = ()


class Lesson:
    """A scenario (and variants of it), its recorded traces and the resolved stops."""

    def __init__(self, title: str, summary: str, scenario: Scenario, variants: dict[str, Scenario],
                 stops: list[Stop], traces: dict, origin: str = "") -> None:
        #: Heading and one paragraph saying what the class will see.
        self.title = title
        self.summary = summary
        #: The lesson's scenario and its variants by label.
        self.scenario = scenario
        self.variants = variants
        #: The stops in teaching order.
        self.stops = stops
        #: Recorded traces: None for the scenario, else a variant's label.
        self.traces = traces
        #: Where the lesson came from (a file path or "lesson").
        self.origin = origin
        #: The notebook the lesson goes with ("02-failures-and-rollback"), or "".
        self.notebook = ""

    @property
    def name(self) -> str:
        """The lesson's file stem ("walkthrough-64k"), or its title when it has no file."""
        return Path(self.origin).stem if self.origin.endswith(".json") else self.title

    @property
    def answers(self) -> list[Answer]:
        """The teacher's edition of this lesson: one :class:`Answer` per stop that asks a question."""
        return [Answer(where=f"{self.name}, stop {s.number}", question=s.question, answer=s.answer,
                       claims=(s.answer_check,) if s.answer_check else (), sources=s.sources)
                for s in self.stops if s.question]

    def __repr__(self) -> str:
        return f"<Lesson {_show(self.title)}: {len(self.stops)} stops>"

    def trace(self, variant: str | None = None) -> Trace:
        """The recorded trace of the scenario (None) or of a variant."""
        return self.traces[variant]

    def runner(self) -> "LessonRunner":
        """A cursor at the first stop: next/previous, note, question, reveal."""
        return LessonRunner(self)

    @classmethod
    def from_dict(cls, data: dict, where: str = "lesson") -> "Lesson":
        """Build a lesson from parsed JSON, running its traces and checking every stop."""
        if not isinstance(data, dict):
            raise UsageError(f"{where}: a lesson is a JSON object, not {type(data).__name__}")
        unknown = sorted(set(data) - _LESSON_KEYS)
        if unknown:
            raise UsageError(f"{where}: unknown field {_show(unknown[0])}; accepted: {', '.join(sorted(_LESSON_KEYS))}")
        title = data.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 1000:
            raise UsageError(f"{where}: field 'title' must be non-empty text of at most 1000 characters, "
                             f"not {_show(title)}")
        summary = data.get("summary", "")
        if not isinstance(summary, str):
            raise UsageError(f"{where}: field 'summary' must be text, not {_show(summary)}")
        if "scenario" not in data:
            raise UsageError(f"{where}: field 'scenario' is missing: give a built-in name, a file path or an object of fields")
        base_where = f"{where}: field 'scenario'"
        spec = data["scenario"]
        if isinstance(spec, str) and spec and not os.path.isabs(spec) and os.path.isfile(where):
            beside = Path(where).parent / spec
            if beside.is_file():
                spec = str(beside)
        scenario = resolve_scenario(spec, where=base_where)
        variants = _variants(data.get("variants", {}), scenario, where)
        raw_stops = data.get("stops")
        if not isinstance(raw_stops, list) or not raw_stops or len(raw_stops) > _MAX_STOPS:
            raise UsageError(f"{where}: field 'stops' must be a non-empty list of at most {_MAX_STOPS} stops")
        traces: dict = {None: scenario.run()}
        for label, variant in variants.items():
            traces[label] = variant.run()
        stops = [_stop(raw, i + 1, traces, where) for i, raw in enumerate(raw_stops)]
        lesson = cls(title, summary, scenario, variants, stops, traces, origin=where)
        notebook = data.get("notebook", "")
        if not isinstance(notebook, str):
            raise UsageError(f"{where}: field 'notebook' must be text (a notebook's name), not {notebook!r}")
        lesson.notebook = notebook
        return lesson


def _variants(value, base: Scenario, where: str) -> dict[str, Scenario]:
    """Variants of the base scenario: label -> overrides of kernel, refs, compressor, title."""
    if not isinstance(value, dict) or len(value) > _MAX_VARIANTS:
        raise UsageError(f"{where}: field 'variants' must map at most {_MAX_VARIANTS} labels to overrides "
                         f"like {{\"kernel\": \"6.14\"}}")
    out = {}
    for label, overrides in value.items():
        if not label.strip():
            raise UsageError(f"{where}: field 'variants': a label must be non-empty text")
        if not isinstance(overrides, dict) or not overrides or set(overrides) - _VARIANT_KEYS:
            raise UsageError(
                f"{where}: field 'variants': variant {_show(label)} must be an object of "
                f"{', '.join(sorted(_VARIANT_KEYS))}, not {_show(overrides)}")
        data = scenario_data(base)
        data.update(overrides)
        if "title" not in overrides:
            data["title"] = f"{base.title} ({label})"
        origin = base.origin
        variant = Scenario.from_dict(data, where=f"{where}: variant {_show(label)}")
        variant.origin = origin
        out[label] = variant
    return out


def scenario_data(scenario: Scenario) -> dict:
    """A scenario as data to vary and load again: a page file's path made absolute."""
    if isinstance(scenario.pages, (bytes, bytearray)):
        raise UsageError("variants need a scenario whose pages are a recipe or a file, not raw bytes")
    data = scenario.to_dict()
    pages = data.get("pages")
    if isinstance(pages, dict) and "file" in pages and not os.path.isabs(pages["file"]) and os.path.isfile(scenario.origin):
        data["pages"] = {"file": str(Path(scenario.origin).parent / pages["file"])}
    return data


def _json_text(value, limit: int = 80) -> str:
    """*value* as short JSON text for an error sentence."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return _show(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _stop(raw, number: int, traces: dict, where: str) -> Stop:
    """Resolve and check one stop; errors name the stop."""
    name = f"{where}: stop {number}"
    if not isinstance(raw, dict):
        raise UsageError(f"{name} must be an object with 'at' and 'note', not {_show(raw)}")
    unknown = sorted(set(raw) - _STOP_KEYS)
    if unknown:
        raise UsageError(f"{name}: unknown field {_show(unknown[0])}; accepted: {', '.join(sorted(_STOP_KEYS))}")
    if "at" not in raw:
        raise UsageError(f"{name}: field 'at' is missing: a step number, one of {', '.join(MARKS)}, or criteria like {{\"fn\": \"xa_store\"}}")
    for key in ("title", "note", "question", "answer"):
        if key in raw and not isinstance(raw[key], str):
            raise UsageError(f"{name}: field {_show(key)} must be text, not {_show(raw[key])}")
    if not raw.get("note", "").strip():
        raise UsageError(f"{name}: field 'note' must be non-empty text: what the teacher says at this step")
    question, answer = raw.get("question", ""), raw.get("answer", "")
    if bool(question.strip()) != bool(answer.strip()):
        raise UsageError(f"{name}: give both 'question' and 'answer', or neither")
    variant = raw.get("variant")
    if variant is not None and not isinstance(variant, str):
        raise UsageError(f"{name}: field 'variant' must be a variant's label (text), not {_show(variant)}")
    if variant is not None and variant not in traces:
        labels = [v for v in traces if v is not None]
        raise UsageError(f"{name}: unknown variant {_show(variant)}; the lesson's variants are "
                         f"{', '.join(map(repr, labels)) if labels else 'none'}")
    trace = traces[variant]
    try:
        step = find_step(trace, raw["at"])
    except UsageError as e:
        raise UsageError(f"{name}: field 'at': {e}") from None
    if step is None:
        raise UsageError(f"{name}: 'at' {_json_text(raw['at'])} matches no step of the trace "
                         f"({len(trace)} steps{', ' + repr(variant) if variant else ''})")
    expect = raw.get("expect", {})
    if not isinstance(expect, dict):
        raise UsageError(f"{name}: field 'expect' must map ledger names to values, e.g. {{\"stored_pages\": 0}}")
    have = claim_values(trace, step)
    _old_names(have, expect)
    for key, value in expect.items():
        if key not in have:
            raise UsageError(f"{name}: field 'expect': unknown ledger name {_show(key)}; accepted: {', '.join(have)}")
        if have[key] != value:
            raise UsageError(f"{name}: field 'expect': {key} is {_show(have[key])} at step {step}, not {_show(value)}")
    check = raw.get("answer_check", {})
    if check:
        if not question:
            raise UsageError(f"{name}: field 'answer_check' needs a 'question' and its 'answer'")
        if not isinstance(check, dict):
            raise UsageError(f"{name}: field 'answer_check' is an object of 'at', 'expect' and 'variant' "
                             "(or 'scenario' for a run the lesson does not show)")
        check = dict(check)
        if "scenario" not in check:
            check.setdefault("variant", variant)
        check.setdefault("at", raw["at"])
        check_claim(check, traces, where=f"{name}: field 'answer_check'")
    sources = raw.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(x, str) and x.strip() for x in sources):
        raise UsageError(f"{name}: field 'sources' must be a list of texts (commit and release, or lore id)")
    return Stop(number=number, step=step, note=raw["note"], title=raw.get("title", ""), question=question,
                answer=answer, variant=variant, expect=dict(expect), at=raw["at"],
                answer_check=check, sources=tuple(sources))


def _old_names(have: dict, expect: dict) -> None:
    """Let *expect* name ledger values by their old names (zswapviz.ledger.OLD_NAMES) too."""
    for key in expect:
        if key in OLD_NAMES and OLD_NAMES[key] in have:
            have[key] = have[OLD_NAMES[key]]


def claim_values(trace: Trace, step: int) -> dict:
    """What a claim can state about step *step* of *trace*: the ledger there, plus the step itself.

    Besides :func:`snapshot_ledger`'s names: ``fn``, ``page``, ``arg``,
    ``phase``, ``failed`` of the step; ``violations`` (how many the
    validators had found by then); and of the whole run ``steps`` (its
    length), ``results`` (what each operation returned, as a list) and
    ``result`` (the last of them: "zswap", "disk", "refused" ...).
    """
    s = trace.steps[step]
    out = snapshot_ledger(trace.snapshots[step])
    out.update(fn=s.fn, page=s.page, arg=s.arg, phase=s.phase, failed=s.failed,
               violations=len(trace.snapshots[step].violations), steps=len(trace),
               results=list(trace.results), result=trace.results[-1] if trace.results else None)
    return out


def check_claim(claim: dict, traces: dict | None = None, where: str = "claim") -> int:
    """Check one testable claim against the model; return the step it was checked at.

    A claim is data: ``{"scenario": SPEC, "at": SELECTOR, "expect": {NAME: VALUE}}``
    where SPEC is what :func:`resolve_scenario` takes (a built-in name or an
    object of fields), SELECTOR is what :func:`find_step` takes (default
    ``"end"``), and NAME is a ledger name or one of :data:`CLAIM_KEYS`
    (see :func:`claim_values`). Inside a lesson ``"variant"`` picks one of
    the lesson's *traces* instead of ``"scenario"``. ``"count:FN"`` in
    ``expect`` counts the steps of function FN up to the chosen step. A
    claim ``{"size_class": LENGTH, "expect": {...}}`` instead states the
    zsmalloc class a compressed length lands in (``size``,
    ``pages_per_zspage``, ``objs_per_zspage``, ``huge``). Raises
    :class:`UsageError` naming the value that does not hold.
    """
    if not isinstance(claim, dict):
        raise UsageError(f"{where}: a claim is an object of 'scenario', 'at' and 'expect', not {claim!r}")
    unknown = sorted(set(claim) - {"scenario", "variant", "at", "expect", "size_class"})
    if unknown:
        raise UsageError(f"{where}: unknown field {unknown[0]!r}; accepted: at, expect, scenario, size_class, variant")
    expect = claim.get("expect")
    if not isinstance(expect, dict) or not expect:
        raise UsageError(f"{where}: field 'expect' must map names to the values the answer claims")
    if "size_class" in claim:
        return _check_size_class(claim["size_class"], expect, where)
    if "scenario" in claim:
        trace = resolve_scenario(claim["scenario"], where=f"{where}: field 'scenario'").run()
    elif traces is not None and claim.get("variant") in traces:
        trace = traces[claim.get("variant")]
    else:
        raise UsageError(f"{where}: give a 'scenario' (or, in a lesson, one of its variants)")
    at = claim.get("at", "end")
    try:
        step = find_step(trace, at)
    except UsageError as e:
        raise UsageError(f"{where}: field 'at': {e}") from None
    if step is None:
        raise UsageError(f"{where}: 'at' {json.dumps(at)} matches no step of the trace ({len(trace)} steps)")
    have = claim_values(trace, step)
    _old_names(have, expect)
    for key, value in expect.items():
        if key.startswith("count:"):
            fn = key[len("count:"):]
            have[key] = sum(1 for s in trace.steps[:step + 1] if s.fn == fn)
        if key not in have:
            raise UsageError(f"{where}: field 'expect': unknown name {_show(key)}; accepted: {', '.join(have)}, count:FN")
        if have[key] != value:
            raise UsageError(f"{where}: field 'expect': {key} is {_show(have[key])} at step {step}, not {_show(value)}")
    return step


def _check_size_class(length, expect: dict, where: str) -> int:
    """Check what a claim says of the zsmalloc class a compressed *length* lands in; return the length."""
    from .model.zsmalloc import SizeClasses

    if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= 4096:
        raise UsageError(f"{where}: field 'size_class' must be a compressed length from 1 to 4096, not {length!r}")
    c = SizeClasses().class_for_length(length)
    have = {"size": c.size, "pages_per_zspage": c.pages_per_zspage, "objs_per_zspage": c.objs_per_zspage,
            "huge": c.huge}
    for key, value in expect.items():
        if key not in have:
            raise UsageError(f"{where}: field 'expect': unknown name {_show(key)}; accepted: {', '.join(have)}")
        if have[key] != value:
            raise UsageError(f"{where}: field 'expect': {key} is {have[key]!r} for {length} bytes, not {value!r}")
    return length


class LessonRunner:
    """A cursor over a lesson's frames: each stop, then its answer if it asks a question.

    ``next()`` first reveals the answer of a stop that asks a question, then
    moves on; ``previous()`` undoes exactly one ``next()``. Both return
    whether they moved. The explorer reads :attr:`step` and :attr:`variant`
    to show the trace there.
    """

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        #: (stop index, answer shown) for every click of the lesson.
        self.frames = [(i, revealed) for i, stop in enumerate(lesson.stops)
                       for revealed in ((False, True) if stop.question else (False,))]
        self.frame = 0

    @property
    def index(self) -> int:
        """The current stop's position, from 0."""
        return self.frames[self.frame][0]

    @property
    def stop(self) -> Stop:
        """The current stop."""
        return self.lesson.stops[self.index]

    @property
    def number(self) -> int:
        """The current stop's number, from 1."""
        return self.stop.number

    @property
    def revealed(self) -> bool:
        """Whether the current stop's answer is shown."""
        return self.frames[self.frame][1]

    @property
    def note(self) -> str:
        """The teacher's note at this stop."""
        return self.stop.note

    @property
    def question(self) -> str:
        """The question asked at this stop, or an empty string."""
        return self.stop.question

    @property
    def answer(self) -> str | None:
        """The answer once revealed; None before (or when there is no question)."""
        return self.stop.answer if self.revealed else None

    @property
    def step(self) -> int:
        """The step shown, an index into :attr:`trace`."""
        return self.stop.step

    @property
    def variant(self) -> str | None:
        """Which trace the stop is in: None for the lesson's scenario, else a variant's label."""
        return self.stop.variant

    @property
    def trace(self) -> Trace:
        """The trace the current stop is in."""
        return self.lesson.trace(self.variant)

    @property
    def at_start(self) -> bool:
        return self.frame == 0

    @property
    def at_end(self) -> bool:
        return self.frame == len(self.frames) - 1

    def next(self) -> bool:
        """Reveal the answer, or go to the next stop; False at the end."""
        if self.at_end:
            return False
        self.frame += 1
        return True

    def previous(self) -> bool:
        """Undo one :meth:`next`; False at the start."""
        if self.at_start:
            return False
        self.frame -= 1
        return True

    def reveal(self) -> None:
        """Show the current stop's answer (nothing happens without a question)."""
        if self.question and not self.revealed:
            self.frame += 1

    def go(self, index: int) -> None:
        """Jump to stop *index* (from 0), answer hidden."""
        if not 0 <= index < len(self.lesson.stops):
            raise UsageError(f"stop index {index} is out of range; the lesson has stops 0 to {len(self.lesson.stops) - 1}")
        self.frame = next(f for f, (i, revealed) in enumerate(self.frames) if i == index and not revealed)


def load_lesson(name_or_path: str | os.PathLike) -> Lesson:
    """Load a lesson file, or a built-in one by name (``data/lessons/NAME.json``)."""
    text_name = str(name_or_path)
    path = Path(text_name)
    builtin = LESSON_DIR / f"{path.name}.json"
    if not path.exists() and os.sep not in text_name and not text_name.endswith(".json"):
        if not builtin.exists():
            names = ", ".join(p.stem for p in sorted(LESSON_DIR.glob("*.json")))
            raise UsageError(f"no lesson {_show(text_name)}: not a file, and the built-in ones are {names}")
        path = builtin
    return Lesson.from_dict(read_json_file(path, "lesson"), where=str(path))


def builtin_lessons() -> dict[str, Lesson]:
    """The lessons shipped in data/lessons/, by file stem."""
    return {p.stem: load_lesson(p) for p in sorted(LESSON_DIR.glob("*.json"))}
