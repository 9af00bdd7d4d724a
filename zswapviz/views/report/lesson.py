"""A lesson as one page: its stops, a player per trace and a presentation mode (``#present``)."""

from __future__ import annotations

import os
from pathlib import Path

from ...lessons import Lesson, load_lesson
from . import figures
from .encode import encode_trace
from .export import check_out, write_atomic
from .page import data_script, esc, footer, page
from .sections import (
    outcome_html,
    player_html,
    scenario_html,
    shown_path,
    subtitle,
    verdict_html,
)


def render_lesson(lesson: Lesson | str | os.PathLike) -> str:
    """The HTML of a lesson: its stops, a player per trace and a presentation mode."""
    if not isinstance(lesson, Lesson):
        lesson = load_lesson(lesson)
    order = [None] + list(lesson.variants)
    pid_of = {v: f"zv-data-{i}" for i, v in enumerate(order)}
    used = [v for v in order if any(s.variant == v for s in lesson.stops)]
    stops_html = []
    for s in lesson.stops:
        where = f" ({esc(s.variant)})" if s.variant else ""
        q = (f'<p class="zv-q">Question: {esc(s.question)}</p>'
             f"<details><summary>Answer</summary><p>{esc(s.answer)}</p></details>") if s.question else ""
        stops_html.append(
            f'<li><strong>{esc(s.title or "Stop " + str(s.number))}</strong> \u2014 '
            f'<button type="button" class="zv-linkbtn" data-zv-goto="{s.step}" data-zv-player-ref="{pid_of[s.variant]}">'
            f"step {s.step}{where}</button><p>{esc(s.note)}</p>{q}</li>")
    players, data = [], []
    for v in used:
        trace = lesson.trace(v)
        pid = pid_of[v]
        label = v if v is not None else "the lesson's scenario"
        data.append(data_script(pid, encode_trace(trace, label if v else "")))
        head = f"{label}: {trace.meta.get('title', '')}" if v else trace.meta.get("title", "")
        players.append(f"<section><h2>{esc(head)}</h2><p class='zv-sub'>{esc(subtitle(trace))}</p>"
                       f'<div class="zv-cards">{outcome_html(trace)}{verdict_html(trace)}</div>'
                       f"{player_html(pid)}{figures.figures_html(figures.trace_figures(trace, small=True), pid)}</section>")
    lesson_data = {"title": lesson.title, "stops": [
        {"player": pid_of[s.variant], "step": s.step, "title": s.title, "note": s.note, "question": s.question,
         "answer": s.answer, "variant": s.variant or ""} for s in lesson.stops]}
    data.append(data_script("zv-lesson", lesson_data))
    body = [
        f"<h1>{esc(lesson.title)}</h1>",
        f'<p class="zv-sub">A lesson in {len(lesson.stops)} stops \u00b7 {esc(shown_path(lesson.origin))}</p>',
        f'<div class="zv-notes">{esc(lesson.summary)}</div>' if lesson.summary else "",
        ('<p><button type="button" class="zv-btn zv-big" data-zv-present="1">Present (P)</button> '
         '<span class="zv-sub">Full screen, one stop per screen: \u2192 / PageDown / space for the next stop or answer, '
         "\u2190 to go back, Esc to leave. Open this file with <code>#present</code> at the end of its address to start "
         "there.</span></p>"),
        "<h2>Stops</h2>", f'<ol class="zv-stops">{"".join(stops_html)}</ol>',
        *players,
        "<h2>Scenario</h2>", scenario_html(lesson.trace(None), lesson.scenario),
    ]
    return page(lesson.title, "\n".join(b for b in body if b), "\n".join(data),
                 foot=footer("In presentation mode: \u2192 next, \u2190 back, Esc leaves."))


def export_lesson(lesson, path: str | os.PathLike) -> Path:
    """Write a lesson report (with presentation mode) to *path*."""
    check_out(path)
    return write_atomic(path, render_lesson(lesson))
