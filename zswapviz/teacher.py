"""The teacher's edition: answers to every question the notebooks and lessons ask.

Two sources, one shape (:class:`~zswapviz.lessons.Answer`):

* each lesson's stops that ask a question (:attr:`Lesson.answers
  <zswapviz.lessons.Lesson.answers>`), whose testable claim is the stop's
  ``answer_check``;
* the "Questions for a teacher" that end every notebook, answered in
  ``data/lessons/teacher/notebooks.json`` (:func:`notebook_answers`), in the
  notebook's order.

A claim is data (a scenario, a step, the values the answer states), run
against the model by :func:`check_answer` and by the tests, so an answer that
stops being true fails a test instead of misleading a class.
:func:`teacher_edition_text` is what ``zswapviz lessons --answers`` prints.

>>> answers = notebook_answers()
>>> len(answers["01-walkthrough"]) >= 3
True
>>> check_answer(answers["01-walkthrough"][2])
1

No matplotlib, ipywidgets or pandas here.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from .errors import UsageError
from .fields import read_json_file
from .lessons import LESSON_DIR, Answer, builtin_lessons, check_claim

__all__ = ["NOTEBOOK_ANSWERS", "check_answer", "notebook_answers", "teacher_edition", "teacher_edition_text"]

#: The notebooks' answers, beside the lessons.
NOTEBOOK_ANSWERS = LESSON_DIR / "teacher" / "notebooks.json"

_ANSWER_KEYS = {"question", "answer", "claims", "sources"}


def notebook_answers(path: str | Path | None = None) -> dict[str, list[Answer]]:
    """The answers to each notebook's questions, by notebook name ("01-walkthrough"), in order."""
    where = str(path or NOTEBOOK_ANSWERS)
    data = read_json_file(where, "teacher's edition")
    books = data.get("notebooks") if isinstance(data, dict) else None
    if not isinstance(books, dict):
        raise UsageError(f"{where}: field 'notebooks' must map notebook names to lists of answers")
    out = {}
    for name, items in books.items():
        if not isinstance(items, list) or not items:
            raise UsageError(f"{where}: notebook {name!r} must have a non-empty list of answers")
        answers = []
        for i, item in enumerate(items, 1):
            at = f"{where}: {name}, question {i}"
            if not isinstance(item, dict) or set(item) - _ANSWER_KEYS:
                raise UsageError(f"{at} must be an object of {', '.join(sorted(_ANSWER_KEYS))}")
            for key in ("question", "answer"):
                if not isinstance(item.get(key), str) or not item[key].strip():
                    raise UsageError(f"{at}: field {key!r} must be non-empty text")
            claims, sources = item.get("claims", []), item.get("sources", [])
            if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
                raise UsageError(f"{at}: field 'claims' must be a list of claims")
            if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
                raise UsageError(f"{at}: field 'sources' must be a list of texts")
            answers.append(Answer(where=f"{name}, question {i}", question=item["question"],
                                  answer=item["answer"], claims=tuple(claims), sources=tuple(sources)))
        out[name] = answers
    return out


def check_answer(answer: Answer, traces: dict | None = None) -> int:
    """Run every claim of *answer* against the model; return how many were checked.

    Raises :class:`UsageError` naming the answer and the value that does not
    hold. *traces* are a lesson's traces, for claims that name a variant.
    """
    for i, claim in enumerate(answer.claims, 1):
        check_claim(claim, traces, where=f"{answer.where}, claim {i}")
    return len(answer.claims)


def teacher_edition() -> list[tuple[str, list[Answer]]]:
    """Every answer, grouped: each notebook, then each lesson (heading, answers)."""
    sections = [(f"Notebook {name}", answers) for name, answers in notebook_answers().items()]
    for name, lesson in builtin_lessons().items():
        if lesson.answers:
            sections.append((f"Lesson {name}: {lesson.title}", lesson.answers))
    return sections


def teacher_edition_text(width: int = 88) -> str:
    """The teacher's edition as plain text: each question, its answer and its sources."""
    lines = ["zswapviz: the teacher's edition", ""]
    fill = textwrap.TextWrapper(width=width, initial_indent="   ", subsequent_indent="   ")
    for heading, answers in teacher_edition():
        lines += [heading, "-" * min(len(heading), width)]
        for a in answers:
            label = a.where.split(", ")[-1]
            lines.append(textwrap.fill(f"{label}: {a.question}", width=width, subsequent_indent="   "))
            lines.append(fill.fill("Answer: " + a.answer))
            if a.sources:
                lines.append(fill.fill("Sources: " + "; ".join(a.sources)))
            if a.claims:
                lines.append(fill.fill(f"(checked against the model: {len(a.claims)} claim(s))"))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
