"""A lesson as one page: its stops and one player that presents them (``#present``).

The player is the renderer's lesson mode over
:func:`zswapviz.views.viewmodel.lesson_view`: each stop shows its step, note
and question, and the next click reveals the answer, in step with
:class:`~zswapviz.lessons.LessonRunner`. The teacher's edition
(``answers=True``, ``zswapviz report --lesson NAME --answers``) also shows
the teacher each answer before the class sees it, lists the answers under
the stops, and adds the checked claims and sources where the lesson has
them; without it the page's stop list carries no answer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ...lessons import Lesson, load_lesson
from ..viewmodel import lesson_view
from .export import check_out, write_atomic
from .page import data_script, esc, footer, page
from .sections import (
    glossary_link,
    glossary_section,
    outcome_html,
    scenario_html,
    shown_path,
    subtitle,
    verdict_html,
)

PLAYER_ID = "zv-data-0"


def _stops_html(lesson: Lesson, frames: list, answers: bool) -> str:
    first_frame = {}
    for f, (i, _revealed) in enumerate(frames):
        first_frame.setdefault(i, f)
    items = []
    for i, s in enumerate(lesson.stops):
        where = f" ({esc(s.variant)})" if s.variant else ""
        q = f'<p class="zv-q">Question: {esc(s.question)}</p>' if s.question else ""
        if s.question and answers:
            q += f'<p class="zv-a">Answer: {esc(s.answer)}</p>'
        items.append(
            f'<li><strong>{esc(s.title or "Stop " + str(s.number))}</strong> \u2014 '
            f'<button type="button" class="zv-linkbtn" data-zv-frame="{first_frame[i]}" '
            f'data-zv-player-ref="{PLAYER_ID}">step {s.step}{where}</button><p>{esc(s.note)}</p>{q}</li>')
    return f'<ol class="zv-stops">{"".join(items)}</ol>'


def _teacher_html(lesson: Lesson) -> str:
    """The teacher's edition: each question's answer, the claims the model checks and the sources."""
    rows = []
    for a in getattr(lesson, "answers", None) or []:
        claims = "".join(f"<li><code>{esc(json.dumps(c, ensure_ascii=False) if isinstance(c, dict) else c)}</code></li>"
                         for c in a.claims)
        sources = ", ".join(esc(s) for s in a.sources)
        rows.append(f"<li><strong>{esc(a.where)}</strong>: {esc(a.question)}"
                    f'<p class="zv-a">{esc(a.answer)}</p>'
                    + (f'<p class="zv-sub">Checked by the model:</p><ul>{claims}</ul>' if claims else "")
                    + (f'<p class="zv-sub">Sources: {sources}</p>' if sources else "") + "</li>")
    if not rows:
        return ""
    return f'<h2 id="answers">Teacher\'s edition: the answers</h2><ol class="zv-stops">{"".join(rows)}</ol>'


def render_lesson(lesson: Lesson | str | os.PathLike, *, answers: bool = False) -> str:
    """The HTML of a lesson: its stops and a player that presents them; *answers* makes the teacher's edition."""
    if not isinstance(lesson, Lesson):
        lesson = load_lesson(lesson)
    lv = lesson_view(lesson, teacher=answers)
    order = [None] + [v for v in lesson.variants if any(s.variant == v for s in lesson.stops)]
    runs = []
    for v in order:
        trace = lesson.trace(v)
        head = f"{v}: {trace.meta.get('title', '')}" if v else trace.meta.get("title", "")
        runs.append(f"<h3>{esc(head)}</h3><p class='zv-sub'>{esc(subtitle(trace))}</p>"
                    f'<div class="zv-cards">{outcome_html(trace)}{verdict_html(trace)}</div>')
    glossary = glossary_section()
    edition = "teacher's edition" if answers else "the class's edition (answers revealed on the click after each question)"
    body = [
        f"<h1>{esc(lesson.title)}</h1>",
        f'<p class="zv-sub">A lesson in {len(lesson.stops)} stops \u00b7 {esc(shown_path(lesson.origin))} \u00b7 {esc(edition)}</p>',
        glossary_link(glossary),
        f'<div class="zv-notes">{esc(lesson.summary)}</div>' if lesson.summary else "",
        (f'<p><button type="button" class="zv-btn zv-big" data-zv-present="{PLAYER_ID}">Present</button> '
         '<span class="zv-sub">Full window, larger type: n or shift+\u2192 for the next stop or answer, b or '
         "shift+\u2190 to go back, Esc to leave. Open this file with <code>#present</code> at the end of its "
         "address to start there.</span></p>"),
        '<div class="zv-player" id="zv-data-0-player" data-zv-player="zv-data-0" aria-label="lesson player"></div>',
        "<h2>Stops</h2>", _stops_html(lesson, lv["frames"], answers),
        _teacher_html(lesson) if answers else "",
        "<h2>The runs</h2>", *runs,
        "<h2>Scenario</h2>", scenario_html(lesson.trace(None), lesson.scenario),
        glossary,
    ]
    return page(lesson.title, "\n".join(b for b in body if b), data_script(PLAYER_ID, lv),
                foot=footer("Lesson: n / b for the next and previous stop, Esc leaves presenting."))


def export_lesson(lesson, path: str | os.PathLike, *, answers: bool = False) -> Path:
    """Write a lesson page (with presentation mode; *answers*: the teacher's edition) to *path*."""
    check_out(path)
    return write_atomic(path, render_lesson(lesson, answers=answers))
