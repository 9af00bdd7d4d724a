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
``variants`` (label -> what to change: kernel, refs, compressor, title, notes, faults,
stale, interleave, limits, writeback) and ``stops``. A stop's fields:
``at`` (a step: its index, a mark such as ``"failure"``, or criteria such
as ``{"fn": "zswap_store", "operation": 1, "phase": "done"}``, see
:func:`~zswapviz.claims.find_step`; ``operation`` was once written ``op``,
which is still read), ``variant``, ``title``, ``note``, ``question`` + ``answer``,
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

from .claims import (
    CLAIM_KEYS,
    LEDGER_KEYS,
    MARKS,
    _old_names,
    check_claim,
    claim_values,
    find_step,
    snapshot_ledger,
    trace_marks,
)
from .errors import UsageError
from .fields import _show, read_json_file
from .resources import data_path
from .scenario import Scenario, resolve_scenario
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

#: At most this many stops and variants in one lesson (each variant is a run).
_MAX_STOPS = 1000
_MAX_VARIANTS = 16
_STOP_KEYS = {"at", "variant", "title", "note", "question", "answer", "expect", "answer_check", "sources"}
_LESSON_KEYS = {"title", "summary", "scenario", "variants", "stops", "notebook"}
#: What a variant may change in the lesson's scenario (any other field stays).
_VARIANT_KEYS = {"kernel", "refs", "compressor", "title", "notes", "faults", "stale", "interleave", "enabled",
                 "max_pool_percent", "accept_threshold_percent", "total_ram_pages", "zswap_max_pages",
                 "zswap_writeback", "root_cgroup"}
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
    """Variants of the base scenario: label -> overrides of kernel, refs, compressor, title, notes, ...

    A variant has no note unless it gives its own: the base's note tells
    the base's run, and would be false for another kernel or fault.
    """
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
        if "notes" not in overrides:
            data["notes"] = ""  # the base's note tells the base's run, not this one
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
