"""Self-contained HTML reports of recorded runs that step offline.

A report is one HTML file: its styles, its script, its figures (base64
PNG) and its data are inlined, and a Content-Security-Policy forbids every
fetch, so opening it makes no network request. It shows the scenario, the
outcome, the counters and the ledger, the validators' verdict, the
explorer's plots as static figures, and a player over the whole trace.

The package, by job:

- :mod:`.page`: the HTML shell every page shares (template, styles, script, escaping);
- :mod:`.encode`: the player's per-step data, linear in the number of steps;
- :mod:`.figures`: the static matplotlib figures;
- :mod:`.sections`: the blocks of a page (outcome, verdict, numbers, scenario);
- :mod:`.pages`: the report of one run;
- :mod:`.comparison`: variants of one scenario side by side;
- :mod:`.lesson`: a lesson with its presentation mode;
- :mod:`.notebooks`: notebooks executed and exported with static widgets;
- :mod:`.index`: everything into one folder with an index page (``report --all``);
- :mod:`.export`: checking an output path and writing a file whole or not at all;
- :mod:`.commands`: the ``report``, ``scenarios`` and ``lessons`` commands.

All text that comes from a user (titles, notes, file names, lesson notes)
is HTML-escaped, data is embedded as JSON with ``<``, ``>`` and ``&``
escaped, and paths are shown by file name only.
"""

from __future__ import annotations

from .commands import add_commands
from .comparison import (
    Variant,
    export_comparison,
    parse_variant,
    render_comparison,
    variant_table,
)
from .export import write_atomic
from .index import NOTEBOOK_DIR, export_all
from .lesson import export_lesson, render_lesson
from .notebooks import export_notebook, static_widget_outputs
from .pages import encode_trace, export_html, render_html

__all__ = [
    "NOTEBOOK_DIR",
    "Variant",
    "add_commands",
    "encode_trace",
    "export_all",
    "export_comparison",
    "export_html",
    "export_lesson",
    "export_notebook",
    "parse_variant",
    "render_comparison",
    "render_html",
    "render_lesson",
    "static_widget_outputs",
    "variant_table",
    "write_atomic",
]
