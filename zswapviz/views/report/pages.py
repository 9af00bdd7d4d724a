"""The report of one run: scenario, outcome, verdict, player, figures, numbers."""

from __future__ import annotations

import os
from pathlib import Path

from ..viewmodel import view_model
from . import figures
from .export import check_out, write_atomic
from .page import data_script, esc, footer, page
from .sections import (
    as_trace,
    glossary_link,
    glossary_section,
    numbers_html,
    outcome_html,
    player_html,
    scenario_html,
    subtitle,
    verdict_html,
)


def encode_trace(trace, label: str = "") -> dict:
    """The data a report's player reads: the view model of *trace* (``docs/viewmodel.md``).

    >>> from zswapviz import load_scenario
    >>> vm = encode_trace(load_scenario("demo").run())
    >>> vm["format"], vm["steps"]["fns"][vm["steps"]["fn"][vm["marks"]["failure"][0]]]
    ('zswapviz-view/1', 'zs_malloc')
    """
    return view_model(trace, label)


def render_html(source, *, title: str | None = None) -> str:
    """The HTML of a report of one run: a Trace, a Scenario, or a scenario name or file."""
    trace, scenario = as_trace(source)
    title = title if title is not None else (trace.meta.get("title") or "zswapviz report")
    notes = trace.meta.get("notes") or ""
    data = encode_trace(trace)
    figs = figures.trace_figures(trace, vm=data)
    glossary = glossary_section()
    pid = "zv-data-0"
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="zv-sub">{esc(subtitle(trace))}</p>',
        glossary_link(glossary),
        f'<div class="zv-notes">{esc(notes)}</div>' if notes else "",
        f'<div class="zv-cards">{outcome_html(trace)}{verdict_html(trace)}</div>',
        "<h2>Step through the store</h2>",
        player_html(pid),
        "<h2>Figures</h2>",
        figures.figures_html(figs, pid),
        "<h2>Counters and ledger</h2>",
        numbers_html(trace),
        "<h2>Scenario</h2>",
        scenario_html(trace, scenario),
        glossary,
    ]
    return page(title, "\n".join(b for b in body if b), data_script(pid, data), foot=footer())


def export_html(source, path: str | os.PathLike, *, title: str | None = None) -> Path:
    """Write the report of one run to *path* (atomically); return the path.

    *source* is a :class:`~zswapviz.trace.Trace` (what the explorer holds),
    a :class:`~zswapviz.scenario.Scenario`, or a scenario's built-in name
    or file.
    """
    check_out(path)
    return write_atomic(path, render_html(source, title=title))
