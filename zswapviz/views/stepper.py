"""The step player as a Jupyter widget: the one renderer, stepping in the browser.

:class:`PlayerWidget` is an ``anywidget`` whose front end is the bundled
``static/player.js``. Python sends a view model (``zswapviz-view/1``) once
per run, or a lesson view once per lesson; stepping, the slider, play and
the jumps then run in the browser. The step shown (and the lesson's click)
come back as the synced traitlets :attr:`step` and :attr:`lesson_frame`, so
Python always knows what the class sees; setting them from Python moves the
page.
"""

from __future__ import annotations

import json

import anywidget
import traitlets as T

from .assets import bundle

__all__ = ["PairWidget", "PlayerWidget", "dumps"]


def dumps(obj) -> str:
    """A view model as compact JSON text (what the widget sends)."""
    return json.dumps(obj, separators=(",", ":"))


class PlayerWidget(anywidget.AnyWidget):
    """One run (or one lesson) drawn by the browser renderer."""

    _esm = bundle()
    #: The view model as JSON text ("" for none); set once per run.
    view = T.Unicode("").tag(sync=True)
    #: A lesson view as JSON text ("" outside a lesson); replaces ``view`` while set.
    lesson_view = T.Unicode("").tag(sync=True)
    #: The step shown; the browser sets it as the class steps, Python may set it too.
    step = T.Int(0).tag(sync=True)
    #: The lesson's click (an index into the lesson view's frames).
    lesson_frame = T.Int(0).tag(sync=True)
    #: Draw the steps after the current one faded (True), or not at all (False); None: the renderer's default.
    spoilers = T.Bool(None, allow_none=True).tag(sync=True)
    #: Show the teacher's answers.
    teacher = T.Bool(False).tag(sync=True)


class PairWidget(anywidget.AnyWidget):
    """Two runs aligned by kernel event, stepped together by the browser renderer."""

    _esm = bundle()
    #: {"a": view model, "b": view model, "labels": [..], "rows": [[i, j], ...]} as JSON text.
    pair = T.Unicode("").tag(sync=True)
    #: The alignment row shown.
    row = T.Int(0).tag(sync=True)
    spoilers = T.Bool(None, allow_none=True).tag(sync=True)
