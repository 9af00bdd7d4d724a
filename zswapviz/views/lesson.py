"""The lesson panel's Python side: a lesson run stop by stop in the explorer.

:class:`LessonControls` is the part of :class:`~zswapviz.views.explorer.Explorer`
that runs a lesson: it keeps the :class:`~zswapviz.lessons.LessonRunner`
(the one cursor over a lesson's clicks, shared with the reports), sends the
lesson view (``zswapviz-lesson/1``: stops, clicks and the view model of each
trace) to the page once, and follows the clicks the page reports through the
synced ``lesson_frame``. The panel itself (note, question, the answer on the
next click, the teacher's answer) is drawn by the renderer.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..lessons import Lesson, LessonRunner, load_lesson
from .form import builtin_name
from .stepper import dumps
from .viewmodel import lesson_view

__all__ = ["LessonControls"]


class LessonControls:
    """Lesson methods of the explorer (it provides ``player``, ``form``, ``trace``, ``step`` and ``_view_of``)."""

    runner: LessonRunner | None = None
    own_run = False

    def lesson(self, lesson: Lesson | str | Path):
        """Run a lesson here: its runs, stop by stop, with the teacher's notes and questions; return the explorer.

        *lesson* is a :class:`~zswapviz.lessons.Lesson`, a built-in lesson's
        name or a lesson file. The page shows each stop's step (in the
        lesson's run or a variant's), the note and the question; the answer
        shows on the next click (:meth:`next_stop`). The steps after the stop
        are not drawn (no spoilers) unless ``spoilers=True`` was given.
        """
        if not isinstance(lesson, Lesson):
            lesson = load_lesson(lesson)
        self.runner = lesson.runner()
        self._lesson_view = lesson_view(lesson, teacher=self.teacher)
        self._send_lesson()
        return self

    def _send_lesson(self) -> None:
        r = self.runner
        self.own_run = False
        self._follow_stop()
        with self.player.hold_sync():
            self.player.lesson_view = dumps(self._lesson_view)
            self.player.lesson_frame = r.frame
            self.player.step = self.step

    def _follow_stop(self) -> None:
        """Take the runner's stop as what is shown: its trace, its scenario's values, its step."""
        r = self.runner
        if self.trace is not r.trace:
            scenario = r.lesson.scenario if r.variant is None else r.lesson.variants[r.variant]
            self.form.use(scenario, builtin_name(scenario))
            self.form.sync()
            self.trace, self.scenario = r.trace, scenario
            self.view = self._view_of(r.trace)
            self._after_run()
        self.step = r.step

    def _lesson_runner(self) -> LessonRunner:
        if self.runner is None:
            raise UsageError("No lesson is running here; start one with explorer.lesson(\"walkthrough-64k\").")
        return self.runner

    def _lesson_moved(self) -> None:
        if self.own_run:
            self._send_lesson()
            return
        self._follow_stop()
        with self.player.hold_sync():
            self.player.lesson_frame = self.runner.frame
            self.player.step = self.step

    def next_stop(self) -> bool:
        """Reveal the current question's answer, or go to the next stop; False at the lesson's end."""
        moved = self._lesson_runner().next()
        self._lesson_moved()
        return moved

    def previous_stop(self) -> bool:
        """Undo one :meth:`next_stop` (hide the answer, or go back a stop); False at the start."""
        moved = self._lesson_runner().previous()
        self._lesson_moved()
        return moved

    def reveal(self) -> None:
        """Show the current stop's answer (nothing happens when it asks no question)."""
        self._lesson_runner().reveal()
        self._lesson_moved()

    def go_stop(self, index: int) -> None:
        """Jump to the lesson's stop *index* (from 0), its answer hidden."""
        self._lesson_runner().go(index)
        self._lesson_moved()

    def leave_lesson(self) -> None:
        """Leave the lesson; the explorer stays on the run and step shown."""
        self.runner = None
        self.own_run = False
        with self.player.hold_sync():
            self.player.lesson_view = ""
            self.player.view = dumps(self.view)
            self.player.step = self.step

    @property
    def lesson_text(self) -> str:
        """What the lesson panel says now (stop, title, note, question, the answer once revealed), as text."""
        r = self.runner
        if r is None:
            return ""
        parts = [f"Lesson: {r.lesson.title} · stop {r.number} of {len(r.lesson.stops)} · step {r.step}",
                 r.stop.title, r.note]
        if r.question:
            parts.append(f"Question: {r.question}")
        if r.answer is not None:
            parts.append(f"Answer: {r.answer}")
        return "\n".join(p for p in parts if p)
