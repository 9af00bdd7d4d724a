"""The teacher's edition: an answer for every question of the notebooks and lessons, each claim true in the model.

The answers to the notebooks' "Questions for a teacher" live in
``data/lessons/teacher/notebooks.json``, the lessons' in their stops. Every
claim an answer makes (a scenario, a step, the values it states) is run
against the model here, and the same claim with one value changed must fail:
an answer the model stops supporting fails a test instead of misleading a class.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from zswapviz.errors import UsageError
from zswapviz.lessons import check_claim
from zswapviz.teacher import (
    NOTEBOOK_ANSWERS,
    check_answer,
    notebook_answers,
    teacher_edition_text,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[1-6]-*.ipynb"))


def notebook_questions(path: Path) -> list[str]:
    """The numbered questions of a notebook's last cell, links read as their words, whitespace made single spaces."""
    text = nbformat.read(path, as_version=4).cells[-1].source
    body = text.split("Questions for a teacher", 1)[1]
    body = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", body)  # glossary links read as their words
    items = re.split(r"^\d+\.\s+", body, flags=re.MULTILINE)[1:]
    return [" ".join(item.split()) for item in items]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_question_has_its_answer_in_order(path):
    """The teacher's edition answers each notebook's questions, the same questions in the same order."""
    answers = notebook_answers()[path.stem]
    asked = notebook_questions(path)
    assert len(asked) >= 3
    assert [" ".join(a.question.split()) for a in answers] == asked


def test_the_answers_file_names_only_existing_notebooks():
    """No answers for a notebook that does not exist (a renamed notebook must take its answers along)."""
    assert set(notebook_answers()) == {p.stem for p in NOTEBOOKS}


def _claims():
    out = []
    for name, answers in notebook_answers().items():
        for a in answers:
            for i, claim in enumerate(a.claims):
                out.append(pytest.param(claim, id=f"{name}-q{a.where.rsplit(' ', 1)[1]}-{i}"))
    return out


@pytest.mark.parametrize("claim", _claims())
def test_each_notebook_answer_claim_holds_and_a_changed_value_is_caught(claim):
    """Each claim holds in the model; the same claim with its first value changed raises UsageError."""
    check_claim(claim, where="claim")
    key, value = next(iter(claim["expect"].items()))
    if isinstance(value, bool):
        wrong = not value
    elif isinstance(value, int):
        wrong = value + 1
    else:
        wrong = f"not {value}"
    with pytest.raises(UsageError, match=re.escape(f"{key} is")):
        check_claim(dict(claim, expect={key: wrong}), where="claim")


def test_most_answers_make_a_claim_the_model_checks():
    """At least three quarters of the notebook answers carry a checked claim; each has sources or a claim."""
    answers = [a for group in notebook_answers().values() for a in group]
    assert sum(1 for a in answers if a.claims) >= 0.75 * len(answers)
    assert sum(check_answer(a) for a in answers[:3]) >= 3


@pytest.mark.parametrize("data, words", [
    ({"notebooks": {"01-x": []}}, "non-empty list of answers"),
    ({"notebooks": {"01-x": [{"question": "q", "answer": ""}]}}, "field 'answer' must be non-empty"),
    ({"notebooks": {"01-x": [{"question": "q", "answer": "a", "hint": 1}]}}, "must be an object of"),
    ({"notebooks": {"01-x": [{"question": "q", "answer": "a", "claims": "x"}]}}, "field 'claims'"),
    ({"books": {}}, "field 'notebooks'"),
])
def test_a_malformed_answers_file_is_a_sentence(tmp_path, data, words):
    """A bad teacher's edition file raises UsageError naming the notebook and question."""
    f = tmp_path / "answers.json"
    f.write_text(json.dumps(data))
    with pytest.raises(UsageError, match=words):
        notebook_answers(f)


def test_lessons_answers_prints_the_teachers_edition():
    """`zswapviz lessons --answers` prints every notebook's and lesson's questions with their answers."""
    out = subprocess.run([sys.executable, "-m", "zswapviz", "lessons", "--answers"], capture_output=True,
                         text=True, cwd=ROOT, check=True).stdout
    assert out == teacher_edition_text()
    data = json.loads(NOTEBOOK_ANSWERS.read_text())
    for name, items in data["notebooks"].items():
        assert f"Notebook {name}" in out
        assert out.count("Answer: ") >= len(items)
    for lesson in ("walkthrough-64k", "failures", "compressors", "limits", "writeback-race"):
        assert f"Lesson {lesson}:" in out
